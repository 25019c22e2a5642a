// One network's Adam step folded into a kernel (lara_update_fold_lanes.wgsl's prologue, adam_fold.wgsl): the same sums
// and step as adam.wgsl, read from one of the network's two states and written to the other (src/train/fusedFold.ts),
// so that the workgroups that read the old state while one of them writes the new one never meet. Needs the including
// kernel's accessors: fold_state(net, state, i) -> (p, m, v); fold_set_state(net, state, i, pmv); fold_slice(net, region,
// i), the split-K gradient partials of a slice region, (splits, count); fold_soft_update(net, i, p, tau), the target
// soft update; fold_keep(net, i, p), where the kernel keeps the new params for its own passes.
#include "lib/adam_step.wgsl"

// Adam step of `net` from state and slice region `source` (the step's index modulo 2), for parameters first, first +
// stride, ... below h.count: g = the sum of the `splits` slices in order (as adam.wgsl adds them), the new params kept
// through fold_keep; with `writes` (one invocation per parameter in the whole dispatch), the new params and moments
// written to state 1 - source and the target soft-updated with tau.
fn fold_adam(net: u32, h: Hyper, source: u32, splits: u32, tau: f32, first: u32, stride: u32, writes: bool) {
  for (var i = first; i < h.count; i += stride) {
    var g = 0.0;
    for (var s = 0u; s < splits; s++) { g += fold_slice(net, source, s * h.count + i); }
    let old = fold_state(net, source, i);
    let next = adam_step(h, old.x, g, old.y, old.z);
    fold_keep(net, i, next.x);
    if (writes) {
      fold_set_state(net, 1u - source, i, next);
      fold_soft_update(net, i, next.x, tau);
    }
  }
}
