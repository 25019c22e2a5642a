// LARA chunk metrics: sums the per-workgroup partials of every iteration of a chunk into one row per iteration.
// act_partials: (chunk iterations, act partials, ACT_METRICS); critic_partials, actor_partials: (chunk iterations *
// updates, loss partials); metrics: (chunk iterations, METRICS_STRIDE) = mean true reward, L_comp, L_aigc, L_ve,
// L_total, critic loss, actor loss (each the sum over the iteration's updates of the per-update mean), 0 ...
#include "lib/lara_step.wgsl"
#include "lib/workgroup_reduce.wgsl"

@group(0) @binding(0) var<uniform> step: Step;
@group(0) @binding(1) var<storage, read> act_partials: array<f32>;
@group(0) @binding(2) var<storage, read> critic_partials: array<f32>;
@group(0) @binding(3) var<storage, read> actor_partials: array<f32>;
@group(0) @binding(4) var<storage, read_write> metrics: array<f32>;

// Columns of a metrics row: METRIC in src/train/layout.ts.
const CRITIC_LOSS: u32 = ${METRIC_CRITIC_LOSS}u;
const ACTOR_LOSS: u32 = ${METRIC_ACTOR_LOSS}u;

// One workgroup per iteration of the chunk (workgroup x = the iteration's index in the chunk); REDUCE_WIDTH = ACT_METRICS + 2.
@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, ids: ReduceIds) {
  let iteration = wid.x;
  var sums: array<f32, REDUCE_WIDTH>;
  for (var p = ids.lid; p < step.act_partials; p += WORKGROUP_SIZE) {
    let base = (iteration * step.act_partials + p) * ACT_METRICS;
    for (var m = 0u; m < ACT_METRICS; m++) { sums[m] += act_partials[base + m]; }
  }
  let losses = step.updates * step.loss_partials;
  for (var p = ids.lid; p < losses; p += WORKGROUP_SIZE) {
    sums[CRITIC_LOSS] += critic_partials[iteration * losses + p];
    sums[ACTOR_LOSS] += actor_partials[iteration * losses + p];
  }
  let total = workgroup_sum(ids, sums);
  if (ids.lid == 0u) {
    let row = iteration * METRICS_STRIDE;
    for (var m = 0u; m < ACT_METRICS; m++) { metrics[row + m] = total[m] / f32(step.envs); }
    metrics[row + CRITIC_LOSS] = total[CRITIC_LOSS] / f32(step.batch);
    metrics[row + ACTOR_LOSS] = total[ACTOR_LOSS] / f32(step.batch);
    for (var m = ACTOR_LOSS + 1u; m < METRICS_STRIDE; m++) { metrics[row + m] = 0.0; }
  }
}
