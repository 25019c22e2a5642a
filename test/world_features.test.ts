// LARA's world features in float64 (src/train/worldFeatures.ts): the head's actions are feasible, the critic features
// are centred log shares of those actions, and their VJP matches finite differences; sizes follow the world.
import { describe, expect, it } from 'vitest';
import { Stream } from '../src/rng/streams.js';
import { isActive, sampleWorldStates, worldActionProblem } from '../src/world/reference.js';
import {
  shareIndex, worldActionHeadInto, worldCriticFeaturesInto, worldCriticFeaturesVjpInto, worldGroupsFromObs, worldLaraLayout,
  worldObservationNorm,
} from '../src/train/worldFeatures.js';
import { finishAssociation, optWorldAction } from '../src/world/opt/index.js';
import { parseScenario } from '../src/scenario.js';
import { worldOf } from '../src/world/world.js';
import { expectClose } from './helpers/expectClose.js';
import { TEST_WORLDS, worldObservations } from './helpers/worlds.js';
import { normals } from './helpers/lara.js';

describe.each(TEST_WORLDS)('world features: %s', (_name, w) => {
  const wl = worldLaraLayout(w);
  const norm = worldObservationNorm(w);
  const S = wl.world.state.size, O = wl.obs.size, Z = wl.z.size, A = wl.world.action.size;
  const n = 40;
  const states = sampleWorldStates(w, 3, Stream.trainStates, 0, n, 1);
  const obs = worldObservations(wl, norm, states, n);
  const z = normals(n * Z, 2, 7);

  it('sizes the rows from the world and masks inactive users', () => {
    const policy = w.association === 'policy';
    expect(wl.gainsPerLink).toBe(policy ? w.servers.length : 1);
    expect(wl.z.association !== null).toBe(policy);
    expect(O).toBeGreaterThanOrEqual(wl.world.users * wl.userStride);
    for (let e = 0; e < n; e++) {
      for (let i = 0; i < wl.world.users; i++) {
        const active = wl.world.state.active === null || states[e * S + wl.world.state.active + i] !== 0;
        const block = Array.from(obs.subarray(e * O + i * wl.userStride, e * O + (i + 1) * wl.userStride));
        if (!active) expect(block.every((x) => x === 0)).toBe(true);
        else if (wl.obs.active !== null) expect(block[wl.obs.active]).toBe(1);
      }
    }
  });

  it('gives feasible actions whose critic features are the centred log shares of each group', () => {
    const action = new Float64Array(A), features = new Float64Array(Z);
    for (let e = 0; e < n; e++) {
      const state = states.subarray(e * S, (e + 1) * S);
      const groups = worldGroupsFromObs(wl, obs, e * O, z, e * Z);
      worldActionHeadInto(wl, z, e * Z, groups, 1e-3, action, 0);
      expect(worldActionProblem(w, state, action)).toBeNull();
      worldCriticFeaturesInto(wl, z, e * Z, groups, 1e-3, features, 0);
      for (let r = 0; r < 4; r++) {
        for (let m = 0; m < wl.world.servers; m++) {
          const members = Array.from({ length: wl.world.users }, (_, i) => i).filter((i) => groups.active[i] && groups.server[i] === m && shareIndex(wl.world, i, r) >= 0);
          if (members.length === 0) continue;
          const logs = members.map((i) => Math.log(action[shareIndex(wl.world, i, r)]));
          const mean = logs.reduce((a, b) => a + b, 0) / logs.length;
          // The head's shares and the features' logs come from the same softmax: float64 rounding only.
          expectClose(members.map((i) => features[shareIndex(wl.world, i, r)]), logs.map((l) => l - mean), { atol: 1e-12, rtol: 1e-12 }, `resource ${r}, server ${m}`);
        }
      }
    }
  });

  it('has a VJP equal to central differences of the features (groups fixed)', () => {
    const dF = normals(Z, 1, 9);
    const dz = new Float64Array(Z), plus = new Float64Array(Z), minus = new Float64Array(Z);
    for (let e = 0; e < 6; e++) {
      const zRow = Float64Array.from(z.subarray(e * Z, (e + 1) * Z));
      const groups = worldGroupsFromObs(wl, obs, e * O, zRow, 0);
      worldCriticFeaturesVjpInto(wl, zRow, 0, groups, 1e-3, dF, 0, dz, 0);
      const h = 1e-6;
      const fd = new Float64Array(Z);
      for (let k = 0; k < Z; k++) {
        const zp = zRow.slice(), zm = zRow.slice();
        zp[k] += h; zm[k] -= h;
        worldCriticFeaturesInto(wl, zp, 0, groups, 1e-3, plus, 0);
        worldCriticFeaturesInto(wl, zm, 0, groups, 1e-3, minus, 0);
        for (let j = 0; j < Z; j++) fd[k] += dF[j] * (plus[j] - minus[j]) / (2 * h);
      }
      // Central differences with h = 1e-6 on O(1) features: ~1e-9 truncation and rounding.
      expectClose(dz, fd, { atol: 1e-7, rtol: 1e-6 }, `row ${e}`);
    }
  });
});

