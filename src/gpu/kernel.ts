// The one way to write a kernel: declared once (WGSL file, named bindings, uniform structs, sizes, variant switches),
// its pipeline built once per everything that changes it and cached, its dispatches built here and recorded through a
// Recorder (record.ts).
import './globals.js';
import { GpuError, ShaderCompileError } from '../errors.js';
import { isOwnedUniform } from './record.js';
import { compileShader, type ShaderDefines } from './shaders.js';
import { structDefines, type Fields, type UniformStruct } from './uniforms.js';

/** How a binding is used: a uniform (optionally read at a dynamic offset) or a storage buffer. */
export type BindingKind = 'uniform' | 'dynamic-uniform' | 'read' | 'read-write';

/** Bindings by name; the order of the keys is the binding index (0, 1, 2, ...). */
export type Bindings = Record<string, BindingKind>;

/** A buffer, or a range of one, bound to a binding. */
export type Binding = GPUBuffer | { buffer: GPUBuffer; offset?: number; size: number };

/** Compile-time choices of a kernel: overrides (sizes, switches) and preprocessor defines (code variants). */
export interface Variant {
  /** WGSL `override` values; every size a shader uses comes from here (the WGSL gives no default). */
  constants?: Record<string, number | boolean>;
  /** wgsl-preprocessor values for `#if ${NAME}` blocks and `${NAME}` substitutions. */
  defines?: ShaderDefines;
}

/** Work one dispatch does, for the profile's achieved GFLOP/s and GB/s. */
export interface Cost {
  flops: number;
  /** Bytes read plus bytes written (each once). */
  bytes: number;
  /**
   * Of `bytes`, those read again in the same dispatch after a first read (the fused kernels' workgroups each streaming
   * a network's weights): a cache serves them, at the re-read bandwidth where it is known (Peaks.rereadGbps).
   */
  rereadBytes?: number;
}

export interface KernelSpec<B extends Bindings, V> {
  /** Name in labels and profile tables; defaults to the shader's file name. */
  name?: string;
  /** File under shaders/. */
  shader: string;
  bindings: B;
  /** Defines every variant takes (layouts shared with TypeScript: src/env/layout.ts ENV_DEFINES, ...). */
  defines?: ShaderDefines;
  /** The kernel's own uniform structs (src/gpu/uniforms.ts), declared in the shader as `${PARAMS_STRUCT}` .... */
  uniforms?: readonly UniformStruct<Fields>[];
  /** Overrides and defines of a variant. */
  variant: (v: V) => Variant;
  /**
   * Workgroup size of a variant (x, y, z), for grids. Left out, it is read from the variant's constants (the values the
   * shader's @workgroup_size takes): WORKGROUP_SIZE, THREADS, or (THREADS_X, THREADS_Y).
   */
  workgroup?: (v: V) => readonly [number, number?, number?];
  /** Device features a variant needs (e.g. 'shader-f16', 'subgroups'); a variant whose features are missing is refused. */
  features?: (v: V) => readonly string[];
  /** The op label its dispatches take unless one is given (profile rows: kernel name and op). */
  op?: string;
  /** Work per item of a variant (one invocation's share), for itemsDispatch's cost: n items cost n times this. */
  itemCost?: (v: V) => Cost;
}

/** A compiled variant of a kernel: what a dispatch needs. `B` types the bindings bind() takes. */
export interface Pipeline<B extends Bindings = Bindings> {
  /** The kernel's name (profile rows). */
  readonly kernel: string;
  /** Binding names in binding order. */
  readonly bindingNames: readonly (keyof B & string)[];
  /** Cache key: shader, bindings, constants, defines (with the uniform structs), features. */
  readonly key: string;
  readonly pipeline: GPUComputePipeline;
  readonly layout: GPUBindGroupLayout;
  readonly workgroup: readonly [number, number, number];
  /** The kernel's op label and the variant's work per item (KernelSpec.op, itemCost). */
  readonly op?: string;
  readonly itemCost?: Cost;
}

/** A recorded dispatch: pipeline, bound buffers, grid; `cost` feeds the profile. */
export interface Dispatch {
  readonly pipeline: Pipeline;
  readonly group: GPUBindGroup;
  readonly grid: readonly [number, number, number];
  readonly cost?: Cost;
  /** Label of the op this dispatch belongs to (profile rows group by kernel name and this). */
  readonly op?: string;
  /** Buffers made for this dispatch alone (ownedUniform): releaseDispatches destroys them. */
  readonly owned?: readonly GPUBuffer[];
}

export { encodeInto, ownedUniform, PassRecorder, releaseDispatches, submitPass, type EncoderRecorder, type Recorder } from './record.js';

