// LARA act with the actor's forward as its prologue, the lane variant of lara_act_forward.wgsl (the same bindings):
// each invocation takes LANE_ROWS envs at a time through the actor's forward in a LaneMemory (lib/lane_actor_net.wgsl,
// no workgroup memory and no barrier) and the act step of each env (lib/lane_act.wgsl); the workgroup sums its envs'
// metrics into its act partial. Each workgroup takes ROWS_PER_WORKGROUP envs, LANE_ROWS * WORKGROUP_SIZE at a time.
// actor: the actor's flat params (A_PARAMS); states, obs: (N, STATE_SIZE) at slot t in, slot t + 1 out; replay:
// (capacity, REPLAY_STRIDE); act_partials: (chunk iterations, step.act_partials = workgroups, ACT_METRICS).
#include "lib/grid.wgsl"
#include "lib/workgroup_reduce.wgsl"

@group(0) @binding(0) var<uniform> step: Step;
@group(0) @binding(1) var<uniform> scenario: Scenario;
@group(0) @binding(2) var<uniform> norm: LaraObservationNorm;
@group(0) @binding(3) var<storage, read> actor: array<f32>;
@group(0) @binding(4) var<storage, read_write> states: array<f32>;
@group(0) @binding(5) var<storage, read_write> obs: array<f32>;
@group(0) @binding(6) var<storage, read_write> replay: array<f32>;
@group(0) @binding(7) var<storage, read_write> act_partials: array<f32>;

#include "lib/lane_act.wgsl"

const ROWS_PER_WORKGROUP: u32 = ${ROWS_PER_WORKGROUP}u;

fn fm_weight(net: u32, i: u32) -> f32 { return actor[i]; }
// No weight gradient here (the actor's backward is not called).
fn lane_store(net: u32, i: u32, value: f32) {}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, ids: ReduceIds) {
  let group = grid_group(wid, nwg);
  var sums: array<f32, REDUCE_WIDTH>;  // ACT_METRICS, this invocation's envs
  for (var i = 0u; i < REDUCE_WIDTH; i++) { sums[i] = 0.0; }
  for (var block = 0u; block < ROWS_PER_WORKGROUP; block += LANE_ROWS * WORKGROUP_SIZE) {
    let first = group * ROWS_PER_WORKGROUP + block + ids.lid * LANE_ROWS;
    if (group * ROWS_PER_WORKGROUP + block >= step.envs) { break; }
    act_lanes(first, &sums);
  }
  let total = workgroup_sum(ids, sums);
  if (ids.lid == 0u) {
    for (var m = 0u; m < ACT_METRICS; m++) {
      act_partials[(step.chunk_iteration * step.act_partials + group) * ACT_METRICS + m] = total[m];
    }
  }
}
