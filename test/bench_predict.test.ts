// bench/predict.ts's model: roofline per dispatch plus the dispatch and submit costs of the reference device.
import { describe, expect, it } from 'vitest';
import type { Dispatch, Pipeline } from '../src/gpu/kernel.js';
import { peaksAt, predict, readReference } from '../bench/predict.js';

const ref = readReference(new URL('../bench/reference/h200-2026-11-28.json', import.meta.url).pathname);
/** A dispatch of `workgroups` workgroups (default: more than the H200's 132 SMs, so the whole device). */
const dispatch = (kernel: string, flops: number, bytes: number, workgroups = 1024): Dispatch =>
  ({ pipeline: { kernel } as Pipeline, group: {} as GPUBindGroup, grid: [workgroups, 1, 1], cost: { flops, bytes }, op: kernel });

describe('predicted iteration time', () => {
  it('reads the H200 figures and picks the fp32 rate measured nearest below the batch', () => {
    expect(ref.microsecondsPerDispatch).toBe(3.7);
    expect(peaksAt(ref, 256).gflops).toBe(16_800);
    expect(peaksAt(ref, 65536).gflops).toBe(25_900);
    expect(peaksAt(ref, 65536).gbps).toBe(3_800);
  });

  it('adds the larger of compute and memory time per dispatch, the dispatch cost and the submit share', () => {
    const peaks = { gflops: 1000, gbps: 100 };  // 1 TFLOP/s, 100 GB/s
    // 1e9 FLOPs = 1000 us compute (memory 10 us); 1e7 bytes = 100 us memory (compute 1 us); twice the second kernel
    const p = predict([dispatch('gemm', 1e9, 1e6), dispatch('copy', 1e6, 1e7), dispatch('copy', 1e6, 1e7)], peaks, ref, 10);
    expect(p.rows.map((r) => [r.kernel, r.dispatches, r.microseconds, r.bound])).toEqual([['gemm', 1, 1000, 'compute'], ['copy', 2, 200, 'memory']]);
    expect(p.kernelMicroseconds).toBe(1200);
    expect(p.dispatchMicroseconds).toBeCloseTo(3 * 3.7, 10);
    expect(p.submitMicroseconds).toBeCloseTo((33 + 3.7) / 10, 10);
    expect(p.iterationsPerSecond).toBeCloseTo(1e6 / (1200 + 11.1 + 3.67), 6);
  });

  it('runs a dispatch of fewer workgroups than the device has compute units at that share of the peaks', () => {
    const peaks = { gflops: 1000, gbps: 100 };
    expect(ref.computeUnits).toBe(132);
    // 1e9 FLOPs: 1000 us on the whole device; 2 workgroups use 2 of 132 SMs: 66,000 us
    const p = predict([dispatch('fused', 1e9, 1e6, 2)], peaks, ref, 10);
    expect(p.kernelMicroseconds).toBeCloseTo(66_000, 6);
  });
});
