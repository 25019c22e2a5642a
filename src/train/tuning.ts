// The trainer's tunable choices: the networks' plans at the batches they run (src/nn/mlpTuning.ts) and how its kernels
// sum over a workgroup (a fixed tree, or subgroupAdd where the adapter has subgroups).
import { releaseDispatches, submitPass, type Dispatch } from '../gpu/kernel.js';
import { createStorage, createStorageFrom, readFloat32 } from '../gpu/buffers.js';
import { TREE_REDUCE, type ReduceVariant } from '../gpu/reduce.js';
import type { Tuner } from '../gpu/tuner.js';
import { tuneMlpPlan } from '../nn/mlpTuning.js';
import { defaultPlan, type MlpPlan } from '../nn/mlpPlan.js';
import { mseLossDispatch, mseLossKernel, mseLossPartialCount } from '../nn/mseLoss.js';
import type { DerivedRun } from './derive.js';
import type { FusedVariant } from './fusedUpdate.js';

/** What a run's choices are, as config.json records them (and a resume or `--tune FILE` reuses). */
export interface TrainerPlans {
  actor: MlpPlan[];
  critic: MlpPlan[];
  reduce: ReduceVariant;
  /** The fused update's variant (src/train/fusedUpdate.ts) when it was chosen; absent: the per-layer update. */
  fused?: FusedVariant;
}

export interface TrainerTuneOptions {
  /**
   * Also offer the variants that round the matmul inputs to f16 (f16 tiles, subgroup-matrix tensor-core tiles), each
   * within 2e-2 of the default's result: only for runs that allow mixed precision (where the default run's gap to OPT
   * stays within 0.1 points of fp32's).
   */
  mixedPrecision?: boolean;
}

/** The plans of the trainer's networks and its reduction, chosen by `tuner` (the defaults when it is off). */
export async function tuneTrainer(tuner: Tuner, run: DerivedRun, { mixedPrecision = false }: TrainerTuneOptions = {}): Promise<TrainerPlans> {
  const { envs, batch } = run.config;
  const f16 = { f16: mixedPrecision };
  const actor: MlpPlan[] = [await tuneMlpPlan(tuner, run.actorSizes, batch, Math.max(envs, batch), true, f16)];
  // The actor also acts on all envs at once: the forward only.
  if (envs !== batch) actor.push(await tuneMlpPlan(tuner, run.actorSizes, envs, Math.max(envs, batch), false, f16));
  // The model critic trains no critic network: its default plan, nothing timed for it.
  const critic = [run.config.critic === 'model' ? defaultPlan(tuner.device, run.criticSizes, batch, batch, true)
    : await tuneMlpPlan(tuner, run.criticSizes, batch, batch, true, f16)];
  return { actor, critic, reduce: await tuneReduce(tuner, batch) };
}

/**
 * The workgroup sum: the tree, or subgroups (timed on the MSE loss kernel at the batch, the same reduction; its loss
 * partials checked against the tree's, which also catches a driver whose subgroups are not consecutive invocations).
 */
async function tuneReduce(tuner: Tuner, batch: number): Promise<ReduceVariant> {
  const device = tuner.device;
  const candidates: ReduceVariant[] = [TREE_REDUCE];
  if (device.features.has('subgroups')) candidates.push({ subgroups: true });
  let state = 12345;
  const random = () => Float32Array.from({ length: batch }, () => { state = (state * 1103515245 + 12345) >>> 0; return state / 2 ** 31 - 1; });
  const buffers = [createStorageFrom(device, random(), 'tune.q'), createStorageFrom(device, random(), 'tune.target'),
    createStorage(device, batch * 4, 'tune.dq'), createStorage(device, batch * 4, 'tune.lossPartials')];
  const [q, target, dq, lossPartials] = buffers;
  try {
    return await tuner.choose({
      name: 'reduce', shape: `b${batch}`, candidates, describe: (v) => (v.subgroups ? 'subgroups' : 'tree'),
      async harness(v) {
        const d: Dispatch = mseLossDispatch(device, await mseLossKernel.pipeline(device, v), { q, target, dq, lossPartials }, batch, 0);
        return { record: (rec) => rec.dispatch(d), output: () => readFloat32(device, lossPartials, mseLossPartialCount(batch)), destroy: () => releaseDispatches([d]) };
      },
    });
  } finally {
    submitPass(device, () => {});
    await device.queue.onSubmittedWorkDone();
    for (const b of buffers) b.destroy();
  }
}
