// `megc train`: trains LARA (DDPG) on the GPU (or the CPU reference), writing metrics, checkpoint and evaluation.
import { Option, type Command } from 'commander';
import cliProgress from 'cli-progress';
import { DEFAULT_TRAIN_CONFIG, parseTrainConfig, UserError, type TrainConfig } from '../index.js';
import { parseJson } from '../json.js';
import { SIGNAL_EXIT_CODES } from '../signals.js';
import { checkpointPath, loadPolicy } from '../train/checkpoint.js';
import { MAX_ITERATIONS } from '../train/config.js';
import { CONFIG_FILE, runTraining, type TrainingProgress } from '../train/run.js';
import { existsSync } from 'node:fs';
import { readInputFile } from '../io/inputFile.js';
import { checkOutputDirectory, refuseEmptyPath, refuseOutputOverInput } from '../io/outputs.js';
import { join } from 'node:path';
import { DEFAULT_TUNE, TUNE_MODES, type TuneMode } from '../gpu/tuner.js';
import type { TuneChoice } from '../train/kernelChoices.js';
import { parseTrainerPlans } from '../train/plans.js';
import { isDirectory, RUN_FILES, sameDirectory } from '../train/runDirectory.js';
import { action, adapterOption, deviceOption, integerListOption, integerOption, numberOption, scenarioOf, scenarioOption, type DeviceKind } from './common.js';

interface TrainOptions {
  force?: boolean;
  scenario?: string;
  envs?: number;
  batch?: number;
  iterations?: number;
  episodes?: number;
  hidden?: number[];
  updates?: number;
  lrActor?: number;
  lrCritic?: number;
  lrDecay?: number;
  gamma?: number;
  tau?: number;
  noiseStart?: number;
  noiseEnd?: number;
  warmup?: number;
  replayCapacity?: number;
  shareFloor?: number;
  reward?: 'log' | 'linear';
  critic?: 'learned' | 'model';
  channelPrior?: number;
  sharePrior?: number;
  associationMoves?: number;
  iterationsPerSubmit?: number;
  seed?: number;
  evalSlots?: number;
  device: DeviceKind;
  adapter?: string;
  checkpointEvery: number;
  evalEvery?: number;
  out: string;
  resume?: string;
  progress?: boolean;
  eval?: boolean;
  tune: string;
  mixedPrecision?: boolean;
  profile?: boolean;
}

const D = DEFAULT_TRAIN_CONFIG;

