// Seeded MLP initialisation, PyTorch's nn.Linear default: W and b ~ U(-1/sqrt(fan_in), +1/sqrt(fan_in)).
import { uniform4 } from '../rng/philox.js';
import { Stream } from '../rng/streams.js';
import { mlpLayout } from './layout.js';

/**
 * Parameters of the MLP `sizes` in the flat layout of layout.ts, float64 (the GPU gets Math.fround copies).
 *
 * Draws: Philox4x32-10 with key (seed, Stream.networkInit) and counter (salt, layer, j >> 2, 0); word j & 3 of
 * that counter gives the uniform u in (0, 1) of the layer's j-th parameter, j counting W (row-major, in*out
 * values) then b (out values) within the layer. Value = (2u - 1) / sqrt(fan_in), fan_in = the layer's inputs.
 * `salt` keeps networks of one seed apart: 0 for the actor, 1 for the critic (targets start as copies).
 */
export function initMlp(sizes: readonly number[], seed: number, salt = 0): Float64Array {
  const { layers, parameterCount } = mlpLayout(sizes);
  const params = new Float64Array(parameterCount);
  layers.forEach((layer, l) => {
    const bound = 1 / Math.sqrt(layer.inputs);
    const count = layer.inputs * layer.outputs + layer.outputs;
    let words: [number, number, number, number] = [0, 0, 0, 0];
    for (let j = 0; j < count; j++) {
      if ((j & 3) === 0) words = uniform4(salt, l, j >>> 2, 0, seed, Stream.networkInit);
      params[layer.weightOffset + j] = (2 * words[j & 3] - 1) * bound;
    }
  });
  return params;
}
