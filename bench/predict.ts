// Predicted time of every kernel of one training iteration on a reference GPU (bench/reference/*.json), from each
// dispatch's cost (FLOPs, bytes read plus written): roofline max(FLOPs / fp32 matmul rate, bytes / copy bandwidth, with
// the bytes re-read in a dispatch over the re-read bandwidth where the reference has one) plus
// the measured cost of a dispatch in one pass, and the submit round trip (with the chunk's metrics dispatch) shared by
// the iterations of a submit. Needs no GPU: the dispatches of one iteration are recorded on any adapter (lavapipe) into
// a Recorder that keeps them, nothing runs. A model, not a measurement: it assumes every kernel reaches the peaks.
// Each fused variant gets its row, and each config the persistent trainer's best (predictPersistent: one workgroup
// doing the lane path's work, as shaders/lara_persistent.wgsl does). Beside the letter's configs, a generalised world's (default
// scenarios/large.json) with the model critic (worldConfigs);
// creating its trainer builds the world's kernels, which takes minutes on lavapipe.
// Usage: npx tsx bench/predict.ts [bench/reference/FILE.json] [--world FILE] [--world-only | --letter-only]
//        [--config NAME] [--assume-reread TBPS]
// (--config: only the letter's configs whose names start with NAME, e.g. "(1, 256)"; a whole run takes over 15 minutes
// on lavapipe, which builds every variant's pipelines)
// (prints markdown; --assume-reread prices the fused kernels' repeated weight reads at that bandwidth where the
// reference has not measured one, marked as assumed)
// (or node dist/bench/predict.js ... after the build)
import { readFileSync } from 'node:fs';
import type { Dispatch, Recorder } from '../src/gpu/kernel.js';
import { memorySeconds, roofline, type Peaks } from '../src/gpu/profiler.js';
import type { Gpu } from '../src/gpu/runtime.js';
import type { Scenario } from '../src/scenario.js';
import { DEFAULT_TRAIN_CONFIG, parseTrainConfig, type TrainConfig } from '../src/train/config.js';
import type { TrainerPlans } from '../src/train/tuning.js';
import { dispatchCountConfigs } from './dispatches.js';

/** The figures the model takes from a reference file. */
export interface ReferenceDevice {
  device: string;
  /** fp32 matmul TFLOP/s by rows m (k = n = 256 where measured). */
  matmul: { m: number; k: number; n: number; tflops: number }[];
  copyBytesPerSecond: number;
  /**
   * Bytes/s of reads a cache serves (`megc bench`'s re-read peak, src/nn/peaks.ts measureReread): what the fused
   * kernels' repeated weight streams cost (absent: not measured, and they cost the copy bandwidth).
   */
  rereadBytesPerSecond?: number;
  /** Where rereadBytesPerSecond is an assumption (`--assume-reread`), not a measurement: what the output says. */
  rereadAssumed?: boolean;
  microsecondsPerDispatch: number;
  microsecondsPerSubmit: number;
  /** Compute units (SMs): a dispatch of fewer workgroups runs at that share of the peaks (absent: not modelled). */
  computeUnits?: number;
}

export function readReference(path: string): ReferenceDevice {
  const j = JSON.parse(readFileSync(path, 'utf8'));
  return {
    device: j.device, matmul: j.matmul.rows, copyBytesPerSecond: j.copyBytesPerSecond, rereadBytesPerSecond: j.rereadBytesPerSecond,
    microsecondsPerDispatch: j.dispatch.microsecondsPerDispatchInOnePass, microsecondsPerSubmit: j.dispatch.microsecondsPerSubmitRoundTrip,
    computeUnits: j.computeUnits,
  };
}

