// The optimal allocation of one edge server among its users for a fixed association, in float64, with a certified
// lower bound (docs/MODEL.md "The optimum of a world"). Over 300 lines: the three sub-solves and the bound share the
// per-user constants, and the derivation reads best in one place.
//
// With each comp user's lambda eliminated (lambda* = a / (a + b), T* = a b / (a + b), a the local and b the offloaded
// time; equivalently T* = min over lambda of (1 - lambda)^2 a + lambda^2 b) the server's problem is convex and splits:
// - downlink (bandwidth y and power z of aigc and ve users): for a price ratio t = (bandwidth price) / (power price),
//   every user's power per bandwidth rho solves chi(k rho) = t k (k its SNR at the whole bandwidth and power), and its
//   bandwidth is proportional to q = sqrt(D / (ln(1 + k rho) (t + rho))); t is the root of sum rho q = sum q (both
//   resources used up), found on [min_j t_j, max_j t_j] with t_j the ratio at which user j alone would take rho = 1.
// - uplink and compute: with compute price kappa = 1 / sigma^2 a comp user's lambda is (a - s)_+ / (a + D(x)),
//   s = sqrt(C kappa), and its compute share lambda sqrt(C) sigma (the square-root rule with the load weighted by
//   lambda^2); an aigc or ve user's compute share is sqrt(G) sigma. For fixed sigma, uplink shares come from one
//   price m (lambda^2 d psi(k / x) / k^2 = m per user, sum x = 1); for fixed uplink shares, sigma solves a piecewise
//   linear equation exactly. The outer root finder drives sigma to the fixed point of the two.
// The lower bound, valid at any iterate (a truncated solve still reports a proven gap): the Frank-Wolfe (convexity)
// bound of the downlink part, f(y, z) + min over the two simplices of grad f . (s - (y, z)), plus the Lagrangian dual
// function of the uplink-and-compute part at the final prices (each user's own minimum, certified by a tangent).
import { rate, time } from '../../env/reference.js';
import type { Scenario } from '../../scenario.js';
import type { Server, ServiceType } from '../world.js';
import { illinois, inverseChi, inversePsi, log1pOver, logLog1pOver, logPsi, newton, upCurvature } from './roots.js';

/** A server's active users with everything the allocation needs: type, data (bits), gains to this server. */
export interface ServerProblem { resources: Server; users: { type: ServiceType; d: number; hOff: number; hBack: number }[] }
/**
 * Per user (problem order): shares (0 where the type has no such resource), comp lambda, latency; the sum and its
 * bound; the prices (s per unit share of each resource; 0 where no user needs it) at which the solve ended.
 */
export interface ServerSolution {
  up: Float64Array; down: Float64Array; power: Float64Array; compute: Float64Array; lambda: Float64Array;
  latency: Float64Array; total: number; lowerBound: number;
  prices: { up: number; down: number; power: number; compute: number };
}

/** Root-finder iterations: outer over the compute price, inner over the uplink price, and over the downlink ratio. */
export interface SolverIterations { computePrice: number; uplinkPrice: number; downlinkRatio: number; newton: number }
export const SOLVER_ITERATIONS: SolverIterations = { computePrice: 24, uplinkPrice: 24, downlinkRatio: 40, newton: 12 };
/** Relative allowance for float64 rounding in the bound (the bound is exact arithmetic's minus this much of f). */
const BOUND_ROUNDING = 1e-12;

let it = SOLVER_ITERATIONS;

interface UpUser {
  index: number; k: number; d: number; comp: boolean; a: number; sqrtC: number; delta: number;
  /** The last solve's target, root (ln v) and slope there: a warm start for the next (NaN: none). */
  lastTarget?: number; lastW?: number; lastSlope?: number;
}

