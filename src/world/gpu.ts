// The generalised world's kernels declared once (state sampling, latencies, the fused FRA/RRA rollout), the world as
// their storage buffer (shaders/lib/world.wgsl `WorldParams`), their defines from the layout, and helpers that upload,
// run and read back. The letter's world keeps src/env/gpu.ts.
import { checkBindingSize, createStorage, createStorageFrom, createUniform, readFloat32 } from '../gpu/buffers.js';
import { defineKernel, dispatchOf, linearGrid, ownedUniform, releaseDispatches, submitPass, type Binding, type Dispatch, type PipelineOf } from '../gpu/kernel.js';
import { reduceDefines, reduceFeatures, TREE_REDUCE, type ReduceVariant } from '../gpu/reduce.js';
import { scenarioUniform } from '../env/scenarioUniform.js';
import { ENV_ROLLOUT_PARAMS, ENV_SAMPLE_PARAMS, envRolloutParams, ROW_COUNT_PARAMS, ROW_WORKGROUP, vec4SumDispatch, vec4SumKernel } from '../env/gpu.js';
import type { ShaderDefines } from '../gpu/shaders.js';
import { Stream } from '../rng/streams.js';
import type { RolloutParams } from '../env/reference.js';
import { structDefines, type Fields, type UniformStruct } from '../gpu/uniforms.js';
import { SCENARIO_STRUCT } from '../env/layout.js';
import { worldLayout, type WorldLayout } from './layout.js';
import { DATA_ORDER, MIN_DISTANCE, type World } from './world.js';

const REDUCE_WORKGROUP = 256;
/** Floats per row of the latency summary: sums (comp, aigc, ve), counts (comp, aigc, ve), total, 0. */
export const SUMMARY_SIZE = 8;

/** Defines of shaders/lib/world.wgsl: every size and offset from the layout (absent groups: offset 0, flag false). */
export function worldGpuDefines(layout: WorldLayout): ShaderDefines {
  const { state, action } = layout;
  return {
    WORLD_SERVERS: layout.servers, WORLD_COMP: layout.comp, WORLD_AIGC: layout.aigc, WORLD_VE: layout.ve,
    WORLD_USERS: layout.users, WORLD_TRIPLES: layout.triples, WORLD_STATE_SIZE: state.size, WORLD_ACTION_SIZE: action.size,
    WS_H_OFF_COMP: state.hOffComp, WS_H_BACK_AIGC: state.hBackAigc, WS_H_OFF_VE: state.hOffVe, WS_H_BACK_VE: state.hBackVe,
    WS_DATA: state.data, WS_ACTIVE: state.active ?? 0, WS_SERVER: state.server ?? 0,
    WORLD_HAS_ACTIVE: state.active !== null, WORLD_STATE_SERVER: state.server !== null,
    WA_UP: action.up, WA_DOWN: action.down, WA_POWER: action.power, WA_LAMBDA: action.lambda, WA_COMPUTE: action.compute,
    WA_SERVER: action.server ?? 0, WORLD_ACTION_SERVER: action.server !== null,
    STREAM_RRA_ACTIONS: Stream.rraActions, ...structDefines([SCENARIO_STRUCT]),
  };
}

const PLACEMENT_CODE = { distance: 0, distanceRange: 1, positions: 2, area: 3 } as const;

/** Bytes of `struct WorldParams` for a layout. */
export function worldParamsBytes(layout: WorldLayout): number {
  return 16 + 32 * layout.servers + 32 * 3 + 4 * layout.users * layout.servers + 4 * layout.users;
}

/**
 * Mirrors `struct WorldParams` of shaders/lib/world.wgsl: g0, exponent, MIN_DISTANCE; per server its position and
 * resources; per group (data order) its placement and activity; for fixed placements each user's path gain to each
 * server and its nearest server, in float64 here.
 */
