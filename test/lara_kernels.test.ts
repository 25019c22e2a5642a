// The LARA trainer's env-side kernels one at a time against the float64 reference: lara_observe, lara_act (replay rows,
// env step, metrics partials, both reductions), lara_act_forward (the same with the actor's forward) and lara_minibatch;
// test/lara_update_kernels.test.ts has the update's.
import { describe, expect, it } from 'vitest';
import { dispatchOf, submitPass } from '../src/gpu/kernel.js';
import type { ReduceVariant } from '../src/gpu/reduce.js';
import { mlpLayout } from '../src/nn/layout.js';
import { fusedActRowsPerWorkgroup, laraActForwardKernel } from '../src/train/fusedAct.js';
import { scenarioUniform } from '../src/env/scenarioUniform.js';
import { sampleStates } from '../src/env/reference.js';
import { createStorage, createStorageFrom, createUniform } from '../src/gpu/buffers.js';
import { mlpForward } from '../src/nn/reference/mlp.js';
import { Stream } from '../src/rng/streams.js';
import { DEFAULT_SCENARIO } from '../src/scenario.js';
import { parseTrainConfig } from '../src/train/config.js';
import { deriveRun } from '../src/train/derive.js';
import { minibatchIndicesInto, observationInto, observationNorm, observationNormParams, type RewardKind } from '../src/train/features.js';
import { laraActKernel, laraMinibatchKernel, laraObserveKernel, stepOffset } from '../src/train/laraKernels.js';
import {
  ACT_METRICS, ACT_WORKGROUP, ACTION_SIZE, CRITIC_INPUT, OBSERVATION_SIZE, REPLAY_FEATURES, REPLAY_NEXT_OBS, REPLAY_OBS, REPLAY_REWARD,
  REPLAY_STRIDE,
} from '../src/train/layout.js';
import { ReferenceTrainer } from '../src/train/reference.js';
import { STATE_SIZE } from '../src/env/layout.js';
import { expectClose } from './helpers/expectClose.js';
import { testGpu } from './helpers/gpu.js';
import { dispatchStep, expectUntouched, halfBits, halfValue, read64, REDUCTIONS, runStep, step, stepRing, storageWithTail } from './helpers/lara.js';

const scenario = DEFAULT_SCENARIO;
const norm = observationNorm(scenario);

/** Observations (n, 7) of states (n, 7), by the reference's observationInto. */
function observations(states: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * OBSERVATION_SIZE);
  for (let e = 0; e < n; e++) observationInto(norm, states, e * STATE_SIZE, out, e * OBSERVATION_SIZE);
  return out;
}

describe('lara_observe', () => {
  it('writes the states and observations of the slot of the ring entry it reads', async () => {
    const { device } = await testGpu();
    const envs = 301, rows = 320;  // 5 workgroups of 64, the last partly past the end: rows past envs keep the sentinel
    const entries = [step({ iteration: 0, seed: 3, envs }), step({ iteration: 7, seed: 3, envs }), step({ iteration: 123_456, seed: 0xdeadbeef, envs })];
    const { binding } = stepRing(device, entries);
    const p = await laraObserveKernel.pipeline(device, undefined);
    const buffers = {
      step: binding, scenario: createUniform(device, scenarioUniform(scenario), 'scenario'),
      norm: createUniform(device, observationNormParams(norm).buffer as ArrayBuffer, 'norm'),
      states: storageWithTail(device, [], rows, STATE_SIZE, 'states'), obs: storageWithTail(device, [], rows, OBSERVATION_SIZE, 'obs'),
    };
    for (const [entry, s] of entries.entries()) {
      dispatchStep(device, p, buffers, entry, { items: envs });
      const states = await read64(device, buffers.states, rows * STATE_SIZE);
      const obs = await read64(device, buffers.obs, rows * OBSERVATION_SIZE);
      const want = sampleStates(scenario, s.seed, Stream.trainStates, 0, envs, s.iteration);
      // Identical Philox words; float32 log/cos/sin in the Rician fading (a few ulps of cancellation where it is deep):
      // 2e-5 relative, as in env-gpu.test.ts.
      expectClose(states.subarray(0, envs * STATE_SIZE), want, { atol: 0, rtol: 2e-5 }, `states, entry ${entry}`);
      // obs = 2 (ln h - c) with c ~ -16: 2e-5 relative on h is 4e-5 absolute on the channel entries; the data entries
      // are affine maps of f32 sizes (~1e-7).
      expectClose(obs.subarray(0, envs * OBSERVATION_SIZE), observations(want, envs), { atol: 5e-5, rtol: 1e-5 }, `obs, entry ${entry}`);
      expectUntouched(states, envs * STATE_SIZE, 'states');
      expectUntouched(obs, envs * OBSERVATION_SIZE, 'obs');
    }
  });
});

