// The tuner on the GPU: it times the candidates that build and agree with the default, and drops the others (a
// pipeline this adapter cannot build, a result off the default's by more than the candidate's tolerance); its choices
// are reused only under the same shaders' version.
import { describe, expect, it } from 'vitest';
import { createStorage, createStorageFrom, readFloat32 } from '../src/gpu/buffers.js';
import { codeVersion, MemoryTuneStore, Tuner, tunerOf, type TunableOp } from '../src/gpu/tuner.js';
import { describeAdapter } from '../src/gpu/runtime.js';
import { allShaderSources, cpuAdapterThreads } from '../src/platform/host.js';
import { describeLinear, linearForwardDispatch, linearForwardPipeline, tiled, WIDE_TILE, type LinearVariant } from '../src/nn/linear.js';
import { matrixConfigs } from '../src/nn/linearCandidates.js';
import { submitPass } from '../src/gpu/kernel.js';
import { SubmitPacer, type PacedSubmit } from '../src/gpu/submitPacer.js';
import { timePass } from '../src/gpu/timing.js';
import { mlpLayout } from '../src/nn/layout.js';
import { GpuMlp } from '../src/nn/mlp.js';
import { describeChain } from '../src/nn/mlpPlan.js';
import { tuneMlpPlan } from '../src/nn/mlpTuning.js';
import { mlpBackward, mlpForward } from '../src/nn/reference/mlp.js';
import { expectClose } from './helpers/expectClose.js';
import { testGpu } from './helpers/gpu.js';
import { randomArray } from './nnData.js';

/** A linear layer's buffers: weights (seed), x (seed + 1) of `batch` rows, and y. */
function linearBuffers(device: GPUDevice, inputs: number, outputs: number, batch: number, seed: number) {
  const layer = { inputs, outputs, weightOffset: 0, biasOffset: inputs * outputs };
  const weights = createStorageFrom(device, Float32Array.from(randomArray(layer.biasOffset + outputs, seed, 0.3)), 'weights');
  const x = createStorageFrom(device, Float32Array.from(randomArray(batch * inputs, seed + 1)), 'x');
  const y = createStorage(device, batch * outputs * 4, 'y');
  return { layer, weights, x, y };
}

describe('timePass', () => {
  it('paces its waits by the passes\' own times, not by the wall time its sleeps stretch', async () => {
    const { device } = await testGpu();
    const batch = 256;
    const { layer, weights, x, y } = linearBuffers(device, 64, 64, batch, 7);
    const d = linearForwardDispatch(device, await linearForwardPipeline(device, tiled(WIDE_TILE), false), tiled(WIDE_TILE), layer, batch, { x, weights, y });
    const told: (number | undefined)[] = [];
    class Spy extends SubmitPacer {
      override done(s: PacedSubmit, gpuMs?: number): void { told.push(gpuMs === undefined ? undefined : gpuMs / s.items); super.done(s, gpuMs); }
    }
    const repetitions = 4;
    const timing = await timePass(device, (rec) => rec.dispatch(d), { samples: 3, warmup: 1, repetitions, pacer: new Spy() });
    expect(timing.method).toBe('timestamp');
    // The warm-up's and each sample's pass time, per repetition: the samples are what the pacer was told.
    expect(told).toHaveLength(4);
    for (const [i, seconds] of timing.samples.entries()) expect(told[i + 1]! / 1e3).toBeCloseTo(seconds, 12);
    for (const b of [weights, x, y]) b.destroy();
  });
});

