// Fused rollout of a fixed policy (FRA or RRA) on a world: sample the state, act, latencies, and per-workgroup sums of
// the active users' latencies per type with their counts, all on the GPU. Item k of envs*slots is env
// first_env + k % envs at slot first_slot + k / envs. sums: (workgroups, 4) = latency sums (comp, aigc, ve) and the
// L_total sum; counts: (workgroups, 4) = active users (comp, aigc, ve), 0. shaders/env_reduce.wgsl sums each.
#include "lib/world.wgsl"
#include "lib/workgroup_reduce.wgsl"

// struct Params (envs, slots, first_env, first_slot, state_seed, state_stream, action_seed, count): the letter's,
// ENV_ROLLOUT_PARAMS of src/env/gpu.ts
${PARAMS_STRUCT}

@group(0) @binding(0) var<uniform> scenario: Scenario;
@group(0) @binding(1) var<storage, read> world: WorldParams;
@group(0) @binding(2) var<uniform> params: Params;
@group(0) @binding(3) var<storage, read_write> sums: array<vec4<f32>>;    // (workgroups, 4)
@group(0) @binding(4) var<storage, read_write> counts: array<vec4<f32>>;  // (workgroups, 4)

override POLICY: u32;  // 0 = FRA, 1 = RRA

// REDUCE_WIDTH = 8: three sums, the total, three counts, 0.
@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, ids: ReduceIds) {
  let group_index = grid_group(wid, nwg);
  let k = group_index * WORKGROUP_SIZE + ids.lid;
  var value: array<f32, REDUCE_WIDTH>;
  world_set_loop_bounds(params.count);
  if (k < params.count) {
    let env = params.first_env + k % params.envs;
    let slot = params.first_slot + k / params.envs;
    world_sample_state(scenario, world, params.state_seed, params.state_stream, env, slot);
    if (POLICY == 1u) { world_rra_action(scenario, params.action_seed, env, slot); } else { world_fra_action(); }
    let l = world_latency(scenario, world);
    value = array<f32, REDUCE_WIDTH>(l.sums.x, l.sums.y, l.sums.z, l.total, l.counts.x, l.counts.y, l.counts.z, 0.0);
  }
  let sum = workgroup_sum(ids, value);
  if (ids.lid == 0u && group_index < arrayLength(&sums)) {
    sums[group_index] = vec4<f32>(sum[0], sum[1], sum[2], sum[3]);
    counts[group_index] = vec4<f32>(sum[4], sum[5], sum[6], sum[7]);
  }
}
