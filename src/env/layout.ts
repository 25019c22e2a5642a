// Data layouts of the environment (docs/ARCHITECTURE.md): state, action and latency columns in MODEL.md's CSV order.
import { uniformStruct, structDefines } from '../gpu/uniforms.js';
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

/** `struct Scenario` of shaders/lib/scenario.wgsl: the scenario with its derived values (src/env/scenarioUniform.ts). */
export const SCENARIO_STRUCT = uniformStruct('Scenario', {
  pathGainComp: 'f32',        // g0 * distance.comp^-exp
  pathGainAigc: 'f32',        // g0 * distance.aigc^-exp
  pathGainVe: 'f32',          // g0 * distance.ve^-exp (both ve links)
  ricianLos: 'f32',           // sqrt(K / (K + 1))
  ricianScatter: 'f32',       // sqrt(1 / (K + 1)) / sqrt(2)
  bandwidthOff: 'f32',        // Hz
  bandwidthBack: 'f32',       // Hz
  snrScaleOff: 'f32',         // 1 / (bandwidth_off * N0), 1/W: snr = p * h * snr_scale / share
  snrScaleBack: 'f32',        // 1 / (bandwidth_back * N0)
  powerComp: 'f32',           // W
  powerVe: 'f32',             // W
  powerEs: 'f32',             // W
  dCompLow: 'f32',            // bits
  dCompSpan: 'f32',           // high - low, bits
  dVeLow: 'f32',
  dVeSpan: 'f32',
  dAigcLow: 'f32',
  dAigcSpan: 'f32',
  localSecondsPerBit: 'f32',  // cyclesPerBit / fLocal
  cyclesPerBit: 'f32',        // chi
  fEs: 'f32',                 // cycles/s
  genCyclesPerBit: 'f32',     // xi * chi * genUnitCycles
  genCyclesFixed: 'f32',      // zeta * genUnitCycles
  psi: 'f32',
  rraFloor: 'f32',
  slotsPerEpisode: 'u32',
});

/** Defines of shaders/lib/megc.wgsl and lib/scenario.wgsl: its sizes and struct come from here. */
export const ENV_DEFINES = { STATE_SIZE, ACTION_SIZE, STREAM_RRA_ACTIONS: Stream.rraActions, ...structDefines([SCENARIO_STRUCT]) } as const;

/** Indices into a state row. */
export const S = { hCompOff: 0, hAigcBack: 1, hVeOff: 2, hVeBack: 3, dComp: 4, dVe: 5, dAigc: 6 } as const;
/** Indices into an action row. */
export const A = { alphaOff: 0, alphaBack: 1, beta: 2, lambda: 3, omegaComp: 4, omegaAigc: 5, omegaVe: 6 } as const;