/** The peaks at a batch: the fp32 rate measured at the largest matmul of 256 x 256 layers with at most `batch` rows (else the smallest). */
export function peaksAt(ref: ReferenceDevice, batch: number): Peaks {
  const layers = ref.matmul.filter((r) => r.k === 256 && r.n === 256).sort((a, b) => a.m - b.m);
  const row = [...layers].reverse().find((r) => r.m <= batch) ?? layers[0];
  return { gflops: row.tflops * 1e3, gbps: ref.copyBytesPerSecond / 1e9, ...(ref.rereadBytesPerSecond ? { rereadGbps: ref.rereadBytesPerSecond / 1e9 } : {}) };
}

/** Keeps every recorded dispatch. */
export class KeepingRecorder implements Recorder {
  readonly dispatches: Dispatch[] = [];
  dispatch(d: Dispatch): void { this.dispatches.push(d); }
}

export interface PredictedRow { kernel: string; op: string; dispatches: number; flops: number; bytes: number; rereadBytes: number; microseconds: number; bound: 'compute' | 'memory' }

export interface Prediction {
  rows: PredictedRow[];
  dispatches: number;
  /** Sum of the rooflines of an iteration's dispatches. */
  kernelMicroseconds: number;
  /** Dispatches x the per-dispatch cost. */
  dispatchMicroseconds: number;
  /** The submit round trip, the metrics dispatch and what a submit starts with (the half weights' copies), per iteration. */
  submitMicroseconds: number;
  iterationsPerSecond: number;
}

/**
 * The model over one iteration's dispatches at `peaks`, `iterationsPerSubmit` iterations per submit, each submit also
 * dispatching `submitStart` (GpuTrainer.encodeSubmitStart) before its iterations.
 */
export function predict(dispatches: readonly Dispatch[], peaks: Peaks, ref: ReferenceDevice, iterationsPerSubmit: number, submitStart: readonly Dispatch[] = []): Prediction {
  const rows = new Map<string, PredictedRow>();
  for (const d of dispatches) {
    const kernel = d.pipeline.kernel;
    const op = d.op ?? kernel;
    let row = rows.get(`${kernel}|${op}`);
    if (!row) { row = { kernel, op, dispatches: 0, flops: 0, bytes: 0, rereadBytes: 0, microseconds: 0, bound: 'memory' }; rows.set(`${kernel}|${op}`, row); }
    row.dispatches++;
    row.flops += d.cost?.flops ?? 0;
    row.bytes += d.cost?.bytes ?? 0;
    // A dispatch of fewer workgroups than the device has compute units runs on that share of them (one workgroup: the
    // device's rate over its compute units); the fused update's few workgroups pay for it.
    const workgroups = d.grid[0] * d.grid[1] * d.grid[2];
    const share = ref.computeUnits ? Math.min(1, workgroups / ref.computeUnits) : 1;
    row.microseconds += roofline(d.cost, peaks) * 1e6 / share;
    row.rereadBytes += d.cost?.rereadBytes ?? 0;
    row.bound = row.flops / (peaks.gflops * 1e9) > memorySeconds({ flops: 0, bytes: row.bytes, rereadBytes: row.rereadBytes }, peaks) ? 'compute' : 'memory';
  }
  const list = [...rows.values()].sort((a, b) => b.microseconds - a.microseconds);
  const kernelMicroseconds = list.reduce((t, r) => t + r.microseconds, 0);
  const dispatchMicroseconds = dispatches.length * ref.microsecondsPerDispatch;
  const startMicroseconds = submitStart.reduce((t, d) => t + roofline(d.cost, peaks) * 1e6 + ref.microsecondsPerDispatch, 0);
  const submitMicroseconds = (ref.microsecondsPerSubmit + ref.microsecondsPerDispatch + startMicroseconds) / iterationsPerSubmit;
  return {
    rows: list, dispatches: dispatches.length, kernelMicroseconds, dispatchMicroseconds, submitMicroseconds,
    iterationsPerSecond: 1e6 / (kernelMicroseconds + dispatchMicroseconds + submitMicroseconds),
  };
}

/**
 * The persistent trainer (src/train/persistent.ts): one workgroup runs `iterationsPerDispatch` whole iterations per
 * dispatch, doing the work of an iteration's lane `dispatches` (their FLOPs and bytes, weights re-read as they do) at one
 * workgroup's rate, the device's peaks over its compute units; one dispatch and the submit round trip shared by those
 * iterations. Needs the reference's computeUnits.
 */
