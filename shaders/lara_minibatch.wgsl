// LARA replay minibatch: Philox indices over the filled ring, gathered into the critic input, rewards and next obs.
// replay: (capacity, REPLAY_STRIDE); critic_input: (B, CRITIC_INPUT) = obs || features; obs_batch: (B, OBSERVATION_SIZE);
// reward: (B,); next_obs: (B, OBSERVATION_SIZE), gathered only when GAMMA (the critic target reads it only then; at
// gamma 0 it may be bound to a dummy)
#include "lib/lara.wgsl"
#include "lib/lara_step.wgsl"

@group(0) @binding(0) var<uniform> step: Step;
@group(0) @binding(1) var<storage, read> replay: array<f32>;
@group(0) @binding(2) var<storage, read_write> critic_input: array<f32>;
@group(0) @binding(3) var<storage, read_write> obs_batch: array<f32>;
@group(0) @binding(4) var<storage, read_write> reward: array<f32>;
@group(0) @binding(5) var<storage, read_write> next_obs: array<f32>;

#include "lib/grid.wgsl"
override GAMMA: bool;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let k = grid_index(wid, nwg, lid);
  if (k >= step.batch) { return; }
  let base = lara_minibatch_index(step.seed, step.iteration, step.update, k, step.filled) * REPLAY_STRIDE;
  for (var i = 0u; i < OBSERVATION_SIZE; i++) {
    let o = replay[base + REPLAY_OBS + i];
    critic_input[k * CRITIC_INPUT + i] = o;
    obs_batch[k * OBSERVATION_SIZE + i] = o;
    if (GAMMA) { next_obs[k * OBSERVATION_SIZE + i] = replay[base + REPLAY_NEXT_OBS + i]; }
  }
  for (var i = 0u; i < LARA_ACTION_SIZE; i++) { critic_input[k * CRITIC_INPUT + OBSERVATION_SIZE + i] = replay[base + REPLAY_FEATURES + i]; }
  reward[k] = replay[base + REPLAY_REWARD];
}
