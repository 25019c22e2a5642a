// Dense layers of a small MLP on LANE_ROWS rows held by one invocation (the lane update kernels, for adapters whose
// invocations are the SIMD lanes of a CPU core): each layer's weights are loaded once per LANE_ROWS rows (the same
// address in every invocation) and the rows' activations never leave the invocation, so there is no workgroup memory
// and no barrier. A network's activations live in a LaneMemory, a function-scope array of the kernel (one per
// network, each within WGSL's limit on one function's variables), as regions column-major (width, LANE_ROWS) from a
// region's first float (a multiple of LANE_ROWS: the tables of src/train/fusedMlpDefines.ts netDefines at LANE_ROWS
// rows), so that a column's rows are LANE_VECS whole vectors: every step of a layer's loop loads a column as vectors
// and the weights 8 at a time. Weights are read through fm_weight(net, index) and each weight-gradient entry of the
// slice written once through lane_store(net, index, value), both defined by the including kernel (lane_grad sums the
// entry first). Needs the defines LANE_ROWS (a multiple of 4), LM_FLOATS (the floats of a LaneMemory), LANE_SHARE (the
// workgroup one subgroup of 8 invocations that share their weight loads: lm_weights8), LANE_COLUMNS_FLOATS (0, or the
// workgroup memory through which such a workgroup shares its weight gradients: lm_weight_entries_shared) and
// LANE_BLOCKS (the blocks of rows each invocation of the including kernel takes). Every array is initialised
// explicitly.

const LANE_ROWS: u32 = ${LANE_ROWS}u;
const LANE_VECS: u32 = LANE_ROWS / 4u;
// Blocks of LANE_ROWS rows per invocation, one after the other, each with its own split-K slice.
const LANE_BLOCKS: u32 = ${LANE_BLOCKS}u;

alias LaneMemory = array<vec4<f32>, ${LM_FLOATS}u / 4u>;

// Row r of an invocation's rows `slice`: its index in the minibatch (rows at or past the batch add nothing).
fn lane_row(slice: u32, r: u32) -> u32 { return slice * LANE_ROWS + r; }

// The lane kernels' entry-point parameter: the invocation's index, and with LANE_SUBGROUPS its lane in the subgroup
// (the kernel layer enables `subgroups`).
struct LaneIds {
  @builtin(local_invocation_index) lid: u32,
#if ${LANE_SUBGROUPS}
  @builtin(subgroup_invocation_id) lane: u32,
#endif
}

// With LANE_SUBGROUPS, this invocation's lane in its subgroup (set by lane_slice).
var<private> lane_id: u32;

// No slice: an invocation whose rows all lie past the batch, which returns at once.
const NO_SLICE: u32 = 0xffffffffu;

// The split-K slice that the invocation with rows `slice` in workgroup `group` writes: its own, or with LANE_SUBGROUPS
// (the workgroup one subgroup, whose invocations add up their sums through lane_sum and lane 0 writes them) its
// workgroup's, for which every invocation of the workgroup carries on (rows past the batch add zero).
fn lane_slice(slice: u32, group: u32, batch: u32, ids: LaneIds) -> u32 {
#if ${LANE_SUBGROUPS}
  lane_id = ids.lane;
  return group;
#else
  return select(slice, NO_SLICE, lane_row(slice, 0u) >= batch);
#endif
}

// A sum over the invocations that write one slice (the subgroup's with LANE_SUBGROUPS, else the invocation's own);
// from subgroup-uniform control flow.
fn lane_sum(value: f32) -> f32 {
#if ${LANE_SUBGROUPS}
  return subgroupAdd(value);
#else
  return value;
#endif
}

// Whether this invocation writes its slice's sums.
fn lane_writes() -> bool {
#if ${LANE_SUBGROUPS}
  return lane_id == 0u;
#else
  return true;
#endif
}

// A weight-gradient entry of the slice: `value` summed over the invocations that write the slice (lane_sum), written
// once through the kernel's lane_store(net, index, value).
fn lane_grad(net: u32, i: u32, value: f32) {
  let total = lane_sum(value);
  if (lane_writes()) { lane_store(net, i, total); }
}

// Whether rows 4 v .. 4 v + 3 of the invocation's rows `slice` lie below `count` (the batch, or the envs).
fn lane_valid4(slice: u32, v: u32, count: u32) -> vec4<bool> {
  return vec4<u32>(lane_row(slice, 4u * v)) + vec4<u32>(0u, 1u, 2u, 3u) < vec4<u32>(count);
}

