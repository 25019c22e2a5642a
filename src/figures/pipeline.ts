// `megc figures` without the CLI: plan the training runs, reuse or train them, and write Figures 3-5 (SVG, PNG, CSV), of
// the letter's world or of a world of many users and servers.
import { mkdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { UserError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import { DEFAULT_TRAIN_CONFIG, parseTrainConfig, type TrainConfig } from '../train/config.js';
import { LockedDirectory } from '../train/runDirectory.js';
import {
  POLICY_LATENCY_COLUMNS, REWARD_COLUMNS, USER_LATENCY_COLUMNS, POLICY_LABELS,
  policyLatencyTable, rewardTable, shortNumber, tableCsv, userLatencyTable,
  type LearningRateGroup, type PolicyLatencyRow,
} from './data.js';
import { formatTextTable } from '../textTable.js';
import { renderSvg, svgToPng } from './render.js';
import { readRun, runStatus, POLICIES, type TrainingRun } from './runs.js';
import { latencyTitles, policyLatencySpec, rewardSpec, userLatencySpec, worldCaptionLine } from './specs.js';

export type FigureDevice = 'gpu' | 'cpu';

/** What a figures run trains: overrides of the default TrainConfig and the learning-rate scales of Figure 3. */
export interface FigureProfile {
  name: 'quick' | 'default';
  train: Partial<TrainConfig>;
  /** Multipliers of the profile's lrActor and lrCritic (Figure 3); 1 must be among them (Figures 4 and 5 use it). */
  lrScales: number[];
}

/**
 * The learning recipe of the figures: the first default recipe (docs/RECIPE.md), fixed here so that the committed
 * figures stay reproducible when the trainer's defaults change. Its rates are those Figure 3 scales.
 */
const FIGURE_RECIPE: Partial<TrainConfig> = {
  updatesPerIteration: 8, lrActor: 1e-3, lrCritic: 1e-3, noiseEnd: 0.05, replayCapacity: 1 << 17,
};

export const FIGURE_PROFILES: Record<FigureProfile['name'], FigureProfile> = {
  // About 10 s per run on lavapipe (2 cores): small networks, 3 episodes, a small evaluation set.
  quick: {
    name: 'quick',
    train: { ...FIGURE_RECIPE, envs: 64, batch: 64, hidden: [32, 32], iterations: 300, evalSlots: 4096, replayCapacity: 16384 },
    lrScales: [0.1, 1, 3],
  },
  // 20 episodes of 100 slots per run; 3 scales x 3 seeds, the 3 default-rate runs evaluated on MODEL.md's 65,536 slots.
  // Measured on lavapipe, 2 cores shared (load 11-14), 8 updates per iteration: 96-168 s per run, 1,121 s in all.
  default: {
    name: 'default',
    train: { ...FIGURE_RECIPE, envs: 64, batch: 64, hidden: [32, 32], iterations: 2000, evalSlots: 65536 },
    lrScales: [0.1, 1, 3],
  },
};

/** The request passed to the trainer (runTraining in src/train/run.ts has this shape). */
export interface TrainRequest {
  scenario: Record<string, unknown>;
  config: TrainConfig;
  device: FigureDevice;
  out: string;
  adapter?: string;
  /** Whether to evaluate LARA, FRA, RRA and OPT at the end (only the default-learning-rate runs feed Fig. 5). */
  evaluate: boolean;
  /** Continue the stopped run of this config in `out` from its checkpoint. */
  resume: boolean;
  /** Replace what `out` holds (another config, or a run stopped before its first checkpoint): its run files only. */
  replace: boolean;
}
export type TrainRunner = (request: TrainRequest) => Promise<unknown>;

export interface FiguresOptions {
  /** Output folder: figures at the top, training runs under runs/<profile>/lr-x<scale>/seed-<n>/. */
  out: string;
  quick?: boolean;
  seeds: readonly number[];
  /** The resolved scenario the runs train on (its JSON form, as config.json records it). */
  scenario: Record<string, unknown>;
  /** How captions name the scenario, e.g. "default (MODEL.md)" or the file name. */
  scenarioName: string;
  /** A world of many users and servers, in one line (worldSummary); absent for the letter's world. */
  world?: string;
  device: FigureDevice;
  adapter?: string;
  /** Overrides of the profile's learning-rate scales. */
  lrScales?: readonly number[];
  /** Overrides of the profile's TrainConfig fields (sizes chosen by measurement). */
  trainOverrides?: Partial<TrainConfig>;
  /** Trains one run into request.out; called only for runs not already in `out`. */
  train: TrainRunner;
  log?: (line: string) => void;
}

export interface RunRecord { directory: string; lrScale: number; seed: number; reused: boolean; seconds: number }

export interface FiguresResult {
  /** Paths of the nine figure files written. */
  files: string[];
  runs: RunRecord[];
  /** Figure 5's table (the README's result table). */
  table: PolicyLatencyRow[];
}

export const FIGURE_FILES = {
  reward: 'fig3-reward-vs-episode',
  userLatency: 'fig4-latency-vs-episode',
  policyLatency: 'fig5-latency-by-policy',
} as const;

/** A run's folder name for a learning-rate scale: the exact number (String round-trips), so distinct scales never share one. */
export function scaleName(scale: number): string {
  return `lr-x${String(scale)}`;
}

/** Where one run of the figures trains: OUT/runs/<profile>/lr-x<scale>/seed-<n>. */
export function figureRunDirectory(out: string, profile: FigureProfile['name'], scale: number, seed: number): string {
  return join(out, 'runs', profile, scaleName(scale), `seed-${seed}`);
}

/** The TrainConfig of one run: defaults, then the profile, then overrides, then the seed and scaled learning rates. */
export function runConfig(profile: FigureProfile, overrides: Partial<TrainConfig>, scale: number, seed: number): TrainConfig {
  const base = parseTrainConfig({ ...DEFAULT_TRAIN_CONFIG, ...profile.train, ...overrides }, 'figures profile');
  return parseTrainConfig({ ...base, seed, lrActor: base.lrActor * scale, lrCritic: base.lrCritic * scale }, 'figures profile');
}

function validateOptions(options: FiguresOptions, scales: readonly number[]): void {
  if (options.seeds.length === 0) throw new UserError('--seeds: give at least one seed');
  if (new Set(options.seeds).size !== options.seeds.length) throw new UserError(`--seeds: a seed is repeated (${options.seeds.join(',')})`);
  if (scales.length === 0 || !scales.includes(1)) throw new UserError('--lr-scales: must include 1 (Figures 4 and 5 use the default learning rate)');
  if (scales.some((s) => !(s > 0) || !Number.isFinite(s))) throw new UserError(`--lr-scales: every scale must be a positive number (${scales.join(',')})`);
  if (new Set(scales).size !== scales.length) throw new UserError(`--lr-scales: a scale is repeated (${scales.join(',')})`);
}

/** Trains the runs that are not already in options.out, then writes the three figures. */
export async function makeFigures(options: FiguresOptions): Promise<FiguresResult> {
  const profile = FIGURE_PROFILES[options.quick ? 'quick' : 'default'];
  const scales = [...(options.lrScales ?? profile.lrScales)].sort((a, b) => a - b);
  validateOptions(options, scales);
  const log = options.log ?? (() => {});
  // The output folder first, before any training: created (a file in the way or a read-only place is one clear
  // line) and locked for this command.
  const output = LockedDirectory.open(options.out, { log });
  try {
    return await makeFiguresIn(options, profile, scales, log);
  } finally {
    output.close({ discardIfEmpty: true });  // an output folder this command created and left empty goes
  }
}

async function makeFiguresIn(options: FiguresOptions, profile: FigureProfile, scales: number[], log: (line: string) => void): Promise<FiguresResult> {
  const overrides = options.trainOverrides ?? {};

  const records: RunRecord[] = [];
  const groups: LearningRateGroup[] = [];
  const total = scales.length * options.seeds.length;
  for (const scale of scales) {
    const group: LearningRateGroup = { scale, lrActor: 0, lrCritic: 0, runs: [] };
    for (const seed of options.seeds) {
      const config = runConfig(profile, overrides, scale, seed);
      group.lrActor = config.lrActor;
      group.lrCritic = config.lrCritic;
      const directory = figureRunDirectory(options.out, profile.name, scale, seed);
      const shown = relative(process.cwd(), directory) || directory;
      const evaluate = scale === 1;
      const status = runStatus(directory, config, options.scenario, evaluate);
      const started = performance.now();
      if (status.action === 'reuse') {
        log(`run ${records.length + 1}/${total} ${shown}: reusing (${status.reason})`);
      } else {
        log(`run ${records.length + 1}/${total} ${shown}: ${status.action === 'resume' ? 'resuming' : 'training'} (${status.reason})`);
        await options.train({
          scenario: options.scenario, config, device: options.device, out: directory, adapter: options.adapter, evaluate,
          resume: status.action === 'resume', replace: status.action === 'train',
        });
        const after = runStatus(directory, config, options.scenario, evaluate);
        if (after.action !== 'reuse') throw new Error(`the trainer finished ${shown} but the run is not usable: ${after.reason}`);
      }
      const seconds = (performance.now() - started) / 1000;
      records.push({ directory, lrScale: scale, seed, reused: status.action === 'reuse', seconds });
      group.runs.push(readRun(directory, evaluate));
    }
    groups.push(group);
  }

  const defaultRuns = groups.find((g) => g.scale === 1)!.runs;
  const files = await writeFigures(options.out, groups, defaultRuns, {
    scenarioName: options.scenarioName,
    world: options.world,
    seeds: options.seeds,
    profile: Object.keys(overrides).length === 0 ? `${profile.name} profile` : `${profile.name} profile, sizes overridden`,
    slotsPerEpisode: typeof options.scenario.slotsPerEpisode === 'number' ? options.scenario.slotsPerEpisode : undefined,
  });
  return { files, runs: records, table: policyLatencyTable(defaultRuns) };
}

export interface CaptionContext {
  scenarioName: string;
  /** A world of many users and servers (Figs. 4 and 5 then show service types); absent for the letter's. */
  world?: string;
  seeds: readonly number[];
  profile: string;
  slotsPerEpisode?: number;
}

function setupLine(run: TrainingRun, context: CaptionContext): string {
  const train = run.config.train;
  const hidden = Array.isArray(train.hidden) ? (train.hidden as number[]).join('×') : '?';
  const device = run.config.device ? ` on ${run.config.device}` : '';
  return `LARA (${train.critic === 'model' ? 'model critic' : 'DDPG'}) trained${device}: ${train.envs} environments, batch ${train.batch}, ${train.iterations} iterations, `
    + `hidden ${hidden}; ${context.profile}`;
}

/** Writes fig3/fig4/fig5 as .csv, .svg and .png into `out` (atomically, each file); returns their paths. */
export async function writeFigures(
  out: string, groups: readonly LearningRateGroup[], defaultRuns: readonly TrainingRun[], context: CaptionContext,
): Promise<string[]> {
  mkdirSync(out, { recursive: true });
  const seeds = `seeds ${context.seeds.join(', ')}`;
  const scenario = `Scenario: ${context.scenarioName}`;
  const band = context.seeds.length > 1 ? `line = mean over ${context.seeds.length} seeds, band = ±1 standard deviation` : 'one seed';
  const setup = setupLine(defaultRuns[0], context);
  const defaultLr = groups.find((g) => g.scale === 1)!;
  const evaluationSlots = defaultRuns[0].evaluation?.slots ?? 0;
  const subject = context.world === undefined ? 'users' : 'types';
  const titles = latencyTitles(subject);
  const optExact = defaultRuns.every((run) => run.evaluation?.optExact !== false);
  const worldLine = (withOpt: boolean) => (context.world === undefined ? [] : [worldCaptionLine(context.world, withOpt ? optExact : undefined)]);

  const rewardRows = rewardTable(groups);
  const userRows = userLatencyTable(defaultRuns);
  const policyRows = policyLatencyTable(defaultRuns);
  const figures: { name: string; csv: string; spec: Parameters<typeof renderSvg>[0] }[] = [
    {
      name: FIGURE_FILES.reward,
      csv: tableCsv(rewardRows, REWARD_COLUMNS),
      spec: rewardSpec(rewardRows, {
        title: 'Fig. 3 — Episode reward during training, for several learning rates',
        lines: [`${scenario} · ${seeds} · ${band}`, `${setup}; learning rates = default × scale`],
      }, context.slotsPerEpisode),
    },
    {
      name: FIGURE_FILES.userLatency,
      csv: tableCsv(userRows, USER_LATENCY_COLUMNS),
      spec: userLatencySpec(userRows, {
        title: titles.userLatency,
        lines: [`${scenario} · ${seeds} · ${band}`, ...worldLine(false),
          `${setup}; lr actor ${shortNumber(defaultLr.lrActor)} / critic ${shortNumber(defaultLr.lrCritic)}`],
      }, context.slotsPerEpisode, subject),
    },
    {
      name: FIGURE_FILES.policyLatency,
      csv: tableCsv(policyRows, POLICY_LATENCY_COLUMNS),
      spec: policyLatencySpec(policyRows, {
        title: titles.policyLatency,
        lines: [
          `${scenario} · ${seeds} · ${evaluationSlots} evaluation slots per seed, the same states for every policy`, ...worldLine(true),
          `${setup}; bars = mean over seeds${context.seeds.length > 1 ? ', whiskers = ±1 standard deviation' : ''}`,
        ],
      }, subject),
    },
  ];

  const files: string[] = [];
  for (const figure of figures) {
    const svg = await renderSvg(figure.spec);
    const base = join(out, figure.name);
    writeFileAtomic(`${base}.csv`, figure.csv);
    writeFileAtomic(`${base}.svg`, svg);
    writeFileAtomic(`${base}.png`, svgToPng(svg));
    files.push(`${base}.csv`, `${base}.svg`, `${base}.png`);
  }
  return files;
}

/** Figure 5's table as aligned text: one row per policy, mean latency per user and total (s), gap to OPT. */
export function formatResultTable(rows: readonly PolicyLatencyRow[]): string {
  const header = ['policy', 'comp (s)', 'aigc (s)', 've (s)', 'total (s)', 'gap to OPT'];
  const lines = POLICIES.map((policy) => {
    const of = (user: string) => rows.find((r) => r.policy === policy && r.user === user)!;
    const cells = (['comp', 'aigc', 've', 'total'] as const).map((u) => of(u).latency_mean_s.toFixed(4));
    const gap = of('total').gap_to_opt;
    return [POLICY_LABELS[policy], ...cells, policy === 'opt' ? '—' : `${(gap * 100).toFixed(1)}%`];
  });
  return formatTextTable([header, ...lines]);
}