/** Maps CLI flags to TrainConfig fields (only the flags the user gave). */
const FLAG_FIELDS: [keyof TrainOptions, keyof TrainConfig, string][] = [
  ['envs', 'envs', '--envs'], ['batch', 'batch', '--batch'], ['iterations', 'iterations', '--iterations'],
  ['hidden', 'hidden', '--hidden'], ['updates', 'updatesPerIteration', '--updates'], ['lrActor', 'lrActor', '--lr-actor'],
  ['lrCritic', 'lrCritic', '--lr-critic'], ['lrDecay', 'lrDecay', '--lr-decay'], ['gamma', 'gamma', '--gamma'], ['tau', 'tau', '--tau'],
  ['noiseStart', 'noiseStart', '--noise-start'], ['noiseEnd', 'noiseEnd', '--noise-end'], ['warmup', 'warmupIterations', '--warmup'],
  ['replayCapacity', 'replayCapacity', '--replay-capacity'], ['shareFloor', 'shareFloor', '--share-floor'], ['reward', 'reward', '--reward'],
  ['critic', 'critic', '--critic'], ['channelPrior', 'channelPrior', '--channel-prior'],
  ['sharePrior', 'sharePrior', '--share-prior'], ['associationMoves', 'associationMoves', '--association-moves'],
  ['iterationsPerSubmit', 'iterationsPerSubmit', '--iterations-per-submit'], ['seed', 'seed', '--seed'], ['evalSlots', 'evalSlots', '--eval-slots'],
];

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('train LARA (DDPG with log-share critic features) on the GPU; writes DIR/metrics.csv, checkpoint, evaluation')
    .addOption(scenarioOption())
    .addOption(new Option('--envs <n>', `parallel environments (default ${D.envs})`).argParser(integerOption(1)))
    .addOption(new Option('--batch <n>', `minibatch size (default ${D.batch})`).argParser(integerOption(1)))
    .addOption(new Option('--iterations <n>', `training iterations (default ${D.iterations})`).argParser(integerOption(1)).conflicts('episodes'))
    .addOption(new Option('--episodes <n>', 'training length in episodes of the scenario (iterations = episodes x slotsPerEpisode)').argParser(integerOption(1)))
    .addOption(new Option('--hidden <widths>', `hidden layer widths of actor and critic (default ${D.hidden.join(',')})`).argParser(integerListOption))
    .addOption(new Option('--updates <n>', `gradient updates per iteration (default ${D.updatesPerIteration})`).argParser(integerOption(1)))
    .addOption(new Option('--lr-actor <x>', `actor Adam learning rate (default ${D.lrActor})`).argParser(numberOption(0, Infinity, { exclusiveMin: true })))
    .addOption(new Option('--lr-critic <x>', `critic Adam learning rate (default ${D.lrCritic})`).argParser(numberOption(0, Infinity, { exclusiveMin: true })))
    .addOption(new Option('--lr-decay <x>', `final / initial learning rate, cosine (default ${D.lrDecay})`).argParser(numberOption(0, 1, { exclusiveMin: true })))
    .addOption(new Option('--gamma <g>', `discount (default ${D.gamma}: exact for this problem, the action does not change the next state)`).argParser(numberOption(0, 0.999)))
    .addOption(new Option('--tau <x>', `soft target update rate (default ${D.tau})`).argParser(numberOption(0, 1)))
    .addOption(new Option('--noise-start <x>', `exploration noise on the pre-activations at the start (default ${D.noiseStart})`).argParser(numberOption(0)))
    .addOption(new Option('--noise-end <x>', `exploration noise at the end, cosine (default ${D.noiseEnd})`).argParser(numberOption(0)))
    .addOption(new Option('--warmup <n>', `iterations acting with noise only before the actor is used (default ${D.warmupIterations})`).argParser(integerOption(0)))
    .addOption(new Option('--replay-capacity <n>', `replay ring capacity in transitions (default ${D.replayCapacity})`).argParser(integerOption(1)))
    .addOption(new Option('--share-floor <x>', `lower bound of every share (default ${D.shareFloor})`).argParser(numberOption(0, 0.1)))
    .addOption(new Option('--reward <kind>', `learning reward: log = -ln(L_total), linear = -L_total (default ${D.reward})`).choices(['log', 'linear']))
    .addOption(new Option('--critic <kind>', `what the actor learns through: learned = DDPG's critic network, model = a generalised world's own latency (exact at gamma 0; no critic network) (default ${D.critic})`).choices(['learned', 'model']))
    .addOption(new Option('--channel-prior <w>', `with --critic model where the policy associates: association scores start at w x ln(channel gain), so the untrained actor takes each user's strongest server (default ${D.channelPrior}: none)`).argParser(numberOption(0, 100)))
    .addOption(new Option('--share-prior <w>', `with --critic model: share scores start at w/2 x ln(each user's work), the optimum's square-root rule (default ${D.sharePrior}: none)`).argParser(numberOption(0, 100)))
    .addOption(new Option('--association-moves <k>', `with --critic model where the policy associates: at most k users per minibatch row are labelled to move, those whose move helps most (default ${D.associationMoves}: every user's best response)`).argParser(integerOption(0)))
    .addOption(new Option('--iterations-per-submit <n>', `iterations encoded per GPU submit (default ${D.iterationsPerSubmit})`).argParser(integerOption(1)))
    .addOption(new Option('--seed <n>', `random seed (default ${D.seed})`).argParser(integerOption(0, 2 ** 32 - 1)))
    .addOption(new Option('--eval-slots <n>', `evaluation set size (default ${D.evalSlots})`).argParser(integerOption(1)))
    .addOption(deviceOption().default('gpu', 'gpu; on --resume: the device the run was trained on'))
    .addOption(adapterOption())
    .addOption(new Option('--checkpoint-every <seconds>', 'seconds between periodic checkpoints (0: only at the end or on a stop)').argParser(numberOption(0)).default(300))
    .addOption(new Option('--out <dir>', 'run directory (metrics.csv, config.json, checkpoint.safetensors, evaluation.json); locked while training').default('runs/lara'))
    .addOption(new Option('--resume <dir>', 'continue the run in DIR from its checkpoint (config and scenario from the checkpoint; --iterations/--episodes may extend it); with --out, the continued run goes there and DIR stays as it was'))
    .addOption(new Option('--no-progress', 'plain periodic lines even on a terminal'))
    .addOption(new Option('--force', 'replace a finished or stopped run already in --out: its files are deleted once the new run is set up (default: refuse, so no run is lost)'))
    .addOption(new Option('--no-eval', 'skip the final evaluation table (LARA, FRA, RRA, OPT)'))
    .addOption(new Option('--eval-every <n>', "also evaluate the actor every n iterations while training (DIR/evaluations.csv: its mean latencies and gap to OPT on the evaluation set, with the run clock's seconds of training, which leave the evaluations out); training is unchanged").argParser(integerOption(1)))
    .addOption(new Option('--tune <how>', 'how the GPU kernels are chosen: off (the defaults), quick (time the likely variants on this GPU), full (time them all); ' +
      "cached per adapter; or an earlier run's directory or config.json to repeat its choices exactly (a resume reuses its run's)").default(DEFAULT_TUNE))
    .addOption(new Option('--mixed-precision', "also offer kernels that round matmul inputs to f16 (f16 tiles, tensor cores, the fused update's f16 weight streams): faster on some GPUs, results differ slightly"))
    .addOption(new Option('--profile', 'time every GPU kernel (each in its own pass, so training is slower) and print the per-kernel table after training'))
    .action(action(async (opts: TrainOptions, command: Command) => {
      // --resume R1 --out R2 forks: R2 gets the continued run, R1 stays as it was.
      const outGiven = command.getOptionValueSource('out') !== 'default';
      const out = opts.resume !== undefined && !outGiven ? opts.resume : opts.out;
      checkTrainPaths(opts, out);
      const scenario = opts.resume && !opts.scenario ? undefined : scenarioOf(opts.scenario);
      const given: Partial<TrainConfig> = {};
      for (const [flag, field] of FLAG_FIELDS) {
        if (opts[flag] !== undefined) (given as Record<string, unknown>)[field] = opts[flag];
      }
      if (opts.episodes !== undefined) {
        // episodes of the scenario trained on: on a resume without --scenario, the checkpoint's
        const slots = (scenario ?? loadPolicy(opts.resume!).scenario).slotsPerEpisode;
        given.iterations = episodesToIterations(opts.episodes, slots);
      }
      // Errors name the flag the user gave (--episodes, not the iterations it set).
      const flagOf = (field: string) => (field === 'iterations' && opts.episodes !== undefined ? '--episodes'
        : FLAG_FIELDS.find(([, f]) => f === field)?.[2]);
      const config = opts.resume ? undefined : parseTrainConfig({ ...given }, 'flags', flagOf);
      // On a resume, --device only when the user gave it: by default the run continues where it was trained (exact).
      const deviceGiven = command.getOptionValueSource('device') !== 'default';
      const device = opts.resume && !deviceGiven ? undefined : opts.device;
      const reporter = progressReporter(Boolean(process.stdout.isTTY) && opts.progress !== false);
      try {
        const result = await runTraining({
          scenario, config, overrides: opts.resume ? given : undefined, device, adapter: opts.adapter,
          out, resume: opts.resume !== undefined, from: opts.resume, replace: opts.force, onProgress: reporter.update, log: reporter.log,
          evaluate: opts.eval !== false, checkpointEverySeconds: opts.checkpointEvery, evalEvery: opts.evalEvery,
          tune: tuneChoice(opts.tune), mixedPrecision: opts.mixedPrecision, profile: opts.profile,
          // This process's JS thread mostly waits for the GPU: on a CPU adapter it yields the cores to the adapter's threads.
          yieldToCpuAdapter: true,
        });
        if (result.stopped === 'SIGINT' || result.stopped === 'SIGTERM') process.exitCode = SIGNAL_EXIT_CODES[result.stopped];
      } finally {
        reporter.stop();
      }
    }));
}

