// `megc bench`: environment, network-kernel and training throughput in one run; a table, and JSON with --json.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Option, type Command } from 'commander';
import type { PeerRecipe } from '../../bench/peers/race.js';
import { BENCH_SECTIONS, formatRow, runBench, tableHeader, type BenchSection } from '../../bench/suite.js';
import { formatProfile } from '../gpu/profiler.js';
import { TUNE_MODES, type TuneMode } from '../gpu/tuner.js';
import { UserError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import { checkOutputFile } from '../io/outputs.js';
import { packageVersion } from '../version.js';
import { action, adapterOption, deviceOption, type DeviceKind } from './common.js';

/** The versions a report records: Node's, Dawn's bindings' (package webgpu) and this package's own. */
export function versions(): Record<string, string> {
  const require = createRequire(import.meta.url);
  const version = (name: string) => {
    try { return (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string }).version; } catch { return 'unknown'; }
  };
  return { node: process.version, webgpu: version('webgpu'), megc: packageVersion() };
}

export function registerBench(program: Command): void {
  program
    .command('bench')
    .description("measure this adapter's peaks, environment steps/s, network GFLOP/s and training iterations/s (GPU and CPU reference)")
    .option('--quick', 'small sizes only (also chosen automatically on a software adapter)')
    .addOption(new Option('--json [file]', 'write the report as JSON (to stdout when no file is given)'))
    .addOption(new Option('--only <sections>', `comma-separated subset of ${BENCH_SECTIONS.join(',')}`))
    .addOption(new Option('--tune <mode>', 'how kernel variants are chosen: off (defaults), quick, full (time every candidate); cached per adapter').choices([...TUNE_MODES]).default('quick'))
    .option('--profile', 'also time every kernel of the training configs and print the per-kernel table')
    .option('--peers', 'instead: time to within 1% of OPT of the JAX CPU peer (bench/peers/lara_jax.py) and of `megc train`, one after the other (minutes; JSON to runs/peers.json of the working directory)')
    .addOption(new Option('--peer-recipe <recipe>', "with --peers: the JAX peer's recipe, its baseline (128x2, 1,024 envs = batch, 4 updates) or megc's default config").choices(['baseline', 'megc'] satisfies PeerRecipe[]).default('baseline'))
    .addOption(deviceOption())
    .addOption(adapterOption())
    .action(action(async (opts: { quick?: boolean; json?: string | boolean; only?: string; device: DeviceKind; adapter?: string; peers?: boolean; peerRecipe: PeerRecipe; tune: TuneMode; profile?: boolean }) => {
      if (opts.peers) {
        const { runPeerRace } = await import('../../bench/peers/race.js');
        await runPeerRace({ json: opts.json === true ? true : opts.json || undefined, adapter: opts.adapter, peerRecipe: opts.peerRecipe });
        return;
      }
      const sections = opts.only?.split(',').map((s) => s.trim()) as BenchSection[] | undefined;
      for (const s of sections ?? []) if (!BENCH_SECTIONS.includes(s)) throw new UserError(`--only: unknown section "${s}" (${BENCH_SECTIONS.join(', ')})`);
      // The report's file is checked before measuring (minutes), not after.
      if (typeof opts.json === 'string') checkOutputFile('--json', opts.json);
      const toStdout = opts.json === true;
      const log = toStdout ? (s: string) => console.error(s) : (s: string) => console.log(s);
      log(tableHeader());
      const report = await runBench({
        quick: Boolean(opts.quick), device: opts.device, adapter: opts.adapter, sections, tune: opts.tune, profile: Boolean(opts.profile),
        onRow: (r) => log(formatRow(r)),
        onProfile: (config, rows) => log(`\nper-kernel profile, ${config} (medians; of peak = predicted at this adapter's peaks / measured)\n${formatProfile(rows)}\n`),
        log: (line) => console.error(line),
      }, versions());
      log(`adapter: ${report.adapter ?? 'none (CPU reference only)'}${report.software ? ' (software)' : ''}; ${report.date}`);
      const text = JSON.stringify(report, null, 2) + '\n';
      if (toStdout) process.stdout.write(text);
      else if (typeof opts.json === 'string') { writeFileAtomic(opts.json, text); log(`wrote ${opts.json}`); }
    }));
}