/** Uplink share of one user at scaled uplink price exp(logM) and comp offset s (lambda = (a - s) / (a + D(x))). */
function upShare(u: UpUser, logM: number, s: number): number {
  if (u.d === 0) return 0;
  // ve: psi(v) = m k^2 / d; comp: lambda(v)^2 d psi(v) / k^2 = m, lambda(v) = (a - s) / (a + delta / l1(v)).
  const base = logM + 2 * Math.log(u.k) - Math.log(u.d);
  if (!u.comp) {
    // psi's log slope is within [1.79, 2]: a step of the target moves the root by about half of it.
    const w = u.lastW !== undefined ? newton(logPsi, base, u.lastW + (base - u.lastTarget!) / 2, it.newton) : inversePsi(base, it.newton);
    u.lastTarget = base; u.lastW = w;
    return u.k * Math.exp(-w);
  }
  if (u.a - s <= 0) return 0;
  const lambdaMax = (u.a - s) / u.a;
  const target = base;
  // In logs throughout (v, D and lambda under- and overflow on their own far from the root).
  const logA = Math.log(u.a), logLambdaTop = Math.log(u.a - s), logDelta = Math.log(u.delta);
  const f = (w: number) => {
    const psi = logPsi(w);
    const logD = logDelta - logLog1pOver(w);                     // D = delta / (ln(1 + v) / v)
    const logAD = logD > logA ? logD + Math.log1p(Math.exp(logA - logD)) : logA + Math.log1p(Math.exp(logD - logA));
    const share = Math.exp(logD - logAD);                        // D / (a + D)
    const v = Math.exp(w);
    const elasticity = w > 34.5 ? (w - 1) / w : (v * upCurvature(v)) / log1pOver(v);   // d ln D / d ln v
    return { value: psi.value + 2 * (logLambdaTop - logAD), slope: psi.slope - 2 * share * elasticity };
  };
  // ln psi <= ln(v^2 / 2) and lambda <= lambdaMax: the cold start is left of the root; a warm start (the last root
  // moved by the change of target over the last slope) is kept only where it is right of the cold one.
  const cold = (Math.LN2 + target - 2 * Math.log(lambdaMax)) / 2;
  const warm = u.lastW !== undefined && u.lastSlope! > 0 ? u.lastW + (target - u.lastTarget!) / u.lastSlope! : cold;
  const w = newton(f, target, Math.max(cold, warm), it.newton);
  u.lastTarget = target; u.lastW = w; u.lastSlope = f(w).slope;
  return u.k * Math.exp(-w);
}

/** Scaled price at which user u alone takes share x (lambda evaluated at that share). */
function priceAtShare(u: UpUser, x: number, s: number): number {
  const v = u.k / x;
  const lp = logPsi(Math.log(v)).value;
  let lambda = 1;
  if (u.comp) lambda = Math.max(u.a - s, 0) / (u.a + u.delta / log1pOver(v));
  return lp + 2 * Math.log(lambda) + Math.log(u.d) - 2 * Math.log(u.k);
}

/**
 * Uplink shares for comp offsets s (per up user), summing to 1 (all 0 when no user has uplink load), and the log of
 * the scaled uplink price m = mu B / ln 2 that gives them (-inf: no load).
 */
function solveUplink(ups: UpUser[], s: Float64Array): { x: Float64Array; logM: number } {
  const x = new Float64Array(ups.length);
  const active: number[] = [];
  for (let i = 0; i < ups.length; i++) if (ups[i].d > 0 && (!ups[i].comp || ups[i].a - s[i] > 0)) active.push(i);
  const n = active.length;
  if (n === 0) return { x, logM: -Infinity };
  if (n === 1) { x[active[0]] = 1; return { x, logM: priceAtShare(ups[active[0]], 1, s[active[0]]) }; }
  let lo = -Infinity, hi = -Infinity;
  for (const i of active) { lo = Math.max(lo, priceAtShare(ups[i], 1, s[i])); hi = Math.max(hi, priceAtShare(ups[i], 1 / n, s[i])); }
  const sumAt = (logM: number) => { let sum = 0; for (const i of active) { x[i] = upShare(ups[i], logM, s[i]); sum += x[i]; } return sum; };
  // f(log m) = 1 - sum x: increasing in log m, <= 0 at lo and >= 0 at hi.
  const f = (logM: number) => 1 - sumAt(logM);
  const logM = illinois(f, lo, hi, f(lo), f(hi), it.uplinkPrice);
  const sum = sumAt(logM);
  for (const i of active) x[i] /= sum;
  return { x, logM };
}

/** The exact compute allocation for fixed uplink times D (comp): sigma with sum_i a_i (sigma - b_i)_+ + c sigma = 1. */
function computeSigma(slopes: number[], breaks: number[], c: number): number {
  const n = slopes.length;
  const h = (sigma: number) => { let sum = c * sigma; for (let i = 0; i < n; i++) sum += slopes[i] * Math.max(sigma - breaks[i], 0); return sum; };
  let best = 0;
  for (let j = 0; j < n; j++) if (breaks[j] > best && h(breaks[j]) <= 1) best = breaks[j];
  let num = 1, den = c;
  for (let i = 0; i < n; i++) if (breaks[i] <= best) { num += slopes[i] * breaks[i]; den += slopes[i]; }
  return den > 0 ? num / den : Infinity;
}