export function worldParams(world: World): ArrayBuffer {
  const layout = worldLayout(world);
  const { scenario } = world;
  const M = layout.servers;
  const data = new ArrayBuffer(worldParamsBytes(layout));
  const f = new Float32Array(data);
  const u = new Uint32Array(data);
  const { g0, pathLossExponent } = scenario.channel;
  f.set([g0, pathLossExponent, MIN_DISTANCE, 0], 0);
  world.servers.forEach((s, m) => {
    f.set([s.position[0], s.position[1], s.bandwidth.off, s.bandwidth.back, 1 / (s.bandwidth.off * scenario.noiseWattsPerHz),
      1 / (s.bandwidth.back * scenario.noiseWattsPerHz), s.power, s.fEs], 4 + 8 * m);
  });
  const groups = 4 + 8 * M;
  const gains = groups + 24;
  const nearest = gains + layout.users * M;
  const pathGain = (distance: number) => g0 * Math.pow(distance, -pathLossExponent);
  let first = 0;
  DATA_ORDER.forEach((type, t) => {
    const group = world.users[type];
    const p = group.placement;
    const o = groups + 8 * t;
    u[o] = PLACEMENT_CODE[p.kind];
    f[o + 1] = group.activity;
    if (p.kind === 'distanceRange') f.set([p.low, p.high], o + 2);
    if (p.kind === 'area') f.set([p.x[0], p.x[1], p.y[0], p.y[1]], o + 2);
    for (let i = 0; i < group.count; i++) {
      const user = first + i;
      const distances = world.servers.map((s) => {
        if (p.kind === 'distance') return p.distance;
        if (p.kind === 'positions') return Math.max(Math.hypot(p.positions[i][0] - s.position[0], p.positions[i][1] - s.position[1]), MIN_DISTANCE);
        return NaN;  // drawn each slot, on the GPU
      });
      if (p.kind === 'distance' || p.kind === 'positions') {
        distances.forEach((d, m) => { f[gains + user * M + m] = pathGain(d); });
        let best = 0;
        distances.forEach((d, m) => { if (d < distances[best]) best = m; });
        u[nearest + user] = best;
      }
    }
    first += group.count;
  });
  return data;
}

/**
 * The world's kernels' defines key the pipelines: one compile per world shape. Their parameters are the letter's
 * (`struct Params` of env_sample, env_latency and env_rollout: ENV_SAMPLE_PARAMS, ROW_COUNT_PARAMS, ENV_ROLLOUT_PARAMS).
 */
const worldKernel = <B extends Record<string, 'uniform' | 'read' | 'read-write'>>(shader: string, params: UniformStruct<Fields>, bindings: B) => defineKernel({
  shader, uniforms: [params], bindings,
  variant: (layout: WorldLayout) => ({ constants: { WORKGROUP_SIZE: ROW_WORKGROUP }, defines: worldGpuDefines(layout) }),
});

export const worldSampleKernel = worldKernel('world_sample.wgsl', ENV_SAMPLE_PARAMS, { scenario: 'uniform', world: 'read', params: 'uniform', states: 'read-write' });
export const worldLatencyKernel = worldKernel('world_latency.wgsl', ROW_COUNT_PARAMS, {
  scenario: 'uniform', world: 'read', params: 'uniform', states: 'read', actions: 'read', perUser: 'read-write', summary: 'read-write',
});

export type WorldFixedPolicy = 'fra' | 'rra';

export const worldRolloutKernel = defineKernel({
  shader: 'world_rollout.wgsl',
  uniforms: [ENV_ROLLOUT_PARAMS],
  bindings: { scenario: 'uniform', world: 'read', params: 'uniform', sums: 'read-write', counts: 'read-write' },
  variant: (v: { layout: WorldLayout; policy: WorldFixedPolicy } & ReduceVariant) => ({
    constants: { WORKGROUP_SIZE: REDUCE_WORKGROUP, POLICY: v.policy === 'rra' ? 1 : 0 },
    defines: { ...worldGpuDefines(v.layout), ...reduceDefines(8, v) },
  }),
  features: reduceFeatures,
});


/** The uniform and storage buffers every world kernel binds: the scenario's shared values and the world. */
export interface WorldBuffers { scenario: GPUBuffer; world: GPUBuffer; layout: WorldLayout; destroy(): void }

export function worldBuffers(device: GPUDevice, world: World): WorldBuffers {
  const scenario = createUniform(device, scenarioUniform(world.scenario), 'world.scenario');
  const params = createStorageFrom(device, new Uint8Array(worldParams(world)), 'world.params');
  return { scenario, world: params, layout: worldLayout(world), destroy: () => { scenario.destroy(); params.destroy(); } };
}

