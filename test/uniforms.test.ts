// Uniform structs declared as data (src/gpu/uniforms.ts): WGSL's layout rules on the CPU, and every declared struct read
// back field by field by a WGSL kernel that binds exactly its size, so the packer and the WGSL struct cannot disagree.
import { describe, expect, it } from 'vitest';
import { createStorage, createUniform, readUint32 } from '../src/gpu/buffers.js';
import { uniformStruct, type FieldType, type Fields, type UniformStruct } from '../src/gpu/uniforms.js';
import { ENV_ROLLOUT_PARAMS, ENV_SAMPLE_PARAMS, ROW_COUNT_PARAMS } from '../src/env/gpu.js';
import { SCENARIO_STRUCT } from '../src/env/layout.js';
import { ADAM_FUSED, ADAM_HYPER } from '../src/nn/adam.js';
import {
  LINEAR_BACKWARD_INPUT_PARAMS, LINEAR_BACKWARD_WEIGHT_PARAMS, LINEAR_BACKWARD_WEIGHT_SUM_PARAMS, LINEAR_FORWARD_PARAMS,
} from '../src/nn/linear.js';
import { MLP_BACKWARD_INPUT_FUSED_PARAMS, MLP_FORWARD_FUSED_PARAMS, MLP_LAYER } from '../src/nn/mlpFused.js';
import { MSE_LOSS_PARAMS } from '../src/nn/mseLoss.js';
import { SOFT_UPDATE_PARAMS } from '../src/nn/softUpdate.js';
import { OBSERVATION_NORM_STRUCT, STEP_STRUCT } from '../src/train/layout.js';
import { testGpu } from './helpers/gpu.js';

type AnyStruct = UniformStruct<Fields>;

/** A struct nesting another (4-aligned) struct, a vec3 and an array: the rules' corner cases. */
const INNER = uniformStruct('Inner', { a: 'u32', b: 'f32' });
const NESTED = uniformStruct('Nested', { first: 'f32', inner: INNER, after: 'u32', v3: 'vec3<f32>', tail: 'i32', list: { element: 'vec4<u32>', length: 2 } });

/** Every uniform struct the kernels declare, with the structs it nests (declared before it in the shader). */
const DECLARED: [string, AnyStruct[]][] = [
  ['Scenario', [SCENARIO_STRUCT]], ['Step', [STEP_STRUCT]], ['LaraObservationNorm', [OBSERVATION_NORM_STRUCT]],
  ['linear forward', [LINEAR_FORWARD_PARAMS]], ['linear backward input', [LINEAR_BACKWARD_INPUT_PARAMS]],
  ['linear backward weight', [LINEAR_BACKWARD_WEIGHT_PARAMS]], ['split-K sum', [LINEAR_BACKWARD_WEIGHT_SUM_PARAMS]],
  ['fused forward', [MLP_LAYER, MLP_FORWARD_FUSED_PARAMS]], ['fused backward', [MLP_LAYER, MLP_BACKWARD_INPUT_FUSED_PARAMS]],
  ['Adam hyper', [ADAM_HYPER]], ['Adam fused', [ADAM_FUSED]], ['MSE', [MSE_LOSS_PARAMS]], ['soft update', [SOFT_UPDATE_PARAMS]],
  ['env sample', [ENV_SAMPLE_PARAMS]], ['row count', [ROW_COUNT_PARAMS]], ['rollout', [ENV_ROLLOUT_PARAMS]], ['nested', [INNER, NESTED]],
] as [string, AnyStruct[]][];

interface Leaf { path: string; scalar: 'u32' | 'i32' | 'f32'; offset: number }

/** Every scalar of a field, with its WGSL access path and byte offset. */
function leaves(type: FieldType, path: string, offset: number, out: Leaf[]): void {
  if (type === 'u32' || type === 'i32' || type === 'f32') { out.push({ path, scalar: type, offset }); return; }
  if (typeof type === 'string') {
    const n = Number(type[3]);
    for (let i = 0; i < n; i++) out.push({ path: `${path}[${i}]`, scalar: type.slice(5, -1) as Leaf['scalar'], offset: offset + 4 * i });
    return;
  }
  if ('members' in type) { for (const m of type.members) leaves(m.type, `${path}.${m.wgsl}`, offset + m.offset, out); return; }
  const probe: Leaf[] = [];
  leaves(type.element, '', 0, probe);
  const stride = typeof type.element === 'string' ? 16 : Math.ceil(type.element.size / 16) * 16;
  for (let i = 0; i < type.length; i++) leaves(type.element, `${path}[${i}]`, offset + i * stride, out);
}

