// LARA's shared pieces: feasible head, features and their derivatives against finite differences, and the WGSL twins.
import { describe, expect, it } from 'vitest';
import {
  actionHead, actionHeadVjp, criticActionFeatures, criticFeaturesFromPre, criticFeaturesVjp, cosineSchedule,
  explorationNormalsInto, learningRate, learningReward, minibatchIndicesInto, mulhiU32, noiseScale, observation,
  observationNorm,
} from '../src/train/features.js';
import { DEFAULT_SCENARIO } from '../src/scenario.js';
import { sampleStates } from '../src/env/reference.js';
import { philox4x32, normalPair, uniformFromU32 } from '../src/rng/philox.js';
import { Stream } from '../src/rng/streams.js';
import { createStorage, createStorageFrom, createUniform, readFloat32 } from '../src/gpu/buffers.js';
import { defineKernel, dispatchOf, linearGrid, submitPass } from '../src/gpu/kernel.js';
import { uniformStruct } from '../src/gpu/uniforms.js';
import { LARA_DEFINES, OBSERVATION_NORM_STRUCT } from '../src/train/layout.js';

/** shaders/lara_features_test.wgsl: every function of lib/lara.wgsl for a batch, out (count, 48). */
const LARA_FEATURES_TEST_PARAMS = uniformStruct('Params', {
  count: 'u32', shareFloor: 'f32', seed: 'u32', t: 'u32', filled: 'u32', total: 'u32', scheduleStart: 'f32', scheduleEnd: 'f32',
  rewardKind: 'u32', norm: OBSERVATION_NORM_STRUCT,
});
const laraFeaturesTestKernel = defineKernel({
  shader: 'lara_features_test.wgsl', defines: LARA_DEFINES, uniforms: [LARA_FEATURES_TEST_PARAMS],
  bindings: { params: 'uniform', states: 'read', pre: 'read', dFeatures: 'read', out: 'read-write' },
  variant: () => ({ constants: { WORKGROUP_SIZE: 64 } }),
});
import { expectClose } from './helpers/expectClose.js';
import { testGpu } from './helpers/gpu.js';

/** Deterministic pre-activations: normal-ish values of scale `scale` from Philox. */
function preActivations(count: number, scale: number, salt: number): Float64Array {
  const z = new Float64Array(count * 7);
  for (let i = 0; i < z.length; i += 2) {
    const w = philox4x32(i, salt, 0, 0, 99, Stream.randomActions);
    const [a, b] = normalPair(uniformFromU32(w[0]), uniformFromU32(w[1]));
    z[i] = scale * a;
    if (i + 1 < z.length) z[i + 1] = scale * b;
  }
  return z;
}

const FLOORS = [0, 1e-3, 0.05];

describe('action head', () => {
  it('gives exactly feasible actions, even for saturated pre-activations', () => {
    const z = preActivations(500, 20, 1);
    z.set([60, -60, 1000, -1000, 80, -80, 0], 0);
    for (const floor of FLOORS) {
      for (let r = 0; r < 500; r++) {
        const a = actionHead(z.subarray(r * 7, r * 7 + 7), floor);
        for (let i = 0; i < 4; i++) {
          expect(a[i]).toBeGreaterThanOrEqual(floor);
          expect(a[i]).toBeLessThanOrEqual(1 - floor);
        }
        for (let i = 4; i < 7; i++) expect(a[i]).toBeGreaterThanOrEqual(floor);
        // Sum of three doubles near 1: a few ulps.
        expect(Math.abs(a[4] + a[5] + a[6] - 1)).toBeLessThan(1e-15);
      }
    }
  });

  it('maps z = 0 to the fixed allocation (FRA)', () => {
    expectClose(actionHead(new Float64Array(7), 1e-3), [0.5, 0.5, 0.5, 0.5, 1 / 3, 1 / 3, 1 / 3], { atol: 1e-15, rtol: 0 }, 'head(0)');
  });
});

