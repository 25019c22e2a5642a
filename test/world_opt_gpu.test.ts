// shaders/world_opt.wgsl against solveServer (float64): the float32 allocation of every (environment, server), scored
// in float64, is the optimum to float32 precision, on a world associated by the nearest server and on one associated by
// OPT's enumeration.
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../src/scenario.js';
import { associationRows, optWorldGpu, solveServersGpu } from '../src/world/opt/gpu.js';
import { optWorldAction, worldOpt } from '../src/world/opt/index.js';
import { layoutOf, sampleWorldStates, worldActionProblem, worldLatency } from '../src/world/reference.js';
import { worldOf } from '../src/world/world.js';
import { ROOT } from './helpers/cli.js';
import { expectClose } from './helpers/expectClose.js';
import { testGpu } from './helpers/gpu.js';

describe('world_opt.wgsl', () => {
  for (const name of ['multi-servers', 'association']) {
    it(`solves every server of ${name} as solveServer does`, async () => {
      const { device } = await testGpu();
      const world = worldOf(loadScenario(`${ROOT}/scenarios/${name}.json`));
      const layout = layoutOf(world), n = 4, size = layout.state.size, K = layout.users;
      const states = sampleWorldStates(world, 0x5eede7a1, 2, 0, n, 0);
      const cpu = Array.from({ length: n }, (_, e) => optWorldAction(world, states.subarray(e * size, (e + 1) * size)));
      // Where the policy associates, the GPU allocates for OPT's association.
      const servers = new Float64Array(n * K);
      if (layout.action.server !== null) cpu.forEach((o, e) => servers.set(o.action.subarray(layout.action.server!, layout.action.server! + K), e * K));
      const association = associationRows(world, states, servers);
      const { actions, totals } = await solveServersGpu(device, world, states, association);
      const reference = worldOpt(world, states, association);
      for (let e = 0; e < n; e++) {
        const state = states.subarray(e * size, (e + 1) * size);
        const action = Float64Array.from(actions.subarray(e * layout.action.size, (e + 1) * layout.action.size));
        if (layout.action.server !== null) action.set(servers.subarray(e * K, (e + 1) * K), layout.action.server);
        expect(worldActionProblem(world, state, action)).toBeNull();
        // The reference at OPT's association is OPT.
        let referenceTotal = 0;
        for (let m = 0; m < layout.servers; m++) referenceTotal += reference.totals[e * layout.servers + m];
        expect(referenceTotal).toBeCloseTo(cpu[e].total, 9);
        // float32 shares: L_total is stationary at the optimum, so their float64 score is within ~1e-6 of it.
        expect(Math.abs(worldLatency(world, state, action).total / cpu[e].total - 1)).toBeLessThan(1e-5);
      }
      // Each server's float32 L_total: float32 rounding of the formulas (and of the optimum).
      expectClose(totals, reference.totals, { atol: 1e-6, rtol: 1e-4 });
    });
  }

  it('enumerates the associations of `association` on the GPU and finds OPT', async () => {
    const { device } = await testGpu();
    const world = worldOf(loadScenario(`${ROOT}/scenarios/association.json`));
    const layout = layoutOf(world), n = 3, size = layout.state.size;
    const states = sampleWorldStates(world, 0x5eede7a1, 2, 0, n, 0);
    const { actions, totals } = await optWorldGpu(device, world, states);   // 64 associations x 2 servers per state
    for (let e = 0; e < n; e++) {
      const state = states.subarray(e * size, (e + 1) * size), opt = optWorldAction(world, state);
      const action = Float64Array.from(actions.subarray(e * layout.action.size, (e + 1) * layout.action.size));
      expect(worldActionProblem(world, state, action)).toBeNull();
      // The association of least float32 total: another than OPT's only where the two are within float32 rounding.
      expect(Math.abs(worldLatency(world, state, action).total / opt.total - 1)).toBeLessThan(1e-5);
      expect(Math.abs(totals[e] / opt.total - 1)).toBeLessThan(1e-4);
    }
  });
});
