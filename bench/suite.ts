// The bench suite behind `megc bench` / `npm run bench`: this adapter's peaks, environment, network kernels and full
// training (with the per-kernel profile), and a generalised world's rollout and training, one table; variants chosen by
// the tuner as `megc train` chooses them.
import type { ProfileRow } from '../src/gpu/profiler.js';
import { createGpu, type Gpu } from '../src/gpu/runtime.js';
import { Tuner, tunerKeys, type TuneMode } from '../src/gpu/tuner.js';
import { FileTuneStore } from '../src/gpu/tuneStore.js';
import { benchEnvironment } from './env.js';
import { benchNetworks } from './nn.js';
import { measurePeaks, REREAD_BYTES } from '../src/nn/peaks.js';
import { benchTraining, type TrainingBenchRow } from './train.js';
import { benchWorld, DEFAULT_WORLD_SCENARIO, worldName } from './world.js';
import { loadScenario } from '../src/scenario.js';
import { UserError } from '../src/errors.js';

export type BenchSection = 'peaks' | 'env' | 'nn' | 'train' | 'world';
export const BENCH_SECTIONS: readonly BenchSection[] = ['peaks', 'env', 'nn', 'train', 'world'];

/**
 * The sections run when none are named: all of them on a hardware adapter; without the world section on a software
 * adapter (compiling a large world's kernels takes minutes on lavapipe) or without a GPU (--device cpu).
 */
export function defaultBenchSections(software: boolean | null): BenchSection[] {
  return software === false ? [...BENCH_SECTIONS] : BENCH_SECTIONS.filter((s) => s !== 'world');
}

export interface Figure { min: number; median: number; max: number }

/** One measured figure; `params` holds the sizes it was measured at. */
export interface BenchRow {
  section: BenchSection;
  name: string;
  device: 'gpu' | 'cpu';
  params: Record<string, number | string>;
  unit: string;
  value: Figure;
}

export interface BenchReport {
  date: string;
  adapter: string | null;
  software: boolean | null;
  versions: Record<string, string>;
  quick: boolean;
  /** The tuner's mode and choices (op shape -> variant). */
  tune: { mode: TuneMode; choices: Record<string, string> };
  rows: BenchRow[];
  /** Per-kernel profiles of the training configs (with --profile). */
  profiles: { config: string; rows: ProfileRow[]; emptyDispatchMicroseconds?: number }[];
}

export interface BenchOptions {
  quick: boolean;
  device: 'gpu' | 'cpu';
  adapter?: string;
  /** Default: defaultBenchSections of the adapter. */
  sections?: BenchSection[];
  /** The world section's scenario file (default DEFAULT_WORLD_SCENARIO). */
  world?: string;
  tune?: TuneMode;
  profile?: boolean;
  onRow?: (row: BenchRow) => void;
  /** A training config's per-kernel rows, and what their timing adds to each (an empty dispatch timed the same way). */
  onProfile?: (config: string, rows: ProfileRow[], emptyDispatchMicroseconds?: number) => void;
  /** Progress lines (tuning). */
  log?: (line: string) => void;
}

