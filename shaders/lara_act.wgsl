// LARA act: per env, the actor's pre-activations (actor_z, from the actor's forward dispatch) through the act step of
// lib/lara_act_row.wgsl, and the iteration's metrics summed per workgroup.
// actor_z: (N, ACTION_SIZE) actor output on obs (ignored in warm-up); states, obs: (N, STATE_SIZE) at slot t in, slot
// t + 1 out; replay: (capacity, REPLAY_STRIDE);
// act_partials: (chunk iterations, act_partials, ACT_METRICS) = -L_total, L_comp, L_aigc, L_ve, L_total
#include "lib/grid.wgsl"
#include "lib/workgroup_reduce.wgsl"

@group(0) @binding(0) var<uniform> step: Step;
@group(0) @binding(1) var<uniform> scenario: Scenario;
@group(0) @binding(2) var<uniform> norm: LaraObservationNorm;
@group(0) @binding(3) var<storage, read> actor_z: array<f32>;
@group(0) @binding(4) var<storage, read_write> states: array<f32>;
@group(0) @binding(5) var<storage, read_write> obs: array<f32>;
@group(0) @binding(6) var<storage, read_write> replay: array<f32>;
@group(0) @binding(7) var<storage, read_write> act_partials: array<f32>;

#include "lib/lara_act_row.wgsl"

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, ids: ReduceIds) {
  let group = grid_group(wid, nwg);
  let e = group * WORKGROUP_SIZE + ids.lid;
  var sums: array<f32, REDUCE_WIDTH>;  // ACT_METRICS
  if (e < step.envs) {
    var mean: array<f32, ACTION_SIZE>;
    if (step.use_actor != 0u) {
      for (var i = 0u; i < ACTION_SIZE; i++) { mean[i] = actor_z[e * ACTION_SIZE + i]; }
    }
    sums = lara_act_row(e, mean);
  }
  let total = workgroup_sum(ids, sums);
  if (ids.lid == 0u && group < step.act_partials) {
    for (var m = 0u; m < ACT_METRICS; m++) {
      act_partials[(step.chunk_iteration * step.act_partials + group) * ACT_METRICS + m] = total[m];
    }
  }
}