// The vector of rows 4 v .. 4 v + 3 of column k of the region from float `at`.
fn lm_index(at: u32, k: u32, v: u32) -> u32 { return at / 4u + k * LANE_VECS + v; }
// Element (row r, column k) of the region from float `at`.
fn lm_get(m: ptr<function, LaneMemory>, at: u32, r: u32, k: u32) -> f32 { return (*m)[lm_index(at, k, r / 4u)][r % 4u]; }

// The weights base + c * stride for c = 0 .. 7, the last repeated past n - 1 (n <= 8 of them used). With LANE_SHARE
// (the workgroup one subgroup of 8 invocations) invocation c of the subgroup loads weight c and the subgroup shares
// the 8 by subgroupBroadcast: llvmpipe does a load whose address is not a constant lane by lane, so this loads each
// weight once per subgroup instead of once per invocation (bench/RESULTS.md). The same weights either way.
alias LaneWeights = array<f32, 8>;
fn lm_weights8(net: u32, base: u32, stride: u32, n: u32) -> LaneWeights {
#if ${LANE_SHARE}
  let w = fm_weight(net, base + min(lane_id, n - 1u) * stride);
  return LaneWeights(subgroupBroadcast(w, 0u), subgroupBroadcast(w, 1u), subgroupBroadcast(w, 2u), subgroupBroadcast(w, 3u),
                     subgroupBroadcast(w, 4u), subgroupBroadcast(w, 5u), subgroupBroadcast(w, 6u), subgroupBroadcast(w, 7u));
#else
  return LaneWeights(fm_weight(net, base), fm_weight(net, base + min(1u, n - 1u) * stride),
                     fm_weight(net, base + min(2u, n - 1u) * stride), fm_weight(net, base + min(3u, n - 1u) * stride),
                     fm_weight(net, base + min(4u, n - 1u) * stride), fm_weight(net, base + min(5u, n - 1u) * stride),
                     fm_weight(net, base + min(6u, n - 1u) * stride), fm_weight(net, base + min(7u, n - 1u) * stride));
#endif
}

// Eight columns' accumulators of a vector of rows: acc[c * LANE_VECS + v] = fma(x, w[c], acc[c * LANE_VECS + v]).
alias LaneAccumulators = array<vec4<f32>, 8u * LANE_VECS>;
fn lm_fma8(acc: ptr<function, LaneAccumulators>, v: u32, x: vec4<f32>, w: LaneWeights) {
  (*acc)[v] = fma(x, vec4<f32>(w[0]), (*acc)[v]);
  (*acc)[LANE_VECS + v] = fma(x, vec4<f32>(w[1]), (*acc)[LANE_VECS + v]);
  (*acc)[2u * LANE_VECS + v] = fma(x, vec4<f32>(w[2]), (*acc)[2u * LANE_VECS + v]);
  (*acc)[3u * LANE_VECS + v] = fma(x, vec4<f32>(w[3]), (*acc)[3u * LANE_VECS + v]);
  (*acc)[4u * LANE_VECS + v] = fma(x, vec4<f32>(w[4]), (*acc)[4u * LANE_VECS + v]);
  (*acc)[5u * LANE_VECS + v] = fma(x, vec4<f32>(w[5]), (*acc)[5u * LANE_VECS + v]);
  (*acc)[6u * LANE_VECS + v] = fma(x, vec4<f32>(w[6]), (*acc)[6u * LANE_VECS + v]);
  (*acc)[7u * LANE_VECS + v] = fma(x, vec4<f32>(w[7]), (*acc)[7u * LANE_VECS + v]);
}

// sum_k x[r][k] W[k][o + c] for the n <= 8 outputs o .. o + n - 1 of a layer (inputs -> outputs; fma over k = 0, 1, ...
// from 0): element c * LANE_VECS + v, output o + c of the rows of vector v (past n, the last output's again). x: region
// x_at of m (inputs columns).
fn lm_products8(m: ptr<function, LaneMemory>, net: u32, x_at: u32, inputs: u32, outputs: u32, w_at: u32, o: u32, n: u32) -> LaneAccumulators {
  var acc: LaneAccumulators;
  for (var i = 0u; i < 8u * LANE_VECS; i++) { acc[i] = vec4<f32>(0.0); }
  for (var k = 0u; k < inputs; k++) {
    let w = lm_weights8(net, w_at + k * outputs + o, 1u, n);
    for (var v = 0u; v < LANE_VECS; v++) { lm_fma8(&acc, v, (*m)[lm_index(x_at, k, v)], w); }
  }
  return acc;
}

