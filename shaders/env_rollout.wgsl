// Fused rollout of a fixed policy (FRA or RRA): sample state, act, latency, and per-workgroup sums of the four
// latencies, all on the GPU. Item k of envs*slots is env first_env + k % envs at slot first_slot + k / envs.
// partials: (workgroups, 4); shaders/env_reduce.wgsl sums them to the 4 numbers the host reads.
#include "lib/grid.wgsl"
#include "lib/megc.wgsl"
#include "lib/workgroup_reduce.wgsl"

// struct Params (envs, slots, first_env, first_slot, state_seed, state_stream, action_seed, count): declared in src/env/gpu.ts
${PARAMS_STRUCT}

@group(0) @binding(0) var<uniform> scenario: Scenario;
@group(0) @binding(1) var<uniform> params: Params;
@group(0) @binding(2) var<storage, read_write> partials: array<vec4<f32>>;  // (workgroups, 4)

override POLICY: u32;  // 0 = FRA, 1 = RRA

// REDUCE_WIDTH = 4: the four latencies.
@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, ids: ReduceIds) {
  let group_index = grid_group(wid, nwg);
  let k = group_index * WORKGROUP_SIZE + ids.lid;
  var value = vec4<f32>(0.0);
  if (k < params.count) {
    let env = params.first_env + k % params.envs;
    let slot = params.first_slot + k / params.envs;
    let state = sample_state(scenario, params.state_seed, params.state_stream, env, slot);
    var action: array<f32, ACTION_SIZE>;
    if (POLICY == 1u) { action = rra_action(scenario, params.action_seed, env, slot); } else { action = fra_action(); }
    value = latency(scenario, state, action);
  }
  let sum = workgroup_sum(ids, array<f32, REDUCE_WIDTH>(value.x, value.y, value.z, value.w));
  if (ids.lid == 0u && group_index < arrayLength(&partials)) { partials[group_index] = vec4<f32>(sum[0], sum[1], sum[2], sum[3]); }
}
