// The lane update with the Adam steps folded in (FusedVariant.foldAdam, src/train/fusedFold.ts): the pair of
// lara_update_pair_lanes.wgsl (of 2 G workgroups the even ones the actor's gradient of update u, the odd ones the
// critic's of update u + 1; dispatched with the actor's G alone for an iteration's last update), where every workgroup
// first takes the Adam steps still pending for the networks it reads into a copy in its workgroup memory, which its
// passes then read: the critic's step of update u, and the actor's of update u - 1 (u > 0; at u = 0 the actor's params
// as they are). The step of update k reads state k % 2 of its network and its slice region k % 2; workgroup 0 alone
// writes the new params and moments, into the other state, and the soft-updated target (lib/adam_fold.wgsl). So no
// workgroup reads what another writes, and every workgroup's copy is the same bit for bit. The gradients go to slice
// region u % 2 (the actor's) and (u + 1) % 2 (the critic's) of the fold buffers, for the next dispatch's steps.
// replay: (capacity, REPLAY_STRIDE); actor_params, actor_m, actor_v, actor_target: (A_PARAMS rounded up to 4), state 0
// and the target, as vectors; actor_fold: the actor's fold buffer (state 1 from float 0, A_FOLD_M, A_FOLD_V; slice
// regions from A_FOLD_SLICES_0 and A_FOLD_SLICES_1, each (slices, A_FOLD_STRIDE)); critic_* likewise (C_PARAMS,
// C_FOLD_*); actor_loss, critic_loss: as the pair's loss partials.
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
@group(0) @binding(6) var<storage, read_write> actor_params: array<vec4<f32>>;
@group(0) @binding(7) var<storage, read_write> actor_m: array<vec4<f32>>;
@group(0) @binding(8) var<storage, read_write> actor_v: array<vec4<f32>>;
@group(0) @binding(9) var<storage, read_write> actor_target: array<vec4<f32>>;
@group(0) @binding(10) var<storage, read_write> actor_fold: array<vec4<f32>>;
@group(0) @binding(11) var<storage, read_write> critic_params: array<vec4<f32>>;
@group(0) @binding(12) var<storage, read_write> critic_m: array<vec4<f32>>;
@group(0) @binding(13) var<storage, read_write> critic_v: array<vec4<f32>>;
@group(0) @binding(14) var<storage, read_write> critic_target: array<vec4<f32>>;
@group(0) @binding(15) var<storage, read_write> critic_fold: array<vec4<f32>>;
@group(0) @binding(16) var<storage, read_write> actor_loss: array<f32>;
@group(0) @binding(17) var<storage, read_write> critic_loss: array<f32>;

#include "lib/lane_actor_update.wgsl"
#include "lib/lane_critic_update.wgsl"

// The fold buffers' regions and slice strides (src/train/foldLayout.ts), in vectors: lib/adam_fold.wgsl's.
const A_FOLD_M: u32 = ${A_FOLD_M}u / 4u;
const A_FOLD_V: u32 = ${A_FOLD_V}u / 4u;
const A_FOLD_SLICES: array<u32, 2> = array<u32, 2>(${A_FOLD_SLICES_0}u / 4u, ${A_FOLD_SLICES_1}u / 4u);
const C_FOLD_M: u32 = ${C_FOLD_M}u / 4u;
const C_FOLD_V: u32 = ${C_FOLD_V}u / 4u;
const C_FOLD_SLICES: array<u32, 2> = array<u32, 2>(${C_FOLD_SLICES_0}u / 4u, ${C_FOLD_SLICES_1}u / 4u);
// lib/lane_pair.wgsl's slice strides, in floats.
const A_SLICE: u32 = ${A_FOLD_STRIDE}u;
const C_SLICE: u32 = ${C_FOLD_STRIDE}u;

// The params this workgroup's passes read: each network's after its pending step, as lib/adam_fold.wgsl's vectors.
var<workgroup> actor_now: array<vec4<f32>, (A_PARAMS + 3u) / 4u>;
var<workgroup> critic_now: array<vec4<f32>, (C_PARAMS + 3u) / 4u>;