// y[r][o] = b[o] + sum_k x[r][k] W[k][o] (fma over k = 0, 1, ... from 0, then + bias), ReLU when `relu`.
// x: region x_at of m (inputs columns); y: region y_at of m (outputs columns). Eight outputs at a time; one for a
// 1-wide layer.
fn lm_forward(m: ptr<function, LaneMemory>, net: u32, x_at: u32, inputs: u32, outputs: u32, w_at: u32, b_at: u32, relu: bool, y_at: u32) {
  if (outputs == 1u) {
    lm_forward_1(m, net, x_at, inputs, w_at, b_at, relu, y_at);
    return;
  }
  for (var o = 0u; o < outputs; o += 8u) {
    let n = min(8u, outputs - o);
    let acc = lm_products8(m, net, x_at, inputs, outputs, w_at, o, n);
    let bias = lm_weights8(net, b_at + o, 1u, n);
    for (var c = 0u; c < n; c++) {
      for (var v = 0u; v < LANE_VECS; v++) {
        var y = acc[c * LANE_VECS + v] + vec4<f32>(bias[c]);
        if (relu) { y = max(y, vec4<f32>(0.0)); }
        (*m)[lm_index(y_at, o + c, v)] = y;
      }
    }
  }
}

// lm_forward of a 1-wide layer (a critic's head): eight inputs' weights at a time, added one by one.
fn lm_forward_1(m: ptr<function, LaneMemory>, net: u32, x_at: u32, inputs: u32, w_at: u32, b_at: u32, relu: bool, y_at: u32) {
  var acc: array<vec4<f32>, LANE_VECS>;
  for (var v = 0u; v < LANE_VECS; v++) { acc[v] = vec4<f32>(0.0); }
  for (var k = 0u; k < inputs; k += 8u) {
    let n = min(8u, inputs - k);
    let w = lm_weights8(net, w_at + k, 1u, n);
    for (var c = 0u; c < n; c++) {
      for (var v = 0u; v < LANE_VECS; v++) { acc[v] = fma((*m)[lm_index(x_at, k + c, v)], vec4<f32>(w[c]), acc[v]); }
    }
  }
  let bias = fm_weight(net, b_at);
  for (var v = 0u; v < LANE_VECS; v++) {
    var y = acc[v] + vec4<f32>(bias);
    if (relu) { y = max(y, vec4<f32>(0.0)); }
    (*m)[lm_index(y_at, 0u, v)] = y;
  }
}

// The rows' sum of a column's vectors: sum over v of the vectors, then (x + y) + (z + w).
fn lm_rows_sum(s: vec4<f32>) -> f32 { return (s.x + s.y) + (s.z + s.w); }

// lm_forward of a hidden layer (inputs -> hidden, ReLU; output region h_at) and of a one-output head above it (hidden ->
// 1, no ReLU, a critic's; output region y_at) in one loop over the hidden layer's blocks of 8 outputs: each block, once
// computed, adds its products to the head's sum, so that the head does not load the hidden columns back (llvmpipe
// loads a column lane by lane, bench/RESULTS.md). The head adds the hidden outputs' products in order from 0, then its
// bias, as lm_forward_1 does: the same bits.
fn lm_forward_head1(m: ptr<function, LaneMemory>, net: u32, x_at: u32, inputs: u32, hidden: u32, w_at: u32, b_at: u32, h_at: u32,
                    hw_at: u32, hb_at: u32, y_at: u32) {
  // head[v]: the head's output of the rows of vector v.
  var head: array<vec4<f32>, LANE_VECS>;
  for (var v = 0u; v < LANE_VECS; v++) { head[v] = vec4<f32>(0.0); }
  for (var o = 0u; o < hidden; o += 8u) {
    let n = min(8u, hidden - o);
    let acc = lm_products8(m, net, x_at, inputs, hidden, w_at, o, n);
    let bias = lm_weights8(net, b_at + o, 1u, n);
    let head_w = lm_weights8(net, hw_at + o, 1u, n);
    // The loop to 8 (not n) indexes the products by constants.
    for (var c = 0u; c < 8u; c++) {
      if (c < n) {
        for (var v = 0u; v < LANE_VECS; v++) {
          let y = max(acc[c * LANE_VECS + v] + vec4<f32>(bias[c]), vec4<f32>(0.0));
          (*m)[lm_index(h_at, o + c, v)] = y;
          head[v] = fma(y, vec4<f32>(head_w[c]), head[v]);
        }
      }
    }
  }
  let bias = fm_weight(net, hb_at);
  for (var v = 0u; v < LANE_VECS; v++) { (*m)[lm_index(y_at, 0u, v)] = head[v] + vec4<f32>(bias); }
}

