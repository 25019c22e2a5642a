// The WebGPU runtime: a kernel from shaders/ against its CPU reference, and compile errors that name the file.
import { describe, expect, it } from 'vitest';
import { createStorageFrom, readFloat32 } from '../src/gpu/buffers.js';
import { compileShader, loadShader } from '../src/gpu/shaders.js';
import { submitPass } from '../src/gpu/kernel.js';
import { softUpdateDispatch } from '../src/nn/softUpdate.js';
import { softUpdate } from '../src/nn/reference/softUpdate.js';
import { ShaderCompileError } from '../src/errors.js';
import { expectClose } from './helpers/expectClose.js';
import { testGpu } from './helpers/gpu.js';
import { dawnFlagsFrom } from '../src/gpu/runtime.js';

describe('runtime', () => {
  it('finds an adapter and reports whether it is software', async () => {
    const gpu = await testGpu();
    expect(gpu.info.vendor.length + gpu.info.description.length).toBeGreaterThan(0);
    expect(gpu.limits.maxStorageBufferBindingSize).toBeGreaterThanOrEqual(128 << 20);
  });

  it('runs soft_update.wgsl and matches the CPU reference (odd size, 2 workgroup rows)', async () => {
    const { device } = await testGpu();
    const count = 1000 * 257 + 3; // not a multiple of the workgroup size
    const source = Float32Array.from({ length: count }, (_, i) => Math.sin(i * 0.37));
    const target = Float32Array.from({ length: count }, (_, i) => Math.cos(i * 0.11));
    const sourceBuffer = createStorageFrom(device, source, 'source');
    const targetBuffer = createStorageFrom(device, target, 'target');
    const d = await softUpdateDispatch(device, sourceBuffer, targetBuffer, count, 0.005);
    submitPass(device, (rec) => { rec.dispatch(d); rec.dispatch(d); });
    const gpu = await readFloat32(device, targetBuffer, count);
    const ref = Float64Array.from(target);
    softUpdate(source, ref, 0.005); softUpdate(source, ref, 0.005);
    // float32 rounding of inputs and of two fused multiply-adds: a few ulps of values of magnitude <= 1
    expectClose(gpu, ref, { atol: 1e-6, rtol: 1e-6 }, 'soft update');
  });

  it('a broken shader throws an error naming the file and line', async () => {
    const { device } = await testGpu();
    const attempt = compileShader(device, '../test/fixtures/shaders/broken.wgsl');
    await expect(attempt).rejects.toBeInstanceOf(ShaderCompileError);
    await expect(compileShader(device, '../test/fixtures/shaders/broken.wgsl')).rejects.toThrow(/broken\.wgsl:4:/);
  });

  it('maps errors inside included files back to the included file', async () => {
    const { device } = await testGpu();
    await expect(compileShader(device, '../test/fixtures/shaders/includes_broken.wgsl')).rejects.toThrow(/broken\.wgsl:4:/);
  });

  it('Dawn flags from $MEGC_DAWN_FLAGS: separated by spaces, each may hold commas; none when unset or blank', () => {
    expect(dawnFlagsFrom('enable-dawn-features=allow_unsafe_apis,vulkan_enable_f16_on_nvidia')).toEqual(['enable-dawn-features=allow_unsafe_apis,vulkan_enable_f16_on_nvidia']);
    expect(dawnFlagsFrom('  backend=vulkan   enable-dawn-features=allow_unsafe_apis ')).toEqual(['backend=vulkan', 'enable-dawn-features=allow_unsafe_apis']);
    expect(dawnFlagsFrom(undefined)).toEqual([]);
    expect(dawnFlagsFrom('   ')).toEqual([]);
  });

  it('preprocessor variants select code and keep line numbers', () => {
    const on = loadShader('../test/fixtures/shaders/variant.wgsl', { FAST: true });
    const off = loadShader('../test/fixtures/shaders/variant.wgsl', { FAST: false });
    expect(on.code).toContain('fast_path');
    expect(off.code).not.toContain('fast_path');
    expect(off.code).toContain('slow_path');
    expect(on.code.split('\n').length).toBe(off.code.split('\n').length);
  });
});
