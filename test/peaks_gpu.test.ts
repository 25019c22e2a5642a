// This adapter's peaks as the bench measures them: the re-read kernel reads the whole buffer in every workgroup (its
// partials sum to workgroups x the buffer's sum), and its bandwidth is a measured, positive figure.
import { describe, expect, it } from 'vitest';
import { createStorage, createStorageFrom, readFloat32 } from '../src/gpu/buffers.js';
import { submitPass } from '../src/gpu/kernel.js';
import { measureReread, REREAD_BYTES, rereadDispatch } from '../src/nn/peaks.js';
import { testGpu } from './helpers/gpu.js';

describe('re-read peak', () => {
  it('every workgroup reads all of the buffer', async () => {
    const { device } = await testGpu();
    const floats = REREAD_BYTES / 4;
    // Small integers: every float32 sum below is exact.
    const values = Float32Array.from({ length: floats }, (_, i) => (i % 7) - 3 + (i === 5 ? 1000 : 0));
    const source = createStorageFrom(device, values, 'test.rereadSource');
    const workgroups = 3;
    const partials = createStorage(device, workgroups * 256 * 16, 'test.rereadPartials');
    const d = await rereadDispatch(device, workgroups, source, partials);
    submitPass(device, (rec) => rec.dispatch(d));
    const out = await readFloat32(device, partials, workgroups * 256 * 4);
    const perWorkgroup = (w: number) => out.subarray(w * 1024, (w + 1) * 1024).reduce((a, b) => a + b, 0);
    const total = values.reduce((a, b) => a + b, 0);
    for (let w = 0; w < workgroups; w++) expect(perWorkgroup(w)).toBe(total);
    expect(d.cost).toEqual({ flops: 0, bytes: workgroups * REREAD_BYTES });
    for (const b of [source, partials]) b.destroy();
  });

  it('measures a positive bandwidth', async () => {
    const { device } = await testGpu();
    const { gbps, workgroups } = await measureReread(device);
    expect(gbps).toBeGreaterThan(0);
    expect(workgroups).toBeGreaterThanOrEqual(64);
  });
});