describe('critic action features', () => {
  it('from z equal the features of the action head(z)', () => {
    // |z| <= ~12: the logit of the recovered share loses about |z| e^|z| ulps, so 1e-9 holds there.
    const z = preActivations(300, 4, 2);
    for (const floor of FLOORS) {
      for (let r = 0; r < 300; r++) {
        const zr = z.subarray(r * 7, r * 7 + 7);
        expectClose(criticActionFeatures(actionHead(zr, floor), floor), criticFeaturesFromPre(zr, floor), { atol: 1e-9, rtol: 1e-9 }, `row ${r} floor ${floor}`);
      }
    }
  });

  it('stay finite where shares saturate', () => {
    const z = [50, -50, 0, 0, 500, -500, 0];
    for (const floor of FLOORS) {
      const f = criticFeaturesFromPre(z, floor);
      for (const x of f) expect(Number.isFinite(x)).toBe(true);
      const dz = criticFeaturesVjp(z, floor, [1, 1, 1, 1, 1, -2, 0.5]);
      for (const x of dz) expect(Number.isFinite(x)).toBe(true);
    }
  });

  it('vector-Jacobian products match central finite differences', () => {
    const z = preActivations(40, 2, 3);
    const d = preActivations(40, 1, 4);
    const h = 1e-5;
    for (const floor of FLOORS) {
      for (let r = 0; r < 40; r++) {
        const zr = Array.from(z.subarray(r * 7, r * 7 + 7));
        const dr = d.subarray(r * 7, r * 7 + 7);
        const numericFeatures = new Float64Array(7);
        const numericHead = new Float64Array(7);
        for (let k = 0; k < 7; k++) {
          const plus = zr.slice(); plus[k] += h;
          const minus = zr.slice(); minus[k] -= h;
          const fp = criticFeaturesFromPre(plus, floor), fm = criticFeaturesFromPre(minus, floor);
          const ap = actionHead(plus, floor), am = actionHead(minus, floor);
          for (let i = 0; i < 7; i++) {
            numericFeatures[k] += dr[i] * (fp[i] - fm[i]) / (2 * h);
            numericHead[k] += dr[i] * (ap[i] - am[i]) / (2 * h);
          }
        }
        // Central differences with h = 1e-5 on functions with O(1) third derivatives: error ~h^2 plus rounding
        // ~1e-16 / h, far below 1e-7.
        expectClose(criticFeaturesVjp(zr, floor, dr), numericFeatures, { atol: 1e-7, rtol: 1e-6 }, `features vjp row ${r} floor ${floor}`);
        expectClose(actionHeadVjp(zr, floor, dr), numericHead, { atol: 1e-7, rtol: 1e-6 }, `head vjp row ${r} floor ${floor}`);
      }
    }
  });
});

describe('observation', () => {
  it('centres the channels on their mean path gain and maps data intervals to [-1, 1]', () => {
    const s = DEFAULT_SCENARIO;
    const gain = (d: number) => s.channel.g0 * d ** -s.channel.pathLossExponent;
    const low = [gain(s.distance.comp), gain(s.distance.aigc), gain(s.distance.ve), gain(s.distance.ve), s.data.comp[0], s.data.ve[0], s.data.aigc[0]];
    expectClose(observation(s, low), [0, 0, 0, 0, -1, -1, -1], { atol: 1e-12, rtol: 0 }, 'obs at mean gain, low sizes');
    const high = [gain(s.distance.comp) * Math.E, 0, 0, 0, s.data.comp[1], s.data.ve[1], s.data.aigc[1]];
    const obs = observation(s, high);
    expect(obs[0]).toBeCloseTo(2, 12);
    expectClose(obs.subarray(4), [1, 1, 1], { atol: 1e-12, rtol: 0 }, 'obs at high sizes');
    for (const x of obs) expect(Number.isFinite(x)).toBe(true);
  });

  it('has channel observations of about unit spread on sampled states', () => {
    const n = 4000;
    const states = sampleStates(DEFAULT_SCENARIO, 1, Stream.trainStates, 0, n, 0);
    const norm = observationNorm(DEFAULT_SCENARIO);
    let sum = 0, sumSq = 0;
    for (let r = 0; r < n; r++) {
      const o = observation(norm, states.subarray(r * 7, r * 7 + 7));
      for (let k = 0; k < 4; k++) { sum += o[k]; sumSq += o[k] * o[k]; }
      for (let i = 4; i < 7; i++) { expect(o[i]).toBeGreaterThanOrEqual(-1); expect(o[i]).toBeLessThanOrEqual(1); }
    }
    const mean = sum / (4 * n);
    const std = Math.sqrt(sumSq / (4 * n) - mean * mean);
    expect(Math.abs(mean)).toBeLessThan(0.3);
    expect(std).toBeGreaterThan(0.5);
    expect(std).toBeLessThan(1.5);
  });
});