/** Solves one server's allocation (users in problem order; inactive users are left out by the caller). */
export function solveServer(scenario: Scenario, problem: ServerProblem, iterations: SolverIterations = SOLVER_ITERATIONS): ServerSolution {
  it = iterations;
  const { resources, users } = problem;
  const K = users.length;
  const out: ServerSolution = {
    up: new Float64Array(K), down: new Float64Array(K), power: new Float64Array(K), compute: new Float64Array(K),
    lambda: new Float64Array(K), latency: new Float64Array(K), total: 0, lowerBound: 0,
    prices: { up: 0, down: 0, power: 0, compute: 0 },
  };
  if (K === 0) return out;
  const N0 = scenario.noiseWattsPerHz, chi = scenario.cyclesPerBit;
  const Boff = resources.bandwidth.off, Bback = resources.bandwidth.back, P = resources.power, fEs = resources.fEs;
  const genCycles = (bits: number) => (scenario.xi * chi * bits + scenario.zeta) * scenario.genUnitCycles;

  // Per-user constants.
  const ups: UpUser[] = [];
  const gens: { index: number; sqrtG: number }[] = [];
  const downs: { index: number; k: number; D: number }[] = [];
  for (let i = 0; i < K; i++) {
    const u = users[i];
    if (u.type === 'comp' || u.type === 've') {
      const p = u.type === 'comp' ? scenario.power.comp : scenario.power.ve;
      const k = (p * u.hOff) / (Boff * N0);
      ups.push({ index: i, k, d: u.d, comp: u.type === 'comp', a: (chi * u.d) / scenario.fLocal, sqrtC: Math.sqrt((chi * u.d) / fEs), delta: (u.d * Math.LN2) / (k * Boff) });
    }
    if (u.type === 'aigc' || u.type === 've') {
      const G = genCycles(u.type === 've' ? scenario.psi * u.d : u.d) / fEs;
      gens.push({ index: i, sqrtG: Math.sqrt(G) });
      downs.push({ index: i, k: (P * u.hBack) / (Bback * N0), D: u.type === 've' ? scenario.psi * u.d : u.d });
    }
  }

  // Downlink.
  solveDownlink(downs, out);

  // Uplink and compute.
  const comps = ups.filter((u) => u.comp && u.d > 0);
  const c = gens.reduce((sum, g) => sum + g.sqrtG, 0);
  const s = new Float64Array(ups.length);
  let x: Float64Array = new Float64Array(ups.length);
  let logM = -Infinity, innerSigma = Infinity;   // the prices of the last uplink solve
  const upTimes = () => ups.map((u, i) => (u.comp ? time(u.d, rate(x[i], scenario.power.comp, users[u.index].hOff, Boff, N0)) : 0));
  const sigmaFor = (D: number[]) => {
    const slopes: number[] = [], breaks: number[] = [];
    ups.forEach((u, i) => {
      if (!u.comp || u.d === 0) return;
      slopes.push(Number.isFinite(D[i]) ? (u.a * u.sqrtC) / (u.a + D[i]) : 0);
      breaks.push(u.sqrtC / u.a);
    });
    return computeSigma(slopes, breaks, c);
  };
  const uplinkAt = (logSigma: number) => {
    innerSigma = Math.exp(logSigma);
    ups.forEach((u, i) => { s[i] = u.comp && u.d > 0 ? u.sqrtC / innerSigma : 0; });
    ({ x, logM } = solveUplink(ups, s));
  };
  let sigma = Infinity;
  if (comps.length > 0) {
    const sumSqrtC = comps.reduce((sum, u) => sum + u.sqrtC, 0);
    const lo = -Math.log(sumSqrtC + c);
    const hi = c > 0 ? -Math.log(c) : lo + Math.log(1e12);
    // g(log sigma) = log sigma - log F(sigma): increasing; <= 0 at lo, >= 0 at hi when c > 0.
    const g = (logSigma: number) => { uplinkAt(logSigma); return logSigma - Math.log(sigmaFor(upTimes())); };
    const logSigma = illinois(g, lo, hi, g(lo), g(hi), it.computePrice);
    uplinkAt(logSigma);
    sigma = sigmaFor(upTimes());
  } else {
    ({ x, logM } = solveUplink(ups, s));
    sigma = c > 0 ? 1 / c : Infinity;
    innerSigma = sigma;
  }
  const D = upTimes();
  ups.forEach((u, i) => { out.up[u.index] = x[i]; });
  // Compute shares: comp lambda sqrt(C) sigma with lambda = (a - sqrt(C)/sigma)_+ / (a + D); others sqrt(G) sigma.
  let computeSum = 0;
  ups.forEach((u, i) => {
    if (!u.comp || u.d === 0 || !Number.isFinite(sigma)) return;
    const lambda = Number.isFinite(D[i]) ? Math.max(u.a - u.sqrtC / sigma, 0) / (u.a + D[i]) : 0;
    out.compute[u.index] = lambda * u.sqrtC * sigma;
  });
  for (const g of gens) out.compute[g.index] = Number.isFinite(sigma) ? g.sqrtG * sigma : 0;
  for (let i = 0; i < K; i++) computeSum += out.compute[i];
  if (computeSum > 0) for (let i = 0; i < K; i++) out.compute[i] /= computeSum;
  else if (!Number.isFinite(sigma)) for (const u of comps) out.compute[u.index] = 1 / comps.length;

  evaluate(scenario, problem, out);
  const mu = (Math.exp(logM) * Math.LN2) / Boff, kappa = 1 / (innerSigma * innerSigma);
  out.prices.up = mu; out.prices.compute = Number.isFinite(kappa) ? kappa : 0;
  const bound = downlinkBound(scenario, problem, out) + upComputeDual(scenario, problem, ups, gens, mu, kappa);
  out.lowerBound = bound - BOUND_ROUNDING * Math.abs(out.total);
  return out;
}

