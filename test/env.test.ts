// CPU reference of the environment: golden latencies, MODEL.md's edge cases, sampling, and the FRA/RRA means.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SCENARIO } from '../src/scenario.js';
import { fraAction, latency, rraAction, sampleState, sampleStates } from '../src/env/reference.js';
import { Stream } from '../src/rng/streams.js';
import { expectClose } from './helpers/expectClose.js';

const scenario = DEFAULT_SCENARIO;

function goldenRows(): number[][] {
  const text = readFileSync(new URL('./fixtures/golden-latency.csv', import.meta.url), 'utf8').trim().split('\n');
  return text.slice(1).map((line) => line.split(',').map(Number));
}

describe('environment reference', () => {
  it('matches golden-latency.csv', () => {
    const rows = goldenRows();
    expect(rows.length).toBe(49);
    const got: number[] = [];
    const want: number[] = [];
    for (const row of rows) { got.push(...latency(scenario, row.slice(0, 7), row.slice(7, 14))); want.push(...row.slice(14, 18)); }
    // 2e-12: the golden file computes log2(1 + x) directly, which loses ~1e-12 relative at x ~ 1e-4 (beta 0.999 rows);
    // we use log1p there. Infinite entries must match exactly.
    expectClose(got, want, { atol: 0, rtol: 2e-12 }, 'golden latencies');
  });

  it('handles zero shares: +inf with load, 0 without', () => {
    const state = sampleState(scenario, 1, Stream.trainStates, 0, 0);
    const fra = fraAction();
    const with_ = (i: number, v: number) => { const a = [...fra]; a[i] = v; return a; };
    expect(latency(scenario, state, with_(0, 0))[0]).toBe(Infinity);          // no offload bandwidth, lambda 0.5
    expect(latency(scenario, state, with_(0, 1))[2]).toBe(Infinity);          // ve gets no uplink
    expect(latency(scenario, state, with_(2, 0))[1]).toBe(Infinity);          // aigc backhaul without power
    expect(latency(scenario, state, with_(5, 0))[1]).toBe(Infinity);          // no compute for generation
    const local = [0, 0.5, 0.5, 0, 0, 0.5, 0.5];                               // lambda 0, omega_comp 0, alpha_off 0
    const l = latency(scenario, state, local);
    expect(l[0]).toBeCloseTo(scenario.cyclesPerBit * state[4] / scenario.fLocal, 12);
    expect(Number.isFinite(l[3])).toBe(true);
    const zeroLoad = Float64Array.from(state); zeroLoad[4] = 0;
    expect(latency(scenario, zeroLoad, with_(0, 0))[0]).toBe(0);               // 0 bits over 0 bandwidth: 0
  });

  it('samples states in range, deterministically, and sampleStates agrees with sampleState', () => {
    const batch = sampleStates(scenario, 9, Stream.trainStates, 100, 50, 3);
    for (let i = 0; i < 50; i++) {
      expect(Array.from(batch.subarray(i * 7, i * 7 + 7))).toEqual(Array.from(sampleState(scenario, 9, Stream.trainStates, 100 + i, 3)));
      const s = batch.subarray(i * 7, i * 7 + 7);
      expect(s[4]).toBeGreaterThanOrEqual(1e6); expect(s[4]).toBeLessThanOrEqual(8e6);
      expect(s[6]).toBeGreaterThanOrEqual(2e6); expect(s[6]).toBeLessThanOrEqual(16e6);
      for (let k = 0; k < 4; k++) expect(s[k]).toBeGreaterThan(0);
    }
    expect(sampleState(scenario, 9, Stream.evalStates, 100, 3)).not.toEqual(sampleState(scenario, 9, Stream.trainStates, 100, 3));
  });

  it('has the channel mean of the model: E[h] = g0 d^-2 (Rician |x|^2 has mean 1)', () => {
    const n = 20000;
    const states = sampleStates(scenario, 3, Stream.trainStates, 0, n, 0);
    let mean = 0;
    for (let i = 0; i < n; i++) mean += states[i * 7] / n;
    // |x|^2 has variance (2K+1)/(K+1)^2 = 0.17 at K = 10: standard error sqrt(0.17/n) = 0.003; 5 sigma.
    expect(Math.abs(mean / (1e-3 / 100 ** 2) - 1)).toBeLessThan(0.015);
  });

  it('RRA actions are feasible with the floor', () => {
    for (let env = 0; env < 2000; env++) {
      const a = rraAction(scenario, 5, env, 7);
      for (const x of a) { expect(x).toBeGreaterThanOrEqual(0.05 - 1e-12); expect(x).toBeLessThanOrEqual(0.95 + 1e-12); }
      expect(Math.abs(a[4] + a[5] + a[6] - 1)).toBeLessThan(1e-12);
    }
  });

  it('FRA and RRA means agree with the published numbers (1e5 slots, 4 sigma)', () => {
    const n = 100_000;
    const sums = [0, 0, 0, 0]; let squares = 0; let rra = 0; let rraSquares = 0;
    const states = sampleStates(scenario, 11, Stream.trainStates, 0, n, 0);
    const fra = fraAction();
    for (let i = 0; i < n; i++) {
      const s = states.subarray(i * 7, i * 7 + 7);
      const l = latency(scenario, s, fra);
      for (let k = 0; k < 4; k++) sums[k] += l[k];
      squares += l[3] * l[3];
      const r = latency(scenario, s, rraAction(scenario, 11, i, 0))[3];
      rra += r; rraSquares += r * r;
    }
    const mean = sums.map((x) => x / n);
    const se = Math.sqrt((squares / n - mean[3] ** 2) / n);
    const rraMean = rra / n;
    const rraSe = Math.sqrt((rraSquares / n - rraMean ** 2) / n);
    // Published estimates: FRA total 6.047 (se 0.005 at 1e6), comp 0.244, aigc 3.228, ve 2.575; RRA 9.66 (rounded to 0.01).
    expect(Math.abs(mean[3] - 6.047)).toBeLessThan(4 * Math.hypot(se, 0.005));
    expect(Math.abs(mean[0] - 0.244)).toBeLessThan(0.005);
    expect(Math.abs(mean[1] - 3.228)).toBeLessThan(4 * Math.hypot(se, 0.005));
    expect(Math.abs(mean[2] - 2.575)).toBeLessThan(4 * Math.hypot(se, 0.005));
    expect(Math.abs(rraMean - 9.66)).toBeLessThan(4 * rraSe + 0.005);
  });
});
