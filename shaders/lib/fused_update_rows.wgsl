// What the fused update's blocks share (lib/fused_critic_update.wgsl, lib/fused_actor_update.wgsl): the minibatch rows
// of the block in flight, and the rows each workgroup takes.
const ROWS_PER_WORKGROUP: u32 = ${ROWS_PER_WORKGROUP}u;
const NO_ROW: u32 = 0xffffffffu;

// Replay row of each block row (NO_ROW past the batch) and its reward.
var<workgroup> row_index: array<u32, ROWS>;
var<workgroup> row_reward: array<f32, ROWS>;
