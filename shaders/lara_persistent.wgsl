// The persistent LARA trainer: one workgroup runs a chunk's iterations whole in one dispatch, each as ReferenceTrainer.step
// does it: the act of every env (lib/lane_act.wgsl), then U updates, each the critic's gradient over the minibatch
// (lib/lane_critic_update.wgsl), its Adam step and soft target update, then the actor's through the updated critic
// (lib/lane_actor_update.wgsl) and its Adam step and soft target update. A single workgroup needs no synchronisation
// beyond its own barriers, so this is safe by the WebGPU specification. Each invocation takes LANE_ROWS rows at a time
// (envs, minibatch rows) in its own memory, WORKGROUP_SIZE * LANE_ROWS per pass, and adds its passes' gradients into
// its split-K slice (with LANE_SUBGROUPS, the workgroup is one subgroup with one slice); the Adam phases add the
// slices up, each invocation a stride of the parameters. The chunk metrics dispatch (lara_metrics.wgsl) follows.
// ring: the chunk's Step entries (iteration i's update u at i * U + u); actor_hypers, critic_hypers: the Adam ring
// entries of the chunk's updates in order; states, obs: (envs, STATE_SIZE), (envs, OBSERVATION_SIZE); replay:
// (capacity, REPLAY_STRIDE); act_partials: (chunk iterations, WORKGROUP_SIZE, ACT_METRICS); actor, critic and their
// moments and targets: flat params; grads: (slices, max(A_PARAMS, C_PARAMS)); actor_loss, critic_loss: (chunk
// updates, slices), as the lane kernels' loss partials.

// struct Hyper (lr, beta1, beta2, one_minus_beta1, one_minus_beta2, epsilon, bias_correction1, bias_correction2, count): declared in src/nn/adam.ts
${HYPER_STRUCT}

// struct PersistentChunk (iterations, tau): declared in src/train/persistent.ts
${PERSISTENT_CHUNK_STRUCT}

// Invocations of the one workgroup (a pipeline constant).
override WORKGROUP_SIZE: u32;

// Ring entries as the host writes them, STEP_STRIDE bytes apart.
struct StepSlot { @size(${STEP_STRIDE}) s: Step }
struct HyperSlot { @size(${ADAM_RING_STRIDE}) h: Hyper }

@group(0) @binding(0) var<uniform> ring: array<StepSlot, ${RING_ENTRIES}>;
@group(0) @binding(1) var<uniform> actor_hypers: array<HyperSlot, ${RING_ENTRIES}>;
@group(0) @binding(2) var<uniform> critic_hypers: array<HyperSlot, ${RING_ENTRIES}>;
@group(0) @binding(3) var<uniform> chunk: PersistentChunk;
@group(0) @binding(4) var<uniform> scenario: Scenario;
@group(0) @binding(5) var<uniform> norm: LaraObservationNorm;
@group(0) @binding(6) var<storage, read_write> states: array<f32>;
@group(0) @binding(7) var<storage, read_write> obs: array<f32>;
@group(0) @binding(8) var<storage, read_write> replay: array<f32>;
@group(0) @binding(9) var<storage, read_write> act_partials: array<f32>;
@group(0) @binding(10) var<storage, read_write> actor: array<f32>;
@group(0) @binding(11) var<storage, read_write> actor_m: array<f32>;
@group(0) @binding(12) var<storage, read_write> actor_v: array<f32>;
@group(0) @binding(13) var<storage, read_write> actor_target: array<f32>;
@group(0) @binding(14) var<storage, read_write> critic: array<f32>;
@group(0) @binding(15) var<storage, read_write> critic_m: array<f32>;
@group(0) @binding(16) var<storage, read_write> critic_v: array<f32>;
@group(0) @binding(17) var<storage, read_write> critic_target: array<f32>;
@group(0) @binding(18) var<storage, read_write> grads: array<f32>;
@group(0) @binding(19) var<storage, read_write> actor_loss: array<f32>;
@group(0) @binding(20) var<storage, read_write> critic_loss: array<f32>;

// The Step of the phase running (lib/lara_act_row.wgsl reads `step`).
var<private> step: Step;

#include "lib/lane_act.wgsl"
#include "lib/lane_actor_update.wgsl"
#include "lib/lane_critic_update.wgsl"
#include "lib/adam_step.wgsl"

// First float of this invocation's split-K slice in `grads`, and whether this pass adds to it (passes after the first).
var<private> slice_at: u32;
var<private> accumulate: bool;

