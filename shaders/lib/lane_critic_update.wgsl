// The critic's lane update of one invocation (lara_critic_update_lanes.wgsl, lara_update_pair_lanes.wgsl): minibatch
// rows slice * LANE_ROWS .. + LANE_ROWS - 1 (those below the batch) through the minibatch gather (Philox rows of the
// replay ring), the critic's forward, the loss (y = r: gamma 0), dQ = 2 (Q - y) / B and the backward, writing the rows'
// weight gradient through lane_grad(CRITIC, ...) into the invocation's split-K slice, as lib/fused_critic_update.wgsl
// does for a workgroup's rows. Returns the rows' sum of squared errors. Needs `replay` (capacity, REPLAY_STRIDE),
// fm_weight and lane_grad.
#include "lib/lara.wgsl"
#include "lib/lara_step.wgsl"
#include "lib/lane_critic_net.wgsl"

fn critic_update_lane(slice: u32, s: Step) -> f32 {
  var reward: array<f32, LANE_ROWS>;
  // x: (LANE_ROWS, CRITIC_INPUT) = obs | features of the rows' replay entries, zero past the batch.
  for (var r = 0u; r < LANE_ROWS; r++) {
    let k = lane_row(slice, r);
    reward[r] = 0.0;
    var index = 0u;
    if (k < s.batch) {
      index = lara_minibatch_index(s.seed, s.iteration, s.update, k, s.filled);
      reward[r] = replay[index * REPLAY_STRIDE + REPLAY_REWARD];
    }
    for (var i = 0u; i < CRITIC_INPUT; i++) {
      var value = 0.0;
      if (k < s.batch) { value = replay[index * REPLAY_STRIDE + select(REPLAY_FEATURES + i - OBSERVATION_SIZE, REPLAY_OBS + i, i < OBSERVATION_SIZE)]; }
      lm[C_AT[0] + r * CRITIC_INPUT + i] = value;
    }
  }
  critic_forward_lane();
  // Loss (Q - y)^2 and dQ = 2 (Q - y) / B in place of Q (0 past the batch: those rows add nothing below).
  let out_at = C_AT[C_LAYERS];
  var loss = 0.0;
  for (var r = 0u; r < LANE_ROWS; r++) {
    var dq = 0.0;
    if (lane_row(slice, r) < s.batch) {
      let diff = lm[out_at + r] - reward[r];
      loss += diff * diff;
      dq = 2.0 * diff / f32(s.batch);
    }
    lm[out_at + r] = dq;
  }
  critic_backward_lane();
  return loss;
}
