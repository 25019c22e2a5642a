// Stream ids: the second Philox key word, one per use, so no two uses ever share random draws.
export const Stream = {
  /** Training environment states: counter = (env, slot, 0, draw). */
  trainStates: 1,
  /** Evaluation set states: never used in training. */
  evalStates: 2,
  /** RRA baseline actions. */
  rraActions: 3,
  /** Exploration noise on the actor's pre-activations. */
  explorationNoise: 4,
  /** Network initialisation. */
  networkInit: 5,
  /** Replay minibatch indices. */
  minibatch: 6,
  /** Random feasible actions used by tests and checks of OPT. */
  randomActions: 7,
} as const;

/** A fixed seed for the evaluation set, independent of the training seed (MODEL.md, Evaluation protocol). */
export const EVAL_SEED = 0x5eed_e7a1;
