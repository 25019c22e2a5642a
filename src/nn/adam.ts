// Adam on the GPU (shaders/adam.wgsl): one dispatch over a flat parameter buffer, hyperparameters from a uniform ring;
// optionally adds up split-K gradient partials first and soft-updates a target network after, in the same dispatch;
// adam_pair.wgsl does the same for two networks in one dispatch.
import { defineKernel, ownedUniform, dispatchOf, linearGrid, type Dispatch, type Pipeline } from '../gpu/kernel.js';
import { uniformStruct } from '../gpu/uniforms.js';
import type { AdamHyper } from './adamHyper.js';

const WORKGROUP = 256;

/** `struct Hyper` of shaders/adam.wgsl: one ring entry; 1 - beta is computed in float64 before rounding to float32. */
export const ADAM_HYPER = uniformStruct('Hyper', {
  lr: 'f32', beta1: 'f32', beta2: 'f32', oneMinusBeta1: 'f32', oneMinusBeta2: 'f32', epsilon: 'f32',
  biasCorrection1: 'f32', biasCorrection2: 'f32', count: 'u32',
});
/** `struct Fused` of shaders/adam.wgsl: split-K partials to add first, and the soft update after. */
export const ADAM_FUSED = uniformStruct('Fused', { splits: 'u32', softUpdate: 'u32', tau: 'f32' });

export const adamKernel = defineKernel({
  shader: 'adam.wgsl',
  uniforms: [ADAM_HYPER, ADAM_FUSED],
  bindings: { hyper: 'dynamic-uniform', params: 'read-write', gradients: 'read', m: 'read-write', v: 'read-write', fused: 'uniform', target: 'read-write' },
  variant: () => ({ constants: { WORKGROUP_SIZE: WORKGROUP } }),
});
/** `struct PairFused` of shaders/adam_pair.wgsl: both networks' split-K partials and their soft update. */
export const ADAM_PAIR_FUSED = uniformStruct('PairFused', { splits: 'u32', tau: 'f32' });

export const adamPairKernel = defineKernel({
  shader: 'adam_pair.wgsl',
  uniforms: [ADAM_HYPER, ADAM_PAIR_FUSED],
  bindings: {
    aHyper: 'dynamic-uniform', bHyper: 'dynamic-uniform', fused: 'uniform',
    aParams: 'read-write', aGradients: 'read', aM: 'read-write', aV: 'read-write', aTarget: 'read-write',
    bParams: 'read-write', bGradients: 'read', bM: 'read-write', bV: 'read-write', bTarget: 'read-write',
  },
  variant: () => ({ constants: { WORKGROUP_SIZE: WORKGROUP } }),
});
/** Storage buffers adam_pair.wgsl binds (the device's maxStorageBuffersPerShaderStage must allow them). */
export const ADAM_PAIR_STORAGE_BUFFERS = 10;

/** Bytes per ring entry: minUniformBufferOffsetAlignment is at most 256 on every WebGPU device. */
export const ADAM_RING_STRIDE = 256;

/** One ring entry's values. */
export function adamParams(hp: AdamHyper, count: number): ArrayBuffer {
  return ADAM_HYPER.pack({
    lr: hp.lr, beta1: hp.beta1, beta2: hp.beta2, oneMinusBeta1: 1 - hp.beta1, oneMinusBeta2: 1 - hp.beta2, epsilon: hp.epsilon,
    biasCorrection1: hp.biasCorrection1, biasCorrection2: hp.biasCorrection2, count,
  });
}

