// One server's optimal allocation for a fixed association on the GPU: solveServer of src/world/opt/server.ts in
// float32, one invocation per (environment, server), fixed iteration counts and selects only (no early exits, no warm
// starts). states: (count, WORLD_STATE_SIZE), association: (count, WORLD_USERS) server of each user in data order
// (0xffffffff: inactive) -> actions: the shares of this server's users in (count, WORLD_ACTION_SIZE) (lambda from the
// shares, a / (a + b)), totals: (count, WORLD_SERVERS) each server's L_total in float32. Sizes come from
// worldDefines(layout) (src/world/layout.ts); iteration counts from SOLVER_ITERATIONS (src/world/opt/server.ts).
// Over 300 lines: solveServer's three sub-solves and its bound in one kernel, as src/world/opt/server.ts keeps them.

// struct Params (count: environments): ROW_COUNT_PARAMS of src/env/gpu.ts
${PARAMS_STRUCT}

@group(0) @binding(0) var<uniform> params: Params;
// [N0, chi, fLocal, xi, zeta, psi, genUnitCycles, power.comp, power.ve, 0, 0, 0], then per server m at 12 + 4 m:
// [bandwidth.off, bandwidth.back, power, fEs].
@group(0) @binding(1) var<storage, read> constants: array<f32>;
@group(0) @binding(2) var<storage, read> states: array<f32>;              // (count, WORLD_STATE_SIZE)
@group(0) @binding(3) var<storage, read> association: array<u32>;         // (count, WORLD_USERS)
@group(0) @binding(4) var<storage, read_write> actions: array<f32>;       // (count, WORLD_ACTION_SIZE)
@group(0) @binding(5) var<storage, read_write> totals: array<f32>;        // (count, WORLD_SERVERS)

override WORKGROUP_SIZE: u32;
override COMPUTE_PRICE_ITERATIONS: u32;
override UPLINK_PRICE_ITERATIONS: u32;
override DOWNLINK_RATIO_ITERATIONS: u32;
override NEWTON_ITERATIONS: u32;

const USERS: u32 = ${WORLD_USERS}u;
const COMP: u32 = 0u;
const AIGC: u32 = 1u;
const VE: u32 = 2u;
const LN2: f32 = 0.6931471805599453;
// Below this argument the series replace the closed forms; above LARGE_LOG (ln v) the large-argument forms.
const SERIES_BELOW: f32 = 0.25;
const LARGE_LOG: f32 = 16.0;
const INF: f32 = 3.4028234663852886e38;

// This invocation's users (problem order = data order among the server's users).
var<private> n_users: u32;
var<private> u_type: array<u32, USERS>;
var<private> u_index: array<u32, USERS>;      // index within its type
var<private> u_k: array<f32, USERS>;          // uplink SNR at share 1
var<private> u_d: array<f32, USERS>;          // data, bits
var<private> u_a: array<f32, USERS>;          // comp: local time
var<private> u_sqrt_c: array<f32, USERS>;     // comp: sqrt(offloaded compute time at share 1)
var<private> u_delta: array<f32, USERS>;      // uplink time at v -> 0 per unit: d ln2 / (k B_off)
var<private> u_k_down: array<f32, USERS>;     // downlink SNR at share 1 of bandwidth and power
var<private> u_load_down: array<f32, USERS>;  // downlink bits
var<private> u_sqrt_g: array<f32, USERS>;     // aigc, ve: sqrt(generation time at share 1)
var<private> u_s: array<f32, USERS>;          // comp offset s = sqrt(C) / sigma
var<private> x_up: array<f32, USERS>;
var<private> rho: array<f32, USERS>;
var<private> q: array<f32, USERS>;
var<private> w_share: array<f32, USERS>;

fn log1p_f(v: f32) -> f32 {
  if (v < SERIES_BELOW) {
    var sum = 0.0; var p = v;
    for (var n = 1u; n <= 16u; n++) { sum += select(-p, p, n % 2u == 1u) / f32(n); p *= v; }
    return sum;
  }
  return log(1.0 + v);
}

