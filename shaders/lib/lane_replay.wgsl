// The lane updates' minibatch gather: a column of four replay rows as one vector (lib/lane_critic_update.wgsl,
// lib/lane_actor_update.wgsl). Needs `replay` (capacity, REPLAY_STRIDE).
#include "lib/lara.wgsl"

// Column `column` of replay rows `index` (zero where not `valid`).
fn lane_replay4(index: vec4<u32>, valid: vec4<bool>, column: u32) -> vec4<f32> {
  let x = vec4<f32>(replay[index.x * REPLAY_STRIDE + column], replay[index.y * REPLAY_STRIDE + column],
                    replay[index.z * REPLAY_STRIDE + column], replay[index.w * REPLAY_STRIDE + column]);
  return select(vec4<f32>(0.0), x, valid);
}
