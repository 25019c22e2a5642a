// Dense layers of a small MLP on a block of ROWS rows held in workgroup memory (the fused update kernels): forward,
// input gradient and weight gradient, each spread over the workgroup's THREADS invocations with a register block of
// FM_RB rows (forward, input gradient) or FM_KB weight rows (weight gradient) by FM_CB columns per work item (loads
// of columns past the last clamped, never stored; every output the same fma chain whatever FM_CB). Activations are
// regions of `fm_mem`, (ROWS, width) row-major at a region offset; weights are read through fm_weight(net, index) and
// the weight gradient written through fm_grad(net, index, value, first), both defined by the including kernel (net:
// which network). Needs the defines ROWS, FM_RB (divides ROWS), FM_KB, FM_CB, FM_FLOATS (workgroup floats) and
// `override THREADS`.

override THREADS: u32;
const ROWS: u32 = ${ROWS}u;
const FM_RB: u32 = ${FM_RB}u;
const FM_KB: u32 = ${FM_KB}u;
const FM_CB: u32 = ${FM_CB}u;
const FM_FLOATS: u32 = ${FM_FLOATS}u;

var<workgroup> fm_mem: array<f32, FM_FLOATS>;

// The first minibatch row of the block in fm_mem (set by the update before its backward; fm_store_layer).
var<private> fm_block_row: u32;

// y[r][o] = b[o] + sum_k x[r][k] W[k][o] (fma over k = 0, 1, ... from 0, then + bias, as linear_forward.wgsl), ReLU
// when `relu`. x: region x_at (ROWS, inputs); y: region y_at (ROWS, outputs). Work item: FM_RB rows of FM_CB columns,
// consecutive invocations on consecutive column blocks.
fn fm_forward(lid: u32, net: u32, x_at: u32, inputs: u32, outputs: u32, w_at: u32, b_at: u32, relu: bool, y_at: u32) {
  let col_blocks = (outputs + FM_CB - 1u) / FM_CB;
  let items = (ROWS / FM_RB) * col_blocks;
  for (var e = lid; e < items; e += THREADS) {
    let o0 = (e % col_blocks) * FM_CB;
    let r0 = (e / col_blocks) * FM_RB;
    var acc: array<f32, FM_RB * FM_CB>;
    for (var j = 0u; j < FM_RB * FM_CB; j++) { acc[j] = 0.0; }
    for (var k = 0u; k < inputs; k++) {
      var w: array<f32, FM_CB>;
      for (var c = 0u; c < FM_CB; c++) { w[c] = fm_weight(net, w_at + k * outputs + min(o0 + c, outputs - 1u)); }
      for (var j = 0u; j < FM_RB; j++) {
        let x = fm_mem[x_at + (r0 + j) * inputs + k];
        for (var c = 0u; c < FM_CB; c++) { acc[j * FM_CB + c] = fma(x, w[c], acc[j * FM_CB + c]); }
      }
    }
    for (var c = 0u; c < FM_CB; c++) {
      let o = o0 + c;
      if (o >= outputs) { break; }
      let bias = fm_weight(net, b_at + o);
      for (var j = 0u; j < FM_RB; j++) {
        var value = acc[j * FM_CB + c] + bias;
        if (relu) { value = max(value, 0.0); }
        fm_mem[y_at + (r0 + j) * outputs + o] = value;
      }
    }
  }
}

// dx[r][k - k_first] = sum_o d[r][o] W[k][o] for k in [k_first, inputs), times (a[r][k] > 0) when `masked` (the ReLU
// of the layer below, a: region a_at (ROWS, inputs)). d: region d_at (ROWS, outputs); dx: region dx_at
// (ROWS, inputs - k_first), which may be a_at itself (each element is read and written by one invocation). Work item:
// FM_RB rows of FM_CB columns k.
fn fm_backward_input(lid: u32, net: u32, d_at: u32, inputs: u32, outputs: u32, w_at: u32, k_first: u32, masked: bool, a_at: u32, dx_at: u32) {
  let columns = inputs - k_first;
  let col_blocks = (columns + FM_CB - 1u) / FM_CB;
  let items = (ROWS / FM_RB) * col_blocks;
  for (var e = lid; e < items; e += THREADS) {
    let c0 = (e % col_blocks) * FM_CB;
    let r0 = (e / col_blocks) * FM_RB;
    var w_row: array<u32, FM_CB>;
    for (var c = 0u; c < FM_CB; c++) { w_row[c] = w_at + (k_first + min(c0 + c, columns - 1u)) * outputs; }
    var acc: array<f32, FM_RB * FM_CB>;
    for (var j = 0u; j < FM_RB * FM_CB; j++) { acc[j] = 0.0; }
    for (var o = 0u; o < outputs; o++) {
      var w: array<f32, FM_CB>;
      for (var c = 0u; c < FM_CB; c++) { w[c] = fm_weight(net, w_row[c] + o); }
      for (var j = 0u; j < FM_RB; j++) {
        let d = fm_mem[d_at + (r0 + j) * outputs + o];
        for (var c = 0u; c < FM_CB; c++) { acc[j * FM_CB + c] = fma(d, w[c], acc[j * FM_CB + c]); }
      }
    }
    for (var c = 0u; c < FM_CB; c++) {
      if (c0 + c >= columns) { break; }
      let k = k_first + c0 + c;
      for (var j = 0u; j < FM_RB; j++) {
        var value = acc[j * FM_CB + c];
        if (masked && !(fm_mem[a_at + (r0 + j) * inputs + k] > 0.0)) { value = 0.0; }
        fm_mem[dx_at + (r0 + j) * columns + (k - k_first)] = value;
      }
    }
  }
}

