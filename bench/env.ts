// Bench of the environment: fused GPU rollout (sample + FRA/RRA + latency + sums) steps/s against N, and the CPU reference.
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

/** Steps per second (one step = one environment slot: sample, act, latency). gpu null: CPU rows only. */
export async function benchEnvironment(gpu: Gpu | null, opts: EnvBenchOptions): Promise<EnvBenchRow[]> {
  const scenario = opts.scenario ?? DEFAULT_SCENARIO;
  const rows: EnvBenchRow[] = [];
  if (gpu) {
    for (const policy of opts.policies ?? ['fra', 'rra'] as const) {
      for (const n of opts.sizes) {
        const run = await rolloutDispatches(gpu.device, scenario, policy, { envs: n, slots: 1, stateSeed: 1, stateStream: Stream.trainStates, actionSeed: 1 });
        // Enough dispatches per submit that submit overhead stays small at small N.
        const inner = Math.max(1, Math.min(100, Math.round((opts.stepsPerSubmit ?? 1e6) / n)));
        const timing = await timePass(gpu.device, (rec) => { for (const d of run.dispatches) rec.dispatch(d); },
          { samples: opts.repeats, warmup: 1, repetitions: inner });
        gpu.checkErrors();
        run.destroy();
        const s = summarize(timing.samples.map((t) => n / t));
        rows.push({ name: `rollout ${policy}`, n, device: 'gpu', stepsPerSecond: s });
      }
    }
  }
  const cpuSizes = opts.cpuSizes ?? opts.sizes.filter((n) => n <= 1e5);
  for (const policy of ['fra', 'rra'] as const) {
    for (const n of cpuSizes) {
      const samples: number[] = [];
      let sink = 0;
      for (let r = 0; r < opts.repeats; r++) {
        const t0 = performance.now();
        sink += rolloutMean(scenario, policy, { envs: n, slots: 1, firstSlot: r, stateSeed: 1, stateStream: Stream.trainStates, actionSeed: 1 })[3];
        samples.push(n / ((performance.now() - t0) / 1000));
      }
      if (!Number.isFinite(sink)) throw new Error('non-finite latency in the CPU bench');
      rows.push({ name: `reference ${policy}`, n, device: 'cpu', stepsPerSecond: summarize(samples) });
    }
  }
  return rows;
}
