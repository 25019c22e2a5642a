// The environment's kernels declared once (state sampling, latencies, the fused FRA/RRA rollout, the vec4 sum, OPT),
// their dispatches, and helpers that upload, run and read back.
import { checkBindingSize, createStorage, createStorageFrom, createUniform, readFloat32 } from '../gpu/buffers.js';
import { defineKernel, ownedUniform, releaseDispatches, dispatchOf, linearGrid, submitPass, type Binding, type Dispatch, type PipelineOf } from '../gpu/kernel.js';
import { reduceDefines, reduceFeatures, TREE_REDUCE, type ReduceVariant } from '../gpu/reduce.js';
import type { Scenario } from '../scenario.js';
import { A, ACTION_SIZE, ENV_DEFINES, LATENCY_SIZE, STATE_SIZE } from './layout.js';
import { OPT_INNER_ITERATIONS, OPT_OUTER_ITERATIONS, optLambda, optLatency } from './opt.js';
import type { FixedPolicy, RolloutParams } from './reference.js';
import { scenarioUniform } from './scenarioUniform.js';

export type { FixedPolicy, RolloutParams } from './reference.js';
import { uniformStruct, type Fields, type UniformStruct } from '../gpu/uniforms.js';

/** Workgroup of the kernels with one invocation per state row (here and the LARA trainer's observe and actor chain). */
export const ROW_WORKGROUP = 64;
const REDUCE_WORKGROUP = 256;
/** OPT's golden sections run ~2,000 latency evaluations per state: small workgroups spread it over more cores. */
const OPT_WORKGROUP = 64;

/** `struct Params` of shaders/env_sample.wgsl. */
export const ENV_SAMPLE_PARAMS = uniformStruct('Params', { count: 'u32', seed: 'u32', stream: 'u32', firstEnv: 'u32', slot: 'u32' });
/** `struct Params` of shaders/env_latency.wgsl, opt.wgsl and env_reduce.wgsl: the row count. */
export const ROW_COUNT_PARAMS = uniformStruct('Params', { count: 'u32' });
/** `struct Params` of shaders/env_rollout.wgsl. */
export const ENV_ROLLOUT_PARAMS = uniformStruct('Params', {
  envs: 'u32', slots: 'u32', firstEnv: 'u32', firstSlot: 'u32', stateSeed: 'u32', stateStream: 'u32', actionSeed: 'u32',
  count: 'u32', // envs * slots
});

/** Kernels over rows of states (and actions): one invocation per row, ROW_WORKGROUP per workgroup. */
const rowKernel = <B extends Record<string, 'uniform' | 'read' | 'read-write'>>(shader: string, params: UniformStruct<Fields>, bindings: B,
  workgroup = ROW_WORKGROUP, constants: Record<string, number> = {}) => defineKernel({
  shader, bindings, defines: ENV_DEFINES, uniforms: [params], variant: () => ({ constants: { WORKGROUP_SIZE: workgroup, ...constants } }),
});

export const envSampleKernel = rowKernel('env_sample.wgsl', ENV_SAMPLE_PARAMS, { scenario: 'uniform', params: 'uniform', states: 'read-write' });
export const envLatencyKernel = rowKernel('env_latency.wgsl', ROW_COUNT_PARAMS,
  { scenario: 'uniform', params: 'uniform', states: 'read', actions: 'read', latencies: 'read-write' });
export const optKernel = rowKernel('opt.wgsl', ROW_COUNT_PARAMS, { scenario: 'uniform', params: 'uniform', states: 'read', actions: 'read-write', latencies: 'read-write' },
  OPT_WORKGROUP, { OUTER_ITERATIONS: OPT_OUTER_ITERATIONS, INNER_ITERATIONS: OPT_INNER_ITERATIONS });

export const vec4SumKernel = defineKernel({
  shader: 'env_reduce.wgsl',
  uniforms: [ROW_COUNT_PARAMS],
  bindings: { params: 'uniform', rows: 'read', total: 'read-write' },
  variant: (v: ReduceVariant) => ({ constants: { WORKGROUP_SIZE: REDUCE_WORKGROUP }, defines: reduceDefines(LATENCY_SIZE, v) }),
  features: reduceFeatures,
});


export const envRolloutKernel = defineKernel({
  shader: 'env_rollout.wgsl',
  uniforms: [ENV_ROLLOUT_PARAMS],
  bindings: { scenario: 'uniform', params: 'uniform', partials: 'read-write' },
  defines: ENV_DEFINES,
  variant: (v: { policy: FixedPolicy } & ReduceVariant) => ({
    constants: { WORKGROUP_SIZE: REDUCE_WORKGROUP, POLICY: v.policy === 'rra' ? 1 : 0 }, defines: reduceDefines(LATENCY_SIZE, v),
  }),
  features: reduceFeatures,
});

function checkCount(count: number, what: string): void {
  if (!Number.isInteger(count) || count < 1 || count > 0xffffffff) throw new RangeError(`${what} must be an integer in [1, 2^32), got ${count}`);
}

/** The scenario as a uniform of one dispatch (released with it). */
const ownedScenario = (device: GPUDevice, scenario: Scenario) => ownedUniform(device, scenarioUniform(scenario), 'scenario');

