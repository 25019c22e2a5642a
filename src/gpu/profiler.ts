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
  /** FLOPs and bytes of all the dispatches timed (their own costs). */
  flops: number;
  bytes: number;
}

interface Label { key: string; kernel: string; op: string; cost?: Cost }
interface Pending { staging: GPUBuffer; labels: Label[] }

/** Dispatches per query set: WebGPU allows 4,096 queries in one set, two per dispatch. */
const PER_SET = 2048;

export class Profiler {
  private readonly querySets: GPUQuerySet[];
  private readonly resolveBuffer: GPUBuffer;
  private pending: Pending[] = [];
  readonly samples = new Map<string, KernelSamples>();

  /** `capacity`: most dispatches timed per command encoder (the rest run untimed). */
  constructor(readonly device: GPUDevice, readonly capacity = 8 * PER_SET) {
    if (!device.features.has('timestamp-query')) throw new GpuError('profiling needs the timestamp-query feature, which this GPU does not offer');
    this.querySets = Array.from({ length: Math.ceil(capacity / PER_SET) }, (_, i) => device.createQuerySet({ type: 'timestamp', count: 2 * PER_SET, label: `profiler.timestamps${i}` }));
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
        const j = i % PER_SET;
        const pass = encoder.beginComputePass(timed ? {
          timestampWrites: { querySet: self.querySets[Math.floor(i / PER_SET)], beginningOfPassWriteIndex: 2 * j, endOfPassWriteIndex: 2 * j + 1 },
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
        for (let first = 0; first < labels.length; first += PER_SET) {
          const count = Math.min(PER_SET, labels.length - first);
          encoder.resolveQuerySet(self.querySets[first / PER_SET], 0, 2 * count, self.resolveBuffer, 16 * first);
        }
        const staging = self.device.createBuffer({ size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST, label: 'profiler.staging' });
        encoder.copyBufferToBuffer(self.resolveBuffer, 0, staging, 0, bytes);
        self.pending.push({ staging, labels });
      },
    };
  }

  /** Reads back the times of every finished, submitted recorder and adds them to `samples`. */
  async collect(): Promise<void> {
    for (const { label, seconds } of await this.readBack()) {
      let s = this.samples.get(label.key);
      if (!s) { s = { kernel: label.kernel, op: label.op, seconds: [], flops: 0, bytes: 0 }; this.samples.set(label.key, s); }
      s.seconds.push(seconds);
      s.flops += label.cost?.flops ?? 0;
      s.bytes += label.cost?.bytes ?? 0;
    }
  }

  /**
   * The median seconds of `d` timed as every profiled dispatch is (a pass of its own between two timestamps), `count`
   * times, kept apart from `samples`: with an empty dispatch, what that timing adds to each row (on lavapipe about
   * 100 us, bench/RESULTS.md). Call it between iterations (it reads back what is pending).
   */
  async timeAlone(d: Dispatch, count = 64): Promise<number> {
    await this.collect();
    const encoder = this.device.createCommandEncoder({ label: 'profiler.alone' });
    const rec = this.recorder(encoder);
    for (let i = 0; i < count; i++) rec.dispatch(d);
    rec.finish();
    this.device.queue.submit([encoder.finish()]);
    return median((await this.readBack()).map((r) => r.seconds));
  }

  /** The timed dispatches of every submitted recorder, in recording order, each with its seconds. */
  private async readBack(): Promise<{ label: Label; seconds: number }[]> {
    const pending = this.pending;
    this.pending = [];
    const out: { label: Label; seconds: number }[] = [];
    for (const { staging, labels } of pending) {
      await staging.mapAsync(GPUMapMode.READ);
      const stamps = new BigUint64Array(staging.getMappedRange().slice(0));
      staging.unmap();
      staging.destroy();
      // A driver may report end < begin for tiny passes (clock domains): counted as 0.
      labels.forEach((label, i) => out.push({ label, seconds: Math.max(0, Number(stamps[2 * i + 1] - stamps[2 * i]) * 1e-9) }));
    }
    return out;
  }

  /** Forgets the samples so far (after a warm-up). */
  reset(): void { this.samples.clear(); }

  destroy(): void {
    for (const q of this.querySets) q.destroy();
    this.resolveBuffer.destroy();
  }
}

/** This adapter's measured peaks (src/nn/peaks.ts measures them first): a large matmul and a large copy. */
export interface Peaks {
  gflops: number;
  /** GB/s, bytes read plus written. */
  gbps: number;
  /** GB/s of reads that a cache serves (peaks.ts measureReread): the price of Cost.rereadBytes; absent: gbps. */
  rereadGbps?: number;
}