// lm_backward_weight and lm_backward_input of a one-output head (hidden -> 1; input region h_at, the ReLU outputs of
// the layer below; dOutput at d_at) in one loop over the hidden columns, 8 at a time, each loaded once: with `grads`,
// the bias entry and each block's weight-gradient entries through lane_grad, then the block's deltas
// dh = (h > 0) d W[.] in place of h. The same sums as those two: lm_backward_input's fma from 0, and lane_grad's entries
// (lm_weight_entries_shared's on llvmpipe, whose subgroupAdd adds in its order).
fn lm_backward_head1(m: ptr<function, LaneMemory>, net: u32, h_at: u32, hidden: u32, d_at: u32, hw_at: u32, hb_at: u32, grads: bool) {
  var d: array<vec4<f32>, LANE_VECS>;
  for (var v = 0u; v < LANE_VECS; v++) { d[v] = (*m)[lm_index(d_at, 0u, v)]; }
  if (grads) {
    var s = vec4<f32>(0.0);
    for (var v = 0u; v < LANE_VECS; v++) { s += d[v]; }
    lane_grad(net, hb_at, lm_rows_sum(s));
  }
  for (var o = 0u; o < hidden; o += 8u) {
    let n = min(8u, hidden - o);
    let w = lm_weights8(net, hw_at + o, 1u, n);
    for (var c = 0u; c < 8u; c++) {
      if (c < n) {
        var h: array<vec4<f32>, LANE_VECS>;
        for (var v = 0u; v < LANE_VECS; v++) { h[v] = (*m)[lm_index(h_at, o + c, v)]; }
        if (grads) {
          var g = vec4<f32>(0.0);
          for (var v = 0u; v < LANE_VECS; v++) { g = fma(h[v], d[v], g); }
          lane_grad(net, hw_at + o + c, lm_rows_sum(g));
        }
        for (var v = 0u; v < LANE_VECS; v++) {
          let dh = fma(d[v], vec4<f32>(w[c]), vec4<f32>(0.0));
          (*m)[lm_index(h_at, o + c, v)] = select(dh, vec4<f32>(0.0), h[v] <= vec4<f32>(0.0));
        }
      }
    }
  }
}

#if ${LANE_COLUMNS_FLOATS}
// The rows of the workgroup (one subgroup of 8 invocations of LANE_ROWS rows), from the 8 columns of them that
// LANE_COLUMNS_FLOATS holds.
const LANE_GROUP_ROWS: u32 = ${LANE_COLUMNS_FLOATS}u / 8u;
// Eight columns of a layer's input, every invocation's rows (src/train/fusedUpdate.ts laneColumnsFloats):
// lane_columns[c * LANE_GROUP_ROWS / 4 + lane * LANE_VECS + v] holds rows 4 v .. 4 v + 3 of invocation lane's column c.
var<workgroup> lane_columns: array<vec4<f32>, ${LANE_COLUMNS_FLOATS}u / 4u>;
#endif