/** Downlink bandwidth and power shares of the aigc and ve users (into out.down, out.power). */
function solveDownlink(downs: { index: number; k: number; D: number }[], out: ServerSolution): void {
  const loaded = downs.filter((u) => u.D > 0);
  if (loaded.length === 0) return;
  if (loaded.length === 1) { out.down[loaded[0].index] = 1; out.power[loaded[0].index] = 1; return; }
  const rho = new Float64Array(loaded.length), q = new Float64Array(loaded.length);
  const at = (logT: number) => {
    const t = Math.exp(logT);
    let Q = 0, R = 0;
    loaded.forEach((u, j) => {
      const e = Math.exp(inverseChi(logT + Math.log(u.k), it.newton));
      rho[j] = e / u.k;
      q[j] = Math.sqrt(u.D / (Math.log1p(e) * (t + rho[j])));
      Q += q[j]; R += rho[j] * q[j];
    });
    return { Q, R };
  };
  // t_j: the ratio at which user j's rho is 1: chi(k) / k.
  let lo = Infinity, hi = -Infinity;
  for (const u of loaded) {
    const tj = Math.log(downChi(u.k)) - Math.log(u.k);
    lo = Math.min(lo, tj); hi = Math.max(hi, tj);
  }
  const f = (logT: number) => { const { Q, R } = at(logT); return Math.log(R) - Math.log(Q); };
  const logT = lo === hi ? lo : illinois(f, lo, hi, f(lo), f(hi), it.downlinkRatio);
  const { Q, R } = at(logT);
  loaded.forEach((u, j) => { out.down[u.index] = q[j] / Q; out.power[u.index] = (rho[j] * q[j]) / R; });
}

/** chi(e) = (1 + e) ln(1 + e) - e. */
function downChi(e: number): number {
  return e < 0.01 ? e * e * (0.5 - e / 6 + (e * e) / 12) : (1 + e) * Math.log1p(e) - e;
}

