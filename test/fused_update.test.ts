// The fused update kernels (lara_critic_update_fused, lara_actor_update_fused) and their lane variants
// (lara_*_update_lanes) against their float64 references: the split-K gradient partials and loss partials they write
// add up to the minibatch's gradient and loss, for one and two hidden layers, a batch that leaves the last block (or
// invocation) part empty, one and several workgroups; and the paired dispatches (lara_update_pair_fused and _lanes,
// adam_pair) bit for bit against the separate ones; and the weight pass (stored blocks and mlp_weight_adam) against the
// same references.
import { describe, expect, it } from 'vitest';
import { createStorage, createStorageFrom } from '../src/gpu/buffers.js';
import { dispatchOf, releaseDispatches, submitPass } from '../src/gpu/kernel.js';
import { initMlp } from '../src/nn/init.js';
import { mlpLayout } from '../src/nn/layout.js';
import { AdamSchedule, adamDispatch, adamEntryOffset, adamKernel, adamPairDispatch, adamPairKernel, adamPairOffsets } from '../src/nn/adam.js';
import { adamHyper } from '../src/nn/adamHyper.js';
import { describeFused, fusedKernels, fusedSlices, fusedUpdateCandidates, fusedUpdateQuick, fusedWorkgroups, type FusedKernelShape, type FusedVariant } from '../src/train/fusedUpdate.js';
import { parseTrainConfig } from '../src/train/config.js';
import { checkTrainerFits } from '../src/train/gpuTrainer.js';
import { laraActorUpdateFused, laraCriticUpdateFused } from '../src/train/fusedUpdateReference.js';
import { mlpWeightAdamKernel, weightPassDispatch, weightPassFloats } from '../src/train/fusedWeightPass.js';
import { HalfWeights } from '../src/train/halfWeights.js';
import { stepOffset } from '../src/train/laraKernels.js';
import { ACTION_SIZE, CRITIC_INPUT, OBSERVATION_SIZE, REPLAY_STRIDE } from '../src/train/layout.js';
import { expectClose } from './helpers/expectClose.js';
import { testGpu } from './helpers/gpu.js';
import { halfUlp, normals, read64, readHalf, step, stepRing } from './helpers/lara.js';

const BATCH = 37;
const CAPACITY = 50;
const FILLED = 45;

/** (groups, count) partials summed over groups. */
function sumSlices(partials: Float64Array, groups: number, count: number): Float64Array {
  const out = new Float64Array(count);
  for (let g = 0; g < groups; g++) for (let i = 0; i < count; i++) out[i] += partials[g * count + i];
  return out;
}

/**
 * One hidden layer with blocks of 4 rows, 2 per workgroup (5 workgroups); two with blocks of 8, one workgroup; each with
 * register blocks of 1 and 4 columns (4: the heads' 1 and 7 columns and the features' 7 leave a block part empty).
 * The lane kernels: 4 rows per invocation, 2 invocations per workgroup (10 slices, the last with 1 row of 4); 8 rows, 4
 * invocations per workgroup (5 slices in 2 workgroups: three invocations past the batch); with subgroup sums, 8
 * invocations of 4 rows per workgroup (2 slices, the second with 5 rows: its last 6 invocations past the batch).
 */
const CASES: ({ hidden: number[] } & FusedVariant)[] = [
  ...[1, 4].flatMap((cols) => [{ hidden: [16], rows: 4, rowsPerWorkgroup: 8, cols }, { hidden: [24, 20], rows: 8, rowsPerWorkgroup: 40, cols }]),
  { hidden: [16], rows: 4, rowsPerWorkgroup: 8, lanes: true }, { hidden: [24, 20], rows: 8, rowsPerWorkgroup: 32, lanes: true },
  { hidden: [16], rows: 4, rowsPerWorkgroup: 32, lanes: true, subgroups: true },
  // Blocks of 1 row, one per workgroup (37 workgroups), as offered where a network is wide.
  { hidden: [16], rows: 1, rowsPerWorkgroup: 1 },
];

