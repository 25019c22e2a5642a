// Dense layers of a small MLP on a block of ROWS rows held in workgroup memory (the fused update kernels): forward,
// input gradient and weight gradient, each spread over the workgroup's THREADS invocations with a register block of
// FM_RB rows (forward, input gradient) or FM_KB weight rows (weight gradient) per work item. Activations are regions of
// `fm_mem`, (ROWS, width) row-major at a region offset; weights are read through fm_weight(net, index) and the weight
// gradient written through fm_grad(net, index, value, first), both defined by the including kernel (net: which network).
// Needs the defines ROWS, FM_RB (divides ROWS), FM_KB, FM_FLOATS (workgroup floats) and `override THREADS`.

override THREADS: u32;
const ROWS: u32 = ${ROWS}u;
const FM_RB: u32 = ${FM_RB}u;
const FM_KB: u32 = ${FM_KB}u;
const FM_FLOATS: u32 = ${FM_FLOATS}u;

var<workgroup> fm_mem: array<f32, FM_FLOATS>;

// y[r][o] = b[o] + sum_k x[r][k] W[k][o] (fma over k = 0, 1, ... from 0, then + bias, as linear_forward.wgsl), ReLU
// when `relu`. x: region x_at (ROWS, inputs); y: region y_at (ROWS, outputs). Work item: FM_RB rows of one column o,
// consecutive invocations on consecutive columns (the weight loads of a SIMD group are contiguous).
fn fm_forward(lid: u32, net: u32, x_at: u32, inputs: u32, outputs: u32, w_at: u32, b_at: u32, relu: bool, y_at: u32) {
  let items = (ROWS / FM_RB) * outputs;
  for (var e = lid; e < items; e += THREADS) {
    let o = e % outputs;
    let r0 = (e / outputs) * FM_RB;
    var acc: array<f32, FM_RB>;
    for (var j = 0u; j < FM_RB; j++) { acc[j] = 0.0; }
    for (var k = 0u; k < inputs; k++) {
      let w = fm_weight(net, w_at + k * outputs + o);
      for (var j = 0u; j < FM_RB; j++) { acc[j] = fma(fm_mem[x_at + (r0 + j) * inputs + k], w, acc[j]); }
    }
    let bias = fm_weight(net, b_at + o);
    for (var j = 0u; j < FM_RB; j++) {
      var value = acc[j] + bias;
      if (relu) { value = max(value, 0.0); }
      fm_mem[y_at + (r0 + j) * outputs + o] = value;
    }
  }
}

// dx[r][k - k_first] = sum_o d[r][o] W[k][o] for k in [k_first, inputs), times (a[r][k] > 0) when `masked` (the ReLU
// of the layer below, a: region a_at (ROWS, inputs)). d: region d_at (ROWS, outputs); dx: region dx_at
// (ROWS, inputs - k_first), which may be a_at itself (each element is read and written by one invocation).
fn fm_backward_input(lid: u32, net: u32, d_at: u32, inputs: u32, outputs: u32, w_at: u32, k_first: u32, masked: bool, a_at: u32, dx_at: u32) {
  let columns = inputs - k_first;
  let items = (ROWS / FM_RB) * columns;
  for (var e = lid; e < items; e += THREADS) {
    let k = k_first + e % columns;
    let r0 = (e / columns) * FM_RB;
    var acc: array<f32, FM_RB>;
    for (var j = 0u; j < FM_RB; j++) { acc[j] = 0.0; }
    for (var o = 0u; o < outputs; o++) {
      let w = fm_weight(net, w_at + k * outputs + o);
      for (var j = 0u; j < FM_RB; j++) { acc[j] = fma(fm_mem[d_at + (r0 + j) * outputs + o], w, acc[j]); }
    }
    for (var j = 0u; j < FM_RB; j++) {
      var value = acc[j];
      if (masked && !(fm_mem[a_at + (r0 + j) * inputs + k] > 0.0)) { value = 0.0; }
      fm_mem[dx_at + (r0 + j) * columns + (k - k_first)] = value;
    }
  }
}

// dW[k][o] = sum_r x[r][k] d[r][o] and db[o] = sum_r d[r][o] over the block's ROWS rows, handed to fm_grad (first: the
// block is the workgroup's first). x: region x_at (ROWS, inputs); d: region d_at (ROWS, outputs). Work item: FM_KB
// consecutive k (k = inputs is the bias) of one column o.
fn fm_backward_weight(lid: u32, net: u32, x_at: u32, inputs: u32, outputs: u32, d_at: u32, w_at: u32, b_at: u32, first: bool) {
  let k_blocks = (inputs + FM_KB) / FM_KB;  // inputs + 1 rows (the bias last), in blocks of FM_KB
  let items = k_blocks * outputs;
  for (var e = lid; e < items; e += THREADS) {
    let o = e % outputs;
    let k0 = (e / outputs) * FM_KB;
    var acc: array<f32, FM_KB>;
    for (var j = 0u; j < FM_KB; j++) { acc[j] = 0.0; }
    for (var r = 0u; r < ROWS; r++) {
      let d = fm_mem[d_at + r * outputs + o];
      for (var j = 0u; j < FM_KB; j++) {
        let k = k0 + j;
        let x = select(fm_mem[x_at + r * inputs + min(k, inputs - 1u)], 1.0, k >= inputs);
        acc[j] = fma(x, d, acc[j]);
      }
    }
    for (var j = 0u; j < FM_KB; j++) {
      let k = k0 + j;
      if (k < inputs) { fm_grad(net, w_at + k * outputs + o, acc[j], first); }
      else if (k == inputs) { fm_grad(net, b_at + o, acc[j], first); }
    }
  }
}
