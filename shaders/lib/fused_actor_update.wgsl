// The actor's fused update of one workgroup (lara_actor_update_fused.wgsl, lara_update_pair_fused.wgsl): its
// ROWS_PER_WORKGROUP minibatch rows, ROWS at a time, through the minibatch gather (obs of the Philox rows), the actor's
// forward to z, the critic input obs | features(z), the critic's forward to Q, its backward with dOutput = 1 down to
// the features' gradient, the features' VJP to dL/dz = -(1/B) ... (actor loss -mean Q), and the actor's backward,
// adding the block's weight gradient through fm_grad(ACTOR, ...) into the workgroup's split-K slice. Returns (in
// invocation 0) the workgroup's sum of -Q. Needs `replay`, fm_weight / fm_grad, and both networks' tables.
#include "lib/lara.wgsl"
#include "lib/lara_step.wgsl"
#include "lib/fused_mlp.wgsl"
#include "lib/fused_update_rows.wgsl"
#include "lib/fused_critic_net.wgsl"
#include "lib/fused_actor_net.wgsl"

// dQ/dfeatures: (ROWS, LARA_ACTION_SIZE) at D_AT of fm_mem.
const D_AT: u32 = ${D_AT}u;

fn actor_update_group(group: u32, lid: u32, s: Step) -> f32 {
  let z_at = A_AT[A_LAYERS];
  let q_at = C_AT[C_LAYERS];
  var loss = 0.0;
  for (var block = 0u; block < ROWS_PER_WORKGROUP; block += ROWS) {
    let row0 = group * ROWS_PER_WORKGROUP + block;
    if (row0 >= s.batch) { break; }
    if (lid < ROWS) {
      let k = row0 + lid;
      row_index[lid] = select(NO_ROW, lara_minibatch_index(s.seed, s.iteration, s.update, k, s.filled), k < s.batch);
    }
    workgroupBarrier();
    // obs: (ROWS, OBSERVATION_SIZE), the actor's input and the critic input's first columns; zero past the batch.
    for (var e = lid; e < ROWS * OBSERVATION_SIZE; e += THREADS) {
      let r = e / OBSERVATION_SIZE;
      let i = e % OBSERVATION_SIZE;
      let index = row_index[r];
      var value = 0.0;
      if (index != NO_ROW) { value = replay[index * REPLAY_STRIDE + REPLAY_OBS + i]; }
      fm_mem[A_AT[0] + e] = value;
      fm_mem[C_AT[0] + r * CRITIC_INPUT + i] = value;
    }
    workgroupBarrier();
    actor_forward(lid);
    // Critic input features from the pre-activations (lara_actor_chain.wgsl).
    if (lid < ROWS) {
      var z: array<f32, LARA_ACTION_SIZE>;
      for (var i = 0u; i < LARA_ACTION_SIZE; i++) { z[i] = fm_mem[z_at + lid * LARA_ACTION_SIZE + i]; }
      let features = lara_critic_features_from_pre(z, s.share_floor);
      for (var i = 0u; i < LARA_ACTION_SIZE; i++) { fm_mem[C_AT[0] + lid * CRITIC_INPUT + OBSERVATION_SIZE + i] = features[i]; }
    }
    workgroupBarrier();
    critic_forward(lid);
    // Actor loss -Q; dOutput = 1 in place of Q (0 past the batch).
    if (lid == 0u) {
      for (var r = 0u; r < ROWS; r++) {
        var d = 0.0;
        if (row_index[r] != NO_ROW) {
          loss -= fm_mem[q_at + r];
          d = 1.0;
        }
        fm_mem[q_at + r] = d;
      }
    }
    workgroupBarrier();
    // The critic's input-gradient chain (no weight gradients), down to the features' columns of its input.
    for (var l = C_LAYERS; l > 0u; l--) {
      let layer = l - 1u;
      if (layer > 0u) {
        fm_backward_input(lid, CRITIC, C_AT[l], C_SIZES[layer], C_SIZES[l], C_W[layer], 0u, true, C_AT[layer], C_AT[layer]);
      } else {
        fm_backward_input(lid, CRITIC, C_AT[l], C_SIZES[0], C_SIZES[1], C_W[0], OBSERVATION_SIZE, false, C_AT[0], D_AT);
      }
      workgroupBarrier();
    }
    // dL/dz = -(1/B) VJP of the features (lara_actor_chain_backward.wgsl), in place of z.
    if (lid < ROWS) {
      var z: array<f32, LARA_ACTION_SIZE>;
      var d_features: array<f32, LARA_ACTION_SIZE>;
      for (var i = 0u; i < LARA_ACTION_SIZE; i++) {
        z[i] = fm_mem[z_at + lid * LARA_ACTION_SIZE + i];
        d_features[i] = fm_mem[D_AT + lid * LARA_ACTION_SIZE + i];
      }
      let dz = lara_critic_features_vjp(z, s.share_floor, d_features);
      let scale = -1.0 / f32(s.batch);
      for (var i = 0u; i < LARA_ACTION_SIZE; i++) { fm_mem[z_at + lid * LARA_ACTION_SIZE + i] = scale * dz[i]; }
    }
    workgroupBarrier();
    // The actor's backward: weight gradient of each layer, then the delta below it in place of the activation below.
    fm_block_row = row0;
    actor_backward(lid, block == 0u, s.batch);
  }
  return loss;
}