describe('fused update kernels', () => {
  // The first dispatch compiles both kernels: seconds on idle lavapipe, minutes on a loaded machine.
  it.for(CASES)('hidden $hidden, rows $rows, $rowsPerWorkgroup per workgroup, cols $cols, lanes $lanes, subgroups $subgroups: partials add up to the reference gradient and loss', { timeout: 300_000 }, async ({ hidden, ...variant }) => {
    const actorSizes = [OBSERVATION_SIZE, ...hidden, ACTION_SIZE];
    const criticSizes = [CRITIC_INPUT, ...hidden, 1];
    const { device } = await testGpu();
    const shape: FusedKernelShape = { ...variant, actor: actorSizes, critic: criticSizes };
    const groups = fusedSlices(BATCH, variant), workgroups = fusedWorkgroups(BATCH, variant);
    // Replay rows of scale 1; critic weights scaled up so that Q and its gradients are O(1).
    const replay = normals(CAPACITY * REPLAY_STRIDE, 1, 5);
    const actor = initMlp(actorSizes, 3, 0).map(Math.fround);
    const critic = initMlp(criticSizes, 3, 1).map((w) => Math.fround(2 * w));
    const s = step({ seed: 9, iteration: 4, update: 1, filled: FILLED, batch: BATCH, shareFloor: 0.01, chunkUpdate: 1, lossPartials: groups });
    // Ring entry 1 is the one dispatched (entry 0 a decoy of another batch).
    const { binding } = stepRing(device, [step({ batch: 3, filled: 2, lossPartials: 1 }), s]);
    const pc = mlpLayout(criticSizes).parameterCount, pa = mlpLayout(actorSizes).parameterCount;
    const buffers = {
      replay: createStorageFrom(device, Float32Array.from(replay), 'replay'),
      actor: createStorageFrom(device, Float32Array.from(actor), 'actor'),
      critic: createStorageFrom(device, Float32Array.from(critic), 'critic'),
      criticGrads: createStorage(device, groups * pc * 4, 'criticGrads'), actorGrads: createStorage(device, groups * pa * 4, 'actorGrads'),
      criticLoss: createStorage(device, 2 * groups * 4, 'criticLoss'), actorLoss: createStorage(device, 2 * groups * 4, 'actorLoss'),
    };
    const kernels = fusedKernels(variant);
    const [cp, ap] = await Promise.all([kernels.critic.pipeline(device, shape), kernels.actor.pipeline(device, shape)]);
    const c = dispatchOf(device, cp, { step: binding, replay: buffers.replay, weights: buffers.critic, gradPartials: buffers.criticGrads, lossPartials: buffers.criticLoss }, [workgroups]);
    const a = dispatchOf(device, ap, {
      step: binding, replay: buffers.replay, actor: buffers.actor, critic: buffers.critic, gradPartials: buffers.actorGrads, lossPartials: buffers.actorLoss,
    }, [workgroups]);
    submitPass(device, (rec) => { rec.dispatch(c, stepOffset(1)); rec.dispatch(a, stepOffset(1)); });
    await device.queue.onSubmittedWorkDone();

    const fields = { seed: 9, iteration: 4, update: 1, filled: FILLED, batch: BATCH, shareFloor: Math.fround(0.01) };
    const wantCritic = laraCriticUpdateFused(fields, replay, critic, criticSizes);
    const wantActor = laraActorUpdateFused(fields, replay, actor, actorSizes, critic, criticSizes);
    // Gradients: f32 sums of 37 rows through two or three layers of width <= 24 against float64, ~1e-6 relative to the
    // largest entry; 1e-5 of it absolute, 1e-4 relative: a wrong row, mask or layer is off by far more.
    const criticGrad = sumSlices(await read64(device, buffers.criticGrads, groups * pc), groups, pc);
    const actorGrad = sumSlices(await read64(device, buffers.actorGrads, groups * pa), groups, pa);
    const scale = (x: Float64Array) => Math.max(...x.map(Math.abs));
    expectClose(criticGrad, wantCritic.grad, { atol: 1e-5 * scale(wantCritic.grad), rtol: 1e-4 }, 'critic gradient');
    expectClose(actorGrad, wantActor.grad, { atol: 1e-5 * scale(wantActor.grad), rtol: 1e-4 }, 'actor gradient');
    expect(scale(actorGrad)).toBeGreaterThan(0);
    // Loss partials of chunk update 1 (row 0 untouched: zero): sums of 37 O(1) terms in f32, ~1e-6 relative.
    const criticLoss = await read64(device, buffers.criticLoss, 2 * groups);
    const actorLoss = await read64(device, buffers.actorLoss, 2 * groups);
    expect([...criticLoss.subarray(0, groups), ...actorLoss.subarray(0, groups)].every((x) => x === 0)).toBe(true);
    expectClose([criticLoss.subarray(groups).reduce((x, y) => x + y, 0)], [wantCritic.loss], { atol: 1e-6, rtol: 1e-5 }, 'critic loss');
    expectClose([actorLoss.subarray(groups).reduce((x, y) => x + y, 0)], [wantActor.loss], { atol: 1e-6, rtol: 1e-5 }, 'actor loss');
    for (const b of Object.values(buffers)) b.destroy();
  });
});

