// The LARA trainer's world kernels one at a time against their float64 twins (src/train/worldFeatures.ts):
// lara_world_observe, lara_world_act (replay row, env step, metrics), lara_world_actor_chain and its backward, and the
// model critic's gradient lara_world_model_gradient (src/train/worldModelCritic.ts); where the policy associates, act and
// the model critic with the priors (src/train/worldPriors.ts) and the labels limited to k moves.
import { describe, expect, it } from 'vitest';
import { scenarioUniform } from '../src/env/scenarioUniform.js';
import { createStorage, createStorageFrom, createUniform } from '../src/gpu/buffers.js';
import { TREE_REDUCE } from '../src/gpu/reduce.js';
import { Stream } from '../src/rng/streams.js';
import {
  laraWorldActKernel, laraWorldActorChainBackwardKernel, laraWorldActorChainKernel, laraWorldModelGradientKernel, laraWorldObserveKernel,
} from '../src/train/laraWorldKernels.js';
import { ACT_METRICS, WORLD_ROW_WORKGROUP } from '../src/train/layout.js';
import { worldShape } from '../src/train/shape.js';
import { addWorldPriorsInto } from '../src/train/worldPriors.js';
import {
  worldActionHeadInto, worldCriticFeaturesInto, worldCriticFeaturesVjpInto, worldExplorationNormalsInto, worldGroupsFromObs,
  worldObservationNorm, worldObservationNormParams,
} from '../src/train/worldFeatures.js';
import { worldModelRewardGradientInto } from '../src/train/worldModelCritic.js';
import { worldParams } from '../src/world/gpu.js';
import { sampleWorldStates, worldLatency } from '../src/world/reference.js';
import { expectClose } from './helpers/expectClose.js';
import { TEST_WORLDS, worldObservations } from './helpers/worlds.js';
import { testGpu } from './helpers/gpu.js';
import { dispatchStep, groupSums, read64, normals, step, stepRing } from './helpers/lara.js';