/** Latencies (MODEL.md's formulas, lambda optimal for the shares) into out.latency, out.lambda, out.total. */
function evaluate(scenario: Scenario, problem: ServerProblem, out: ServerSolution): void {
  const { resources: r, users } = problem;
  const N0 = scenario.noiseWattsPerHz, chi = scenario.cyclesPerBit;
  const gen = (bits: number, w: number) => time((scenario.xi * chi * bits + scenario.zeta) * scenario.genUnitCycles, w * r.fEs);
  let total = 0;
  users.forEach((u, i) => {
    let L: number;
    if (u.type === 'comp') {
      const a = time(chi * u.d, scenario.fLocal);
      const b = time(u.d, rate(out.up[i], scenario.power.comp, u.hOff, r.bandwidth.off, N0)) + time(chi * u.d, out.compute[i] * r.fEs);
      const lambda = u.d === 0 || b === Infinity ? 0 : a / (a + b);
      out.lambda[i] = lambda;
      L = Math.max(time((1 - lambda) * chi * u.d, scenario.fLocal),
        time(lambda * u.d, rate(out.up[i], scenario.power.comp, u.hOff, r.bandwidth.off, N0)) + time(lambda * chi * u.d, out.compute[i] * r.fEs));
    } else if (u.type === 'aigc') {
      L = gen(u.d, out.compute[i]) + time(u.d, rate(out.down[i], out.power[i] * r.power, u.hBack, r.bandwidth.back, N0));
    } else {
      const back = scenario.psi * u.d;
      L = time(u.d, rate(out.up[i], scenario.power.ve, u.hOff, r.bandwidth.off, N0)) + gen(back, out.compute[i]) +
        time(back, rate(out.down[i], out.power[i] * r.power, u.hBack, r.bandwidth.back, N0));
    }
    out.latency[i] = L;
    total += L;
  });
  out.total = total;
}

/**
 * Frank-Wolfe (convexity) bound of the downlink part: f_down(y, z) + sum over bandwidth and power of
 * (min_i g_i - g . share), g the gradient (all g <= 0, so the minimum over {s >= 0, sum s <= 1} is the vertex of the
 * most negative g). Every loaded user has positive shares, where f_down is smooth; zero-load users have g = 0.
 */
function downlinkBound(scenario: Scenario, problem: ServerProblem, sol: ServerSolution): number {
  const { resources: r, users } = problem;
  const N0 = scenario.noiseWattsPerHz;
  let value = 0, minDown = 0, minPower = 0, dot = 0;
  users.forEach((u, i) => {
    if (u.type === 'comp') return;
    const load = u.type === 've' ? scenario.psi * u.d : u.d;
    if (load === 0) return;
    // load / r(y, z): r = (B / ln2) y ln(1 + e), e = k z / y; dr/dy = (B / ln2) (ln(1+e) - e/(1+e)), dr/dz = (B / ln2) k / (1 + e).
    const y = sol.down[i], z = sol.power[i];
    value += time(load, rate(y, z * r.power, u.hBack, r.bandwidth.back, N0));
    const k = (r.power * u.hBack) / (r.bandwidth.back * N0);
    const e = (k * z) / y;
    const F = y * Math.log1p(e);
    const scale = -(load * Math.LN2) / (r.bandwidth.back * F * F);
    const gDown = scale * e * e * upCurvature(e), gPower = scale * (k / (1 + e));
    minDown = Math.min(minDown, gDown); minPower = Math.min(minPower, gPower);
    dot += gDown * y + gPower * z;
  });
  sol.prices.down = -minDown; sol.prices.power = -minPower;
  return value + minDown + minPower - dot;
}

/**
 * The Lagrangian dual function of the uplink-and-compute part at uplink price mu and compute price kappa (s per unit
 * share): sum over users of their own minimum of latency + mu x + kappa w, minus mu + kappa. With lambda in its
 * variational form a comp user's minimum over (lambda, w) is a - (a - s)_+^2 / (a + D(x)), s = sqrt(C kappa), a convex
 * function phi(x); its minimum over x in [0, 1] is bounded below by the tangent at the Newton point x0,
 * phi(x0) + min(-x0 phi'(x0), (1 - x0) phi'(x0)), so the bound holds however accurate x0 is. A ve user's uplink
 * likewise; an aigc or ve user's compute gives 2 sqrt(G kappa).
 */
function upComputeDual(scenario: Scenario, problem: ServerProblem, ups: UpUser[], gens: { sqrtG: number }[], mu: number, kappa: number): number {
  let dual = -mu - kappa;
  for (const g of gens) dual += 2 * g.sqrtG * Math.sqrt(kappa);
  for (const u of ups) dual += upUserDual(scenario, problem.resources, u, problem.users[u.index].hOff, mu, kappa).value;
  return dual;
}