export function predictPersistent(dispatches: readonly Dispatch[], peaks: Peaks, ref: ReferenceDevice, iterationsPerDispatch: number): Prediction {
  if (!ref.computeUnits) throw new RangeError(`${ref.device}: no computeUnits, so no single workgroup's rate`);
  const cu = ref.computeUnits;
  const single = { gflops: peaks.gflops / cu, gbps: peaks.gbps / cu, ...(peaks.rereadGbps ? { rereadGbps: peaks.rereadGbps / cu } : {}) };
  const flops = dispatches.reduce((s, d) => s + (d.cost?.flops ?? 0), 0);
  const bytes = dispatches.reduce((s, d) => s + (d.cost?.bytes ?? 0), 0);
  const rereadBytes = dispatches.reduce((s, d) => s + (d.cost?.rereadBytes ?? 0), 0);
  const kernelMicroseconds = dispatches.reduce((s, d) => s + roofline(d.cost, single) * 1e6, 0);
  const bound = flops / (single.gflops * 1e9) > memorySeconds({ flops: 0, bytes, rereadBytes }, single) ? 'compute' : 'memory';
  const dispatchMicroseconds = ref.microsecondsPerDispatch / iterationsPerDispatch;
  const submitMicroseconds = ref.microsecondsPerSubmit / iterationsPerDispatch;
  return {
    rows: [{ kernel: 'lara_persistent', op: 'lara.persistent', dispatches: 1 / iterationsPerDispatch, flops, bytes, rereadBytes, microseconds: kernelMicroseconds, bound }],
    dispatches: 1 / iterationsPerDispatch, kernelMicroseconds, dispatchMicroseconds, submitMicroseconds,
    iterationsPerSecond: 1e6 / (kernelMicroseconds + dispatchMicroseconds + submitMicroseconds),
  };
}

/**
 * The dispatches of one iteration that acts with the actor and runs its updates, and those a submit starts with,
 * recorded (nothing runs), and the plans.
 */
export async function recordIteration(gpu: Gpu, scenario: Scenario, config: TrainConfig, plans?: TrainerPlans): Promise<{ dispatches: Dispatch[]; submitStart: Dispatch[]; plans: TrainerPlans }> {
  const { GpuTrainer } = await import('../src/train/gpuTrainer.js');
  const trainer = await GpuTrainer.create(gpu, scenario, config, { evaluate: false, plans });
  try {
    const rec = new KeepingRecorder(), start = new KeepingRecorder();
    trainer.encodeSteadyIteration(rec);
    trainer.encodeSubmitStart(start);
    return { dispatches: rec.dispatches, submitStart: start.dispatches, plans: trainer.plans };
  } finally { trainer.destroy(); }
}

/** Iterations per submit of the world's predicted rows: the world section's on a hardware adapter (bench/world.ts). */
export const WORLD_ITERATIONS_PER_SUBMIT = 10;

/**
 * A generalised world's configs to predict: hidden 256x2, 1 update, gamma 0, the model critic, (envs, batch) = (1024,
 * 1024) and (4096, 4096) (at 96 users, 98,304 and 393,216 user-steps per iteration; the letter's (65536, 65536) is
 * 196,608). The replay ring holds one iteration's rows, so that the recording fits a 128 MiB binding (lavapipe's).
 */
export function worldConfigs(): { name: string; config: TrainConfig }[] {
  return [[1024, 1024], [4096, 4096]].map(([envs, batch]) => ({
    name: `(${envs}, ${batch}), hidden 256x2, 1 update, model critic`,
    config: parseTrainConfig({ envs, batch, hidden: [256, 256], updatesPerIteration: 1, iterationsPerSubmit: 1, gamma: 0, critic: 'model', replayCapacity: Math.max(envs, batch) }),
  }));
}

