// The MLP kernels on the GPU (forward, backward, MSE, Adam with the schedule ring, soft update) against the float64
// CPU reference, on random data with sizes that are not multiples of the tiles.
import { describe, expect, it } from 'vitest';
import { createStorage, createStorageFrom, readFloat32 } from '../src/gpu/buffers.js';
import { submitPass, type Recorder } from '../src/gpu/kernel.js';
import { GpuMlp } from '../src/nn/mlp.js';
import { FUSED_STAGE_K } from '../src/nn/mlpFused.js';
import { defaultPlan, type MlpPlan } from '../src/nn/mlpPlan.js';
import { initMlp } from '../src/nn/init.js';
import { adam, mlpBackward, mlpForward, mseLossBackward } from '../src/nn/reference/mlp.js';
import { adamHyper } from '../src/nn/adamHyper.js';
import { softUpdate } from '../src/nn/reference/softUpdate.js';
import { mseLossDispatch, mseLossKernel, mseLossPartialCount } from '../src/nn/mseLoss.js';
import { TREE_REDUCE } from '../src/gpu/reduce.js';
import {
  describeLinear, linearBackwardInputDispatch, linearBackwardInputPipeline, linearBackwardWeightDispatch, linearBackwardWeightPipeline,
  headTile, linearForwardDispatch, linearForwardPipeline, mixedPrecision, tiled, WIDE_TILE, type LinearVariant, type TileShape,
} from '../src/nn/linear.js';
import { linearBackwardInput, linearBackwardWeight, linearForward } from '../src/nn/reference/linear.js';
import { linearCandidates, matrixTiles } from '../src/nn/linearCandidates.js';
import { expectClose, type Tolerance } from './helpers/expectClose.js';
import { testGpu } from './helpers/gpu.js';
import { randomArray } from './nnData.js';

async function setup(): Promise<{ device: GPUDevice }> {
  const { device } = await testGpu();
  return { device };
}

const encodePass = submitPass;

const maxAbs = (xs: ArrayLike<number>) => Array.from(xs).reduce((m, x) => Math.max(m, Math.abs(x)), 0);

/**
 * float32 matmuls over K <= 780 terms (batch for dW, widths for the rest), inputs identical to the reference's
 * (the reference gets the float32-rounded params and data): each sum is off by about sqrt(K) * 2^-24 * sum|terms|
 * <= 28 * 6e-8 * (a few times the largest result) ~ 1e-5 of the largest value, compounded over at most 3 layers.
 * 5e-5 of the largest value (plus 1e-4 relative) leaves margin; a wrong index, tile or bounds check is off by O(1) of it.
 */
function matmulTolerance(ref: ArrayLike<number>): Tolerance {
  return { atol: 5e-5 * Math.max(maxAbs(ref), 1e-30), rtol: 1e-4 };
}

// fused: whether the forward is expected to run as one fused dispatch (mlp_forward_fused.wgsl, batches <= 1024 of
// networks with <= 4 layers of widths <= 256) or one tiled dispatch per layer (fusedMaxBatch 0, or too big); the
// backward's input-gradient chain is fused (mlp_backward_input_fused.wgsl) on the same terms with <= 3 layers.
// maxBatch (default batch + 5) sets the fused kernel's rows per workgroup: 1 up to 64 rows, 8 from 449.
const cases: { sizes: number[]; batches: number[]; tile?: TileShape; fused: boolean; fusedMaxBatch?: number; maxBatch?: number }[] = [
  { sizes: [7, 13, 5], batches: [1, 37, 300], fused: true },
  { sizes: [14, 33, 17, 1], batches: [1, 37, 300, 777], fused: true }, // 777 rows: three split-K partial sums
  { sizes: [14, 33, 17, 1], batches: [37, 777], fused: false, fusedMaxBatch: 0 }, // the same, per-layer forward
  { sizes: [14, 70, 65, 7], batches: [130], fused: false, fusedMaxBatch: 0 }, // several 64 x 64 tiles in both directions
  { sizes: [14, 70, 65, 7], batches: [130], tile: { threadsX: 8, threadsY: 16, tileK: 32 }, fused: false, fusedMaxBatch: 0 }, // a tuning variant
  { sizes: [14, 256, 200, 7], batches: [1, 45], fused: true, maxBatch: 200 }, // widest fused layer; 4 rows per workgroup, the last one partial
  { sizes: [5, 19, 256, 3, 2], batches: [1, 70], fused: true }, // four layers (the most fused forward; per-layer backward), a width-3 bottleneck
  { sizes: [9, 20], batches: [1, 33], fused: true }, // one layer: the fused backward computes dInput only
  { sizes: [3, 4, 5, 6, 7, 2], batches: [9], fused: false }, // five layers: per-layer forward
  { sizes: [6, 257, 3], batches: [9], fused: false }, // a width over 256: per-layer forward
];

