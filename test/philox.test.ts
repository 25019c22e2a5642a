// Philox4x32-10: Random123's known-answer vectors on the CPU, and bit-identical words from the WGSL version.
import { describe, expect, it } from 'vitest';
import { philox4x32, uniformFromU32 } from '../src/rng/philox.js';
import { createStorage, createUniform, readUint32 } from '../src/gpu/buffers.js';
import { defineKernel, dispatchOf, linearGrid, submitPass } from '../src/gpu/kernel.js';
import { uniformStruct } from '../src/gpu/uniforms.js';

/** shaders/philox_test.wgsl: Philox words of counters (i, c1, c2, c3) for i < count. */
const PHILOX_TEST_PARAMS = uniformStruct('Params', { count: 'u32', c1: 'u32', c2: 'u32', c3: 'u32', k0: 'u32', k1: 'u32' });
const philoxTestKernel = defineKernel({
  shader: 'philox_test.wgsl', uniforms: [PHILOX_TEST_PARAMS], bindings: { params: 'uniform', out: 'read-write' },
  variant: () => ({ constants: { WORKGROUP_SIZE: 64 } }),
});
import { testGpu } from './helpers/gpu.js';

const hex = (w: number[]) => w.map((x) => x.toString(16).padStart(8, '0'));

describe('philox4x32-10', () => {
  it('matches the Random123 known-answer tests', () => {
    expect(hex(philox4x32(0, 0, 0, 0, 0, 0))).toEqual(['6627e8d5', 'e169c58d', 'bc57ac4c', '9b00dbd8']);
    const f = 0xffffffff;
    expect(hex(philox4x32(f, f, f, f, f, f))).toEqual(['408f276d', '41c83b0e', 'a20bc7c6', '6d5451fd']);
    expect(hex(philox4x32(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0)))
      .toEqual(['d16cfe09', '94fdcceb', '5001e420', '24126ea1']);
  });

  it('maps words to uniforms strictly inside (0, 1)', () => {
    expect(uniformFromU32(0)).toBeGreaterThan(0);
    expect(uniformFromU32(0xffffffff)).toBeLessThan(1);
    expect(Math.fround(uniformFromU32(0xdeadbeef))).toBe(uniformFromU32(0xdeadbeef));
  });

  it('gives the same words in WGSL as in TypeScript', async () => {
    const { device } = await testGpu();
    const count = 1000;
    const [c1, c2, c3, k0, k1] = [7, 0xffffffff, 3, 0x12345678, 9];
    const p = await philoxTestKernel.pipeline(device, undefined);
    const params = createUniform(device, PHILOX_TEST_PARAMS.pack({ count, c1, c2, c3, k0, k1 }), 'params');
    const out = createStorage(device, count * 16, 'out');
    const d = dispatchOf(device, p, { params, out }, linearGrid(device, count, p.workgroup[0]));
    submitPass(device, (rec) => rec.dispatch(d));
    const gpu = await readUint32(device, out, count * 4);
    for (let i = 0; i < count; i++) {
      const ref = philox4x32(i, c1, c2, c3, k0, k1);
      for (let j = 0; j < 4; j++) if (gpu[i * 4 + j] !== ref[j]) expect.fail(`word ${j} of counter ${i}: gpu ${gpu[i * 4 + j]}, cpu ${ref[j]}`);
    }
  });
});
