// LARA critic update, fused: each workgroup takes ROWS_PER_WORKGROUP minibatch rows, ROWS at a time, through the
// minibatch gather (Philox rows of the replay ring), the critic's forward, the loss (y = r: gamma 0), dQ = 2 (Q - y) / B
// and the backward, and adds the block's weight gradient into its own split-K slice (summed by the Adam dispatch).
// replay: (capacity, REPLAY_STRIDE); weights: the critic's flat params (C_PARAMS); grad_partials: (workgroups, C_PARAMS);
// loss_partials: (updates per chunk, step.loss_partials = workgroups) sums of squared errors, one per workgroup.
#include "lib/grid.wgsl"
#include "lib/lara.wgsl"
#include "lib/lara_step.wgsl"
#include "lib/fused_mlp.wgsl"

@group(0) @binding(0) var<uniform> step: Step;
@group(0) @binding(1) var<storage, read> replay: array<f32>;
@group(0) @binding(2) var<storage, read> weights: array<f32>;
@group(0) @binding(3) var<storage, read_write> grad_partials: array<f32>;
@group(0) @binding(4) var<storage, read_write> loss_partials: array<f32>;

// The critic: layer sizes, each layer's W and b offsets in the flat params, each activation's region in fm_mem.
const C_LAYERS: u32 = ${C_LAYERS}u;
const C_SIZES = array<u32, C_LAYERS + 1u>(${C_SIZES});
const C_W = array<u32, C_LAYERS>(${C_W});
const C_B = array<u32, C_LAYERS>(${C_B});
const C_AT = array<u32, C_LAYERS + 1u>(${C_AT});
const C_PARAMS: u32 = ${C_PARAMS}u;
const ROWS_PER_WORKGROUP: u32 = ${ROWS_PER_WORKGROUP}u;
const NO_ROW: u32 = 0xffffffffu;

// Replay row of each block row (NO_ROW past the batch) and its reward.
var<workgroup> row_index: array<u32, ROWS>;
var<workgroup> row_reward: array<f32, ROWS>;
// First float of this workgroup's split-K slice.
var<private> slice: u32;

fn fm_weight(net: u32, i: u32) -> f32 { return weights[i]; }

fn fm_grad(net: u32, i: u32, value: f32, first: bool) {
  if (first) { grad_partials[slice + i] = value; } else { grad_partials[slice + i] += value; }
}

@compute @workgroup_size(THREADS)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let group = grid_group(wid, nwg);
  slice = group * C_PARAMS;
  let out_at = C_AT[C_LAYERS];
  var loss = 0.0;  // invocation 0: the workgroup's sum of squared errors
  for (var block = 0u; block < ROWS_PER_WORKGROUP; block += ROWS) {
    let row0 = group * ROWS_PER_WORKGROUP + block;
    if (row0 >= step.batch) { break; }
    // Minibatch rows, uniform over the filled part of the ring (lara_minibatch.wgsl's indices).
    if (lid < ROWS) {
      let k = row0 + lid;
      var index = NO_ROW;
      var reward = 0.0;
      if (k < step.batch) {
        index = lara_minibatch_index(step.seed, step.iteration, step.update, k, step.filled);
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
    for (var l = 0u; l < C_LAYERS; l++) {
      fm_forward(lid, 0u, C_AT[l], C_SIZES[l], C_SIZES[l + 1u], C_W[l], C_B[l], l + 1u < C_LAYERS, C_AT[l + 1u]);
      workgroupBarrier();
    }
    // Loss (Q - y)^2 and dQ = 2 (Q - y) / B in place of Q (0 past the batch: those rows add nothing below).
    if (lid == 0u) {
      for (var r = 0u; r < ROWS; r++) {
        var dq = 0.0;
        if (row_index[r] != NO_ROW) {
          let diff = fm_mem[out_at + r] - row_reward[r];
          loss += diff * diff;
          dq = 2.0 * diff / f32(step.batch);
        }
        fm_mem[out_at + r] = dq;
      }
    }
    workgroupBarrier();
    // Backward, top layer first: its weight gradient, then the delta below it in place of the activation below.
    for (var l = C_LAYERS; l > 0u; l--) {
      let layer = l - 1u;
      fm_backward_weight(lid, 0u, C_AT[layer], C_SIZES[layer], C_SIZES[l], C_AT[l], C_W[layer], C_B[layer], block == 0u);
      if (layer > 0u) {
        workgroupBarrier();
        fm_backward_input(lid, 0u, C_AT[l], C_SIZES[layer], C_SIZES[l], C_W[layer], 0u, true, C_AT[layer], C_AT[layer]);
      }
      workgroupBarrier();
    }
  }
  if (lid == 0u) { loss_partials[step.chunk_update * step.loss_partials + group] = loss; }
}
