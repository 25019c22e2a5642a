// Bench of the MLP kernels: forward and backward GFLOP/s of 7/14-256-256-x networks on the GPU and in the CPU reference.
import { createStorageFrom } from '../src/gpu/buffers.js';
import type { Gpu } from '../src/gpu/runtime.js';
import { summarize, timePass } from '../src/gpu/timing.js';
import { initMlp } from '../src/nn/init.js';
import type { Recorder } from '../src/gpu/kernel.js';
import type { Peaks } from '../src/gpu/profiler.js';
import { Tuner, tunerKeys, type TuneMode } from '../src/gpu/tuner.js';
import { FileTuneStore } from '../src/gpu/tuneStore.js';
import { measurePeaks } from '../src/nn/peaks.js';
import { mlpLayout } from '../src/nn/layout.js';
import { GpuMlp } from '../src/nn/mlp.js';
import { tuneMlpPlan } from '../src/nn/mlpTuning.js';
import { mlpBackward, mlpForward } from '../src/nn/reference/mlp.js';

export interface NetworkBenchRow {
  /** e.g. 'critic 14-256-256-1 forward' */
  name: string;
  batch: number;
  hidden: number;
  device: 'gpu' | 'cpu';
  gflops: { min: number; median: number; max: number };
  /** Milliseconds per pass (median). */
  milliseconds: number;
  /** GPU rows: this rate over the adapter's measured matmul peak (src/nn/peaks.ts). */
  fractionOfPeak?: number;
}

export interface NetworkBenchOptions {
  /** Fewer and smaller sizes (lavapipe, CI). */
  quick?: boolean;
  /** GPU batches (default 256, 4,096, 65,536; quick: 256, 4,096). */
  batches?: number[];
  /** CPU reference batches (default 256, 4,096; quick: 256). */
  cpuBatches?: number[];
  hidden?: number;
  /** Chooses each network's plan per batch (the defaults without it). */
  tuner?: Tuner;
  peaks?: Peaks;
  /** Called with each row as soon as it is measured. */
  onRow?: (row: NetworkBenchRow) => void;
}

interface Network { name: string; sizes: number[] }

/** FLOPs of one forward: 2 B sum(in * out) (bias and ReLU not counted). */
export function forwardFlops(sizes: number[], batch: number): number {
  return mlpLayout(sizes).layers.reduce((s, l) => s + 2 * batch * l.inputs * l.outputs, 0);
}

/** FLOPs of one backward without the input gradient: dW, db (2 B (in + 1) out per layer) and dX of every hidden layer. */
export function backwardFlops(sizes: number[], batch: number): number {
  return mlpLayout(sizes).layers.reduce((s, l, i) => s + 2 * batch * (l.inputs + 1) * l.outputs + (i > 0 ? 2 * batch * l.inputs * l.outputs : 0), 0);
}

function randomInput(length: number): Float32Array {
  let state = 12345;
  return Float32Array.from({ length }, () => { state = (state * 1103515245 + 12345) >>> 0; return (state / 2 ** 32) * 2 - 1; });
}