// Cold, lavapipe compiles each pipeline variant with LLVM on first use (5-15 s each on a loaded machine; the first
// test builds about six), so these tests get more than the default 120 s.
const GPU_TEST_TIMEOUT = { timeout: 400_000 };

describe('GpuMlp forward and backward vs the float64 reference', GPU_TEST_TIMEOUT, () => {
  for (const { sizes, batches, tile, fused, fusedMaxBatch, maxBatch } of cases) {
    for (const batch of batches) {
      it(`sizes [${sizes}], batch ${batch}${tile ? `, wide tile ${JSON.stringify(tile)}` : ''}, ${fused ? 'fused' : 'per-layer'} forward`, async () => {
        const { device } = await setup();
        const params = Float64Array.from(initMlp(sizes, 11, 0), Math.fround);
        // pre-activations away from exact zero: random inputs (+-2) and random biases
        const x = randomArray(batch * sizes[0], 3, 2);
        const out = sizes[sizes.length - 1];
        const dOutput = randomArray(batch * out, 4);
        const mlp = await GpuMlp.create(device, sizes, [batch, maxBatch ?? batch + 5], { label: 'net', wideTile: tile, fusedMaxBatch });
        expect(mlp.forwardIsFused(batch)).toBe(fused);
        expect(mlp.backwardIsFused(batch)).toBe(fused && sizes.length - 1 <= 3);
        mlp.writeParams(params);
        const input = createStorageFrom(device, Float32Array.from(x), 'x');
        const dOutputBuffer = createStorageFrom(device, Float32Array.from(dOutput), 'dOutput');
        const dInput = createStorage(device, batch * sizes[0] * 4, 'dInput');
        encodePass(device, (rec) => {
          mlp.encodeForward(rec, input, batch);
          mlp.encodeBackward(rec, input, dOutputBuffer, batch, { dInput });
        });
        const ref = mlpForward(params, sizes, x, batch);
        const refBackward = mlpBackward(params, sizes, ref.cache, dOutput, batch);
        const output = await readFloat32(device, mlp.output, batch * out);
        expectClose(output, ref.output, matmulTolerance(ref.output), 'output');
        for (let l = 0; l + 1 < sizes.length - 1; l++) {
          const hidden = await readFloat32(device, mlp.activations[l], batch * sizes[l + 1]);
          expectClose(hidden, ref.cache.activations[l], matmulTolerance(ref.cache.activations[l]), `hidden layer ${l}`);
        }
        const grads = await mlp.readGrads();
        for (const [l, layer] of mlp.layout.layers.entries()) {
          const w = [layer.weightOffset, layer.biasOffset] as const;
          const b = [layer.biasOffset, layer.biasOffset + layer.outputs] as const;
          const refW = refBackward.dParams.subarray(...w), refB = refBackward.dParams.subarray(...b);
          expectClose(grads.subarray(...w), refW, matmulTolerance(refW), `dW layer ${l}`);
          expectClose(grads.subarray(...b), refB, matmulTolerance(refB), `db layer ${l}`);
        }
        const dInputGpu = await readFloat32(device, dInput, batch * sizes[0]);
        expectClose(dInputGpu, refBackward.dInput, matmulTolerance(refBackward.dInput), 'dInput');
        expect(maxAbs(refBackward.dInput)).toBeGreaterThan(0);
        mlp.destroy();
      });
    }
  }

  it('the fused kernels with weights staged through workgroup memory (GPU variants) match the default bit for bit', async () => {
    const { device } = await setup();
    // the widest fused layers (256 -> 200, 200 -> 7: several staging steps, a last partial one), rows per workgroup
    // 1 and 2 (the default is 4), and the bottleneck network's width-3 layer (one partial step)
    for (const { sizes, batch, rows } of [{ sizes: [14, 256, 200, 7], batch: 45, rows: 2 }, { sizes: [5, 19, 3, 2], batch: 9, rows: 1 }]) {
      const params = Float64Array.from(initMlp(sizes, 12, 0), Math.fround);
      const x = Float32Array.from(randomArray(batch * sizes[0], 13, 2));
      const dOutput = Float32Array.from(randomArray(batch * sizes[sizes.length - 1], 14));
      const staged: MlpPlan = { ...defaultPlan(device, sizes, batch, batch, true) };
      staged.forward = { kind: 'fused', rows, stageK: FUSED_STAGE_K };
      staged.backwardInput = { kind: 'fused', rows, stageK: FUSED_STAGE_K };
      const results: Float32Array[][] = [];
      for (const plans of [undefined, [staged]]) {
        const mlp = await GpuMlp.create(device, sizes, [batch], { label: 'net', plans });
        expect(mlp.forwardIsFused(batch) && mlp.backwardIsFused(batch)).toBe(true);
        mlp.writeParams(params);
        const input = createStorageFrom(device, x, 'x');
        const dOutputBuffer = createStorageFrom(device, dOutput, 'dOutput');
        const dInput = createStorage(device, batch * sizes[0] * 4, 'dInput');
        encodePass(device, (rec) => {
          mlp.encodeForward(rec, input, batch);
          mlp.encodeBackward(rec, input, dOutputBuffer, batch, { dInput });
        });
        const activations = await Promise.all(mlp.activations.map((a, l) => readFloat32(device, a, batch * sizes[l + 1])));
        results.push([...activations, await mlp.readGrads(), await readFloat32(device, dInput, batch * sizes[0])]);
        mlp.destroy();
      }
      const [reference, candidate] = results;
      reference.forEach((values, i) => expect(Array.from(candidate[i]), `sizes [${sizes}]: result ${i}`).toEqual(Array.from(values)));
      const ref = mlpForward(params, sizes, Float64Array.from(x), batch);
      expectClose(candidate[sizes.length - 2], ref.output, matmulTolerance(ref.output), 'output');
    }
  });

  it('the last layer as the epilogue of the hidden layer before it (head) matches the per-layer forward bit for bit', async () => {
    const { device } = await setup();
    // a 256-column tile after a 200-wide layer; several 16-row tiles (130 rows) after a 65-wide one; a network of two
    // layers (the head's hidden layer reads the input)
    for (const { sizes, batch } of [{ sizes: [14, 256, 200, 7], batch: 45 }, { sizes: [7, 70, 65, 1], batch: 130 }, { sizes: [9, 20, 3], batch: 33 }]) {
      const params = Float64Array.from(initMlp(sizes, 15, 0), Math.fround);
      const x = Float32Array.from(randomArray(batch * sizes[0], 16, 2));
      const perLayer = defaultPlan(device, sizes, batch, batch, false, { fusedMaxBatch: 0 });
      const layers = (perLayer.forward as { layers: LinearVariant[] }).layers;
      const head: MlpPlan = { batch, forward: { kind: 'layers', layers, head: headTile(sizes[sizes.length - 2]) } };
      const results: Float32Array[][] = [];
      for (const plan of [perLayer, head]) {
        const mlp = await GpuMlp.create(device, sizes, [batch], { label: 'net', plans: [plan], trainable: false });
        mlp.writeParams(params);
        const input = createStorageFrom(device, x, 'x');
        encodePass(device, (rec) => mlp.encodeForward(rec, input, batch));
        results.push(await Promise.all(mlp.activations.map((a, l) => readFloat32(device, a, batch * sizes[l + 1]))));
        mlp.destroy();
      }
      results[0].forEach((values, i) => expect(Array.from(results[1][i]), `sizes [${sizes}]: layer ${i}`).toEqual(Array.from(values)));
      const ref = mlpForward(params, sizes, Float64Array.from(x), batch);
      expectClose(results[1][sizes.length - 2], ref.output, matmulTolerance(ref.output), 'output');
    }
  });

  it('skipParamGrads computes dInput and leaves grads alone; a second backward overwrites grads', async () => {
    const { device } = await setup();
    const sizes = [14, 33, 17, 1];
    const batch = 37;
    const params = Float64Array.from(initMlp(sizes, 5, 1), Math.fround);
    const x = randomArray(batch * 14, 6, 2);
    const dA = randomArray(batch, 7);
    const dB = randomArray(batch, 8);
    const mlp = await GpuMlp.create(device, sizes, [batch], { label: 'critic' });
    mlp.writeParams(params);
    const input = createStorageFrom(device, Float32Array.from(x), 'x');
    const dOutA = createStorageFrom(device, Float32Array.from(dA), 'dA');
    const dOutB = createStorageFrom(device, Float32Array.from(dB), 'dB');
    const dInput = createStorage(device, batch * 14 * 4, 'dInput');
    encodePass(device, (rec) => {
      mlp.encodeForward(rec, input, batch);
      mlp.encodeBackward(rec, input, dOutA, batch); // grads for dA
      mlp.encodeBackward(rec, input, dOutA, batch); // again: must overwrite, not accumulate
      mlp.encodeInputGradient(rec, input, dOutB, batch, dInput); // dInput for dB only
    });
    const ref = mlpForward(params, sizes, x, batch);
    const refA = mlpBackward(params, sizes, ref.cache, dA, batch);
    const refB = mlpBackward(params, sizes, ref.cache, dB, batch);
    const grads = await mlp.readGrads();
    expectClose(grads, refA.dParams, matmulTolerance(refA.dParams), 'grads of the first objective');
    const dInputGpu = await readFloat32(device, dInput, batch * 14);
    expectClose(dInputGpu, refB.dInput, matmulTolerance(refB.dInput), 'dInput of the second objective');
    mlp.destroy();
  });

  it('a target network (trainable: false) runs the forward with its own params; soft update matches the reference', async () => {
    const { device } = await setup();
    const sizes = [7, 13, 5];
    const batch = 9;
    const online = await GpuMlp.create(device, sizes, [batch], { label: 'actor' });
    const target = await GpuMlp.create(device, sizes, [batch], { label: 'actorTarget', trainable: false });
    expect(target.grads).toBeNull();
    const onlineParams = Float64Array.from(initMlp(sizes, 1, 0), Math.fround);
    const targetParams = Float64Array.from(initMlp(sizes, 2, 0), Math.fround);
    online.writeParams(onlineParams);
    target.writeParams(targetParams);
    const x = randomArray(batch * 7, 9, 2);
    const input = createStorageFrom(device, Float32Array.from(x), 'x');
    encodePass(device, (rec) => {
      online.encodeForward(rec, input, batch);
      target.encodeForward(rec, input, batch);
    });
    const refOnline = mlpForward(onlineParams, sizes, x, batch).output;
    const refTarget = mlpForward(targetParams, sizes, x, batch).output;
    expectClose(await readFloat32(device, online.output, batch * 5), refOnline, matmulTolerance(refOnline), 'online output');
    expectClose(await readFloat32(device, target.output, batch * 5), refTarget, matmulTolerance(refTarget), 'target output');

    const [slow, fast] = [await online.softUpdateDispatch(target, 0.005), await online.softUpdateDispatch(target, 0.25)];
    encodePass(device, (rec) => {
      rec.dispatch(slow);
      rec.dispatch(slow);
      rec.dispatch(fast);
    });
    const ref = Float64Array.from(targetParams);
    softUpdate(onlineParams, ref, 0.005); softUpdate(onlineParams, ref, 0.005); softUpdate(onlineParams, ref, 0.25);
    // three float32 multiply-adds of values below 1 in magnitude: a few ulps (6e-8 each)
    expectClose(await target.readParams(), ref, { atol: 1e-6, rtol: 1e-6 }, 'target params');
    await expect(online.softUpdateDispatch({ sizes: [7, 5], parameterCount: 40 } as unknown as GpuMlp, 0.1)).rejects.toThrow(/sizes/);
    online.destroy(); target.destroy();
  });

  it('rejects a batch it was not planned for and a backward without a forward', async () => {
    const { device } = await setup();
    const mlp = await GpuMlp.create(device, [3, 4, 2], [4, 8]);
    const buffer = createStorage(device, 1024, 'b');
    const recorder: Recorder = { dispatch: () => { throw new Error('nothing may be recorded'); } };
    expect(() => mlp.encodeForward(recorder, buffer, 9)).toThrow(/batch 9 was not planned \(planned: 4, 8\)/);
    expect(() => mlp.encodeBackward(recorder, buffer, buffer, 4)).toThrow(/encodeForward/);
    // a backward of an input other than the latest forward's would read another input's activations
    const other = createStorage(device, 1024, 'other');
    mlp.encodeForward({ dispatch: () => {} }, other, 4);
    expect(() => mlp.encodeBackward(recorder, buffer, buffer, 4)).toThrow(/encodeForward of the same input/);
    other.destroy();
    mlp.destroy();
  });
});