describe('schedules, reward and draws', () => {
  const config = { iterations: 101, noiseStart: 0.5, noiseEnd: 0.05, lrDecay: 0.1 };
  it('decay along a cosine from start to end', () => {
    expect(noiseScale(config, 0)).toBeCloseTo(0.5, 15);
    expect(noiseScale(config, 50)).toBeCloseTo(0.275, 15);
    expect(noiseScale(config, 100)).toBeCloseTo(0.05, 15);
    expect(learningRate(config, 0, 1e-3)).toBeCloseTo(1e-3, 18);
    expect(learningRate(config, 100, 1e-3)).toBeCloseTo(1e-4, 18);
    expect(cosineSchedule(2, 1, 0, 1)).toBe(1);
  });

  it('uses -ln L or -L as the learning reward', () => {
    expect(learningReward(Math.E, 'log')).toBeCloseTo(-1, 15);
    expect(learningReward(3, 'linear')).toBe(-3);
  });

  it('computes mulhi exactly and draws indices inside the filled part', () => {
    for (const [a, b] of [[0xffffffff, 0xffffffff], [0x12345678, 1000], [0x80000000, 3], [1, 1]]) {
      expect(mulhiU32(a, b)).toBe(Number((BigInt(a) * BigInt(b)) >> 32n));
    }
    const idx = new Uint32Array(1000);
    minibatchIndicesInto(5, 17, 2, 777, idx);
    expect(Math.max(...idx)).toBeLessThan(777);
    const w = philox4x32(17, 2, 1, 0, 5, Stream.minibatch);
    expect(idx[6]).toBe(Number((BigInt(w[2]) * 777n) >> 32n));
  });

  it('draws exploration normals from the documented counters', () => {
    const out = new Float64Array(7);
    explorationNormalsInto(3, 11, 42, out, 0);
    const w0 = philox4x32(11, 42, 0, 0, 3, Stream.explorationNoise);
    const w1 = philox4x32(11, 42, 0, 1, 3, Stream.explorationNoise);
    const want = [
      ...normalPair(uniformFromU32(w0[0]), uniformFromU32(w0[1])), ...normalPair(uniformFromU32(w0[2]), uniformFromU32(w0[3])),
      ...normalPair(uniformFromU32(w1[0]), uniformFromU32(w1[1])), normalPair(uniformFromU32(w1[2]), uniformFromU32(w1[3]))[0],
    ];
    expectClose(out, want, { atol: 0, rtol: 0 }, 'normals');
  });
});

