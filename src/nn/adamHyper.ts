// Adam's hyperparameters per step (PyTorch's defaults), the one home of them: the GPU's Adam ring and the CPU reference
// both take these.

/** Adam's per-step hyperparameters; the bias corrections are computed on the host for step t (1-based). */
export interface AdamHyper {
  lr: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** 1 - beta1^t */
  biasCorrection1: number;
  /** 1 - beta2^t */
  biasCorrection2: number;
}

/** Hyperparameters of Adam's step `step` (1-based), PyTorch's defaults. */
export function adamHyper(lr: number, step: number, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8): AdamHyper {
  if (!(Number.isInteger(step) && step >= 1)) throw new RangeError(`Adam step must be an integer >= 1, got ${step}`);
  return { lr, beta1, beta2, epsilon, biasCorrection1: 1 - beta1 ** step, biasCorrection2: 1 - beta2 ** step };
}
