// The model critic in float64 (src/train/worldModelCritic.ts): its latency is the world's (src/world/reference.ts) for
// the head's action, and its gradient with respect to z matches central finite differences of the reward; a run with it
// checkpoints and loads back (no critic Adam steps); the letter's world refuses it. The labels limited to k moves per
// row; the channel prior alone is the max-SNR association, the share prior alone the square-root rule.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../src/errors.js';
import { DEFAULT_SCENARIO, loadScenario, parseScenario } from '../src/scenario.js';
import { loadCheckpoint, writeCheckpoint } from '../src/train/checkpoint.js';
import { parseTrainConfig } from '../src/train/config.js';
import { ReferenceTrainer } from '../src/train/reference.js';
import { Stream } from '../src/rng/streams.js';
import { sampleWorldStates, worldLatency } from '../src/world/reference.js';
import {
  shareIndex, worldActionHeadInto, worldGroupsFromObs, worldLaraLayout, worldObservationNorm,
} from '../src/train/worldFeatures.js';
import { addWorldPriorsInto, PRIOR_LAMBDA } from '../src/train/worldPriors.js';
import { worldModelRewardGradientInto } from '../src/train/worldModelCritic.js';
import { expectClose } from './helpers/expectClose.js';
import { TEST_WORLDS, worldObservations } from './helpers/worlds.js';
import { normals } from './helpers/lara.js';
import { ROOT } from './helpers/cli.js';
import { worldOf, type World } from '../src/world/world.js';
import { associationBaseline } from '../src/world/opt/index.js';
import { worldActorActions } from '../src/train/worldActor.js';
import { mlpLayout } from '../src/nn/layout.js';

describe.each(TEST_WORLDS)('model critic: %s', (_name, w) => {
  const wl = worldLaraLayout(w);
  const norm = worldObservationNorm(w);
  const S = wl.world.state.size, O = wl.obs.size, Z = wl.z.size, A = wl.world.action.size;
  const n = 24;
  const states = sampleWorldStates(w, 5, Stream.trainStates, 0, n, 3);
  const obs = worldObservations(wl, norm, states, n);
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
});

/** The label the association scores of row e get: the one positive entry of onehot(label) - softmax (-1: none). */
function labels(w: World, states: Float64Array, rows: number, z: Float64Array, moves = 0) {
  const wl = worldLaraLayout(w), norm = worldObservationNorm(w);
  const S = wl.world.state.size, O = wl.obs.size, Z = wl.z.size, A = wl.world.action.size, M = wl.world.servers;
  const obs = worldObservations(wl, norm, states, rows);
  const dz = new Float64Array(Z), action = new Float64Array(A);
  return Array.from({ length: rows }, (_, e) => {
    worldModelRewardGradientInto(w, wl, norm, obs, e * O, z, e * Z, 1e-3, 'log', dz, 0, moves);
    const groups = worldGroupsFromObs(wl, obs, e * O, z, e * Z);
    const label = Array.from({ length: wl.world.users }, (_, i) => Array.from(dz.subarray(wl.z.association! + i * M, wl.z.association! + (i + 1) * M)).findIndex((x) => x > 0));
    /** L_total of the head's action with the users on `server`. */
    const total = (server: Int32Array) => {
      worldActionHeadInto(wl, z, e * Z, { server, active: groups.active }, 1e-3, action, 0);
      return worldLatency(w, states.subarray(e * S, (e + 1) * S), action).total;
    };
    return { groups, label, total };
  });
}

