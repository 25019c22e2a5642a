// Sums REDUCE_WIDTH f32 values over a workgroup: a tree in workgroup memory, or (SUBGROUP_REDUCE) subgroupAdd within
// each subgroup, then a tree over the subgroup sums. No bindings.
// Declares `override WORKGROUP_SIZE` (a power of two; the including kernel uses it in @workgroup_size) and needs the
// defines REDUCE_WIDTH and SUBGROUP_REDUCE (src/gpu/reduce.ts). The kernel takes a `ReduceIds` entry-point parameter
// (the invocation's index, and its subgroup builtins with SUBGROUP_REDUCE, for which the kernel layer enables
// `subgroups`); subgroups are taken to be consecutive runs of local_invocation_index (subgroup i is lid / size).

#include "lib/grid.wgsl"
const REDUCE_WIDTH: u32 = ${REDUCE_WIDTH}u;

var<workgroup> reduce_scratch: array<array<f32, REDUCE_WIDTH>, WORKGROUP_SIZE>;

struct ReduceIds {
  @builtin(local_invocation_index) lid: u32,
#if ${SUBGROUP_REDUCE}
  @builtin(subgroup_invocation_id) sg_lane: u32,
  @builtin(subgroup_size) sg_size: u32,
#endif
}

// Every invocation of the workgroup must call it, from uniform control flow; each gets the sums. Without subgroups the
// order of additions is a fixed tree: the result does not depend on the driver.
fn workgroup_sum(ids: ReduceIds, value: array<f32, REDUCE_WIDTH>) -> array<f32, REDUCE_WIDTH> {
  let lid = ids.lid;
#if ${SUBGROUP_REDUCE}
  var v = value;
  for (var m = 0u; m < REDUCE_WIDTH; m++) { v[m] = subgroupAdd(v[m]); }
  if (ids.sg_lane == 0u) { reduce_scratch[lid / ids.sg_size] = v; }
  workgroupBarrier();
  // The first invocation adds the subgroup sums in order (at most WORKGROUP_SIZE / subgroup size of them).
  if (lid == 0u) {
    for (var g = 1u; g < WORKGROUP_SIZE / ids.sg_size; g++) {
      for (var m = 0u; m < REDUCE_WIDTH; m++) { reduce_scratch[0][m] += reduce_scratch[g][m]; }
    }
  }
  workgroupBarrier();
#else
  reduce_scratch[lid] = value;
  workgroupBarrier();
  for (var width = WORKGROUP_SIZE / 2u; width > 0u; width = width / 2u) {
    if (lid < width) {
      for (var m = 0u; m < REDUCE_WIDTH; m++) { reduce_scratch[lid][m] += reduce_scratch[lid + width][m]; }
    }
    workgroupBarrier();
  }
#endif
  return reduce_scratch[0];
}