function bufferLayout(kind: BindingKind): GPUBufferBindingLayout {
  switch (kind) {
    case 'uniform': return { type: 'uniform' };
    case 'dynamic-uniform': return { type: 'uniform', hasDynamicOffset: true };
    case 'read': return { type: 'read-only-storage' };
    case 'read-write': return { type: 'storage' };
  }
}

const pipelineCache = new WeakMap<GPUDevice, Map<string, Promise<Pipeline>>>();
const canonical = (o: Record<string, unknown> | undefined) => JSON.stringify(Object.entries(o ?? {}).sort(([a], [b]) => (a < b ? -1 : 1)));

export class Kernel<B extends Bindings, V> {
  readonly name: string;
  constructor(readonly spec: KernelSpec<B, V>) {
    this.name = spec.name ?? spec.shader.replace(/\.wgsl$/, '');
  }

  /** Binding names in binding order. */
  get bindingNames(): (keyof B & string)[] { return Object.keys(this.spec.bindings); }

  /** The features a variant needs that `device` lacks (empty: the variant can run here). */
  missingFeatures(device: GPUDevice, v: V): string[] {
    return (this.spec.features?.(v) ?? []).filter((f) => !device.features.has(f));
  }

  /** Every define of a variant: the uniform structs', the kernel's, the variant's. */
  private definesOf(variant: Variant): ShaderDefines {
    return { ...structDefines(this.spec.uniforms ?? []), ...this.spec.defines, ...variant.defines };
  }

  /** The variant's pipeline on `device`, built on first use and cached per everything that changes the pipeline. */
  pipeline(device: GPUDevice, v: V): Promise<Pipeline<B>> {
    const variant = this.spec.variant(v);
    const constants = variant.constants ?? {};
    const defines = this.definesOf(variant);
    const features = this.spec.features?.(v) ?? [];
    const key = `${this.spec.shader} ${canonical(this.spec.bindings)} ${canonical(constants)} ${canonical(defines)} ${features.join(',')}`;
    let cache = pipelineCache.get(device);
    if (!cache) { cache = new Map(); pipelineCache.set(device, cache); }
    let promise = cache.get(key);
    if (!promise) {
      const missing = this.missingFeatures(device, v);
      if (missing.length > 0) return Promise.reject(new GpuError(`${this.name}: this GPU lacks ${missing.join(', ')}`));
      promise = this.build(device, key, v, constants, defines);
      promise.catch(() => cache!.delete(key));
      cache.set(key, promise);
    }
    return promise as unknown as Promise<Pipeline<B>>;
  }

  /** The workgroup size of a variant: declared, or read from the constants @workgroup_size takes. */
  workgroupOf(v: V): [number, number, number] {
    if (this.spec.workgroup) {
      const [x, y = 1, z = 1] = this.spec.workgroup(v);
      return [x, y, z];
    }
    const c = this.spec.variant(v).constants ?? {};
    const size = c.WORKGROUP_SIZE ?? c.THREADS;
    if (typeof size === 'number') return [size, 1, 1];
    if (typeof c.THREADS_X === 'number') return [c.THREADS_X, typeof c.THREADS_Y === 'number' ? c.THREADS_Y : 1, 1];
    throw new RangeError(`${this.name}: no workgroup size among its constants (WORKGROUP_SIZE, THREADS, THREADS_X)`);
  }

  private async build(device: GPUDevice, key: string, v: V, constants: Record<string, number | boolean>, defines: ShaderDefines): Promise<Pipeline> {
    const module = await compileShader(device, this.spec.shader, defines, this.spec.features?.(v) ?? []);
    device.pushErrorScope('validation');
    const layout = device.createBindGroupLayout({
      label: this.name,
      entries: Object.values(this.spec.bindings).map((kind, binding) => ({ binding, visibility: GPUShaderStage.COMPUTE, buffer: bufferLayout(kind) })),
    });
    const numeric: Record<string, number> = {};
    for (const [k, value] of Object.entries(constants)) numeric[k] = typeof value === 'boolean' ? Number(value) : value;
    const pipeline = await device.createComputePipelineAsync({
      label: `${this.name} ${canonical(constants)}`,
      layout: device.createPipelineLayout({ bindGroupLayouts: [layout] }),
      compute: { module, entryPoint: 'main', constants: numeric },
    }).catch((error: Error) => error);
    const error = await device.popErrorScope();
    if (pipeline instanceof Error || error) {
      const message = (pipeline instanceof Error ? pipeline.message : error!.message).split('\n')[0];
      throw new ShaderCompileError(`shaders/${this.spec.shader}: pipeline ${canonical(constants)} invalid: ${message}`);
    }
    return {
      kernel: this.name, bindingNames: this.bindingNames, key, pipeline, layout, workgroup: this.workgroupOf(v), op: this.spec.op,
      itemCost: this.spec.itemCost?.(v),
    };
  }
}