export async function benchNetworks(gpu: Gpu | null, opts: NetworkBenchOptions = {}): Promise<NetworkBenchRow[]> {
  const hidden = opts.hidden ?? 256;
  const quick = opts.quick ?? false;
  const gpuBatches = opts.batches ?? (quick ? [256, 4096] : [256, 4096, 65_536]);
  const cpuBatches = opts.cpuBatches ?? (quick ? [256] : [256, 4096]);
  const networks: Network[] = [
    { name: `critic 14-${hidden}-${hidden}-1`, sizes: [14, hidden, hidden, 1] },
    { name: `actor 7-${hidden}-${hidden}-7`, sizes: [7, hidden, hidden, 7] },
  ];
  const rows: NetworkBenchRow[] = [];
  const emit = (row: NetworkBenchRow) => { rows.push(row); opts.onRow?.(row); };

  if (gpu) {
    const device = gpu.device;
    const maxBatch = Math.max(...gpuBatches);
    for (const net of networks) {
      const plans = opts.tuner ? await Promise.all(gpuBatches.map((b) => tuneMlpPlan(opts.tuner!, net.sizes, b, maxBatch, true))) : undefined;
      const mlp = await GpuMlp.create(device, net.sizes, gpuBatches, { label: net.name, plans });
      mlp.writeParams(initMlp(net.sizes, 1, 0));
      const input = createStorageFrom(device, randomInput(maxBatch * net.sizes[0]), 'bench.input');
      const dOutput = createStorageFrom(device, randomInput(maxBatch * net.sizes[net.sizes.length - 1]), 'bench.dOutput');
      for (const batch of gpuBatches) {
        // work per pass: enough that the ~3.7 us per dispatch and the submit are small against it
        const reps = Math.max(1, Math.min(200, Math.round(2e10 / forwardFlops(net.sizes, batch))));
        const repeats = gpu.info.isSoftware ? 3 : 10;
        const measure = async (what: 'forward' | 'backward', flops: number, record: (rec: Recorder) => void) => {
          const passReps = gpu.info.isSoftware ? 1 : reps;
          const timing = await timePass(device, record, { samples: repeats, warmup: 1, repetitions: passReps });
          gpu.checkErrors();
          const rates = timing.samples.map((s) => flops / s / 1e9);
          const g = summarize(rates);
          emit({
            name: `${net.name} ${what}`, batch, hidden, device: 'gpu', gflops: g,
            milliseconds: flops / (g.median * 1e9) * 1e3,
            ...(opts.peaks ? { fractionOfPeak: g.median / opts.peaks.gflops } : {}),
          });
        };
        await measure('forward', forwardFlops(net.sizes, batch), (rec) => mlp.encodeForward(rec, input, batch));
        // the backward reads the activations of this batch's forward (already run by the forward rows)
        await measure('backward', backwardFlops(net.sizes, batch), (rec) => mlp.encodeBackward(rec, input, dOutput, batch));
      }
      mlp.destroy(); input.destroy(); dOutput.destroy();
    }
  }

  for (const net of networks) {
    const params = initMlp(net.sizes, 1, 0);
    for (const batch of cpuBatches) {
      const x = Float64Array.from(randomInput(batch * net.sizes[0]));
      const dOutput = Float64Array.from(randomInput(batch * net.sizes[net.sizes.length - 1]));
      const repeats = 3;
      const forwardTimes: number[] = [];
      const backwardTimes: number[] = [];
      for (let r = 0; r < repeats; r++) {
        const t0 = performance.now();
        const { cache } = mlpForward(params, net.sizes, x, batch);
        const t1 = performance.now();
        mlpBackward(params, net.sizes, cache, dOutput, batch);
        const t2 = performance.now();
        forwardTimes.push((t1 - t0) / 1e3);
        // the reference's backward also computes dInput: count its FLOPs too
        backwardTimes.push((t2 - t1) / 1e3);
      }
      const inputGradFlops = 2 * batch * net.sizes[0] * net.sizes[1];
      const fw = summarize(forwardTimes.map((s) => forwardFlops(net.sizes, batch) / s / 1e9));
      const bw = summarize(backwardTimes.map((s) => (backwardFlops(net.sizes, batch) + inputGradFlops) / s / 1e9));
      emit({ name: `${net.name} forward`, batch, hidden, device: 'cpu', gflops: fw, milliseconds: forwardFlops(net.sizes, batch) / (fw.median * 1e9) * 1e3 });
      emit({ name: `${net.name} backward`, batch, hidden, device: 'cpu', gflops: bw, milliseconds: (backwardFlops(net.sizes, batch) + inputGradFlops) / (bw.median * 1e9) * 1e3 });
    }
  }
  return rows;
}

/** `node dist/bench/nn.js [--quick] [--cpu-only] [--tune off|quick|full]`: prints one line per row as it is measured. */
async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const tuneAt = process.argv.indexOf('--tune');
  const mode = (tuneAt > 0 ? process.argv[tuneAt + 1] : 'quick') as TuneMode;
  const { createGpu, describeAdapter } = await import('../src/gpu/runtime.js');
  const gpu = process.argv.includes('--cpu-only') ? null : await createGpu();
  if (gpu) console.log(`adapter: ${describeAdapter(gpu.info)}`);
  const tuner = gpu ? new Tuner(gpu.device, { mode, ...tunerKeys(gpu), store: new FileTuneStore() }) : undefined;
  const peaks = tuner ? await measurePeaks(tuner) : undefined;
  await benchNetworks(gpu, {
    quick, tuner, peaks,
    onRow: (r) => console.log(`${r.device} ${r.name} batch=${r.batch}: ${r.gflops.median.toFixed(1)} GFLOP/s ` +
      `(min ${r.gflops.min.toFixed(1)}, max ${r.gflops.max.toFixed(1)}), ${r.milliseconds.toFixed(3)} ms` +
      (r.fractionOfPeak !== undefined ? `, ${(100 * r.fractionOfPeak).toFixed(1)}% of this adapter's matmul peak` : '')),
  });
  gpu?.destroy();
}

if (/bench[\\/]nn\.(js|ts)$/.test(process.argv[1] ?? '')) await main();
