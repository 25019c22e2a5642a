// The sizes and schedules a training run derives from its config alone, computed once with its invariants checked (as
// PureJaxRL does up front): both trainers, checkpoints and the limit checks use these. The sizes that depend on the
// kernel choice (split-K partials, the submit rings) are the GPU run plan's (runPlan.ts), which builds on these.
import { LimitError, UserError } from '../errors.js';
import { mlpLayout } from '../nn/layout.js';
import type { TrainConfig } from './config.js';
import { learningRate, noiseScale } from './features.js';
import { ACTION_SIZE, STATE_SIZE } from '../env/layout.js';
import { ACT_WORKGROUP, LOSS_WORKGROUP, WORLD_ROW_WORKGROUP } from './layout.js';
import { LETTER_SHAPE, type LaraShape } from './shape.js';

/** What one iteration t does, from the config alone. */
export interface IterationSchedule {
  /** false during warm-up: act with z = 0 (noise only). */
  useActor: boolean;
  /** Exploration noise scale. */
  sigma: number;
  lrActor: number;
  lrCritic: number;
  /** Replay rows filled once iteration t has acted. */
  filled: number;
  /** Ring row of env 0 at iteration t; env e writes row (writeRow + e) mod capacity. */
  writeRow: number;
  /** Whether iteration t runs its gradient updates (the ring holds a batch). */
  updates: boolean;
}

export interface DerivedRun {
  config: TrainConfig;
  /** The sizes the world gives the networks and replay rows (the letter's, or a generalised world's). */
  shape: LaraShape;
  actorSizes: number[];
  criticSizes: number[];
  actorParameters: number;
  criticParameters: number;
  /**
   * Per iteration: workgroup partials of the act metrics; per update: of each loss. On a generalised world, of
   * WORLD_ROW_WORKGROUP rows each (the world's kernels, and the critic loss there).
   */
  actPartials: number;
  lossPartials: number;
  /** Replay rows filled after `iterations` completed iterations (the one rule; a checkpoint holds that many). */
  filledAfter(iterations: number): number;
  schedule(t: number): IterationSchedule;
}

/** Replay rows filled after `iterations` completed iterations of `envs` envs each. */
export function replayRowsAfter(config: Pick<TrainConfig, 'envs' | 'replayCapacity'>, iterations: number): number {
  return Math.min(config.replayCapacity, iterations * config.envs);
}

/**
 * Iterations t in [from, to) that run gradient updates: those after which the replay ring holds a batch, i.e.
 * min(replayCapacity, (t + 1) envs) >= batch (schedule(t).updates of both trainers;
 * replayCapacity >= batch always).
 */
export function iterationsWithUpdates(config: Pick<TrainConfig, 'envs' | 'batch'>, from: number, to: number): number {
  return Math.max(0, to - Math.max(from, firstIterationWithUpdates(config)));
}

/** The first iteration that runs gradient updates (the first after which the replay ring holds a batch). */
export const firstIterationWithUpdates = (config: Pick<TrainConfig, 'envs' | 'batch'>): number => Math.ceil(config.batch / config.envs) - 1;

export const actorSizes = (config: Pick<TrainConfig, 'hidden'>, shape: LaraShape = LETTER_SHAPE): number[] => [shape.observation, ...config.hidden, shape.action];
export const criticSizes = (config: Pick<TrainConfig, 'hidden'>, shape: LaraShape = LETTER_SHAPE): number[] => [shape.criticInput, ...config.hidden, 1];

/** The largest buffer the device (or the CPU reference) can hold, checked before anything is allocated. */
export interface RunLimits {
  maxBufferBytes: number;
  /** How the limit is named in the error ("this GPU's maxStorageBufferBindingSize"). */
  name: string;
  /** Whether the final evaluation's buffers count (default true). */
  evaluate?: boolean;
}

/** Refuses the model critic on the letter's world: it is implemented for generalised worlds only. */
export function checkCriticFitsWorld(config: Pick<TrainConfig, 'critic' | 'channelPrior' | 'associationMoves'>, shape: LaraShape): void {
  if (config.critic === 'model' && !shape.world) {
    throw new UserError("critic 'model': the model critic is implemented for generalised worlds; this scenario is the letter's world (one server, one user of each service), which trains with the learned critic (--critic learned)");
  }
  for (const field of ['channelPrior', 'associationMoves'] as const) {
    if (config[field] > 0 && shape.world?.lara.z.association == null) {
      throw new UserError(`${field} ${config[field]}: it acts on the policy's association scores; in this scenario the policy does not associate users with servers`);
    }
  }
}

/**
 * The derived sizes and schedules of `config`. With `limits`, every large buffer is checked against them first (a
 * UserError names the buffer and the largest size that fits); then the run's invariants.
 */
