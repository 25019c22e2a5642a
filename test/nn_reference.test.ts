// The float64 CPU reference of the MLP: layout, seeded init, backward vs finite differences, Adam, MSE, soft update.
import { describe, expect, it } from 'vitest';
import { mlpLayout } from '../src/nn/layout.js';
import { initMlp } from '../src/nn/init.js';
import { adam, mlpBackward, mlpForward, mseLossBackward } from '../src/nn/reference/mlp.js';
import { adamHyper } from '../src/nn/adamHyper.js';
import { expectClose } from './helpers/expectClose.js';
import { UserError } from '../src/errors.js';
import { randomArray } from './nnData.js';

describe('MLP layout and init', () => {
  it('lays out W (in, out) then b (out) per layer', () => {
    const { layers, parameterCount } = mlpLayout([7, 13, 5]);
    expect(layers).toEqual([
      { inputs: 7, outputs: 13, weightOffset: 0, biasOffset: 91 },
      { inputs: 13, outputs: 5, weightOffset: 104, biasOffset: 169 },
    ]);
    expect(parameterCount).toBe(174);
    expect(() => mlpLayout([7])).toThrow(UserError);
    expect(() => mlpLayout([7, 0, 1])).toThrow(UserError);
  });

  it('draws U(-1/sqrt(fan_in), 1/sqrt(fan_in)), seeded, different per salt', () => {
    const sizes = [14, 256, 256, 1];
    const a = initMlp(sizes, 1, 0);
    expect(initMlp(sizes, 1, 0)).toEqual(a);
    const b = initMlp(sizes, 1, 1);
    const c = initMlp(sizes, 2, 0);
    expect(a.some((x, i) => x !== b[i])).toBe(true);
    expect(a.some((x, i) => x !== c[i])).toBe(true);
    for (const layer of mlpLayout(sizes).layers) {
      const bound = 1 / Math.sqrt(layer.inputs);
      const values = a.subarray(layer.weightOffset, layer.biasOffset + layer.outputs);
      const max = values.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
      expect(max).toBeLessThanOrEqual(bound);
      expect(max).toBeGreaterThan(0.95 * bound); // spread over the whole interval
      const mean = values.reduce((s, x) => s + x, 0) / values.length;
      // mean of n uniforms on (-bound, bound): standard deviation bound / sqrt(3n); allow 5 sigma
      expect(Math.abs(mean)).toBeLessThan(5 * bound / Math.sqrt(3 * values.length));
    }
  });
});

describe('MLP reference forward/backward', () => {
  it('forward matches a hand computation', () => {
    // 2 -> 2 (ReLU) -> 1: W1 = [[1, -1], [2, 0.5]], b1 = [0.5, -3], W2 = [[2], [-1]], b2 = [0.25]
    const params = Float64Array.from([1, -1, 2, 0.5, 0.5, -3, 2, -1, 0.25]);
    const { output, cache } = mlpForward(params, [2, 2, 1], [1, 2, -1, 0], 2);
    // row 0: h = relu([1+4+0.5, -1+1-3]) = [5.5, 0]; y = 11 + 0.25
    // row 1: h = relu([-1+0.5, 1-3]) = [0, 0]; y = 0.25
    expect(Array.from(cache.activations[0])).toEqual([5.5, 0, 0, 0]);
    expect(Array.from(output)).toEqual([11.25, 0.25]);
  });

  for (const sizes of [[7, 13, 5], [14, 33, 17, 1], [3, 4]]) {
    it(`backward matches central finite differences, sizes [${sizes}]`, () => {
      const batch = 5;
      const params = initMlp(sizes, 7, 0);
      const x = randomArray(batch * sizes[0], 1);
      const out = sizes[sizes.length - 1];
      const dOutput = randomArray(batch * out, 2);
      // objective f = sum(dOutput * output), so its gradient is mlpBackward's result
      const objective = (p: ArrayLike<number>, input: ArrayLike<number>) => {
        const y = mlpForward(p, sizes, input, batch).output;
        let s = 0;
        for (let i = 0; i < y.length; i++) s += y[i] * dOutput[i];
        return s;
      };
      const { cache } = mlpForward(params, sizes, x, batch);
      const { dParams, dInput } = mlpBackward(params, sizes, cache, dOutput, batch);
      const h = 1e-6;
      const numeric = (values: Float64Array, evaluate: () => number) => values.map((_, i) => {
        const saved = values[i];
        values[i] = saved + h; const plus = evaluate();
        values[i] = saved - h; const minus = evaluate();
        values[i] = saved;
        return (plus - minus) / (2 * h);
      });
      const numericParams = numeric(params, () => objective(params, x));
      const numericInput = numeric(x, () => objective(params, x));
      // f is piecewise linear in each single coordinate (ReLU) and quadratic at most, so central differences are
      // exact up to rounding: ~1e-16 * |f| / h ~ 1e-10; a kink within h of a pre-activation would be off by O(1)
      // (none for these seeds). 1e-7 separates the two.
      expectClose(dParams, numericParams, { atol: 1e-7, rtol: 1e-7 }, 'dParams vs finite differences');
      expectClose(dInput, numericInput, { atol: 1e-7, rtol: 1e-7 }, 'dInput vs finite differences');
      expect(dParams.some((g) => g !== 0)).toBe(true);
    });
  }

  it('MSE loss gradient matches finite differences', () => {
    const q = randomArray(9, 3), y = randomArray(9, 4);
    const { loss, dq } = mseLossBackward(q, y);
    expect(loss).toBeCloseTo(q.reduce((s, v, i) => s + (v - y[i]) ** 2, 0) / 9, 14);
    const h = 1e-6;
    const numeric = q.map((_, i) => {
      const p = Float64Array.from(q); p[i] += h;
      const m = Float64Array.from(q); m[i] -= h;
      return (mseLossBackward(p, y).loss - mseLossBackward(m, y).loss) / (2 * h);
    });
    // quadratic loss: central differences exact up to rounding (~1e-16 / 1e-6)
    expectClose(dq, numeric, { atol: 1e-9, rtol: 1e-9 }, 'dq');
  });

  it('Adam: first step moves each parameter by lr against the sign of its gradient', () => {
    const params = Float64Array.from([1, 2, 3]);
    const m = new Float64Array(3), v = new Float64Array(3);
    adam(params, [0.5, -2, 0], m, v, adamHyper(0.1, 1));
    // step 1: m/bc1 = g, v/bc2 = g^2, so the update is lr * g / (|g| + eps)
    expectClose(params, [1 - 0.1 * 0.5 / (0.5 + 1e-8), 2 + 0.1 * 2 / (2 + 1e-8), 3], { atol: 1e-15, rtol: 1e-15 }, 'params');
    expect(adamHyper(1e-3, 3).biasCorrection1).toBeCloseTo(1 - 0.9 ** 3, 15);
    expect(adamHyper(1e-3, 3).biasCorrection2).toBeCloseTo(1 - 0.999 ** 3, 15);
  });
});
