// The matmul variants the tuner times for one layer: the default tile first, other workgroup tiles (for GPUs), register
// blocks without workgroup memory (for adapters that run invocations as SIMD lanes of a CPU, like lavapipe), and, where
// mixed precision is allowed, f16 tiles and subgroup-matrix (tensor-core) tiles.
import {
  matrixTileBytes, matrixWorkgroup, MATRIX_FEATURES, tiled, validateTile, type LinearVariant, type MatrixTile, type RegisterBlock, type TileShape,
} from './linear.js';
import { deviceAdapterInfo } from '../gpu/runtime.js';

/** Tiles worth trying where the result is wider and taller than 16: 64 x 64 with 4 x 4 per thread, 128 x 128 and
 * 128 x 64 with 8 x 8 per thread (fewer shared-memory loads per FMA). */
const GPU_TILES: TileShape[] = [
  { threadsX: 16, threadsY: 16, tileK: 16 },
  { threadsX: 16, threadsY: 16, tileK: 32 },
  { threadsX: 8, threadsY: 16, tileK: 32 },
  { threadsX: 16, threadsY: 8, tileK: 32 },
  { threadsX: 16, threadsY: 16, tileK: 8, rowsPerThread: 8, colsPerThread: 8 },
  { threadsX: 16, threadsY: 16, tileK: 16, rowsPerThread: 8, colsPerThread: 8 },
  { threadsX: 8, threadsY: 16, tileK: 16, rowsPerThread: 8, colsPerThread: 8 },
  { threadsX: 16, threadsY: 16, tileK: 16, rowsPerThread: 8, colsPerThread: 4 },
];

/**
 * Register blocks (rows x columns per invocation) and lane orders; `quick` marks the short list (every candidate costs a
 * pipeline compile, about 0.3-1 s each on lavapipe's LLVM the first time). On lavapipe (2026-11-30, 256 x 64 x 64 and
 * 256 x 14 x 64 layers) 8 x 4 and 8 x 8 led, 4 x 4 was 1.5x and 1 x N 3-5x slower than them; the lane order mattered
 * less than the noise.
 */
const BLOCKS: { rows: number; cols: number; lanesOverRows: boolean; quick: boolean }[] = [
  { rows: 2, cols: 4, lanesOverRows: true, quick: false },
  { rows: 4, cols: 4, lanesOverRows: true, quick: false },
  { rows: 8, cols: 4, lanesOverRows: true, quick: true },
  { rows: 8, cols: 4, lanesOverRows: false, quick: false },
  { rows: 2, cols: 8, lanesOverRows: false, quick: false },
  { rows: 4, cols: 8, lanesOverRows: false, quick: false },
  { rows: 8, cols: 8, lanesOverRows: false, quick: true },
  { rows: 8, cols: 8, lanesOverRows: true, quick: false },
];
const REGISTER_WORKGROUP = 64;

/** A subgroup-matrix configuration: left m x k, right k x n, result m x n (GPUSubgroupMatrixConfig). */
export interface MatrixConfig { m: number; n: number; k: number }

/**
 * The device's f16 -> f32 subgroup-matrix configurations (none without the feature, shader-f16 and subgroups) and its
 * largest subgroup size.
 */
export function matrixConfigs(device: GPUDevice): { configs: MatrixConfig[]; subgroupSize: number } {
  const info = deviceAdapterInfo(device) as (GPUAdapterInfo & { subgroupMatrixConfigs?: readonly { componentType: string; resultComponentType: string; M: number; N: number; K: number }[] }) | undefined;
  const subgroupSize = info?.subgroupMaxSize ?? 0;
  if (!MATRIX_FEATURES.every((f) => device.features.has(f)) || subgroupSize < 1) return { configs: [], subgroupSize };
  const configs = (info?.subgroupMatrixConfigs ?? []).filter((c) => c.componentType === 'f16' && c.resultComponentType === 'f32')
    .map((c) => ({ m: c.M, n: c.N, k: c.K }));
  return { configs: configs.filter((c, i) => configs.findIndex((d) => d.m === c.m && d.n === c.n && d.k === c.k) === i), subgroupSize };
}

/**
 * Tiles of one configuration: 2 x 2 subgroups of 2 x 2 result matrices (64 x 64 with 16 x 16 matrices), and of 1 x 2
 * (a half-height tile: twice the workgroups for the smaller layers); two matrix k-steps per staging step.
 */
export function matrixTiles(c: MatrixConfig, subgroupSize: number, emulated = false): MatrixTile[] {
  const base = { ...c, subgroupRows: 2, subgroupCols: 2, tileK: 2 * c.k, subgroupSize, ...(emulated ? { emulated } : {}) };
  return [{ ...base, fragRows: 2, fragCols: 2 }, { ...base, fragRows: 1, fragCols: 2 }];
}

/**
 * Candidates for a layer whose result is (resultRows, resultColumns); `defaultVariant` first. f16: also tiles with f16
 * workgroup memory (they round the inputs: only for runs that allow mixed precision).
 */
export function linearCandidates(device: GPUDevice, defaultVariant: LinearVariant, resultRows: number, resultColumns: number,
                                 { f16 = false }: { f16?: boolean } = {}): { all: LinearVariant[]; quick: LinearVariant[] } {
  const all: LinearVariant[] = [defaultVariant];
  const quick: LinearVariant[] = [defaultVariant];
  const fits = (t: TileShape) => { try { validateTile(device, t); return true; } catch { return false; } };
  if (resultRows > 16 && resultColumns > 16) {
    for (const t of GPU_TILES) {
      if (fits(t)) all.push(tiled(t));
      if (f16 && fits({ ...t, f16: true })) all.push(tiled({ ...t, f16: true }));
    }
    const { configs, subgroupSize } = f16 ? matrixConfigs(device) : { configs: [], subgroupSize: 0 };
    const l = device.limits;
    const matrices = configs.flatMap((c) => matrixTiles(c, subgroupSize))
      .filter((t) => matrixWorkgroup(t) <= Math.min(l.maxComputeInvocationsPerWorkgroup, l.maxComputeWorkgroupSizeX) && matrixTileBytes(t) <= l.maxComputeWorkgroupStorageSize)
      .map((t): LinearVariant => ({ kind: 'matrix', ...t }));
    all.push(...matrices);
    // the first (the device's preferred configuration, the large tile) is worth a quick tuning's time too
    quick.push(...matrices.slice(0, 1));
  }
  for (const b of BLOCKS) {
    // a block much larger than the result only computes clamped copies
    if (b.cols > 2 * Math.max(4, resultColumns) || b.rows > 2 * Math.max(1, resultRows)) continue;
    const v: RegisterBlock & { kind: 'register' } = { kind: 'register', rows: b.rows, cols: b.cols, lanesOverRows: b.lanesOverRows, workgroup: REGISTER_WORKGROUP };
    all.push(v);
    if (b.quick) quick.push(v);
  }
  const name = (v: LinearVariant) => JSON.stringify(v);
  const dedupe = (list: LinearVariant[]) => list.filter((v, i) => list.findIndex((w) => name(w) === name(v)) === i);
  return { all: dedupe(all), quick: dedupe(quick) };
}