/**
 * Runs `iterations` act steps of 300 envs against ReferenceTrainer.step: the replay rows, the envs' next states and
 * observations, and the metrics partials. `fused`: lara_act_forward with the actor's forward as its prologue (blocks of
 * `fused.rows`, `fused.rowsPerWorkgroup` envs per workgroup; with halfWeights from the actor's weights in f16, the
 * reference's rounded to them before each act), else the actor's pre-activations written for lara_act.
 */
async function checkAct(reduce: ReduceVariant, reward: RewardKind, fused: { rows: number; cols?: number; rowsPerWorkgroup: number; halfWeights?: boolean } | null): Promise<void> {
  const gpu = await testGpu();
  const { device } = gpu;
  // 300 envs: two workgroups of 256, the second partly past the end (the fused act: blocks of rows, the last partly
  // past the end). A ring of 700 rows: iteration 2 writes rows 600..699 then 0..199 (it wraps), iteration 3 starts at
  // row 200. Iteration 0 is warm-up (noise only); sigma > 0 throughout; the reference runs its updates, so the actor
  // (and z) changes each iteration.
  const iterations = 4;
  const config = parseTrainConfig({
    envs: 300, batch: 64, hidden: [16, 16], updatesPerIteration: 1, iterations, replayCapacity: 700, warmupIterations: 1,
    noiseStart: 0.5, noiseEnd: 0.05, shareFloor: 0.01, reward, seed: 11,
  });
  const run = deriveRun(config);
  const { envs, replayCapacity: capacity, seed } = config;
  const rows = 2 * ACT_WORKGROUP;  // invocations of the two workgroups: states and obs rows past envs keep the sentinel
  const reference = new ReferenceTrainer(scenario, config);
  const rowsPerWorkgroup = fused ? fused.rowsPerWorkgroup : ACT_WORKGROUP;
  const partialsPerIteration = fused ? Math.ceil(envs / rowsPerWorkgroup) : run.actPartials;
  const { binding } = stepRing(device, Array.from({ length: iterations }, (_, t) => ({ ...runStep(run, t, 0, t), actPartials: partialsPerIteration })));
  const states0 = sampleStates(scenario, seed, Stream.trainStates, 0, envs, 0);
  const common = {
    step: binding, scenario: createUniform(device, scenarioUniform(scenario), 'scenario'),
    norm: createUniform(device, observationNormParams(norm).buffer as ArrayBuffer, 'norm'),
    states: storageWithTail(device, states0, rows, STATE_SIZE, 'states'),
    obs: storageWithTail(device, observations(states0, envs), rows, OBSERVATION_SIZE, 'obs'),
    replay: createStorage(device, capacity * REPLAY_STRIDE * 4, 'replay'),
    actPartials: createStorage(device, iterations * partialsPerIteration * ACT_METRICS * 4, 'actPartials'),
  };
  const input = createStorage(device, Math.max(envs * ACTION_SIZE, mlpLayout(run.actorSizes).parameterCount) * 4, fused ? 'actor' : 'actorZ');
  const dispatch = fused
    ? dispatchOf(device, await laraActForwardKernel.pipeline(device, { ...fused, actor: run.actorSizes, reduce }), { ...common, actor: input },
      [partialsPerIteration])
    : null;
  const plain = fused ? null : await laraActKernel.pipeline(device, reduce);
  for (let t = 0; t < iterations; t++) {
    // The actor's pre-activations on slot t's observations, as ReferenceTrainer.step computes them before acting (the
    // fused act computes them from the actor's weights); in warm-up the kernel must ignore them (50 would saturate
    // every share).
    const useActor = run.schedule(t).useActor;
    if (fused?.halfWeights) {
      const params = reference.actorParams;
      const bits = new Uint16Array(2 * Math.ceil(params.length / 2));  // whole 4-byte words
      params.forEach((w, i) => { bits[i] = halfBits(w); params[i] = halfValue(bits[i]); });
      device.queue.writeBuffer(input, 0, bits);
    } else if (fused) device.queue.writeBuffer(input, 0, new Float32Array(reference.actorParams));
    else {
      const obsT = observations(sampleStates(scenario, seed, Stream.trainStates, 0, envs, t), envs);
      const z = useActor ? mlpForward(reference.actorParams, run.actorSizes, obsT, envs).output : new Float64Array(envs * ACTION_SIZE).fill(50);
      device.queue.writeBuffer(input, 0, new Float32Array(z));
    }
    const metrics = reference.step();
    if (dispatch) submitPass(device, (rec) => rec.dispatch(dispatch, stepOffset(t)));
    else dispatchStep(device, plain!, { ...common, actorZ: input }, t, { items: envs });

    // Replay rows: obs (|obs| up to ~5, from f32 states), log-share features of f32 z (the fused act's z from f32
    // weights: ~1e-6 relative more), -ln L or -L (L ~ 6 s, f32 latencies ~1e-6 relative): 1e-5 absolute + 1e-5
    // relative. Rows not yet written are 0 on both sides.
    const replay = await read64(device, common.replay, capacity * REPLAY_STRIDE);
    expectClose(replay, reference.replayBuffer, { atol: 1e-5, rtol: 1e-5 }, `replay ring after iteration ${t}`);
    // The envs at slot t + 1, as lara_observe would write them (tolerances as there).
    const next = sampleStates(scenario, seed, Stream.trainStates, 0, envs, t + 1);
    const states = await read64(device, common.states, rows * STATE_SIZE);
    const obs = await read64(device, common.obs, rows * OBSERVATION_SIZE);
    expectClose(states.subarray(0, envs * STATE_SIZE), next, { atol: 0, rtol: 2e-5 }, `states after iteration ${t}`);
    expectClose(obs.subarray(0, envs * OBSERVATION_SIZE), observations(next, envs), { atol: 5e-5, rtol: 1e-5 }, `obs after iteration ${t}`);
    expectUntouched(states, envs * STATE_SIZE, 'states');
    expectUntouched(obs, envs * OBSERVATION_SIZE, 'obs');

    // This iteration's partials (chunk index t), summed over the workgroups: means of 300 latencies, each ~1e-6
    // relative in f32, summed in f32 in either order (~1e-6): 1e-5 relative.
    const partials = await read64(device, common.actPartials, (t + 1) * partialsPerIteration * ACT_METRICS);
    const sums = new Float64Array(ACT_METRICS);
    for (let g = 0; g < partialsPerIteration; g++) for (let m = 0; m < ACT_METRICS; m++) sums[m] += partials[(t * partialsPerIteration + g) * ACT_METRICS + m];
    const means = Array.from(sums, (x) => x / envs);
    expectClose(means, [metrics.reward, metrics.lComp, metrics.lAigc, metrics.lVe, metrics.lTotal], { atol: 0, rtol: 1e-5 }, `metrics of iteration ${t}`);
  }
  gpu.checkErrors();
}