describe('the hybrid: an association finished by OPT\'s allocation', () => {
  it('gives OPT\'s total for OPT\'s own association, and no less than OPT for another', () => {
    const w = TEST_WORLDS[1][1];
    const layout = worldLaraLayout(w).world;
    const states = sampleWorldStates(w, 4, Stream.trainStates, 0, 12, 0);
    for (let e = 0; e < 12; e++) {
      const s = states.subarray(e * layout.state.size, (e + 1) * layout.state.size);
      const opt = optWorldAction(w, s);
      const server = opt.action.subarray(layout.action.server!, layout.action.server! + layout.users);
      // The same per-server solves: equal to rounding.
      expect(finishAssociation(w, s, server).total).toBeCloseTo(opt.total, 9);
      const flipped = Array.from(server, (m) => 1 - m);
      expect(finishAssociation(w, s, flipped).total).toBeGreaterThanOrEqual(opt.total * (1 - 1e-9));
    }
  });
});

describe('the searched hybrid: local search from an association, finished by OPT\'s allocation', () => {
  const threeServers = worldOf(parseScenario({ servers: [{}, { position: [200, 0] }, { position: [0, 200] }], association: 'policy', users: {
    comp: { count: 3, area: { x: [0, 200], y: [0, 200] } }, aigc: { count: 3, area: { x: [0, 200], y: [0, 200] } },
    ve: { count: 3, area: { x: [0, 200], y: [0, 200] }, activity: 0.7 } } }, 'three.json'));
  it.each([['two servers', TEST_WORLDS[1][1]], ['three servers', threeServers]] as const)('%s: never above its start, never below OPT, and no single move or swap lowers it', (_name, w) => {
    const layout = worldLaraLayout(w).world, M = w.servers.length, K = layout.users;
    const states = sampleWorldStates(w, 5, Stream.trainStates, 0, 6, 0);
    for (let e = 0; e < 6; e++) {
      const s = states.subarray(e * layout.state.size, (e + 1) * layout.state.size);
      const start = Array.from({ length: K }, () => 0);  // every user on the first server
      const searched = finishAssociation(w, s, start, true);
      expect(searched.total).toBeLessThanOrEqual(finishAssociation(w, s, start).total);
      const opt = optWorldAction(w, s);
      expect(searched.total).toBeGreaterThanOrEqual((opt.exact ? opt.total : opt.lowerBound) * (1 - 1e-12));
      const at = Array.from(searched.action.subarray(layout.action.server!, layout.action.server! + K));
      // Its own association finished without search: the same solves, equal to rounding.
      expect(finishAssociation(w, s, at).total).toBeCloseTo(searched.total, 9);
      const active = at.map((_, j) => j).filter((j) => isActive(layout, s, j));
      const neighbours: number[][] = [];
      for (const j of active) for (let m = 0; m < M; m++) if (m !== at[j]) neighbours.push(at.map((x, q) => (q === j ? m : x)));
      for (const j of active) for (const q of active) if (j < q && at[j] !== at[q]) neighbours.push(at.map((x, r) => (r === j ? at[q] : r === q ? at[j] : x)));
      // Strict local optimum up to the solver's precision (1e-9 relative, docs/MODEL.md).
      for (const n of neighbours) expect(finishAssociation(w, s, n).total).toBeGreaterThanOrEqual(searched.total * (1 - 1e-9));
    }
  });
});
