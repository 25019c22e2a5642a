// `megc bench`: environment, network-kernel and training throughput in one run; a table, and JSON with --json.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Option, type Command } from 'commander';
import { formatRow, runBench, tableHeader } from '../../bench/suite.js';
import { UserError } from '../errors.js';
import { checkWritableFile, writeFileAtomic } from '../io/atomic.js';
import { action, adapterOption, deviceOption, type DeviceKind } from './common.js';

function versions(): Record<string, string> {
  const require = createRequire(import.meta.url);
  const version = (name: string) => {
    try { return (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string }).version; } catch { return 'unknown'; }
  };
  return { node: process.version, webgpu: version('webgpu'), megc: version('megc-webgpu') };
}

export function registerBench(program: Command): void {
  program
    .command('bench')
    .description('measure environment steps/s, network GFLOP/s and training iterations/s (GPU and CPU reference)')
    .option('--quick', 'small sizes only (also chosen automatically on a software adapter)')
    .addOption(new Option('--json [file]', 'write the report as JSON (to stdout when no file is given)'))
    .addOption(new Option('--only <sections>', 'comma-separated subset of env,nn,train'))
    .addOption(deviceOption())
    .addOption(adapterOption())
    .action(action(async (opts: { quick?: boolean; json?: string | boolean; only?: string; device: DeviceKind; adapter?: string }) => {
      const sections = opts.only?.split(',').map((s) => s.trim()) as ('env' | 'nn' | 'train')[] | undefined;
      for (const s of sections ?? []) if (!['env', 'nn', 'train'].includes(s)) throw new UserError(`--only: unknown section "${s}" (env, nn, train)`);
      // The report's file is checked before measuring (minutes), not after.
      if (typeof opts.json === 'string') checkWritableFile(opts.json);
      const toStdout = opts.json === true;
      const log = toStdout ? (s: string) => console.error(s) : (s: string) => console.log(s);
      log(tableHeader());
      const report = await runBench({ quick: Boolean(opts.quick), device: opts.device, adapter: opts.adapter, sections, onRow: (r) => log(formatRow(r)) }, versions());
      log(`adapter: ${report.adapter ?? 'none (CPU reference only)'}${report.software ? ' (software)' : ''}; ${report.date}`);
      const text = JSON.stringify(report, null, 2) + '\n';
      if (toStdout) process.stdout.write(text);
      else if (typeof opts.json === 'string') { writeFileAtomic(opts.json, text); log(`wrote ${opts.json}`); }
    }));
}
