// This adapter's own peaks, measured first by the bench and the profile: a large copy (GB/s, bytes read + written) and
// a large matmul (GFLOP/s) with the fastest linear-forward variant the tuner finds; sizes grow until one dispatch takes
// a few milliseconds, so a software adapter and an H200 are both measured at a size that suits them.
import { createStorage } from '../gpu/buffers.js';
import { defineKernel, ownedUniform, releaseDispatches, dispatchOf, linearGrid, type Dispatch } from '../gpu/kernel.js';
import { uniformStruct } from '../gpu/uniforms.js';
import type { Peaks, Profiler } from '../gpu/profiler.js';
import { median, timePass } from '../gpu/timing.js';
import type { TunableOp, Tuner } from '../gpu/tuner.js';
import { describeLinear, linearForwardDispatch, linearForwardPipeline, tiled, WIDE_TILE, type LinearVariant } from './linear.js';
import { linearCandidates } from './linearCandidates.js';

const COPY_WORKGROUP = 256;
/** vec4 per invocation: 1 suits a GPU; a CPU adapter (lavapipe) pays per invocation and wants more. */
const COPY_ITEMS = [1, 16];
/** `struct Params` of shaders/copy.wgsl: vec4s to copy. */
const COPY_PARAMS = uniformStruct('Params', { count: 'u32' });
const copyKernel = defineKernel({
  shader: 'copy.wgsl', uniforms: [COPY_PARAMS], bindings: { params: 'uniform', source: 'read', destination: 'read-write' },
  variant: (items: number) => ({ constants: { WORKGROUP_SIZE: COPY_WORKGROUP, ITEMS: items } }),
});

/** Bytes every workgroup of the re-read measurement reads: the size of a 256x256 fp32 layer, within any GPU's L2. */
export const REREAD_BYTES = 256 << 10;
const REREAD_WORKGROUP = 256;
/** `struct Params` of shaders/reread.wgsl: vec4s every workgroup reads. */
const REREAD_PARAMS = uniformStruct('Params', { count: 'u32' });
const rereadKernel = defineKernel({
  shader: 'reread.wgsl', uniforms: [REREAD_PARAMS], bindings: { params: 'uniform', source: 'read', partials: 'read-write' },
  variant: () => ({ constants: { WORKGROUP_SIZE: REREAD_WORKGROUP } }),
});

/** The re-read dispatch: `workgroups` workgroups each read all of `source` (REREAD_BYTES) into `partials` (per invocation). */
export async function rereadDispatch(device: GPUDevice, workgroups: number, source: GPUBuffer, partials: GPUBuffer): Promise<Dispatch> {
  return dispatchOf(device, await rereadKernel.pipeline(device, undefined), {
    params: ownedUniform(device, REREAD_PARAMS.pack({ count: REREAD_BYTES / 16 }), 'peaks.reread'), source, partials,
  }, [workgroups, 1, 1], { op: 'peaks.reread', cost: { flops: 0, bytes: workgroups * REREAD_BYTES } });
}

/**
 * Re-read bandwidth (GB/s): workgroups doubling from 64 until a dispatch takes 2 ms (at most 2^15), each reading the
 * same REREAD_BYTES, as the fused update's workgroups each stream a network's weights; the reads hit a cache after
 * the first, so this is that cache's bandwidth (bench/predict.ts prices the fused kernels' repeated weight reads by it).
 */
export async function measureReread(device: GPUDevice): Promise<{ gbps: number; workgroups: number }> {
  const source = createStorage(device, REREAD_BYTES, 'peaks.rereadSource');
  let result = { gbps: 0, workgroups: 0 };
  try {
    for (let workgroups = 64; workgroups <= 1 << 15; workgroups *= 2) {
      const partials = createStorage(device, workgroups * REREAD_WORKGROUP * 16, 'peaks.rereadPartials');
      try {
        const d = await rereadDispatch(device, workgroups, source, partials);
        const seconds = await secondsOf(device, (rec) => rec.dispatch(d)).finally(() => releaseDispatches([d]));
        const gbps = (workgroups * REREAD_BYTES) / seconds / 1e9;
        if (gbps > result.gbps) result = { gbps, workgroups };
        if (seconds > 0.002) break;
      } finally { partials.destroy(); }
    }
  } finally { source.destroy(); }
  return result;
}

/** Seconds per run of the dispatches `record` makes: median of 5 samples of enough repetitions for ~20 ms each. */
async function secondsOf(device: GPUDevice, record: Parameters<typeof timePass>[1]): Promise<number> {
  const probe = median((await timePass(device, record, { samples: 1, warmup: 1 })).samples);
  const repetitions = Math.max(1, Math.min(100, Math.round(0.02 / Math.max(probe, 1e-6))));
  return median((await timePass(device, record, { samples: 5, warmup: 0, repetitions })).samples);
}

