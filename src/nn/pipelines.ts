// Compute pipelines with explicit bind group layouts (needed for dynamic offsets, and so that a binding an override
// switches off is still part of the layout), plus a per-buffer id for caching bind groups.
import '../gpu/globals.js';
import { compileShader } from '../gpu/shaders.js';
import { ShaderCompileError } from '../errors.js';

/** How one binding (0, 1, 2, ... in order) is used: a uniform (optionally with a dynamic offset) or a storage buffer. */
export type BindingKind = 'uniform' | 'dynamic-uniform' | 'read' | 'read-write';

export interface ExplicitPipeline {
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
}

export async function createExplicitPipeline(
  device: GPUDevice, shader: string, bindings: BindingKind[], constants: Record<string, number | boolean> = {},
): Promise<ExplicitPipeline> {
  const module = await compileShader(device, shader);
  device.pushErrorScope('validation');
  const layout = device.createBindGroupLayout({
    label: shader,
    entries: bindings.map((kind, binding) => ({
      binding,
      visibility: GPUShaderStage.COMPUTE,
      buffer: kind === 'uniform' ? { type: 'uniform' as const }
        : kind === 'dynamic-uniform' ? { type: 'uniform' as const, hasDynamicOffset: true }
        : kind === 'read' ? { type: 'read-only-storage' as const } : { type: 'storage' as const },
    })),
  });
  const numericConstants: Record<string, number> = {};
  for (const [k, v] of Object.entries(constants)) numericConstants[k] = typeof v === 'boolean' ? (v ? 1 : 0) : v;
  const pipeline = device.createComputePipeline({
    label: `${shader} ${JSON.stringify(constants)}`,
    layout: device.createPipelineLayout({ bindGroupLayouts: [layout] }),
    compute: { module, entryPoint: 'main', constants: numericConstants },
  });
  const error = await device.popErrorScope();
  if (error) throw new ShaderCompileError(`shaders/${shader}: pipeline ${JSON.stringify(constants)} invalid: ${error.message.split('\n')[0]}`);
  return { pipeline, layout };
}

export function bindGroup(device: GPUDevice, layout: GPUBindGroupLayout, buffers: (GPUBuffer | { buffer: GPUBuffer; size: number })[], label?: string): GPUBindGroup {
  return device.createBindGroup({
    label,
    layout,
    entries: buffers.map((b, binding) => ({ binding, resource: 'buffer' in b ? { buffer: b.buffer, size: b.size } : { buffer: b } })),
  });
}

const ids = new WeakMap<GPUBuffer, number>();
let nextId = 1;
/** A stable number per buffer object, for cache keys. */
export function bufferId(buffer: GPUBuffer): number {
  let id = ids.get(buffer);
  if (id === undefined) { id = nextId++; ids.set(buffer, id); }
  return id;
}
