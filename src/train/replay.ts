// The replay ring's row layout (re-exported from layout.ts, its home; the minibatch index rule is features.ts's).
export { REPLAY_FEATURES, REPLAY_NEXT_OBS, REPLAY_OBS, REPLAY_REWARD, REPLAY_STRIDE, replayBytes } from './layout.js';