describe.each(TEST_WORLDS)('LARA world kernels: %s', (_name, w) => {
  const shape = worldShape(w);
  const wl = shape.world!.lara;
  const S = shape.state, O = shape.observation, Z = shape.action, C = shape.criticInput, R = shape.replayStride;
  const norm = worldObservationNorm(w);
  const observe = (states: ArrayLike<number>, n: number) => worldObservations(wl, norm, states, n);
  // Act and the model critic add the priors: the share prior everywhere, the channel prior where the policy associates.
  const priors = { channelPrior: wl.z.association !== null ? 0.7 : 0, sharePrior: 0.6 };
  const shared = async (device: GPUDevice) => ({
    scenario: createUniform(device, scenarioUniform(w.scenario), 'scenario'),
    world: createStorageFrom(device, new Uint8Array(worldParams(w)), 'world'),
    norm: createStorageFrom(device, worldObservationNormParams(norm), 'norm'),
  });

  it('lara_world_observe writes the states and observations of the slot', async () => {
    const { device } = await testGpu();
    const envs = 70;
    const s = step({ iteration: 17, seed: 5, envs });
    const buffers = { step: stepRing(device, [s]).binding, ...(await shared(device)),
      states: createStorage(device, envs * S * 4, 'states'), obs: createStorage(device, envs * O * 4, 'obs') };
    dispatchStep(device, await laraWorldObserveKernel.pipeline(device, { shape }), buffers, 0, { items: envs });
    const want = sampleWorldStates(w, 5, Stream.trainStates, 0, envs, 17);
    // As the world's sampling (world_gpu.test.ts): 2e-5 relative; observations (ln h - mean) / std with std ~0.4: 2e-5
    // relative on h is ~5e-5 absolute.
    expectClose(await read64(device, buffers.states, envs * S), want, { atol: 0, rtol: 2e-5 }, 'states');
    expectClose(await read64(device, buffers.obs, envs * O), observe(want, envs), { atol: 1e-4, rtol: 1e-5 }, 'obs');
  });

  it('lara_world_act writes the replay rows of the noisy actor, steps the envs and sums the metrics', async () => {
    const { device } = await testGpu();
    const envs = 300, capacity = 400, seed = 9, t = 4, sigma = 0.3, floor = 0.01;
    // 300 envs: 10 workgroups of WORLD_ROW_WORKGROUP (32), the last part past the end, each writing its partial.
    const workgroups = Math.ceil(envs / WORLD_ROW_WORKGROUP);
    const s = step({ iteration: t, seed, envs, sigma, useActor: true, shareFloor: floor, capacity, writeRow: 250, actPartials: workgroups, rewardKind: 'log', ...priors });
    const states = Float32Array.from(sampleWorldStates(w, seed, Stream.trainStates, 0, envs, t));
    const obs = Float32Array.from(observe(states, envs));
    const actorZ = normals(envs * Z, 1.5, 3);
    const buffers = { step: stepRing(device, [s]).binding, ...(await shared(device)),
      actorZ: createStorageFrom(device, Float32Array.from(actorZ), 'actorZ'), states: createStorageFrom(device, states, 'states'),
      obs: createStorageFrom(device, obs, 'obs'), replay: createStorage(device, capacity * R * 4, 'replay'),
      actPartials: createStorage(device, workgroups * ACT_METRICS * 4, 'actPartials') };
    dispatchStep(device, await laraWorldActKernel.pipeline(device, { shape, ...TREE_REDUCE }), buffers, 0, { items: envs });

    const replay = new Float64Array(capacity * R);
    const next = sampleWorldStates(w, seed, Stream.trainStates, 0, envs, t + 1);
    const nextObs = observe(next, envs);
    const z = new Float64Array(Z), noise = new Float64Array(Z), action = new Float64Array(wl.world.action.size);
    const sums = new Float64Array(ACT_METRICS);
    for (let e = 0; e < envs; e++) {
      worldExplorationNormalsInto(seed, e, t, Z, noise, 0);
      z.set(actorZ.subarray(e * Z, (e + 1) * Z));
      addWorldPriorsInto(w, wl, norm, obs, e * O, priors, z, 0);
      for (let k = 0; k < Z; k++) z[k] += sigma * noise[k];
      const groups = worldGroupsFromObs(wl, obs, e * O, z, 0);
      worldActionHeadInto(wl, z, 0, groups, floor, action, 0);
      const l = worldLatency(w, states.subarray(e * S, (e + 1) * S), action);
      const row = ((250 + e) % capacity) * R;
      replay.set(obs.subarray(e * O, (e + 1) * O), row);
      worldCriticFeaturesInto(wl, z, 0, groups, floor, replay, row + O);
      replay[row + O + Z] = -Math.log(l.total);
      replay.set(nextObs.subarray(e * O, (e + 1) * O), row + O + Z + 1);
      const mean = (t: number) => (l.counts[t] > 0 ? l.sums[t] / l.counts[t] : 0);
      [-l.total, mean(0), mean(1), mean(2), l.total].forEach((v, m) => { sums[m] += v; });
    }
    // Features are centred logs of f32 softmaxes of z ~ N(0, 2.3) (~1e-6), obs as in lara_world_observe, -ln L with L
    // in f32 (~1e-6 relative): 1e-4 absolute + 1e-5 relative.
    expectClose(await read64(device, buffers.replay, capacity * R), replay, { atol: 1e-4, rtol: 1e-5 }, 'replay rows');
    expectClose(await read64(device, buffers.states, envs * S), next, { atol: 0, rtol: 2e-5 }, 'states at t + 1');
    const partials = await read64(device, buffers.actPartials, workgroups * ACT_METRICS);
    const got = Array.from({ length: ACT_METRICS }, (_, m) => Array.from({ length: workgroups }, (_, g) => partials[g * ACT_METRICS + m]).reduce((a, b) => a + b, 0));
    // Sums of 300 f32 latencies (~1e-6 relative each) in a tree: 1e-5 relative.
    expectClose(got, sums, { atol: 0, rtol: 1e-5 }, 'metrics');
  });

  it('lara_world_actor_chain and its backward give the features and -(1/B) times their VJP', async () => {
    const { device } = await testGpu();
    const batch = 130, floor = 0.001;
    const partialCount = Math.ceil(batch / WORLD_ROW_WORKGROUP);  // 5 workgroups, the last with 2 rows
    const s = step({ batch, shareFloor: floor, lossPartials: partialCount, chunkUpdate: 0 });
    const states = sampleWorldStates(w, 2, Stream.trainStates, 0, batch, 3);
    const obs = Float32Array.from(observe(states, batch));
    const z = Float32Array.from(normals(batch * Z, 2, 5));
    const dCritic = Float32Array.from(normals(batch * C, 0.5, 6));
    const q = Float32Array.from(normals(batch, 1, 8));
    const ring = stepRing(device, [s]).binding;
    const zBuffer = createStorageFrom(device, z, 'z'), obsBuffer = createStorageFrom(device, obs, 'obs');
    const chain = { step: ring, z: zBuffer, obs: obsBuffer, criticInput: createStorage(device, batch * C * 4, 'criticInput') };
    dispatchStep(device, await laraWorldActorChainKernel.pipeline(device, { shape }), chain, 0, { items: batch });
    const back = { step: ring, z: zBuffer, obs: obsBuffer, dCriticInput: createStorageFrom(device, dCritic, 'dCritic'), q: createStorageFrom(device, q, 'q'),
      dZ: createStorage(device, batch * Z * 4, 'dZ'), actorPartials: createStorage(device, partialCount * 4, 'actorPartials') };
    dispatchStep(device, await laraWorldActorChainBackwardKernel.pipeline(device, { shape, ...TREE_REDUCE }), back, 0, { items: batch });

    const input = new Float64Array(batch * C), dz = new Float64Array(batch * Z);
    let loss = 0;
    for (let k = 0; k < batch; k++) {
      const groups = worldGroupsFromObs(wl, obs, k * O, z, k * Z);
      input.set(obs.subarray(k * O, (k + 1) * O), k * C);
      worldCriticFeaturesInto(wl, z, k * Z, groups, floor, input, k * C + O);
      worldCriticFeaturesVjpInto(wl, z, k * Z, groups, floor, dCritic, k * C + O, dz, k * Z);
      loss -= q[k];
    }
    for (let i = 0; i < dz.length; i++) dz[i] *= -1 / batch;
    // f32 softmaxes and logs of O(1) values: 1e-5 absolute + 1e-5 relative; dz ~ 1e-3 carries the same relative error.
    expectClose(await read64(device, chain.criticInput, batch * C), input, { atol: 1e-5, rtol: 1e-5 }, 'critic input');
    expectClose(await read64(device, back.dZ, batch * Z), dz, { atol: 1e-7, rtol: 1e-4 }, 'dZ');
    expectClose(groupSums(await read64(device, back.actorPartials, partialCount), partialCount), [loss], { atol: 1e-4, rtol: 1e-5 }, 'actor loss sum');
  });
  it.each(['log', 'linear'] as const)('lara_world_model_gradient gives -(1/B) dReward/dz and the actor loss as the float64 model critic (%s reward)', async (reward) => {
    const { device } = await testGpu();
    const batch = 130, floor = 0.001;
    // Where the policy associates, the log reward's case limits the labels to 2 moves per row.
    const moves = wl.z.association !== null && reward === 'log' ? 2 : 0;
    const partialCount = Math.ceil(batch / WORLD_ROW_WORKGROUP);  // 5 workgroups, the last with 2 rows
    const s = step({ batch, shareFloor: floor, rewardKind: reward, lossPartials: partialCount, chunkUpdate: 0, ...priors, associationMoves: moves });
    const states = sampleWorldStates(w, 7, Stream.trainStates, 0, batch, 2);
    const obs = Float32Array.from(observe(states, batch));
    const z = Float32Array.from(normals(batch * Z, 2, 11));
    const zPrior = Float64Array.from(z);  // the scores the kernel sees: z plus the priors
    for (let k = 0; k < batch; k++) addWorldPriorsInto(w, wl, norm, obs, k * O, priors, zPrior, k * Z);
    const buffers = { step: stepRing(device, [s]).binding, ...(await shared(device)), z: createStorageFrom(device, z, 'z'),
      obs: createStorageFrom(device, obs, 'obs'), dZ: createStorage(device, batch * Z * 4, 'dZ'), actorPartials: createStorage(device, partialCount * 4, 'actorPartials') };
    dispatchStep(device, await laraWorldModelGradientKernel.pipeline(device, { shape, ...TREE_REDUCE }), buffers, 0, { items: batch });
    const got = await read64(device, buffers.dZ, batch * Z);

    const want = new Float64Array(batch * Z);
    let loss = 0;
    for (let k = 0; k < batch; k++) loss -= worldModelRewardGradientInto(w, wl, norm, obs, k * O, zPrior, k * Z, floor, reward, want, k * Z, moves).reward;
    for (let i = 0; i < want.length; i++) want[i] *= -1 / batch;

    // A best response (the association label) may differ only where two servers' L_total are within f32 rounding of
    // each other: there, the label's own entries are left out of the comparison below. The label is the entry of
    // onehot(best) - softmax, scaled by -1/B, that is negative.
    const A = wl.z.association, M = wl.world.servers;
    const compared = Array.from({ length: batch * Z }, () => true);
    let differing = 0;
    if (A !== null) {
      const action = new Float64Array(wl.world.action.size);
      const label = (d: ArrayLike<number>, at: number) => { for (let m = 0; m < M; m++) if (d[at + m] < 0) return m; return -1; };
      for (let k = 0; k < batch; k++) {
        const groups = worldGroupsFromObs(wl, obs, k * O, zPrior, k * Z);
        const total = () => { worldActionHeadInto(wl, zPrior, k * Z, groups, floor, action, 0); return worldLatency(w, states.subarray(k * S, (k + 1) * S), action).total; };
        for (let i = 0; i < wl.world.users; i++) {
          const at = k * Z + A + i * M, mine = label(got, at), theirs = label(want, at);
          if (mine === theirs) continue;
          differing++;
          const now = groups.server[i];
          groups.server[i] = mine; const lMine = total();
          groups.server[i] = theirs; const lTheirs = total();
          groups.server[i] = now;
          // f32 latencies are ~1e-6 relative (world_gpu.test.ts); the observation's f32 rounding adds as much.
          expect(Math.abs(lMine - lTheirs), `row ${k} user ${i}: labels ${mine} and ${theirs}`).toBeLessThanOrEqual(1e-5 * lTheirs);
          for (let m = 0; m < M; m++) compared[at + m] = false;
        }
      }
      expect(differing).toBeLessThanOrEqual(2);
    }
    // Each row in units of its largest entry (its scale: 1/B times ~1 for the log reward, times L_total for the linear).
    const scale = Array.from({ length: batch }, (_, k) => Math.max(...want.subarray(k * Z, (k + 1) * Z).map(Math.abs)) || 1);
    const pick = (x: Float64Array) => x.map((v, j) => v / scale[Math.floor(j / Z)]).filter((_, j) => compared[j]);
    // The state comes back from f32 observations through f32 exp (~1e-6 relative), then f32 latencies, rates and
    // softmaxes (~1e-6 relative each) against float64; a share's entry is a difference of such terms within its group
    // (span p (g - sum p g)) and cancels down to a few 1e-6 of the row's scale: 1e-5 of the scale + 1e-4 relative.
    expectClose(pick(got), pick(want), { atol: 1e-5, rtol: 1e-4 }, 'dZ / row scale');
    expect(want.some((x) => x !== 0)).toBe(true);
    // A sum of 130 -r of O(1) ('log') or O(L) ('linear'), each ~1e-6 relative in f32.
    expectClose(groupSums(await read64(device, buffers.actorPartials, partialCount), partialCount), [loss], { atol: 1e-4, rtol: 1e-5 }, 'actor loss sum');
  });
});
