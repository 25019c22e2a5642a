// The act of one invocation's envs (lara_act_lanes.wgsl, lara_persistent.wgsl): LANE_ROWS envs through the actor's
// forward in a LaneMemory (lib/lane_actor_net.wgsl) and the act step of each (lib/lara_act_row.wgsl). Needs the
// bindings of lib/lara_act_row.wgsl (step, scenario, norm, states, obs, replay) and fm_weight(ACTOR, i).
#include "lib/lara_act_row.wgsl"
#include "lib/lane_actor_net.wgsl"

// The act of envs first .. first + LANE_ROWS - 1 (those below the envs); their metrics added to `sums`.
fn act_lanes(first: u32, sums: ptr<function, array<f32, ACT_METRICS>>) {
  var a: LaneMemory;
  let z_at = A_AT[A_LAYERS];
  if (step.use_actor != 0u) {
    // obs: OBSERVATION_SIZE columns of the rows, zero past the envs.
    for (var v = 0u; v < LANE_VECS; v++) {
      let e = vec4<u32>(first + 4u * v) + vec4<u32>(0u, 1u, 2u, 3u);
      let row = min(e, vec4<u32>(step.envs - 1u)) * OBSERVATION_SIZE;
      for (var i = 0u; i < OBSERVATION_SIZE; i++) {
        let x = vec4<f32>(obs[row.x + i], obs[row.y + i], obs[row.z + i], obs[row.w + i]);
        a[lm_index(A_AT[0], i, v)] = select(vec4<f32>(0.0), x, e < vec4<u32>(step.envs));
      }
    }
    actor_forward_lane(&a);
  }
  for (var r = 0u; r < LANE_ROWS; r++) {
    let e = first + r;
    if (e < step.envs) {
      var mean: array<f32, ACTION_SIZE>;
      for (var i = 0u; i < ACTION_SIZE; i++) { mean[i] = select(0.0, lm_get(&a, z_at, r, i), step.use_actor != 0u); }
      let m = lara_act_row(e, mean);
      for (var i = 0u; i < ACT_METRICS; i++) { (*sums)[i] += m[i]; }
    }
  }
}
