// The resolved run plan: a run's derived sizes (deriveRun), the kernel plan of every network at every batch it runs
// (chosen by the tuner, read from a recorded run, or the defaults), and every buffer size those plans and the submit
// schedule imply, built once after the kernel choice and checked against the device's buffer limit before anything is
// allocated. The trainer, its dispatch tables, config.json and the checkpoint read this object; nothing downstream
// re-derives a plan or a size.
import type { Tuner } from '../gpu/tuner.js';
import { TREE_REDUCE, type ReduceVariant } from '../gpu/reduce.js';
import { defaultPlan, type MlpPlan } from '../nn/mlpPlan.js';
import { checkBufferLimit, type BufferNeed, type DerivedRun, type RunLimits } from './derive.js';
import type { FusedVariant } from './fusedUpdate.js';
import { STEP_STRIDE } from './laraKernels.js';
import { METRICS_STRIDE } from './layout.js';
import { tuneTrainer, type TrainerPlans } from './tuning.js';

/** How a run's kernels were chosen (config.json's `tuning`, with the plans). */
export interface KernelChoiceRecord {
  /** off, quick, full, "plans of FILE" or "plans of the resumed run". */
  mode: string;
  adapter: string;
  mixedPrecision: boolean;
}

/** What chooses the kernels: recorded plans (used as they are), else the tuner, else the defaults. */
export interface KernelOptions {
  /** The networks' plans and the reduction of a recorded run (`--tune FILE`, a resume). */
  plans?: TrainerPlans;
  /** Times the variants of every op at this config's shapes and keeps the fastest (src/train/tuning.ts). */
  tuner?: Tuner;
  /** Lets the tuner offer the f16 and subgroup-matrix (tensor-core) matmul variants (TrainerTuneOptions). */
  mixedPrecision?: boolean;
  /** How they were chosen, for config.json. */
  record?: KernelChoiceRecord;
}

/** The plan each of the trainer's four networks runs, at every batch it runs (a target network: forward only). */
export interface NetworkPlans { actor: MlpPlan[]; critic: MlpPlan[]; actorTarget: MlpPlan[]; criticTarget: MlpPlan[] }

/** The buffer sizes that follow from the plans and the submit schedule. */
export interface RunBuffers {
  /** Iterations per submit: rows of the metrics block, its staging copies and the act partials. */
  iterationsPerSubmit: number;
  /** Updates per submit: entries of the Step ring and of every Adam schedule ring, rows of the loss partials. */
  stepsPerSubmit: number;
  stepRingBytes: number;
  metricsBytes: number;
  /** Largest split-K of each network's weight gradient over its plans (1: no partials buffer). */
  splits: { actor: number; critic: number };
  /** Bytes of each network's split weight-gradient partials (0: none). */
  partialBytes: { actor: number; critic: number };
}

export interface RunPlan {
  /** The run's derived sizes, with its config (derived.config). */
  readonly derived: DerivedRun;
  readonly networks: NetworkPlans;
  readonly reduce: ReduceVariant;
  /** The fused update's variant, or null for the per-layer update. */
  readonly fused: FusedVariant | null;
  /** Whether the fused update is still to be timed on the built networks (the one choice that needs them). */
  readonly timeFused: boolean;
  readonly buffers: RunBuffers;
  /** How the kernels were chosen (absent when the caller did not say). */
  readonly choice?: KernelChoiceRecord;
}

const largestSplit = (plans: readonly MlpPlan[]) => Math.max(1, ...plans.map((p) => p.backwardWeight?.splits ?? 1));

/**
 * The plans every network runs: the recorded ones where given (a target network runs its online network's forward),
 * otherwise defaultPlan at the largest batch that network instance runs.
 */
