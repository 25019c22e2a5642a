// The model critic in float64 (src/train/worldModelCritic.ts): its latency is the world's (src/world/reference.ts) for
// the head's action, and its gradient with respect to z matches central finite differences of the reward.
import { describe, expect, it } from 'vitest';
import { Stream } from '../src/rng/streams.js';
import { sampleWorldStates, worldLatency } from '../src/world/reference.js';
import {
  worldActionHeadInto, worldGroupsFromObs, worldLaraLayout, worldObservationInto, worldObservationNorm,
} from '../src/train/worldFeatures.js';
import { worldModelRewardGradientInto } from '../src/train/worldModelCritic.js';
import { expectClose } from './helpers/expectClose.js';
import { TEST_WORLDS } from './helpers/worlds.js';
import { normals } from './helpers/lara.js';

describe.each(TEST_WORLDS)('model critic: %s', (_name, w) => {
  const wl = worldLaraLayout(w);
  const norm = worldObservationNorm(w);
  const S = wl.world.state.size, O = wl.obs.size, Z = wl.z.size, A = wl.world.action.size;
  const n = 24;
  const states = sampleWorldStates(w, 5, Stream.trainStates, 0, n, 3);
  const obs = new Float64Array(n * O);
  for (let e = 0; e < n; e++) worldObservationInto(wl, norm, states, e * S, obs, e * O);
  const z = normals(n * Z, 4, 9);
  const floor = 1e-3;

  it('scores the head\'s action with the world\'s latency, from the observation alone', () => {
    const got = new Float64Array(n), want = new Float64Array(n);
    const dz = new Float64Array(Z), action = new Float64Array(A);
    for (let e = 0; e < n; e++) {
      got[e] = worldModelRewardGradientInto(w, wl, norm, obs, e * O, z, e * Z, floor, 'log', dz, 0).lTotal;
      worldActionHeadInto(wl, z, e * Z, worldGroupsFromObs(wl, obs, e * O, z, e * Z), floor, action, 0);
      want[e] = worldLatency(w, states.subarray(e * S, (e + 1) * S), action).total;
    }
    // The observation inverts to the state's gains and data up to float64 rounding of exp(log): 1e-12 relative.
    expectClose(got, want, { atol: 0, rtol: 1e-12 }, 'L_total');
    expect(want.some((x) => x > 0)).toBe(true);
  });

  it.each(['log', 'linear'] as const)('gives dReward/dz as finite differences do (%s reward)', (reward) => {
    const dz = new Float64Array(Z), scratch = new Float64Array(Z);
    const got: number[] = [], want: number[] = [];
    for (let e = 0; e < n; e++) {
      const zRow = Float64Array.from(z.subarray(e * Z, (e + 1) * Z));
      worldModelRewardGradientInto(w, wl, norm, obs, e * O, zRow, 0, floor, reward, dz, 0);
      const base = worldModelRewardGradientInto(w, wl, norm, obs, e * O, zRow, 0, floor, reward, scratch, 0).reward;
      // The association scores' entries are a best-response label, not a gradient (their own test below).
      for (let j = 0; j < (wl.z.association ?? Z); j++) {
        const h = 1e-6, keep = zRow[j];
        zRow[j] = keep + h; const plus = worldModelRewardGradientInto(w, wl, norm, obs, e * O, zRow, 0, floor, reward, scratch, 0).reward;
        zRow[j] = keep - h; const minus = worldModelRewardGradientInto(w, wl, norm, obs, e * O, zRow, 0, floor, reward, scratch, 0).reward;
        zRow[j] = keep;
        // A comp user's max switches branch inside the step: the difference straddles the kink, skip that entry.
        if (Math.abs((plus - base) - (base - minus)) > 1e-5 * Math.abs(plus - minus) + 1e-13) continue;
        got.push(dz[j]); want.push((plus - minus) / (2 * h));
      }
    }
    expect(got.length).toBeGreaterThan(n * 2);
    // Central differences at h = 1e-6 on rewards of size ~1: truncation ~h^2, rounding ~1e-16 / h = 1e-10.
    expectClose(got, want, { atol: 1e-7, rtol: 1e-5 }, 'dReward/dz');
  });

  it.runIf(wl.z.association !== null)('labels each user\'s association with its best single move, as the world\'s latency ranks them', () => {
    const M = wl.world.servers, dz = new Float64Array(Z), action = new Float64Array(A);
    let labels = 0, moves = 0;
    for (let e = 0; e < n; e++) {
      worldModelRewardGradientInto(w, wl, norm, obs, e * O, z, e * Z, floor, 'log', dz, 0);
      const groups = worldGroupsFromObs(wl, obs, e * O, z, e * Z);
      const total = (server: Int32Array) => {
        worldActionHeadInto(wl, z, e * Z, { server, active: groups.active }, floor, action, 0);
        return worldLatency(w, states.subarray(e * S, (e + 1) * S), action).total;
      };
      const base = total(groups.server);
      for (let i = 0; i < wl.world.users; i++) {
        const entries = Array.from(dz.subarray(wl.z.association! + i * M, wl.z.association! + (i + 1) * M));
        if (!groups.active[i]) { expect(entries.every((x) => x === 0)).toBe(true); continue; }
        let best = groups.server[i], bestL = base;
        for (let m = 0; m < M; m++) {
          if (m === groups.server[i]) continue;
          const moved = groups.server.slice(); moved[i] = m;
          const l = total(moved);
          if (l < bestL) { best = m; bestL = l; }
        }
        if (best !== groups.server[i]) moves++;
        // onehot(best) - softmax: the one positive entry is the label.
        expect(entries.findIndex((x) => x > 0)).toBe(best);
        labels++;
      }
    }
    expect(labels).toBeGreaterThan(n);
    expect(moves).toBeGreaterThan(0);
  });
});