/** Iterations per submit of the bench's training rows (bench/train.ts), or the default config's. */
function iterationsPerSubmit(config: TrainConfig, bench: boolean): number {
  if (!bench) return DEFAULT_TRAIN_CONFIG.iterationsPerSubmit;
  const rows = Math.max(config.envs, config.batch);
  return rows >= 65536 ? 10 : rows >= 4096 ? 50 : 200;
}

export function formatPrediction(name: string, p: Prediction, peaks: Peaks, chunk: number): string {
  const f = (x: number, d = 1) => x.toFixed(d);
  const lines = [
    `### ${name}`, '',
    `fp32 ${f(peaks.gflops / 1e3)} TFLOP/s, ${f(peaks.gbps / 1e3)} TB/s${peaks.rereadGbps ? `, re-reads ${f(peaks.rereadGbps / 1e3)} TB/s` : ''}; ${p.dispatches} dispatches per iteration, ${chunk} iterations per submit.`, '',
    '| kernel | op | dispatches | MFLOP | MB | of which re-read | predicted us | bound |', '|---|---|---:|---:|---:|---:|---:|---|',
    ...p.rows.map((r) => `| ${r.kernel} | ${r.op} | ${r.dispatches} | ${f(r.flops / 1e6)} | ${f(r.bytes / 1e6, 2)} | ${f(r.rereadBytes / 1e6, 2)} | ${f(r.microseconds, 2)} | ${r.bound} |`),
    '',
    `Kernels ${f(p.kernelMicroseconds)} us + dispatches ${f(p.dispatchMicroseconds)} us + submit ${f(p.submitMicroseconds)} us per iteration: ` +
      `**${Math.round(p.iterationsPerSecond).toLocaleString('en-US')} it/s predicted**.`,
  ];
  return lines.join('\n');
}

