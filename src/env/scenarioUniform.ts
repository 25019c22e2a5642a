// The scenario as the uniform `struct Scenario` of shaders/lib/scenario.wgsl (derived values computed in float64), refused
// where the float32 GPU path would not match the float64 reference (gpuRange.ts).
import { UserError } from '../errors.js';
import type { Scenario } from '../scenario.js';
import { checkGpuScenario, FLOAT32_MAX, FLOAT32_MIN_NORMAL } from './gpuRange.js';
import { SCENARIO_STRUCT } from './layout.js';
import { pathGain } from './reference.js';

/** The scenario key each float field of `struct Scenario` is derived from (named in errors). */
const FIELD_KEYS = {
  pathGainComp: 'distance.comp', pathGainAigc: 'distance.aigc', pathGainVe: 'distance.ve', ricianLos: 'channel.ricianK',
  ricianScatter: 'channel.ricianK', bandwidthOff: 'bandwidth.off', bandwidthBack: 'bandwidth.back', snrScaleOff: 'noiseDbmPerHz',
  snrScaleBack: 'noiseDbmPerHz', powerComp: 'power.comp', powerVe: 'power.ve', powerEs: 'power.es', dCompLow: 'data.comp',
  dCompSpan: 'data.comp', dVeLow: 'data.ve', dVeSpan: 'data.ve', dAigcLow: 'data.aigc', dAigcSpan: 'data.aigc',
  localSecondsPerBit: 'fLocal', cyclesPerBit: 'cyclesPerBit', fEs: 'fEs', genCyclesPerBit: 'xi', genCyclesFixed: 'zeta', psi: 'psi',
  rraFloor: 'rraFloor',
} as const;

/**
 * `struct Scenario` (SCENARIO_STRUCT of src/env/layout.ts) of a scenario. Refuses (UserError naming the key) a scenario
 * outside the float32 GPU path's range (checkGpuScenario), and any derived field that float32 holds only as 0, a
 * subnormal (flushed to 0 by many GPUs) or infinity, as it would an exact zero.
 */
export function scenarioUniform(s: Scenario, source = 'scenario'): ArrayBuffer {
  checkGpuScenario(s, source);
  const K = s.channel.ricianK;
  const floats: Record<keyof typeof FIELD_KEYS, number> = {
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
  };
  for (const [name, v] of Object.entries(floats) as [keyof typeof FIELD_KEYS, number][]) {
    const f = Math.fround(v);
    if (v !== 0 && !(Number.isFinite(f) && Math.abs(f) >= FLOAT32_MIN_NORMAL)) {
      throw new UserError(`${source}: ${FIELD_KEYS[name]}: gives the GPU kernels the value ${v.toPrecision(3)}, outside float32's normal range ` +
        `[${FLOAT32_MIN_NORMAL.toPrecision(3)}, ${FLOAT32_MAX.toPrecision(3)}] (it would compute as ${f === 0 ? '0' : Number.isFinite(f) ? 'a subnormal' : 'infinity'}); use --device cpu or a less extreme value`);
    }
  }
  return SCENARIO_STRUCT.pack({ ...floats, slotsPerEpisode: s.slotsPerEpisode });
}

/**
 * Refuses (UserError `source: key: ...`) a scenario the float32 GPU path would not compute accurately: what
 * scenarioUniform checks, for a command to call before it opens the GPU or reads its input.
 */
export function checkScenarioForGpu(s: Scenario, source = 'scenario'): void {
  scenarioUniform(s, source);
}

/** Whether the GPU path accepts `s` (scenarioUniform, with checkGpuScenario, passes). */
export function gpuAccepts(s: Scenario): boolean {
  try { scenarioUniform(s); return true; } catch (error) { if (error instanceof UserError) return false; throw error; }
}
