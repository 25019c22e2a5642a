// MSE loss gradient: dq = 2 (q - y) / B, and per-workgroup partial sums of (q - y)^2 / B (their total is the loss).
// q: (B) (the critic's output), target: (B); dq: (B); loss_partials[loss_offset + w] for workgroup w.
#include "lib/workgroup_reduce.wgsl"

// struct Params (batch, loss_offset): declared in src/nn/mseLoss.ts
${PARAMS_STRUCT}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> target_q: array<f32>;
@group(0) @binding(3) var<storage, read_write> dq: array<f32>;
@group(0) @binding(4) var<storage, read_write> loss_partials: array<f32>;

override ITEMS_PER_THREAD: u32;

// REDUCE_WIDTH = 1.
@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, ids: ReduceIds) {
  let inverse_batch = 1.0 / f32(params.batch);
  let begin = wid.x * WORKGROUP_SIZE * ITEMS_PER_THREAD;
  var sum: array<f32, REDUCE_WIDTH>;
  for (var j = 0u; j < ITEMS_PER_THREAD; j++) {
    let i = begin + j * WORKGROUP_SIZE + ids.lid;
    if (i < params.batch) {
      let diff = q[i] - target_q[i];
      dq[i] = 2.0 * diff * inverse_batch;
      sum[0] += diff * diff;
    }
  }
  let total = workgroup_sum(ids, sum);
  if (ids.lid == 0u) { loss_partials[params.loss_offset + wid.x] = total[0] * inverse_batch; }
}