/** `ref` with a re-read bandwidth of `tbps` TB/s assumed (`--assume-reread`: what a figure would give, before it is measured). */
export function withAssumedReread(ref: ReferenceDevice, tbps: string): ReferenceDevice {
  const value = Number(tbps);
  if (!(Number.isFinite(value) && value > 0)) throw new RangeError(`--assume-reread: ${tbps} is not a bandwidth in TB/s`);
  return { ...ref, rereadBytesPerSecond: value * 1e12, rereadAssumed: true };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const flag = (name: string) => { const i = args.indexOf(name); return i < 0 ? undefined : args.splice(i, name.endsWith('-only') ? 1 : 2)[1] ?? ''; };
  const worldOnly = flag('--world-only') !== undefined;
  const letterOnly = flag('--letter-only') !== undefined;
  const only = flag('--config');
  const assumed = flag('--assume-reread');
  const { DEFAULT_WORLD_SCENARIO, worldName } = await import('./world.js');
  const worldPath = flag('--world') || DEFAULT_WORLD_SCENARIO;
  // The reference beside this file in the checkout (bench/reference/, from bench/ or dist/bench/ alike).
  const { SHADER_DIR } = await import('../src/platform/host.js');
  const { dirname, join } = await import('node:path');
  const measured = readReference(args[0] ?? join(dirname(SHADER_DIR), 'bench', 'reference', 'h200-2026-11-28.json'));
  const ref = assumed === undefined ? measured : withAssumedReread(measured, assumed);
  const { createGpu } = await import('../src/gpu/runtime.js');
  const { GpuTrainer } = await import('../src/train/gpuTrainer.js');
  const { DEFAULT_SCENARIO, loadScenario } = await import('../src/scenario.js');
  const { describePlan } = await import('../src/nn/mlpPlan.js');
  const gpu = await createGpu();
  const out: string[] = [`Predicted on the ${ref.device} (not measured): the default plans (tuning off), one iteration with its updates.` +
    (ref.rereadAssumed ? ` Re-reads at an **assumed** ${assumed} TB/s (--assume-reread), not a measured figure.` : ref.rereadBytesPerSecond ? '' : ' Re-reads at the copy bandwidth (the reference has no re-read figure).')];
  const summary: string[] = ['| config | dispatches | kernels us | dispatches us | submit us | predicted it/s |', '|---|---:|---:|---:|---:|---:|'];
  const { fusedPlans } = await import('./dispatches.js');
  const { describeFused } = await import('../src/train/fusedUpdate.js');
  const { fusedUpdateCandidates } = await import('../src/train/fusedUpdate.js');
  const { withFusedActWhereFit } = await import('../src/train/fusedAct.js');
  // persistentOf: the config's name, where this lane variant's work also gives a persistent prediction for it.
  const runs: { name: string; scenario: Scenario; config: TrainConfig; chunk: number; plans?: TrainerPlans; persistentOf?: string }[] = [];
  for (const { name, config } of worldOnly ? [] : dispatchCountConfigs().filter((c) => only === undefined || c.name.startsWith(only))) {
    const chunk = iterationsPerSubmit(config, !name.startsWith('default'));
    runs.push({ name, scenario: DEFAULT_SCENARIO, config, chunk });
    const probe = await GpuTrainer.create(gpu, DEFAULT_SCENARIO, config, { evaluate: false });
    // Every fused variant that fits, each predicted with the fused act where it fits (the tuner measures which wins on
    // the device in use); those with half weights (f16 weight streams) are a mixed-precision run's (--mixed-precision).
    const base = await fusedPlans(probe);
    if (base) {
      for (const candidate of fusedUpdateCandidates(probe.device, probe.derived, { mixedPrecision: true })) {
        const fused = withFusedActWhereFit(probe.device, probe.derived, candidate, base.reduce);
        runs.push({ name: `${name}, ${describeFused(fused)}`, scenario: DEFAULT_SCENARIO, config, chunk, plans: { ...base, fused }, persistentOf: fused.lanes ? name : undefined });
      }
    }
    probe.destroy();
  }
  // The world's rows (the fused update is the letter's only: the world's are per layer).
  const world = loadScenario(worldPath);
  for (const { name, config } of letterOnly ? [] : worldConfigs()) runs.push({ name: `${worldName(worldPath)}: ${name}`, scenario: world, config, chunk: WORLD_ITERATIONS_PER_SUBMIT });
  // The persistent trainer's best over the lane variants' dispatches of each config (its work is theirs, in one workgroup).
  const persistent = new Map<string, { name: string; p: Prediction }>();
  const row = (name: string, p: Prediction) =>
    `| ${name} | ${Number(p.dispatches.toFixed(2))} | ${p.kernelMicroseconds.toFixed(1)} | ${p.dispatchMicroseconds.toFixed(1)} | ${p.submitMicroseconds.toFixed(1)} | ${Math.round(p.iterationsPerSecond).toLocaleString('en-US')} |`;
  for (const { name, scenario, config, chunk, plans: given, persistentOf } of runs) {
    const { dispatches, submitStart, plans } = await recordIteration(gpu, scenario, config, given);
    const peaks = peaksAt(ref, config.batch);
    const p = predict(dispatches, peaks, ref, chunk, submitStart);
    out.push('', formatPrediction(name, p, peaks, chunk), '', `Plans: actor ${plans.actor.map(describePlan).join(' | ')}; critic ${plans.critic.map(describePlan).join(' | ')}.`);
    summary.push(row(name, p));
    if (persistentOf) {
      const q = predictPersistent(dispatches, peaks, ref, chunk);
      const best = persistent.get(persistentOf);
      const work = describeFused(given!.fused!);
      if (!best || q.iterationsPerSecond > best.p.iterationsPerSecond) persistent.set(persistentOf, { name: `${persistentOf}, persistent (one workgroup doing the work of ${work}, ${chunk} iterations per dispatch)`, p: q });
    }
  }
  for (const { name, p } of persistent.values()) summary.push(row(name, p));
  console.log([...summary, '', ...out].join('\n'));
  gpu.destroy();
}

if (/bench[\\/]predict\.(js|ts)$/.test(process.argv[1] ?? '')) await main();