describe('the fused update\'s candidates', () => {
  it('offer blocks of 2 and 1 rows, one per workgroup, where a network is wide, and not where both are narrow', async () => {
    const { device } = await testGpu();
    const small = (hidden: number[]) => fusedUpdateCandidates(device, checkTrainerFits(parseTrainConfig({
      envs: 1, batch: 256, hidden, updatesPerIteration: 1, gamma: 0, replayCapacity: 512, evalSlots: 16,
    }), device.limits)).filter((v) => v.rows <= 2).map(describeFused);
    // hidden 256x2: 70k parameters per network, 128 and 256 workgroups.
    expect(small([256, 256])).toEqual(['fused r2 w2', 'fused r2 w2 wpass', 'fused r1 w1', 'fused r1 w1 wpass']);
    expect(small([128])).toEqual([]);
  });

  it('offer every weight pass also with half weights where the run allows mixed precision, and none without', async () => {
    const { device } = await testGpu();
    const run = checkTrainerFits(parseTrainConfig({ envs: 1, batch: 256, hidden: [256, 256], updatesPerIteration: 1, gamma: 0, replayCapacity: 512, evalSlots: 16 }), device.limits);
    const names = (mixedPrecision: boolean) => fusedUpdateCandidates(device, run, { mixedPrecision }).map(describeFused);
    const [plain, mixed] = [names(false), names(true)];
    expect(plain.some((d) => d.includes('half'))).toBe(false);
    const passes = plain.filter((d) => d.endsWith('wpass'));
    expect(passes.length).toBeGreaterThan(0);
    expect(mixed).toEqual(plain.flatMap((d) => (d.endsWith('wpass') ? [d, `${d} half`] : [d])));
    const quick = fusedUpdateQuick([null, ...fusedUpdateCandidates(device, run, { mixedPrecision: true })], run).map(describeFused);
    expect(quick.filter((d) => d.includes('wpass'))).toEqual(['fused r4 w8 wpass', 'fused r2 w2 wpass', 'fused r2 w2 wpass half']);
  });

  it('quick tuning takes the weight pass on 2-row blocks where a network is wide, and is unchanged where both are narrow', async () => {
    const { device } = await testGpu();
    const quick = (hidden: number[]) => {
      const run = checkTrainerFits(parseTrainConfig({ envs: 1, batch: 256, hidden, updatesPerIteration: 1, gamma: 0, replayCapacity: 512, evalSlots: 16 }), device.limits);
      return fusedUpdateQuick([null, ...fusedUpdateCandidates(device, run)], run).map(describeFused);
    };
    const wide = quick([256, 256]);
    expect(wide.filter((d) => d.includes('wpass'))).toEqual(['fused r4 w8 wpass', 'fused r2 w2 wpass']);
    const narrow = quick([128]);
    expect(narrow[0]).toBe('layers');
    expect(narrow.some((d) => d.includes('wpass') || / r[12] /.test(d))).toBe(false);
  });
});