export async function runBench(opts: BenchOptions, versions: Record<string, string>): Promise<BenchReport> {
  // Trained as `megc train` trains: the JS thread yielding the cores to a CPU adapter's threads.
  const gpu: Gpu | null = opts.device === 'gpu' ? await createGpu({ adapter: opts.adapter, yieldToCpuAdapter: true }) : null;
  const software = gpu?.info.isSoftware ?? null;
  // On a software adapter (lavapipe) or with --quick, the sizes shrink so that the whole suite takes about a minute.
  const small = opts.quick || software === true;
  const sections = opts.sections ?? defaultBenchSections(software);
  const rows: BenchRow[] = [];
  const profiles: BenchReport['profiles'] = [];
  const emit = (row: BenchRow) => { rows.push(row); opts.onRow?.(row); };
  const tuneMode = opts.tune ?? 'quick';
  const tuner = gpu ? new Tuner(gpu.device, { mode: tuneMode, ...tunerKeys(gpu), store: new FileTuneStore(undefined, opts.log), log: opts.log }) : null;
  const one = (x: number) => ({ min: x, median: x, max: x });
  /** A training row's iterations/s, samples/s and (GPU) dispatches per iteration, and its profile. */
  const emitTraining = (section: BenchSection, name: string, more: BenchRow['params'], r: TrainingBenchRow) => {
    const params = { ...more, envs: r.envs, batch: r.batch, hidden: r.hidden, updates: r.updatesPerIteration };
    emit({ section, name, device: r.device, params, unit: 'iterations/s', value: r.iterationsPerSecond });
    emit({ section, name, device: r.device, params, unit: 'samples/s', value: r.samplesPerSecond });
    if (r.dispatchesPerIteration !== undefined) emit({ section, name, device: r.device, params, unit: 'dispatches/iteration', value: one(r.dispatchesPerIteration) });
    if (r.profile) {
      profiles.push({ config: name, rows: r.profile, emptyDispatchMicroseconds: r.profileEmptyDispatchMicroseconds });
      opts.onProfile?.(name, r.profile, r.profileEmptyDispatchMicroseconds);
    }
  };
  let peaks;
  try {
    if (opts.world !== undefined && !sections.includes('world')) throw new UserError('--world: the world section is not selected (add --only world)');
    if (tuner && (sections.includes('peaks') || opts.profile)) {
      peaks = await measurePeaks(tuner);
      emit({ section: 'peaks', name: 'copy (read + write)', device: 'gpu', params: { bytes: peaks.copyBytes }, unit: 'GB/s', value: one(peaks.gbps) });
      emit({ section: 'peaks', name: `matmul ${peaks.matmulVariant}`, device: 'gpu', params: { n: peaks.matmulN }, unit: 'GFLOP/s', value: one(peaks.gflops) });
      emit({ section: 'peaks', name: 're-read (cached)', device: 'gpu', params: { bytes: REREAD_BYTES, workgroups: peaks.rereadWorkgroups }, unit: 'GB/s', value: one(peaks.rereadGbps) });
    }
    if (sections.includes('env')) {
      const sizes = small ? [1e3, 1e4, 1e5] : [1e3, 1e4, 1e5, 1e6, 1e7, 8_388_608];
      const envRows = await benchEnvironment(gpu, { sizes, repeats: small ? 3 : 7, cpuSizes: small ? [1e3, 1e4] : [1e3, 1e4, 1e5] });
      for (const r of envRows) emit({ section: 'env', name: r.name, device: r.device, params: { n: r.n }, unit: 'env-steps/s', value: r.stepsPerSecond });
    }
    if (sections.includes('nn')) {
      await benchNetworks(gpu, {
        quick: small, tuner: tuner ?? undefined, peaks,
        onRow: (r) => emit({ section: 'nn', name: r.name, device: r.device, params: { batch: r.batch, hidden: r.hidden }, unit: 'GFLOP/s', value: r.gflops }),
      });
    }
    if (sections.includes('train')) {
      await benchTraining(gpu, {
        quick: small, tuner: tuner ?? undefined, profile: opts.profile, peaks, defaultConfig: true,
        onRow: (r) => emitTraining('train', `train ${r.config === 'default' ? 'default config' : `${r.envs}x${r.batch}`}`, {}, r),
      });
    }
    if (sections.includes('world')) {
      const path = opts.world ?? DEFAULT_WORLD_SCENARIO;
      const world = worldName(path);
      await benchWorld(gpu, {
        scenario: loadScenario(path), quick: small, tuner: tuner ?? undefined, profile: opts.profile, peaks,
        onEnvRow: (r) => {
          const row = { section: 'world' as const, name: r.name, device: r.device, params: { world, n: r.n, users: r.users } };
          emit({ ...row, unit: 'env-steps/s', value: r.stepsPerSecond });
          emit({ ...row, unit: 'user-steps/s', value: r.userStepsPerSecond });
        },
        onTrainRow: (r) => emitTraining('world', `train ${r.envs}x${r.batch}, model critic`, { world }, r),
      });
    }
  } finally {
    gpu?.destroy();
  }
  return {
    date: new Date().toISOString(),
    adapter: gpu ? `${gpu.info.vendor} ${gpu.info.device} ${gpu.info.description}`.trim() : null,
    software,
    versions,
    quick: small,
    tune: { mode: tuneMode, choices: tuner?.choices ?? {} },
    rows,
    profiles,
  };
}

function format(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x >= 1e6 || x < 1e-2) return x.toExponential(3);
  return x >= 100 ? x.toFixed(0) : x.toPrecision(4);
}

/** The rows as a fixed-width table: section, name, device, sizes, median, min-max, unit. */
export function formatRow(r: BenchRow): string {
  const params = Object.entries(r.params).map(([k, v]) => `${k}=${v}`).join(' ');
  return `${r.section.padEnd(5)} ${r.name.padEnd(34)} ${r.device.padEnd(3)} ${params.padEnd(28)} ` +
    `${format(r.value.median).padStart(10)}  [${format(r.value.min)} .. ${format(r.value.max)}] ${r.unit}`;
}

export function tableHeader(): string {
  return `${'sect'.padEnd(5)} ${'name'.padEnd(34)} ${'dev'.padEnd(3)} ${'sizes'.padEnd(28)} ${'median'.padStart(10)}  [min .. max] unit`;
}