/** The scenario as the kernels' uniform (the caller destroys it). */
export function scenarioBuffer(device: GPUDevice, scenario: Scenario): GPUBuffer {
  return createUniform(device, scenarioUniform(scenario), 'scenario');
}

export interface SampleParams { count: number; seed: number; stream: number; firstEnv: number; slot: number }

export function envSampleParams(p: SampleParams): ArrayBuffer {
  return ENV_SAMPLE_PARAMS.pack(p);
}

/** states (count, 7) of envs firstEnv.. at one slot, the same draws as sampleStates(). maxGrid: test the 2D grid. */
export function envSampleDispatch(device: GPUDevice, pipeline: PipelineOf<typeof envSampleKernel>, scenario: GPUBuffer, states: Binding, p: SampleParams, maxGrid?: number): Dispatch {
  checkCount(p.count, 'count');
  if (states.size < p.count * STATE_SIZE * 4) throw new RangeError(`states buffer of ${states.size} bytes is too small for ${p.count} states`);
  return dispatchOf(device, pipeline, { scenario, params: ownedUniform(device, envSampleParams(p), 'envSample.params'), states },
    linearGrid(device, p.count, ROW_WORKGROUP, maxGrid), { cost: { flops: 200 * p.count, bytes: STATE_SIZE * 4 * p.count } });
}

/** Samples on the GPU and reads back: (count, 7). */
export async function sampleStatesGpu(device: GPUDevice, scenario: Scenario, p: SampleParams, maxGrid?: number): Promise<Float32Array> {
  const states = createStorage(device, p.count * STATE_SIZE * 4, 'envSample.states');
  try {
    const d = envSampleDispatch(device, await envSampleKernel.pipeline(device, undefined), ownedScenario(device, scenario), states, p, maxGrid);
    try {
      submitPass(device, (rec) => rec.dispatch(d));
      return await readFloat32(device, states, p.count * STATE_SIZE);
    } finally { releaseDispatches([d]); }
  } finally { states.destroy(); }
}

export function rowCountParams(count: number): ArrayBuffer {
  return ROW_COUNT_PARAMS.pack({ count });
}

function checkRows(count: number, b: { states: Binding; actions: Binding; latencies: Binding }, what: string): void {
  checkCount(count, 'count');
  if (b.states.size < count * STATE_SIZE * 4 || b.actions.size < count * ACTION_SIZE * 4 || b.latencies.size < count * LATENCY_SIZE * 4) {
    throw new RangeError(`a buffer is too small for ${count} ${what}`);
  }
}

/** states (n, 7) + actions (n, 7) -> latencies (n, 4). */
export function envLatencyDispatch(device: GPUDevice, pipeline: PipelineOf<typeof envLatencyKernel>, scenario: GPUBuffer,
                                   b: { states: Binding; actions: Binding; latencies: Binding }, count: number): Dispatch {
  checkRows(count, b, 'latency rows');
  return dispatchOf(device, pipeline, { scenario, params: ownedUniform(device, rowCountParams(count), 'envLatency.params'), ...b },
    linearGrid(device, count, ROW_WORKGROUP), { cost: { flops: 120 * count, bytes: (STATE_SIZE + ACTION_SIZE + LATENCY_SIZE) * 4 * count } });
}

/** Uploads states and actions ((n, 7) each), computes, reads back (n, 4). */
export async function latenciesGpu(device: GPUDevice, scenario: Scenario, states: ArrayLike<number>, actions: ArrayLike<number>): Promise<Float32Array> {
  const count = states.length / STATE_SIZE;
  if (!Number.isInteger(count) || actions.length !== count * ACTION_SIZE) throw new RangeError('states and actions must both be (n, 7)');
  const s = createStorageFrom(device, Float32Array.from(states), 'envLatency.states');
  const a = createStorageFrom(device, Float32Array.from(actions), 'envLatency.actions');
  const l = createStorage(device, count * LATENCY_SIZE * 4, 'envLatency.latencies');
  try {
    const d = envLatencyDispatch(device, await envLatencyKernel.pipeline(device, undefined), ownedScenario(device, scenario), { states: s, actions: a, latencies: l }, count);
    try {
      submitPass(device, (rec) => rec.dispatch(d));
      return await readFloat32(device, l, count * LATENCY_SIZE);
    } finally { releaseDispatches([d]); }
  } finally { s.destroy(); a.destroy(); l.destroy(); }
}

/** OPT's actions (n, 7) and latencies (n, 4) for states (n, 7): float32, the iterations of opt.ts. */
export function optDispatch(device: GPUDevice, pipeline: PipelineOf<typeof optKernel>, scenario: GPUBuffer,
                            b: { states: Binding; actions: Binding; latencies: Binding }, count: number): Dispatch {
  checkRows(count, b, 'OPT rows');
  return dispatchOf(device, pipeline, { scenario, params: ownedUniform(device, rowCountParams(count), 'opt.params'), ...b },
    linearGrid(device, count, OPT_WORKGROUP), { cost: { flops: 2500 * 40 * count, bytes: (STATE_SIZE + ACTION_SIZE + LATENCY_SIZE) * 4 * count } });
}

