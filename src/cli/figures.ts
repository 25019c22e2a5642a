// `megc figures`: the letter's Figures 3, 4 and 5 (SVG, PNG and the CSV behind each), training only the runs not yet in
// DIR; on a world of many users and servers the same figures, per service type (the mean latency of an active user).
import { basename, join } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { Interrupted } from '../errors.js';
import { FIGURE_FILES, FIGURE_PROFILES, figureRunDirectory, formatResultTable, makeFigures } from '../figures/pipeline.js';
import {
  isLetter, parseNumberText, scenarioToJson, UserError, worldOf, worldOptEvalSlots, worldSummary, type TrainConfig,
} from '../index.js';
import { checkOutputDirectory, refuseOutputOverInput } from '../io/outputs.js';
import { RUN_FILES } from '../train/runDirectory.js';
import { runTraining, type TrainingProgress } from '../train/run.js';
import { action, adapterOption, deviceOption, integerListOption, integerOption, scenarioOf, scenarioOption, type DeviceKind } from './common.js';

interface FiguresCliOptions {
  out: string;
  quick?: boolean;
  scenario?: string;
  seeds: number[];
  lrScales?: number[];
  envs?: number;
  batch?: number;
  iterations?: number;
  hidden?: number[];
  evalSlots?: number;
  critic?: TrainConfig['critic'];
  device: DeviceKind;
  adapter?: string;
}

/** A comma-separated list of positive numbers, e.g. "0.1,1,3". */
export function positiveNumberList(value: string): number[] {
  // Each one read as a number flag is (parseNumberText: no 0x10, nothing that overflows or reads as 0).
  const positive = (part: string) => { try { return parseNumberText(part, 0, Infinity, { exclusiveMin: true }); } catch { return NaN; } };
  const scales = value.split(',').map(positive);
  if (scales.some(Number.isNaN)) throw new InvalidArgumentError(`expected comma-separated positive numbers, got "${value}"`);
  return scales;
}

/** A comma-separated list of seeds (integers in [0, 2^32 - 1]), e.g. "1,2,3". */
function seedList(value: string): number[] {
  const parts = value.split(',').map((s) => s.trim());
  if (parts.some((p) => !/^\d+$/.test(p) || Number(p) > 2 ** 32 - 1)) {
    throw new InvalidArgumentError(`expected comma-separated integer seeds in [0, 4294967295], got "${value}"`);
  }
  return parts.map(Number);
}

/**
 * The paths of `megc figures` checked before any training: --out a directory (or none yet), and --scenario none of the
 * files it writes (the figures, and each run's files under --out/runs), however named.
 */
function checkFiguresPaths(opts: FiguresCliOptions): void {
  checkOutputDirectory('--out', opts.out);
  const profile = FIGURE_PROFILES[opts.quick ? 'quick' : 'default'];
  const figures = Object.values(FIGURE_FILES).flatMap((name) => ['csv', 'svg', 'png'].map((ext) => join(opts.out, `${name}.${ext}`)));
  const runs = (opts.lrScales ?? profile.lrScales).flatMap((scale) => opts.seeds.flatMap((seed) =>
    RUN_FILES.map((file) => join(figureRunDirectory(opts.out, profile.name, scale, seed), file))));
  refuseOutputOverInput([...figures, ...runs].map((path) => ({ flag: '--out', path })),
    [opts.scenario !== undefined ? { flag: '--scenario', path: opts.scenario } : undefined]);
}

const fmt = (x: number) => (Number.isFinite(x) ? x.toPrecision(3) : String(x));

