// solveServer on the GPU (shaders/world_opt.wgsl): every server of every environment solved at once in float32, for
// an association given per environment; the same algorithm and iteration counts as src/world/opt/server.ts without
// its early exits and warm starts. Its float64 reference is worldOpt (src/world/opt/slot.ts).
import { createStorage, createStorageFrom, createUniform, readFloat32 } from '../../gpu/buffers.js';
import { defineKernel, dispatchOf, linearGrid, submitPass } from '../../gpu/kernel.js';
import { ROW_COUNT_PARAMS } from '../../env/gpu.js';
import { worldDefines, type WorldLayout } from '../layout.js';
import { isActive, layoutOf } from '../reference.js';
import type { World } from '../world.js';
import { SOLVER_ITERATIONS } from './server.js';
import { ENUMERATION_LIMIT, INACTIVE } from './slot.js';

const WORKGROUP = 64;

export const worldOptKernel = defineKernel({
  shader: 'world_opt.wgsl',
  uniforms: [ROW_COUNT_PARAMS],
  bindings: { params: 'uniform', constants: 'read', states: 'read', association: 'read', actions: 'read-write', totals: 'read-write' },
  variant: (layout: WorldLayout) => ({
    constants: {
      WORKGROUP_SIZE: WORKGROUP, COMPUTE_PRICE_ITERATIONS: SOLVER_ITERATIONS.computePrice, UPLINK_PRICE_ITERATIONS: SOLVER_ITERATIONS.uplinkPrice,
      DOWNLINK_RATIO_ITERATIONS: SOLVER_ITERATIONS.downlinkRatio, NEWTON_ITERATIONS: SOLVER_ITERATIONS.newton,
    },
    defines: worldDefines(layout),
  }),
});

/** The kernel's `constants`: the scenario's values, then each server's [bandwidth.off, bandwidth.back, power, fEs]. */
export function worldOptConstants(world: World): Float32Array {
  const s = world.scenario;
  const out = new Float32Array(12 + 4 * world.servers.length);
  out.set([s.noiseWattsPerHz, s.cyclesPerBit, s.fLocal, s.xi, s.zeta, s.psi, s.genUnitCycles, s.power.comp, s.power.ve]);
  world.servers.forEach((v, m) => out.set([v.bandwidth.off, v.bandwidth.back, v.power, v.fEs], 12 + 4 * m));
  return out;
}

/**
 * (count, K) the server of each user (data order) or INACTIVE: the state's where the scenario associates, else
 * `servers` ((count, K), e.g. OPT's association), else server 0.
 */
export function associationRows(world: World, states: Float64Array, servers?: ArrayLike<number>): Uint32Array {
  const layout = layoutOf(world), K = layout.users, count = states.length / layout.state.size;
  const out = new Uint32Array(count * K);
  for (let e = 0; e < count; e++) {
    const state = states.subarray(e * layout.state.size, (e + 1) * layout.state.size);
    for (let j = 0; j < K; j++) {
      out[e * K + j] = !isActive(layout, state, j) ? INACTIVE
        : layout.state.server !== null ? state[layout.state.server + j] : servers ? servers[e * K + j] : 0;
    }
  }
  return out;
}

/** Uploads states (count, state.size) and the association, solves every (environment, server), reads back. */
export async function solveServersGpu(device: GPUDevice, world: World, states: Float64Array, association: Uint32Array): Promise<{ actions: Float32Array; totals: Float32Array }> {
  const layout = layoutOf(world), count = states.length / layout.state.size, M = layout.servers;
  const buffers = {
    params: createUniform(device, ROW_COUNT_PARAMS.pack({ count }), 'worldOpt.params'),
    constants: createStorageFrom(device, worldOptConstants(world), 'worldOpt.constants'),
    states: createStorageFrom(device, Float32Array.from(states), 'worldOpt.states'),
    association: createStorageFrom(device, association, 'worldOpt.association'),
    actions: createStorage(device, count * layout.action.size * 4, 'worldOpt.actions'),
    totals: createStorage(device, count * M * 4, 'worldOpt.totals'),
  };
  try {
    const d = dispatchOf(device, await worldOptKernel.pipeline(device, layout), buffers, linearGrid(device, count * M, WORKGROUP));
    submitPass(device, (rec) => rec.dispatch(d));
    return { actions: await readFloat32(device, buffers.actions, count * layout.action.size), totals: await readFloat32(device, buffers.totals, count * M) };
  } finally { for (const b of Object.values(buffers)) b.destroy(); }
}

/**
 * OPT of every environment on the GPU: the given association where the scenario fixes it, else every association of
 * the K users (M^K <= ENUMERATION_LIMIT; each as its own row, every server of every row solved at once) and, per
 * environment, the one of least float32 L_total. Returns (count, action.size) actions (with the server columns where
 * the policy associates) and (count) L_total.
 */
export async function optWorldGpu(device: GPUDevice, world: World, states: Float64Array): Promise<{ actions: Float32Array; totals: Float32Array }> {
  const layout = layoutOf(world), K = layout.users, M = layout.servers, S = layout.state.size, A = layout.action.size;
  const count = states.length / S;
  const sumServers = (totals: Float32Array, row: number) => { let t = 0; for (let m = 0; m < M; m++) t += totals[row * M + m]; return t; };
  if (layout.action.server === null) {
    const r = await solveServersGpu(device, world, states, associationRows(world, states));
    return { actions: r.actions, totals: Float32Array.from({ length: count }, (_, e) => sumServers(r.totals, e)) };
  }
  const codes = Math.pow(M, K);
  if (codes > ENUMERATION_LIMIT) throw new RangeError(`optWorldGpu enumerates at most ${ENUMERATION_LIMIT} associations (M^K = ${M}^${K})`);
  const rows = new Float64Array(count * codes * S), servers = new Float64Array(count * codes * K);
  for (let e = 0; e < count; e++) {
    for (let c = 0; c < codes; c++) {
      const row = e * codes + c;
      rows.set(states.subarray(e * S, (e + 1) * S), row * S);
      for (let j = 0, x = c; j < K; j++, x = Math.floor(x / M)) servers[row * K + j] = x % M;
    }
  }
  const r = await solveServersGpu(device, world, rows, associationRows(world, rows, servers));
  const actions = new Float32Array(count * A), totals = new Float32Array(count);
  for (let e = 0; e < count; e++) {
    let best = e * codes;
    for (let c = 1; c < codes; c++) if (sumServers(r.totals, e * codes + c) < sumServers(r.totals, best)) best = e * codes + c;
    actions.set(r.actions.subarray(best * A, (best + 1) * A), e * A);
    actions.set(servers.subarray(best * K, (best + 1) * K), e * A + layout.action.server);
    totals[e] = sumServers(r.totals, best);
  }
  return { actions, totals };
}