/** Values for every field: leaf k holds k + 1 (as an integer, or k + 1.5 for an f32). */
function valuesOf(s: AnyStruct, counter: { k: number }): Record<string, unknown> {
  const value = (t: FieldType): unknown => {
    if (t === 'f32') return ++counter.k + 0.5;
    if (t === 'u32' || t === 'i32') return ++counter.k;
    if (typeof t === 'string') return Array.from({ length: Number(t[3]) }, () => value(t.slice(5, -1) as FieldType));
    if ('members' in t) return valuesOf(t, counter);
    return Array.from({ length: t.length }, () => value(t.element));
  };
  return Object.fromEntries(s.members.map((m) => [m.name, value(m.type)]));
}

describe('uniform structs', () => {
  it('follow WGSL layout rules', () => {
    expect(STEP_STRUCT.size).toBe(84);  // 21 scalars of 4 bytes
    expect(SCENARIO_STRUCT.size).toBe(104);
    expect(OBSERVATION_NORM_STRUCT.offsets.channelScale).toBe(48);
    expect(OBSERVATION_NORM_STRUCT.size).toBe(64);
    expect(MLP_FORWARD_FUSED_PARAMS.offsets.layer).toBe(16);
    expect(ADAM_HYPER.size).toBe(36);
    // A 4-aligned struct member is placed (and sized) at 16 in the uniform address space; vec3 aligns to 16.
    expect(NESTED.offsets).toEqual({ first: 0, inner: 16, after: 32, v3: 48, tail: 60, list: 64 });
    expect(NESTED.size).toBe(96);
    expect(NESTED.wgsl).toBe('struct Nested { first: f32, @align(16) @size(16) inner: Inner, after: u32, v3: vec3<f32>, tail: i32, list: array<vec4<u32>, 2> }');
    expect(STEP_STRUCT.defineName).toBe('STEP_STRUCT');
    expect(OBSERVATION_NORM_STRUCT.defineName).toBe('LARA_OBSERVATION_NORM_STRUCT');
  });

  it('refuse values their fields cannot hold', () => {
    expect(() => ROW_COUNT_PARAMS.pack({ count: -1 })).toThrow(/Params.count must be an integer that fits u32, got -1/);
    expect(() => ROW_COUNT_PARAMS.pack({ count: 2 ** 32 })).toThrow(RangeError);
    expect(() => SOFT_UPDATE_PARAMS.pack({ count: 1.5, tau: 0.1 })).toThrow(RangeError);
    expect(() => ROW_COUNT_PARAMS.pack({} as never)).toThrow(/no value for count/);
    const f = new Float32Array(SOFT_UPDATE_PARAMS.pack({ count: 3, tau: 0.1 }));
    expect([new Uint32Array(f.buffer)[0], f[1]]).toEqual([3, Math.fround(0.1)]);
  });

  it('are read by WGSL at the offsets the packer writes, from a binding of exactly their size', async () => {
    const { device } = await testGpu();
    for (const [what, structs] of DECLARED) {
      const s = structs[structs.length - 1];
      const leafList: Leaf[] = [];
      for (const m of s.members) leaves(m.type, `u.${m.wgsl}`, m.offset, leafList);
      const code = [
        ...structs.map((x) => x.wgsl),
        `@group(0) @binding(0) var<uniform> u: ${s.name};`,
        '@group(0) @binding(1) var<storage, read_write> out: array<u32>;',
        '@compute @workgroup_size(1) fn main() {',
        ...leafList.map((l, k) => `  out[${k}] = bitcast<u32>(${l.path});`),
        '}',
      ].join('\n');
      const packed = s.pack(valuesOf(s, { k: 0 }) as never);
      const words = new Uint32Array(packed);
      const expected = leafList.map((l) => words[l.offset / 4]);
      // The packer put leaf k's value at the leaf's offset.
      leafList.forEach((l, k) => {
        const view = new DataView(packed);
        const got = l.scalar === 'f32' ? view.getFloat32(l.offset, true) : view.getUint32(l.offset, true);
        expect(got, `${what} ${l.path}`).toBe(l.scalar === 'f32' ? k + 1.5 : k + 1);
      });
      device.pushErrorScope('validation');
      const module = device.createShaderModule({ code });
      const uniform = createUniform(device, packed, 'uniform');
      const out = createStorage(device, leafList.length * 4, 'out');
      const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
      const group = device.createBindGroup({
        layout: pipeline.getBindGroupLayout(0),
        entries: [{ binding: 0, resource: { buffer: uniform, size: Math.ceil(s.size / 4) * 4 } }, { binding: 1, resource: { buffer: out } }],
      });
      const encoder = device.createCommandEncoder();
      const pass = encoder.beginComputePass();
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, group);
      pass.dispatchWorkgroups(1);
      pass.end();
      device.queue.submit([encoder.finish()]);
      const error = await device.popErrorScope();
      expect(error?.message, what).toBeUndefined();
      expect(Array.from(await readUint32(device, out, leafList.length)), what).toEqual(expected);
      uniform.destroy(); out.destroy();
    }
  });
});
