// The bench suite behind `megc bench` / `npm run bench`: environment, network kernels and full training, one table.
import { createGpu, type Gpu } from '../src/gpu/runtime.js';
import { benchEnvironment } from './env.js';
import { benchNetworks } from './nn.js';
import { benchTraining } from './train.js';

export interface Figure { min: number; median: number; max: number }

/** One measured figure; `params` holds the sizes it was measured at. */
export interface BenchRow {
  section: 'env' | 'nn' | 'train';
  name: string;
  device: 'gpu' | 'cpu';
  params: Record<string, number | string>;
  unit: string;
  value: Figure;
}

export interface BenchReport {
  date: string;
  adapter: string | null;
  software: boolean | null;
  versions: Record<string, string>;
  quick: boolean;
  rows: BenchRow[];
}

export interface BenchOptions {
  quick: boolean;
  device: 'gpu' | 'cpu';
  adapter?: string;
  sections?: ('env' | 'nn' | 'train')[];
  onRow?: (row: BenchRow) => void;
}

export async function runBench(opts: BenchOptions, versions: Record<string, string>): Promise<BenchReport> {
  const gpu: Gpu | null = opts.device === 'gpu' ? await createGpu({ adapter: opts.adapter }) : null;
  const software = gpu?.info.isSoftware ?? null;
  // On a software adapter (lavapipe) or with --quick, the sizes shrink so that the whole suite takes about a minute.
  const small = opts.quick || software === true;
  const sections = opts.sections ?? ['env', 'nn', 'train'];
  const rows: BenchRow[] = [];
  const emit = (row: BenchRow) => { rows.push(row); opts.onRow?.(row); };
  try {
    if (sections.includes('env')) {
      const sizes = small ? [1e3, 1e4, 1e5] : [1e3, 1e4, 1e5, 1e6, 1e7, 8_388_608];
      const envRows = await benchEnvironment(gpu, { sizes, repeats: small ? 3 : 7, cpuSizes: small ? [1e3, 1e4] : [1e3, 1e4, 1e5] });
      for (const r of envRows) emit({ section: 'env', name: r.name, device: r.device, params: { n: r.n }, unit: 'env-steps/s', value: r.stepsPerSecond });
    }
    if (sections.includes('nn')) {
      await benchNetworks(gpu, {
        quick: small,
        onRow: (r) => emit({ section: 'nn', name: r.name, device: r.device, params: { batch: r.batch, hidden: r.hidden }, unit: 'GFLOP/s', value: r.gflops }),
      });
    }
    if (sections.includes('train')) {
      const trainRows = await benchTraining(gpu, { quick: small });
      for (const r of trainRows) {
        const params = { envs: r.envs, batch: r.batch, hidden: r.hidden };
        emit({ section: 'train', name: `train ${r.envs}x${r.batch}`, device: r.device, params, unit: 'iterations/s', value: r.iterationsPerSecond });
        emit({ section: 'train', name: `train ${r.envs}x${r.batch}`, device: r.device, params, unit: 'samples/s', value: r.samplesPerSecond });
      }
    }
  } finally {
    gpu?.destroy();
  }
  return {
    date: new Date().toISOString(),
    adapter: gpu ? `${gpu.info.vendor} ${gpu.info.device} ${gpu.info.description}`.trim() : null,
    software,
    versions,
    quick: small,
    rows,
  };
}

function format(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x >= 1e6 || x < 1e-2) return x.toExponential(3);
  return x >= 100 ? x.toFixed(0) : x.toPrecision(4);
}

/** The rows as a fixed-width table: section, name, device, sizes, median, min-max, unit. */
export function formatRow(r: BenchRow): string {
  const params = Object.entries(r.params).map(([k, v]) => `${k}=${v}`).join(' ');
  return `${r.section.padEnd(5)} ${r.name.padEnd(34)} ${r.device.padEnd(3)} ${params.padEnd(28)} ` +
    `${format(r.value.median).padStart(10)}  [${format(r.value.min)} .. ${format(r.value.max)}] ${r.unit}`;
}

export function tableHeader(): string {
  return `${'sect'.padEnd(5)} ${'name'.padEnd(34)} ${'dev'.padEnd(3)} ${'sizes'.padEnd(28)} ${'median'.padStart(10)}  [min .. max] unit`;
}
