// Batched world latencies: states (count, WORLD_STATE_SIZE) and actions (count, WORLD_ACTION_SIZE) -> each user's
// latency (count, WORLD_USERS), data order, 0 for an inactive user, and per row the summary (count, 8): sums of the
// active users' latencies (comp, aigc, ve), their counts (comp, aigc, ve), the total, 0.
#include "lib/world.wgsl"
#include "lib/grid.wgsl"

// struct Params (count): the letter's, declared in src/env/gpu.ts
${PARAMS_STRUCT}

@group(0) @binding(0) var<uniform> scenario: Scenario;
@group(0) @binding(1) var<storage, read> world: WorldParams;
@group(0) @binding(2) var<uniform> params: Params;
@group(0) @binding(3) var<storage, read> states: array<f32>;           // (count, WORLD_STATE_SIZE)
@group(0) @binding(4) var<storage, read> actions: array<f32>;          // (count, WORLD_ACTION_SIZE)
@group(0) @binding(5) var<storage, read_write> per_user: array<f32>;   // (count, WORLD_USERS)
@group(0) @binding(6) var<storage, read_write> summary: array<f32>;    // (count, 8)


@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = grid_index(wid, nwg, lid);
  if (i >= params.count) { return; }
  world_set_loop_bounds(params.count);
  for (var k = 0u; k < WORLD_STATE_SIZE; k++) { world_state_row[k] = states[i * WORLD_STATE_SIZE + k]; }
  for (var k = 0u; k < WORLD_ACTION_SIZE; k++) { world_action_row[k] = actions[i * WORLD_ACTION_SIZE + k]; }
  let l = world_latency(scenario, world);
  for (var k = 0u; k < WORLD_USERS; k++) { per_user[i * WORLD_USERS + k] = world_user_latency[k]; }
  let row = array<f32, 8>(l.sums.x, l.sums.y, l.sums.z, l.counts.x, l.counts.y, l.counts.z, l.total, 0.0);
  for (var k = 0u; k < 8u; k++) { summary[i * 8u + k] = row[k]; }
}