/**
 * Uploads states (n, 7), solves on the GPU, reads back actions (n, 7); the host then finishes each row in float64:
 * lambda from the kernel's alpha_off and omega_comp (optLambda; where lambda* is within float32's spacing of 1, a slow
 * local CPU, the float32 lambda keeps few correct bits of 1 - lambda), and the row's latencies (n, 4) scored as the CPU
 * scores its optimum (optLatency), so they differ from the CPU's only by how far the action is from optimal, not by
 * float32 rounding of the objective.
 */
export async function solveOptGpu(device: GPUDevice, scenario: Scenario, states: ArrayLike<number>): Promise<{ actions: Float64Array; latencies: Float64Array }> {
  const count = states.length / STATE_SIZE;
  const s = createStorageFrom(device, Float32Array.from(states), 'opt.states');
  const a = createStorage(device, count * ACTION_SIZE * 4, 'opt.actions');
  const l = createStorage(device, count * LATENCY_SIZE * 4, 'opt.latencies');
  try {
    const d = optDispatch(device, await optKernel.pipeline(device, undefined), ownedScenario(device, scenario), { states: s, actions: a, latencies: l }, count);
    try {
      submitPass(device, (rec) => rec.dispatch(d));
      const actions = Float64Array.from(await readFloat32(device, a, count * ACTION_SIZE));
      const latencies = new Float64Array(count * LATENCY_SIZE);
      for (let i = 0; i < count; i++) {
        const state = Array.prototype.slice.call(states, i * STATE_SIZE, (i + 1) * STATE_SIZE) as number[];
        const action = actions.subarray(i * ACTION_SIZE, (i + 1) * ACTION_SIZE);
        action[A.lambda] = optLambda(scenario, state, action[A.alphaOff], action[A.omegaComp]);
        latencies.set(optLatency(scenario, state, action), i * LATENCY_SIZE);
      }
      return { actions, latencies };
    } finally { releaseDispatches([d]); }
  } finally { s.destroy(); a.destroy(); l.destroy(); }
}

/** Sums rows (count, 4) into one vec4 at offset 0 of `total` (one workgroup). */
export function vec4SumDispatch(device: GPUDevice, pipeline: PipelineOf<typeof vec4SumKernel>, rows: GPUBuffer, count: number, total: GPUBuffer): Dispatch {
  checkCount(count, 'count');
  return dispatchOf(device, pipeline, { params: ownedUniform(device, rowCountParams(count), 'vec4Sum.params'), rows, total },
    [1], { cost: { flops: 4 * count, bytes: 16 * count } });
}

export function envRolloutParams(p: RolloutParams): ArrayBuffer {
  const count = p.envs * p.slots;
  checkCount(count, 'envs * slots');
  return ENV_ROLLOUT_PARAMS.pack({ ...p, firstEnv: p.firstEnv ?? 0, firstSlot: p.firstSlot ?? 0, actionSeed: p.actionSeed ?? 0, count });
}

/** The rollout of FRA or RRA over envs x slots and the sum of its partials: the 4 latency sums land in `total`. */
export async function rolloutDispatches(device: GPUDevice, scenario: Scenario, policy: FixedPolicy, p: RolloutParams, maxGrid?: number,
                                        reduce: ReduceVariant = TREE_REDUCE): Promise<{ dispatches: Dispatch[]; total: GPUBuffer; count: number; destroy: () => void }> {
  const count = p.envs * p.slots;
  const params = ownedUniform(device, envRolloutParams(p), 'envRollout.params');
  const groups = Math.ceil(count / REDUCE_WORKGROUP);
  checkBindingSize(device, groups * 16, 'rollout partial sums');
  const partials = createStorage(device, groups * 16, 'envRollout.partials');
  const total = createStorage(device, 16, 'envRollout.total');
  const rollout = dispatchOf(device, await envRolloutKernel.pipeline(device, { policy, ...reduce }), { scenario: ownedScenario(device, scenario), params, partials },
    linearGrid(device, count, REDUCE_WORKGROUP, maxGrid), { cost: { flops: 400 * count, bytes: 16 * groups } });
  const sum = vec4SumDispatch(device, await vec4SumKernel.pipeline(device, reduce), partials, groups, total);
  return { dispatches: [rollout, sum], total, count, destroy: () => { releaseDispatches([rollout, sum]); partials.destroy(); total.destroy(); } };
}

/** Mean [comp, aigc, ve, total] of FRA or RRA over envs x slots (the host reads 4 numbers). */
export async function rolloutMeanGpu(device: GPUDevice, scenario: Scenario, policy: FixedPolicy, p: RolloutParams, maxGrid?: number): Promise<[number, number, number, number]> {
  const run = await rolloutDispatches(device, scenario, policy, p, maxGrid);
  try {
    submitPass(device, (rec) => { for (const d of run.dispatches) rec.dispatch(d); });
    const sums = await readFloat32(device, run.total, 4);
    return [sums[0] / run.count, sums[1] / run.count, sums[2] / run.count, sums[3] / run.count];
  } finally { run.destroy(); }
}
