// The chosen plans' split weight-gradient partials are checked against the device's buffer limit before anything is
// allocated (the tuner may split further than the default split that deriveRun checks).
import { describe, expect, it } from 'vitest';
import { LimitError } from '../src/errors.js';
import type { MlpPlan } from '../src/nn/mlpPlan.js';
import { parseTrainConfig } from '../src/train/config.js';
import { checkPlanBuffers, deriveRun } from '../src/train/derive.js';

const splitBy = (splits: number) => [{ backwardWeight: { splits, rowsPerSplit: 4, layers: [] } }] as unknown as MlpPlan[];

describe('checkPlanBuffers', () => {
  const run = deriveRun(parseTrainConfig({ hidden: [256, 256], batch: 256 }));
  const limit = (bytes: number) => ({ maxBufferBytes: bytes, name: "this GPU's maxStorageBufferBindingSize" });

  it('refuses partials of the tuned split that deriveRun\'s default split let through, naming the network', () => {
    const bytes = 64 * run.criticParameters * 4;
    expect(() => checkPlanBuffers(run, { actor: splitBy(1), critic: splitBy(64) }, limit(bytes - 1))).toThrow(LimitError);
    expect(() => checkPlanBuffers(run, { actor: splitBy(1), critic: splitBy(64) }, limit(bytes - 1)))
      .toThrow(`the critic's split weight-gradient partials (64 splits x ${run.criticParameters} parameters, its plan's) needs ${bytes} bytes`);
    expect(() => checkPlanBuffers(run, { actor: splitBy(64), critic: splitBy(1) }, limit(64 * run.actorParameters * 4 - 1))).toThrow(/the actor's split/);
  });

  it('accepts them at the limit, and plans without a split at any limit', () => {
    expect(() => checkPlanBuffers(run, { actor: splitBy(1), critic: splitBy(64) }, limit(64 * run.criticParameters * 4))).not.toThrow();
    expect(() => checkPlanBuffers(run, { actor: splitBy(1), critic: splitBy(1) }, limit(1))).not.toThrow();
  });
});
