// The CPU reference trainer: the replay rows it writes, determinism, resuming, the actor gradient, and that it learns.
import { describe, expect, it } from 'vitest';
import { ReferenceTrainer } from '../src/train/reference.js';
import { parseTrainConfig, type TrainConfig } from '../src/train/config.js';
import { actionHead, criticFeaturesFromPre, explorationNormalsInto, observation, observationNorm } from '../src/train/features.js';
import { REPLAY_FEATURES, REPLAY_NEXT_OBS, REPLAY_OBS, REPLAY_REWARD, REPLAY_STRIDE } from '../src/train/layout.js';
import { DEFAULT_SCENARIO } from '../src/scenario.js';
import { fraAction, latency, sampleState, sampleStates } from '../src/env/reference.js';
import { mlpForward } from '../src/nn/reference/mlp.js';
import { EVAL_SEED, Stream } from '../src/rng/streams.js';
import { expectClose } from './helpers/expectClose.js';

const tiny = (overrides: Partial<TrainConfig> = {}): TrainConfig => parseTrainConfig({
  hidden: [8, 8], envs: 16, batch: 16, iterations: 20, updatesPerIteration: 2, replayCapacity: 40, ...overrides,
});

describe('ReferenceTrainer', () => {
  it('writes the documented transition into the replay ring', () => {
    const config = tiny({ updatesPerIteration: 1, batch: 32 }); // batch > envs: no update in iteration 0
    const trainer = new ReferenceTrainer(DEFAULT_SCENARIO, config);
    const actor = trainer.actorParams.slice();
    const metrics = trainer.step();
    expect(metrics.updates).toBe(0);
    expect(trainer.replayFilled).toBe(16);
    const norm = observationNorm(DEFAULT_SCENARIO);
    let meanTotal = 0;
    for (const e of [0, 5, 15]) {
      const state = sampleState(DEFAULT_SCENARIO, config.seed, Stream.trainStates, e, 0);
      const obs = observation(norm, state);
      const z = mlpForward(actor, trainer.actorSizes, obs, 1).output;
      const normals = new Float64Array(8);
      explorationNormalsInto(config.seed, e, 0, normals, 0);
      for (let i = 0; i < 7; i++) z[i] += config.noiseStart * normals[i];
      const l = latency(DEFAULT_SCENARIO, state, actionHead(z, config.shareFloor));
      const row = trainer.replayBuffer.subarray(e * REPLAY_STRIDE, (e + 1) * REPLAY_STRIDE);
      // Same float64 operations in the same order: equal up to a few ulps.
      const tol = { atol: 1e-12, rtol: 1e-12 };
      expectClose(row.subarray(REPLAY_OBS, REPLAY_OBS + 7), obs, tol, `obs of env ${e}`);
      expectClose(row.subarray(REPLAY_FEATURES, REPLAY_FEATURES + 7), criticFeaturesFromPre(z, config.shareFloor), tol, `features of env ${e}`);
      expectClose([row[REPLAY_REWARD]], [-Math.log(l[3])], tol, `reward of env ${e}`);
      const next = observation(norm, sampleState(DEFAULT_SCENARIO, config.seed, Stream.trainStates, e, 1));
      expectClose(row.subarray(REPLAY_NEXT_OBS, REPLAY_NEXT_OBS + 7), next, tol, `next obs of env ${e}`);
      meanTotal += l[3];
    }
    expect(metrics.lTotal).toBeGreaterThan(0);
    expect(Number.isNaN(metrics.criticLoss)).toBe(true);
    expect(meanTotal).toBeGreaterThan(0);
  });

  it('is deterministic: the same seed gives identical metrics and parameters, another seed does not', () => {
    const run = (seed: number, gamma: number) => {
      const trainer = new ReferenceTrainer(DEFAULT_SCENARIO, tiny({ seed, gamma }));
      const metrics = Array.from({ length: 6 }, () => trainer.step());
      return { metrics, trainer };
    };
    for (const gamma of [0, 0.5]) {
      const a = run(3, gamma), b = run(3, gamma), c = run(4, gamma);
      expect(b.metrics).toEqual(a.metrics);
      expect(Array.from(b.trainer.actorParams)).toEqual(Array.from(a.trainer.actorParams));
      expect(Array.from(b.trainer.criticTargetParams)).toEqual(Array.from(a.trainer.criticTargetParams));
      expect(c.metrics[5].lTotal).not.toBe(a.metrics[5].lTotal);
      for (const m of a.metrics) {
        expect(Number.isFinite(m.lTotal)).toBe(true);
        expect(m.updates).toBe(2);
        expect(Number.isFinite(m.criticLoss) && Number.isFinite(m.actorLoss)).toBe(true);
      }
      expect(a.trainer.actorAdam.step).toBe(12);
      // The ring (capacity 40, 16 envs per iteration) has wrapped.
      expect(a.trainer.replayFilled).toBe(40);
    }
  });

  it('moves the targets only when asked (tau), and resumes exactly from a snapshot', () => {
    const config = tiny({ gamma: 0.5, tau: 0.1 });
    const straight = new ReferenceTrainer(DEFAULT_SCENARIO, config);
    const first = Array.from({ length: 3 }, () => straight.step());
    expect(Array.from(straight.actorTargetParams)).not.toEqual(Array.from(straight.actorParams));
    const resumed = ReferenceTrainer.fromSnapshot(DEFAULT_SCENARIO, config, straight.snapshot());
    const rest = [straight.step(), straight.step()];
    expect([resumed.step(), resumed.step()]).toEqual(rest);
    expect(Array.from(resumed.criticParams)).toEqual(Array.from(straight.criticParams));
    expect(first).toHaveLength(3);

    const frozen = new ReferenceTrainer(DEFAULT_SCENARIO, tiny({ tau: 0 }));
    const target = frozen.actorTargetParams.slice();
    frozen.step(); frozen.step();
    expect(Array.from(frozen.actorTargetParams)).toEqual(Array.from(target));
  });

  it('computes the actor gradient of -mean Q(obs, features(mu(obs))) (finite differences)', () => {
    const trainer = new ReferenceTrainer(DEFAULT_SCENARIO, tiny({ hidden: [6, 5] }));
    for (let i = 0; i < 4; i++) trainer.step(); // move the critic away from its initialisation
    const batch = 12;
    const states = sampleStates(DEFAULT_SCENARIO, 9, Stream.trainStates, 0, batch, 0);
    const norm = observationNorm(DEFAULT_SCENARIO);
    const obs = new Float64Array(batch * 7);
    for (let k = 0; k < batch; k++) obs.set(observation(norm, states.subarray(k * 7, k * 7 + 7)), k * 7);
    const { grad } = trainer.actorLossGradient(obs, batch);
    const params = trainer.actorParams;
    const h = 1e-6;
    const numeric = new Float64Array(params.length);
    for (let j = 0; j < params.length; j++) {
      const keep = params[j];
      params[j] = keep + h; const plus = trainer.actorLossGradient(obs, batch).loss;
      params[j] = keep - h; const minus = trainer.actorLossGradient(obs, batch).loss;
      params[j] = keep;
      numeric[j] = (plus - minus) / (2 * h);
    }
    // ReLU kinks are crossed with probability ~h; elsewhere central differences are exact to ~h^2 + 1e-16 / h.
    expectClose(grad, numeric, { atol: 1e-7, rtol: 1e-5 }, 'actor gradient');
  });

  it('learns: a tiny run lowers the evaluation latency well below the initial policy', () => {
    const config = tiny({ hidden: [32, 32], envs: 64, batch: 64, iterations: 200, updatesPerIteration: 2, replayCapacity: 8192 });
    const trainer = new ReferenceTrainer(DEFAULT_SCENARIO, config);
    const n = 1024;
    const states = sampleStates(DEFAULT_SCENARIO, EVAL_SEED, Stream.evalStates, 0, n, 0);
    const meanTotal = () => {
      const actions = trainer.actorAction(states);
      let sum = 0;
      for (let i = 0; i < n; i++) sum += latency(DEFAULT_SCENARIO, states.subarray(i * 7, i * 7 + 7), actions.subarray(i * 7, i * 7 + 7))[3];
      return sum / n;
    };
    const before = meanTotal();
    for (let t = 0; t < config.iterations; t++) trainer.step();
    const after = meanTotal();
    let fra = 0;
    for (let i = 0; i < n; i++) fra += latency(DEFAULT_SCENARIO, states.subarray(i * 7, i * 7 + 7), fraAction())[3] / n;
    // The initial actor is about 6.3 s, FRA 6.05 s, OPT 4.87 s; this run reaches about 5.56 s (12% gained). A broken
    // gradient (sign, chain or features) leaves it at or above the start.
    expect(after).toBeLessThan(0.93 * before);
    expect(after).toBeLessThan(0.97 * fra);
  });
});