describe('MSE loss and Adam on the GPU', GPU_TEST_TIMEOUT, () => {
  it('MSE loss gradient and loss partial sums match the reference (batch 5000: two workgroups)', async () => {
    const { device } = await setup();
    const batch = 5000;
    const q = randomArray(batch, 21, 3), y = randomArray(batch, 22, 3);
    const buffers = {
      q: createStorageFrom(device, Float32Array.from(q), 'q'),
      target: createStorageFrom(device, Float32Array.from(y), 'y'),
      dq: createStorage(device, batch * 4, 'dq'),
      lossPartials: createStorage(device, 16 * 4, 'loss'),
    };
    const partials = mseLossPartialCount(batch);
    expect(partials).toBe(2);
    const loss = mseLossDispatch(device, await mseLossKernel.pipeline(device, TREE_REDUCE), buffers, batch, 3);
    encodePass(device, (rec) => rec.dispatch(loss));
    const ref = mseLossBackward(q, y);
    // one float32 subtraction and two multiplications per element: a few ulps
    expectClose(await readFloat32(device, buffers.dq, batch), ref.dq, { atol: 1e-9, rtol: 1e-6 }, 'dq');
    const lossParts = await readFloat32(device, buffers.lossPartials, partials, 3);
    // float32 sums of 2,500 squares in a tree: relative error ~ log2(2500) * 6e-8 ~ 1e-6
    expectClose([lossParts[0] + lossParts[1]], [ref.loss], { atol: 0, rtol: 1e-5 }, 'loss');
  });

  it('Adam: five steps from the schedule ring (varying lr and step) match the reference', async () => {
    const { device } = await setup();
    const sizes = [7, 13, 5];
    const mlp = await GpuMlp.create(device, sizes, [4], { maxStepsPerSubmit: 8 });
    const count = mlp.parameterCount;
    const params = Float64Array.from(initMlp(sizes, 3, 0), Math.fround);
    const m = Float64Array.from(randomArray(count, 31, 0.01)), v = Float64Array.from(randomArray(count, 32, 1e-4), Math.abs);
    mlp.writeParams(params);
    mlp.writeAdamMoments(m, v);
    const hypers = [1, 2, 3, 4, 5].map((step) => adamHyper(1e-3 * (1 + step / 10), step + 10));
    mlp.writeAdamSchedule(device.queue, hypers);
    const gradSets = [0, 1, 2, 3, 4].map((k) => Float32Array.from(randomArray(count, 40 + k, 0.1)));
    gradSets[2][5] = 0; // a zero gradient still decays m and v
    for (const [slot, g] of gradSets.entries()) {
      device.queue.writeBuffer(mlp.grads!, 0, g);
      encodePass(device, (rec) => mlp.encodeAdam(rec, slot, mlp.gradient));
    }
    for (const [slot, g] of gradSets.entries()) adam(params, g, m, v, hypers[slot]);
    const moments = await mlp.readAdamMoments();
    // Each step's update is lr * mhat / (sqrt(vhat) + eps) <= ~lr * 10 here; float32 relative error of the update is a
    // few ulps (~1e-6), so 5 steps of ~1e-2 add ~1e-7 of absolute error to params of magnitude <= 0.38.
    expectClose(await mlp.readParams(), params, { atol: 1e-6, rtol: 1e-6 }, 'params');
    expectClose(moments.m, m, { atol: 1e-9, rtol: 1e-5 }, 'm');
    expectClose(moments.v, v, { atol: 1e-12, rtol: 1e-5 }, 'v');
    expect(() => mlp.writeAdamSchedule(device.queue, new Array(9).fill(hypers[0]))).toThrow(/entries/);
    mlp.destroy();
  });

  it('Adam adding up deferred split-K partials (batch 777: three splits) with a fused soft update matches the reference', async () => {
    const { device } = await setup();
    const sizes = [14, 33, 17, 1];
    const batch = 777;
    const tau = 0.05;
    const mlp = await GpuMlp.create(device, sizes, [batch], { label: 'critic', maxStepsPerSubmit: 2 });
    const target = await GpuMlp.create(device, sizes, [batch], { label: 'criticTarget', trainable: false });
    const count = mlp.parameterCount;
    const params = Float64Array.from(initMlp(sizes, 12, 1), Math.fround);
    const targetParams = Float64Array.from(initMlp(sizes, 13, 1), Math.fround);
    // moments away from zero so that the step is smooth in the gradient (not lr * sign(g) of a first step)
    const m = Float64Array.from(randomArray(count, 61, 0.01), Math.fround);
    const v = Float64Array.from(randomArray(count, 62, 1e-4), (x) => Math.fround(Math.abs(x)));
    mlp.writeParams(params);
    mlp.writeAdamMoments(m, v);
    target.writeParams(targetParams);
    const hp = adamHyper(1e-3, 11);
    mlp.writeAdamSchedule(device.queue, [hp]);
    const x = randomArray(batch * sizes[0], 63, 2);
    const dOutput = randomArray(batch, 64);
    const input = createStorageFrom(device, Float32Array.from(x), 'x');
    const dOutputBuffer = createStorageFrom(device, Float32Array.from(dOutput), 'dOutput');
    encodePass(device, (rec) => {
      mlp.encodeForward(rec, input, batch);
      const gradient = mlp.encodeBackward(rec, input, dOutputBuffer, batch, { deferGradSum: true });
      expect(gradient.splits).toBe(3);
      mlp.encodeAdam(rec, 0, gradient, { softUpdate: { target, tau } });
    });
    const forward = mlpForward(params, sizes, x, batch);
    const grad = mlpBackward(params, sizes, forward.cache, dOutput, batch).dParams;
    adam(params, grad, m, v, hp);
    softUpdate(params, targetParams, tau);
    const moments = await mlp.readAdamMoments();
    // The gradient is a float32 sum over 777 rows, off by ~5e-5 of its largest value (matmulTolerance); m takes 0.1 of
    // it and v 0.001 of its square. The step divides by sqrt(v / bc2) ~ 0.1 here, so params move by at most ~1.5e-2 lr
    // per unit error of m: 1e-6 absolute covers f32 rounding of params ~0.4. A missing or doubled split is off by
    // a third of the gradient, 1e3 times these.
    const gradScale = maxAbs(grad);
    expectClose(moments.m, m, { atol: 1e-5 * gradScale + 1e-9, rtol: 1e-5 }, 'm');
    expectClose(moments.v, v, { atol: 1e-7 * gradScale * gradScale + 1e-12, rtol: 1e-5 }, 'v');
    expectClose(await mlp.readParams(), params, { atol: 1e-6, rtol: 1e-6 }, 'params');
    expectClose(await target.readParams(), targetParams, { atol: 1e-6, rtol: 1e-6 }, 'soft-updated target');
    expect(() => mlp.encodeAdam(null as unknown as Recorder, 0, mlp.gradient, { softUpdate: { target: { sizes: [14, 1], parameterCount: 15 } as unknown as GpuMlp, tau } }))
      .toThrow(/sizes/);
    mlp.destroy(); target.destroy();
  });

  it('Adam: several steps encoded in one pass read their own ring slots', async () => {
    const { device } = await setup();
    const sizes = [3, 4, 2];
    const mlp = await GpuMlp.create(device, sizes, [4], { maxStepsPerSubmit: 4 });
    const count = mlp.parameterCount;
    const params = Float64Array.from(initMlp(sizes, 8, 0), Math.fround);
    const m = new Float64Array(count), v = new Float64Array(count);
    const g = Float32Array.from(randomArray(count, 50, 1));
    mlp.writeParams(params);
    mlp.writeAdamMoments(m, v);
    device.queue.writeBuffer(mlp.grads!, 0, g);
    const hypers = [adamHyper(0.01, 1), adamHyper(0.02, 2), adamHyper(0.05, 3)];
    mlp.writeAdamSchedule(device.queue, hypers);
    encodePass(device, (rec) => { for (const entry of [0, 1, 2]) mlp.encodeAdam(rec, entry, mlp.gradient); });
    for (const hp of hypers) adam(params, g, m, v, hp);
    // updates of at most lr each (0.08 in all) with float32 relative error ~1e-6
    expectClose(await mlp.readParams(), params, { atol: 1e-6, rtol: 1e-6 }, 'params after 3 steps in one pass');
    mlp.destroy();
  });
});

