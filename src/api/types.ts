// The library's own result and option types (docs/API.md): plain data, independent of the trainer's internals.
import type { Scenario } from '../scenario.js';
import type { TrainConfig } from '../train/config.js';

/** Where GPU work runs: a device the host application opened and shares; without one, see each function. */
export interface DeviceOption {
  /** A WebGPU device to run on (it stays the caller's: megc never destroys it). */
  device?: GPUDevice;
}

/** A WebGPU adapter as `megc info` shows it. */
export interface AdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A software adapter (Mesa lavapipe, SwiftShader, a fallback adapter): the CPU emulates the GPU, expect it slow. */
  isSoftware: boolean;
  /** Its fields in one line, `vendor / architecture / device / description`, with ` (software)` for a software one. */
  name: string;
}

/** Mean latencies in seconds of a policy over an evaluation set, per user and in total (L_total = comp + aigc + ve). */
export interface LatencyMeans { comp: number; aigc: number; ve: number; total: number }

/** The fixed baselines of the letter: full (equal) allocation, random allocation, and the per-slot optimum. */
export type Baseline = 'fra' | 'rra' | 'opt';

/** Which evaluation set: `slots` states of set `seed` (1 is the standard set of MODEL.md "Evaluation protocol"). */
export interface EvaluationSetOptions {
  /** States to score (default 65,536, the letter's; OPT on the CPU takes about a second per thousand). */
  slots?: number;
  /** Evaluation set index, an integer in [1, 2^32] (default 1). */
  seed?: number;
}

/** A trained LARA actor: enough to act and to evaluate, as read from a checkpoint or returned by trainLara. */
export interface TrainedPolicy {
  /** Where it came from (a checkpoint's name, or "training"); error messages name it. */
  source: string;
  /** Layer sizes of the actor, [7, ...hidden, 7] (a world's: its observation and pre-activation sizes at the ends). */
  sizes: number[];
  /** Flat actor parameters, float64 (per layer: weights (in, out) row-major, then biases). */
  actor: Float64Array;
  /** The configuration it was trained with. */
  config: TrainConfig;
  /** The scenario it was trained on (its observations are normalised by it). */
  scenario: Scenario;
  /** Training iterations completed. */
  iteration: number;
}

/** What one training iteration measured: the acting actions' true latencies (means over envs) and the update losses. */
export interface IterationMetrics {
  /** The iteration (time slot) just run, 0-based. */
  iteration: number;
  /** Gradient updates run in this iteration (0 while the replay holds less than one batch). */
  updates: number;
  /** True reward -L_total of the acting (noisy) actions. */
  reward: number;
  lComp: number;
  lAigc: number;
  lVe: number;
  lTotal: number;
  /** Mean critic and actor losses of this iteration's updates; NaN when none ran. */
  criticLoss: number;
  actorLoss: number;
}

/** Reported after each chunk of iterations (config.iterationsPerSubmit) lands. */
export interface TrainingProgress {
  /** Iterations completed. */
  iteration: number;
  /** Iterations the run is configured for. */
  total: number;
  /** This chunk's metrics, one per iteration. */
  rows: IterationMetrics[];
  /** Iterations per second over about the last 10 s, as `megc train` shows it. */
  iterationsPerSecond: number;
  /** With TrainOptions.policyEvery, on the chunks that end at a multiple of it: the actor as this iteration left it. */
  policy?: TrainedPolicy;
}

/** How trainLara runs. */
export interface TrainOptions extends DeviceOption {
  /** Fields of the training configuration that differ from DEFAULT_TRAIN_CONFIG (validated: a UserError names the field). */
  config?: Partial<TrainConfig>;
  /** Called after each chunk of iterations. */
  onProgress?: (progress: TrainingProgress) => void;
  /** Aborting stops the run at the next chunk boundary; the result then has `stopped: true` and the policy so far. */
  signal?: AbortSignal;
  /**
   * How the kernels are chosen, as `megc train --tune`: 'off' (the defaults), 'quick' (time the likely variants on this
   * device once, cached per adapter: a file in Node, localStorage on a page) or 'full'. Default 'quick' (DEFAULT_TUNE).
   */
  tune?: 'off' | 'quick' | 'full';
  /**
   * Also offer the tuner the kernels that round matmul inputs to f16, as `megc train --mixed-precision`: f16 and
   * tensor-core tiles, and the fused update's half weights (f16 weight streams). Faster on some GPUs; the results
   * differ slightly (each candidate within 2e-2 of the default's). Default false; with `tune: 'off'` nothing changes.
   */
  mixedPrecision?: boolean;
  /**
   * Also hand onProgress the actor after every policyEvery-th iteration (to evaluate it with evaluateLara, as `megc
   * train --eval-every` does): the chunks end there and copy it into their readback; training is unchanged, bit for bit.
   */
  policyEvery?: number;
}