describe.each(REDUCTIONS)('lara_act, %s reduction', (_, reduce) => {
  it.for(['log', 'linear'] as RewardKind[])('writes the reference trainer\'s replay rows, steps the envs and sums its metrics (reward %s)', async (reward, { skip }) => {
    if (laraActKernel.missingFeatures((await testGpu()).device, reduce).length > 0) skip();
    await checkAct(reduce, reward, null);
  });
});

describe('lara_act_forward (the actor\'s forward as the act\'s prologue)', () => {
  // Blocks of 8 rows of work items of 4 columns: 300 envs take 3 workgroups of 104 (13 blocks), the last one's 12th
  // block partly past the end and its 13th wholly. The trainer's share (fusedActRowsPerWorkgroup) gives 38 of 8 here.
  it('writes the reference trainer\'s replay rows, steps the envs and sums its metrics', { timeout: 300_000 }, async () => {
    expect(fusedActRowsPerWorkgroup(300, 8)).toBe(8);
    await checkAct(REDUCTIONS[0][1], 'log', { rows: 8, cols: 4, rowsPerWorkgroup: 104 });
  });
  // The update's half weights: the actor's weights read from its f16 copy (the reference acting with them).
  it('with the actor\'s weights in f16, writes the reference trainer\'s replay rows, steps the envs and sums its metrics', { timeout: 300_000 }, async ({ skip }) => {
    if (!(await testGpu()).device.features.has('shader-f16')) skip();
    await checkAct(REDUCTIONS[0][1], 'log', { rows: 8, cols: 4, rowsPerWorkgroup: 104, halfWeights: true });
  });
});

