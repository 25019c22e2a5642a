// GPU timing for bench/: timestamp queries where the adapter has them, wall time around onSubmittedWorkDone otherwise.

export interface GpuTiming {
  /** Seconds of GPU time per run of `encode`, one value per repeat. */
  samples: number[];
  method: 'timestamp' | 'wall';
}

/**
 * Times `encode` (which records work into an encoder) `repeats` times after `warmup` runs. Each repeat submits
 * `inner` copies of the work in one command buffer, so the queue stays busy and per-submit overhead is amortized.
 */
export async function timeGpu(
  device: GPUDevice,
  encode: (encoder: GPUCommandEncoder) => void,
  { repeats = 5, warmup = 1, inner = 1 }: { repeats?: number; warmup?: number; inner?: number } = {},
): Promise<GpuTiming> {
  for (let i = 0; i < warmup; i++) {
    const e = device.createCommandEncoder();
    for (let k = 0; k < inner; k++) encode(e);
    device.queue.submit([e.finish()]);
  }
  await device.queue.onSubmittedWorkDone();
  const samples: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const e = device.createCommandEncoder();
    for (let k = 0; k < inner; k++) encode(e);
    const t0 = performance.now();
    device.queue.submit([e.finish()]);
    await device.queue.onSubmittedWorkDone();
    samples.push((performance.now() - t0) / 1000 / inner);
  }
  return { samples, method: 'wall' };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? NaN : n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

export function summarize(xs: number[]): { min: number; median: number; max: number } {
  return { min: Math.min(...xs), median: median(xs), max: Math.max(...xs) };
}
