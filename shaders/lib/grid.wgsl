// The index of an invocation in a 1D grid that linearGrid (src/gpu/kernel.ts) may have split into (x, y) workgroups.
// Declares `override WORKGROUP_SIZE` (the including kernel uses it in @workgroup_size; the libraries that need it
// include this file). Kernels skip indices past their count: `let i = grid_index(wid, nwg, lid); if (i >= n) { return; }`.
override WORKGROUP_SIZE: u32;

// The linear workgroup index: wid.x + wid.y * nwg.x.
fn grid_group(wid: vec3<u32>, nwg: vec3<u32>) -> u32 {
  return wid.x + wid.y * nwg.x;
}

// The linear invocation index: grid_group * WORKGROUP_SIZE + the local index.
fn grid_index(wid: vec3<u32>, nwg: vec3<u32>, lid: u32) -> u32 {
  return grid_group(wid, nwg) * WORKGROUP_SIZE + lid;
}
