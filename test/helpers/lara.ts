// Running one lara_*.wgsl kernel alone: a Step ring of several entries, deterministic inputs, one dispatch read back.
import { createStorageFrom, readBuffer, readFloat32 } from '../../src/gpu/buffers.js';
import { dispatchOf, linearGrid, submitPass, type Binding, type Bindings, type Pipeline } from '../../src/gpu/kernel.js';
import { TREE_REDUCE, type ReduceVariant } from '../../src/gpu/reduce.js';
import { normalPair, philox4x32, uniformFromU32 } from '../../src/rng/philox.js';
import { Stream } from '../../src/rng/streams.js';
import { expectClose } from './expectClose.js';
import { STEP_STRIDE, stepBinding, stepOffset, writeStep, type Step } from '../../src/train/laraKernels.js';

/** Both workgroup reductions (shaders/lib/workgroup_reduce.wgsl): the tree, and subgroupAdd where the device has it. */
export const REDUCTIONS: [string, ReduceVariant][] = [['tree', TREE_REDUCE], ['subgroups', { subgroups: true }]];

/** A Step with every field set; `fields` override. */
export function step(fields: Partial<Step> = {}): Step {
  return {
    iteration: 0, update: 0, filled: 1, writeRow: 0, sigma: 0, useActor: false, chunkIteration: 0, chunkUpdate: 0, seed: 1,
    envs: 1, batch: 1, capacity: 1, gamma: 0, shareFloor: 0, rewardKind: 'log', actPartials: 1, lossPartials: 1, updates: 1, channelPrior: 0, sharePrior: 0, associationMoves: 0,
    ...fields,
  };
}

/** The Step of iteration t of a run, as GpuTrainer writes it. */
export { runStep } from '../../src/train/laraKernels.js';

/** A uniform buffer holding `steps` as ring entries 0, 1, ...; returns the buffer and its binding. */
export function stepRing(device: GPUDevice, steps: Step[]) {
  const data = new ArrayBuffer(steps.length * STEP_STRIDE);
  steps.forEach((s, i) => writeStep(data, i * STEP_STRIDE, s));
  const ring = device.createBuffer({ label: 'test.steps', size: data.byteLength, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(ring, 0, data);
  return { ring, binding: stepBinding(ring) };
}

/**
 * Dispatches `p` with `buffers` bound, reading Step ring entry `entry`, over one invocation per item (the trainer's
 * grid) or over `grid` workgroups (the metrics kernel: one per iteration).
 */
export function dispatchStep<B extends Bindings>(device: GPUDevice, p: Pipeline<B>, buffers: { [K in keyof B]: Binding }, entry: number,
                                                 size: { items: number } | { grid: [number, number, number] }): void {
  const grid = 'grid' in size ? size.grid : linearGrid(device, size.items, p.workgroup[0]);
  const d = dispatchOf(device, p, buffers, grid);
  submitPass(device, (rec) => rec.dispatch(d, stepOffset(entry)));
}

/** Reads `count` floats of `buffer` as float64. */
export async function read64(device: GPUDevice, buffer: GPUBuffer, count: number): Promise<Float64Array> {
  return Float64Array.from(await readFloat32(device, buffer, count));
}

/** The value of an IEEE binary16 `bits`. */
export function halfValue(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f, fraction = bits & 0x3ff;
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return exponent === 0 ? sign * fraction * 2 ** -24 : sign * (1024 + fraction) * 2 ** (exponent - 25);
}

/** The binary16 bits nearest `x` (ties to even; past the largest finite value, infinity). */
export function halfBits(x: number): number {
  if (Number.isNaN(x)) return 0x7e00;
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  const even = (q: number) => { const f = Math.floor(q), r = q - f; return r > 0.5 || (r === 0.5 && f % 2 === 1) ? f + 1 : f; };
  if (a < 2 ** -14) return sign | even(a * 2 ** 24);  // subnormal (1024 units: the smallest normal's bits)
  let e = Math.floor(Math.log2(a));
  if (a / 2 ** e >= 2) e++;
  if (a / 2 ** e < 1) e--;
  let fraction = even((a / 2 ** e - 1) * 1024), exponent = e + 15;
  if (fraction === 1024) { fraction = 0; exponent++; }
  return exponent >= 31 ? sign | 0x7c00 : sign | (exponent << 10) | fraction;
}

/** The spacing of binary16 values at |x| (normal range and below). */
export const halfUlp = (x: number) => 2 ** (Math.max(-14, Math.floor(Math.log2(Math.abs(x) || 2 ** -24))) - 10);

/** Reads `count` f16 of `buffer`: their bits and values. */
export async function readHalf(device: GPUDevice, buffer: GPUBuffer, count: number): Promise<{ bits: Uint16Array; values: Float64Array }> {
  const bits = new Uint16Array(await readBuffer(device, buffer, Math.ceil(count / 2) * 4)).slice(0, count);
  return { bits, values: Float64Array.from(bits, halfValue) };
}

/** `count` deterministic standard normals times `scale` (Philox, stream randomActions, `salt`), rounded to float32. */
export function normals(count: number, scale: number, salt: number): Float64Array {
  const out = new Float64Array(count);
  for (let i = 0; i < count; i += 2) {
    const w = philox4x32(i, salt, 0, 0, 12345, Stream.randomActions);
    const [a, b] = normalPair(uniformFromU32(w[0]), uniformFromU32(w[1]));
    out[i] = Math.fround(scale * a);
    if (i + 1 < count) out[i + 1] = Math.fround(scale * b);
  }
  return out;
}

/** Sums of consecutive runs of `width` values (the partials of a workgroup reduction over `values`). */
export function groupSums(values: ArrayLike<number>, width: number): Float64Array {
  const out = new Float64Array(Math.ceil(values.length / width));
  for (let i = 0; i < values.length; i++) out[Math.floor(i / width)] += values[i];
  return out;
}

/** Marks buffer entries a kernel must not write (rows past envs or batch, another update's partials, ...). */
export const SENTINEL = -12345;

/** A storage buffer of `rows` rows of `width` holding `data` and the sentinel after it. */
export function storageWithTail(device: GPUDevice, data: ArrayLike<number>, rows: number, width: number, label: string): GPUBuffer {
  const values = new Float32Array(rows * width).fill(SENTINEL);
  values.set(data);
  return createStorageFrom(device, values, label);
}

/** Expects `values[from..to)` to still hold the sentinel. */
export function expectUntouched(values: Float64Array, from: number, what: string, to = values.length): void {
  expectClose(values.subarray(from, to), new Float64Array(to - from).fill(SENTINEL), { atol: 0, rtol: 0 }, `${what}: entries ${from}..${to - 1} untouched`);
}