describe('the model critic\'s association label', () => {
  it.each([['the policy test world', TEST_WORLDS[1][1], 16], ['large.json', worldOf(loadScenario(`${ROOT}/scenarios/large.json`)), 2]] as const)('is each user\'s best single move under the head\'s shares (%s)', (_name, w, n) => {
    const wl = worldLaraLayout(w), M = wl.world.servers;
    const states = sampleWorldStates(w, 5, Stream.trainStates, 0, n, 3);
    let moves = 0;
    for (const { groups, label, total } of labels(w, states, n, normals(n * wl.z.size, 4, 9))) {
      const base = total(groups.server);
      for (let i = 0; i < wl.world.users; i += wl.world.users > 16 ? 7 : 1) {
        if (!groups.active[i]) { expect(label[i]).toBe(-1); continue; }
        let best = groups.server[i], bestL = base;
        for (let m = 0; m < M; m++) {
          if (m === groups.server[i]) continue;
          const moved = groups.server.slice(); moved[i] = m;
          const l = total(moved);
          if (l < bestL) { best = m; bestL = l; }
        }
        expect(label[i]).toBe(best);
        if (best !== groups.server[i]) moves++;
      }
    }
    expect(moves).toBeGreaterThan(0);
  });
});

describe('the association labels limited to k moves per row', () => {
  it('keep the move of the k users whose move lowers L_total most, the stays, and nothing for the other movers', () => {
    const w = worldOf(loadScenario(`${ROOT}/scenarios/large.json`)), wl = worldLaraLayout(w), n = 2, k = 3;
    const states = sampleWorldStates(w, 5, Stream.trainStates, 0, n, 3);
    const z = normals(n * wl.z.size, 4, 9);
    const all = labels(w, states, n, z), limited = labels(w, states, n, z, k);
    for (let e = 0; e < n; e++) {
      const { groups, label, total } = all[e];
      const movers = label.map((m, i) => i).filter((i) => label[i] >= 0 && label[i] !== groups.server[i]);
      expect(movers.length).toBeGreaterThan(k);
      const after = (i: number) => { const moved = groups.server.slice(); moved[i] = label[i]; return total(moved); };
      const kept = [...movers].sort((a, b) => after(a) - after(b) || a - b).slice(0, k);
      limited[e].label.forEach((m, i) => {
        if (!movers.includes(i)) expect(m, `user ${i} stays`).toBe(label[i]);
        else expect(m, `mover ${i}`).toBe(kept.includes(i) ? label[i] : -1);
      });
    }
  });
});

describe('the share prior', () => {
  it('alone shares each server\'s compute in proportion to the square root of each user\'s cycles', () => {
    const w = TEST_WORLDS[1][1], wl = worldLaraLayout(w), norm = worldObservationNorm(w), L = wl.world, sc = w.scenario;
    const states = sampleWorldStates(w, 4, Stream.trainStates, 0, 8, 1);
    const obs = worldObservations(wl, norm, states, 8);
    let pairs = 0;
    for (let e = 0; e < 8; e++) {
      const z = new Float64Array(wl.z.size);
      const groups = addWorldPriorsInto(w, wl, norm, obs, e * wl.obs.size, { channelPrior: 1, sharePrior: 1 }, z, 0);
      const action = new Float64Array(L.action.size);
      worldActionHeadInto(wl, z, 0, groups, 0, action, 0);
      const state = states.subarray(e * L.state.size, (e + 1) * L.state.size);
      const cycles = (i: number) => {
        const d = state[L.state.data + i], type = i < L.comp ? 0 : i < L.comp + L.ve ? 1 : 2;
        return type === 0 ? PRIOR_LAMBDA ** 2 * sc.cyclesPerBit * d : (sc.xi * sc.cyclesPerBit * (type === 1 ? sc.psi * d : d) + sc.zeta) * sc.genUnitCycles;
      };
      const share = (i: number) => action[shareIndex(L, i, 3)];
      for (let i = 0; i < L.users; i++) for (let j = i + 1; j < L.users; j++) {
        if (!groups.active[i] || !groups.active[j] || groups.server[i] !== groups.server[j]) continue;
        pairs++;
        // Data and gains come back from the observation: float64 rounding of exp(log), 1e-12 relative.
        expectClose([share(i) / share(j)], [Math.sqrt(cycles(i) / cycles(j))], { atol: 0, rtol: 1e-12 }, `env ${e} users ${i}, ${j}`);
      }
    }
    expect(pairs).toBeGreaterThan(8);
  });
});