export function registerFigures(program: Command): void {
  const quick = FIGURE_PROFILES.quick;
  const full = FIGURE_PROFILES.default;
  const sizes = (p: typeof quick) => `${p.train.envs} envs, batch ${p.train.batch}, hidden ${p.train.hidden?.join('x')}, ${p.train.iterations} iterations`;
  program
    .command('figures')
    .description('reproduce the letter\'s Figures 3-5 as SVG, PNG and CSV in DIR (a world of many users: per service type); reuses the training runs already in DIR/runs')
    .addOption(new Option('--out <dir>', 'output folder: the figures, and the training runs under DIR/runs/').default('runs/figures'))
    .addOption(new Option('--quick', `tiny runs for a smoke test (${sizes(quick)}) instead of the default (${sizes(full)})`))
    .addOption(scenarioOption())
    .addOption(new Option('--seeds <list>', 'training seeds, comma-separated: figures show their mean and a ±1 sd band').argParser(seedList).default([1, 2, 3], '1,2,3'))
    .addOption(new Option('--lr-scales <list>', `Fig. 3's learning rates as multiples of the defaults, must include 1 (default ${full.lrScales.join(',')})`).argParser(positiveNumberList))
    .addOption(new Option('--envs <n>', 'override the profile\'s parallel environments').argParser(integerOption(1)))
    .addOption(new Option('--batch <n>', 'override the profile\'s minibatch size').argParser(integerOption(1)))
    .addOption(new Option('--iterations <n>', 'override the profile\'s training iterations').argParser(integerOption(1)))
    .addOption(new Option('--hidden <widths>', 'override the profile\'s hidden layer widths').argParser(integerListOption))
    .addOption(new Option('--eval-slots <n>', 'override the profile\'s evaluation set size (a world: at most OPT\'s default set, 4096, 256 or 16 slots, unless given)').argParser(integerOption(1)))
    .addOption(new Option('--critic <kind>', 'what the actor learns through: learned = DDPG\'s critic network, model = a world\'s own latency (a world of many users only)').choices(['learned', 'model']))
    .addOption(deviceOption())
    .addOption(adapterOption())
    .action(action(async (opts: FiguresCliOptions) => {
      checkFiguresPaths(opts);
      const scenario = scenarioOf(opts.scenario);
      const world = worldOf(scenario);
      const trainOverrides: Partial<TrainConfig> = {};
      if (opts.envs !== undefined) trainOverrides.envs = opts.envs;
      if (opts.batch !== undefined) trainOverrides.batch = opts.batch;
      if (opts.iterations !== undefined) trainOverrides.iterations = opts.iterations;
      if (opts.hidden !== undefined) trainOverrides.hidden = opts.hidden;
      if (opts.evalSlots !== undefined) trainOverrides.evalSlots = opts.evalSlots;
      if (opts.critic !== undefined) trainOverrides.critic = opts.critic;
      // A world's OPT runs on the CPU (45 ms a slot where it enumerates associations, 0.5 s where it bounds them): the
      // runs are evaluated on at most the set `megc eval --policy opt` takes by default.
      const profile = FIGURE_PROFILES[opts.quick ? 'quick' : 'default'];
      if (!isLetter(world) && opts.evalSlots === undefined && (profile.train.evalSlots ?? Infinity) > worldOptEvalSlots(world)) {
        trainOverrides.evalSlots = worldOptEvalSlots(world);
      }
      const started = performance.now();
      const result = await makeFigures({
        out: opts.out,
        quick: opts.quick,
        seeds: opts.seeds,
        scenario: scenarioToJson(scenario),
        scenarioName: opts.scenario ? basename(opts.scenario) : 'default (MODEL.md)',
        world: isLetter(world) ? undefined : worldSummary(world),
        device: opts.device,
        adapter: opts.adapter,
        lrScales: opts.lrScales,
        trainOverrides,
        log: (line) => console.log(line),
        train: async (request) => {
          let lastPrint = 0;
          const onProgress = (p: TrainingProgress) => {
            const now = Date.now();
            if (now - lastPrint < 10_000 && p.iteration < p.total) return;
            lastPrint = now;
            console.log(`  iteration ${p.iteration}/${p.total} episode ${p.episode} reward ${fmt(p.reward)} `
              + `L_total ${fmt(p.lTotal)} s, ${fmt(p.iterationsPerSecond)} it/s`);
          };
          // A stopped run of this config resumes (its checkpoint's config must be the one requested); another is replaced.
          const run = await runTraining({
            scenario, config: request.resume ? undefined : request.config, overrides: request.resume ? request.config : undefined,
            resume: request.resume, replace: request.replace, device: request.device, adapter: request.adapter, out: request.out,
            evaluate: request.evaluate, onProgress, log: (line) => console.log(`  ${line}`),
          });
          if (run.stopped === 'SIGINT' || run.stopped === 'SIGTERM') {
            throw new Interrupted(`${run.stopped}: figures stopped; run megc figures again to continue (finished runs are reused, ${request.out} resumes)`, run.stopped);
          }
          if (run.stopped) throw new UserError(`training stopped in ${request.out}; run megc figures again to continue`);
        },
      });
      const trained = result.runs.filter((r) => !r.reused);
      const measure = isLetter(world) ? 'mean latency per slot' : `${worldSummary(world)}: per type the mean latency of an active user, total = mean L_total per slot,`;
      console.log(`\n${measure} on the evaluation set (default learning rate, mean over seeds ${opts.seeds.join(', ')}):`);
      console.log(formatResultTable(result.table));
      console.log(`\nwrote ${result.files.join(', ')}`);
      console.log(`${trained.length} run(s) trained (${trained.map((r) => `${r.seconds.toFixed(1)} s`).join(', ') || 'none'}), `
        + `${result.runs.length - trained.length} reused; ${((performance.now() - started) / 1000).toFixed(1)} s in all`);
    }));
}