function networkPlans(device: GPUDevice, derived: DerivedRun, given?: TrainerPlans): NetworkPlans {
  const { envs, batch } = derived.config;
  const { actorSizes, criticSizes } = derived;
  const pick = (list: readonly MlpPlan[] | undefined, sizes: readonly number[], b: number, maxBatch: number, trainable: boolean): MlpPlan => {
    const plan = list?.find((p) => p.batch === b);
    if (!plan) return defaultPlan(device, sizes, b, maxBatch, trainable);
    return trainable ? plan : { batch: b, forward: plan.forward };
  };
  // The actor trains at the batch and acts on all envs at once; the critic and both targets run at the batch only.
  const actorBatches = [...new Set([batch, envs])];
  return {
    actor: actorBatches.map((b) => pick(given?.actor, actorSizes, b, Math.max(envs, batch), true)),
    critic: [pick(given?.critic, criticSizes, batch, batch, true)],
    actorTarget: [pick(given?.actor, actorSizes, batch, batch, false)],
    criticTarget: [pick(given?.critic, criticSizes, batch, batch, false)],
  };
}

/** The buffers a plan sizes beyond deriveRun's, with the largest that fits named (deriveRun's list covers the rest). */
export function planBufferNeeds(plan: Pick<RunPlan, 'buffers' | 'derived'>): BufferNeed[] {
  const { splits, partialBytes } = plan.buffers;
  const parameters = { actor: plan.derived.actorParameters, critic: plan.derived.criticParameters };
  return (['actor', 'critic'] as const).filter((n) => splits[n] > 1).map((n) => ({
    what: `the ${n}'s split weight-gradient partials (${splits[n]} splits x ${parameters[n]} parameters, its plan's)`,
    bytes: partialBytes[n], largest: () => 'smaller --hidden, or --tune off (the default split)',
  }));
}

/**
 * The plan's choices as config.json's `tuning.plans` and the checkpoint's `plans` record them (a resume reuses them):
 * the online networks' plans, the reduction and the fused update.
 */
export const recordedPlans = (plan: RunPlan): TrainerPlans =>
  ({ actor: plan.networks.actor, critic: plan.networks.critic, reduce: plan.reduce, ...(plan.fused ? { fused: plan.fused } : {}) });

/** `plan` with `fused` as its update (once the fused update has been timed on the built networks). */
export function withFused(plan: RunPlan, fused: FusedVariant | null): RunPlan {
  return { ...plan, fused, timeFused: false };
}

/** The plan of `networks` and `reduce` for `derived`, with its buffer sizes, checked against `limits`. */
export function runPlanOf(derived: DerivedRun, networks: NetworkPlans, reduce: ReduceVariant, fused: FusedVariant | null,
                          options: { timeFused?: boolean; choice?: KernelChoiceRecord; limits?: RunLimits } = {}): RunPlan {
  const { config } = derived;
  const stepsPerSubmit = config.iterationsPerSubmit * config.updatesPerIteration;
  const splits = { actor: largestSplit(networks.actor), critic: largestSplit(networks.critic) };
  const buffers: RunBuffers = {
    iterationsPerSubmit: config.iterationsPerSubmit, stepsPerSubmit,
    stepRingBytes: stepsPerSubmit * STEP_STRIDE, metricsBytes: config.iterationsPerSubmit * METRICS_STRIDE * 4, splits,
    partialBytes: {
      actor: splits.actor > 1 ? splits.actor * derived.actorParameters * 4 : 0,
      critic: splits.critic > 1 ? splits.critic * derived.criticParameters * 4 : 0,
    },
  };
  const plan: RunPlan = {
    derived, networks, reduce, fused, timeFused: options.timeFused ?? false, buffers, choice: options.choice,
  };
  if (options.limits) checkBufferLimit(planBufferNeeds(plan), options.limits.maxBufferBytes, options.limits.name);
  return plan;
}

/**
 * Chooses the kernels of `derived` on `device` (recorded plans, else the tuner, else the defaults) and resolves them into
 * the run plan; `limits`: the device's buffer limit, checked before anything is allocated.
 */
export async function resolveRunPlan(device: GPUDevice, derived: DerivedRun, kernels: KernelOptions = {}, limits?: RunLimits): Promise<RunPlan> {
  const given = kernels.plans ?? (kernels.tuner ? await tuneTrainer(kernels.tuner, derived, { mixedPrecision: kernels.mixedPrecision }) : undefined);
  return runPlanOf(derived, networkPlans(device, derived, given), given?.reduce ?? TREE_REDUCE, given?.fused ?? null, {
    // Tuned plans leave the fused update to time; recorded ones say whether it runs.
    timeFused: !kernels.plans && kernels.tuner !== undefined, choice: kernels.record, limits,
  });
}
