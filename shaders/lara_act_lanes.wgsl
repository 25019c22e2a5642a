// LARA act with the actor's forward as its prologue, the lane variant of lara_act_forward.wgsl (the same bindings):
// each invocation takes LANE_ROWS envs at a time through the actor's forward in a LaneMemory (lib/lane_actor_net.wgsl,
// no workgroup memory and no barrier) and the act step of each env (lib/lane_act.wgsl); the workgroup sums its envs'
// metrics into its act partial. Each workgroup takes ROWS_PER_WORKGROUP envs, LANE_ROWS * WORKGROUP_SIZE at a time.
// actor: the actor's flat params (A_PARAMS); states, obs: (N, STATE_SIZE) at slot t in, slot t + 1 out; replay:
// (capacity, REPLAY_STRIDE); act_partials: (chunk iterations, step.act_partials = workgroups, ACT_METRICS).
// With ACT_FOLD (the folded update's act, src/train/fusedFold.ts), every workgroup first takes the actor's step left
// pending by the iteration before (its last update's) into its workgroup memory, which its forward then reads, and
// workgroup 0 writes it back to the actor's own buffers (lib/adam_fold_one.wgsl: the actor's params, m, v, target and
// fold buffer are bound after the act's own).
#include "lib/grid.wgsl"
#include "lib/workgroup_reduce.wgsl"

@group(0) @binding(0) var<uniform> step: Step;
@group(0) @binding(1) var<uniform> scenario: Scenario;
@group(0) @binding(2) var<uniform> norm: LaraObservationNorm;
#if ${ACT_FOLD}
@group(0) @binding(3) var<storage, read_write> fold_params: array<vec4<f32>>;
#else
@group(0) @binding(3) var<storage, read> actor: array<f32>;
#endif
@group(0) @binding(4) var<storage, read_write> states: array<f32>;
@group(0) @binding(5) var<storage, read_write> obs: array<f32>;
@group(0) @binding(6) var<storage, read_write> replay: array<f32>;
@group(0) @binding(7) var<storage, read_write> act_partials: array<f32>;

#include "lib/lane_act.wgsl"

const ROWS_PER_WORKGROUP: u32 = ${ROWS_PER_WORKGROUP}u;

#if ${ACT_FOLD}
// struct Hyper (lr, beta1, beta2, one_minus_beta1, one_minus_beta2, epsilon, bias_correction1, bias_correction2, count): declared in src/nn/adam.ts
${HYPER_STRUCT}

// struct PairFused (splits, tau): declared in src/nn/adam.ts
${PAIR_FUSED_STRUCT}

@group(0) @binding(8) var<uniform> hyper: Hyper;
@group(0) @binding(9) var<uniform> fused: PairFused;
@group(0) @binding(10) var<storage, read_write> fold_m: array<vec4<f32>>;
@group(0) @binding(11) var<storage, read_write> fold_v: array<vec4<f32>>;
@group(0) @binding(12) var<storage, read_write> fold_target: array<vec4<f32>>;
@group(0) @binding(13) var<storage, read> fold: array<vec4<f32>>;

// The actor after its pending step, which the forward reads, as lib/adam_fold.wgsl's vectors.
var<workgroup> actor_now: array<vec4<f32>, (A_PARAMS + 3u) / 4u>;
fn fold_keep(net: u32, j: u32, p: vec4<f32>) { actor_now[j] = p; }

#include "lib/adam_fold_one.wgsl"

fn fm_weight(net: u32, i: u32) -> f32 { return actor_now[i / 4u][i % 4u]; }
#else
fn fm_weight(net: u32, i: u32) -> f32 { return actor[i]; }
#endif
// No weight gradient here (the actor's backward is not called).
fn lane_store(net: u32, i: u32, value: f32) {}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, ids: ReduceIds) {
  let group = grid_group(wid, nwg);
#if ${LANE_SHARE}
  lane_id = ids.sg_lane;  // LANE_SHARE comes with the reduction's subgroups (fusedAct.ts)
#endif
#if ${ACT_FOLD}
  // The actor's last step of the iteration before (from state 1).
  fold_adam(0u, hyper, 1u, fused.splits, fused.tau, ids.lid, WORKGROUP_SIZE, group == 0u);
  workgroupBarrier();
#endif
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