/**
 * Seconds a dispatch of `cost` takes at the peaks: the larger of its FLOPs over the FLOP rate and its memory time, the
 * bytes over the bandwidth (those re-read over the re-read bandwidth where the peaks have it).
 */
export function roofline(cost: Cost | undefined, peaks: Peaks): number {
  return Math.max((cost?.flops ?? 0) / (peaks.gflops * 1e9), memorySeconds(cost, peaks));
}

/** A dispatch's memory time at the peaks: its bytes over the bandwidth, those re-read over the re-read bandwidth. */
export function memorySeconds(cost: Cost | undefined, peaks: Peaks): number {
  const bytes = cost?.bytes ?? 0;
  const reread = peaks.rereadGbps ? Math.min(bytes, cost?.rereadBytes ?? 0) : 0;
  return (bytes - reread) / (peaks.gbps * 1e9) + (peaks.rereadGbps ? reread / (peaks.rereadGbps * 1e9) : 0);
}

/** One row of the per-kernel table. */
export interface ProfileRow {
  kernel: string;
  op: string;
  dispatchesPerIteration: number;
  /** Median microseconds per dispatch. */
  microseconds: number;
  /** Of the summed dispatch time of an iteration (each kernel's median dispatch times its dispatches). */
  share: number;
  gflops: number;
  gbps: number;
  /** Achieved over peak, of the larger of the two (FLOPs or bytes): how far the kernel is from its limit. */
  fractionOfPeak?: number;
  /** Microseconds the kernel would take at the peaks (max of FLOPs / peak and bytes / peak). */
  predictedMicroseconds?: number;
}

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); const n = s.length; return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2; };

/** The table of `samples` over `iterations` profiled iterations, slowest share first. */
export function profileRows(samples: Iterable<KernelSamples>, iterations: number, peaks?: Peaks): ProfileRow[] {
  // Each kernel's time is its median dispatch's times its dispatches: a first dispatch that pays the driver's compile
  // (lavapipe compiles a pipeline when it first runs) skews neither the shares nor the rates.
  const list = [...samples];
  const timeOf = (s: KernelSamples) => median(s.seconds) * s.seconds.length;
  const total = list.reduce((t, s) => t + timeOf(s), 0);
  return list.map((s) => {
    const n = s.seconds.length;
    const sum = timeOf(s);
    // Rates from the totals (each dispatch's own cost over that time); the time per dispatch is the median.
    const row: ProfileRow = {
      kernel: s.kernel, op: s.op, dispatchesPerIteration: n / iterations, microseconds: median(s.seconds) * 1e6,
      share: total > 0 ? sum / total : 0,
      gflops: sum > 0 ? s.flops / sum / 1e9 : 0, gbps: sum > 0 ? s.bytes / sum / 1e9 : 0,
    };
    if (peaks) {
      const predicted = roofline({ flops: s.flops / n, bytes: s.bytes / n }, peaks);
      row.predictedMicroseconds = predicted * 1e6;
      row.fractionOfPeak = sum > 0 ? (predicted * n) / sum : 0;
    }
    return row;
  }).sort((a, b) => b.share - a.share);
}

/** The line under a profile table: what timing each dispatch in a pass of its own adds to every row. */
export function emptyDispatchNote(microseconds: number): string {
  return `each dispatch is timed in a compute pass of its own; an empty dispatch timed so takes ${microseconds.toFixed(1)} us here, which every row includes`;
}

/** The rows as a fixed-width table. */
export function formatProfile(rows: readonly ProfileRow[]): string {
  const header = 'kernel                          op                     disp/it   us/disp   share   GFLOP/s    GB/s  pred us  of peak';
  const lines = rows.map((r) => `${r.kernel.padEnd(31).slice(0, 31)} ${r.op.padEnd(22).slice(0, 22)} ${r.dispatchesPerIteration.toFixed(2).padStart(7)} ` +
    `${r.microseconds.toFixed(1).padStart(9)} ${(100 * r.share).toFixed(1).padStart(6)}% ${r.gflops.toFixed(2).padStart(9)} ${r.gbps.toFixed(2).padStart(7)} ` +
    `${r.predictedMicroseconds === undefined ? '      -' : r.predictedMicroseconds.toFixed(1).padStart(8)} ${r.fractionOfPeak === undefined ? '     -' : `${(100 * r.fractionOfPeak).toFixed(1).padStart(6)}%`}`);
  return [header, ...lines].join('\n');
}
