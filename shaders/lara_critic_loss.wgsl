// LARA critic loss: y = r + gamma * Q_target(next) (read when GAMMA), dQ = 2 (Q - y) / B, and per-workgroup sums of (Q - y)^2.
// q: (B, 1) critic output; reward: (B,); target_q: (B, 1) (read only in the GAMMA variant); d_q: (B, 1)
// loss_partials: (updates per chunk, loss_partials) sums of squared errors, one per workgroup
#include "lib/grid.wgsl"
#include "lib/lara_step.wgsl"
#include "lib/workgroup_reduce.wgsl"

@group(0) @binding(0) var<uniform> step: Step;
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> reward: array<f32>;
@group(0) @binding(3) var<storage, read_write> d_q: array<f32>;
@group(0) @binding(4) var<storage, read_write> loss_partials: array<f32>;
@group(0) @binding(5) var<storage, read> target_q: array<f32>;

// true: bootstrap from the target critic (gamma > 0); false: y = r (target_q is bound but not read).
override GAMMA: bool;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, ids: ReduceIds) {
  let group = grid_group(wid, nwg);
  let k = group * WORKGROUP_SIZE + ids.lid;
  var squared: array<f32, REDUCE_WIDTH>;  // 1
  if (k < step.batch) {
    var y = reward[k];
    if (GAMMA) { y = y + step.gamma * target_q[k]; }
    let diff = q[k] - y;
    d_q[k] = 2.0 * diff / f32(step.batch);
    squared[0] = diff * diff;
  }
  let sum = workgroup_sum(ids, squared);
  if (ids.lid == 0u && group < step.loss_partials) {
    loss_partials[step.chunk_update * step.loss_partials + group] = sum[0];
  }
}
