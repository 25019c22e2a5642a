// OPT, the per-slot minimiser of L_total (MODEL.md "Problem P1"), in float64; shaders/opt.wgsl batches the same algorithm.
//
// Structure used (all from MODEL.md eqs. 1-15):
// - For fixed alpha_off, omega_comp, L_comp = max((1-lambda) T_loc, lambda T_off) is minimised where both are equal:
//   lambda* = T_loc / (T_loc + T_off), L_comp* = T_loc T_off / (T_loc + T_off), with T_loc = chi d_comp / f_local and
//   T_off = d_comp / r_comp_off(alpha_off) + chi d_comp / (omega_comp f_ES).
// - L_total then separates into
//   (1) backhaul: d_aigc / r_aigc_back(alpha_back, beta) + psi d_ve / r_ve_back(1 - alpha_back, 1 - beta), and
//   (2) offload + compute: L_comp*(alpha_off, omega_comp) + d_ve / r_ve_off(1 - alpha_off) + K_a/omega_aigc + K_v/omega_ve.
// - r(a, p) = a B log2(1 + p h / (a B N0)) is jointly concave (a perspective of log), so 1/r is convex: (1) is jointly
//   convex in (alpha_back, beta). In (2), 1/T_off is a parallel sum of concave functions (concave), so L_comp* =
//   1 / (1/T_loc + 1/T_off) is jointly convex in (alpha_off, omega_comp); the rest is convex. Both are convex problems.
// - For fixed omega_comp = w, min K_a/omega_aigc + K_v/omega_ve over omega_aigc + omega_ve = 1 - w is
//   (sqrt K_a + sqrt K_v)^2 / (1 - w) at omega_i proportional to sqrt K_i (closed form).
// - Minimising a jointly convex function over one variable leaves a convex function of the other, so nested
//   golden-section searches (outer over alpha, inner over beta or w) find the global minimum.
import type { Scenario } from '../scenario.js';
import { A, ACTION_SIZE, LATENCY_SIZE, S, STATE_SIZE } from './layout.js';
import { latency, rate } from './reference.js';

/** Golden-section iterations of each search (bracket shrinks by 0.618 per iteration: 2e-7 of [0, 1] after 32; the objective is flat there, so L_total is ~1e-13 relative from its minimum). */
export const OPT_OUTER_ITERATIONS = 32;
export const OPT_INNER_ITERATIONS = 32;
const INVPHI = (Math.sqrt(5) - 1) / 2;

/** Minimises a convex f on [lo, hi] by golden-section search; returns the best point evaluated. */
export function goldenSection(f: (x: number) => number, lo: number, hi: number, iterations: number): { x: number; value: number } {
  let a = lo, b = hi;
  let x1 = b - INVPHI * (b - a), x2 = a + INVPHI * (b - a);
  let f1 = f(x1), f2 = f(x2);
  for (let i = 0; i < iterations; i++) {
    if (f1 <= f2) { b = x2; x2 = x1; f2 = f1; x1 = b - INVPHI * (b - a); f1 = f(x1); }
    else { a = x1; x1 = x2; f1 = f2; x2 = a + INVPHI * (b - a); f2 = f(x2); }
  }
  return f1 <= f2 ? { x: x1, value: f1 } : { x: x2, value: f2 };
}

/** Per-state constants of the objective. */
interface Loads {
  tLocal: number;      // chi d_comp / f_local, s
  kComp: number;       // chi d_comp / f_ES, s at omega_comp = 1
  kAigc: number;       // generation time of aigc at omega = 1, s
  kVe: number;         // generation time of ve at omega = 1, s
}

function loads(s: Scenario, state: ArrayLike<number>): Loads {
  const chi = s.cyclesPerBit;
  const gen = (bits: number) => (s.xi * chi * bits + s.zeta) * s.genUnitCycles / s.fEs;
  return {
    tLocal: chi * state[S.dComp] / s.fLocal,
    kComp: chi * state[S.dComp] / s.fEs,
    kAigc: gen(state[S.dAigc]),
    kVe: gen(s.psi * state[S.dVe]),
  };
}

const div = (load: number, capacity: number) => (load === 0 ? 0 : capacity <= 0 ? Infinity : load / capacity);

/** Part (1): backhaul time for (alpha_back, beta). */
function backhaulTime(s: Scenario, state: ArrayLike<number>, alphaBack: number, beta: number): number {
  const B = s.bandwidth.back, N0 = s.noiseWattsPerHz, P = s.power.es;
  return div(state[S.dAigc], rate(alphaBack, beta * P, state[S.hAigcBack], B, N0)) +
    div(s.psi * state[S.dVe], rate(1 - alphaBack, (1 - beta) * P, state[S.hVeBack], B, N0));
}

/**
 * L_comp* = T_loc T_off / (T_loc + T_off) (lambda chosen optimally); T_off = inf gives T_loc; no load (both 0) gives 0.
 * Where the product overflows, the same value as the smaller time times a ratio <= 1.
 */
export function compTime(tLocal: number, tOff: number): number {
  if (tOff === Infinity) return tLocal;
  const sum = tLocal + tOff;
  if (sum === 0) return 0;
  const product = tLocal * tOff;
  return Number.isFinite(product) ? product / sum : tLocal <= tOff ? tLocal * (tOff / sum) : tOff * (tLocal / sum);
}