/**
 * The paths of a training run checked before any work: --out a directory (or none yet), no path flag empty, and no
 * file the run writes (config.json, metrics.csv, the checkpoint, evaluation.json in --out) one of the files it reads
 * (--scenario, --tune, the checkpoint a fork continues), however named. Resuming in place continues --out's own run.
 */
function checkTrainPaths(opts: TrainOptions, out: string): void {
  if (opts.resume !== undefined) refuseEmptyPath('--resume', opts.resume);
  checkOutputDirectory('--out', out);
  if (opts.scenario !== undefined) refuseEmptyPath('--scenario', opts.scenario);
  refuseEmptyPath('--tune', opts.tune);
  const tune = tuneFile(opts.tune);
  const fork = opts.resume !== undefined && !sameDirectory(opts.resume, out);
  refuseOutputOverInput(RUN_FILES.map((file) => ({ flag: '--out', path: join(out, file) })), [
    opts.scenario !== undefined ? { flag: '--scenario', path: opts.scenario } : undefined,
    tune !== undefined ? { flag: '--tune', path: tune } : undefined,
    fork ? { flag: '--resume', path: checkpointPath(opts.resume!) } : undefined,
  ]);
}

/** The config.json that --tune reads: undefined for a mode (off, quick, full). */
function tuneFile(value: string): string | undefined {
  if ((TUNE_MODES as readonly string[]).includes(value)) return undefined;
  return isDirectory(value) ? join(value, CONFIG_FILE) : value;
}