/** Copy bandwidth: buffers doubling from 4 MiB until a copy takes 2 ms (or the binding limit); the better of COPY_ITEMS. */
export async function measureCopy(device: GPUDevice): Promise<{ gbps: number; bytes: number }> {
  const limit = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize, 1 << 30);
  let result = { gbps: 0, bytes: 0 };
  for (let bytes = 4 << 20; bytes <= limit; bytes *= 2) {
    const count = bytes / 16;
    const source = createStorage(device, bytes, 'peaks.source');
    const destination = createStorage(device, bytes, 'peaks.destination');
    let slowest = 0;
    try {
      for (const items of COPY_ITEMS) {
        const p = await copyKernel.pipeline(device, items);
        const d = dispatchOf(device, p, { params: ownedUniform(device, COPY_PARAMS.pack({ count }), 'peaks.copy'), source, destination },
          linearGrid(device, Math.ceil(count / items), COPY_WORKGROUP));
        const seconds = await secondsOf(device, (rec) => rec.dispatch(d)).finally(() => releaseDispatches([d]));
        if ((2 * bytes) / seconds / 1e9 > result.gbps) result = { gbps: (2 * bytes) / seconds / 1e9, bytes };
        slowest = Math.max(slowest, seconds);
      }
    } finally { source.destroy(); destination.destroy(); }
    if (slowest > 0.002) break;
  }
  return result;
}

/**
 * Microseconds of a dispatch that does nothing (shaders/copy.wgsl of no vectors, one workgroup) timed by `profiler` as
 * it times every dispatch (Profiler.timeAlone): what that timing adds to each row of its table.
 */
export async function emptyDispatchMicroseconds(profiler: Profiler): Promise<number> {
  const device = profiler.device;
  const source = createStorage(device, 16, 'peaks.emptySource');
  const destination = createStorage(device, 16, 'peaks.emptyDestination');
  const dispatch = dispatchOf(device, await copyKernel.pipeline(device, 1), {
    params: ownedUniform(device, COPY_PARAMS.pack({ count: 0 }), 'peaks.empty'), source, destination,
  }, [1, 1, 1], { op: 'peaks.empty' });
  try {
    return 1e6 * await profiler.timeAlone(dispatch);
  } finally {
    releaseDispatches([dispatch]);
    source.destroy();
    destination.destroy();
  }
}

/** Matmul rate: (n x n) x (n x n), n doubling from 256 until a dispatch takes 5 ms, the variant chosen by `tuner`. */
export async function measureMatmul(tuner: Tuner): Promise<{ gflops: number; n: number; variant: string }> {
  const device = tuner.device;
  let result = { gflops: 0, n: 0, variant: '' };
  for (let n = 256; n <= 8192 && 4 * n * n <= Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize); n *= 2) {
    const layer = { inputs: n, outputs: n, weightOffset: 0, biasOffset: n * n };
    const x = createStorage(device, 4 * n * n, 'peaks.x');
    const w = createStorage(device, 4 * (n * n + n), 'peaks.w');
    const y = createStorage(device, 4 * n * n, 'peaks.y');
    try {
      const build = async (v: LinearVariant) => linearForwardDispatch(device, await linearForwardPipeline(device, v, false), v, layer, n, { x, weights: w, y });
      const { all, quick } = linearCandidates(device, tiled(WIDE_TILE), n, n);
      const op: TunableOp<LinearVariant> = {
        name: 'peaks.matmul', shape: `${n}`, candidates: all, quick, describe: describeLinear,
        async harness(v) { const d = await build(v); return { record: (rec) => rec.dispatch(d), destroy: () => releaseDispatches([d]) }; },
      };
      const v = await tuner.choose(op);
      const d = await build(v);
      const seconds = await secondsOf(device, (rec) => rec.dispatch(d));
      result = { gflops: (2 * n * n * n) / seconds / 1e9, n, variant: describeLinear(v) };
      if (seconds > 0.005) break;
    } finally { x.destroy(); w.destroy(); y.destroy(); }
  }
  return result;
}

/** Both peaks (the profile's denominators), and the re-read bandwidth beside them. */
export async function measurePeaks(tuner: Tuner): Promise<Peaks & { copyBytes: number; matmulN: number; matmulVariant: string; rereadGbps: number; rereadWorkgroups: number }> {
  const copy = await measureCopy(tuner.device);
  const matmul = await measureMatmul(tuner);
  const reread = await measureReread(tuner.device);
  return {
    gflops: matmul.gflops, gbps: copy.gbps, copyBytes: copy.bytes, matmulN: matmul.n, matmulVariant: matmul.variant,
    rereadGbps: reread.gbps, rereadWorkgroups: reread.workgroups,
  };
}
