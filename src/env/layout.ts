// Data layouts of the environment (docs/ARCHITECTURE.md): state, action and latency columns in MODEL.md's CSV order.
import { Stream } from '../rng/streams.js';

/** State, 7 values per environment. */
export const STATE_COLUMNS = ['h_comp_off', 'h_aigc_back', 'h_ve_off', 'h_ve_back', 'd_comp', 'd_ve', 'd_aigc'] as const;
/** Action, 7 values per environment. */
export const ACTION_COLUMNS = ['alpha_off', 'alpha_back', 'beta', 'lambda', 'omega_comp', 'omega_aigc', 'omega_ve'] as const;
/** Latencies, 4 values per environment, seconds. */
export const LATENCY_COLUMNS = ['l_comp', 'l_aigc', 'l_ve', 'l_total'] as const;

export const STATE_SIZE = STATE_COLUMNS.length;
export const ACTION_SIZE = ACTION_COLUMNS.length;
export const LATENCY_SIZE = LATENCY_COLUMNS.length;

/** Defines of shaders/lib/megc.wgsl: its sizes come from here. */
export const ENV_DEFINES = { STATE_SIZE, ACTION_SIZE, STREAM_RRA_ACTIONS: Stream.rraActions } as const;

/** Indices into a state row. */
export const S = { hCompOff: 0, hAigcBack: 1, hVeOff: 2, hVeBack: 3, dComp: 4, dVe: 5, dAigc: 6 } as const;
/** Indices into an action row. */
export const A = { alphaOff: 0, alphaBack: 1, beta: 2, lambda: 3, omegaComp: 4, omegaAigc: 5, omegaVe: 6 } as const;