/** What trainLara returns. */
export interface TrainingResult {
  /** The actor after the last completed iteration. */
  policy: TrainedPolicy;
  /** Every iteration's metrics, in order. */
  metrics: IterationMetrics[];
  /** Iterations completed. */
  iterations: number;
  /** Whether the signal ended the run before config.iterations. */
  stopped: boolean;
  /**
   * The full trainer state as checkpoint.safetensors bytes (docs/CHECKPOINT.md), which loadPolicy, `megc act` and
   * `megc eval --policy` read. It holds no episode log, so `megc train --resume` refuses it.
   */
  checkpoint(): Uint8Array;
}

/**
 * LARA, FRA, RRA and OPT on the same evaluation set, and LARA's gap to OPT, as `megc train` reports a run. On a world,
 * comp, aigc and ve are per type the mean latency of an active user, total the mean L_total per slot.
 */
export interface PolicyComparison {
  /** States scored. */
  slots: number;
  lara: LatencyMeans;
  fra: LatencyMeans;
  rra: LatencyMeans;
  opt: LatencyMeans;
  /** LARA's total over OPT's, minus 1 (0.004 = 0.40% above the optimum). */
  gap: number;
  /** A world's: false where some slot's OPT is the best association found (bounded, not enumerated); absent on the letter. */
  optExact?: boolean;
  /** A world where the policy associates: the max-SNR, random and Lagrangian associations, each finished by OPT's allocation. */
  associations?: { maxSnr: LatencyMeans; random: LatencyMeans; lagrangian: LatencyMeans };
  /** A world where the policy associates: LARA's association finished by OPT's allocation. */
  hybrid?: LatencyMeans;
  /** A world where the policy associates: LARA's association improved by local search, finished by OPT's allocation. */
  searched?: LatencyMeans;
}

/** What benchDevice measured: the device's environment steps/s and LARA training iterations/s. */
export interface DeviceBench {
  /** The fused FRA rollout (sample a state, act, latencies, sums) of `envs` environments, one slot each: median steps/s. */
  envSteps: { envs: number; stepsPerSecond: number };
  /** LARA's training iteration (rollout, replay, `updates` gradient updates) at these sizes: median iterations/s. */
  training: { envs: number; batch: number; hidden: number[]; updates: number; iterationsPerSecond: number };
}

/** One row of a comparison's table: the policy's key, its name as `megc train` prints it, and its mean latencies. */
export interface ComparisonRow {
  /**
   * `hybrid` is LARA's association finished by OPT's allocation, `searched` the same after a local search from it;
   * `maxSnr`, `random` and `lagrangian` the associations.
   */
  policy: 'lara' | 'hybrid' | 'searched' | 'fra' | 'rra' | 'maxSnr' | 'random' | 'lagrangian' | 'opt';
  /** e.g. `LARA`, `max-SNR + OPT`, `OPT (searched)` where some slot's OPT was only bounded. */
  name: string;
  means: LatencyMeans;
}

/**
 * One training episode: the means of its iterations' measures (the losses over the iterations that ran updates, NaN
 * when none did), as `megc train`'s metrics.csv has them.
 */
export interface EpisodeMeans extends Omit<IterationMetrics, 'iteration' | 'updates'> {
  /** 1-based. */
  episode: number;
}

/** What a figure's caption names besides its title: the scenario (a world's line) and the caller's own lines. */
export interface FigureCaption {
  /** The scenario the run trained on: a world's figures are per service type, and their caption says so. */
  scenario: Scenario;
  /** Lines of the caller's, e.g. the training setup. */
  lines?: string[];
}