fn fm_weight(net: u32, i: u32) -> f32 {
  if (net == ACTOR) { return actor[i]; }
  return critic[i];
}

fn lane_store(net: u32, i: u32, value: f32) {
  if (accumulate) { grads[slice_at + i] += value; } else { grads[slice_at + i] = value; }
}

// Floats per slice of `grads`.
const SLICE_FLOATS: u32 = max(A_PARAMS, C_PARAMS);

// One network's gradient over the minibatch of update entry `entry` in the invocation's slice `out` (NO_SLICE: none of
// its rows lie below the batch), pass after pass; its loss partial written to actor_loss or critic_loss.
fn gradient_passes(net: u32, entry: u32, out: u32, lid: u32) {
  let s = ring[entry].s;
  var loss = 0.0;
  for (var first = 0u; first < s.batch; first += LANE_ROWS * WORKGROUP_SIZE) {
    let block = first / LANE_ROWS + lid;
    accumulate = first > 0u;
    // With subgroups every invocation takes part (rows past the batch add zero; subgroupAdd in uniform control flow),
    // else only those with rows.
#if ${LANE_SUBGROUPS}
    let take = true;
#else
    let take = lane_row(block, 0u) < s.batch;
#endif
    if (take) {
      if (net == ACTOR) { loss += lane_sum(actor_update_lane(block, s)); } else { loss += lane_sum(critic_update_lane(block, s)); }
    }
  }
  if (out != NO_SLICE && lane_writes()) {
    if (net == ACTOR) { actor_loss[s.chunk_update * s.loss_partials + out] = loss; } else { critic_loss[s.chunk_update * s.loss_partials + out] = loss; }
  }
}

// Adam over one network's `count` parameters from the sum of the gradient's `slices` slices, and the soft update of its
// target; invocation lid takes parameters lid, lid + WORKGROUP_SIZE, ...
fn adam_phase(net: u32, h: Hyper, slices: u32, lid: u32) {
  for (var i = lid; i < h.count; i += WORKGROUP_SIZE) {
    var g = 0.0;
    for (var s = 0u; s < slices; s++) { g += grads[s * SLICE_FLOATS + i]; }
    if (net == ACTOR) {
      let next = adam_step(h, actor[i], g, actor_m[i], actor_v[i]);
      actor_m[i] = next.y;
      actor_v[i] = next.z;
      actor[i] = next.x;
      actor_target[i] = soft_target(chunk.tau, next.x, actor_target[i]);
    } else {
      let next = adam_step(h, critic[i], g, critic_m[i], critic_v[i]);
      critic_m[i] = next.y;
      critic_v[i] = next.z;
      critic[i] = next.x;
      critic_target[i] = soft_target(chunk.tau, next.x, critic_target[i]);
    }
  }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(ids: LaneIds) {
  let lid = ids.lid;
  let updates = ring[0].s.updates;
  // The invocation's slice (with subgroups, the workgroup's one).
  let out = lane_slice(lid, 0u, ring[0].s.batch, ids);
  slice_at = select(out, 0u, out == NO_SLICE) * SLICE_FLOATS;
  var adam_entry = 0u;
  for (var i = 0u; i < chunk.iterations; i++) {
    let first = i * updates;
    // 1-4. The act of every env: envs lid * LANE_ROWS .. of each pass; the invocation's metrics are its act partial.
    step = ring[first].s;
    var sums: array<f32, ACT_METRICS>;
    for (var m = 0u; m < ACT_METRICS; m++) { sums[m] = 0.0; }
    for (var e = lid * LANE_ROWS; e < step.envs; e += LANE_ROWS * WORKGROUP_SIZE) { act_lanes(e, &sums); }
    for (var m = 0u; m < ACT_METRICS; m++) { act_partials[(step.chunk_iteration * step.act_partials + lid) * ACT_METRICS + m] = sums[m]; }
    // The replay rows written before any update reads them.
    storageBarrier();
    // 5. The updates, once the ring holds a batch.
    if (ring[first].s.filled < ring[first].s.batch) { continue; }
    let slices = ring[first].s.loss_partials;
    for (var u = 0u; u < updates; u++) {
      gradient_passes(CRITIC, first + u, out, lid);
      storageBarrier();
      adam_phase(CRITIC, critic_hypers[adam_entry + u].h, slices, lid);
      storageBarrier();
      gradient_passes(ACTOR, first + u, out, lid);
      storageBarrier();
      adam_phase(ACTOR, actor_hypers[adam_entry + u].h, slices, lid);
      storageBarrier();
    }
    adam_entry += updates;
  }
}
