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
// 0, but not known to the compiler: added to the trip counts of the loops over k, o and rows so that they stay loops
// (unrolled over constant sizes, the kernels took a minute to compile on lavapipe); only the register-block loops
// over FM_RB and FM_KB unroll. The kernel sets it first (fm_begin).
var<private> fm_opaque: u32;

// `opaque`: a uniform value the kernel knows to be 0 (e.g. u32(step.batch == 0xffffffffu)).
fn fm_begin(opaque: u32) { fm_opaque = opaque; }

// Every loop but the one over the invocation's own columns runs alike in all invocations, so the activation reads
// are the same address in every invocation of a SIMD group (one load, broadcast) and only the weight or delta reads
// differ per invocation: what a CPU implementation of WebGPU (lavapipe) runs fastest, and coalesced on a GPU.

// y[r][o] = b[o] + sum_k x[r][k] W[k][o] (fma over k = 0, 1, ... from 0, then + bias, as linear_forward.wgsl), ReLU
// when `relu`. x: region x_at (ROWS, inputs); y: region y_at (ROWS, outputs). Invocation: column o, FM_RB rows at a time.
fn fm_forward(lid: u32, net: u32, x_at: u32, inputs: u32, outputs: u32, w_at: u32, b_at: u32, relu: bool, y_at: u32) {
  for (var r0 = 0u; r0 < ROWS + fm_opaque; r0 += FM_RB) {
    for (var o = lid; o < outputs; o += THREADS) {
      var acc: array<f32, FM_RB>;
      for (var j = 0u; j < FM_RB; j++) { acc[j] = 0.0; }
      for (var k = 0u; k < inputs + fm_opaque; k++) {
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
}

// dx[r][k - k_first] = sum_o d[r][o] W[k][o] for k in [k_first, inputs), times (a[r][k] > 0) when `masked` (the ReLU
// of the layer below, a: region a_at (ROWS, inputs)). d: region d_at (ROWS, outputs); dx: region dx_at
// (ROWS, inputs - k_first), which may be a_at itself (each element is read and written by one invocation).
// Invocation: input column k, FM_RB rows at a time.
fn fm_backward_input(lid: u32, net: u32, d_at: u32, inputs: u32, outputs: u32, w_at: u32, k_first: u32, masked: bool, a_at: u32, dx_at: u32) {
  let columns = inputs - k_first;
  for (var r0 = 0u; r0 < ROWS + fm_opaque; r0 += FM_RB) {
    for (var c = lid; c < columns; c += THREADS) {
      let k = k_first + c;
      var acc: array<f32, FM_RB>;
      for (var j = 0u; j < FM_RB; j++) { acc[j] = 0.0; }
      for (var o = 0u; o < outputs + fm_opaque; o++) {
        let w = fm_weight(net, w_at + k * outputs + o);
        for (var j = 0u; j < FM_RB; j++) { acc[j] = fma(fm_mem[d_at + (r0 + j) * outputs + o], w, acc[j]); }
      }
      for (var j = 0u; j < FM_RB; j++) {
        var value = acc[j];
        if (masked && !(fm_mem[a_at + (r0 + j) * inputs + k] > 0.0)) { value = 0.0; }
        fm_mem[dx_at + (r0 + j) * columns + c] = value;
      }
    }
  }
}

// dW[k][o] = sum_r x[r][k] d[r][o] and db[o] = sum_r d[r][o] (k = inputs: x = 1) over the block's ROWS rows, in row
// order, handed to fm_grad (first: the block is the workgroup's first). x: region x_at (ROWS, inputs); d: region d_at
// (ROWS, outputs). Wide outputs: invocation = column o, FM_KB rows k of W at a time; narrow (outputs <= inputs, the
// heads): invocation = row k of W, FM_KB columns o at a time.
fn fm_backward_weight(lid: u32, net: u32, x_at: u32, inputs: u32, outputs: u32, d_at: u32, w_at: u32, b_at: u32, first: bool) {
  if (outputs > inputs) {
    for (var k0 = 0u; k0 <= inputs + fm_opaque; k0 += FM_KB) {
      for (var o = lid; o < outputs; o += THREADS) {
        var acc: array<f32, FM_KB>;
        for (var j = 0u; j < FM_KB; j++) { acc[j] = 0.0; }
        for (var r = 0u; r < ROWS + fm_opaque; r++) {
          let d = fm_mem[d_at + r * outputs + o];
          for (var j = 0u; j < FM_KB; j++) {
            let k = k0 + j;
            acc[j] = fma(select(fm_mem[x_at + r * inputs + min(k, inputs - 1u)], 1.0, k >= inputs), d, acc[j]);
          }
        }
        for (var j = 0u; j < FM_KB; j++) {
          let k = k0 + j;
          if (k < inputs) { fm_grad(net, w_at + k * outputs + o, acc[j], first); }
          else if (k == inputs) { fm_grad(net, b_at + o, acc[j], first); }
        }
      }
    }
  } else {
    for (var o0 = 0u; o0 < outputs + fm_opaque; o0 += FM_KB) {
      for (var k = lid; k <= inputs; k += THREADS) {
        var acc: array<f32, FM_KB>;
        for (var j = 0u; j < FM_KB; j++) { acc[j] = 0.0; }
        for (var r = 0u; r < ROWS + fm_opaque; r++) {
          let x = select(fm_mem[x_at + r * inputs + min(k, inputs - 1u)], 1.0, k >= inputs);
          for (var j = 0u; j < FM_KB; j++) {
            acc[j] = fma(x, fm_mem[d_at + r * outputs + min(o0 + j, outputs - 1u)], acc[j]);
          }
        }
        for (var j = 0u; j < FM_KB; j++) {
          let o = o0 + j;
          if (o < outputs) { fm_grad(net, select(w_at + k * outputs + o, b_at + o, k == inputs), acc[j], first); }
        }
      }
    }
  }
}
