// The scenario as the uniform `struct Scenario` of shaders/lib/scenario.wgsl (derived values computed in float64), refused
// where the float32 GPU path would not match the float64 reference (gpuRange.ts).
import { UserError } from '../errors.js';
import type { Scenario } from '../scenario.js';
import { checkGpuScenario, FLOAT32_MAX, FLOAT32_MIN_NORMAL } from './gpuRange.js';
import { pathGain } from './reference.js';

/** Bytes of `struct Scenario` (28 four-byte fields). */
export const SCENARIO_UNIFORM_BYTES = 112;

/** The scenario key each field of `struct Scenario` is derived from (named in errors), in field order. */
const FIELD_KEYS = [
  'distance.comp', 'distance.aigc', 'distance.ve', 'channel.ricianK', 'channel.ricianK', 'bandwidth.off', 'bandwidth.back',
  'noiseDbmPerHz', 'noiseDbmPerHz', 'power.comp', 'power.ve', 'power.es', 'data.comp', 'data.comp', 'data.ve', 'data.ve',
  'data.aigc', 'data.aigc', 'fLocal', 'cyclesPerBit', 'fEs', 'xi', 'zeta', 'psi', 'rraFloor',
] as const;

/**
 * Mirrors `struct Scenario` of shaders/lib/scenario.wgsl field by field. Refuses (UserError naming the key) a scenario
 * outside the float32 GPU path's range (checkGpuScenario), and any derived field that float32 holds only as 0, a
 * subnormal (flushed to 0 by many GPUs) or infinity, as it would an exact zero.
 */
export function scenarioUniform(s: Scenario): ArrayBuffer {
  checkGpuScenario(s);
  const data = new ArrayBuffer(SCENARIO_UNIFORM_BYTES);
  const f = new Float32Array(data);
  const K = s.channel.ricianK;
  const fields = [
    pathGain(s, s.distance.comp),
    pathGain(s, s.distance.aigc),
    pathGain(s, s.distance.ve),
    Math.sqrt(K / (K + 1)),
    Math.sqrt(1 / (K + 1)) * Math.SQRT1_2,
    s.bandwidth.off,
    s.bandwidth.back,
    1 / (s.bandwidth.off * s.noiseWattsPerHz),
    1 / (s.bandwidth.back * s.noiseWattsPerHz),
    s.power.comp,
    s.power.ve,
    s.power.es,
    s.data.comp[0], s.data.comp[1] - s.data.comp[0],
    s.data.ve[0], s.data.ve[1] - s.data.ve[0],
    s.data.aigc[0], s.data.aigc[1] - s.data.aigc[0],
    s.cyclesPerBit / s.fLocal,
    s.cyclesPerBit,
    s.fEs,
    s.xi * s.cyclesPerBit * s.genUnitCycles,
    s.zeta * s.genUnitCycles,
    s.psi,
    s.rraFloor,
  ];
  fields.forEach((v, i) => {
    f[i] = v;
    if (v !== 0 && !(Number.isFinite(f[i]) && Math.abs(f[i]) >= FLOAT32_MIN_NORMAL)) {
      throw new UserError(`scenario: ${FIELD_KEYS[i]}: gives the GPU kernels the value ${v.toPrecision(3)}, outside float32's normal range ` +
        `[${FLOAT32_MIN_NORMAL.toPrecision(3)}, ${FLOAT32_MAX.toPrecision(3)}] (it would compute as ${f[i] === 0 ? '0' : Number.isFinite(f[i]) ? 'a subnormal' : 'infinity'}); use --device cpu or a less extreme value`);
    }
  });
  new Uint32Array(data, fields.length * 4, 3).set([s.slotsPerEpisode, 0, 0]);
  return data;
}

/** Whether the GPU path accepts `s` (scenarioUniform, with checkGpuScenario, passes). */
export function gpuAccepts(s: Scenario): boolean {
  try { scenarioUniform(s); return true; } catch (error) { if (error instanceof UserError) return false; throw error; }
}