describe('the fused update\'s weight pass', () => {
  // The row kernels store their blocks' inputs and deltas, and mlp_weight_adam takes the gradient over the batch: at
  // learning rate 0 its Adam step leaves the weights and makes m = (1 - beta1) g, so m / 0.1 is the gradient. Blocks of
  // 4 rows, 2 per workgroup (10 blocks, the last with 1 row), and of 8 rows over two hidden layers (5 blocks). With half
  // weights the row kernels stream the f16 copies (to_half.wgsl), and the reference takes the weights they hold.
  const cases: ({ hidden: number[] } & FusedVariant)[] = [
    { hidden: [16], rows: 4, rowsPerWorkgroup: 8, weightPass: true }, { hidden: [24, 20], rows: 8, rowsPerWorkgroup: 16, weightPass: true },
    { hidden: [24, 20], rows: 2, rowsPerWorkgroup: 2, weightPass: true }, { hidden: [24, 20], rows: 2, rowsPerWorkgroup: 2, weightPass: true, halfWeights: true },
  ];
  it.for(cases)('hidden $hidden, rows $rows, half weights $halfWeights: the weight kernels\' gradients are the reference gradients', { timeout: 300_000 }, async ({ hidden, ...variant }) => {
    const actorSizes = [OBSERVATION_SIZE, ...hidden, ACTION_SIZE];
    const criticSizes = [CRITIC_INPUT, ...hidden, 1];
    const { device } = await testGpu();
    const shape: FusedKernelShape = { ...variant, actor: actorSizes, critic: criticSizes };
    const workgroups = fusedWorkgroups(BATCH, variant);
    const replay = normals(CAPACITY * REPLAY_STRIDE, 1, 5);
    const actor = initMlp(actorSizes, 3, 0).map(Math.fround);
    const critic = initMlp(criticSizes, 3, 1).map((w) => Math.fround(2 * w));
    const s = step({ seed: 9, iteration: 4, update: 1, filled: FILLED, batch: BATCH, shareFloor: 0.01, chunkUpdate: 0, lossPartials: workgroups });
    const { binding } = stepRing(device, [s]);
    const halfWeights = variant.halfWeights === true;
    const passes = { critic: { sizes: criticSizes, rows: variant.rows, halfWeights }, actor: { sizes: actorSizes, rows: variant.rows, halfWeights } };
    const pc = mlpLayout(criticSizes).parameterCount, pa = mlpLayout(actorSizes).parameterCount;
    const zeros = (n: number, label: string) => createStorage(device, n * 4, label);
    const buffers = {
      replay: createStorageFrom(device, Float32Array.from(replay), 'replay'),
      actor: createStorageFrom(device, Float32Array.from(actor), 'actor'), critic: createStorageFrom(device, Float32Array.from(critic), 'critic'),
      criticActs: zeros(weightPassFloats(passes.critic, BATCH), 'criticActs'), actorActs: zeros(weightPassFloats(passes.actor, BATCH), 'actorActs'),
      criticLoss: zeros(workgroups, 'criticLoss'), actorLoss: zeros(workgroups, 'actorLoss'),
      criticM: zeros(pc, 'criticM'), criticV: zeros(pc, 'criticV'), criticTarget: zeros(pc, 'criticTarget'),
      actorM: zeros(pa, 'actorM'), actorV: zeros(pa, 'actorV'), actorTarget: zeros(pa, 'actorTarget'),
    };
    // Entry 1: a step of learning rate 1e-2, after which the weight pass's f16 copies are checked against fresh ones.
    const schedules = { critic: new AdamSchedule(device, 2, pc, 'criticSchedule'), actor: new AdamSchedule(device, 2, pa, 'actorSchedule') };
    schedules.critic.write(device.queue, [adamHyper(0, 1), adamHyper(1e-2, 2)]);
    schedules.actor.write(device.queue, [adamHyper(0, 1), adamHyper(1e-2, 2)]);
    // The f16 copies (half weights), else a placeholder the weight pass never touches.
    const half = halfWeights ? await HalfWeights.create(device, { params: buffers.actor, parameterCount: pa }, { params: buffers.critic, parameterCount: pc }) : null;
    const streamed = { actor: half?.actor.buffer ?? buffers.actor, critic: half?.critic.buffer ?? buffers.critic };
    const placeholder = zeros(4, 'placeholder');
    const kernels = fusedKernels(variant);
    const [cp, ap, cw, aw] = await Promise.all([
      kernels.critic.pipeline(device, shape), kernels.actor.pipeline(device, shape),
      mlpWeightAdamKernel.pipeline(device, passes.critic), mlpWeightAdamKernel.pipeline(device, passes.actor),
    ]);
    const c = dispatchOf(device, cp, { step: binding, replay: buffers.replay, weights: streamed.critic, gradPartials: buffers.criticActs, lossPartials: buffers.criticLoss }, [workgroups]);
    const a = dispatchOf(device, ap, {
      step: binding, replay: buffers.replay, actor: streamed.actor, critic: streamed.critic, gradPartials: buffers.actorActs, lossPartials: buffers.actorLoss,
    }, [workgroups]);
    const wc = weightPassDispatch(device, cw, passes.critic, schedules.critic, {
      acts: buffers.criticActs, params: buffers.critic, m: buffers.criticM, v: buffers.criticV, target: buffers.criticTarget, params16: half?.critic.buffer ?? placeholder,
    }, BATCH, 0.005, 'critic.weightAdam');
    const wa = weightPassDispatch(device, aw, passes.actor, schedules.actor, {
      acts: buffers.actorActs, params: buffers.actor, m: buffers.actorM, v: buffers.actorV, target: buffers.actorTarget, params16: half?.actor.buffer ?? placeholder,
    }, BATCH, 0.005, 'actor.weightAdam');
    submitPass(device, (rec) => {
      half?.refresh(rec);
      rec.dispatch(c, stepOffset(0));
      rec.dispatch(a, stepOffset(0));
      rec.dispatch(wc, adamEntryOffset(schedules.critic, 0));
      rec.dispatch(wa, adamEntryOffset(schedules.actor, 0));
    });
    await device.queue.onSubmittedWorkDone();
    const fields = { seed: 9, iteration: 4, update: 1, filled: FILLED, batch: BATCH, shareFloor: Math.fround(0.01) };
    // The weights the row kernels read: with half weights their f16 copies, each one of the two f16 values nearest the
    // f32 weight (WGSL lets the conversion round either way).
    const read = async (copy: GPUBuffer | undefined, weights: Float64Array, what: string) => {
      if (!copy) return weights;
      const { values } = await readHalf(device, copy, weights.length);
      const worst = Math.max(...values.map((h, i) => Math.abs(h - weights[i]) / halfUlp(weights[i])));
      expect(worst, `${what}: f16 copy off by ${worst} ulp`).toBeLessThanOrEqual(1);
      expect(values.some((h, i) => h !== weights[i]), `${what}: some weights rounded`).toBe(true);
      return values;
    };
    const [actorRead, criticRead] = [await read(half?.actor.buffer, actor, 'actor'), await read(half?.critic.buffer, critic, 'critic')];
    const wantCritic = laraCriticUpdateFused(fields, replay, criticRead, criticSizes);
    const wantActor = laraActorUpdateFused(fields, replay, actorRead, actorSizes, criticRead, criticSizes);
    // Gradients as in the split-K test above (f32 sums of 37 rows against float64), through m = 0.1 g in f32 (one more
    // rounding, ~6e-8 relative).
    const gradient = async (m: GPUBuffer, count: number) => (await read64(device, m, count)).map((x) => x / (1 - 0.9));
    const scale = (x: Float64Array) => Math.max(...x.map(Math.abs));
    expectClose(await gradient(buffers.criticM, pc), wantCritic.grad, { atol: 1e-5 * scale(wantCritic.grad), rtol: 1e-4 }, 'critic gradient');
    expectClose(await gradient(buffers.actorM, pa), wantActor.grad, { atol: 1e-5 * scale(wantActor.grad), rtol: 1e-4 }, 'actor gradient');
    // Learning rate 0: the weights as they were, bit for bit.
    expect(Array.from(await read64(device, buffers.critic, pc))).toEqual(Array.from(critic));
    if (half) {
      // A step of learning rate 1e-2 (Adam entry 1): the copies the weight pass keeps are the ones made afresh from the
      // new weights, bit for bit (the same conversion), and the weights moved.
      submitPass(device, (rec) => {
        rec.dispatch(wc, adamEntryOffset(schedules.critic, 1));
        rec.dispatch(wa, adamEntryOffset(schedules.actor, 1));
      });
      const kept = { actor: (await readHalf(device, half.actor.buffer, pa)).bits, critic: (await readHalf(device, half.critic.buffer, pc)).bits };
      const fresh = await HalfWeights.create(device, { params: buffers.actor, parameterCount: pa }, { params: buffers.critic, parameterCount: pc });
      submitPass(device, (rec) => fresh.refresh(rec));
      expect(Array.from(kept.actor)).toEqual(Array.from((await readHalf(device, fresh.actor.buffer, pa)).bits));
      expect(Array.from(kept.critic)).toEqual(Array.from((await readHalf(device, fresh.critic.buffer, pc)).bits));
      expect(Array.from(await read64(device, buffers.critic, pc))).not.toEqual(Array.from(critic));
      fresh.destroy();
      half.destroy();
    }
    for (const b of [...Object.values(buffers), placeholder, schedules.critic.buffer, schedules.actor.buffer]) b.destroy();
    releaseDispatches([c, a, wc, wa]);
  });
});

