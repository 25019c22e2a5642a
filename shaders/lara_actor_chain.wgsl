// LARA actor chain, forward: the actor's pre-activations z -> critic input obs || features(z) (log-share coordinates).
// z: (B, 7); obs_in: (B, 7); critic_input: (B, 14)
#include "lib/philox.wgsl"
#include "lib/lara.wgsl"
#include "lib/lara_step.wgsl"

@group(0) @binding(0) var<uniform> step: Step;
@group(0) @binding(1) var<storage, read> z: array<f32>;
@group(0) @binding(2) var<storage, read> obs_in: array<f32>;
@group(0) @binding(3) var<storage, read_write> critic_input: array<f32>;

override WORKGROUP_SIZE: u32 = 64;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let k = (wid.x + wid.y * nwg.x) * WORKGROUP_SIZE + lid;
  if (k >= step.batch) { return; }
  var zk: array<f32, 7>;
  for (var i = 0u; i < 7u; i++) { zk[i] = z[k * 7u + i]; }
  let features = lara_critic_features_from_pre(zk, step.share_floor);
  for (var i = 0u; i < 7u; i++) {
    critic_input[k * 14u + i] = obs_in[k * 7u + i];
    critic_input[k * 14u + 7u + i] = features[i];
  }
}
