// The lane update with the Adam steps folded in (FusedVariant.foldAdam, src/train/fusedFold.ts): the pair of
// lara_update_pair_lanes.wgsl (workgroups [0, G) the actor's gradient of update u, [G, 2 G) the critic's of update
// u + 1; dispatched with the actor's G alone for an iteration's last update), where every workgroup first takes the Adam
// steps still pending for the networks it reads into a copy in its workgroup memory, which its passes then read: the
// critic's step of update u, and the actor's of update u - 1 (u > 0; at u = 0 the actor's params as they are). The
// step of update k reads state k % 2 of its network and its slice region k % 2; workgroup 0 alone writes the new
// params and moments, into the other state, and the soft-updated target (lib/adam_fold.wgsl). So no workgroup reads
// what another writes, and every workgroup's copy is the same bit for bit. The gradients go to slice region u % 2 (the
// actor's) and (u + 1) % 2 (the critic's) of the fold buffers, for the next dispatch's steps.
// replay: (capacity, REPLAY_STRIDE); actor_params, actor_m, actor_v, actor_target: (A_PARAMS), state 0 and the target;
// actor_fold: the actor's fold buffer (state 1 from float 0, A_FOLD_M, A_FOLD_V; slice regions from A_FOLD_SLICES_0 and
// A_FOLD_SLICES_1, each (slices, A_PARAMS)); critic_* likewise (C_PARAMS, C_FOLD_*); actor_loss, critic_loss: as the
// pair's loss partials.
#include "lib/grid.wgsl"

// struct Hyper (lr, beta1, beta2, one_minus_beta1, one_minus_beta2, epsilon, bias_correction1, bias_correction2, count): declared in src/nn/adam.ts
${HYPER_STRUCT}

// struct PairFused (splits, tau): declared in src/nn/adam.ts
${PAIR_FUSED_STRUCT}

@group(0) @binding(0) var<uniform> actor_step: Step;
@group(0) @binding(1) var<uniform> critic_step: Step;
@group(0) @binding(2) var<uniform> actor_hyper: Hyper;
@group(0) @binding(3) var<uniform> critic_hyper: Hyper;
@group(0) @binding(4) var<uniform> fused: PairFused;
@group(0) @binding(5) var<storage, read> replay: array<f32>;
@group(0) @binding(6) var<storage, read_write> actor_params: array<f32>;
@group(0) @binding(7) var<storage, read_write> actor_m: array<f32>;
@group(0) @binding(8) var<storage, read_write> actor_v: array<f32>;
@group(0) @binding(9) var<storage, read_write> actor_target: array<f32>;
@group(0) @binding(10) var<storage, read_write> actor_fold: array<f32>;
@group(0) @binding(11) var<storage, read_write> critic_params: array<f32>;
@group(0) @binding(12) var<storage, read_write> critic_m: array<f32>;
@group(0) @binding(13) var<storage, read_write> critic_v: array<f32>;
@group(0) @binding(14) var<storage, read_write> critic_target: array<f32>;
@group(0) @binding(15) var<storage, read_write> critic_fold: array<f32>;
@group(0) @binding(16) var<storage, read_write> actor_loss: array<f32>;
@group(0) @binding(17) var<storage, read_write> critic_loss: array<f32>;

#include "lib/lane_actor_update.wgsl"
#include "lib/lane_critic_update.wgsl"

const A_FOLD_M: u32 = ${A_FOLD_M}u;
const A_FOLD_V: u32 = ${A_FOLD_V}u;
const A_FOLD_SLICES: array<u32, 2> = array<u32, 2>(${A_FOLD_SLICES_0}u, ${A_FOLD_SLICES_1}u);
const C_FOLD_M: u32 = ${C_FOLD_M}u;
const C_FOLD_V: u32 = ${C_FOLD_V}u;
const C_FOLD_SLICES: array<u32, 2> = array<u32, 2>(${C_FOLD_SLICES_0}u, ${C_FOLD_SLICES_1}u);

// The params this workgroup's passes read: each network's after its pending step.
var<workgroup> actor_now: array<f32, A_PARAMS>;
var<workgroup> critic_now: array<f32, C_PARAMS>;

fn fold_state(net: u32, state: u32, i: u32) -> vec3<f32> {
  if (net == ACTOR) {
    if (state == 0u) { return vec3<f32>(actor_params[i], actor_m[i], actor_v[i]); }
    return vec3<f32>(actor_fold[i], actor_fold[A_FOLD_M + i], actor_fold[A_FOLD_V + i]);
  }
  if (state == 0u) { return vec3<f32>(critic_params[i], critic_m[i], critic_v[i]); }
  return vec3<f32>(critic_fold[i], critic_fold[C_FOLD_M + i], critic_fold[C_FOLD_V + i]);
}

fn fold_set_state(net: u32, state: u32, i: u32, pmv: vec3<f32>) {
  if (net == ACTOR) {
    if (state == 0u) { actor_m[i] = pmv.y; actor_v[i] = pmv.z; actor_params[i] = pmv.x; }
    else { actor_fold[A_FOLD_M + i] = pmv.y; actor_fold[A_FOLD_V + i] = pmv.z; actor_fold[i] = pmv.x; }
  } else {
    if (state == 0u) { critic_m[i] = pmv.y; critic_v[i] = pmv.z; critic_params[i] = pmv.x; }
    else { critic_fold[C_FOLD_M + i] = pmv.y; critic_fold[C_FOLD_V + i] = pmv.z; critic_fold[i] = pmv.x; }
  }
}

fn fold_slice(net: u32, region: u32, i: u32) -> f32 {
  if (net == ACTOR) { return actor_fold[A_FOLD_SLICES[region] + i]; }
  return critic_fold[C_FOLD_SLICES[region] + i];
}

fn fold_soft_update(net: u32, i: u32, p: f32, tau: f32) {
  if (net == ACTOR) { actor_target[i] = tau * p + (1.0 - tau) * actor_target[i]; }
  else { critic_target[i] = tau * p + (1.0 - tau) * critic_target[i]; }
}

fn fold_keep(net: u32, i: u32, p: f32) {
  if (net == ACTOR) { actor_now[i] = p; } else { critic_now[i] = p; }
}

#include "lib/adam_fold.wgsl"

fn fm_weight(net: u32, i: u32) -> f32 {
  if (net == ACTOR) { return actor_now[i]; }
  return critic_now[i];
}

// First float of this invocation's split-K slice in its network's fold buffer (its update's slice region included).
var<private> slice_at: u32;

fn lane_store(net: u32, i: u32, value: f32) {
  if (net == ACTOR) { actor_fold[slice_at + i] = value; } else { critic_fold[slice_at + i] = value; }
}

#include "lib/lane_pair.wgsl"

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        ids: LaneIds) {
  let lid = ids.lid;
  let group = grid_group(wid, nwg);
  let u = actor_step.update;
  let writes = group == 0u;
  // The critic after update u's step, which both halves read.
  fold_adam(CRITIC, critic_hyper, u % 2u, fused.splits, fused.tau, lid, WORKGROUP_SIZE, writes);
  if (group < lane_actor_groups()) {
    if (u > 0u) {
      fold_adam(ACTOR, actor_hyper, (u - 1u) % 2u, fused.splits, fused.tau, lid, WORKGROUP_SIZE, writes);
    } else {
      for (var i = lid; i < A_PARAMS; i += WORKGROUP_SIZE) { actor_now[i] = actor_params[i]; }
    }
  }
  workgroupBarrier();
  lane_pair(group, ids, A_FOLD_SLICES[u % 2u], C_FOLD_SLICES[critic_step.update % 2u]);
}
