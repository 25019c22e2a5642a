// GPU timing for the tuner and bench/: timestamp queries around one compute pass where the adapter has them, wall time
// around submit + onSubmittedWorkDone otherwise (the wait paced by SubmitPacer).
import './globals.js';
import { PassRecorder, type Recorder } from './kernel.js';
import { SubmitPacer } from './submitPacer.js';

/**
 * How timePass times, part of the tuner's cache key (src/gpu/tuner.ts): choices timed another way are timed again.
 * Change it when the timing changes.
 */
export const TIMING_METHOD = 'timestamps around one pass, the wait paced by SubmitPacer from the passes\' own times, the candidates sampled in turn';

export interface GpuTiming {
  /** Seconds per repetition of the recorded work, one value per sample. */
  samples: number[];
  method: 'timestamp' | 'wall';
}

export interface TimingOptions {
  /** Samples taken after the warm-up (default 5). */
  samples?: number;
  /** Unmeasured runs first (pipelines compiled, caches warm; default 1). */
  warmup?: number;
  /** Repetitions of the work per sample, in one pass and one submit (default 1). */
  repetitions?: number;
  /**
   * The pacer of the waits (default: a new one), which learns the work's rate per repetition: one shared by the calls
   * that time the same work waits by what the earlier calls saw.
   */
  pacer?: SubmitPacer;
}

/**
 * Times `record` (dispatches recorded into one compute pass): each sample records it `repetitions` times in one pass and
 * submits; the time is the pass's own (timestamps) or the submit's round trip (wall), divided by the repetitions.
 */
export async function timePass(device: GPUDevice, record: (rec: Recorder) => void, options: TimingOptions = {}): Promise<GpuTiming> {
  const { samples = 5, warmup = 1, repetitions = 1, pacer = new SubmitPacer() } = options;
  const timestamps = device.features.has('timestamp-query');
  const querySet = timestamps ? device.createQuerySet({ type: 'timestamp', count: 2 }) : null;
  const resolve = timestamps ? device.createBuffer({ size: 16, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC }) : null;
  const staging = timestamps ? device.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST }) : null;
  // Each sample waits on a timer for most of the expected time before it asks (dawn.node's wait is a busy loop that
  // would take a core from a CPU adapter while it works, and the timing with it).
  const run = async (): Promise<number> => {
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass(querySet ? { timestampWrites: { querySet, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 } } : {});
    const rec = new PassRecorder(pass);
    for (let i = 0; i < repetitions; i++) record(rec);
    pass.end();
    if (querySet) {
      encoder.resolveQuerySet(querySet, 0, 2, resolve!, 0);
      encoder.copyBufferToBuffer(resolve!, 0, staging!, 0, 16);
    }
    const t0 = performance.now();
    device.queue.submit([encoder.finish()]);
    const paced = pacer.submitted(repetitions);
    await pacer.beforeReadback(paced);
    await device.queue.onSubmittedWorkDone();
    const wall = (performance.now() - t0) / 1000;
    if (!staging) {
      pacer.done(paced);
      return wall;
    }
    await staging.mapAsync(GPUMapMode.READ);
    const stamps = new BigUint64Array(staging.getMappedRange().slice(0));
    staging.unmap();
    const seconds = Number(stamps[1] - stamps[0]) * 1e-9;
    // The pacer learns the pass's own time, not the wall time that its sleep stretched. A driver whose clock does not
    // advance inside a pass reports 0: that sample's wall time then, for the pacer too.
    pacer.done(paced, seconds > 0 ? seconds * 1e3 : undefined);
    return seconds > 0 ? seconds : wall;
  };
  try {
    for (let i = 0; i < warmup; i++) await run();
    const out: number[] = [];
    for (let i = 0; i < samples; i++) out.push((await run()) / repetitions);
    return { samples: out, method: timestamps ? 'timestamp' : 'wall' };
  } finally {
    querySet?.destroy(); resolve?.destroy(); staging?.destroy();
  }
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? NaN : n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

export function summarize(xs: number[]): { min: number; median: number; max: number } {
  return { min: Math.min(...xs), median: median(xs), max: Math.max(...xs) };
}