describe('tuner', { timeout: 400_000 }, () => {
  it('keeps a working candidate and rejects one whose pipeline fails to build and one whose result differs', async () => {
    const { device } = await testGpu();
    const batch = 37;
    const { layer, weights, x, y } = linearBuffers(device, 33, 17, batch, 41);
    // lavapipe has no subgroup matrices: the real (not emulated) matrix variant cannot be built here
    expect(matrixConfigs(device).configs).toEqual([]);
    const matrix: LinearVariant = { kind: 'matrix', m: 16, n: 16, k: 16, fragRows: 2, fragCols: 2, subgroupRows: 2, subgroupCols: 2, tileK: 32, subgroupSize: 32 };
    const register: LinearVariant = { kind: 'register', rows: 8, cols: 4, lanesOverRows: true, workgroup: 64 };
    // a register variant (workgroup 32) whose harness reads the bias from the wrong place: its result differs
    const wrong: LinearVariant = { ...register, workgroup: 32 };
    const candidates = [tiled(WIDE_TILE), matrix, wrong, register];
    const log: string[] = [];
    const store = new MemoryTuneStore();
    const tuner = new Tuner(device, { mode: 'full', adapterKey: 'test', store, log: (l) => log.push(l) });
    const op: TunableOp<LinearVariant> = {
      name: 'linear.forward', shape: 'b37 33x17', candidates, describe: describeLinear,
      async harness(v) {
        const at = v === wrong ? { ...layer, biasOffset: 0 } : layer;
        const d = linearForwardDispatch(device, await linearForwardPipeline(device, v, false), v, at, batch, { x, weights, y });
        return { record: (rec) => rec.dispatch(d), output: () => readFloat32(device, y, batch * 17), destroy: () => {} };
      },
    };
    const chosen = await tuner.choose(op);
    expect([describeLinear(tiled(WIDE_TILE)), describeLinear(register)]).toContain(describeLinear(chosen));
    const timed = Object.keys([...store.entries.values()][0].microseconds);
    expect(timed.sort()).toEqual([describeLinear(tiled(WIDE_TILE)), describeLinear(register)].sort());
    expect(log.some((l) => l.includes(`${describeLinear(matrix)} rejected`) && l.includes('lacks'))).toBe(true);
    expect(log.some((l) => l.includes(`${describeLinear(wrong)} rejected: its result differs`))).toBe(true);
    expect(tuner.choices['linear.forward b37 33x17']).toBe(describeLinear(chosen));

    // A choice is reused under the same shaders' version and timed again under another (new kernels, new variants).
    const again = (codeVersion: string) => {
      const lines: string[] = [];
      return { lines, tuner: new Tuner(device, { mode: 'full', adapterKey: 'test', store, log: (l) => lines.push(l), codeVersion }) };
    };
    const v1 = again('v1'), v1Again = again('v1'), v2 = again('v2');
    await v1.tuner.choose(op);
    await v1Again.tuner.choose(op);
    await v2.tuner.choose(op);
    expect([v1, v1Again, v2].map((t) => t.lines.some((l) => l.includes('timing')))).toEqual([true, false, true]);
    // tunerOf keys its store by a 16-digit hash of every shader's path and text.
    expect(codeVersion(allShaderSources())).toMatch(/^[0-9a-f]{16}$/);
    expect(allShaderSources().filter((_, i) => i % 2 === 0)).toContain('lib/lane_mlp.wgsl');
    for (const b of [weights, x, y]) b.destroy();
  });

  it('keys a CPU adapter\'s choices by its thread count (LP_NUM_THREADS as gpuEntry left it)', async () => {
    const gpu = await testGpu();
    const key = tunerOf(gpu, 'quick').options.adapterKey;
    expect(gpu.info.isSoftware).toBe(true);  // lavapipe here; a hardware adapter's key is its description alone
    expect(cpuAdapterThreads()).toBe(Number(process.env.LP_NUM_THREADS));
    expect(key).toBe(`${describeAdapter(gpu.info)} / ${process.env.LP_NUM_THREADS} threads`);
  });
});

describe('MLP plan tuning', { timeout: 400_000 }, () => {
  it('a quick tuning of a small network gives a plan whose forward and backward match the float64 reference', async () => {
    const { device } = await testGpu();
    const sizes = [7, 20, 3];
    const batch = 33;
    const log: string[] = [];
    const tuner = new Tuner(device, { mode: 'quick', adapterKey: 'test', store: new MemoryTuneStore(), log: (l) => log.push(l) });
    const plan = await tuneMlpPlan(tuner, sizes, batch, batch, true);
    // every op was timed: each layer's three matmuls, both chains (with the head candidate) and the split
    expect(Object.keys(tuner.choices).filter((k) => k.startsWith('linear.')).length).toBe(6);
    expect(tuner.choices[`mlp.forward b${batch} ${sizes.join('-')}`]).toBe(describeChain(plan.forward));
    expect(log.some((l) => l.startsWith(`tune: mlp.forward b${batch}`) && l.includes('timing 3 variants'))).toBe(true);
    const params = Float64Array.from(randomArray(mlpLayout(sizes).parameterCount, 51, 0.5), Math.fround);
    const x = randomArray(batch * 7, 52, 2);
    const dOutput = randomArray(batch * 3, 53);
    const mlp = await GpuMlp.create(device, sizes, [batch], { plans: [plan] });
    mlp.writeParams(params);
    const input = createStorageFrom(device, Float32Array.from(x), 'x');
    const dOut = createStorageFrom(device, Float32Array.from(dOutput), 'dOutput');
    submitPass(device, (rec) => { mlp.encodeForward(rec, input, batch); mlp.encodeBackward(rec, input, dOut, batch); });
    const ref = mlpForward(params, sizes, x, batch);
    const refBackward = mlpBackward(params, sizes, ref.cache, dOutput, batch);
    const close = (r: Float64Array) => ({ atol: 5e-5 * Math.max(...Array.from(r, Math.abs)), rtol: 1e-4 });
    expectClose(await readFloat32(device, mlp.output, batch * 3), ref.output, close(ref.output), 'output');
    expectClose(await mlp.readGrads(), refBackward.dParams, close(refBackward.dParams), 'grads');
    mlp.destroy();
  });
});
