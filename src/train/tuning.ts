// The trainer's tunable choices: the networks' plans at the batches they run (src/nn/mlpTuning.ts) and how its kernels
// sum over a workgroup (a fixed tree, or subgroupAdd where the adapter has subgroups).
import { submitPass, type Dispatch } from '../gpu/kernel.js';
import { createStorage } from '../gpu/buffers.js';
import { TREE_REDUCE, type ReduceVariant } from '../gpu/reduce.js';
import type { Tuner } from '../gpu/tuner.js';
import { tuneMlpPlan } from '../nn/mlpTuning.js';
import type { MlpPlan } from '../nn/mlpPlan.js';
import { mseLossDispatch } from '../nn/mseLoss.js';
import type { DerivedRun } from './derive.js';

/** What a run's choices are, as config.json records them (and a resume or `--tune FILE` reuses). */
export interface TrainerPlans {
  actor: MlpPlan[];
  critic: MlpPlan[];
  reduce: ReduceVariant;
}

/** The plans of the trainer's networks and its reduction, chosen by `tuner` (the defaults when it is off). */
export async function tuneTrainer(tuner: Tuner, run: DerivedRun): Promise<TrainerPlans> {
  const { envs, batch } = run.config;
  const actor: MlpPlan[] = [await tuneMlpPlan(tuner, run.actorSizes, batch, Math.max(envs, batch), true)];
  // The actor also acts on all envs at once: the forward only.
  if (envs !== batch) actor.push(await tuneMlpPlan(tuner, run.actorSizes, envs, Math.max(envs, batch), false));
  const critic = [await tuneMlpPlan(tuner, run.criticSizes, batch, batch, true)];
  return { actor, critic, reduce: await tuneReduce(tuner, batch) };
}

/** The workgroup sum: the tree, or subgroups (timed on the MSE loss kernel at the batch, the same reduction). */
async function tuneReduce(tuner: Tuner, batch: number): Promise<ReduceVariant> {
  const device = tuner.device;
  const candidates: ReduceVariant[] = [TREE_REDUCE];
  if (device.features.has('subgroups')) candidates.push({ subgroups: true });
  const buffers = ['q', 'target', 'dq', 'lossPartials'].map((name) => createStorage(device, batch * 4, `tune.${name}`));
  const [q, target, dq, lossPartials] = buffers;
  try {
    return await tuner.choose({
      name: 'reduce', shape: `b${batch}`, candidates, describe: (v) => (v.subgroups ? 'subgroups' : 'tree'),
      async harness(v) {
        const d: Dispatch = await mseLossDispatch(device, { q, target, dq, lossPartials }, batch, 0, v);
        return { record: (rec) => rec.dispatch(d), destroy: () => {} };
      },
    });
  } finally {
    submitPass(device, () => {});
    await device.queue.onSubmittedWorkDone();
    for (const b of buffers) b.destroy();
  }
}