describe.each([false, true])('lara_minibatch, GAMMA %s', (gamma) => {
  it('gathers the rows of the reference\'s minibatch indices over the filled part of the ring', async () => {
    const { device } = await testGpu();
    // 270 rows: two workgroups of 256. Filled counts 1003 and 777 (not powers of two). Every replay value distinct and
    // exact in f32; rows past `filled` are NaN, so an index past the filled part shows.
    const capacity = 1500, batch = 270, rows = 512;
    const entries = [
      step({ iteration: 5, update: 0, filled: 1003, seed: 9, batch, capacity }),
      step({ iteration: 5, update: 3, filled: 1003, seed: 9, batch, capacity }),
      step({ iteration: 900, update: 1, filled: 777, seed: 0xfffffff0, batch, capacity }),
    ];
    const replayData = Float32Array.from({ length: capacity * REPLAY_STRIDE }, (_, i) => i + 0.5);
    const { binding } = stepRing(device, entries);
    const p = await laraMinibatchKernel.pipeline(device, { gamma });
    const buffers = {
      step: binding, replay: createStorageFrom(device, replayData, 'replay'),
      criticInput: storageWithTail(device, [], rows, CRITIC_INPUT, 'criticInput'), obsBatch: storageWithTail(device, [], rows, OBSERVATION_SIZE, 'obsBatch'),
      reward: storageWithTail(device, [], rows, 1, 'reward'), nextObs: storageWithTail(device, [], rows, OBSERVATION_SIZE, 'nextObs'),
    };
    for (const [entry, s] of entries.entries()) {
      replayData.fill(NaN, s.filled * REPLAY_STRIDE);
      device.queue.writeBuffer(buffers.replay, 0, replayData);
      dispatchStep(device, p, buffers, entry, { items: batch });
      const indices = new Uint32Array(batch);
      minibatchIndicesInto(s.seed, s.iteration, s.update, s.filled, indices);
      const want = { criticInput: new Float64Array(batch * CRITIC_INPUT), obsBatch: new Float64Array(batch * OBSERVATION_SIZE),
        reward: new Float64Array(batch), nextObs: new Float64Array(batch * OBSERVATION_SIZE) };
      indices.forEach((index, k) => {
        const row = replayData.subarray(index * REPLAY_STRIDE, (index + 1) * REPLAY_STRIDE);
        want.criticInput.set(row.subarray(REPLAY_OBS, REPLAY_OBS + OBSERVATION_SIZE), k * CRITIC_INPUT);
        want.criticInput.set(row.subarray(REPLAY_FEATURES, REPLAY_FEATURES + ACTION_SIZE), k * CRITIC_INPUT + OBSERVATION_SIZE);
        want.obsBatch.set(row.subarray(REPLAY_OBS, REPLAY_OBS + OBSERVATION_SIZE), k * OBSERVATION_SIZE);
        want.reward[k] = row[REPLAY_REWARD];
        want.nextObs.set(row.subarray(REPLAY_NEXT_OBS, REPLAY_NEXT_OBS + OBSERVATION_SIZE), k * OBSERVATION_SIZE);
      });
      // A gather copies: exact.
      for (const [name, width] of [['criticInput', CRITIC_INPUT], ['obsBatch', OBSERVATION_SIZE], ['reward', 1], ['nextObs', OBSERVATION_SIZE]] as const) {
        const got = await read64(device, buffers[name], rows * width);
        if (name === 'nextObs' && !gamma) {
          expectUntouched(got, 0, 'next obs (not gathered without GAMMA)');
          continue;
        }
        expectClose(got.subarray(0, batch * width), want[name], { atol: 0, rtol: 0 }, `${name}, entry ${entry}`);
        expectUntouched(got, batch * width, name);
      }
    }
  });
});
