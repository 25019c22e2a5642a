// lib/adam_fold.wgsl's accessors for a kernel that folds one network's last step of an iteration (adam_fold.wgsl,
// lara_act_lanes.wgsl with ACT_FOLD): from state 1 and the odd updates' slice region in `fold` (FOLD_M, FOLD_V,
// FOLD_SLICES_0, FOLD_SLICES_1) to state 0, the network's own fold_params, fold_m, fold_v; fold_target soft-updated.
// The including kernel declares those bindings and fold_keep(net, i, p).

const FOLD_M: u32 = ${FOLD_M}u;
const FOLD_V: u32 = ${FOLD_V}u;
const FOLD_SLICES_0: u32 = ${FOLD_SLICES_0}u;
const FOLD_SLICES_1: u32 = ${FOLD_SLICES_1}u;

fn fold_state(net: u32, state: u32, i: u32) -> vec3<f32> {
  if (state == 0u) { return vec3<f32>(fold_params[i], fold_m[i], fold_v[i]); }
  return vec3<f32>(fold[i], fold[FOLD_M + i], fold[FOLD_V + i]);
}
// Only state 0 is written (the step is from state 1).
fn fold_set_state(net: u32, state: u32, i: u32, pmv: vec3<f32>) {
  fold_m[i] = pmv.y;
  fold_v[i] = pmv.z;
  fold_params[i] = pmv.x;
}
fn fold_slice(net: u32, region: u32, i: u32) -> f32 { return fold[select(FOLD_SLICES_0, FOLD_SLICES_1, region == 1u) + i]; }
fn fold_soft_update(net: u32, i: u32, p: f32, tau: f32) { fold_target[i] = tau * p + (1.0 - tau) * fold_target[i]; }

#include "lib/adam_fold.wgsl"
