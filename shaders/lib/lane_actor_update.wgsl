// The actor's lane update of one invocation (lara_actor_update_lanes.wgsl, lara_update_pair_lanes.wgsl): minibatch rows
// slice * LANE_ROWS .. (those below the batch) through the gather (obs of the Philox rows), the actor's forward to z, the
// critic input obs | features(z), the critic's forward to Q, its backward with dOutput = 1 down to the features'
// gradient, the features' VJP to dL/dz = -(1/B) ... (actor loss -mean Q) and the actor's backward, writing the rows'
// weight gradient through lane_grad(ACTOR, ...) into the invocation's split-K slice, as lib/fused_actor_update.wgsl
// does for a workgroup's rows. Returns the rows' sum of -Q. Needs `replay`, fm_weight, lane_store and both tables.
#include "lib/lara.wgsl"
#include "lib/lara_step.wgsl"
#include "lib/lane_critic_net.wgsl"
#include "lib/lane_actor_net.wgsl"
#include "lib/lane_replay.wgsl"

// dQ/dfeatures: LARA_ACTION_SIZE columns at D_AT of the critic's LaneMemory.
const D_AT: u32 = ${D_AT}u;

fn actor_update_lane(slice: u32, s: Step) -> f32 {
  // The actor's activations and the critic's (with dQ/dfeatures), each in its own function's memory.
  var a: LaneMemory;
  return actor_update_lane_with(&a, slice, s);
}

fn actor_update_lane_with(a: ptr<function, LaneMemory>, slice: u32, s: Step) -> f32 {
  var c: LaneMemory;
  let z_at = A_AT[A_LAYERS];
  let q_at = C_AT[C_LAYERS];
  // obs: OBSERVATION_SIZE columns, the actor's input and the critic input's first columns; zero past the batch.
  for (var v = 0u; v < LANE_VECS; v++) {
    let index = lara_minibatch_index4(s.seed, s.iteration, s.update, lane_row(slice, 4u * v) / 4u, s.filled);
    let valid = lane_valid4(slice, v, s.batch);
    for (var i = 0u; i < OBSERVATION_SIZE; i++) {
      let x = lane_replay4(index, valid, REPLAY_OBS + i);
      (*a)[lm_index(A_AT[0], i, v)] = x;
      c[lm_index(C_AT[0], i, v)] = x;
    }
  }
  actor_forward_lane(a);
  // Critic input features from the pre-activations (lara_actor_chain.wgsl), row by row of each vector of rows.
  for (var v = 0u; v < LANE_VECS; v++) {
    var zv: array<vec4<f32>, LARA_ACTION_SIZE>;
    for (var i = 0u; i < LARA_ACTION_SIZE; i++) { zv[i] = (*a)[lm_index(z_at, i, v)]; }
    var fv: array<vec4<f32>, LARA_ACTION_SIZE>;
    for (var r = 0u; r < 4u; r++) {
      var z: array<f32, LARA_ACTION_SIZE>;
      for (var i = 0u; i < LARA_ACTION_SIZE; i++) { z[i] = zv[i][r]; }
      let features = lara_critic_features_from_pre(z, s.share_floor);
      for (var i = 0u; i < LARA_ACTION_SIZE; i++) { fv[i][r] = features[i]; }
    }
    for (var i = 0u; i < LARA_ACTION_SIZE; i++) { c[lm_index(C_AT[0], OBSERVATION_SIZE + i, v)] = fv[i]; }
  }
  critic_forward_lane(&c);
  // Actor loss -Q; dOutput = 1 in place of Q (0 past the batch).
  var loss = 0.0;
  for (var v = 0u; v < LANE_VECS; v++) {
    let valid = lane_valid4(slice, v, s.batch);
    loss -= dot(select(vec4<f32>(0.0), c[lm_index(q_at, 0u, v)], valid), vec4<f32>(1.0));
    c[lm_index(q_at, 0u, v)] = select(vec4<f32>(0.0), vec4<f32>(1.0), valid);
  }
  // The critic's input-gradient chain (no weight gradients), down to the features' columns of its input: the head's
  // delta below it (lm_backward_head1), then the layers below.
  lm_backward_head1(&c, CRITIC, C_AT[C_LAYERS - 1u], C_SIZES[C_LAYERS - 1u], q_at, C_W[C_LAYERS - 1u], C_B[C_LAYERS - 1u], false);
  for (var l = C_LAYERS - 1u; l > 0u; l--) {
    let layer = l - 1u;
    if (layer > 0u) {
      lm_backward_input(&c, CRITIC, C_AT[l], C_SIZES[layer], C_SIZES[l], C_W[layer], 0u, true, C_AT[layer], C_AT[layer]);
    } else {
      lm_backward_input(&c, CRITIC, C_AT[l], C_SIZES[0], C_SIZES[1], C_W[0], OBSERVATION_SIZE, false, C_AT[0], D_AT);
    }
  }
  // dL/dz = -(1/B) VJP of the features (lara_actor_chain_backward.wgsl), in place of z.
  let scale = -1.0 / f32(s.batch);
  for (var v = 0u; v < LANE_VECS; v++) {
    var zv: array<vec4<f32>, LARA_ACTION_SIZE>;
    var dv: array<vec4<f32>, LARA_ACTION_SIZE>;
    for (var i = 0u; i < LARA_ACTION_SIZE; i++) {
      zv[i] = (*a)[lm_index(z_at, i, v)];
      dv[i] = c[lm_index(D_AT, i, v)];
    }
    for (var r = 0u; r < 4u; r++) {
      var z: array<f32, LARA_ACTION_SIZE>;
      var d_features: array<f32, LARA_ACTION_SIZE>;
      for (var i = 0u; i < LARA_ACTION_SIZE; i++) {
        z[i] = zv[i][r];
        d_features[i] = dv[i][r];
      }
      let dz = lara_critic_features_vjp(z, s.share_floor, d_features);
      for (var i = 0u; i < LARA_ACTION_SIZE; i++) { zv[i][r] = scale * dz[i]; }
    }
    for (var i = 0u; i < LARA_ACTION_SIZE; i++) { (*a)[lm_index(z_at, i, v)] = zv[i]; }
  }
  // The actor's backward: each layer's weight gradient, then the delta below it in place of the activation below.
  actor_backward_lane(a);
  return loss;
}
