// CPU reference (float64) of shaders/linear_forward.wgsl, linear_backward_input.wgsl and linear_backward_weight.wgsl.

/** y = act(x W + b). x: (B, in), W: (in, out) row-major at params[weightOffset], b: (out) at params[biasOffset]; y: (B, out) */
export function linearForward(
  params: ArrayLike<number>, weightOffset: number, biasOffset: number,
  x: ArrayLike<number>, batch: number, inputs: number, outputs: number, relu: boolean,
): Float64Array {
  const y = new Float64Array(batch * outputs);
  for (let r = 0; r < batch; r++) {
    const row = y.subarray(r * outputs, (r + 1) * outputs);
    for (let o = 0; o < outputs; o++) row[o] = params[biasOffset + o];
    for (let i = 0; i < inputs; i++) {
      const xi = x[r * inputs + i];
      if (xi === 0) continue;
      const w = weightOffset + i * outputs;
      for (let o = 0; o < outputs; o++) row[o] += xi * params[w + o];
    }
    if (relu) for (let o = 0; o < outputs; o++) if (!(row[o] > 0)) row[o] = 0;
  }
  return y;
}

/**
 * dx = (dy W^T) * mask, where mask[r, i] = (below[r, i] > 0) when `below` (the ReLU output that fed this layer)
 * is given, 1 otherwise. dy: (B, out), below: (B, in); dx: (B, in)
 */
export function linearBackwardInput(
  params: ArrayLike<number>, weightOffset: number,
  dy: ArrayLike<number>, batch: number, inputs: number, outputs: number, below: ArrayLike<number> | null,
): Float64Array {
  const dx = new Float64Array(batch * inputs);
  for (let r = 0; r < batch; r++) {
    for (let i = 0; i < inputs; i++) {
      if (below && !(below[r * inputs + i] > 0)) continue;
      let sum = 0;
      const w = weightOffset + i * outputs;
      for (let o = 0; o < outputs; o++) sum += dy[r * outputs + o] * params[w + o];
      dx[r * inputs + i] = sum;
    }
  }
  return dx;
}

/**
 * dW = x^T dy and db = column sums of dy, written into grads at weightOffset / biasOffset (overwriting).
 * x: (B, in), dy: (B, out); dW: (in, out), db: (out)
 */
export function linearBackwardWeight(
  grads: Float64Array, weightOffset: number, biasOffset: number,
  x: ArrayLike<number>, dy: ArrayLike<number>, batch: number, inputs: number, outputs: number,
): void {
  grads.fill(0, weightOffset, weightOffset + inputs * outputs);
  grads.fill(0, biasOffset, biasOffset + outputs);
  for (let r = 0; r < batch; r++) {
    for (let i = 0; i < inputs; i++) {
      const xi = x[r * inputs + i];
      if (xi === 0) continue;
      const w = weightOffset + i * outputs;
      for (let o = 0; o < outputs; o++) grads[w + o] += xi * dy[r * outputs + o];
    }
    for (let o = 0; o < outputs; o++) grads[biasOffset + o] += dy[r * outputs + o];
  }
}
