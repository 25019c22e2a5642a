// The critic's lane update of one invocation (lara_critic_update_lanes.wgsl, lara_update_pair_lanes.wgsl): minibatch
// rows slice * LANE_ROWS .. + LANE_ROWS - 1 (those below the batch) through the minibatch gather (Philox rows of the
// replay ring), the critic's forward, the loss (y = r: gamma 0), dQ = 2 (Q - y) / B and the backward, writing the rows'
// weight gradient through lane_grad(CRITIC, ...) into the invocation's split-K slice, as lib/fused_critic_update.wgsl
// does for a workgroup's rows. Returns the rows' sum of squared errors. Needs `replay` (capacity, REPLAY_STRIDE),
// fm_weight and lane_store.
#include "lib/lara.wgsl"
#include "lib/lara_step.wgsl"
#include "lib/lane_critic_net.wgsl"
#include "lib/lane_replay.wgsl"

fn critic_update_lane(slice: u32, s: Step) -> f32 {
  var m: LaneMemory;
  // x: CRITIC_INPUT columns = obs | features of the rows' replay entries, zero past the batch; y: their rewards.
  var reward: array<vec4<f32>, LANE_VECS>;
  for (var v = 0u; v < LANE_VECS; v++) {
    let index = lara_minibatch_index4(s.seed, s.iteration, s.update, lane_row(slice, 4u * v) / 4u, s.filled);
    let valid = lane_valid4(slice, v, s.batch);
    reward[v] = lane_replay4(index, valid, REPLAY_REWARD);
    for (var i = 0u; i < CRITIC_INPUT; i++) {
      m[lm_index(C_AT[0], i, v)] = lane_replay4(index, valid, select(REPLAY_FEATURES + i - OBSERVATION_SIZE, REPLAY_OBS + i, i < OBSERVATION_SIZE));
    }
  }
  critic_forward_lane(&m);
  // Loss (Q - y)^2 and dQ = 2 (Q - y) / B in place of Q (0 past the batch: those rows add nothing below).
  let out_at = C_AT[C_LAYERS];
  var loss = 0.0;
  for (var v = 0u; v < LANE_VECS; v++) {
    let valid = lane_valid4(slice, v, s.batch);
    let diff = select(vec4<f32>(0.0), m[lm_index(out_at, 0u, v)] - reward[v], valid);
    loss += dot(diff, diff);
    m[lm_index(out_at, 0u, v)] = 2.0 * diff / f32(s.batch);
  }
  critic_backward_lane(&m);
  return loss;
}
