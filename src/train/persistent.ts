// The persistent trainer (shaders/lara_persistent.wgsl): one workgroup runs a submit's iterations whole, the act and
// every update with its Adam steps, in one dispatch, and the chunk metrics follow: 2 dispatches per submit where the
// fused path records 7 per iteration. A variant of the lane update (FusedVariant.persistent) that the tuner times
// against the best per-iteration path on the adapter in use (tuneIterations): one workgroup runs on one of the
// adapter's cores, so it pays where the dispatches cost more than the cores give (small networks, small batches).
import { createStorage, createUniform } from '../gpu/buffers.js';
import { defineKernel, dispatchOf, itemsDispatch, releaseDispatches, type Cost, type Dispatch, type Recorder } from '../gpu/kernel.js';
import type { ReduceVariant } from '../gpu/reduce.js';
import { uniformStruct } from '../gpu/uniforms.js';
import { ADAM_HYPER, ADAM_RING_STRIDE, type AdamSchedule } from '../nn/adam.js';
import type { GpuMlp } from '../nn/mlp.js';
import type { DerivedRun } from './derive.js';
import { laneActorVariant, laneFeatures, laneThreads, type FusedKernelShape, type FusedRun, type FusedVariant } from './fusedUpdate.js';
import { laraMetricsKernel, STEP_STRIDE, stepBinding } from './laraKernels.js';
import { ACT_METRICS, LARA_DEFINES } from './layout.js';

/** `struct PersistentChunk` of shaders/lara_persistent.wgsl: the submit's iterations and the soft update's tau. */
export const PERSISTENT_CHUNK = uniformStruct('PersistentChunk', { iterations: 'u32', tau: 'f32' });

/** Buffers lara_persistent.wgsl binds (the device's per-stage limits must allow them). */
export const PERSISTENT_STORAGE_BUFFERS = 15;
export const PERSISTENT_UNIFORM_BUFFERS = 6;

/** The persistent kernel's compile-time shape: the lane variant, both networks' sizes and the Step ring's entries. */
export interface PersistentShape extends FusedKernelShape { ringEntries: number }

export const laraPersistentKernel = defineKernel({
  shader: 'lara_persistent.wgsl', op: 'lara.persistent',
  uniforms: [ADAM_HYPER, PERSISTENT_CHUNK],
  bindings: {
    ring: 'uniform', actorHypers: 'uniform', criticHypers: 'uniform', chunk: 'uniform', scenario: 'uniform', norm: 'uniform',
    states: 'read-write', obs: 'read-write', replay: 'read-write', actPartials: 'read-write',
    actor: 'read-write', actorM: 'read-write', actorV: 'read-write', actorTarget: 'read-write',
    critic: 'read-write', criticM: 'read-write', criticV: 'read-write', criticTarget: 'read-write',
    grads: 'read-write', actorLoss: 'read-write', criticLoss: 'read-write',
  },
  defines: LARA_DEFINES,
  variant: (s: PersistentShape) => {
    const lane = laneActorVariant(s);
    return { constants: lane.constants, defines: { ...lane.defines, RING_ENTRIES: s.ringEntries, STEP_STRIDE, ADAM_RING_STRIDE } };
  },
  workgroup: (s: PersistentShape) => [laneThreads(s)],
  features: (s: PersistentShape) => laneFeatures(s),
});

/** Split-K slices (loss partials per update) of the persistent trainer: one per invocation with rows, or one with subgroups. */
export const persistentSlices = (batch: number, v: FusedVariant) => (v.subgroups ? 1 : Math.min(laneThreads(v), Math.ceil(batch / v.rows)));

/** Why the persistent trainer cannot run variant `v` of this config on this device (beyond the lane update's rules), or null. */
export function persistentUnfit(device: GPUDevice, v: FusedVariant, config: FusedRun['config']): string | null {
  if (!v.lanes) return 'persistent without lanes (its passes are the lane kernels\')';
  if (!v.act) return 'persistent without act (it acts itself)';
  const l = device.limits;
  if (l.maxStorageBuffersPerShaderStage < PERSISTENT_STORAGE_BUFFERS) return `${PERSISTENT_STORAGE_BUFFERS} storage buffers in one kernel, more than this GPU's ${l.maxStorageBuffersPerShaderStage}`;
  if (l.maxUniformBuffersPerShaderStage < PERSISTENT_UNIFORM_BUFFERS) return `${PERSISTENT_UNIFORM_BUFFERS} uniform buffers in one kernel, more than this GPU's ${l.maxUniformBuffersPerShaderStage}`;
  if (config.iterationsPerSubmit !== undefined && config.updatesPerIteration !== undefined) {
    const bytes = config.iterationsPerSubmit * config.updatesPerIteration * STEP_STRIDE;
    if (bytes > l.maxUniformBufferBindingSize) return `a Step ring of ${bytes} bytes bound whole, more than this GPU's maxUniformBufferBindingSize ${l.maxUniformBufferBindingSize} (fewer iterationsPerSubmit)`;
  }
  return null;
}

/**
 * Most envs and minibatch rows at which the tuner offers the persistent trainer: past them one workgroup's passes take
 * longer than a dispatch's overhead saves on any adapter (a plan may still ask for it).
 */
export const PERSISTENT_MAX_ROWS = 2048;

/**
 * The persistent variants offered beside `v` at this config (the lane rows that fit, workgroups of 8 invocations with
 * and without subgroups, and 64); none past PERSISTENT_MAX_ROWS.
 */