fn log1p_over(v: f32) -> f32 { return select(log1p_f(v) / v, 1.0 - 0.5 * v, v < 1e-6); }

// (ln(1 + v) - v / (1 + v)) / v^2.
fn up_curvature(v: f32) -> f32 {
  if (v < SERIES_BELOW) {
    var sum = 0.0; var p = 1.0;
    for (var n = 2u; n <= 16u; n++) { sum += select(-1.0, 1.0, n % 2u == 0u) * f32(n - 1u) * p / f32(n); p *= v; }
    return sum;
  }
  return (log1p_f(v) - v / (1.0 + v)) / (v * v);
}

// ((1 + e) ln(1 + e) - e) / e^2.
fn down_curvature(e: f32) -> f32 {
  if (e < SERIES_BELOW) {
    var sum = 0.0; var p = 1.0;
    for (var n = 2u; n <= 16u; n++) { sum += select(-1.0, 1.0, n % 2u == 0u) * p / f32(n * (n - 1u)); p *= e; }
    return sum;
  }
  return ((1.0 + e) * log1p_f(e) - e) / (e * e);
}

// (ln psi, d ln psi / d ln v) at ln v = u.
fn log_psi(u: f32) -> vec2<f32> {
  if (u > LARGE_LOG) { return vec2<f32>(2.0 * u + log(u - 1.0) - 2.0 * log(u), 2.0 + 1.0 / (u - 1.0) - 2.0 / u); }
  let v = exp(u);
  let n2 = up_curvature(v);
  let l1 = log1p_over(v);
  return vec2<f32>(2.0 * u + log(n2) - 2.0 * log(l1), 2.0 + 1.0 / ((1.0 + v) * (1.0 + v) * n2) - 2.0 / ((1.0 + v) * l1));
}

// (ln chi, d ln chi / d ln e) at ln e = u.
fn log_chi(u: f32) -> vec2<f32> {
  if (u > LARGE_LOG) { return vec2<f32>(u + log(u - 1.0), u / (u - 1.0)); }
  let e = exp(u);
  let c2 = down_curvature(e);
  return vec2<f32>(2.0 * u + log(c2), log1p_over(e) / c2);
}

fn log_log1p_over(u: f32) -> f32 { return select(log(log1p_over(exp(u))), log(u) - u, u > LARGE_LOG); }

fn inverse_psi(goal: f32) -> f32 {
  var u = 0.5 * (LN2 + goal);
  for (var i = 0u; i < NEWTON_ITERATIONS; i++) { let f = log_psi(u); u += (goal - f.x) / f.y; }
  return u;
}

fn inverse_chi(goal: f32) -> f32 {
  var u = 0.5 * (LN2 + goal);
  for (var i = 0u; i < NEWTON_ITERATIONS; i++) { let f = log_chi(u); u += (goal - f.x) / f.y; }
  return u;
}

// Uplink share of user p at log scaled price log_m (comp: lambda = (a - s) / (a + D(x)) coupled in).
fn up_share(p: u32, log_m: f32) -> f32 {
  if (u_d[p] == 0.0) { return 0.0; }
  let goal = log_m + 2.0 * log(u_k[p]) - log(u_d[p]);
  if (u_type[p] == VE) { return u_k[p] * exp(-inverse_psi(goal)); }
  let a = u_a[p]; let s = u_s[p];
  if (a - s <= 0.0) { return 0.0; }
  let log_a = log(a); let log_top = log(a - s); let log_delta = log(u_delta[p]);
  var w = 0.5 * (LN2 + goal - 2.0 * log((a - s) / a));
  for (var i = 0u; i < NEWTON_ITERATIONS; i++) {
    let psi = log_psi(w);
    let log_d = log_delta - log_log1p_over(w);
    let log_ad = select(log_a + log1p_f(exp(log_d - log_a)), log_d + log1p_f(exp(log_a - log_d)), log_d > log_a);
    let share = exp(log_d - log_ad);
    let v = exp(min(w, LARGE_LOG));
    let elasticity = select(v * up_curvature(v) / log1p_over(v), (w - 1.0) / w, w > LARGE_LOG);
    let value = psi.x + 2.0 * (log_top - log_ad);
    let slope = psi.y - 2.0 * share * elasticity;
    w += (goal - value) / slope;
  }
  return u_k[p] * exp(-w);
}