/** The pipeline type of a declared kernel. */
export type PipelineOf<K> = K extends Kernel<infer B, infer _V> ? Pipeline<B> : never;

/** Declares a kernel: `defineKernel({ shader, bindings, variant, workgroup })`. */
export function defineKernel<B extends Bindings, V = void>(spec: KernelSpec<B, V>): Kernel<B, V> {
  return new Kernel(spec);
}

/** Binds buffers by name (every binding of the kernel, none other); checks each buffer against its binding kind. */
export function bind<B extends Bindings>(device: GPUDevice, p: Pipeline<B>, buffers: { [K in keyof B]: Binding }, label?: string): GPUBindGroup {
  const names = p.bindingNames as string[];
  const given = Object.keys(buffers);
  const extra = given.filter((n) => !names.includes(n));
  const absent = names.filter((n) => !(n in buffers));
  if (extra.length || absent.length) {
    throw new RangeError(`${p.kernel}: bindings ${absent.length ? `missing ${absent.join(', ')}` : ''}${extra.length ? ` unknown ${extra.join(', ')}` : ''}`);
  }
  return device.createBindGroup({
    label: label ?? p.kernel,
    layout: p.layout,
    entries: names.map((name, binding): GPUBindGroupEntry => {
      const b: Binding = buffers[name as keyof B];
      return { binding, resource: 'buffer' in b ? { buffer: b.buffer, offset: b.offset ?? 0, size: b.size } : { buffer: b as GPUBuffer } };
    }),
  });
}

/** A dispatch of `p` over `grid` workgroups with `buffers` bound (see bind). */
export function dispatchOf<B extends Bindings>(device: GPUDevice, p: Pipeline<B>, buffers: { [K in keyof B]: Binding },
                                               grid: readonly [number, number?, number?], extra: { cost?: Cost; op?: string; label?: string } = {}): Dispatch {
  const owned = Object.values<Binding>(buffers).map((b) => ('buffer' in b ? b.buffer : b)).filter(isOwnedUniform);
  return {
    pipeline: p as unknown as Pipeline, group: bind(device, p, buffers, extra.label), grid: checkedGrid(device, p.kernel, grid), cost: extra.cost,
    op: extra.op ?? p.op,
    ...(owned.length > 0 ? { owned } : {}),
  };
}

function checkedGrid(device: GPUDevice, kernel: string, grid: readonly [number, number?, number?]): [number, number, number] {
  const [x, y = 1, z = 1] = grid;
  const max = device.limits.maxComputeWorkgroupsPerDimension;
  if (x > max || y > max || z > max) throw new GpuError(`${kernel}: a grid of ${x} x ${y} x ${z} workgroups exceeds this GPU's ${max} per dimension`);
  return [x, y, z];
}

/** The same dispatch (pipeline, bound buffers) over another grid, checked like dispatchOf's; its cost scales with it. */
export function withGrid(device: GPUDevice, d: Dispatch, grid: readonly [number, number?, number?]): Dispatch {
  const g = checkedGrid(device, d.pipeline.kernel, grid);
  const scale = (g[0] * g[1] * g[2]) / (d.grid[0] * d.grid[1] * d.grid[2]);
  return { ...d, grid: g, cost: d.cost && { flops: d.cost.flops * scale, bytes: d.cost.bytes * scale } };
}

/**
 * A dispatch of one invocation per item over `items` (linearGrid), costing `items` times the kernel's itemCost.
 */
export function itemsDispatch<B extends Bindings>(device: GPUDevice, p: Pipeline<B>, buffers: { [K in keyof B]: Binding }, items: number): Dispatch {
  const cost = p.itemCost && { flops: p.itemCost.flops * items, bytes: p.itemCost.bytes * items };
  return dispatchOf(device, p, buffers, linearGrid(device, items, p.workgroup[0]), { cost });
}

/**
 * The grid for `items` invocations of `workgroupSize` each, split into (x, y) within maxComputeWorkgroupsPerDimension
 * (or a smaller `max`, to test the 2D path).
 * Kernels recover the linear workgroup index as `wid.x + wid.y * nwg.x` and skip indices past the end.
 */
export function linearGrid(device: GPUDevice, items: number, workgroupSize: number,
                           max = device.limits.maxComputeWorkgroupsPerDimension): [number, number, number] {
  const groups = Math.max(1, Math.ceil(items / workgroupSize));
  if (groups <= max) return [groups, 1, 1];
  const y = Math.ceil(groups / max);
  if (y > max) throw new GpuError(`a dispatch of ${groups} workgroups exceeds this GPU's grid of ${max} x ${max}`);
  return [Math.ceil(groups / y), y, 1];
}
