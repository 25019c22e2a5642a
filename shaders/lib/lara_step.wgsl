// The LARA trainer's per-(iteration, update) uniform, one 256-byte entry of a host-written ring (src/train/laraKernels.ts).

// Sizes from LARA_DEFINES (src/train/layout.ts).

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

// struct Step: its fields and their meaning are declared in src/train/layout.ts (STEP_STRUCT)
${STEP_STRUCT}
