// One network's Adam step folded into a kernel (lara_update_fold_lanes.wgsl's prologue, adam_fold.wgsl): the same sums
// and step as adam.wgsl, read from one of the network's two states and written to the other (src/train/fusedFold.ts),
// so that the workgroups that read the old state while one of them writes the new one never meet. Four parameters at a
// time, as vectors: the network's buffers hold whole vectors (createStorage rounds them up to 16 bytes, and the floats
// past its parameters stay 0: a step of zeros is zeros) and its slices lie FOLD_STRIDE floats apart (foldLayout), so
// that each invocation loads a vector where it loaded a float (llvmpipe loads lane by lane, bench/RESULTS.md). Needs
// the including kernel's accessors, each of vector j (parameters 4 j .. 4 j + 3): fold_state(net, state, j) ->
// AdamState4; fold_set_state(net, state, j, s); fold_slice(net, region, s, j), slice s of a slice region;
// fold_soft_update(net, j, p, tau), the target soft update; fold_keep(net, j, p), where the kernel keeps the new params
// for its own passes.
#include "lib/adam_step.wgsl"

// The vectors of a network of `count` parameters.
fn fold_vectors(count: u32) -> u32 { return (count + 3u) / 4u; }

// Adam step of `net` from state and slice region `source` (the step's index modulo 2), for vectors first, first +
// stride, ... of its params: g = the sum of the `splits` slices in order (as adam.wgsl adds them), the new params kept
// through fold_keep; with `writes` (one invocation per vector in the whole dispatch), the new params and moments written
// to state 1 - source and the target soft-updated with tau.
fn fold_adam(net: u32, h: Hyper, source: u32, splits: u32, tau: f32, first: u32, stride: u32, writes: bool) {
  for (var j = first; j < fold_vectors(h.count); j += stride) {
    var g = vec4<f32>(0.0);
    for (var s = 0u; s < splits; s++) { g += fold_slice(net, source, s, j); }
    let next = adam_step4(h, fold_state(net, source, j), g);
    fold_keep(net, j, next.p);
    if (writes) {
      fold_set_state(net, 1u - source, j, next);
      fold_soft_update(net, j, next.p, tau);
    }
  }
}
