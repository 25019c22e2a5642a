// MSE loss gradient: dq = 2 (q - y) / B, and per-workgroup partial sums of (q - y)^2 / B (their total is the loss).
// q: (B) (the critic's output), target: (B); dq: (B); loss_partials[loss_offset + w] for workgroup w.

struct Params {
  batch: u32,
  loss_offset: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> target_q: array<f32>;
@group(0) @binding(3) var<storage, read_write> dq: array<f32>;
@group(0) @binding(4) var<storage, read_write> loss_partials: array<f32>;

override WORKGROUP_SIZE: u32 = 256;
override ITEMS_PER_THREAD: u32 = 16;

var<workgroup> sums: array<f32, WORKGROUP_SIZE>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let inverse_batch = 1.0 / f32(params.batch);
  let begin = wid.x * WORKGROUP_SIZE * ITEMS_PER_THREAD;
  var sum = 0.0;
  for (var j = 0u; j < ITEMS_PER_THREAD; j++) {
    let i = begin + j * WORKGROUP_SIZE + lid;
    if (i < params.batch) {
      let diff = q[i] - target_q[i];
      dq[i] = 2.0 * diff * inverse_batch;
      sum += diff * diff;
    }
  }
  sums[lid] = sum;
  workgroupBarrier();
  for (var stride = WORKGROUP_SIZE / 2u; stride > 0u; stride /= 2u) {
    if (lid < stride) { sums[lid] += sums[lid + stride]; }
    workgroupBarrier();
  }
  if (lid == 0u) { loss_partials[params.loss_offset + wid.x] = sums[0] * inverse_batch; }
}
