// Deterministic random test data for the neural-network tests (Philox, so every run sees the same values).
import { uniform4 } from '../src/rng/philox.js';

/** `length` values uniform in (-scale, scale), float64 values exactly representable in float32. */
export function randomArray(length: number, seed: number, scale = 1): Float64Array {
  const out = new Float64Array(length);
  for (let j = 0; j < length; j += 4) {
    const u = uniform4(j >>> 2, 0, 0, 0, seed, 99);
    for (let k = 0; k < 4 && j + k < length; k++) out[j + k] = Math.fround((2 * u[k] - 1) * scale);
  }
  return out;
}