// The invocation's weight gradient of a layer: gW[k][o] = sum_r x[r][k] d[r][o], gb[o] = sum_r d[r][o], each written
// once through lane_grad (with LANE_COLUMNS_FLOATS, gW through lm_weight_entries_shared, and gb too where the last
// block of 8 input columns has a spare invocation). x: region x_at (inputs columns); d: region d_at (outputs columns).
// Blocks of 4 x 4 entries.
fn lm_backward_weight(m: ptr<function, LaneMemory>, net: u32, x_at: u32, inputs: u32, outputs: u32, d_at: u32, w_at: u32, b_at: u32) {
#if ${LANE_COLUMNS_FLOATS}
  let shared_bias = inputs % 8u != 0u;
#else
  let shared_bias = false;
#endif
  if (!shared_bias) {
    for (var o = 0u; o < outputs; o++) {
      var s = vec4<f32>(0.0);
      for (var v = 0u; v < LANE_VECS; v++) { s += (*m)[lm_index(d_at, o, v)]; }
      lane_grad(net, b_at + o, lm_rows_sum(s));
    }
  }
#if ${LANE_COLUMNS_FLOATS}
  lm_weight_entries_shared(m, net, x_at, inputs, outputs, d_at, w_at, select(NO_BIAS, b_at, shared_bias));
#else
  for (var o = 0u; o < outputs; o += 4u) {
    let n = min(4u, outputs - o);
    for (var k = 0u; k < inputs; k += 4u) {
      let nk = min(4u, inputs - k);
      // g[i * 4 + c]: entry (k + i, o + c), a vector of the rows' products.
      var g: array<vec4<f32>, 16>;
      for (var i = 0u; i < 16u; i++) { g[i] = vec4<f32>(0.0); }
      for (var v = 0u; v < LANE_VECS; v++) {
        let d0 = (*m)[lm_index(d_at, o, v)];
        let d1 = (*m)[lm_index(d_at, o + min(1u, n - 1u), v)];
        let d2 = (*m)[lm_index(d_at, o + min(2u, n - 1u), v)];
        let d3 = (*m)[lm_index(d_at, o + min(3u, n - 1u), v)];
        for (var i = 0u; i < 4u; i++) {
          let x = (*m)[lm_index(x_at, k + min(i, nk - 1u), v)];
          g[i * 4u] = fma(x, d0, g[i * 4u]);
          g[i * 4u + 1u] = fma(x, d1, g[i * 4u + 1u]);
          g[i * 4u + 2u] = fma(x, d2, g[i * 4u + 2u]);
          g[i * 4u + 3u] = fma(x, d3, g[i * 4u + 3u]);
        }
      }
      for (var i = 0u; i < nk; i++) {
        for (var c = 0u; c < n; c++) { lane_grad(net, w_at + (k + i) * outputs + o + c, lm_rows_sum(g[i * 4u + c])); }
      }
    }
  }
#endif
}

#if ${LANE_COLUMNS_FLOATS}
// No bias column in lm_weight_entries_shared.
const NO_BIAS: u32 = 0xffffffffu;

// lm_backward_weight's weight entries with the subgroup's 8 invocations sharing the work: invocation j takes the
// entries of input column k + j over all the workgroup's rows (the columns through workgroup memory, each output's rows
// by subgroupBroadcast) and writes them itself, instead of every invocation summing each entry over its own rows and
// lane_grad adding up the subgroup's sums. With b_at (not NO_BIAS) the bias entries are column `inputs`, a column of
// ones, taken by the last block's spare invocation. Each weight entry is added up the same way: an invocation's rows
// as lane_grad's vector of products, then (x + y) + (z + w), then the invocations in order from 0: as llvmpipe's
// subgroupAdd adds, so that there the weight gradients are lane_grad's bits (another adapter's subgroupAdd may add in
// another order). The bias entries taken this way come out a few last bits apart from lane_grad's on lavapipe (a few
// of 512 at the default config, bench/RESULTS.md). Per entry this takes a broadcast and an fma per vector of
// rows where lane_grad took a subgroup sum and a store of one invocation, and loads each input column once per 8
// outputs' worth of entries instead of once per 4.
fn lm_weight_entries_shared(m: ptr<function, LaneMemory>, net: u32, x_at: u32, inputs: u32, outputs: u32, d_at: u32, w_at: u32, b_at: u32) {
  let columns = select(inputs + 1u, inputs, b_at == NO_BIAS);
  for (var k = 0u; k < columns; k += 8u) {
    // Columns k .. k + 7 (the last repeated past the columns) into lane_columns, once the last block's are read.
    workgroupBarrier();
    for (var c = 0u; c < 8u; c++) {
      let column = min(k + c, columns - 1u);
      for (var v = 0u; v < LANE_VECS; v++) {
        let x = select((*m)[lm_index(x_at, min(column, inputs - 1u), v)], vec4<f32>(1.0), column == inputs);
        lane_columns[c * LANE_GROUP_ROWS / 4u + lane_id * LANE_VECS + v] = x;
      }
    }
    workgroupBarrier();
    // xs[l * LANE_VECS + v]: rows 4 v .. 4 v + 3 of invocation l, column k + lane_id.
    var xs: array<vec4<f32>, 8u * LANE_VECS>;
    for (var i = 0u; i < 8u * LANE_VECS; i++) { xs[i] = lane_columns[lane_id * LANE_GROUP_ROWS / 4u + i]; }
    let writes = k + lane_id < columns;
    let at = select(w_at + (k + lane_id) * outputs, b_at, k + lane_id == inputs);
    // Entry (k + lane_id, o): invocation l's rows' products with d from invocation l, added in order of l.
    for (var o = 0u; o < outputs; o++) {
      var d: array<vec4<f32>, LANE_VECS>;
      for (var v = 0u; v < LANE_VECS; v++) { d[v] = (*m)[lm_index(d_at, o, v)]; }
      var total = 0.0;
      total += lm_rows_sum(lm_shared_products(&xs, &d, 0u));
      total += lm_rows_sum(lm_shared_products(&xs, &d, 1u));
      total += lm_rows_sum(lm_shared_products(&xs, &d, 2u));
      total += lm_rows_sum(lm_shared_products(&xs, &d, 3u));
      total += lm_rows_sum(lm_shared_products(&xs, &d, 4u));
      total += lm_rows_sum(lm_shared_products(&xs, &d, 5u));
      total += lm_rows_sum(lm_shared_products(&xs, &d, 6u));
      total += lm_rows_sum(lm_shared_products(&xs, &d, 7u));
      if (writes) { lane_store(net, at + o, total); }
    }
  }
}