export function deriveRun(config: TrainConfig, limits?: RunLimits, shape: LaraShape = LETTER_SHAPE): DerivedRun {
  checkCriticFitsWorld(config, shape);
  const run = derive(config, shape);
  if (limits) checkBufferLimit(bufferNeeds(run, { evaluate: limits.evaluate }), limits.maxBufferBytes, limits.name);
  if (config.replayCapacity < config.envs) {
    throw new UserError(`replayCapacity (${config.replayCapacity}) must hold at least one iteration of all envs (${config.envs})`);
  }
  if (config.batch > config.replayCapacity) {
    throw new UserError(`batch (${config.batch}) is larger than the replay buffer (replayCapacity ${config.replayCapacity})`);
  }
  // The rules agree: the first iteration with updates is the one iterationsWithUpdates counts from.
  const first = firstIterationWithUpdates(config);
  if (!(run.filledAfter(1) === Math.min(config.envs, config.replayCapacity) && run.schedule(0).writeRow === 0
    && run.schedule(first).updates && (first === 0 || !run.schedule(first - 1).updates) && iterationsWithUpdates(config, 0, first + 1) === 1)) {
    throw new Error('deriveRun: the replay and update rules disagree');
  }
  return run;
}

function derive(config: TrainConfig, shape: LaraShape): DerivedRun {
  const aSizes = actorSizes(config, shape);
  const cSizes = criticSizes(config, shape);
  const filledAfter = (iterations: number) => replayRowsAfter(config, iterations);
  const run: DerivedRun = {
    config,
    shape,
    actorSizes: aSizes,
    criticSizes: cSizes,
    actorParameters: mlpLayout(aSizes).parameterCount,
    criticParameters: mlpLayout(cSizes).parameterCount,
    actPartials: Math.ceil(config.envs / (shape.world ? WORLD_ROW_WORKGROUP : ACT_WORKGROUP)),
    lossPartials: Math.ceil(config.batch / (shape.world ? WORLD_ROW_WORKGROUP : LOSS_WORKGROUP)),
    filledAfter,
    schedule(t) {
      const warmup = t < config.warmupIterations;
      const filled = filledAfter(t + 1);
      return {
        useActor: !warmup,
        sigma: warmup ? config.noiseStart : noiseScale(config, t),
        lrActor: learningRate(config, t, config.lrActor),
        lrCritic: learningRate(config, t, config.lrCritic),
        filled,
        writeRow: Number((BigInt(t) * BigInt(config.envs)) % BigInt(config.replayCapacity)),
        updates: filled >= config.batch,
      };
    },
  };
  return run;
}

/** One buffer a run needs, with the config value it scales with. */
export interface BufferNeed { what: string; bytes: number; largest: (limit: number) => string }

/**
 * The largest single buffers of a run that its config sizes, in bytes: the replay ring, an activation buffer and, with
 * `evaluate`, the evaluation set. The same list serves the GPU (maxStorageBufferBindingSize) and the CPU reference; the
 * split weight-gradient partials, sized by the kernel plans, are the run plan's (planBufferNeeds in runPlan.ts).
 */
export function bufferNeeds(run: DerivedRun, { evaluate = true }: { evaluate?: boolean } = {}): BufferNeed[] {
  const { config, shape } = run;
  const rows = Math.max(config.envs, config.batch);
  const widest = Math.max(shape.criticInput, ...config.hidden);
  // Floats per slot in the largest buffer of the final evaluation (the states or the actions of OPT).
  const evalSlotFloats = Math.max(shape.state, STATE_SIZE, ACTION_SIZE);
  const needs: BufferNeed[] = [
    { what: `the replay ring (replayCapacity ${config.replayCapacity} x ${shape.replayStride} floats)`, bytes: config.replayCapacity * shape.replayStride * 4,
      largest: (limit) => `--replay-capacity ${Math.floor(limit / (shape.replayStride * 4))}` },
    { what: `an activation buffer (max(envs, batch) ${rows} x width ${widest})`, bytes: rows * widest * 4,
      largest: (limit) => `max(--envs, --batch) ${Math.floor(limit / (widest * 4))}` },
  ];
  if (evaluate) {
    // The final evaluation (OPT on the GPU, src/env/evaluate.ts) holds the states and the actions of every slot.
    needs.push({ what: `the evaluation states (evalSlots ${config.evalSlots} x ${evalSlotFloats} floats)`, bytes: config.evalSlots * evalSlotFloats * 4,
      largest: (limit) => `--eval-slots ${Math.floor(limit / (evalSlotFloats * 4))}` });
  }
  return needs;
}

/** Throws a LimitError naming the buffer, the limit and the largest size that fits, before anything is allocated. */
export function checkBufferLimit(needs: readonly BufferNeed[], limit: number, limitName: string): void {
  for (const need of needs) {
    if (need.bytes > limit) {
      throw new LimitError(`${need.what} needs ${need.bytes} bytes, more than ${limitName} of ${limit} bytes; the largest that fits is ${need.largest(limit)}`);
    }
  }
}

/** A chunk's iterations from `first`: at most `perSubmit`, up to `end`, and ending after every actorEvery-th iteration. */
export function chunkLength(first: number, perSubmit: number, end: number, actorEvery?: number): number {
  const toCopy = actorEvery ? actorEvery - (first % actorEvery) : Infinity;
  return Math.min(perSubmit, end - first, toCopy);
}