// ln of the scaled price at which user p alone takes share x.
fn price_at_share(p: u32, x: f32) -> f32 {
  let v = u_k[p] / x;
  var lambda = 1.0;
  if (u_type[p] == COMP) { lambda = max(u_a[p] - u_s[p], 0.0) / (u_a[p] + u_delta[p] / log1p_over(v)); }
  return log_psi(log(v)).x + 2.0 * log(lambda) + log(u_d[p]) - 2.0 * log(u_k[p]);
}

fn up_active(p: u32) -> bool {
  return (u_type[p] == VE || u_type[p] == COMP) && u_d[p] > 0.0 && (u_type[p] == VE || u_a[p] - u_s[p] > 0.0);
}

fn up_sum(log_m: f32) -> f32 {
  var sum = 0.0;
  for (var p = 0u; p < n_users; p++) { x_up[p] = select(0.0, up_share(p, log_m), up_active(p)); sum += x_up[p]; }
  return sum;
}

// Uplink shares for the current offsets u_s (into x_up, summing to 1).
fn solve_uplink() {
  var n = 0u; var only = 0u;
  for (var p = 0u; p < n_users; p++) { x_up[p] = 0.0; if (up_active(p)) { n++; only = p; } }
  if (n == 0u) { return; }
  if (n == 1u) { x_up[only] = 1.0; return; }
  var lo = -INF; var hi = -INF;
  for (var p = 0u; p < n_users; p++) {
    if (up_active(p)) { lo = max(lo, price_at_share(p, 1.0)); hi = max(hi, price_at_share(p, 1.0 / f32(n))); }
  }
  // Illinois on f(log m) = 1 - sum x (increasing): step 0 evaluates lo, step 1 hi, then the method; one call site
  // (every call of a function is inlined by the compiler). x_up ends as the shares at the last point evaluated.
  var a = lo; var b = hi; var fa = 0.0; var fb = 0.0; var side = 0;
  for (var i = 0u; i < UPLINK_PRICE_ITERATIONS + 2u; i++) {
    let secant = select(0.5 * (a + b), (a * fb - b * fa) / (fb - fa), fb != fa);
    let x = select(select(select(0.5 * (a + b), secant, secant > a && secant < b), hi, i == 1u), lo, i == 0u);
    let fx = 1.0 - up_sum(x);
    if (i == 0u) { fa = fx; } else if (i == 1u) { fb = fx; }
    else if (fx > 0.0) { b = x; fb = fx; if (side == -1) { fa *= 0.5; } side = -1; }
    else if (fx < 0.0) { a = x; fa = fx; if (side == 1) { fb *= 0.5; } side = 1; }
    else { a = x; b = x; }
  }
  var sum = 0.0;
  for (var p = 0u; p < n_users; p++) { sum += x_up[p]; }
  for (var p = 0u; p < n_users; p++) { x_up[p] /= sum; }
}

// Uplink time of comp user p at share x_up[p] (inf at 0).
fn up_time(p: u32, b_off: f32) -> f32 {
  let x = x_up[p];
  if (x <= 0.0) { return INF; }
  return u_d[p] * LN2 / (x * b_off * log1p_f(u_k[p] / x));
}