/**
 * The offloaded fraction lambda* = T_loc / (T_loc + T_off) that balances the local and offloaded parts; 0 when the comp
 * task has no load (T_loc = T_off = 0: MODEL.md's zero-load rule makes every lambda cost 0) or T_off is infinite.
 */
export function balancedLambda(tLocal: number, tOff: number): number {
  const sum = tLocal + tOff;
  return tOff === Infinity || sum === 0 ? 0 : tLocal / sum;
}

/** T_loc and T_off of a state at the given alpha_off and omega_comp (the other shares do not change L_comp). */
function compTimes(s: Scenario, state: ArrayLike<number>, alphaOff: number, omegaComp: number): { tLocal: number; tOff: number } {
  const L = loads(s, state);
  const uplink = div(state[S.dComp], rate(alphaOff, s.power.comp, state[S.hCompOff], s.bandwidth.off, s.noiseWattsPerHz));
  return { tLocal: L.tLocal, tOff: uplink + div(L.kComp, omegaComp) };
}

/** lambda* for a state at the given alpha_off and omega_comp. */
export function optLambda(s: Scenario, state: ArrayLike<number>, alphaOff: number, omegaComp: number): number {
  const { tLocal, tOff } = compTimes(s, state, alphaOff, omegaComp);
  return balancedLambda(tLocal, tOff);
}

/**
 * The latencies of OPT's action: as latency() gives them, with L_comp at lambda* itself (compTime) rather than through
 * the number lambda: where lambda* is within 1e-10 of 1 (a slow local CPU), 1 - lambda keeps only ~6 correct digits even
 * in float64, and the local part would be off by as much.
 */
export function optLatency(s: Scenario, state: ArrayLike<number>, action: ArrayLike<number>): [number, number, number, number] {
  const [, aigc, ve] = latency(s, state, action);
  const { tLocal, tOff } = compTimes(s, state, action[A.alphaOff], action[A.omegaComp]);
  const comp = compTime(tLocal, tOff);
  return [comp, aigc, ve, comp + aigc + ve];
}

export interface OptResult {
  action: Float64Array;   // (7,)
  latency: [number, number, number, number];
}

/** OPT for one state: the feasible action minimising L_total, and its latencies. */
export function optAction(s: Scenario, state: ArrayLike<number>): OptResult {
  const L = loads(s, state);
  const Boff = s.bandwidth.off, N0 = s.noiseWattsPerHz;

  // (1) backhaul: outer over alpha_back, inner over beta.
  const innerBeta = (alphaBack: number) => goldenSection((beta) => backhaulTime(s, state, alphaBack, beta), 0, 1, OPT_INNER_ITERATIONS);
  const alphaBack = goldenSection((a) => innerBeta(a).value, 0, 1, OPT_OUTER_ITERATIONS).x;
  const beta = innerBeta(alphaBack).x;

  // (2) offload + compute: outer over alpha_off, inner over omega_comp with the closed-form split of the rest.
  const sqrtA = Math.sqrt(L.kAigc), sqrtV = Math.sqrt(L.kVe);
  const genShared = (sqrtA + sqrtV) ** 2;
  const innerOmega = (alphaOff: number) => {
    const uplink = div(state[S.dComp], rate(alphaOff, s.power.comp, state[S.hCompOff], Boff, N0));
    return goldenSection((w) => compTime(L.tLocal, uplink + div(L.kComp, w)) + div(genShared, 1 - w), 0, 1, OPT_INNER_ITERATIONS);
  };
  const offloadObjective = (alphaOff: number) =>
    innerOmega(alphaOff).value + div(state[S.dVe], rate(1 - alphaOff, s.power.ve, state[S.hVeOff], Boff, N0));
  const alphaOff = goldenSection(offloadObjective, 0, 1, OPT_OUTER_ITERATIONS).x;
  const omegaComp = innerOmega(alphaOff).x;

  const lambda = optLambda(s, state, alphaOff, omegaComp);
  const rest = 1 - omegaComp;
  const omegaAigc = sqrtA + sqrtV === 0 ? rest / 2 : (rest * sqrtA) / (sqrtA + sqrtV);
  const action = new Float64Array(ACTION_SIZE);
  action[A.alphaOff] = alphaOff; action[A.alphaBack] = alphaBack; action[A.beta] = beta; action[A.lambda] = lambda;
  action[A.omegaComp] = omegaComp; action[A.omegaAigc] = omegaAigc; action[A.omegaVe] = rest - omegaAigc;
  return { action, latency: optLatency(s, state, action) };
}

/** OPT for many states. states: (n, 7) -> actions (n, 7), latencies (n, 4). */
export function optActions(s: Scenario, states: ArrayLike<number>): { actions: Float64Array; latencies: Float64Array } {
  const n = states.length / STATE_SIZE;
  const actions = new Float64Array(n * ACTION_SIZE);
  const latencies = new Float64Array(n * LATENCY_SIZE);
  for (let i = 0; i < n; i++) {
    const r = optAction(s, Array.prototype.slice.call(states, i * STATE_SIZE, (i + 1) * STATE_SIZE) as number[]);
    actions.set(r.action, i * ACTION_SIZE);
    latencies.set(r.latency, i * LATENCY_SIZE);
  }
  return { actions, latencies };
}
