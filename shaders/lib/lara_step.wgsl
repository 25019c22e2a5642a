// The LARA trainer's per-(iteration, update) uniform, one 256-byte entry of a host-written ring (src/train/gpuKernels.ts).

// Replay ring row: obs (7) | critic action features (7) | reward used for learning (1) | next obs (7).
const REPLAY_STRIDE: u32 = 22u;
const REPLAY_FEATURES: u32 = 7u;
const REPLAY_REWARD: u32 = 14u;
const REPLAY_NEXT_OBS: u32 = 15u;
// Act metrics per workgroup partial: true reward (-L_total), L_comp, L_aigc, L_ve, L_total.
const ACT_METRICS: u32 = 5u;

struct Step {
  iteration: u32,       // t: the slot every env steps in this iteration
  update: u32,          // u in [0, updates)
  filled: u32,          // replay rows filled (after this iteration's act)
  write_row: u32,       // ring row of env 0 in this iteration: (t * envs) mod capacity
  sigma: f32,           // exploration noise scale at t
  use_actor: u32,       // 0 during warm-up: act with z = 0 (noise only)
  iteration_slot: u32,  // index of this iteration within the chunk (metrics partials)
  update_slot: u32,     // iteration_slot * updates + u (loss partials)
  seed: u32,
  envs: u32,
  batch: u32,
  capacity: u32,
  gamma: f32,
  share_floor: f32,
  reward_kind: u32,     // 0: learn from -ln(L_total); 1: from -L_total (lara_learning_reward)
  act_partials: u32,    // workgroup partials per iteration in the act metrics (ceil(envs / 256))
  loss_partials: u32,   // workgroup partials per update in each loss (ceil(batch / 256))
  updates: u32,         // updates per iteration
}
