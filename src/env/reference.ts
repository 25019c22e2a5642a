// CPU reference of the MEGC environment in float64: state sampling, rates, latencies, and the FRA/RRA baselines.
import { normalPair, philox4x32, uniformFromU32 } from '../rng/philox.js';
import { Stream } from '../rng/streams.js';
import type { Scenario } from '../scenario.js';
import { A, ACTION_SIZE, LATENCY_SIZE, S, STATE_SIZE } from './layout.js';

export * from './layout.js';

/** Linear path gain g0 * dist^(-pathLossExponent). */
export function pathGain(scenario: Scenario, distance: number): number {
  return scenario.channel.g0 * Math.pow(distance, -scenario.channel.pathLossExponent);
}

/** Rician |x|^2 from two standard normals: x = sqrt(K/(K+1)) + sqrt(1/(K+1)) * (n1 + i n2) / sqrt(2). */
export function ricianPower(ricianK: number, n1: number, n2: number): number {
  const los = Math.sqrt(ricianK / (ricianK + 1));
  const scatter = Math.sqrt(1 / (ricianK + 1)) * Math.SQRT1_2;
  const re = los + scatter * n1;
  const im = scatter * n2;
  return re * re + im * im;
}

/**
 * One state (7 values, layout.ts order). Philox key = (seed, stream), counter = (env, slot, 0, draw), uniforms
 * u(w) = (w >> 9) 2^-23 + 2^-24 of the four words w0..w3 of each draw:
 *   draw 0: (n1, n2) = normalPair(u(w0), u(w1)) -> h_comp_off; normalPair(u(w2), u(w3)) -> h_aigc_back
 *   draw 1: normalPair(u(w0), u(w1)) -> h_ve_off;             normalPair(u(w2), u(w3)) -> h_ve_back
 *   draw 2: d_comp = lo + (hi - lo) u(w0); d_ve from u(w1); d_aigc from u(w2); w3 unused.
 * h = g0 dist^-exp |x|^2 with x = sqrt(K/(K+1)) + sqrt(1/(K+1)) (n1 + i n2)/sqrt(2); ve's links use distance.ve.
 * shaders/lib/megc.wgsl `sample_state` draws the same words.
 */
export function sampleState(scenario: Scenario, seed: number, stream: number, env: number, slot: number): Float64Array {
  const out = new Float64Array(STATE_SIZE);
  writeState(scenario, seed, stream, env, slot, out, 0);
  return out;
}

function writeState(scenario: Scenario, seed: number, stream: number, env: number, slot: number, out: Float64Array, offset: number): void {
  const K = scenario.channel.ricianK;
  const w0 = philox4x32(env, slot, 0, 0, seed, stream);
  const w1 = philox4x32(env, slot, 0, 1, seed, stream);
  const w2 = philox4x32(env, slot, 0, 2, seed, stream);
  const u = uniformFromU32;
  const gComp = pathGain(scenario, scenario.distance.comp);
  const gAigc = pathGain(scenario, scenario.distance.aigc);
  const gVe = pathGain(scenario, scenario.distance.ve);
  let [n1, n2] = normalPair(u(w0[0]), u(w0[1]));
  out[offset + S.hCompOff] = gComp * ricianPower(K, n1, n2);
  [n1, n2] = normalPair(u(w0[2]), u(w0[3]));
  out[offset + S.hAigcBack] = gAigc * ricianPower(K, n1, n2);
  [n1, n2] = normalPair(u(w1[0]), u(w1[1]));
  out[offset + S.hVeOff] = gVe * ricianPower(K, n1, n2);
  [n1, n2] = normalPair(u(w1[2]), u(w1[3]));
  out[offset + S.hVeBack] = gVe * ricianPower(K, n1, n2);
  const d = scenario.data;
  out[offset + S.dComp] = d.comp[0] + (d.comp[1] - d.comp[0]) * u(w2[0]);
  out[offset + S.dVe] = d.ve[0] + (d.ve[1] - d.ve[0]) * u(w2[1]);
  out[offset + S.dAigc] = d.aigc[0] + (d.aigc[1] - d.aigc[0]) * u(w2[2]);
}

