// Sums rows (count, 4) into one vec4 with a single workgroup: Kahan-compensated strided sums per invocation, then the
// workgroup reduction. rows: (count, 4) -> total: (4,)
#include "lib/workgroup_reduce.wgsl"

// struct Params (count): declared in src/env/gpu.ts
${PARAMS_STRUCT}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> rows: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> total: array<vec4<f32>>;

// REDUCE_WIDTH = 4.
@compute @workgroup_size(WORKGROUP_SIZE)
fn main(ids: ReduceIds) {
  var sum = vec4<f32>(0.0);
  var compensation = vec4<f32>(0.0);
  for (var i = ids.lid; i < params.count; i += WORKGROUP_SIZE) {
    let y = rows[i] - compensation;
    let t = sum + y;
    // An infinite sum stays infinite: no compensation (inf - inf would make it NaN).
    compensation = select((t - sum) - y, vec4<f32>(0.0), abs(t) > vec4<f32>(3.0e38));
    sum = t;
  }
  let s = workgroup_sum(ids, array<f32, REDUCE_WIDTH>(sum.x, sum.y, sum.z, sum.w));
  if (ids.lid == 0u) { total[0] = vec4<f32>(s[0], s[1], s[2], s[3]); }
}
