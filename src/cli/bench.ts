// `megc bench`: environment, network-kernel and training throughput, and a generalised world's (the `world` section), in
// one run; a table, and JSON with --json.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Option, type Command } from 'commander';
import type { PeerRecipe } from '../../bench/peers/race.js';
import { BENCH_SECTIONS, formatRow, runBench, tableHeader, type BenchSection } from '../../bench/suite.js';
import { emptyDispatchNote, formatProfile } from '../gpu/profiler.js';
import { TUNE_MODES, type TuneMode } from '../gpu/tuner.js';
import { describeWorld, isLetter, loadScenarioFile, UserError, worldOf, type Scenario } from '../index.js';
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

/** Refuses the letter's world for the world section (its model critic trains generalised worlds only), in one line. */
function requireWorld(scenario: Scenario, path: string): void {
  const world = worldOf(scenario);
  if (isLetter(world)) throw new UserError(`--world ${path}: ${describeWorld(world)}, the letter's world; the world section measures a generalised world (e.g. scenarios/large.json)`);
}

export function registerBench(program: Command): void {
  program
    .command('bench')
    .description("measure this adapter's peaks, environment steps/s, network GFLOP/s and training iterations/s (GPU and CPU reference); " +
      "section world: a generalised world's rollout steps/s and its training iterations/s with the model critic")
    .option('--quick', 'small sizes only (also chosen automatically on a software adapter)')
    .addOption(new Option('--json [file]', 'write the report as JSON (to stdout when no file is given)'))
    .addOption(new Option('--only <sections>', `comma-separated subset of ${BENCH_SECTIONS.join(',')}; default all, but world only on a hardware adapter ` +
      '(world: the rollout of --world against the CPU reference, env-steps/s and user-steps/s, and training iterations with --critic model; ' +
      'building a large world\'s kernels takes minutes on a software adapter, so there it runs only when named)'))
    .addOption(new Option('--world <file>', `the world section's scenario (default the package's scenarios/large.json: 8 servers, 96 users)`))
    .addOption(new Option('--tune <mode>', 'how kernel variants are chosen: off (defaults), quick, full (time every candidate); cached per adapter').choices([...TUNE_MODES]).default('quick'))
    .option('--profile', 'also time every kernel of the training configs and print the per-kernel table')
    .option('--peers', 'instead: time to within 1% of OPT of the JAX CPU peer (bench/peers/lara_jax.py) and of `megc train`, one after the other (minutes; JSON to runs/peers.json of the working directory)')
    .addOption(new Option('--peer-recipe <recipe>', "with --peers: the JAX peer's recipe, its baseline (128x2, 1,024 envs = batch, 4 updates) or megc's default config").choices(['baseline', 'megc'] satisfies PeerRecipe[]).default('baseline'))
    .addOption(deviceOption())
    .addOption(adapterOption())
    .action(action(async (opts: { quick?: boolean; json?: string | boolean; only?: string; world?: string; device: DeviceKind; adapter?: string; peers?: boolean; peerRecipe: PeerRecipe; tune: TuneMode; profile?: boolean }) => {
      if (opts.peers) {
        const { runPeerRace } = await import('../../bench/peers/race.js');
        await runPeerRace({ json: opts.json === true ? true : opts.json || undefined, adapter: opts.adapter, peerRecipe: opts.peerRecipe });
        return;
      }
      const sections = opts.only?.split(',').map((s) => s.trim()) as BenchSection[] | undefined;
      for (const s of sections ?? []) if (!BENCH_SECTIONS.includes(s)) throw new UserError(`--only: unknown section "${s}" (${BENCH_SECTIONS.join(', ')})`);
      // The report's file is checked before measuring (minutes), not after.
      if (typeof opts.json === 'string') checkOutputFile('--json', opts.json);
      if (opts.world !== undefined) requireWorld(loadScenarioFile(opts.world), opts.world);
      const toStdout = opts.json === true;
      const log = toStdout ? (s: string) => console.error(s) : (s: string) => console.log(s);
      log(tableHeader());
      const report = await runBench({
        quick: Boolean(opts.quick), device: opts.device, adapter: opts.adapter, sections, world: opts.world, tune: opts.tune, profile: Boolean(opts.profile),
        onRow: (r) => log(formatRow(r)),
        onProfile: (config, rows, empty) => log(`\nper-kernel profile, ${config} (medians; of peak = predicted at this adapter's peaks / measured)\n${formatProfile(rows)}\n` +
          (empty === undefined ? '' : `${emptyDispatchNote(empty)}\n`)),
        log: (line) => console.error(line),
      }, versions());
      log(`adapter: ${report.adapter ?? 'none (CPU reference only)'}${report.software ? ' (software)' : ''}; ${report.date}`);
      const text = JSON.stringify(report, null, 2) + '\n';
      if (toStdout) process.stdout.write(text);
      else if (typeof opts.json === 'string') { writeFileAtomic(opts.json, text); log(`wrote ${opts.json}`); }
    }));
}
