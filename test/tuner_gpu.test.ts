// The tuner on the GPU: it times the candidates that build and agree with the default, and drops the others (a
// pipeline this adapter cannot build, a result off the default's by more than the candidate's tolerance).
import { describe, expect, it } from 'vitest';
import { createStorage, createStorageFrom, readFloat32 } from '../src/gpu/buffers.js';
import { MemoryTuneStore, Tuner, type TunableOp } from '../src/gpu/tuner.js';
import { describeLinear, linearForwardDispatch, linearForwardPipeline, tiled, WIDE_TILE, type LinearVariant } from '../src/nn/linear.js';
import { matrixConfigs } from '../src/nn/linearCandidates.js';
import { testGpu } from './helpers/gpu.js';
import { randomArray } from './nnData.js';

describe('tuner', { timeout: 400_000 }, () => {
  it('keeps a working candidate and rejects one whose pipeline fails to build and one whose result differs', async () => {
    const { device } = await testGpu();
    const layer = { inputs: 33, outputs: 17, weightOffset: 0, biasOffset: 33 * 17 };
    const batch = 37;
    const weights = createStorageFrom(device, Float32Array.from(randomArray(layer.biasOffset + 17, 41, 0.3)), 'weights');
    const x = createStorageFrom(device, Float32Array.from(randomArray(batch * 33, 42)), 'x');
    const y = createStorage(device, batch * 17 * 4, 'y');
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
    for (const b of [weights, x, y]) b.destroy();
  });
});