// sigma with sum_comp a sqrt(C) (sigma - sqrt(C)/a)_+ / (a + D) + sigma sum sqrt(G) = 1, exactly.
fn compute_sigma(b_off: f32) -> f32 {
  var c = 0.0;
  for (var p = 0u; p < n_users; p++) { if (u_type[p] != COMP) { c += u_sqrt_g[p]; } }
  var best = 0.0;
  for (var j = 0u; j < n_users; j++) {
    if (u_type[j] != COMP || u_d[j] == 0.0) { continue; }
    let bj = u_sqrt_c[j] / u_a[j];
    var h = c * bj;
    for (var p = 0u; p < n_users; p++) {
      if (u_type[p] != COMP || u_d[p] == 0.0) { continue; }
      let slope = u_a[p] * u_sqrt_c[p] / (u_a[p] + up_time(p, b_off));
      h += slope * max(bj - u_sqrt_c[p] / u_a[p], 0.0);
    }
    if (bj > best && h <= 1.0) { best = bj; }
  }
  var num = 1.0; var den = c;
  for (var p = 0u; p < n_users; p++) {
    if (u_type[p] != COMP || u_d[p] == 0.0) { continue; }
    let bp = u_sqrt_c[p] / u_a[p];
    if (bp <= best) { let slope = u_a[p] * u_sqrt_c[p] / (u_a[p] + up_time(p, b_off)); num += slope * bp; den += slope; }
  }
  return select(INF, num / den, den > 0.0);
}

fn uplink_at(log_sigma: f32) {
  let sigma = exp(log_sigma);
  for (var p = 0u; p < n_users; p++) { u_s[p] = select(0.0, u_sqrt_c[p] / sigma, u_type[p] == COMP && u_d[p] > 0.0); }
  solve_uplink();
}

fn down_ratio(log_t: f32) -> vec2<f32> {
  let t = exp(log_t);
  var big_q = 0.0; var big_r = 0.0;
  for (var p = 0u; p < n_users; p++) {
    if (u_type[p] == COMP || u_load_down[p] == 0.0) { q[p] = 0.0; rho[p] = 0.0; continue; }
    let e = exp(inverse_chi(log_t + log(u_k_down[p])));
    rho[p] = e / u_k_down[p];
    q[p] = sqrt(u_load_down[p] / (log1p_f(e) * (t + rho[p])));
    big_q += q[p]; big_r += rho[p] * q[p];
  }
  return vec2<f32>(big_q, big_r);
}

