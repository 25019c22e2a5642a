// The WebGPU runtime: a kernel from shaders/ against its CPU reference, and compile errors that name the file.
import { describe, expect, it } from 'vitest';
import { createStorageFrom, readFloat32 } from '../src/gpu/buffers.js';
import { compileShader, loadShader } from '../src/gpu/shaders.js';
import { submitPass } from '../src/gpu/kernel.js';
import { softUpdateDispatch, softUpdateKernel } from '../src/nn/softUpdate.js';
import { softUpdate } from '../src/nn/reference/softUpdate.js';
import { ShaderCompileError, UserError } from '../src/errors.js';
import { createGpu, describeAdapter, listAdapters, summarize } from '../src/gpu/runtime.js';
import { expectClose } from './helpers/expectClose.js';
import { testGpu } from './helpers/gpu.js';
import { dawnFlagsFrom } from '../src/gpu/runtime.js';

describe('runtime', () => {
  it('names its adapters and opens the one --adapter or MEGC_ADAPTER names (case-insensitive substring)', async () => {
    const gpu = await testGpu();
    expect(gpu.limits.maxStorageBufferBindingSize).toBeGreaterThanOrEqual(128 << 20);
    const names = (await listAdapters()).map((a) => describeAdapter(summarize(a)));
    expect(names.length).toBeGreaterThan(0);
    expect(names).toContain(describeAdapter(gpu.info));
    // Each adapter is found by a word of its own name, through the option and through the environment variable.
    for (const name of names) {
      const word = name.split(/[\s/()]+/).filter((w) => w.length > 3).sort((a, b) => b.length - a.length)[0];
      const chosen = await createGpu({ adapter: word.toUpperCase() });
      expect(describeAdapter(chosen.info).toLowerCase()).toContain(word.toLowerCase());
      chosen.destroy();
      const before = process.env.MEGC_ADAPTER;
      process.env.MEGC_ADAPTER = word;
      try {
        const fromEnv = await createGpu();
        expect(describeAdapter(fromEnv.info)).toContain(word);
        fromEnv.destroy();
      } finally {
        if (before === undefined) delete process.env.MEGC_ADAPTER; else process.env.MEGC_ADAPTER = before;
      }
    }
    await expect(createGpu({ adapter: 'no-such-adapter' })).rejects.toThrow(new UserError(`no WebGPU adapter matches --adapter "no-such-adapter"; available: ${names.join('; ')}`));
  });

  it('tells a software adapter from a hardware one by its name or its fallback flag', () => {
    const adapter = (info: Record<string, unknown>) => ({ info: { vendor: '', architecture: '', device: '', description: '', ...info } }) as unknown as GPUAdapter;
    expect(summarize(adapter({ vendor: 'mesa', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' })).isSoftware).toBe(true);
    expect(summarize(adapter({ vendor: 'google', description: 'SwiftShader Device (Subzero)' })).isSoftware).toBe(true);
    expect(summarize(adapter({ vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H200' })).isSoftware).toBe(false);
    expect(summarize(adapter({ vendor: 'x', isFallbackAdapter: true })).isSoftware).toBe(true);
    expect(describeAdapter(summarize(adapter({ vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H200' })))).toBe('nvidia / hopper / NVIDIA H200');
  });

  it('runs soft_update.wgsl and matches the CPU reference (odd size, 2 workgroup rows)', async () => {
    const { device } = await testGpu();
    const count = 1000 * 257 + 3; // not a multiple of the workgroup size
    const source = Float32Array.from({ length: count }, (_, i) => Math.sin(i * 0.37));
    const target = Float32Array.from({ length: count }, (_, i) => Math.cos(i * 0.11));
    const sourceBuffer = createStorageFrom(device, source, 'source');
    const targetBuffer = createStorageFrom(device, target, 'target');
    const d = softUpdateDispatch(device, await softUpdateKernel.pipeline(device, undefined), sourceBuffer, targetBuffer, count, 0.005);
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
