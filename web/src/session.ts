// The page's training and evaluation driver: GpuTrainer (src/train/gpuTrainer.ts) chunk by chunk with a stop flag, an
// iteration rate and ETA, then LARA, FRA, RRA and OPT on the evaluation set as `megc train` evaluates a run: the
// letter's through src/env/evaluate.ts policy by policy, a world's through src/train/runEvaluation.ts.
import { evaluatePolicy, type LatencyMeans } from '../../src/env/evaluate.js';
import { ACTION_SIZE, LATENCY_SIZE, STATE_SIZE } from '../../src/env/layout.js';
import { UserError } from '../../src/errors.js';
import type { Policy } from '../../src/figures/runTypes.js';
import type { Gpu } from '../../src/gpu/runtime.js';
import type { Scenario } from '../../src/scenario.js';
import { actorPolicy } from '../../src/train/actor.js';
import { actorSizes, type LoadedPolicy, type TrainerSnapshot } from '../../src/train/checkpointFormat.js';
import type { TrainConfig } from '../../src/train/config.js';
import { GpuTrainer, type IterationMetrics } from '../../src/train/gpuTrainer.js';
import { divergenceOf, rateMeter } from '../../src/train/progress.js';
import { evaluateRun, type EvaluationResult } from '../../src/train/runEvaluation.js';
import { laraShapeOf } from '../../src/train/shape.js';
import { describeWorld, isLetter, worldOf } from '../../src/world/world.js';

export interface TrainingProgress {
  /** Iterations completed. */
  iteration: number;
  total: number;
  /** Iterations per second over the last seconds. */
  rate: number;
  /** Seconds left at that rate. */
  etaSeconds: number;
  rows: IterationMetrics[];
}

export interface TrainingOutcome {
  snapshot: TrainerSnapshot;
  /** Whether Stop ended it before config.iterations. */
  stopped: boolean;
}

/** Trains LARA on `gpu` for config.iterations (or until `shouldStop`), reporting every chunk; returns the final state. */
export async function train(gpu: Gpu, scenario: Scenario, config: TrainConfig,
                            onProgress: (p: TrainingProgress) => void, shouldStop: () => boolean): Promise<TrainingOutcome> {
  const trainer = await GpuTrainer.create(gpu, scenario, config);
  try {
    const meter = rateMeter(() => performance.now() / 1000);
    let divergence: string | null = null;
    await trainer.run(config.iterations, (rows) => {
      for (const m of rows) divergence ??= divergenceOf(m);
      if (divergence) return false;
      const rate = meter(rows.length);
      const iteration = rows[rows.length - 1].iteration + 1;
      onProgress({ iteration, total: config.iterations, rate, etaSeconds: (config.iterations - iteration) / rate, rows });
      return true;
    }, shouldStop);
    gpu.checkErrors();
    if (divergence) throw new UserError(divergence);
    return { snapshot: await trainer.snapshot(), stopped: trainer.iteration < config.iterations };
  } finally {
    trainer.destroy();
  }
}

/** The actor of a trained snapshot as a checkpoint's policy would be. */
export function snapshotPolicy(snapshot: TrainerSnapshot, config: TrainConfig, scenario: Scenario): LoadedPolicy {
  return { source: 'this page', sizes: actorSizes(config, laraShapeOf(scenario)), actor: Float64Array.from(snapshot.actor), config, scenario, iteration: snapshot.iteration };
}

export type PolicyResults = Record<Policy, LatencyMeans>;

/**
 * Refuses, before any policy runs, an evaluation set larger than this GPU evaluates: OPT holds the set's states,
 * actions and latencies in one buffer each (a checkpoint's evalSlots may say anything).
 */
export function checkEvaluationFits(count: number, limits: Pick<GPUSupportedLimits, 'maxStorageBufferBindingSize' | 'maxBufferSize'>): void {
  const bytesPerSlot = 4 * Math.max(STATE_SIZE, ACTION_SIZE, LATENCY_SIZE);
  const most = Math.floor(Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize) / bytesPerSlot);
  if (!Number.isSafeInteger(count) || count < 1 || count > most) {
    throw new UserError(`evaluation slots ${count}: this GPU evaluates at most ${most} (its maxStorageBufferBindingSize holds ${bytesPerSlot} bytes per slot)`);
  }
}

/**
 * LARA (the actor on the CPU, float64, no noise), FRA, RRA and OPT (on the GPU) on the first `count` slots of the
 * standard evaluation set, as `megc train` evaluates a run; `onPolicy` is told before each one starts.
 */
export async function evaluateAll(policy: LoadedPolicy, count: number, device: GPUDevice,
                                  onPolicy: (name: Policy) => Promise<void> | void = () => {}): Promise<PolicyResults> {
  checkEvaluationFits(count, device.limits);
  const ctx = { scenario: policy.scenario, count, seed: 1 };
  const step = async (name: Policy, run: () => Promise<LatencyMeans>) => { await onPolicy(name); return run(); };
  return {
    lara: await step('lara', () => evaluatePolicy(actorPolicy(policy), ctx)),
    fra: await step('fra', () => evaluatePolicy('fra', ctx, device)),
    rra: await step('rra', () => evaluatePolicy('rra', ctx, device)),
    opt: await step('opt', () => evaluatePolicy('opt', ctx, device)),
  };
}

/**
 * The evaluation of `policy` on the first `count` slots of its scenario's evaluation set, as `megc train` ends a run:
 * the letter's by evaluateAll (checked against the GPU's limits first), a world's by evaluateRun (LARA and OPT in
 * float64 on the CPU, FRA and RRA on the GPU, and where the policy associates the association baselines and the
 * hybrid). `onStatus` is told what runs before it starts.
 */
export async function evaluatePage(policy: LoadedPolicy, count: number, device: GPUDevice,
                                   onStatus: (text: string) => Promise<void> | void): Promise<EvaluationResult> {
  const world = worldOf(policy.scenario);
  if (isLetter(world)) {
    const policies = await evaluateAll(policy, count, device, (name) => onStatus(`Evaluating ${name.toUpperCase()} on ${count} evaluation slots…`));
    return { slots: count, policies, gap: policies.lara.total / policies.opt.total - 1 };
  }
  await onStatus(`Evaluating LARA, FRA, RRA and OPT on ${count} evaluation slots of ${describeWorld(world)} (OPT on the CPU)…`);
  return evaluateRun(policy.scenario, { ...policy.config, evalSlots: count }, policy.actor, device);
}
