// Per-kernel GPU time: a Recorder that gives every dispatch its own compute pass with timestamp queries, and the
// statistics of the durations per (kernel, op). Needs the adapter's `timestamp-query` feature.
import './globals.js';
import { GpuError } from '../errors.js';
import type { Cost, Dispatch, Recorder } from './kernel.js';

/** The durations of one (kernel, op) pair over the profiled dispatches. */
export interface KernelSamples {
  kernel: string;
  op: string;
  /** Seconds per dispatch, in recording order. */
  seconds: number[];
  /** Cost of one dispatch (the first seen). */
  cost?: Cost;
}

interface Pending { staging: GPUBuffer; labels: { key: string; kernel: string; op: string; cost?: Cost }[] }

export class Profiler {
  private readonly querySet: GPUQuerySet;
  private readonly resolveBuffer: GPUBuffer;
  private pending: Pending[] = [];
  readonly samples = new Map<string, KernelSamples>();

  /** `capacity`: most dispatches timed per command encoder (two timestamps each). */
  constructor(readonly device: GPUDevice, readonly capacity = 4096) {
    if (!device.features.has('timestamp-query')) throw new GpuError('profiling needs the timestamp-query feature, which this GPU does not offer');
    this.querySet = device.createQuerySet({ type: 'timestamp', count: 2 * capacity, label: 'profiler.timestamps' });
    this.resolveBuffer = device.createBuffer({ size: 16 * capacity, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC, label: 'profiler.resolve' });
  }

  /**
   * A Recorder on `encoder`: each dispatch in a pass of its own, timed. Call finish() after the last dispatch and
   * before submitting the encoder; collect() after the submit reads the times back.
   */
  recorder(encoder: GPUCommandEncoder): Recorder & { finish(): void } {
    const labels: Pending['labels'] = [];
    const self = this;
    return {
      dispatch(d: Dispatch, dynamicOffsets?: readonly number[]) {
        const i = labels.length;
        const timed = i < self.capacity;
        const pass = encoder.beginComputePass(timed ? {
          timestampWrites: { querySet: self.querySet, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 },
        } : {});
        pass.setPipeline(d.pipeline.pipeline);
        if (dynamicOffsets) pass.setBindGroup(0, d.group, dynamicOffsets as number[]); else pass.setBindGroup(0, d.group);
        pass.dispatchWorkgroups(d.grid[0], d.grid[1], d.grid[2]);
        pass.end();
        if (timed) {
          const kernel = d.pipeline.kernel;
          const op = d.op ?? kernel;
          labels.push({ key: `${kernel}|${op}`, kernel, op, cost: d.cost });
        }
      },
      finish() {
        if (labels.length === 0) return;
        const bytes = 16 * labels.length;
        encoder.resolveQuerySet(self.querySet, 0, 2 * labels.length, self.resolveBuffer, 0);
        const staging = self.device.createBuffer({ size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST, label: 'profiler.staging' });
        encoder.copyBufferToBuffer(self.resolveBuffer, 0, staging, 0, bytes);
        self.pending.push({ staging, labels });
      },
    };
  }

  /** Reads back the times of every finished, submitted recorder and adds them to `samples`. */
  async collect(): Promise<void> {
    const pending = this.pending;
    this.pending = [];
    for (const { staging, labels } of pending) {
      await staging.mapAsync(GPUMapMode.READ);
      const stamps = new BigUint64Array(staging.getMappedRange().slice(0));
      staging.unmap();
      staging.destroy();
      labels.forEach((l, i) => {
        const seconds = Number(stamps[2 * i + 1] - stamps[2 * i]) * 1e-9;
        let s = this.samples.get(l.key);
        if (!s) { s = { kernel: l.kernel, op: l.op, seconds: [], cost: l.cost }; this.samples.set(l.key, s); }
        // A driver may report end < begin for tiny passes (clock domains): counted as 0.
        s.seconds.push(Math.max(0, seconds));
      });
    }
  }

  /** Forgets the samples so far (after a warm-up). */
  reset(): void { this.samples.clear(); }

  destroy(): void {
    this.querySet.destroy();
    this.resolveBuffer.destroy();
  }
}