describe('every matmul variant the tuner may choose, against the float64 reference', GPU_TEST_TIMEOUT, () => {
  /** Forward (ReLU), backward to the input (masked) and to the weights (split-K 2) of each variant on one layer. */
  async function checkVariants(layer: { inputs: number; outputs: number; weightOffset: number; biasOffset: number }, batch: number, variants: LinearVariant[]) {
    const { device } = await setup();
    const { inputs: n, outputs: m } = layer;
    const params = Float64Array.from(randomArray(layer.biasOffset + m, 31, 0.3), Math.fround);
    const x = Float64Array.from(randomArray(batch * n, 32, 2), (v) => Math.fround(Math.max(v, 0)));  // a ReLU output
    const dy = Float64Array.from(randomArray(batch * m, 33), Math.fround);
    const refY = linearForward(params, 0, layer.biasOffset, x, batch, n, m, true);
    const refDx = linearBackwardInput(params, 0, dy, batch, n, m, x);
    const refGrads = new Float64Array(params.length);
    linearBackwardWeight(refGrads, 0, layer.biasOffset, x, dy, batch, n, m);
    const weights = createStorageFrom(device, Float32Array.from(params), 'weights');
    const xBuffer = createStorageFrom(device, Float32Array.from(x), 'x');
    const dyBuffer = createStorageFrom(device, Float32Array.from(dy), 'dy');
    const y = createStorage(device, batch * m * 4, 'y');
    const dx = createStorage(device, batch * n * 4, 'dx');
    const partials = createStorage(device, 2 * params.length * 4, 'partials');
    for (const v of variants) {
      const what = describeLinear(v);
      // NaN in every output first: a value a variant does not write fails the check instead of passing with the last one's.
      for (const [buffer, floats] of [[y, batch * m], [dx, batch * n], [partials, 2 * params.length]] as const) {
        device.queue.writeBuffer(buffer, 0, new Float32Array(floats).fill(NaN));
      }
      const split = { splits: 2, rowsPerSplit: Math.ceil(batch / 2 / 16) * 16, stride: params.length };
      const dispatches = [
        linearForwardDispatch(device, await linearForwardPipeline(device, v, true), v, layer, batch, { x: xBuffer, weights, y }),
        linearBackwardInputDispatch(device, await linearBackwardInputPipeline(device, v, true), v, layer, batch, { dy: dyBuffer, weights, below: xBuffer, dx }, true),
        linearBackwardWeightDispatch(device, await linearBackwardWeightPipeline(device, v), v, layer, batch, split, { x: xBuffer, dy: dyBuffer, result: partials }),
      ];
      encodePass(device, (rec) => { for (const d of dispatches) rec.dispatch(d); });
      const p = await readFloat32(device, partials, 2 * params.length);
      const grads = p.subarray(0, params.length).map((g, i) => g + p[params.length + i]);
      // f16 tiles and subgroup matrices round every input to 11 significant bits (2^-12 relative): sums of at most 130
      // products are then off by about 5e-4 of the largest term, so 5e-3 of the largest value; the f32 variants by
      // matmulTolerance's 5e-5.
      const tolerance = (ref: Float64Array) => (mixedPrecision(v) ? { atol: 5e-3 * maxAbs(ref), rtol: 1e-2 } : matmulTolerance(ref));
      expectClose(await readFloat32(device, y, batch * m), refY, tolerance(refY), `${what}: y`);
      expectClose(await readFloat32(device, dx, batch * n), refDx, tolerance(refDx), `${what}: dx`);
      expectClose(grads, refGrads, tolerance(refGrads), `${what}: dW, db`);
    }
    for (const b of [weights, xBuffer, dyBuffer, y, dx, partials]) b.destroy();
  }

  /**
   * Subgroup-matrix tiles, emulated (lavapipe has no subgroup matrices): the tuner's two shapes, one with 16 x 16 x 16
   * matrices (64 x 64 tiles), one with 8 x 8 x 8 (16 x 32 tiles). Each pipeline costs seconds of compile here.
   */
  const emulatedMatrices = (): LinearVariant[] => [matrixTiles({ m: 16, n: 16, k: 16 }, 32, true)[0], matrixTiles({ m: 8, n: 8, k: 8 }, 32, true)[1]]
    .map((t) => ({ kind: 'matrix', ...t }));

  it('forward (ReLU), backward to the input (masked) and to the weights (split-K 2) of each variant', async () => {
    const { device } = await setup();
    // One layer of 33 -> 17 at batch 37: no size is a multiple of a block or tile; dW has 34 rows with the bias row.
    const batch = 37;
    const variants = linearCandidates(device, tiled(WIDE_TILE), batch, 34, { f16: device.features.has('shader-f16') }).all;
    expect(variants.filter((v) => v.kind === 'register').length).toBeGreaterThanOrEqual(6);
    await checkVariants({ inputs: 33, outputs: 17, weightOffset: 0, biasOffset: 33 * 17 }, batch, [...variants, ...emulatedMatrices()]);
  });

  it('dW and db where the inputs fill whole row blocks: db summed beside the first row block, not in a block of its own', async () => {
    const { device } = await setup();
    // 32 -> 17 at batch 37: 32 rows of dW are 4 register blocks of 8 (2 of 16) and half a 64-row tile; the bias row
    // would be the 33rd. Split-K 2 makes each split write its own db.
    const batch = 37;
    const variants = linearCandidates(device, tiled(WIDE_TILE), batch, 32, { f16: false }).all.filter((v) => v.kind !== 'matrix');
    expect(variants.some((v) => v.kind === 'tiled') && variants.some((v) => v.kind === 'register')).toBe(true);
    await checkVariants({ inputs: 32, outputs: 17, weightOffset: 0, biasOffset: 32 * 17 }, batch,
      [...variants, tiled({ threadsX: 16, threadsY: 4, tileK: 16 }), tiled({ threadsX: 4, threadsY: 16, tileK: 16 })]);
  });

  it('subgroup-matrix tiles (emulated) over several tiles and staging steps in every direction', async () => {
    // 70 -> 65 at batch 130: 3 k-steps of 32 (forward), 3 tiles of 64 rows (9 of 16) and 2 of 64 columns (3 of 32), dW
    // splits of 80 rows.
    await checkVariants({ inputs: 70, outputs: 65, weightOffset: 0, biasOffset: 70 * 65 }, 130, emulatedMatrices());
  });
});
