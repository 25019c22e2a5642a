// The LARA replay ring on the GPU: row layout and sizes (the minibatch index rule is features.ts's minibatchIndicesInto).

/** One replay row: obs (7) | critic action features (7) | learning reward (1) | next obs (7). Mirrors lib/lara_step.wgsl. */
export const REPLAY_STRIDE = 22;
export const REPLAY_OBS = 0;
export const REPLAY_FEATURES = 7;
export const REPLAY_REWARD = 14;
export const REPLAY_NEXT_OBS = 15;

/** Ring row that env `env` writes at iteration `iteration`: (iteration * envs + env) mod capacity. */
export function replayRow(iteration: number, envs: number, env: number, capacity: number): number {
  return (((iteration % capacity) * envs) % capacity + env) % capacity;
}

/** Rows filled after the act of iteration `iteration` (0-based). */
export function replayFilled(iteration: number, envs: number, capacity: number): number {
  return Math.min(capacity, (iteration + 1) * envs);
}

/** Bytes of the GPU ring for `capacity` rows. */
export function replayBytes(capacity: number): number {
  return capacity * REPLAY_STRIDE * 4;
}
