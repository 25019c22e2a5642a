// Progress measures shared by `megc train` (trainLoop.ts) and the library's trainLara: the divergence check and the
// rate meter.
import type { IterationMetrics } from './reference.js';

/** Why iteration m shows divergence (a non-finite latency or loss), or null. */
export function divergenceOf(m: IterationMetrics): string | null {
  const bad: [string, number] | null = !Number.isFinite(m.lTotal) ? ['the mean total latency', m.lTotal]
    : m.updates > 0 && !Number.isFinite(m.criticLoss) ? ['the critic loss', m.criticLoss]
    : m.updates > 0 && !Number.isFinite(m.actorLoss) ? ['the actor loss', m.actorLoss] : null;
  return bad ? `training diverged at iteration ${m.iteration}: ${bad[0]} is ${bad[1]}` : null;
}

/** Iterations per second over a window of about 10 s; `now` in seconds. */
export function rateMeter(now: () => number): (iterations: number) => number {
  let windowStart = now();
  let windowIterations = 0;
  return (iterations) => {
    const t = now();
    windowIterations += iterations;
    const rate = windowIterations / Math.max(1e-9, t - windowStart);
    if (t - windowStart > 10) { windowStart = t; windowIterations = 0; }
    return rate;
  };
}
