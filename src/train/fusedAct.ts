// The act step with the actor's forward as its prologue (shaders/lara_act_forward.wgsl), the fused update's act: one
// dispatch where the per-layer path records the actor's forward and lara_act. Each workgroup takes a share of the envs,
// a block of rows at a time in workgroup memory (or, with the lane update, LANE_ROWS per invocation in its own memory:
// shaders/lara_act_lanes.wgsl), and sums its envs' metrics into its own act partial.
import { createStorage } from '../gpu/buffers.js';
import { defineKernel, dispatchOf, type Binding, type Cost, type Dispatch } from '../gpu/kernel.js';
import { reduceDefines, reduceFeatures, type ReduceVariant } from '../gpu/reduce.js';
import { mlpLayout } from '../nn/layout.js';
import { ADAM_HYPER, ADAM_PAIR_FUSED } from '../nn/adam.js';
import { foldDefines, foldLayout, type FoldLayout } from './foldLayout.js';
import type { DerivedRun } from './derive.js';
import { laneShares, type FusedRun, type FusedVariant } from './fusedUpdate.js';
import { fusedMlpDefines, LANE_MEMORY_BYTES, laneMlpDefines, netDefines } from './fusedMlpDefines.js';
import { ACT_ROW_WORK, stepBinding } from './laraKernels.js';
import { ACT_METRICS, LARA_DEFINES } from './layout.js';

/** Most workgroups (act partials per iteration) of the fused act: each takes envs / this many envs, rounded up to blocks. */
export const FUSED_ACT_MAX_WORKGROUPS = 128;

/**
 * The fused act's compile-time shape: rows per block (per invocation with lanes), work-item columns, the actor's sizes,
 * envs per workgroup, the reduction, whether it is the lane kernel (the lane update's act), and whether the lane
 * kernel's invocations share their weight loads (lib/lane_mlp.wgsl LANE_SHARE: where the lane update's do and the
 * reduction reads subgroups, so that the adapter's subgroups hold the act's 8 invocations and they know their lanes).
 */
export interface FusedActShape {
  rows: number; cols?: number; actor: readonly number[]; rowsPerWorkgroup: number; reduce: ReduceVariant; lanes?: boolean; share?: boolean;
  /** The actor's weights read from its f16 copy (the update's half weights, halfWeights.ts; not the lane kernel). */
  halfWeights?: boolean;
}

/** Invocations per workgroup of the lane act (a CPU adapter's SIMD width). */
export const LANE_ACT_THREADS = 8;

/** Invocations per workgroup: the actor's widest layer rounded up to a power of two (the metrics' tree sum), at least the block's rows. */
export function fusedActThreads(s: Pick<FusedActShape, 'rows' | 'actor'>): number {
  const need = Math.max(s.rows, Math.min(256, Math.max(...s.actor)));
  return 2 ** Math.ceil(Math.log2(Math.max(32, need)));
}

/** Envs per workgroup at `envs` envs and blocks of `rows` envs: at most FUSED_ACT_MAX_WORKGROUPS workgroups. */
export const fusedActRowsPerWorkgroup = (envs: number, rows: number) => rows * Math.ceil(Math.ceil(envs / FUSED_ACT_MAX_WORKGROUPS) / rows);

export const laraActForwardKernel = defineKernel({
  shader: 'lara_act_forward.wgsl', op: 'lara.actForward',
  bindings: {
    step: 'dynamic-uniform', scenario: 'uniform', norm: 'uniform', actor: 'read', states: 'read-write', obs: 'read-write', replay: 'read-write',
    actPartials: 'read-write',
  },
  defines: LARA_DEFINES,
  variant: (s: FusedActShape) => {
    const a = netDefines('A', s.actor, s.rows, 0);
    const threads = fusedActThreads(s);
    return {
      constants: { THREADS: threads, WORKGROUP_SIZE: threads },
      defines: {
        ...a.defines, ...fusedMlpDefines(s.rows, s.cols, a.end), ROWS_PER_WORKGROUP: s.rowsPerWorkgroup, ...reduceDefines(ACT_METRICS, s.reduce),
        WEIGHT_TYPE: s.halfWeights ? 'f16' : 'f32',
      },
    };
  },
  workgroup: (s: FusedActShape) => [fusedActThreads(s)],
  features: (s: FusedActShape) => [...reduceFeatures(s.reduce), ...(s.halfWeights ? ['shader-f16'] : [])],
});