describe('paired fused dispatches', () => {
  // Each workgroup of a paired dispatch runs its own kernel's code, so the sums match those kernels' bit for bit.
  const variants: FusedVariant[] = [
    { rows: 4, rowsPerWorkgroup: 8, cols: 4 }, { rows: 4, rowsPerWorkgroup: 8, lanes: true }, { rows: 4, rowsPerWorkgroup: 32, lanes: true, subgroups: true },
  ];
  it.for(variants)('rows $rows, lanes $lanes, subgroups $subgroups: the actor of update u beside the critic of update u + 1, and both Adam steps in one dispatch, write what the separate dispatches write', { timeout: 300_000 }, async (variant) => {
    const actorSizes = [OBSERVATION_SIZE, 16, ACTION_SIZE];
    const criticSizes = [CRITIC_INPUT, 16, 1];
    const { device } = await testGpu();
    const shape: FusedKernelShape = { ...variant, actor: actorSizes, critic: criticSizes };
    const groups = fusedSlices(BATCH, variant), workgroups = fusedWorkgroups(BATCH, variant);
    const kernels = fusedKernels(variant);
    const pa = mlpLayout(actorSizes).parameterCount, pc = mlpLayout(criticSizes).parameterCount;
    // Entry 1: the actor's update; entry 2: the critic's next update (another minibatch and loss row).
    const steps = [1, 2].map((update) => step({ seed: 9, iteration: 4, update, filled: FILLED, batch: BATCH, shareFloor: 0.01, chunkUpdate: update, lossPartials: groups }));
    const { binding } = stepRing(device, [step({ batch: 3, filled: 2, lossPartials: 1 }), ...steps]);
    const f32 = (x: ArrayLike<number>, label: string) => createStorageFrom(device, Float32Array.from(x), label);
    const inputs = {
      replay: f32(normals(CAPACITY * REPLAY_STRIDE, 1, 5), 'replay'),
      actor: f32(initMlp(actorSizes, 3, 0), 'actor'), critic: f32(initMlp(criticSizes, 3, 1).map((w) => 2 * w), 'critic'),
    };
    const outputs = () => ({
      actorGrads: createStorage(device, groups * pa * 4, 'actorGrads'), criticGrads: createStorage(device, groups * pc * 4, 'criticGrads'),
      actorLoss: createStorage(device, 3 * groups * 4, 'actorLoss'), criticLoss: createStorage(device, 3 * groups * 4, 'criticLoss'),
    });
    const separate = outputs(), paired = outputs();
    const [cp, ap, pp] = await Promise.all([kernels.critic.pipeline(device, shape), kernels.actor.pipeline(device, shape), kernels.pair.pipeline(device, shape)]);
    const c = dispatchOf(device, cp, { step: binding, replay: inputs.replay, weights: inputs.critic, gradPartials: separate.criticGrads, lossPartials: separate.criticLoss }, [workgroups]);
    const a = dispatchOf(device, ap, {
      step: binding, replay: inputs.replay, actor: inputs.actor, critic: inputs.critic, gradPartials: separate.actorGrads, lossPartials: separate.actorLoss,
    }, [workgroups]);
    const p = dispatchOf(device, pp, {
      actorStep: binding, criticStep: binding, replay: inputs.replay, actor: inputs.actor, critic: inputs.critic, ...paired,
    }, [2 * workgroups]);
    submitPass(device, (rec) => {
      rec.dispatch(a, stepOffset(1));
      rec.dispatch(c, stepOffset(2));
      rec.dispatch(p, [...stepOffset(1), ...stepOffset(2)]);
    });

    // Adam: the actor at ring entry 0 and the critic at entry 1 (another step), each with its own target.
    const hypers = [adamHyper(1e-3, 3), adamHyper(3e-3, 4)];
    const schedules = { actor: new AdamSchedule(device, 2, pa, 'actorSchedule'), critic: new AdamSchedule(device, 2, pc, 'criticSchedule') };
    schedules.actor.write(device.queue, hypers);
    schedules.critic.write(device.queue, hypers);
    const network = (schedule: AdamSchedule, count: number, gradients: GPUBuffer, salt: number) => ({
      schedule, gradients, params: f32(normals(count, 1, salt), 'params'), m: f32(normals(count, 0.1, salt + 1), 'm'),
      v: f32(normals(count, 0.1, salt + 2).map(Math.abs), 'v'), target: f32(normals(count, 1, salt + 3), 'target'),
    });
    const nets = [0, 1].map(() => ({ actor: network(schedules.actor, pa, separate.actorGrads, 20), critic: network(schedules.critic, pc, separate.criticGrads, 30) }));
    const [adam, pair] = await Promise.all([adamKernel.pipeline(device, undefined), adamPairKernel.pipeline(device, undefined)]);
    const unused = createStorage(device, 16, 'unused');
    const one = (n: (typeof nets)[0]['actor']) => adamDispatch(device, adam, n.schedule, { ...n, unusedTarget: unused }, { splits: groups, softUpdate: { target: n.target, tau: 0.01 } });
    const both = adamPairDispatch(device, pair, nets[1].actor, nets[1].critic, { splits: groups, tau: 0.01 });
    submitPass(device, (rec) => {
      rec.dispatch(one(nets[0].actor), adamEntryOffset(schedules.actor, 0));
      rec.dispatch(one(nets[0].critic), adamEntryOffset(schedules.critic, 1));
      rec.dispatch(both, adamPairOffsets(schedules.actor, 0, schedules.critic, 1));
    });
    await device.queue.onSubmittedWorkDone();

    const bits = async (buffer: GPUBuffer, count: number) => Array.from(new Uint32Array((await read64(device, buffer, count)).buffer));
    const same = async (x: GPUBuffer, y: GPUBuffer, count: number, what: string) => {
      const [bx, by] = await Promise.all([bits(x, count), bits(y, count)]);
      expect(by, what).toEqual(bx);
      expect(bx.some((b) => b !== 0), `${what} written`).toBe(true);
    };
    await same(separate.actorGrads, paired.actorGrads, groups * pa, 'actor gradient partials');
    await same(separate.criticGrads, paired.criticGrads, groups * pc, 'critic gradient partials');
    await same(separate.actorLoss, paired.actorLoss, 3 * groups, 'actor loss partials');
    await same(separate.criticLoss, paired.criticLoss, 3 * groups, 'critic loss partials');
    for (const net of ['actor', 'critic'] as const) {
      const count = net === 'actor' ? pa : pc;
      for (const field of ['params', 'm', 'v', 'target'] as const) await same(nets[0][net][field], nets[1][net][field], count, `${net} ${field} after Adam`);
    }
  });
});
