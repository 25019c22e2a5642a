// Where dispatches go: the Recorder (a compute pass, a profiler, a counter), the places a pass is opened (encodeInto,
// submitPass), and the uniforms a dispatch owns (ownedUniform, releaseDispatches).
import './globals.js';
import { createUniform } from './buffers.js';
import type { Dispatch } from './kernel.js';

const ownedBuffers = new WeakSet<GPUBuffer>();

/** Whether `buffer` was made by ownedUniform (dispatchOf gives it to the dispatch it binds). */
export const isOwnedUniform = (buffer: GPUBuffer): boolean => ownedBuffers.has(buffer);

/**
 * A uniform buffer holding `data` for one dispatch: the dispatch it is bound to owns it, and releaseDispatches frees
 * it with the dispatch (a uniform shared by several dispatches is made with createUniform and freed by its maker).
 */
export function ownedUniform(device: GPUDevice, data: ArrayBuffer, label: string): GPUBuffer {
  const buffer = createUniform(device, data, label);
  ownedBuffers.add(buffer);
  return buffer;
}

/** Destroys the buffers the dispatches own (their uniforms); the dispatches must not be recorded again. */
export function releaseDispatches(dispatches: Iterable<Dispatch>): void {
  for (const d of dispatches) for (const b of d.owned ?? []) b.destroy();
}

/** Where dispatches are recorded: a compute pass (PassRecorder), a profiler, a counter. The one encode path. */
export interface Recorder {
  dispatch(d: Dispatch, dynamicOffsets?: readonly number[]): void;
}

/** Records straight into one compute pass. */
export class PassRecorder implements Recorder {
  constructor(readonly pass: GPUComputePassEncoder) {}
  dispatch(d: Dispatch, dynamicOffsets?: readonly number[]): void {
    this.pass.setPipeline(d.pipeline.pipeline);
    if (dynamicOffsets) this.pass.setBindGroup(0, d.group, dynamicOffsets as number[]);
    else this.pass.setBindGroup(0, d.group);
    this.pass.dispatchWorkgroups(d.grid[0], d.grid[1], d.grid[2]);
  }
}

/** A Recorder that owns its passes on an encoder (a profiler's: a timed pass per dispatch); finish() after the last. */
export type EncoderRecorder = Recorder & { finish(): void };

/**
 * Records `record` into `encoder`: into one compute pass (with `timestampWrites` where given), or through
 * `open(encoder)` when given (Profiler.recorder). The one place besides the profiler and the timing that opens a pass.
 */
export function encodeInto(encoder: GPUCommandEncoder, record: (recorder: Recorder) => void,
                           options: { label?: string; open?: (encoder: GPUCommandEncoder) => EncoderRecorder; timestampWrites?: GPUComputePassTimestampWrites } = {}): void {
  if (options.open) {
    const rec = options.open(encoder);
    record(rec);
    rec.finish();
    return;
  }
  const pass = encoder.beginComputePass({ label: options.label, timestampWrites: options.timestampWrites });
  record(new PassRecorder(pass));
  pass.end();
}

/** Records `record` into one compute pass of a fresh command encoder and submits it. */
export function submitPass(device: GPUDevice, record: (recorder: Recorder) => void, label?: string): void {
  const encoder = device.createCommandEncoder({ label });
  encodeInto(encoder, record, { label });
  device.queue.submit([encoder.finish()]);
}