/** States of environments firstEnv .. firstEnv+count-1 at one slot. Returns (count, 7). */
export function sampleStates(scenario: Scenario, seed: number, stream: number, firstEnv: number, count: number, slot: number): Float64Array {
  const out = new Float64Array(count * STATE_SIZE);
  for (let i = 0; i < count; i++) writeState(scenario, seed, stream, firstEnv + i, slot, out, i * STATE_SIZE);
  return out;
}

/** Shannon rate a*B*log2(1 + p*h/(a*B*N0)) in bit/s; 0 when a = 0 (MODEL.md eqs. 1-4). */
export function rate(share: number, power: number, gain: number, bandwidth: number, noiseWattsPerHz: number): number {
  if (share <= 0) return 0;
  const snr = (power * gain) / (share * bandwidth * noiseWattsPerHz);
  // log2(1 + snr) matches the golden values bit for bit; log1p keeps small SNRs accurate.
  return share * bandwidth * (snr < 1e-3 ? Math.log1p(snr) / Math.LN2 : Math.log2(1 + snr));
}

/** load / capacity with MODEL.md's edge cases: a zero load costs 0 (0 * inf = 0), a zero capacity with load is +inf. */
export function time(load: number, capacity: number): number {
  if (load === 0) return 0;
  if (capacity <= 0) return Infinity;
  return load / capacity;
}

/** Generation time G(D, w) = (xi chi D + zeta) genUnitCycles / (w fEs). */
export function generationTime(scenario: Scenario, bits: number, share: number): number {
  const cycles = (scenario.xi * scenario.cyclesPerBit * bits + scenario.zeta) * scenario.genUnitCycles;
  return time(cycles, share * scenario.fEs);
}

/** [comp, aigc, ve, total] seconds for one state (7) and action (7), MODEL.md eqs. 5-15. */
export function latency(scenario: Scenario, state: ArrayLike<number>, action: ArrayLike<number>): [number, number, number, number] {
  const N0 = scenario.noiseWattsPerHz;
  const { off: bOff, back: bBack } = scenario.bandwidth;
  const chi = scenario.cyclesPerBit;
  const alphaOff = action[A.alphaOff], alphaBack = action[A.alphaBack], beta = action[A.beta], lambda = action[A.lambda];
  const dComp = state[S.dComp], dVe = state[S.dVe], dAigc = state[S.dAigc];

  const rCompOff = rate(alphaOff, scenario.power.comp, state[S.hCompOff], bOff, N0);
  const rVeOff = rate(1 - alphaOff, scenario.power.ve, state[S.hVeOff], bOff, N0);
  const rAigcBack = rate(alphaBack, beta * scenario.power.es, state[S.hAigcBack], bBack, N0);
  const rVeBack = rate(1 - alphaBack, (1 - beta) * scenario.power.es, state[S.hVeBack], bBack, N0);

  const local = time((1 - lambda) * chi * dComp, scenario.fLocal);
  const offload = time(lambda * dComp, rCompOff) + time(lambda * chi * dComp, action[A.omegaComp] * scenario.fEs);
  const comp = Math.max(local, offload);
  const aigc = generationTime(scenario, dAigc, action[A.omegaAigc]) + time(dAigc, rAigcBack);
  const ve = time(dVe, rVeOff) + generationTime(scenario, scenario.psi * dVe, action[A.omegaVe]) + time(scenario.psi * dVe, rVeBack);
  return [comp, aigc, ve, comp + aigc + ve];
}