describe('WGSL twins (shaders/lib/lara.wgsl)', () => {
  it('match the float64 functions for a batch', async () => {
    const { device } = await testGpu();
    const count = 256;
    const floor = 1e-3, seed = 7, t = 123, filled = 100_003, total = 300, start = 0.5, end = 0.05;
    const states = sampleStates(DEFAULT_SCENARIO, seed, Stream.trainStates, 0, count, t);
    const z = preActivations(count, 3, 5);
    z.set([30, -30, 12, -12, 40, -40, 0], 0); // saturated row
    const dFeatures = preActivations(count, 1, 6);
    const norm = observationNorm(DEFAULT_SCENARIO);

    const params = LARA_FEATURES_TEST_PARAMS.pack({
      count, shareFloor: floor, seed, t, filled, total, scheduleStart: start, scheduleEnd: end, rewardKind: 0, norm,
    });

    const p = await laraFeaturesTestKernel.pipeline(device, undefined);
    const buffers = {
      params: createUniform(device, params, 'params'),
      states: createStorageFrom(device, new Float32Array(states), 'states'),
      pre: createStorageFrom(device, new Float32Array(z), 'pre'),
      dFeatures: createStorageFrom(device, new Float32Array(dFeatures), 'dFeatures'),
      out: createStorage(device, count * 48 * 4, 'out'),
    };
    const d = dispatchOf(device, p, buffers, linearGrid(device, count, p.workgroup[0]));
    submitPass(device, (rec) => rec.dispatch(d));
    const out = await readFloat32(device, buffers.out, count * 48);
    const outBits = new Uint32Array(out.buffer);

    const column = (from: number, width: number) => {
      const c = new Float64Array(count * width);
      for (let r = 0; r < count; r++) for (let j = 0; j < width; j++) c[r * width + j] = out[r * 48 + from + j];
      return c;
    };
    const want = { obs: new Float64Array(count * 7), action: new Float64Array(count * 7), fromPre: new Float64Array(count * 7),
      fromAction: new Float64Array(count * 7), dz: new Float64Array(count * 7), normals: new Float64Array(count * 8),
      schedule: new Float64Array(count), reward: new Float64Array(count) };
    const indices = new Uint32Array(count);
    minibatchIndicesInto(seed, t, 3, filled, indices);
    for (let r = 0; r < count; r++) {
      // The GPU read f32 inputs: compare against float64 functions of the same rounded inputs.
      const s = Float64Array.from(states.subarray(r * 7, r * 7 + 7), Math.fround);
      const zr = Float64Array.from(z.subarray(r * 7, r * 7 + 7), Math.fround);
      const dr = Float64Array.from(dFeatures.subarray(r * 7, r * 7 + 7), Math.fround);
      const action = actionHead(zr, floor);
      want.obs.set(observation(norm, s), r * 7);
      want.action.set(action, r * 7);
      want.fromPre.set(criticFeaturesFromPre(zr, floor), r * 7);
      want.fromAction.set(criticActionFeatures(action, floor), r * 7);
      want.dz.set(criticFeaturesVjp(zr, floor, dr), r * 7);
      explorationNormalsInto(seed, r, t, want.normals, r * 8);
      want.normals[r * 8 + 7] = out[r * 48 + 42]; // the 8th normal is not part of the CPU draw (only 7 used)
      want.schedule[r] = cosineSchedule(start, end, r, total);
      want.reward[r] = learningReward(s[0] * 1e8, 'log');
      expect(outBits[r * 48 + 44], `minibatch index ${r}`).toBe(indices[r]);
    }
    // f32 transcendentals (log, exp) on lavapipe are within a few ulps; the observation subtracts ~-16 from ln h, so
    // an absolute error of ~1e-5 on a value of order 1 is f32 rounding, not a formula difference.
    expectClose(column(0, 7), want.obs, { atol: 2e-5, rtol: 1e-5 }, 'observation');
    // Shares in [0, 1]: f32 rounding of sigmoid / softmax, a few ulps of 1.
    expectClose(column(7, 7), want.action, { atol: 1e-6, rtol: 1e-5 }, 'action head');
    // Features from z: ratios copy z exactly; centred logs of omegas down to ln(1e-3) ~ -7: a few ulps of 7.
    expectClose(column(14, 7), want.fromPre, { atol: 1e-5, rtol: 1e-5 }, 'features from z');
    // Features recovered from an f32 action: logit(p) loses 1 ulp of p relative to (1 - p), up to ~1e-7 e^|z|
    // (|z| <= 12 here besides the saturated row, where both sides clamp or copy); a loose tolerance, checked to be
    // far below the O(1) differences a formula error gives.
    const fromActionGpu = column(21, 7);
    for (let r = 1; r < count; r++) {
      for (let j = 0; j < 7; j++) {
        const zMagnitude = Math.abs(z[r * 7 + j]);
        const allowed = 1e-4 + 2e-7 * Math.exp(Math.min(zMagnitude, 30));
        expect(Math.abs(fromActionGpu[r * 7 + j] - want.fromAction[r * 7 + j]), `features from action row ${r} col ${j}`).toBeLessThanOrEqual(allowed);
      }
    }
    // VJP values O(1): f32 softmax and divisions, a few ulps.
    expectClose(column(28, 7), want.dz, { atol: 1e-5, rtol: 1e-5 }, 'features vjp');
    // Box-Muller in f32: sqrt(-2 ln u) and cos/sin of 2 pi u, ~1e-6 relative; tails up to ~5.
    expectClose(column(35, 8), want.normals, { atol: 1e-5, rtol: 1e-5 }, 'exploration normals');
    // Cosine of f32 progress: ~1e-7 absolute on values <= 0.5.
    expectClose(column(43, 1), want.schedule, { atol: 1e-6, rtol: 0 }, 'cosine schedule');
    expectClose(column(45, 1), want.reward, { atol: 1e-5, rtol: 1e-5 }, 'learning reward');
  });
});
