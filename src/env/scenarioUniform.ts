// The scenario as the uniform `struct Scenario` of shaders/lib/scenario.wgsl (derived values computed in float64).
import { UserError } from '../errors.js';
import type { Scenario } from '../scenario.js';
import { SCENARIO_STRUCT } from './layout.js';
import { pathGain } from './reference.js';

/** `struct Scenario` (SCENARIO_STRUCT of src/env/layout.ts) of a scenario; refuses a value float32 cannot hold. */
export function scenarioUniform(s: Scenario): ArrayBuffer {
  const K = s.channel.ricianK;
  const values = {
    pathGainComp: pathGain(s, s.distance.comp),
    pathGainAigc: pathGain(s, s.distance.aigc),
    pathGainVe: pathGain(s, s.distance.ve),
    ricianLos: Math.sqrt(K / (K + 1)),
    ricianScatter: Math.sqrt(1 / (K + 1)) * Math.SQRT1_2,
    bandwidthOff: s.bandwidth.off,
    bandwidthBack: s.bandwidth.back,
    snrScaleOff: 1 / (s.bandwidth.off * s.noiseWattsPerHz),
    snrScaleBack: 1 / (s.bandwidth.back * s.noiseWattsPerHz),
    powerComp: s.power.comp,
    powerVe: s.power.ve,
    powerEs: s.power.es,
    dCompLow: s.data.comp[0], dCompSpan: s.data.comp[1] - s.data.comp[0],
    dVeLow: s.data.ve[0], dVeSpan: s.data.ve[1] - s.data.ve[0],
    dAigcLow: s.data.aigc[0], dAigcSpan: s.data.aigc[1] - s.data.aigc[0],
    localSecondsPerBit: s.cyclesPerBit / s.fLocal,
    cyclesPerBit: s.cyclesPerBit,
    fEs: s.fEs,
    genCyclesPerBit: s.xi * s.cyclesPerBit * s.genUnitCycles,
    genCyclesFixed: s.zeta * s.genUnitCycles,
    psi: s.psi,
    rraFloor: s.rraFloor,
    slotsPerEpisode: s.slotsPerEpisode,
  };
  for (const [name, v] of Object.entries(values)) {
    if (name === 'slotsPerEpisode') continue;
    const f = Math.fround(v);
    if (!Number.isFinite(f) || (v !== 0 && f === 0)) {
      throw new UserError(`scenario: derived GPU value ${name} (${v}) does not fit in float32; use --device cpu or less extreme values`);
    }
  }
  return SCENARIO_STRUCT.pack(values);
}
