// LARA chunk metrics: sums the per-workgroup partials of every iteration of a chunk into one row per iteration.
// act_partials: (chunk iterations, act partials, 5); critic_partials, actor_partials: (chunk iterations * updates, loss partials)
// metrics: (chunk iterations, 8) = mean true reward, L_comp, L_aigc, L_ve, L_total, critic loss, actor loss (each
// the sum over the iteration's updates of the per-update mean), 0
#include "lib/lara_step.wgsl"

@group(0) @binding(0) var<uniform> step: Step;
@group(0) @binding(1) var<storage, read> act_partials: array<f32>;
@group(0) @binding(2) var<storage, read> critic_partials: array<f32>;
@group(0) @binding(3) var<storage, read> actor_partials: array<f32>;
@group(0) @binding(4) var<storage, read_write> metrics: array<f32>;

const WORKGROUP_SIZE: u32 = 64u;
var<workgroup> partial: array<f32, 448>;  // 7 sums x 64 threads

// One workgroup per iteration of the chunk (workgroup x = iteration slot).
@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let slot = wid.x;
  var sums = array<f32, 7>(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
  for (var p = lid; p < step.act_partials; p += WORKGROUP_SIZE) {
    let base = (slot * step.act_partials + p) * ACT_METRICS;
    for (var m = 0u; m < ACT_METRICS; m++) { sums[m] += act_partials[base + m]; }
  }
  let losses = step.updates * step.loss_partials;
  for (var p = lid; p < losses; p += WORKGROUP_SIZE) {
    sums[5] += critic_partials[slot * losses + p];
    sums[6] += actor_partials[slot * losses + p];
  }
  for (var m = 0u; m < 7u; m++) { partial[m * WORKGROUP_SIZE + lid] = sums[m]; }
  workgroupBarrier();
  for (var width = WORKGROUP_SIZE / 2u; width > 0u; width = width / 2u) {
    if (lid < width) {
      for (var m = 0u; m < 7u; m++) { partial[m * WORKGROUP_SIZE + lid] += partial[m * WORKGROUP_SIZE + lid + width]; }
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    for (var m = 0u; m < ACT_METRICS; m++) { metrics[slot * 8u + m] = partial[m * WORKGROUP_SIZE] / f32(step.envs); }
    metrics[slot * 8u + 5u] = partial[5u * WORKGROUP_SIZE] / f32(step.batch);
    metrics[slot * 8u + 6u] = partial[6u * WORKGROUP_SIZE] / f32(step.batch);
    metrics[slot * 8u + 7u] = 0.0;
  }
}
