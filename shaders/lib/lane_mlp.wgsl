// Dense layers of a small MLP on LANE_ROWS rows held by one invocation in private memory (the lane update kernels,
// for adapters whose invocations are the SIMD lanes of a CPU core): each layer's weights are loaded once per LANE_ROWS
// rows (the same address in every invocation) and the rows' activations never leave the invocation, so there is no
// workgroup memory and no barrier. Activations are regions of `lm`, (LANE_ROWS, width) row-major at a region offset
// (the tables of src/train/fusedMlpDefines.ts netDefines at LANE_ROWS rows); weights are read through
// fm_weight(net, index) and each weight-gradient entry written once through lane_grad(net, index, value), both
// defined by the including kernel. Needs the defines LANE_ROWS and LM_FLOATS. Every array is initialised explicitly.

const LANE_ROWS: u32 = ${LANE_ROWS}u;
const LM_FLOATS: u32 = ${LM_FLOATS}u;

var<private> lm: array<f32, LM_FLOATS>;

// Row r of an invocation's split-K slice `slice`: its index in the minibatch (rows at or past the batch add nothing).
fn lane_row(slice: u32, r: u32) -> u32 { return slice * LANE_ROWS + r; }

// Four consecutive weights from i, the last ones repeated past i + n - 1 (n <= 4 of them used).
fn lm_weights4(net: u32, i: u32, n: u32) -> vec4<f32> {
  return vec4<f32>(fm_weight(net, i), fm_weight(net, i + min(1u, n - 1u)), fm_weight(net, i + min(2u, n - 1u)), fm_weight(net, i + min(3u, n - 1u)));
}

// y[r][o] = b[o] + sum_k x[r][k] W[k][o] (fma over k = 0, 1, ... from 0, then + bias), ReLU when `relu`.
// x: region x_at (LANE_ROWS, inputs); y: region y_at (LANE_ROWS, outputs). Four outputs at a time.
fn lm_forward(net: u32, x_at: u32, inputs: u32, outputs: u32, w_at: u32, b_at: u32, relu: bool, y_at: u32) {
  for (var o = 0u; o < outputs; o += 4u) {
    let n = min(4u, outputs - o);
    var acc: array<vec4<f32>, LANE_ROWS>;
    for (var r = 0u; r < LANE_ROWS; r++) { acc[r] = vec4<f32>(0.0); }
    for (var k = 0u; k < inputs; k++) {
      let w = lm_weights4(net, w_at + k * outputs + o, n);
      for (var r = 0u; r < LANE_ROWS; r++) { acc[r] = fma(vec4<f32>(lm[x_at + r * inputs + k]), w, acc[r]); }
    }
    let bias = lm_weights4(net, b_at + o, n);
    for (var r = 0u; r < LANE_ROWS; r++) {
      var v = acc[r] + bias;
      if (relu) { v = max(v, vec4<f32>(0.0)); }
      for (var c = 0u; c < n; c++) { lm[y_at + r * outputs + o + c] = v[c]; }
    }
  }
}

// The invocation's weight gradient of a layer: gW[k][o] = sum_r x[r][k] d[r][o], gb[o] = sum_r d[r][o], each written
// once through lane_grad. x: region x_at (LANE_ROWS, inputs); d: region d_at (LANE_ROWS, outputs).
fn lm_backward_weight(net: u32, x_at: u32, inputs: u32, outputs: u32, d_at: u32, w_at: u32, b_at: u32) {
  for (var o = 0u; o < outputs; o++) {
    var g = 0.0;
    for (var r = 0u; r < LANE_ROWS; r++) { g += lm[d_at + r * outputs + o]; }
    lane_grad(net, b_at + o, g);
  }
  for (var k = 0u; k < inputs; k++) {
    for (var o = 0u; o < outputs; o += 4u) {
      let n = min(4u, outputs - o);
      var g = vec4<f32>(0.0);
      for (var r = 0u; r < LANE_ROWS; r++) {
        let d = r * outputs + o;
        let d4 = vec4<f32>(lm[d_at + d], lm[d_at + d + min(1u, n - 1u)], lm[d_at + d + min(2u, n - 1u)], lm[d_at + d + min(3u, n - 1u)]);
        g = fma(vec4<f32>(lm[x_at + r * inputs + k]), d4, g);
      }
      for (var c = 0u; c < n; c++) { lane_grad(net, w_at + k * outputs + o + c, g[c]); }
    }
  }
}

// dx[r][k - k_first] = sum_o d[r][o] W[k][o] for k in [k_first, inputs), times (a[r][k] > 0) when `masked` (the ReLU of
// the layer below, a: region a_at (LANE_ROWS, inputs)). d: region d_at (LANE_ROWS, outputs); dx: region dx_at
// (LANE_ROWS, inputs - k_first), which may be a_at itself (each element is read before it is written).
fn lm_backward_input(net: u32, d_at: u32, inputs: u32, outputs: u32, w_at: u32, k_first: u32, masked: bool, a_at: u32, dx_at: u32) {
  let columns = inputs - k_first;
  for (var k = k_first; k < inputs; k++) {
    var acc: array<f32, LANE_ROWS>;
    for (var r = 0u; r < LANE_ROWS; r++) { acc[r] = 0.0; }
    for (var o = 0u; o < outputs; o++) {
      let w = fm_weight(net, w_at + k * outputs + o);
      for (var r = 0u; r < LANE_ROWS; r++) { acc[r] = fma(lm[d_at + r * outputs + o], w, acc[r]); }
    }
    for (var r = 0u; r < LANE_ROWS; r++) {
      var v = acc[r];
      if (masked && lm[a_at + r * inputs + k] <= 0.0) { v = 0.0; }
      lm[dx_at + r * columns + k - k_first] = v;
    }
  }
}
