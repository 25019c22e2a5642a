// Two steps of the fused update in one dispatch: the actor's gradient of update u (lib/fused_actor_update.wgsl, through
// the critic Adam has just stepped) beside the critic's gradient of update u + 1 (lib/fused_critic_update.wgsl, which
// reads the same critic and not the actor). Workgroups [0, G) are the actor's, [G, 2 G) the critic's, G =
// ceil(batch / ROWS_PER_WORKGROUP); each does what its own kernel's workgroup does, so the sums are the same bit for bit.
// replay: (capacity, REPLAY_STRIDE); actor, critic: flat params; actor_grads: (G, A_PARAMS); critic_grads: (G, C_PARAMS);
// actor_loss, critic_loss: (updates per chunk, G) as the two kernels' loss_partials.
#include "lib/grid.wgsl"

@group(0) @binding(0) var<uniform> actor_step: Step;
@group(0) @binding(1) var<uniform> critic_step: Step;
@group(0) @binding(2) var<storage, read> replay: array<f32>;
@group(0) @binding(3) var<storage, read> actor: array<f32>;
@group(0) @binding(4) var<storage, read> critic: array<f32>;
@group(0) @binding(5) var<storage, read_write> actor_grads: array<f32>;
@group(0) @binding(6) var<storage, read_write> critic_grads: array<f32>;
@group(0) @binding(7) var<storage, read_write> actor_loss: array<f32>;
@group(0) @binding(8) var<storage, read_write> critic_loss: array<f32>;

#include "lib/fused_actor_update.wgsl"
#include "lib/fused_critic_update.wgsl"

// First float of this workgroup's split-K slice (in actor_grads or critic_grads).
var<private> slice: u32;

fn fm_weight(net: u32, i: u32) -> f32 {
  if (net == ACTOR) { return actor[i]; }
  return critic[i];
}

fn fm_grad(net: u32, i: u32, value: f32, first: bool) {
  if (net == ACTOR) {
    if (first) { actor_grads[slice + i] = value; } else { actor_grads[slice + i] += value; }
  } else {
    if (first) { critic_grads[slice + i] = value; } else { critic_grads[slice + i] += value; }
  }
}

@compute @workgroup_size(THREADS)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let group = grid_group(wid, nwg);
  let actor_groups = (actor_step.batch + ROWS_PER_WORKGROUP - 1u) / ROWS_PER_WORKGROUP;
  if (group < actor_groups) {
    slice = fm_slice(group, A_PARAMS);
    let loss = actor_update_group(group, lid, actor_step);
    if (lid == 0u) { actor_loss[actor_step.chunk_update * actor_step.loss_partials + group] = loss; }
  } else {
    let g = group - actor_groups;
    slice = fm_slice(g, C_PARAMS);
    let loss = critic_update_group(g, lid, critic_step);
    if (lid == 0u) { critic_loss[critic_step.chunk_update * critic_step.loss_partials + g] = loss; }
  }
}
