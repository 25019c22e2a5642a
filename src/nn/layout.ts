// Flat parameter layout of an MLP: for each layer, W as (in, out) row-major (W[i*out + o]) then b (out).
import { UserError } from '../errors.js';

/** Where one linear layer lives in the flat parameter buffer (offsets in floats). */
export interface LayerLayout {
  inputs: number;
  outputs: number;
  /** W: (inputs, outputs) row-major starts here. */
  weightOffset: number;
  /** b: (outputs) starts here, right after W. */
  biasOffset: number;
}

export interface MlpLayout {
  layers: LayerLayout[];
  /** Total floats of W and b over all layers (the length of params, grads and each Adam moment). */
  parameterCount: number;
}

/** Checks that `sizes` (input width, hidden widths..., output width) describes an MLP. */
export function validateSizes(sizes: readonly number[], what = 'MLP sizes'): void {
  if (sizes.length < 2) throw new UserError(`${what}: need at least an input and an output width, got [${sizes.join(', ')}]`);
  for (const [i, s] of sizes.entries()) {
    if (!Number.isInteger(s) || s < 1) throw new UserError(`${what}: width ${i} must be a positive integer, got ${s}`);
  }
}

/**
 * Layout of the MLP sizes[0] -> sizes[1] -> ... -> sizes[n]. Hidden layers use ReLU, the last layer is linear
 * (callers apply their own heads).
 */
export function mlpLayout(sizes: readonly number[]): MlpLayout {
  validateSizes(sizes);
  const layers: LayerLayout[] = [];
  let offset = 0;
  for (let l = 0; l + 1 < sizes.length; l++) {
    const inputs = sizes[l];
    const outputs = sizes[l + 1];
    layers.push({ inputs, outputs, weightOffset: offset, biasOffset: offset + inputs * outputs });
    offset += inputs * outputs + outputs;
  }
  return { layers, parameterCount: offset };
}
