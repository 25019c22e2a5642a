// Scalar pieces of the world's optimum (docs/MODEL.md "The optimum of a world"): the link functions in log
// coordinates, their inverses by Newton's method from a point left of the root, and a bracketed root finder. Every
// loop runs a fixed number of iterations and chooses with selects only, so a GPU kernel can run them elementwise.

/** Newton iterations of the per-user inverses (quadratic convergence from the left start: machine precision after ~5). */
export const NEWTON_ITERATIONS = 10;
/** Below this argument the series replace the closed forms (whose differences would lose digits). */
const SERIES_BELOW = 0.01;
/** Above this ln v the large-argument forms replace the closed forms. */
const LARGE_LOG = 34.5;

/** ln(log1p(v) / v) at v = exp(u) (overflow-free for large u). */
export function logLog1pOver(u: number): number {
  return u > LARGE_LOG ? Math.log(u) - u : Math.log(log1pOver(Math.exp(u)));
}

/** log1p(v) / v, 1 at v = 0. */
export function log1pOver(v: number): number {
  return v < 1e-8 ? 1 - v / 2 : Math.log1p(v) / v;
}

/**
 * (ln(1 + v) - v / (1 + v)) / v^2: the derivative of the spectral efficiency in the bandwidth share, scaled
 * (series sum_{n>=2} (-1)^n (n - 1) v^(n-2) / n below SERIES_BELOW).
 */
export function upCurvature(v: number): number {
  if (v < SERIES_BELOW) {
    let sum = 0, power = 1;
    for (let n = 2; n <= 10; n++) { sum += ((n % 2 === 0 ? 1 : -1) * (n - 1) * power) / n; power *= v; }
    return sum;
  }
  return (Math.log1p(v) - v / (1 + v)) / (v * v);
}

/** ((1 + e) ln(1 + e) - e) / e^2 (series sum_{n>=2} (-1)^n e^(n-2) / (n (n - 1)) below SERIES_BELOW). */
export function downCurvature(e: number): number {
  if (e < SERIES_BELOW) {
    let sum = 0, power = 1;
    for (let n = 2; n <= 10; n++) { sum += ((n % 2 === 0 ? 1 : -1) * power) / (n * (n - 1)); power *= e; }
    return sum;
  }
  return ((1 + e) * Math.log1p(e) - e) / (e * e);
}

/**
 * The uplink's marginal value psi(v) = v^2 (ln(1 + v) - v / (1 + v)) / ln(1 + v)^2 at SNR v = k / x, in logs:
 * ln psi and d ln psi / d ln v (2 at v -> 0, falling towards 1: ln psi is concave in ln v, and psi <= v^2 / 2).
 */
export function logPsi(u: number): { value: number; slope: number } {
  // Above v = 1e15, ln(1 + v) = u and v / (1 + v) = 1 to float64 precision (and exp(u) may overflow).
  if (u > LARGE_LOG) return { value: 2 * u + Math.log(u - 1) - 2 * Math.log(u), slope: 2 + 1 / (u - 1) - 2 / u };
  const v = Math.exp(u);
  const n2 = upCurvature(v), l1 = log1pOver(v);
  return { value: 2 * u + Math.log(n2) - 2 * Math.log(l1), slope: 2 + 1 / ((1 + v) * (1 + v) * n2) - 2 / ((1 + v) * l1) };
}

/**
 * The downlink's stationarity function chi(e) = (1 + e) ln(1 + e) - e at e = SNR of a user's power per bandwidth, in
 * logs: ln chi and d ln chi / d ln e (2 at e -> 0, falling towards 1; chi <= e^2 / 2).
 */
export function logChi(u: number): { value: number; slope: number } {
  if (u > LARGE_LOG) return { value: u + Math.log(u - 1), slope: u / (u - 1) };
  const e = Math.exp(u);
  const c2 = downCurvature(e);
  return { value: 2 * u + Math.log(c2), slope: log1pOver(e) / c2 };
}

/**
 * Newton's method on an increasing function of u from a start left of the root. The functions here are nearly linear
 * in log coordinates (ln psi's slope stays in [1.79, 2], ln chi's in [1, 2]), so it converges from any such start
 * in a few steps, then quadratically. At most `iterations` steps; it stops early once a step is below rounding
 * (a GPU port runs all of them, which changes the result by rounding only).
 */
export function newton(f: (u: number) => { value: number; slope: number }, target: number, start: number, iterations = NEWTON_ITERATIONS): number {
  let u = start;
  for (let i = 0; i < iterations; i++) {
    const { value, slope } = f(u);
    const step = (target - value) / slope;
    u += step;
    if (Math.abs(step) <= 1e-15 * (1 + Math.abs(u))) break;   // converged: further steps change nothing but rounding
  }
  return u;
}

/** ln v with psi(v) = exp(target): the start ln(2 exp(target)) / 2 is left of the root because psi(v) <= v^2 / 2. */
export function inversePsi(target: number, iterations = NEWTON_ITERATIONS): number {
  return newton(logPsi, target, (Math.LN2 + target) / 2, iterations);
}

/** ln e with chi(e) = exp(target): the start (ln 2 + target) / 2 is left of the root because chi(e) <= e^2 / 2. */
export function inverseChi(target: number, iterations = NEWTON_ITERATIONS): number {
  return newton(logChi, target, (Math.LN2 + target) / 2, iterations);
}

/**
 * The root of an increasing function f on [lo, hi] with f(lo) <= 0 <= f(hi) by the Illinois method (regula falsi
 * that halves a stale end's value), a fixed number of iterations; returns the last point evaluated, or an end when
 * the bracket is a point. `evaluate` may record the allocation at each point; the last call is at the returned point.
 */
export function illinois(f: (x: number) => number, lo: number, hi: number, fLo: number, fHi: number, iterations: number): number {
  let a = lo, b = hi, fa = fLo, fb = fHi, side = 0, x = a;
  for (let i = 0; i < iterations; i++) {
    const secant = fb !== fa ? (a * fb - b * fa) / (fb - fa) : 0.5 * (a + b);
    x = secant > a && secant < b ? secant : 0.5 * (a + b);
    const fx = f(x);
    if (fx > 0) { b = x; fb = fx; if (side === -1) fa *= 0.5; side = -1; }
    else if (fx < 0) { a = x; fa = fx; if (side === 1) fb *= 0.5; side = 1; }
    else break;
    if (b - a <= 4e-16 * (Math.abs(a) + Math.abs(b))) break;   // the bracket is a point to rounding (a GPU port runs on)
  }
  return x;
}
