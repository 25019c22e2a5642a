// LARA soft target update of both networks in one dispatch: target = tau * online + (1 - tau) * target, for the actor
// (actor_count floats) and the critic (critic_count floats).
// actor, actor_target: (actor_count,); critic, critic_target: (critic_count,)

struct Params {
  actor_count: u32,
  critic_count: u32,
  tau: f32,
  _pad: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> actor: array<f32>;
@group(0) @binding(2) var<storage, read_write> actor_target: array<f32>;
@group(0) @binding(3) var<storage, read> critic: array<f32>;
@group(0) @binding(4) var<storage, read_write> critic_target: array<f32>;

override WORKGROUP_SIZE: u32 = 256;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * WORKGROUP_SIZE + lid;
  if (i < params.actor_count) { actor_target[i] = params.tau * actor[i] + (1.0 - params.tau) * actor_target[i]; }
  if (i < params.critic_count) { critic_target[i] = params.tau * critic[i] + (1.0 - params.tau) * critic_target[i]; }
}