const laneActVariant = (s: FusedActShape, fold: FoldLayout | null) => {
  const a = netDefines('A', s.actor, s.rows, 0);
  return {
    constants: { WORKGROUP_SIZE: LANE_ACT_THREADS },
    defines: {
      ...a.defines, ...laneMlpDefines({ rows: s.rows, floats: a.end, subgroups: false, share: s.share === true, columnsFloats: 0, blocks: 1 }),
      ROWS_PER_WORKGROUP: s.rowsPerWorkgroup, ...reduceDefines(ACT_METRICS, s.reduce),
      ACT_FOLD: fold !== null, ...foldDefines('', fold ?? foldLayout(0, 0)),
    },
  };
};

export const laraActLanesKernel = defineKernel({
  shader: 'lara_act_lanes.wgsl', op: 'lara.actForward',
  uniforms: [ADAM_HYPER, ADAM_PAIR_FUSED],
  bindings: laraActForwardKernel.spec.bindings,
  defines: LARA_DEFINES,
  variant: (s: FusedActShape) => laneActVariant(s, null),
  workgroup: () => [LANE_ACT_THREADS],
  features: (s: FusedActShape) => reduceFeatures(s.reduce),
});

/**
 * The lane act of the folded update (ACT_FOLD, src/train/fusedFold.ts): the actor's step left pending by the
 * iteration before taken first, in every workgroup; the actor's params are written back (read-write), and its Adam
 * ring entry, moments, target and fold buffer are bound after the act's own bindings.
 */
export const laraActLanesFoldKernel = defineKernel({
  shader: 'lara_act_lanes.wgsl', op: 'lara.actForward',
  uniforms: [ADAM_HYPER, ADAM_PAIR_FUSED],
  bindings: {
    ...laraActForwardKernel.spec.bindings, actor: 'read-write',
    hyper: 'dynamic-uniform', fused: 'uniform', actorM: 'read-write', actorV: 'read-write', actorTarget: 'read-write', actorFold: 'read',
  },
  defines: LARA_DEFINES,
  variant: (s: FusedActShape & { fold: FoldLayout }) => laneActVariant(s, s.fold),
  workgroup: () => [LANE_ACT_THREADS],
  features: (s: FusedActShape) => reduceFeatures(s.reduce),
});

/** Why the fused act cannot run this shape on this device, or null when it can. */
export function fusedActUnfit(device: GPUDevice, s: FusedActShape): string | null {
  if (reduceFeatures(s.reduce).some((f) => !device.features.has(f))) return 'the reduction needs subgroups';
  if (s.halfWeights && (s.lanes || !device.features.has('shader-f16'))) return s.lanes ? 'half weights in the lane act' : 'half weights on a device without the feature shader-f16';
  if (s.lanes) {
    const floats = netDefines('A', s.actor, s.rows, 0).end;
    return 4 * floats > LANE_MEMORY_BYTES ? `${4 * floats} bytes of the actor's activations in a function, more than WGSL's ${LANE_MEMORY_BYTES}` : null;
  }
  const threads = fusedActThreads(s);
  const bytes = 4 * (netDefines('A', s.actor, s.rows, 0).end + threads * ACT_METRICS);
  if (bytes > device.limits.maxComputeWorkgroupStorageSize) return `${bytes} bytes of workgroup memory, more than ${device.limits.maxComputeWorkgroupStorageSize}`;
  if (threads > Math.min(device.limits.maxComputeInvocationsPerWorkgroup, device.limits.maxComputeWorkgroupSizeX)) return 'too many invocations per workgroup';
  return null;
}