/** Latencies of many rows. states, actions: (n, 7) -> (n, 4). */
export function latencies(scenario: Scenario, states: Float64Array, actions: ArrayLike<number>, n = states.length / STATE_SIZE): Float64Array {
  const out = new Float64Array(n * LATENCY_SIZE);
  for (let i = 0; i < n; i++) {
    const l = latency(scenario, states.subarray(i * STATE_SIZE, (i + 1) * STATE_SIZE),
      Array.prototype.slice.call(actions, i * ACTION_SIZE, (i + 1) * ACTION_SIZE) as number[]);
    out.set(l, i * LATENCY_SIZE);
  }
  return out;
}

/** FRA (letter, Sec. IV): every split 0.5, compute shares 1/3 each. */
export function fraAction(): number[] {
  return [0.5, 0.5, 0.5, 0.5, 1 / 3, 1 / 3, 1 / 3];
}

/**
 * RRA with floor eps = scenario.rraFloor. Philox key = (seed, Stream.rraActions), counter = (env, slot, 0, draw):
 *   draw 0: alpha_off, alpha_back, beta, lambda = eps + (1 - 2 eps) u(w0..w3)
 *   draw 1: e_i = -ln u(w_i) for i = 0, 1, 2 (Exp(1), so e / sum e ~ Dirichlet(1,1,1));
 *           omega_comp = eps + (1 - 3 eps) e0/sum, omega_aigc = eps + (1 - 3 eps) e1/sum, omega_ve = 1 - omega_comp - omega_aigc.
 */
export function rraAction(scenario: Scenario, seed: number, env: number, slot: number): Float64Array {
  const eps = scenario.rraFloor;
  const w0 = philox4x32(env, slot, 0, 0, seed, Stream.rraActions);
  const w1 = philox4x32(env, slot, 0, 1, seed, Stream.rraActions);
  const out = new Float64Array(ACTION_SIZE);
  for (let i = 0; i < 4; i++) out[i] = eps + (1 - 2 * eps) * uniformFromU32(w0[i]);
  const e0 = -Math.log(uniformFromU32(w1[0])), e1 = -Math.log(uniformFromU32(w1[1])), e2 = -Math.log(uniformFromU32(w1[2]));
  const sum = e0 + e1 + e2;
  out[A.omegaComp] = eps + (1 - 3 * eps) * (e0 / sum);
  out[A.omegaAigc] = eps + (1 - 3 * eps) * (e1 / sum);
  out[A.omegaVe] = 1 - out[A.omegaComp] - out[A.omegaAigc];
  return out;
}

export type FixedPolicy = 'fra' | 'rra';

/** A rollout of FRA or RRA: envs firstEnv.. over slots firstSlot.., states from (stateSeed, stateStream). */
export interface RolloutParams {
  envs: number;
  slots: number;
  firstEnv?: number;
  firstSlot?: number;
  stateSeed: number;
  stateStream: number;
  /** Key word 0 of RRA's draws (ignored by FRA). */
  actionSeed?: number;
}

/**
 * Mean [comp, aigc, ve, total] latency of FRA or RRA over envs x slots: the float64 reference of the fused rollout
 * (shaders/env_rollout.wgsl, rolloutMeanGpu in src/env/gpu.ts), on the same draws.
 */
export function rolloutMean(scenario: Scenario, policy: FixedPolicy, p: RolloutParams): [number, number, number, number] {
  const firstEnv = p.firstEnv ?? 0, firstSlot = p.firstSlot ?? 0;
  const sums: [number, number, number, number] = [0, 0, 0, 0];
  for (let slot = firstSlot; slot < firstSlot + p.slots; slot++) {
    const states = sampleStates(scenario, p.stateSeed, p.stateStream, firstEnv, p.envs, slot);
    for (let i = 0; i < p.envs; i++) {
      const a = policy === 'fra' ? fraAction() : rraAction(scenario, p.actionSeed ?? 0, firstEnv + i, slot);
      latency(scenario, states.subarray(i * STATE_SIZE, (i + 1) * STATE_SIZE), a).forEach((x, k) => { sums[k] += x; });
    }
  }
  const n = p.envs * p.slots;
  return [sums[0] / n, sums[1] / n, sums[2] / n, sums[3] / n];
}
