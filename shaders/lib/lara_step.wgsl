// The LARA trainer's per-(iteration, update) uniform, one 256-byte entry of a host-written ring (src/train/gpuKernels.ts).

// Sizes from LARA_DEFINES (src/train/laraLayout.ts).

// Replay ring row: obs | critic action features | reward used for learning | next obs.
const REPLAY_STRIDE: u32 = ${REPLAY_STRIDE}u;
const REPLAY_OBS: u32 = ${REPLAY_OBS}u;
const REPLAY_FEATURES: u32 = ${REPLAY_FEATURES}u;
const REPLAY_REWARD: u32 = ${REPLAY_REWARD}u;
const REPLAY_NEXT_OBS: u32 = ${REPLAY_NEXT_OBS}u;
// Critic input row: obs | critic action features.
const CRITIC_INPUT: u32 = ${CRITIC_INPUT}u;
// Act metrics per workgroup partial: true reward (-L_total), L_comp, L_aigc, L_ve, L_total.
const ACT_METRICS: u32 = ${ACT_METRICS}u;
// Floats per iteration row of the chunk metrics.
const METRICS_STRIDE: u32 = ${METRICS_STRIDE}u;

struct Step {
  iteration: u32,       // t: the slot every env steps in this iteration
  update: u32,          // u in [0, updates)
  filled: u32,          // replay rows filled (after this iteration's act)
  write_row: u32,       // ring row of env 0 in this iteration: (t * envs) mod capacity
  sigma: f32,           // exploration noise scale at t
  use_actor: u32,       // 0 during warm-up: act with z = 0 (noise only)
  chunk_iteration: u32, // index of this iteration within the submitted chunk (metrics partials)
  chunk_update: u32,    // chunk_iteration * updates + u (loss partials)
  seed: u32,
  envs: u32,
  batch: u32,
  capacity: u32,
  gamma: f32,
  share_floor: f32,
  reward_kind: u32,     // 0: learn from -ln(L_total); 1: from -L_total (lara_learning_reward)
  act_partials: u32,    // workgroup partials per iteration in the act metrics (ceil(envs / act workgroup))
  loss_partials: u32,   // workgroup partials per update in each loss (ceil(batch / loss workgroup))
  updates: u32,         // updates per iteration
}