/** A ring of `entries` Adam hyperparameter entries for one network of `count` parameters. */
export class AdamSchedule {
  readonly buffer: GPUBuffer;
  constructor(device: GPUDevice, readonly entries: number, readonly count: number, label: string) {
    this.buffer = device.createBuffer({ label, size: entries * ADAM_RING_STRIDE, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  }

  /** Writes hypers[i] into entry i (one queue write); takes effect for work submitted after this call. */
  write(queue: GPUQueue, hypers: readonly AdamHyper[]): void {
    if (hypers.length > this.entries) throw new RangeError(`Adam schedule of ${hypers.length} steps exceeds its ${this.entries} entries (maxStepsPerSubmit)`);
    if (hypers.length === 0) return;
    const data = new ArrayBuffer(hypers.length * ADAM_RING_STRIDE);
    hypers.forEach((hp, i) => {
      if (!(hp.biasCorrection1 > 0 && hp.biasCorrection2 > 0)) throw new RangeError(`Adam entry ${i}: bias corrections must be > 0 (step >= 1)`);
      new Uint8Array(data, i * ADAM_RING_STRIDE, ADAM_HYPER.size).set(new Uint8Array(adamParams(hp, this.count), 0, ADAM_HYPER.size));
    });
    queue.writeBuffer(this.buffer, 0, data);
  }
}

export function adamFusedParams(splits: number, tau: number | null): ArrayBuffer {
  return ADAM_FUSED.pack({ splits, softUpdate: tau !== null, tau: tau ?? 0 });
}

export interface AdamFusion {
  /** `gradients` holds this many (count)-float partial sums to add up (default 1: the gradient itself). */
  splits?: number;
  /** Soft-update this buffer (count floats) with the new params: target = tau p + (1 - tau) target. */
  softUpdate?: { target: GPUBuffer; tau: number };
}

/**
 * One network's Adam step, bound once: recorded with the dynamic offset of its ring entry (`adamEntryOffset`).
 * `gradients` is the gradient (count floats) or, with fusion.splits > 1, (splits, count) partial sums; `unusedTarget`
 * (16 bytes or more) stands in for the soft-update target when there is none.
 */
export function adamDispatch(device: GPUDevice, p: Pipeline<typeof adamKernel.spec.bindings>, schedule: AdamSchedule,
  b: { params: GPUBuffer; gradients: GPUBuffer; m: GPUBuffer; v: GPUBuffer; unusedTarget: GPUBuffer }, fusion: AdamFusion = {}, op?: string): Dispatch {
  const count = schedule.count;
  const bytes = count * 4;
  const splits = fusion.splits ?? 1;
  if (!(Number.isInteger(splits) && splits >= 1)) throw new RangeError(`Adam: splits must be a positive integer, got ${splits}`);
  const soft = fusion.softUpdate;
  if (soft && !(soft.tau >= 0 && soft.tau <= 1)) throw new RangeError(`tau must be in [0, 1], got ${soft.tau}`);
  const checks: [string, GPUBuffer, number][] = [['params', b.params, bytes], ['gradients', b.gradients, bytes * splits], ['m', b.m, bytes], ['v', b.v, bytes]];
  if (soft) checks.push(['soft update target', soft.target, bytes]);
  for (const [name, buffer, need] of checks) {
    if (buffer.size < need) throw new RangeError(`Adam: ${name} buffer holds ${buffer.size} bytes, needs ${need}`);
  }
  const fused = ownedUniform(device, adamFusedParams(splits, soft ? soft.tau : null), 'adam.fused');
  return dispatchOf(device, p, {
    hyper: { buffer: schedule.buffer, size: ADAM_HYPER.size }, params: b.params, gradients: b.gradients, m: b.m, v: b.v, fused,
    target: soft ? soft.target : b.unusedTarget,
  }, linearGrid(device, count, WORKGROUP), { op, cost: { flops: 16 * count, bytes: 4 * count * (splits + 6 + (soft ? 2 : 0)) } });
}

/** The dynamic offset of Adam ring entry `entry`. */
export function adamEntryOffset(schedule: AdamSchedule, entry: number): number[] {
  if (!(Number.isInteger(entry) && entry >= 0 && entry < schedule.entries)) throw new RangeError(`Adam entry ${entry} outside the ring of ${schedule.entries}`);
  return [entry * ADAM_RING_STRIDE];
}

/** One network's buffers for an Adam step with split-K partials and a soft-updated target. */
export interface AdamNetwork { schedule: AdamSchedule; params: GPUBuffer; gradients: GPUBuffer; m: GPUBuffer; v: GPUBuffer; target: GPUBuffer }

/**
 * Two networks' Adam steps in one dispatch (shaders/adam_pair.wgsl), each with its own ring entry (recorded with
 * `adamPairOffsets`), `splits` partials added up first and the target soft-updated after, as adamDispatch does.
 */
export function adamPairDispatch(device: GPUDevice, p: Pipeline<typeof adamPairKernel.spec.bindings>, a: AdamNetwork, b: AdamNetwork,
  fusion: { splits: number; tau: number }, op?: string): Dispatch {
  const { splits, tau } = fusion;
  if (!(Number.isInteger(splits) && splits >= 1)) throw new RangeError(`Adam: splits must be a positive integer, got ${splits}`);
  if (!(tau >= 0 && tau <= 1)) throw new RangeError(`tau must be in [0, 1], got ${tau}`);
  for (const [net, n] of [['a', a], ['b', b]] as const) {
    const bytes = n.schedule.count * 4;
    for (const [name, buffer, need] of [['params', n.params, bytes], ['gradients', n.gradients, bytes * splits], ['m', n.m, bytes], ['v', n.v, bytes], ['target', n.target, bytes]] as const) {
      if (buffer.size < need) throw new RangeError(`Adam pair: network ${net}'s ${name} buffer holds ${buffer.size} bytes, needs ${need}`);
    }
  }
  const count = a.schedule.count + b.schedule.count;
  const fused = ownedUniform(device, ADAM_PAIR_FUSED.pack({ splits, tau }), 'adamPair.fused');
  const hyper = (n: AdamNetwork) => ({ buffer: n.schedule.buffer, size: ADAM_HYPER.size });
  return dispatchOf(device, p, {
    aHyper: hyper(a), bHyper: hyper(b), fused,
    aParams: a.params, aGradients: a.gradients, aM: a.m, aV: a.v, aTarget: a.target,
    bParams: b.params, bGradients: b.gradients, bM: b.m, bV: b.v, bTarget: b.target,
  }, linearGrid(device, count, WORKGROUP), { op, cost: { flops: 16 * count, bytes: 4 * count * (splits + 8) } });
}

/** The dynamic offsets of ring entries `aEntry` and `bEntry` of an adamPairDispatch. */
export function adamPairOffsets(a: AdamSchedule, aEntry: number, b: AdamSchedule, bEntry: number): number[] {
  return [...adamEntryOffset(a, aEntry), ...adamEntryOffset(b, bEntry)];
}