/** Largest config.json --tune reads: a run's config and plans are a few kilobytes. */
const MAX_TUNE_FILE_BYTES = 1 << 20;

/** --tune's value: a mode, or the kernel plans recorded in a run directory's (or a file's) config.json. */
export function tuneChoice(value: string): TuneChoice {
  if ((TUNE_MODES as readonly string[]).includes(value)) return value as TuneMode;
  const path = tuneFile(value)!;
  if (!existsSync(path)) throw new UserError(`--tune ${value}: not off, quick or full, and no such run directory or config.json`);
  let json: { tuning?: { plans?: unknown } };
  const text = readInputFile(path, { what: `--tune ${value}: ${path}`, maxBytes: MAX_TUNE_FILE_BYTES }).toString('utf8');
  try { json = parseJson(text) as typeof json; } catch (error) { throw new UserError(`--tune ${value}: ${path} is not valid JSON (${(error as Error).message})`); }
  if (json?.tuning?.plans === undefined) throw new UserError(`--tune ${value}: ${path} records no kernel plans (a CPU run, or one from before tuning)`);
  return { plans: parseTrainerPlans(json.tuning.plans, path), source: path };
}

/** Iterations of `episodes` episodes of `slots` slots; a UserError naming --episodes when a run cannot count that many. */
export function episodesToIterations(episodes: number, slots: number): number {
  const iterations = episodes * slots;
  if (iterations > MAX_ITERATIONS) {
    throw new UserError(`--episodes ${episodes}: ${episodes} episodes of ${slots} slots are ${iterations} iterations, more than the ${MAX_ITERATIONS} a run counts; the most is --episodes ${Math.floor(MAX_ITERATIONS / slots)}`);
  }
  return iterations;
}

const fmt = (x: number, digits = 3) => (Number.isFinite(x) ? x.toPrecision(digits) : String(x));

/** A cli-progress bar on a terminal, one line every few seconds (and per episode) otherwise. */
function progressReporter(tty: boolean): { update: (p: TrainingProgress) => void; log: (line: string) => void; stop: () => void } {
  if (tty) {
    const bar = new cliProgress.SingleBar({
      format: 'train [{bar}] {value}/{total} it | ep {episode} reward {reward} | L comp {lcomp} aigc {laigc} ve {lve} s | {rate} it/s {samples} samples/s | ETA {eta_formatted}',
      hideCursor: true, etaBuffer: 20, clearOnComplete: false,
    }, cliProgress.Presets.shades_classic);
    let started = false;
    return {
      update(p) {
        const payload = {
          episode: p.episode, reward: fmt(p.reward), lcomp: fmt(p.lComp), laigc: fmt(p.lAigc), lve: fmt(p.lVe),
          rate: fmt(p.iterationsPerSecond), samples: fmt(p.samplesPerSecond),
        };
        if (!started) { bar.start(p.total, p.iteration, payload); started = true; } else bar.update(p.iteration, payload);
      },
      log(line) { if (started) bar.stop(); started = false; console.log(line); },
      stop() { if (started) bar.stop(); started = false; },
    };
  }
  let last = 0;
  return {
    update(p) {
      const now = Date.now();
      if (now - last < 5000 && p.iteration < p.total) return;
      last = now;
      const eta = p.iterationsPerSecond > 0 ? (p.total - p.iteration) / p.iterationsPerSecond : NaN;
      console.log(`iteration ${p.iteration}/${p.total} episode ${p.episode} reward ${fmt(p.reward)} ` +
        `L_comp ${fmt(p.lComp)} L_aigc ${fmt(p.lAigc)} L_ve ${fmt(p.lVe)} L_total ${fmt(p.lTotal)} ` +
        `critic_loss ${fmt(p.criticLoss)} actor_loss ${fmt(p.actorLoss)} ${fmt(p.iterationsPerSecond)} it/s ` +
        `${fmt(p.samplesPerSecond)} samples/s ETA ${Number.isFinite(eta) ? `${Math.round(eta)} s` : '?'}`);
    },
    log(line) { console.log(line); },
    stop() {},
  };
}