fn time_of(load: f32, capacity: f32) -> f32 { return select(select(load / capacity, INF, capacity <= 0.0), 0.0, load == 0.0); }

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let item = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
  if (item >= params.count * ${WORLD_SERVERS}u) { return; }
  let env = item / ${WORLD_SERVERS}u;
  let m = item % ${WORLD_SERVERS}u;
  let n0 = constants[0]; let chi = constants[1]; let f_local = constants[2]; let xi = constants[3]; let zeta = constants[4];
  let psi = constants[5]; let gen_unit = constants[6]; let p_comp = constants[7]; let p_ve = constants[8];
  let b_off = constants[12u + 4u * m]; let b_back = constants[13u + 4u * m]; let p_es = constants[14u + 4u * m]; let f_es = constants[15u + 4u * m];
  let s0 = env * ${WORLD_STATE_SIZE}u;
  let a0 = env * ${WORLD_ACTION_SIZE}u;

  // Gather this server's users (data order: comp, ve, aigc).
  n_users = 0u;
  for (var j = 0u; j < USERS; j++) {
    if (association[env * USERS + j] != m) { continue; }
    let p = n_users; n_users++;
    let d = states[s0 + ${WORLD_S_DATA}u + j];
    u_d[p] = d;
    if (j < ${WORLD_COMP}u) {
      u_type[p] = COMP; u_index[p] = j;
      let h = states[s0 + ${WORLD_S_H_OFF_COMP}u + j * ${WORLD_SERVERS}u + m];
      u_k[p] = p_comp * h / (b_off * n0);
      u_load_down[p] = 0.0; u_sqrt_g[p] = 0.0; u_k_down[p] = 1.0;
    } else if (j < ${WORLD_COMP}u + ${WORLD_VE}u) {
      let i = j - ${WORLD_COMP}u;
      u_type[p] = VE; u_index[p] = i;
      u_k[p] = p_ve * states[s0 + ${WORLD_S_H_OFF_VE}u + i * ${WORLD_SERVERS}u + m] / (b_off * n0);
      u_k_down[p] = p_es * states[s0 + ${WORLD_S_H_BACK_VE}u + i * ${WORLD_SERVERS}u + m] / (b_back * n0);
      u_load_down[p] = psi * d;
      u_sqrt_g[p] = sqrt((xi * chi * psi * d + zeta) * gen_unit / f_es);
    } else {
      let i = j - ${WORLD_COMP}u - ${WORLD_VE}u;
      u_type[p] = AIGC; u_index[p] = i;
      u_k[p] = 1.0;
      u_k_down[p] = p_es * states[s0 + ${WORLD_S_H_BACK_AIGC}u + i * ${WORLD_SERVERS}u + m] / (b_back * n0);
      u_load_down[p] = d;
      u_sqrt_g[p] = sqrt((xi * chi * d + zeta) * gen_unit / f_es);
    }
    u_a[p] = chi * d / f_local;
    u_sqrt_c[p] = sqrt(chi * d / f_es);
    u_delta[p] = d * LN2 / (u_k[p] * b_off);
    u_s[p] = 0.0;
  }

  // Downlink: Illinois on log t between the users' own rho = 1 ratios.
  var loaded = 0u; var lo = INF; var hi = -INF;
  for (var p = 0u; p < n_users; p++) {
    if (u_type[p] == COMP || u_load_down[p] == 0.0) { continue; }
    loaded++;
    let k = u_k_down[p];
    let tj = select(log((1.0 + k) * log1p_f(k) - k), log(k * k * down_curvature(k)), k < SERIES_BELOW) - log(k);
    lo = min(lo, tj); hi = max(hi, tj);
  }
  var down_q = vec2<f32>(1.0, 1.0);
  if (loaded > 1u) {
    var a = lo; var b = hi; var fa = 0.0; var fb = 0.0; var side = 0;
    for (var i = 0u; i < DOWNLINK_RATIO_ITERATIONS + 2u; i++) {
      let secant = select(0.5 * (a + b), (a * fb - b * fa) / (fb - fa), fb != fa);
      let x = select(select(select(0.5 * (a + b), secant, secant > a && secant < b), hi, i == 1u), lo, i == 0u);
      down_q = down_ratio(x);
      let fx = log(down_q.y) - log(down_q.x);
      if (i == 0u) { fa = fx; } else if (i == 1u) { fb = fx; }
      else if (fx > 0.0) { b = x; fb = fx; if (side == -1) { fa *= 0.5; } side = -1; }
      else if (fx < 0.0) { a = x; fa = fx; if (side == 1) { fb *= 0.5; } side = 1; }
      else { a = x; b = x; }
    }
  }

  // Uplink and compute: Illinois on log sigma around the inner uplink solve.
  var has_comp = false; var sum_sqrt_c = 0.0; var c = 0.0;
  for (var p = 0u; p < n_users; p++) {
    if (u_type[p] == COMP && u_d[p] > 0.0) { has_comp = true; sum_sqrt_c += u_sqrt_c[p]; }
    if (u_type[p] != COMP) { c += u_sqrt_g[p]; }
  }
  // Without comp users one evaluation (sigma = 1 / c); otherwise lo, hi and the method, one call site.
  let lo_s = -log(sum_sqrt_c + c);
  let hi_s = select(lo_s + log(1e12), -log(c), c > 0.0);
  var a = lo_s; var b = hi_s; var fa = 0.0; var fb = 0.0; var side = 0; var sigma = INF;
  let outer = select(1u, COMPUTE_PRICE_ITERATIONS + 2u, has_comp);
  for (var i = 0u; i < outer; i++) {
    let secant = select(0.5 * (a + b), (a * fb - b * fa) / (fb - fa), fb != fa);
    let x = select(select(select(0.5 * (a + b), secant, secant > a && secant < b), hi_s, i == 1u), lo_s, i == 0u);
    uplink_at(x);
    sigma = select(select(INF, 1.0 / c, c > 0.0), compute_sigma(b_off), has_comp);
    let fx = x - log(sigma);
    if (i == 0u) { fa = fx; } else if (i == 1u) { fb = fx; }
    else if (fx > 0.0) { b = x; fb = fx; if (side == -1) { fa *= 0.5; } side = -1; }
    else if (fx < 0.0) { a = x; fa = fx; if (side == 1) { fb *= 0.5; } side = 1; }
    else { a = x; b = x; }
  }

  // Compute shares (normalised), then the action and this server's L_total.
  var w_sum = 0.0;
  for (var p = 0u; p < n_users; p++) {
    var w = 0.0;
    if (u_type[p] == COMP) {
      let dt = up_time(p, b_off);
      w = select(0.0, max(u_a[p] - u_sqrt_c[p] / sigma, 0.0) / (u_a[p] + dt) * u_sqrt_c[p] * sigma, u_d[p] > 0.0 && dt < INF && sigma < INF);
    } else {
      w = select(0.0, u_sqrt_g[p] * sigma, sigma < INF);
    }
    w_share[p] = w;
    w_sum += w;
  }
  var total = 0.0;
  for (var p = 0u; p < n_users; p++) {
    let i = u_index[p];
    let w = select(0.0, w_share[p] / w_sum, w_sum > 0.0);
    let d = u_d[p];
    let x = x_up[p];
    let up_time_p = time_of(d, select(0.0, x * b_off * log1p_f(u_k[p] / max(x, 1e-30)) / LN2, x > 0.0));
    if (u_type[p] == COMP) {
      actions[a0 + ${WORLD_A_UP}u + i] = x;
      actions[a0 + ${WORLD_A_COMPUTE}u + i] = w;
      let local = time_of(chi * d, f_local);
      let off = up_time_p + time_of(chi * d, w * f_es);
      actions[a0 + ${WORLD_A_LAMBDA}u + i] = select(local / (local + off), 0.0, d == 0.0 || off >= INF);
      total += select(select(local * off / (local + off), local, off >= INF), 0.0, d == 0.0);
      continue;
    }
    let loaded_p = u_load_down[p] > 0.0;
    let y = select(0.0, select(q[p] / down_q.x, 1.0, loaded == 1u), loaded_p);
    let z = select(0.0, select(rho[p] * q[p] / down_q.y, 1.0, loaded == 1u), loaded_p);
    let r_down = select(0.0, y * b_back * log1p_f(u_k_down[p] * z / max(y, 1e-30)) / LN2, y > 0.0);
    let latency = time_of(u_sqrt_g[p] * u_sqrt_g[p], w) + time_of(u_load_down[p], r_down);
    if (u_type[p] == AIGC) {
      actions[a0 + ${WORLD_A_DOWN}u + i] = y;
      actions[a0 + ${WORLD_A_POWER}u + i] = z;
      actions[a0 + ${WORLD_A_COMPUTE}u + ${WORLD_COMP}u + i] = w;
      total += latency;
    } else {
      actions[a0 + ${WORLD_A_UP}u + ${WORLD_COMP}u + i] = x;
      actions[a0 + ${WORLD_A_DOWN}u + ${WORLD_AIGC}u + i] = y;
      actions[a0 + ${WORLD_A_POWER}u + ${WORLD_AIGC}u + i] = z;
      actions[a0 + ${WORLD_A_COMPUTE}u + ${WORLD_COMP}u + ${WORLD_AIGC}u + i] = w;
      total += latency + up_time_p;
    }
  }
  totals[item] = total;
}
