// LARA actor chain, backward: actor loss -mean(Q); dL/dz = -(1/B) (d features / d z)^T dQ/dfeatures, with dQ/dfeatures
// the critic's input gradient columns 7..13; also sums -Q per workgroup for the actor loss metric.
// z: (B, 7); d_critic_input: (B, 14) (for dOutput = 1); q: (B, 1); d_z: (B, 7); actor_partials: (updates per chunk, ceil(B / 256))
#include "lib/philox.wgsl"
#include "lib/lara.wgsl"
#include "lib/lara_step.wgsl"
#include "lib/workgroup_sum.wgsl"

@group(0) @binding(0) var<uniform> step: Step;
@group(0) @binding(1) var<storage, read> z: array<f32>;
@group(0) @binding(2) var<storage, read> d_critic_input: array<f32>;
@group(0) @binding(3) var<storage, read> q: array<f32>;
@group(0) @binding(4) var<storage, read_write> d_z: array<f32>;
@group(0) @binding(5) var<storage, read_write> actor_partials: array<f32>;

const WORKGROUP_SIZE: u32 = 256u;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let group = wid.x + wid.y * nwg.x;
  let k = group * WORKGROUP_SIZE + lid;
  var loss = 0.0;
  if (k < step.batch) {
    var zk: array<f32, 7>;
    var d_features: array<f32, 7>;
    for (var i = 0u; i < 7u; i++) {
      zk[i] = z[k * 7u + i];
      d_features[i] = d_critic_input[k * 14u + 7u + i];
    }
    let dz = lara_critic_features_vjp(zk, step.share_floor, d_features);
    let scale = -1.0 / f32(step.batch);
    for (var i = 0u; i < 7u; i++) { d_z[k * 7u + i] = scale * dz[i]; }
    loss = -q[k];
  }
  let sum = workgroup_sum(lid, loss);
  if (lid == 0u && group < step.loss_partials) {
    actor_partials[step.update_slot * step.loss_partials + group] = sum;
  }
}
