// The critic's fused update of one workgroup (lara_critic_update_fused.wgsl, lara_update_pair_fused.wgsl): its
// ROWS_PER_WORKGROUP minibatch rows, ROWS at a time, through the minibatch gather (Philox rows of the replay ring), the
// critic's forward, the loss (y = r: gamma 0), dQ = 2 (Q - y) / B and the backward, adding the block's weight gradient
// through fm_grad(CRITIC, ...) into the workgroup's split-K slice. Returns (in invocation 0) the workgroup's sum of
// squared errors. Needs `replay` (capacity, REPLAY_STRIDE), fm_weight / fm_grad, and lib/fused_critic_net.wgsl.
#include "lib/lara.wgsl"
#include "lib/lara_step.wgsl"
#include "lib/fused_mlp.wgsl"
#include "lib/fused_update_rows.wgsl"
#include "lib/fused_critic_net.wgsl"

fn critic_update_group(group: u32, lid: u32, s: Step) -> f32 {
  let out_at = C_AT[C_LAYERS];
  var loss = 0.0;
  for (var block = 0u; block < ROWS_PER_WORKGROUP; block += ROWS) {
    let row0 = group * ROWS_PER_WORKGROUP + block;
    if (row0 >= s.batch) { break; }
    // Minibatch rows, uniform over the filled part of the ring (lara_minibatch.wgsl's indices).
    if (lid < ROWS) {
      let k = row0 + lid;
      var index = NO_ROW;
      var reward = 0.0;
      if (k < s.batch) {
        index = lara_minibatch_index(s.seed, s.iteration, s.update, k, s.filled);
        reward = replay[index * REPLAY_STRIDE + REPLAY_REWARD];
      }
      row_index[lid] = index;
      row_reward[lid] = reward;
    }
    workgroupBarrier();
    // x: (ROWS, CRITIC_INPUT) = obs | features, zero past the batch.
    for (var e = lid; e < ROWS * CRITIC_INPUT; e += THREADS) {
      let r = e / CRITIC_INPUT;
      let i = e % CRITIC_INPUT;
      let index = row_index[r];
      var value = 0.0;
      if (index != NO_ROW) {
        value = replay[index * REPLAY_STRIDE + select(REPLAY_FEATURES + i - OBSERVATION_SIZE, REPLAY_OBS + i, i < OBSERVATION_SIZE)];
      }
      fm_mem[C_AT[0] + e] = value;
    }
    workgroupBarrier();
    critic_forward(lid);
    // Loss (Q - y)^2 and dQ = 2 (Q - y) / B in place of Q (0 past the batch: those rows add nothing below).
    if (lid == 0u) {
      for (var r = 0u; r < ROWS; r++) {
        var dq = 0.0;
        if (row_index[r] != NO_ROW) {
          let diff = fm_mem[out_at + r] - row_reward[r];
          loss += diff * diff;
          dq = 2.0 * diff / f32(s.batch);
        }
        fm_mem[out_at + r] = dq;
      }
    }
    workgroupBarrier();
    fm_block_row = row0;
    critic_backward(lid, block == 0u, s.batch);
  }
  return loss;
}
