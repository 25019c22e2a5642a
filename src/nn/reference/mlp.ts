// CPU reference (float64) of the MLP: forward, backward, MSE loss gradient and Adam, in the flat layout of layout.ts.
import { mlpLayout } from '../layout.js';
import type { AdamHyper } from '../adamHyper.js';
import { linearBackwardInput, linearBackwardWeight, linearForward } from './linear.js';

/** What mlpBackward needs from the forward pass. */
export interface MlpCache {
  /** x: (B, sizes[0]) */
  input: Float64Array;
  /** activations[l]: (B, sizes[l+1]), layer l's output after its activation (ReLU for hidden layers, none for the last). */
  activations: Float64Array[];
}

function checkLength(what: string, got: number, want: number): void {
  if (got < want) throw new RangeError(`${what} has ${got} values, needs ${want}`);
}

/** Hidden layers ReLU, last layer linear. params: flat layout; x: (B, sizes[0]); output: (B, sizes[last]) */
export function mlpForward(
  params: ArrayLike<number>, sizes: readonly number[], x: ArrayLike<number>, batch: number,
): { output: Float64Array; cache: MlpCache } {
  const { layers, parameterCount } = mlpLayout(sizes);
  checkLength('params', params.length, parameterCount);
  checkLength('x', x.length, batch * sizes[0]);
  const input = Float64Array.from(Array.prototype.slice.call(x, 0, batch * sizes[0]) as number[]);
  const activations: Float64Array[] = [];
  let current: Float64Array = input;
  layers.forEach((layer, l) => {
    current = linearForward(params, layer.weightOffset, layer.biasOffset, current, batch, layer.inputs, layer.outputs,
      l + 1 < layers.length);
    activations.push(current);
  });
  return { output: current, cache: { input, activations } };
}

/**
 * Gradients of sum(dOutput * output) with respect to the parameters (flat layout, overwritten) and to the input.
 * dOutput: (B, sizes[last]); dParams: (parameterCount); dInput: (B, sizes[0])
 */
export function mlpBackward(
  params: ArrayLike<number>, sizes: readonly number[], cache: MlpCache, dOutput: ArrayLike<number>, batch: number,
): { dParams: Float64Array; dInput: Float64Array } {
  const { layers, parameterCount } = mlpLayout(sizes);
  checkLength('params', params.length, parameterCount);
  checkLength('dOutput', dOutput.length, batch * sizes[sizes.length - 1]);
  const dParams = new Float64Array(parameterCount);
  let dy: ArrayLike<number> = dOutput;
  for (let l = layers.length - 1; l >= 0; l--) {
    const layer = layers[l];
    const x = l === 0 ? cache.input : cache.activations[l - 1];
    linearBackwardWeight(dParams, layer.weightOffset, layer.biasOffset, x, dy, batch, layer.inputs, layer.outputs);
    dy = linearBackwardInput(params, layer.weightOffset, dy, batch, layer.inputs, layer.outputs,
      l === 0 ? null : cache.activations[l - 1]);
  }
  return { dParams, dInput: dy as Float64Array };
}

/**
 * One Adam step in place: m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; p -= lr (m / bc1) / (sqrt(v / bc2) + eps).
 * params, grads, m, v: (count)
 */
export function adam(params: Float64Array, grads: ArrayLike<number>, m: Float64Array, v: Float64Array, hp: AdamHyper): void {
  const n = params.length;
  checkLength('grads', grads.length, n); checkLength('m', m.length, n); checkLength('v', v.length, n);
  for (let i = 0; i < n; i++) {
    const g = grads[i];
    m[i] = hp.beta1 * m[i] + (1 - hp.beta1) * g;
    v[i] = hp.beta2 * v[i] + (1 - hp.beta2) * g * g;
    params[i] -= hp.lr * (m[i] / hp.biasCorrection1) / (Math.sqrt(v[i] / hp.biasCorrection2) + hp.epsilon);
  }
}

/** loss = mean (q - y)^2 and dq = d loss / dq = 2 (q - y) / B. q, target: (B) */
export function mseLossBackward(q: ArrayLike<number>, target: ArrayLike<number>): { loss: number; dq: Float64Array } {
  const batch = q.length;
  checkLength('target', target.length, batch);
  const dq = new Float64Array(batch);
  let sum = 0;
  for (let r = 0; r < batch; r++) {
    const diff = q[r] - target[r];
    sum += diff * diff;
    dq[r] = (2 * diff) / batch;
  }
  return { loss: batch > 0 ? sum / batch : 0, dq };
}

export { softUpdate } from './softUpdate.js';