// dW[k][o] = sum_r x[r][k] d[r][o] and db[o] = sum_r d[r][o] over the block's ROWS rows, handed to fm_grad (first: the
// block is the workgroup's first). x: region x_at (ROWS, inputs); d: region d_at (ROWS, outputs). Work item: FM_KB
// consecutive k (k = inputs is the bias) of FM_CB consecutive columns o.
fn fm_backward_weight(lid: u32, net: u32, x_at: u32, inputs: u32, outputs: u32, d_at: u32, w_at: u32, b_at: u32, first: bool) {
  let k_blocks = (inputs + FM_KB) / FM_KB;  // inputs + 1 rows (the bias last), in blocks of FM_KB
  let col_blocks = (outputs + FM_CB - 1u) / FM_CB;
  let items = k_blocks * col_blocks;
  for (var e = lid; e < items; e += THREADS) {
    let o0 = (e % col_blocks) * FM_CB;
    let k0 = (e / col_blocks) * FM_KB;
    var acc: array<f32, FM_KB * FM_CB>;
    for (var j = 0u; j < FM_KB * FM_CB; j++) { acc[j] = 0.0; }
    for (var r = 0u; r < ROWS; r++) {
      var d: array<f32, FM_CB>;
      for (var c = 0u; c < FM_CB; c++) { d[c] = fm_mem[d_at + r * outputs + min(o0 + c, outputs - 1u)]; }
      for (var j = 0u; j < FM_KB; j++) {
        let k = k0 + j;
        let x = select(fm_mem[x_at + r * inputs + min(k, inputs - 1u)], 1.0, k >= inputs);
        for (var c = 0u; c < FM_CB; c++) { acc[j * FM_CB + c] = fma(x, d[c], acc[j * FM_CB + c]); }
      }
    }
    for (var c = 0u; c < FM_CB; c++) {
      let o = o0 + c;
      if (o >= outputs) { break; }
      for (var j = 0u; j < FM_KB; j++) {
        let k = k0 + j;
        if (k < inputs) { fm_grad(net, w_at + k * outputs + o, acc[j * FM_CB + c], first); }
        else if (k == inputs) { fm_grad(net, b_at + o, acc[j * FM_CB + c], first); }
      }
    }
  }
}

#if ${FM_WEIGHT_PASS}
// The weight pass: a layer's block inputs x (region x_at, (ROWS, inputs)) and output deltas d (region d_at, (ROWS,
// outputs)) of the rows below `batch` written through fm_grad (first: a plain store) in place of the layer's weight
// gradient, which mlp_weight_adam.wgsl computes over the minibatch. A network's stored block is a copy of its regions:
// block b's inputs from float 2 b floats, its deltas from (2 b + 1) floats, each region at its offset from `base` (the
// network's first region); floats: the network's regions in all.
fn fm_store_layer(lid: u32, net: u32, x_at: u32, inputs: u32, d_at: u32, outputs: u32, batch: u32, base: u32, floats: u32) {
  let block = fm_block_row / ROWS;
  for (var e = lid; e < ROWS * inputs; e += THREADS) {
    if (fm_block_row + e / inputs < batch) { fm_grad(net, 2u * block * floats + x_at - base + e, fm_mem[x_at + e], true); }
  }
  for (var e = lid; e < ROWS * outputs; e += THREADS) {
    if (fm_block_row + e / outputs < batch) { fm_grad(net, (2u * block + 1u) * floats + d_at - base + e, fm_mem[d_at + e], true); }
  }
}
#endif

// The first float of workgroup `group`'s split-K slice of a network of `params` parameters (with FM_WEIGHT_PASS, 0:
// the workgroups store their blocks where fm_store_layer says).
fn fm_slice(group: u32, params: u32) -> u32 {
#if ${FM_WEIGHT_PASS}
  return 0u;
#else
  return group * params;
#endif
}
