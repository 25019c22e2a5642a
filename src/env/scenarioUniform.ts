// The scenario as the uniform `struct Scenario` of shaders/lib/scenario.wgsl (derived values computed in float64).
import { UserError } from '../errors.js';
import type { Scenario } from '../scenario.js';
import { pathGain } from './reference.js';

/** Bytes of `struct Scenario` (28 four-byte fields). */
export const SCENARIO_UNIFORM_BYTES = 112;

/** Mirrors `struct Scenario` of shaders/lib/scenario.wgsl field by field. */
export function scenarioUniform(s: Scenario): ArrayBuffer {
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
    if (!Number.isFinite(f[i]) || (v !== 0 && f[i] === 0)) {
      throw new UserError(`scenario: derived GPU value #${i} (${v}) does not fit in float32; use --device cpu or less extreme values`);
    }
  });
  new Uint32Array(data, fields.length * 4, 3).set([s.slotsPerEpisode, 0, 0]);
  return data;
}
