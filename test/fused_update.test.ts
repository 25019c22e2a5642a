// The fused update kernels (lara_critic_update_fused, lara_actor_update_fused) against their float64 references: the
// split-K gradient partials and loss partials they write add up to the minibatch's gradient and loss, for one and two
// hidden layers, a batch that leaves the last block part empty, one and several workgroups.
import { describe, expect, it } from 'vitest';
import { createStorage, createStorageFrom } from '../src/gpu/buffers.js';
import { dispatchOf, submitPass } from '../src/gpu/kernel.js';
import { initMlp } from '../src/nn/init.js';
import { mlpLayout } from '../src/nn/layout.js';
import {
  fusedWorkgroups, laraActorUpdateFusedKernel, laraCriticUpdateFusedKernel, type FusedKernelShape,
} from '../src/train/fusedUpdate.js';
import { laraActorUpdateFused, laraCriticUpdateFused } from '../src/train/fusedUpdateReference.js';
import { stepOffset } from '../src/train/laraKernels.js';
import { ACTION_SIZE, CRITIC_INPUT, OBSERVATION_SIZE, REPLAY_STRIDE } from '../src/train/layout.js';
import { expectClose } from './helpers/expectClose.js';
import { testGpu } from './helpers/gpu.js';
import { normals, read64, step, stepRing } from './helpers/lara.js';

const BATCH = 37;
const CAPACITY = 50;
const FILLED = 45;

/** (groups, count) partials summed over groups. */
function sumSlices(partials: Float64Array, groups: number, count: number): Float64Array {
  const out = new Float64Array(count);
  for (let g = 0; g < groups; g++) for (let i = 0; i < count; i++) out[i] += partials[g * count + i];
  return out;
}

/**
 * One hidden layer with blocks of 4 rows, 2 per workgroup (5 workgroups); two with blocks of 8, one workgroup; each with
 * register blocks of 1 and 4 columns (4: the heads' 1 and 7 columns and the features' 7 leave a block part empty).
 */
const CASES: { hidden: number[]; rows: number; rowsPerWorkgroup: number; cols: number }[] = [1, 4].flatMap((cols) => [
  { hidden: [16], rows: 4, rowsPerWorkgroup: 8, cols }, { hidden: [24, 20], rows: 8, rowsPerWorkgroup: 40, cols },
]);

describe('fused update kernels', () => {
  // The first dispatch compiles both kernels: seconds on idle lavapipe, minutes on a loaded machine.
  it.for(CASES)('hidden $hidden, rows $rows, $rowsPerWorkgroup per workgroup, cols $cols: partials add up to the reference gradient and loss', { timeout: 300_000 }, async ({ hidden, ...variant }) => {
    const actorSizes = [OBSERVATION_SIZE, ...hidden, ACTION_SIZE];
    const criticSizes = [CRITIC_INPUT, ...hidden, 1];
    const { device } = await testGpu();
    const shape: FusedKernelShape = { ...variant, actor: actorSizes, critic: criticSizes };
    const groups = fusedWorkgroups(BATCH, variant);
    // Replay rows of scale 1; critic weights scaled up so that Q and its gradients are O(1).
    const replay = normals(CAPACITY * REPLAY_STRIDE, 1, 5);
    const actor = initMlp(actorSizes, 3, 0).map(Math.fround);
    const critic = initMlp(criticSizes, 3, 1).map((w) => Math.fround(2 * w));
    const s = step({ seed: 9, iteration: 4, update: 1, filled: FILLED, batch: BATCH, shareFloor: 0.01, chunkUpdate: 1, lossPartials: groups });
    // Ring entry 1 is the one dispatched (entry 0 a decoy of another batch).
    const { binding } = stepRing(device, [step({ batch: 3, filled: 2, lossPartials: 1 }), s]);
    const pc = mlpLayout(criticSizes).parameterCount, pa = mlpLayout(actorSizes).parameterCount;
    const buffers = {
      replay: createStorageFrom(device, Float32Array.from(replay), 'replay'),
      actor: createStorageFrom(device, Float32Array.from(actor), 'actor'),
      critic: createStorageFrom(device, Float32Array.from(critic), 'critic'),
      criticGrads: createStorage(device, groups * pc * 4, 'criticGrads'), actorGrads: createStorage(device, groups * pa * 4, 'actorGrads'),
      criticLoss: createStorage(device, 2 * groups * 4, 'criticLoss'), actorLoss: createStorage(device, 2 * groups * 4, 'actorLoss'),
    };
    const [cp, ap] = await Promise.all([laraCriticUpdateFusedKernel.pipeline(device, shape), laraActorUpdateFusedKernel.pipeline(device, shape)]);
    const c = dispatchOf(device, cp, { step: binding, replay: buffers.replay, weights: buffers.critic, gradPartials: buffers.criticGrads, lossPartials: buffers.criticLoss }, [groups]);
    const a = dispatchOf(device, ap, {
      step: binding, replay: buffers.replay, actor: buffers.actor, critic: buffers.critic, gradPartials: buffers.actorGrads, lossPartials: buffers.actorLoss,
    }, [groups]);
    submitPass(device, (rec) => { rec.dispatch(c, stepOffset(1)); rec.dispatch(a, stepOffset(1)); });
    await device.queue.onSubmittedWorkDone();

    const fields = { seed: 9, iteration: 4, update: 1, filled: FILLED, batch: BATCH, shareFloor: Math.fround(0.01) };
    const wantCritic = laraCriticUpdateFused(fields, replay, critic, criticSizes);
    const wantActor = laraActorUpdateFused(fields, replay, actor, actorSizes, critic, criticSizes);
    // Gradients: f32 sums of 37 rows through two or three layers of width <= 24 against float64, ~1e-6 relative to the
    // largest entry; 1e-5 of it absolute, 1e-4 relative: a wrong row, mask or layer is off by far more.
    const criticGrad = sumSlices(await read64(device, buffers.criticGrads, groups * pc), groups, pc);
    const actorGrad = sumSlices(await read64(device, buffers.actorGrads, groups * pa), groups, pa);
    const scale = (x: Float64Array) => Math.max(...x.map(Math.abs));
    expectClose(criticGrad, wantCritic.grad, { atol: 1e-5 * scale(wantCritic.grad), rtol: 1e-4 }, 'critic gradient');
    expectClose(actorGrad, wantActor.grad, { atol: 1e-5 * scale(wantActor.grad), rtol: 1e-4 }, 'actor gradient');
    expect(scale(actorGrad)).toBeGreaterThan(0);
    // Loss partials of chunk update 1 (row 0 untouched: zero): sums of 37 O(1) terms in f32, ~1e-6 relative.
    const criticLoss = await read64(device, buffers.criticLoss, 2 * groups);
    const actorLoss = await read64(device, buffers.actorLoss, 2 * groups);
    expect([...criticLoss.subarray(0, groups), ...actorLoss.subarray(0, groups)].every((x) => x === 0)).toBe(true);
    expectClose([criticLoss.subarray(groups).reduce((x, y) => x + y, 0)], [wantCritic.loss], { atol: 1e-6, rtol: 1e-5 }, 'critic loss');
    expectClose([actorLoss.subarray(groups).reduce((x, y) => x + y, 0)], [wantActor.loss], { atol: 1e-6, rtol: 1e-5 }, 'actor loss');
    for (const b of Object.values(buffers)) b.destroy();
  });
});
