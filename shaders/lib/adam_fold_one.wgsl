// lib/adam_fold.wgsl's accessors for a kernel that folds one network's last step of an iteration (adam_fold.wgsl,
// lara_act_lanes.wgsl with ACT_FOLD): from state 1 and the odd updates' slice region in `fold` (FOLD_M, FOLD_V,
// FOLD_SLICES_0, FOLD_SLICES_1, FOLD_STRIDE floats each, multiples of 4) to state 0, the network's own fold_params,
// fold_m, fold_v; fold_target soft-updated. The including kernel declares those bindings, arrays of vec4<f32>, and
// fold_keep(net, j, p).

const FOLD_M: u32 = ${FOLD_M}u / 4u;
const FOLD_V: u32 = ${FOLD_V}u / 4u;
const FOLD_SLICES_0: u32 = ${FOLD_SLICES_0}u / 4u;
const FOLD_SLICES_1: u32 = ${FOLD_SLICES_1}u / 4u;
const FOLD_STRIDE: u32 = ${FOLD_STRIDE}u / 4u;

fn fold_state(net: u32, state: u32, j: u32) -> AdamState4 {
  if (state == 0u) { return AdamState4(fold_params[j], fold_m[j], fold_v[j]); }
  return AdamState4(fold[j], fold[FOLD_M + j], fold[FOLD_V + j]);
}
// Only state 0 is written (the step is from state 1).
fn fold_set_state(net: u32, state: u32, j: u32, s: AdamState4) {
  fold_m[j] = s.m;
  fold_v[j] = s.v;
  fold_params[j] = s.p;
}
fn fold_slice(net: u32, region: u32, s: u32, j: u32) -> vec4<f32> {
  return fold[select(FOLD_SLICES_0, FOLD_SLICES_1, region == 1u) + s * FOLD_STRIDE + j];
}
fn fold_soft_update(net: u32, j: u32, p: vec4<f32>, tau: f32) { fold_target[j] = soft_target4(tau, p, fold_target[j]); }

#include "lib/adam_fold.wgsl"