/**
 * One uplink user's certified minimum over x in [0, 1] (and, for comp, lambda and w >= 0) of its uplink-and-compute
 * latency + mu x (+ kappa w), with the shares at the Newton point.
 */
function upUserDual(scenario: Scenario, r: Server, u: UpUser, hOff: number, mu: number, kappa: number): { value: number; x: number; w: number } {
  if (u.d === 0) return { value: 0, x: 0, w: 0 };
  const N0 = scenario.noiseWattsPerHz, B = r.bandwidth.off;
  const p = u.comp ? scenario.power.comp : scenario.power.ve;
  const s = u.comp ? u.sqrtC * Math.sqrt(kappa) : 0;
  if (u.comp && s >= u.a) return { value: u.a, x: 0, w: 0 };      // lambda = 0 is optimal at this price
  const x0 = Math.min(Math.max(mu > 0 ? upShare(u, Math.log((mu * B) / Math.LN2), s) : 1, 1e-300), 1);
  const D = time(u.d, rate(x0, p, hOff, B, N0));
  const lambda = u.comp ? (u.a - s) / (u.a + D) : 1;
  const phi = (u.comp ? u.a - ((u.a - s) * (u.a - s)) / (u.a + D) : D) + mu * x0;
  // phi'(x0) = mu - lambda^2 (load ln2 / (B k^2)) psi(k / x0), in logs.
  const slope = mu - Math.exp(2 * Math.log(lambda) + Math.log((u.d * Math.LN2) / (B * u.k * u.k)) + logPsi(Math.log(u.k) - Math.log(x0)).value);
  return { value: phi + Math.min(-x0 * slope, (1 - x0) * slope), x: x0, w: u.comp && kappa > 0 ? lambda * u.sqrtC / Math.sqrt(kappa) : 0 };
}

/** Prices of one server's four resources, s per unit share. */
export interface ServerPrices { up: number; down: number; power: number; compute: number }

/**
 * A user's own minimum, on one server at these prices, of its latency + prices . shares (uplink share in [0, 1],
 * the others >= 0), and the shares where it is reached: the user's term of the Lagrangian dual of the association
 * problem. Downlink: with t = (bandwidth price) / (power price), rho solves chi(k rho) = t k and the minimum is
 * 2 sqrt(c (down + power rho) / ln(1 + k rho)), c = load ln2 / B_back; compute: 2 sqrt(G kappa).
 */
export function userDual(scenario: Scenario, server: Server, user: ServerProblem['users'][number], prices: ServerPrices): { value: number; up: number; down: number; power: number; compute: number } {
  const N0 = scenario.noiseWattsPerHz, chi = scenario.cyclesPerBit;
  const out = { value: 0, up: 0, down: 0, power: 0, compute: 0 };
  if (user.type === 'comp' || user.type === 've') {
    const p = user.type === 'comp' ? scenario.power.comp : scenario.power.ve;
    const k = (p * user.hOff) / (server.bandwidth.off * N0);
    const u: UpUser = { index: 0, k, d: user.d, comp: user.type === 'comp', a: (chi * user.d) / scenario.fLocal, sqrtC: Math.sqrt((chi * user.d) / server.fEs), delta: (user.d * Math.LN2) / (k * server.bandwidth.off) };
    const up = upUserDual(scenario, server, u, user.hOff, prices.up, prices.compute);
    out.value += up.value; out.up = up.x; out.compute = up.w;
  }
  if (user.type === 'aigc' || user.type === 've') {
    const bits = user.type === 've' ? scenario.psi * user.d : user.d;
    const G = ((scenario.xi * chi * bits + scenario.zeta) * scenario.genUnitCycles) / server.fEs;
    out.value += 2 * Math.sqrt(G * prices.compute);
    out.compute = prices.compute > 0 ? Math.sqrt(G / prices.compute) : 1;
    if (bits > 0 && prices.down > 0 && prices.power > 0) {
      const k = (server.power * user.hBack) / (server.bandwidth.back * N0);
      const t = prices.down / prices.power;
      const e = Math.exp(inverseChi(Math.log(t) + Math.log(k), it.newton));
      const rho = e / k, L = Math.log1p(e), c = (bits * Math.LN2) / server.bandwidth.back;
      out.value += 2 * Math.sqrt((c * (prices.down + prices.power * rho)) / L);
      out.down = Math.sqrt(c / (L * (prices.down + prices.power * rho)));
      out.power = rho * out.down;
    }
  }
  return out;
}
