// solveServer on the GPU (shaders/world_opt.wgsl): every server of every environment solved at once in float32, for
// an association given per environment; the same algorithm and iteration counts as src/world/opt/server.ts without
// its early exits and warm starts. Its float64 reference is worldOpt (src/world/opt/slot.ts).
import { createStorage, createStorageFrom, createUniform, readFloat32 } from '../../gpu/buffers.js';
import { defineKernel, dispatchOf, linearGrid, submitPass } from '../../gpu/kernel.js';
import { worldDefines, type WorldLayout } from '../layout.js';
import { isActive, layoutOf } from '../reference.js';
import type { World } from '../world.js';
import { SOLVER_ITERATIONS } from './server.js';
import { INACTIVE } from './slot.js';

const WORKGROUP = 64;

export const worldOptKernel = defineKernel({
  shader: 'world_opt.wgsl',
  bindings: { params: 'uniform', constants: 'read', states: 'read', association: 'read', actions: 'read-write', totals: 'read-write' },
  variant: (layout: WorldLayout) => ({
    constants: {
      WORKGROUP_SIZE: WORKGROUP, COMPUTE_PRICE_ITERATIONS: SOLVER_ITERATIONS.computePrice, UPLINK_PRICE_ITERATIONS: SOLVER_ITERATIONS.uplinkPrice,
      DOWNLINK_RATIO_ITERATIONS: SOLVER_ITERATIONS.downlinkRatio, NEWTON_ITERATIONS: SOLVER_ITERATIONS.newton,
    },
    defines: worldDefines(layout),
  }),
  workgroup: () => [WORKGROUP],
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
    params: createUniform(device, new Uint32Array([count, 0, 0, 0]).buffer, 'worldOpt.params'),
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
