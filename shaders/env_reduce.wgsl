// Sums rows (count, 4) into one vec4 with a single workgroup: Kahan-compensated strided sums per thread, then a tree.
// rows: (count, 4) -> total: (4,)

struct Params {
  count: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> rows: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> total: array<vec4<f32>>;

override WORKGROUP_SIZE: u32 = 256;  // a power of two

var<workgroup> scratch: array<vec4<f32>, WORKGROUP_SIZE>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(local_invocation_index) lid: u32) {
  var sum = vec4<f32>(0.0);
  var compensation = vec4<f32>(0.0);
  for (var i = lid; i < params.count; i += WORKGROUP_SIZE) {
    let y = rows[i] - compensation;
    let t = sum + y;
    // An infinite sum stays infinite: no compensation (inf - inf would make it NaN).
    compensation = select((t - sum) - y, vec4<f32>(0.0), abs(t) > vec4<f32>(3.0e38));
    sum = t;
  }
  scratch[lid] = sum;
  workgroupBarrier();
  for (var stride = WORKGROUP_SIZE / 2u; stride > 0u; stride = stride / 2u) {
    if (lid < stride) { scratch[lid] = scratch[lid] + scratch[lid + stride]; }
    workgroupBarrier();
  }
  if (lid == 0u) { total[0] = scratch[0]; }
}