export interface WorldSampleParams { count: number; seed: number; stream: number; firstEnv: number; slot: number }

/** states (count, state.size) of envs firstEnv.. at one slot, the draws of sampleWorldStates(). */
export function worldSampleDispatch(device: GPUDevice, pipeline: PipelineOf<typeof worldSampleKernel>, w: WorldBuffers, states: Binding, p: WorldSampleParams): Dispatch {
  const size = w.layout.state.size;
  if (states.size < p.count * size * 4) throw new RangeError(`states buffer of ${states.size} bytes is too small for ${p.count} states`);
  const params = ownedUniform(device, ENV_SAMPLE_PARAMS.pack(p), 'worldSample.params');
  return dispatchOf(device, pipeline, { scenario: w.scenario, world: w.world, params, states },
    linearGrid(device, p.count, ROW_WORKGROUP), { cost: { flops: 60 * size * p.count, bytes: size * 4 * p.count } });
}

/** Samples world states on the GPU and reads them back: (count, state.size). */
export async function sampleWorldStatesGpu(device: GPUDevice, world: World, p: WorldSampleParams): Promise<Float32Array> {
  const w = worldBuffers(device, world);
  const states = createStorage(device, p.count * w.layout.state.size * 4, 'worldSample.states');
  try {
    const d = worldSampleDispatch(device, await worldSampleKernel.pipeline(device, w.layout), w, states, p);
    try {
      submitPass(device, (rec) => rec.dispatch(d));
      return await readFloat32(device, states, p.count * w.layout.state.size);
    } finally { releaseDispatches([d]); }
  } finally { states.destroy(); w.destroy(); }
}

/** states (n, state.size) + actions (n, action.size) -> each user's latency (n, K) and the summary rows (n, 8). */
export function worldLatencyDispatch(device: GPUDevice, pipeline: PipelineOf<typeof worldLatencyKernel>, w: WorldBuffers,
                                     b: { states: Binding; actions: Binding; perUser: Binding; summary: Binding }, count: number): Dispatch {
  const { layout } = w;
  if (b.states.size < count * layout.state.size * 4 || b.actions.size < count * layout.action.size * 4
    || b.perUser.size < count * layout.users * 4 || b.summary.size < count * SUMMARY_SIZE * 4) throw new RangeError(`a buffer is too small for ${count} latency rows`);
  const params = ownedUniform(device, ROW_COUNT_PARAMS.pack({ count }), 'worldLatency.params');
  return dispatchOf(device, pipeline, { scenario: w.scenario, world: w.world, params, ...b },
    linearGrid(device, count, ROW_WORKGROUP), { cost: { flops: 120 * layout.users * count, bytes: (layout.state.size + layout.action.size + layout.users + 8) * 4 * count } });
}

/** Uploads states and actions, computes, reads back each user's latency (n, K) and the summaries (n, 8). */
export async function worldLatenciesGpu(device: GPUDevice, world: World, states: ArrayLike<number>, actions: ArrayLike<number>): Promise<{ perUser: Float32Array; summary: Float32Array }> {
  const w = worldBuffers(device, world);
  const { layout } = w;
  const count = states.length / layout.state.size;
  if (!Number.isInteger(count) || actions.length !== count * layout.action.size) throw new RangeError(`states and actions must be (n, ${layout.state.size}) and (n, ${layout.action.size})`);
  const s = createStorageFrom(device, Float32Array.from(states), 'worldLatency.states');
  const a = createStorageFrom(device, Float32Array.from(actions), 'worldLatency.actions');
  const perUser = createStorage(device, count * layout.users * 4, 'worldLatency.perUser');
  const summary = createStorage(device, count * SUMMARY_SIZE * 4, 'worldLatency.summary');
  try {
    const d = worldLatencyDispatch(device, await worldLatencyKernel.pipeline(device, w.layout), w, { states: s, actions: a, perUser, summary }, count);
    try {
      submitPass(device, (rec) => rec.dispatch(d));
      return { perUser: await readFloat32(device, perUser, count * layout.users), summary: await readFloat32(device, summary, count * SUMMARY_SIZE) };
    } finally { releaseDispatches([d]); }
  } finally { s.destroy(); a.destroy(); perUser.destroy(); summary.destroy(); w.destroy(); }
}

