// One f32 summed over a workgroup by a tree in workgroup memory (the per-workgroup loss partials). No bindings.
// Needs `const WORKGROUP_SIZE: u32` (a power of two) declared by the including kernel.

var<workgroup> workgroup_sum_partial: array<f32, WORKGROUP_SIZE>;

// Every invocation of the workgroup must call it (it has barriers), from uniform control flow; each gets the sum.
fn workgroup_sum(lid: u32, value: f32) -> f32 {
  workgroup_sum_partial[lid] = value;
  workgroupBarrier();
  for (var width = WORKGROUP_SIZE / 2u; width > 0u; width = width / 2u) {
    if (lid < width) { workgroup_sum_partial[lid] = workgroup_sum_partial[lid] + workgroup_sum_partial[lid + width]; }
    workgroupBarrier();
  }
  return workgroup_sum_partial[0];
}