export function persistentCandidates(v: FusedVariant | null, config: { batch: number; envs: number }): FusedVariant[] {
  if (Math.max(config.batch, config.envs) > PERSISTENT_MAX_ROWS) return [];
  const rows = v?.lanes ? [v.rows] : [8, 4];
  return rows.flatMap((r) => [
    { rows: r, rowsPerWorkgroup: 8 * r, lanes: true, subgroups: true, act: true, persistent: true },
    { rows: r, rowsPerWorkgroup: 8 * r, lanes: true, act: true, persistent: true },
    { rows: r, rowsPerWorkgroup: 64 * r, lanes: true, act: true, persistent: true },
  ]);
}

/** What the persistent trainer binds: the networks, the trainer's buffers and the fused update's Adam schedules. */
export interface PersistentParts {
  actor: GpuMlp; critic: GpuMlp; actorTarget: GpuMlp; criticTarget: GpuMlp;
  ring: GPUBuffer; scenario: GPUBuffer; norm: GPUBuffer; states: GPUBuffer; obs: GPUBuffer; replay: GPUBuffer; metrics: GPUBuffer;
  schedules: { actor: AdamSchedule; critic: AdamSchedule };
  reduce: ReduceVariant;
}

/** The persistent trainer bound once: encode() records a submit's iterations (the metrics dispatch is the trainer's). */
export interface PersistentIterations {
  /** Loss partials per update and act partials per iteration: what the Step ring must say. */
  lossPartials: number;
  actPartials: number;
  /** The chunk metrics over the persistent trainer's partials (one workgroup per iteration). */
  metrics: Dispatch;
  /** Records `iterations` iterations from Step ring entry 0 and Adam ring entry 0 (writes the chunk's uniform first). */
  encode(rec: Recorder, iterations: number): void;
  destroy(): void;
}

/**
 * Builds the persistent trainer of `variant`; `work`: the cost of one act and of one update's gradient of each network
 * (FusedUpdate's), for the profile and bench/predict.ts (the dispatch's cost is a full submit's).
 */
export async function persistentIterations(device: GPUDevice, run: DerivedRun, parts: PersistentParts, variant: FusedVariant, ringEntries: number,
                                           work: { act: Cost; critic: Cost; actor: Cost }): Promise<PersistentIterations> {
  const { batch, tau, iterationsPerSubmit, updatesPerIteration: U } = run.config;
  const shape: PersistentShape = { ...variant, actor: run.actorSizes, critic: run.criticSizes, ringEntries };
  const threads = laneThreads(variant), slices = persistentSlices(batch, variant);
  const { actor, critic, actorTarget, criticTarget } = parts;
  const [pipeline, metricsPipeline] = await Promise.all([laraPersistentKernel.pipeline(device, shape), laraMetricsKernel.pipeline(device, parts.reduce)]);
  const chunk = createUniform(device, PERSISTENT_CHUNK.pack({ iterations: 0, tau }), 'persistent.chunk');
  const actPartials = createStorage(device, iterationsPerSubmit * threads * ACT_METRICS * 4, 'persistent.actPartials');  // (chunk iterations, threads, ACT_METRICS)
  const grads = createStorage(device, slices * Math.max(actor.parameterCount, critic.parameterCount) * 4, 'persistent.grads');  // (slices, max params)
  const actorLoss = createStorage(device, ringEntries * slices * 4, 'persistent.actorLoss');    // (chunk updates, slices)
  const criticLoss = createStorage(device, ringEntries * slices * 4, 'persistent.criticLoss');
  const perIteration = (c: (w: Cost) => number) => c(work.act) + U * (c(work.critic) + c(work.actor));
  const dispatch = dispatchOf(device, pipeline, {
    ring: parts.ring, actorHypers: parts.schedules.actor.buffer, criticHypers: parts.schedules.critic.buffer, chunk, scenario: parts.scenario, norm: parts.norm,
    states: parts.states, obs: parts.obs, replay: parts.replay, actPartials,
    actor: actor.params, actorM: actor.adamM!, actorV: actor.adamV!, actorTarget: actorTarget.params,
    critic: critic.params, criticM: critic.adamM!, criticV: critic.adamV!, criticTarget: criticTarget.params,
    grads, actorLoss, criticLoss,
  }, [1, 1, 1], { op: 'lara.persistent', cost: { flops: iterationsPerSubmit * perIteration((w) => w.flops), bytes: iterationsPerSubmit * perIteration((w) => w.bytes) } });
  const metrics = itemsDispatch(device, metricsPipeline, { step: stepBinding(parts.ring), actPartials, criticPartials: criticLoss, actorPartials: actorLoss, metrics: parts.metrics }, 1);
  const owned = [chunk, actPartials, grads, actorLoss, criticLoss];
  return {
    lossPartials: slices, actPartials: threads, metrics,
    encode(rec, iterations) {
      if (iterations > iterationsPerSubmit) throw new RangeError(`persistent: ${iterations} iterations in one submit, more than its ${iterationsPerSubmit}`);
      device.queue.writeBuffer(chunk, 0, PERSISTENT_CHUNK.pack({ iterations, tau }));
      rec.dispatch(dispatch);
    },
    destroy() {
      for (const b of owned) b.destroy();
      releaseDispatches([dispatch, metrics]);
    },
  };
}