/** A world's FRA or RRA rollout: the letter's parameters (envs x slots, state and action keys). */
export type WorldRolloutParams = RolloutParams;

/** The dispatches of a world's rollout: the rollout, then the sums of its latencies and of its counts into two vec4s. */
export interface WorldRolloutRun {
  dispatches: Dispatch[];
  /** Latency sums (comp, aigc, ve, total) and active-user counts (comp, aigc, ve, unused) over every row. */
  sumTotal: GPUBuffer;
  countTotal: GPUBuffer;
  count: number;
  destroy(): void;
}

/**
 * FRA or RRA over envs x slots on the GPU, as dispatches to record (once, or repeated to time them): the rollout writes
 * per workgroup the latency sums and the counts; two vec4 sums reduce them into sumTotal and countTotal.
 */
export async function worldRolloutDispatches(device: GPUDevice, world: World, policy: WorldFixedPolicy, p: WorldRolloutParams,
                                             reduce: ReduceVariant = TREE_REDUCE): Promise<WorldRolloutRun> {
  const count = p.envs * p.slots;
  if (!Number.isInteger(count) || count < 1 || count > 0xffffffff) throw new RangeError(`envs * slots must be an integer in [1, 2^32), got ${count}`);
  const w = worldBuffers(device, world);
  const groups = Math.ceil(count / REDUCE_WORKGROUP);
  const owned: GPUBuffer[] = [];
  try {
    checkBindingSize(device, groups * 16, 'rollout partial sums');
    const own = (b: GPUBuffer) => { owned.push(b); return b; };
    const params = own(createUniform(device, envRolloutParams(p), 'worldRollout.params'));
    const sums = own(createStorage(device, groups * 16, 'worldRollout.sums'));
    const counts = own(createStorage(device, groups * 16, 'worldRollout.counts'));
    const sumTotal = own(createStorage(device, 16, 'worldRollout.sumTotal'));
    const countTotal = own(createStorage(device, 16, 'worldRollout.countTotal'));
    const rollout = dispatchOf(device, await worldRolloutKernel.pipeline(device, { layout: w.layout, policy, ...reduce }),
      { scenario: w.scenario, world: w.world, params, sums, counts }, linearGrid(device, count, REDUCE_WORKGROUP),
      { cost: { flops: 400 * w.layout.users * count, bytes: 32 * groups } });
    const sumPipeline = await vec4SumKernel.pipeline(device, reduce);
    const sumSums = vec4SumDispatch(device, sumPipeline, sums, groups, sumTotal);
    const sumCounts = vec4SumDispatch(device, sumPipeline, counts, groups, countTotal);
    const dispatches = [rollout, sumSums, sumCounts];
    return { dispatches, sumTotal, countTotal, count, destroy: () => { releaseDispatches(dispatches); for (const b of owned) b.destroy(); w.destroy(); } };
  } catch (error) {
    for (const b of owned) b.destroy();
    w.destroy();
    throw error;
  }
}

/**
 * Means as MODEL.md reports them of FRA or RRA over envs x slots, on the GPU: per type the mean latency of an active
 * user, and the mean L_total per slot. The host reads 8 numbers.
 */
export async function worldRolloutMeanGpu(device: GPUDevice, world: World, policy: WorldFixedPolicy, p: WorldRolloutParams,
                                          reduce: ReduceVariant = TREE_REDUCE): Promise<{ comp: number; aigc: number; ve: number; total: number }> {
  const run = await worldRolloutDispatches(device, world, policy, p, reduce);
  try {
    submitPass(device, (rec) => { for (const d of run.dispatches) rec.dispatch(d); });
    const s = await readFloat32(device, run.sumTotal, 4);    // (comp, aigc, ve, total)
    const n = await readFloat32(device, run.countTotal, 4);  // (comp, aigc, ve, unused)
    const mean = (sum: number, users: number) => (users > 0 ? sum / users : NaN);
    return { comp: mean(s[0], n[0]), aigc: mean(s[1], n[1]), ve: mean(s[2], n[2]), total: s[3] / run.count };
  } finally { run.destroy(); }
}