/** The variant with the fused act where it fits this run on this device (bench/dispatches.ts, bench/predict.ts). */
export function withFusedActWhereFit<V extends FusedVariant>(device: GPUDevice, run: FusedRun, v: V, reduce: ReduceVariant): V & { act?: boolean } {
  return fusedActUnfit(device, fusedActShape(run, v, reduce)) === null ? { ...v, act: true } : v;
}

/** The trainer's buffers the fused act binds (actorParams: the actor's f16 copy where the shape has half weights). */
export interface FusedActParts { ring: GPUBuffer; scenario: GPUBuffer; norm: GPUBuffer; states: GPUBuffer; obs: GPUBuffer; replay: GPUBuffer; actorParams: GPUBuffer }

/** The fused act's shape at this run's envs: blocks of the update variant's rows and work items (its lanes' rows). */
export function fusedActShape(run: FusedRun, v: FusedVariant, reduce: ReduceVariant): FusedActShape {
  if (v.lanes) {
    const rowsPerWorkgroup = fusedActRowsPerWorkgroup(run.config.envs, v.rows * LANE_ACT_THREADS);
    return { rows: v.rows, actor: run.actorSizes, rowsPerWorkgroup, reduce, lanes: true, share: laneShares(v) && reduce.subgroups };
  }
  return {
    rows: v.rows, cols: v.cols, actor: run.actorSizes, rowsPerWorkgroup: fusedActRowsPerWorkgroup(run.config.envs, v.rows), reduce,
    ...(v.halfWeights ? { halfWeights: true } : {}),
  };
}

/**
 * The work of an act with the actor's forward over `envs` envs: the forward's FLOPs and `streams` streams of its
 * `params` weights (one per workgroup, or per pass of one workgroup) of `weightBytes` each, and lara_act's work per env.
 */
export function fusedActCost(envs: number, params: number, streams: number, weightBytes = 4): Cost {
  return {
    flops: envs * (2 * params + ACT_ROW_WORK.flops), bytes: weightBytes * streams * params + 4 * envs * ACT_ROW_WORK.floats,
    rereadBytes: weightBytes * (streams - 1) * params,
  };
}

/** The fused act bound to the trainer's buffers and its own act partials (chunkIterations rows of `workgroups`). */
export async function fusedActDispatch(device: GPUDevice, run: DerivedRun, shape: FusedActShape, parts: FusedActParts,
                                       chunkIterations: number): Promise<FusedActDispatch> {
  const unfit = fusedActUnfit(device, shape);
  if (unfit) throw new RangeError(`fused act: ${unfit}`);
  const { envs } = run.config;
  const workgroups = Math.ceil(envs / shape.rowsPerWorkgroup);
  const partials = createStorage(device, chunkIterations * workgroups * ACT_METRICS * 4, 'fused.actPartials');  // (chunk iterations, workgroups, ACT_METRICS)
  const params = mlpLayout(shape.actor).parameterCount;
  const p = await (shape.lanes ? laraActLanesKernel : laraActForwardKernel).pipeline(device, shape);
  const bindings = {
    step: stepBinding(parts.ring), scenario: parts.scenario, norm: parts.norm, actor: parts.actorParams, states: parts.states, obs: parts.obs,
    replay: parts.replay, actPartials: partials,
  };
  const cost = fusedActCost(envs, params, workgroups, shape.halfWeights ? 2 : 4);
  const dispatch = dispatchOf(device, p, bindings, [workgroups, 1, 1], { op: 'lara.actForward', cost });
  return { dispatch, workgroups, partials, shape, bindings, cost };
}

/** The fused act bound: its dispatch, workgroups and partials, and its shape, bindings and cost (for the folded act, fusedFold.ts). */
export interface FusedActDispatch {
  dispatch: Dispatch; workgroups: number; partials: GPUBuffer;
  shape: FusedActShape; bindings: { [K in keyof typeof laraActForwardKernel.spec.bindings]: Binding }; cost: Cost;
}
