// Bench of the environment: fused GPU rollout (sample + FRA/RRA + latency + sums) steps/s against N, and the CPU reference.
import type { Dispatch } from '../src/gpu/kernel.js';
import type { Gpu } from '../src/gpu/runtime.js';
import { summarize, timePass } from '../src/gpu/timing.js';
import { rolloutDispatches } from '../src/env/gpu.js';
import { rolloutMean } from '../src/env/reference.js';
import { Stream } from '../src/rng/streams.js';
import { DEFAULT_SCENARIO, type Scenario } from '../src/scenario.js';

export interface EnvBenchRow {
  /** e.g. 'rollout fra' (GPU, fused) or 'reference fra' (CPU float64: sample + action + latency per step) */
  name: string;
  n: number;
  device: 'gpu' | 'cpu';
  stepsPerSecond: { min: number; median: number; max: number };
}

export interface EnvBenchOptions {
  /** Environment counts N of the GPU rollout (one slot each), e.g. [1e3, 1e4, 1e5, 1e6, 1e7]. */
  sizes: number[];
  repeats: number;
  /** CPU reference sizes (default: the GPU sizes up to 1e5). */
  cpuSizes?: number[];
  scenario?: Scenario;
  /** GPU rollout policies (default both). */
  policies?: readonly ('fra' | 'rra')[];
  /** Environment steps per submit: dispatches are repeated up to this many (default 1e6; at least one dispatch). */
  stepsPerSubmit?: number;
}

type Policy = 'fra' | 'rra';
const POLICIES: readonly Policy[] = ['fra', 'rra'];

/** A rollout of n environments (one slot each) as dispatches to record. */
export interface RolloutRun { dispatches: Dispatch[]; destroy(): void }

/**
 * Steps/s of GPU rollouts, per policy and size: `build(policy, n)` makes the dispatches, repeated in one pass up to
 * `stepsPerSubmit` steps (at most 100 times) so that submit overhead stays small at small n.
 */
export async function timeGpuRollouts(gpu: Gpu, policies: readonly Policy[], sizes: number[], repeats: number, stepsPerSubmit: number,
                                      build: (policy: Policy, n: number) => Promise<RolloutRun>): Promise<EnvBenchRow[]> {
  const rows: EnvBenchRow[] = [];
  for (const policy of policies) {
    for (const n of sizes) {
      const run = await build(policy, n);
      try {
        const inner = Math.max(1, Math.min(100, Math.round(stepsPerSubmit / n)));
        const timing = await timePass(gpu.device, (rec) => { for (const d of run.dispatches) rec.dispatch(d); },
          { samples: repeats, warmup: 1, repetitions: inner });
        gpu.checkErrors();
        rows.push({ name: `rollout ${policy}`, n, device: 'gpu', stepsPerSecond: summarize(timing.samples.map((t) => n / t)) });
      } finally { run.destroy(); }
    }
  }
  return rows;
}

/** Steps/s of CPU rollouts: `rollout(policy, n, repeat)` runs n steps and returns a latency (checked finite). */
export function timeCpuRollouts(sizes: number[], repeats: number, rollout: (policy: Policy, n: number, repeat: number) => number): EnvBenchRow[] {
  const rows: EnvBenchRow[] = [];
  for (const policy of POLICIES) {
    for (const n of sizes) {
      const samples: number[] = [];
      let sink = 0;
      for (let r = 0; r < repeats; r++) {
        const t0 = performance.now();
        sink += rollout(policy, n, r);
        samples.push(n / ((performance.now() - t0) / 1000));
      }
      if (!Number.isFinite(sink)) throw new Error('non-finite latency in the CPU bench');
      rows.push({ name: `reference ${policy}`, n, device: 'cpu', stepsPerSecond: summarize(samples) });
    }
  }
  return rows;
}

/** Steps per second (one step = one environment slot: sample, act, latency). gpu null: CPU rows only. */
export async function benchEnvironment(gpu: Gpu | null, opts: EnvBenchOptions): Promise<EnvBenchRow[]> {
  const scenario = opts.scenario ?? DEFAULT_SCENARIO;
  const rows: EnvBenchRow[] = [];
  if (gpu) {
    rows.push(...await timeGpuRollouts(gpu, opts.policies ?? POLICIES, opts.sizes, opts.repeats, opts.stepsPerSubmit ?? 1e6,
      (policy, n) => rolloutDispatches(gpu.device, scenario, policy, { envs: n, slots: 1, stateSeed: 1, stateStream: Stream.trainStates, actionSeed: 1 })));
  }
  const cpuSizes = opts.cpuSizes ?? opts.sizes.filter((n) => n <= 1e5);
  rows.push(...timeCpuRollouts(cpuSizes, opts.repeats, (policy, n, r) =>
    rolloutMean(scenario, policy, { envs: n, slots: 1, firstSlot: r, stateSeed: 1, stateStream: Stream.trainStates, actionSeed: 1 })[3]));
  return rows;
}