fn fold_state(net: u32, state: u32, j: u32) -> AdamState4 {
  if (net == ACTOR) {
    if (state == 0u) { return AdamState4(actor_params[j], actor_m[j], actor_v[j]); }
    return AdamState4(actor_fold[j], actor_fold[A_FOLD_M + j], actor_fold[A_FOLD_V + j]);
  }
  if (state == 0u) { return AdamState4(critic_params[j], critic_m[j], critic_v[j]); }
  return AdamState4(critic_fold[j], critic_fold[C_FOLD_M + j], critic_fold[C_FOLD_V + j]);
}

fn fold_set_state(net: u32, state: u32, j: u32, s: AdamState4) {
  if (net == ACTOR) {
    if (state == 0u) { actor_m[j] = s.m; actor_v[j] = s.v; actor_params[j] = s.p; }
    else { actor_fold[A_FOLD_M + j] = s.m; actor_fold[A_FOLD_V + j] = s.v; actor_fold[j] = s.p; }
  } else {
    if (state == 0u) { critic_m[j] = s.m; critic_v[j] = s.v; critic_params[j] = s.p; }
    else { critic_fold[C_FOLD_M + j] = s.m; critic_fold[C_FOLD_V + j] = s.v; critic_fold[j] = s.p; }
  }
}

fn fold_slice(net: u32, region: u32, s: u32, j: u32) -> vec4<f32> {
  if (net == ACTOR) { return actor_fold[A_FOLD_SLICES[region] + s * (A_SLICE / 4u) + j]; }
  return critic_fold[C_FOLD_SLICES[region] + s * (C_SLICE / 4u) + j];
}

fn fold_soft_update(net: u32, j: u32, p: vec4<f32>, tau: f32) {
  if (net == ACTOR) { actor_target[j] = soft_target4(tau, p, actor_target[j]); }
  else { critic_target[j] = soft_target4(tau, p, critic_target[j]); }
}

fn fold_keep(net: u32, j: u32, p: vec4<f32>) {
  if (net == ACTOR) { actor_now[j] = p; } else { critic_now[j] = p; }
}

#include "lib/adam_fold.wgsl"

fn fm_weight(net: u32, i: u32) -> f32 {
  if (net == ACTOR) { return actor_now[i / 4u][i % 4u]; }
  return critic_now[i / 4u][i % 4u];
}

// First float of this invocation's split-K slice in its network's fold buffer (its update's slice region included).
var<private> slice_at: u32;

// Entry i of the slice: one float of the fold buffer's vectors.
fn lane_store(net: u32, i: u32, value: f32) {
  let at = slice_at + i;
  if (net == ACTOR) { actor_fold[at / 4u][at % 4u] = value; } else { critic_fold[at / 4u][at % 4u] = value; }
}

#include "lib/lane_pair.wgsl"

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        ids: LaneIds) {
  let lid = ids.lid;
  let group = grid_group(wid, nwg);
  let groups = nwg.x * nwg.y;
  let u = actor_step.update;
  let writes = group == 0u;
  // The critic after update u's step, which both halves read.
  fold_adam(CRITIC, critic_hyper, u % 2u, fused.splits, fused.tau, lid, WORKGROUP_SIZE, writes);
  if (lane_pair_half(group, groups).actor) {
    if (u > 0u) {
      fold_adam(ACTOR, actor_hyper, (u - 1u) % 2u, fused.splits, fused.tau, lid, WORKGROUP_SIZE, writes);
    } else {
      for (var j = lid; j < fold_vectors(A_PARAMS); j += WORKGROUP_SIZE) { actor_now[j] = actor_params[j]; }
    }
  }
  workgroupBarrier();
  lane_pair(group, groups, ids, 4u * A_FOLD_SLICES[u % 2u], 4u * C_FOLD_SLICES[critic_step.update % 2u]);
}