// The vector of products of invocation l's rows (lane_grad's g): x from xs, d broadcast from invocation l.
fn lm_shared_products(xs: ptr<function, array<vec4<f32>, 8u * LANE_VECS>>, d: ptr<function, array<vec4<f32>, LANE_VECS>>, l: u32) -> vec4<f32> {
  var g = vec4<f32>(0.0);
  for (var v = 0u; v < LANE_VECS; v++) {
    var dl: vec4<f32>;
    switch (l) {
      case 0u: { dl = subgroupBroadcast((*d)[v], 0u); }
      case 1u: { dl = subgroupBroadcast((*d)[v], 1u); }
      case 2u: { dl = subgroupBroadcast((*d)[v], 2u); }
      case 3u: { dl = subgroupBroadcast((*d)[v], 3u); }
      case 4u: { dl = subgroupBroadcast((*d)[v], 4u); }
      case 5u: { dl = subgroupBroadcast((*d)[v], 5u); }
      case 6u: { dl = subgroupBroadcast((*d)[v], 6u); }
      default: { dl = subgroupBroadcast((*d)[v], 7u); }
    }
    g = fma((*xs)[l * LANE_VECS + v], dl, g);
  }
  return g;
}
#endif

// dx[r][k - k_first] = sum_o d[r][o] W[k][o] for k in [k_first, inputs), times (a[r][k] > 0) when `masked` (the ReLU of
// the layer below, a: region a_at (inputs columns)). d: region d_at (outputs columns); dx: region dx_at
// (inputs - k_first columns), which may be a_at itself (each column is read before it is written). Eight columns of dx
// at a time.
fn lm_backward_input(m: ptr<function, LaneMemory>, net: u32, d_at: u32, inputs: u32, outputs: u32, w_at: u32, k_first: u32, masked: bool, a_at: u32, dx_at: u32) {
  for (var k = k_first; k < inputs; k += 8u) {
    let n = min(8u, inputs - k);
    // acc[c * LANE_VECS + v]: column k + c of the rows of vector v.
    var acc: LaneAccumulators;
    for (var i = 0u; i < 8u * LANE_VECS; i++) { acc[i] = vec4<f32>(0.0); }
    for (var o = 0u; o < outputs; o++) {
      let w = lm_weights8(net, w_at + k * outputs + o, outputs, n);
      for (var v = 0u; v < LANE_VECS; v++) { lm_fma8(&acc, v, (*m)[lm_index(d_at, o, v)], w); }
    }
    for (var c = 0u; c < n; c++) {
      for (var v = 0u; v < LANE_VECS; v++) {
        var dx = acc[c * LANE_VECS + v];
        if (masked) { dx = select(dx, vec4<f32>(0.0), (*m)[lm_index(a_at, k + c, v)] <= vec4<f32>(0.0)); }
        (*m)[lm_index(dx_at, k + c - k_first, v)] = dx;
      }
    }
  }
}