describe('the channel prior', () => {
  it.each([['the policy test world', TEST_WORLDS[1][1], 64], ['large.json', worldOf(loadScenario(`${ROOT}/scenarios/large.json`)), 4]] as const)('alone takes each active user\'s strongest server, the max-SNR rule (%s)', (_name, w, n) => {
    const wl = worldLaraLayout(w), S = wl.world.state.size, A = wl.world.action.size, at = wl.world.action.server!;
    const sizes = [wl.obs.size, 3, wl.z.size];
    const actor = new Float64Array(mlpLayout(sizes).parameterCount);  // every weight and bias 0: z = 0 before the prior
    const states = sampleWorldStates(w, 4, Stream.trainStates, 0, n, 1);
    const actions = worldActorActions(w, sizes, actor, { shareFloor: 1e-3, channelPrior: 1, sharePrior: 0 }, states);
    let off = 0, all = 0;
    for (let e = 0; e < n; e++) {
      const state = states.subarray(e * S, (e + 1) * S);
      const snr = associationBaseline(w, state, 'maxSnr').action;
      for (let i = 0; i < wl.world.users; i++) {
        if (wl.world.state.active !== null && state[wl.world.state.active + i] < 0.5) continue;
        all++;
        expect(actions[e * A + at + i], `env ${e} user ${i}`).toBe(snr[at + i]);
        if (snr[at + i] !== 0) off++;
      }
    }
    expect(off).toBeGreaterThan(all / 10);  // not everyone on server 0
  });

  it('is refused with the learned critic and where the policy does not associate', () => {
    expect(() => parseTrainConfig({ channelPrior: 1 })).toThrow(/^config: channelPrior 1 needs critic 'model'/);
    expect(() => parseTrainConfig({ sharePrior: 2 }, 'flags', (f) => (f === 'sharePrior' ? '--share-prior' : undefined))).toThrow(/^--share-prior 2 needs critic 'model'/);
    const config = parseTrainConfig({ envs: 4, batch: 4, hidden: [6], replayCapacity: 12, critic: 'model', channelPrior: 1 });
    expect(() => new ReferenceTrainer(parseScenario({ servers: [{}, { position: [100, 0] }], users: { comp: { count: 2 } } }, 'test.json'), config))
      .toThrow(/the policy does not associate users with servers/);
  });
});

describe('a run with the model critic', () => {
  const config = parseTrainConfig({ envs: 4, batch: 4, hidden: [6], updatesPerIteration: 1, iterations: 5, replayCapacity: 12, seed: 3, critic: 'model' });

  it('checkpoints with the critic\'s Adam at step 0, and loads back', () => {
    const scenario = parseScenario({ servers: [{}, { position: [100, 0] }], users: { comp: { count: 2, distance: [30, 90] } }, association: 'policy' }, 'test.json');
    const trainer = new ReferenceTrainer(scenario, config);
    for (let i = 0; i < 3; i++) trainer.step();
    const snap = trainer.snapshot();
    expect([snap.actorAdam.step, snap.criticAdam.step]).toEqual([3, 0]);
    const dir = mkdtempSync(join(tmpdir(), 'megc-model-critic-'));
    try {
      const path = join(dir, 'checkpoint.safetensors');
      writeCheckpoint(path, snap, { config, scenario, device: 'cpu', progress: null });
      expect(loadCheckpoint(path).snapshot).toEqual(snap);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is refused on the letter\'s world, naming why', () => {
    expect(() => new ReferenceTrainer(DEFAULT_SCENARIO, config)).toThrow(UserError);
    expect(() => new ReferenceTrainer(DEFAULT_SCENARIO, config)).toThrow(/implemented for generalised worlds.*the learned critic/);
  });
});
