// The resolved run plan: the buffer sizes its kernel plans and submit schedule imply, and its split weight-gradient
// partials checked against the device's buffer limit before anything is allocated (the tuner may split further than
// the default split).
import { describe, expect, it } from 'vitest';
import { LimitError } from '../src/errors.js';
import { TREE_REDUCE } from '../src/gpu/reduce.js';
import type { MlpPlan } from '../src/nn/mlpPlan.js';
import { parseTrainConfig } from '../src/train/config.js';
import { deriveRun } from '../src/train/derive.js';
import { STEP_STRIDE } from '../src/train/laraKernels.js';
import { METRICS_STRIDE } from '../src/train/layout.js';
import { recordedPlans, runPlanOf, withFused, type NetworkPlans } from '../src/train/runPlan.js';

const splitBy = (splits: number, batch = 256) => ({ batch, forward: { kind: 'fused', rows: 4 }, backwardWeight: { splits, rowsPerSplit: 4, layers: [] } }) as unknown as MlpPlan;
const networks = (actor: number, critic: number): NetworkPlans => ({
  actor: [splitBy(actor)], critic: [splitBy(critic)], actorTarget: [splitBy(1)], criticTarget: [splitBy(1)],
});

describe('the run plan', () => {
  const run = deriveRun(parseTrainConfig({ hidden: [256, 256], batch: 256, iterationsPerSubmit: 10, updatesPerIteration: 3 }));
  const limit = (bytes: number) => ({ maxBufferBytes: bytes, name: "this GPU's maxStorageBufferBindingSize" });

  it('sizes the rings from the submit schedule and the partials from the largest split of each network', () => {
    const plan = runPlanOf(run, { ...networks(4, 64), actor: [splitBy(4), splitBy(8, 512)] }, TREE_REDUCE, null);
    expect(plan.buffers).toEqual({
      iterationsPerSubmit: 10, stepsPerSubmit: 30, stepRingBytes: 30 * STEP_STRIDE, metricsBytes: 10 * METRICS_STRIDE * 4,
      splits: { actor: 8, critic: 64 }, partialBytes: { actor: 8 * run.actorParameters * 4, critic: 64 * run.criticParameters * 4 },
    });
    expect(runPlanOf(run, networks(1, 1), TREE_REDUCE, null).buffers.partialBytes).toEqual({ actor: 0, critic: 0 });
  });

  it('records the online networks\' plans, the reduction and the fused update as config.json and the checkpoint keep them', () => {
    const plan = runPlanOf(run, networks(2, 4), { subgroups: true }, null);
    expect(recordedPlans(plan)).toEqual({ actor: plan.networks.actor, critic: plan.networks.critic, reduce: { subgroups: true } });
    expect(Object.keys(recordedPlans(plan))).toEqual(['actor', 'critic', 'reduce']);
    const fused = withFused(plan, { rows: 8, rowsPerWorkgroup: 64 });
    expect(fused.fused).toEqual({ rows: 8, rowsPerWorkgroup: 64 });
    expect(recordedPlans(fused).fused).toEqual({ rows: 8, rowsPerWorkgroup: 64 });
    expect(recordedPlans(withFused(fused, null))).not.toHaveProperty('fused');
  });

  it('refuses partials of a tuned split past the limit, naming the network', () => {
    const bytes = 64 * run.criticParameters * 4;
    expect(() => runPlanOf(run, networks(1, 64), TREE_REDUCE, null, { limits: limit(bytes - 1) })).toThrow(LimitError);
    expect(() => runPlanOf(run, networks(1, 64), TREE_REDUCE, null, { limits: limit(bytes - 1) }))
      .toThrow(`the critic's split weight-gradient partials (64 splits x ${run.criticParameters} parameters, its plan's) needs ${bytes} bytes`);
    expect(() => runPlanOf(run, networks(64, 1), TREE_REDUCE, null, { limits: limit(64 * run.actorParameters * 4 - 1) })).toThrow(/the actor's split/);
  });

  it('accepts them at the limit, and plans without a split at any limit', () => {
    expect(() => runPlanOf(run, networks(1, 64), TREE_REDUCE, null, { limits: limit(64 * run.criticParameters * 4) })).not.toThrow();
    expect(() => runPlanOf(run, networks(1, 1), TREE_REDUCE, null, { limits: limit(1) })).not.toThrow();
  });
});
