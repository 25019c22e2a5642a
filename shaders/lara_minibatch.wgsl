// LARA replay minibatch: Philox indices over the filled ring, gathered into the critic input, rewards and next obs.
// replay: (capacity, 22); critic_input: (B, 14) = obs || features; obs_batch: (B, 7); reward: (B,); next_obs: (B, 7)
#include "lib/philox.wgsl"
#include "lib/lara.wgsl"
#include "lib/lara_step.wgsl"

@group(0) @binding(0) var<uniform> step: Step;
@group(0) @binding(1) var<storage, read> replay: array<f32>;
@group(0) @binding(2) var<storage, read_write> critic_input: array<f32>;
@group(0) @binding(3) var<storage, read_write> obs_batch: array<f32>;
@group(0) @binding(4) var<storage, read_write> reward: array<f32>;
@group(0) @binding(5) var<storage, read_write> next_obs: array<f32>;

override WORKGROUP_SIZE: u32 = 256;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let k = (wid.x + wid.y * nwg.x) * WORKGROUP_SIZE + lid;
  if (k >= step.batch) { return; }
  let base = lara_minibatch_index(step.seed, step.iteration, step.update, k, step.filled) * REPLAY_STRIDE;
  for (var i = 0u; i < 7u; i++) {
    let o = replay[base + i];
    critic_input[k * 14u + i] = o;
    obs_batch[k * 7u + i] = o;
    critic_input[k * 14u + 7u + i] = replay[base + REPLAY_FEATURES + i];
    next_obs[k * 7u + i] = replay[base + REPLAY_NEXT_OBS + i];
  }
  reward[k] = replay[base + REPLAY_REWARD];
}
