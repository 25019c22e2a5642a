// Bench of the MLP kernels: forward and backward GFLOP/s of 7/14-256-256-x networks on the GPU and in the CPU reference.
import { createStorageFrom } from '../src/gpu/buffers.js';
import type { Gpu } from '../src/gpu/runtime.js';
import { summarize, timeGpu } from '../src/gpu/timing.js';
import { initMlp } from '../src/nn/init.js';
import { PassRecorder } from '../src/gpu/kernel.js';
import { mlpLayout } from '../src/nn/layout.js';
import { GpuMlp } from '../src/nn/mlp.js';
import { WIDE_TILE, type TileShape } from '../src/nn/linear.js';
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
  /** GPU rows: this rate over the plain 4x4-per-thread tiled fp32 matmul on an H200 (bench/reference/h200-2026-11-28.json) at the nearest shape (only meaningful on that GPU). */
  fractionOfH200PlainMatmul?: number;
}

export interface NetworkBenchOptions {
  /** Fewer and smaller sizes (lavapipe, CI). */
  quick?: boolean;
  /** GPU batches (default 256, 4,096, 65,536; quick: 256, 4,096). */
  batches?: number[];
  /** CPU reference batches (default 256, 4,096; quick: 256). */
  cpuBatches?: number[];
  hidden?: number;
  /** Also time the critic's forward and backward with each of these wide tiles (tuning on a real GPU). */
  tileSweep?: TileShape[];
  /** Called with each row as soon as it is measured. */
  onRow?: (row: NetworkBenchRow) => void;
}

/** The plain matmul's rates (GFLOP/s) on an H200 through Dawn, bench/reference/h200-2026-11-28.json: (batch x 256 x 256). */
const H200_PLAIN_MATMUL: [number, number][] = [[4096, 16_800], [65_536, 25_900]];
function plainMatmulRate(batch: number): number {
  return batch <= 4096 ? H200_PLAIN_MATMUL[0][1] : H200_PLAIN_MATMUL[1][1];
}

interface Network { name: string; sizes: number[]; tile?: TileShape }

/** Wide tiles worth trying on a discrete GPU: 64x64 with K 16 or 32, 32x64, 64x32, 32x32 (4 x 4 outputs per thread). */
export const TILE_SWEEP: TileShape[] = [
  { threadsX: 16, threadsY: 16, tileK: 32 },
  { threadsX: 16, threadsY: 8, tileK: 16 },
  { threadsX: 8, threadsY: 16, tileK: 16 },
  { threadsX: 8, threadsY: 8, tileK: 32 },
];

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
  const gpuNetworks: Network[] = [...networks, ...(opts.tileSweep ?? []).map((tile) => ({
    name: `${networks[0].name} tile ${tile.threadsY * 4}x${tile.threadsX * 4}xK${tile.tileK}`, sizes: networks[0].sizes, tile,
  }))];
  const rows: NetworkBenchRow[] = [];
  const emit = (row: NetworkBenchRow) => { rows.push(row); opts.onRow?.(row); };

  if (gpu) {
    const device = gpu.device;
    const maxBatch = Math.max(...gpuBatches);
    for (const net of gpuNetworks) {
      const mlp = await GpuMlp.create(device, net.sizes, gpuBatches, { label: net.name, wideTile: net.tile ?? WIDE_TILE });
      mlp.writeParams(initMlp(net.sizes, 1, 0));
      const input = createStorageFrom(device, randomInput(maxBatch * net.sizes[0]), 'bench.input');
      const dOutput = createStorageFrom(device, randomInput(maxBatch * net.sizes[net.sizes.length - 1]), 'bench.dOutput');
      for (const batch of gpuBatches) {
        // work per pass: enough that the ~3.7 us per dispatch and the submit are small against it
        const reps = Math.max(1, Math.min(200, Math.round(2e10 / forwardFlops(net.sizes, batch))));
        const repeats = gpu.info.isSoftware ? 3 : 10;
        const measure = async (what: 'forward' | 'backward', flops: number, record: (rec: PassRecorder) => void) => {
          const passReps = gpu.info.isSoftware ? 1 : reps;
          const timing = await timeGpu(device, (encoder) => {
            const pass = encoder.beginComputePass();
            const rec = new PassRecorder(pass);
            for (let r = 0; r < passReps; r++) record(rec);
            pass.end();
          }, { repeats, warmup: 1 });
          gpu.checkErrors();
          const rates = timing.samples.map((s) => (flops * passReps) / s / 1e9);
          const g = summarize(rates);
          emit({
            name: `${net.name} ${what}`, batch, hidden, device: 'gpu', gflops: g,
            milliseconds: flops / (g.median * 1e9) * 1e3,
            ...(gpu.info.isSoftware ? {} : { fractionOfH200PlainMatmul: g.median / plainMatmulRate(batch) }),
          });
        };
        await measure('forward', forwardFlops(net.sizes, batch), (rec) => mlp.encodeForward(rec, input, batch));
        // the backward reads the activations of this batch's forward (already run by the forward rows)
        await measure('backward', backwardFlops(net.sizes, batch), (rec) => mlp.encodeBackward(rec, dOutput, batch));
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

/** `node dist/bench/nn.js [--quick] [--cpu-only] [--tiles]`: prints one line per row as it is measured. */
async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const sweep = process.argv.includes('--tiles');
  const { createGpu, describeAdapter } = await import('../src/gpu/runtime.js');
  const gpu = process.argv.includes('--cpu-only') ? null : await createGpu();
  if (gpu) console.log(`adapter: ${describeAdapter(gpu.info)}`);
  await benchNetworks(gpu, {
    quick,
    tileSweep: sweep ? TILE_SWEEP : undefined,
    onRow: (r) => console.log(`${r.device} ${r.name} batch=${r.batch}: ${r.gflops.median.toFixed(1)} GFLOP/s ` +
      `(min ${r.gflops.min.toFixed(1)}, max ${r.gflops.max.toFixed(1)}), ${r.milliseconds.toFixed(3)} ms` +
      (r.fractionOfH200PlainMatmul !== undefined ? `, ${(100 * r.fractionOfH200PlainMatmul).toFixed(1)}% of the H200 plain matmul` : '')),
  });
  gpu?.destroy();
}

if (/bench[\\/]nn\.(js|ts)$/.test(process.argv[1] ?? '')) await main();
