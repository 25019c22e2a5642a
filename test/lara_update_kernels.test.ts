// The LARA update's own kernels one at a time against the float64 reference: lara_critic_loss (GAMMA off and on),
// lara_actor_chain, lara_actor_chain_backward and lara_metrics, each reducing kernel with both workgroup reductions.
import { describe, it } from 'vitest';
import { createStorageFrom } from '../src/gpu/buffers.js';
import { mseLossBackward } from '../src/nn/reference/mlp.js';
import { criticFeaturesFromPreInto, criticFeaturesVjpInto } from '../src/train/features.js';
import {
  laraActorChainBackwardKernel, laraActorChainKernel, laraCriticLossKernel, laraMetricsKernel, type Step,
} from '../src/train/laraKernels.js';
import { ACT_METRICS, ACTION_SIZE, CRITIC_INPUT, LOSS_WORKGROUP, METRICS_STRIDE, OBSERVATION_SIZE } from '../src/train/layout.js';
import { expectClose } from './helpers/expectClose.js';
import { testGpu } from './helpers/gpu.js';
import { dispatchStep, expectUntouched, groupSums, normals, read64, REDUCTIONS, step, stepRing, storageWithTail } from './helpers/lara.js';

/** 300 rows: two loss workgroups of 256 (the second partly past the end), five row workgroups of 64. */
const BATCH = 300;
const PARTIALS = Math.ceil(BATCH / LOSS_WORKGROUP);
/** Rows the loss kernels' invocations cover: outputs past the batch keep the sentinel. */
const ROWS = PARTIALS * LOSS_WORKGROUP;
/** A distinct batch in ring entry 0 of the tests that read another entry: reading entry 0 by mistake shows. */
const DECOY = step({ batch: 7, envs: 5, updates: 1, gamma: 0.1, shareFloor: 0.09 });

/** Pre-activations (B, 7) of scale 3 with a saturated first row: the features' and VJP's guarded paths. */
function preActivations(salt: number): Float64Array {
  const z = normals(BATCH * ACTION_SIZE, 3, salt);
  z.set([30, -30, 12, -12, 40, -40, 0], 0);
  return z;
}

const storage = (device: GPUDevice, data: ArrayLike<number>, label: string) => createStorageFrom(device, Float32Array.from(data), label);

describe.each(REDUCTIONS)('update kernels, %s reduction', (_, reduce) => {
  it.for([false, true])('lara_critic_loss gives the reference\'s dQ and loss partials, GAMMA %s', async (gamma, { skip }) => {
    const { device } = await testGpu();
    if (laraCriticLossKernel.missingFeatures(device, { ...reduce, gamma }).length > 0) skip();
    const q = normals(BATCH, 1, 1), reward = normals(BATCH, 2, 2), targetQ = normals(BATCH, 1, 3);
    const updates = 5;
    // Chunk updates 3 and 1 of 5: each writes its own partials; the discounts differ (read only with GAMMA).
    const entries: Step[] = [DECOY, step({ batch: BATCH, chunkUpdate: 3, gamma: 0.9, lossPartials: PARTIALS }),
      step({ batch: BATCH, chunkUpdate: 1, gamma: 0.5, lossPartials: PARTIALS })];
    const { binding } = stepRing(device, entries);
    const p = await laraCriticLossKernel.pipeline(device, { ...reduce, gamma });
    const buffers = {
      step: binding, q: storage(device, q, 'q'), reward: storage(device, reward, 'reward'), dQ: storageWithTail(device, [], ROWS, 1, 'dQ'),
      lossPartials: storageWithTail(device, [], updates, PARTIALS, 'lossPartials'), targetQ: storage(device, targetQ, 'targetQ'),
    };
    for (const entry of [1, 2]) {
      const s = entries[entry];
      dispatchStep(device, p, buffers, entry, { items: BATCH });
      // a. of ReferenceTrainer.update: y = r (+ gamma Q'), gamma as the f32 the Step holds; b. its mseLossBackward.
      const target = reward.slice();
      if (gamma) for (let k = 0; k < BATCH; k++) target[k] += Math.fround(s.gamma) * targetQ[k];
      const mse = mseLossBackward(q, target);
      // dQ = 2 (Q - y) / B from f32 inputs: y and Q - y rounded in f32, a few ulps of |y| <= ~10, over B = 300.
      const dQ = await read64(device, buffers.dQ, ROWS);
      expectClose(dQ.subarray(0, BATCH), mse.dq, { atol: 1e-8, rtol: 1e-6 }, `dQ, entry ${entry}`);
      expectUntouched(dQ, BATCH, 'dQ');
      // Partial g sums the squared errors of rows 256 g..: the mean of its slice times the slice's rows. f32 squares
      // and a sum of 256 of them in either order: ~1e-6 relative.
      const wantPartials = Array.from({ length: PARTIALS }, (_, g) => {
        const rows = [g * LOSS_WORKGROUP, Math.min(BATCH, (g + 1) * LOSS_WORKGROUP)] as const;
        return mseLossBackward(q.slice(...rows), target.slice(...rows)).loss * (rows[1] - rows[0]);
      });
      const partials = await read64(device, buffers.lossPartials, updates * PARTIALS);
      expectClose(partials.subarray(s.chunkUpdate * PARTIALS, (s.chunkUpdate + 1) * PARTIALS), wantPartials, { atol: 0, rtol: 5e-6 }, `loss partials, entry ${entry}`);
      expectClose([partials.subarray(s.chunkUpdate * PARTIALS, (s.chunkUpdate + 1) * PARTIALS).reduce((a, b) => a + b) / BATCH], [mse.loss],
        { atol: 0, rtol: 5e-6 }, `loss, entry ${entry}`);
    }
    // Updates 0, 2 and 4 of the chunk were not run.
    const partials = await read64(device, buffers.lossPartials, updates * PARTIALS);
    for (const u of [0, 2, 4]) expectUntouched(partials, u * PARTIALS, `loss partials of update ${u}`, (u + 1) * PARTIALS);
  });

  it('lara_actor_chain_backward chains dQ/dfeatures to dZ and sums -Q', async ({ skip }) => {
    const { device } = await testGpu();
    if (laraActorChainBackwardKernel.missingFeatures(device, reduce).length > 0) skip();
    const z = preActivations(4), dCriticInput = normals(BATCH * CRITIC_INPUT, 1, 5), q = normals(BATCH, 1, 6);
    const updates = 4;
    const entries: Step[] = [DECOY, step({ batch: BATCH, chunkUpdate: 2, shareFloor: 1e-3, lossPartials: PARTIALS }),
      step({ batch: BATCH, chunkUpdate: 0, shareFloor: 0, lossPartials: PARTIALS }), step({ batch: BATCH, chunkUpdate: 3, shareFloor: 0.05, lossPartials: PARTIALS })];
    const { binding } = stepRing(device, entries);
    const p = await laraActorChainBackwardKernel.pipeline(device, reduce);
    const buffers = {
      step: binding, z: storage(device, z, 'z'), dCriticInput: storage(device, dCriticInput, 'dCriticInput'), q: storage(device, q, 'q'),
      dZ: storageWithTail(device, [], ROWS, ACTION_SIZE, 'dZ'), actorPartials: storageWithTail(device, [], updates, PARTIALS, 'actorPartials'),
    };
    for (const entry of [1, 2, 3]) {
      const s = entries[entry];
      dispatchStep(device, p, buffers, entry, { items: BATCH });
      // ReferenceTrainer.actorLossGradient: dOutput = -1/B per row, so the critic's input gradient is the kernel's input
      // (taken for dOutput = 1) times -1/B; then criticFeaturesVjpInto row by row.
      const dInput = dCriticInput.map((x) => -x / BATCH);
      const want = new Float64Array(BATCH * ACTION_SIZE);
      for (let k = 0; k < BATCH; k++) {
        criticFeaturesVjpInto(z, k * ACTION_SIZE, Math.fround(s.shareFloor), dInput, k * CRITIC_INPUT + OBSERVATION_SIZE, want, k * ACTION_SIZE);
      }
      // VJP values O(1) / B: f32 softmax and divisions, a few ulps (as in train_features.test.ts, scaled by 1 / B).
      const dZ = await read64(device, buffers.dZ, ROWS * ACTION_SIZE);
      expectClose(dZ.subarray(0, BATCH * ACTION_SIZE), want, { atol: 1e-5 / BATCH, rtol: 1e-5 }, `dZ, entry ${entry}`);
      expectUntouched(dZ, BATCH * ACTION_SIZE, 'dZ');
      // Partials: sums of -Q over each workgroup's rows, the actor loss -mean(Q) times B; f32 sums of <= 256 terms
      // of |Q| ~ 1 that partly cancel: 1e-5 absolute.
      const partials = await read64(device, buffers.actorPartials, updates * PARTIALS);
      expectClose(partials.subarray(s.chunkUpdate * PARTIALS, (s.chunkUpdate + 1) * PARTIALS), groupSums(q.map((x) => -x), LOSS_WORKGROUP),
        { atol: 1e-5, rtol: 1e-6 }, `actor partials, entry ${entry}`);
    }
    const partials = await read64(device, buffers.actorPartials, updates * PARTIALS);
    expectUntouched(partials, PARTIALS, 'actor partials of update 1 (not run)', 2 * PARTIALS);
  });

  it('lara_metrics sums each iteration\'s partials into its row', async ({ skip }) => {
    const { device } = await testGpu();
    if (laraMetricsKernel.missingFeatures(device, reduce).length > 0) skip();
    // 70 act partials and 40 updates x 2 loss partials per iteration: both loops stride past the workgroup of 64.
    const s = step({ envs: 17_900, batch: BATCH, actPartials: 70, lossPartials: PARTIALS, updates: 40 });
    const chunk = 3, losses = s.updates * s.lossPartials;
    const act = normals(chunk * s.actPartials * ACT_METRICS, 5, 7).map(Math.abs);
    const critic = normals(chunk * losses, 2, 8).map(Math.abs), actor = normals(chunk * losses, 3, 9);
    const { binding } = stepRing(device, [DECOY, s]);
    const p = await laraMetricsKernel.pipeline(device, reduce);
    // One row more than the chunk: the kernel writes only the chunk's rows.
    const metricsBuffer = storageWithTail(device, [], chunk + 1, METRICS_STRIDE, 'metrics');
    const buffers = {
      step: binding, actPartials: storage(device, act, 'actPartials'), criticPartials: storage(device, critic, 'criticPartials'),
      actorPartials: storage(device, actor, 'actorPartials'), metrics: metricsBuffer,
    };
    dispatchStep(device, p, buffers, 1, { grid: [chunk, 1, 1] });
    // Row i: the act metrics' means over the envs, and the sums over the iteration's updates of the per-update mean
    // losses (GpuTrainer.collect divides them by the updates, giving the reference's mean over updates), then zeros.
    const want = new Float64Array(chunk * METRICS_STRIDE);
    for (let i = 0; i < chunk; i++) {
      for (let g = 0; g < s.actPartials; g++) {
        for (let m = 0; m < ACT_METRICS; m++) want[i * METRICS_STRIDE + m] += act[(i * s.actPartials + g) * ACT_METRICS + m] / s.envs;
      }
      want[i * METRICS_STRIDE + ACT_METRICS] = groupSums(critic.subarray(i * losses, (i + 1) * losses), losses)[0] / s.batch;
      want[i * METRICS_STRIDE + ACT_METRICS + 1] = groupSums(actor.subarray(i * losses, (i + 1) * losses), losses)[0] / s.batch;
    }
    // f32 sums of 70 or 80 values in either order (~1e-6 relative); the actor column's signs cancel: an absolute floor.
    const metrics = await read64(device, metricsBuffer, (chunk + 1) * METRICS_STRIDE);
    expectClose(metrics.subarray(0, chunk * METRICS_STRIDE), want, { atol: 1e-6, rtol: 2e-6 }, 'metrics rows');
    expectUntouched(metrics, chunk * METRICS_STRIDE, 'metrics');
  });
});

describe('lara_actor_chain', () => {
  it('builds the critic input obs || features(z) with the share floor of the ring entry it reads', async () => {
    const { device } = await testGpu();
    const z = preActivations(10), obs = normals(BATCH * OBSERVATION_SIZE, 2, 11);
    const entries: Step[] = [DECOY, step({ batch: BATCH, shareFloor: 1e-3 }), step({ batch: BATCH, shareFloor: 0 }), step({ batch: BATCH, shareFloor: 0.05 })];
    const { binding } = stepRing(device, entries);
    const p = await laraActorChainKernel.pipeline(device, undefined);
    const rows = 320;  // five workgroups of 64: rows past the batch keep the sentinel
    const buffers = {
      step: binding, z: storage(device, z, 'z'), obs: storage(device, obs, 'obs'), criticInput: storageWithTail(device, [], rows, CRITIC_INPUT, 'criticInput'),
    };
    for (const entry of [1, 2, 3]) {
      dispatchStep(device, p, buffers, entry, { items: BATCH });
      const want = new Float64Array(BATCH * CRITIC_INPUT);
      for (let k = 0; k < BATCH; k++) {
        want.set(obs.subarray(k * OBSERVATION_SIZE, (k + 1) * OBSERVATION_SIZE), k * CRITIC_INPUT);
        criticFeaturesFromPreInto(z, k * ACTION_SIZE, Math.fround(entries[entry].shareFloor), want, k * CRITIC_INPUT + OBSERVATION_SIZE);
      }
      // obs and the ratio features are copies (exact); centred logs of omegas down to ln(1e-3) ~ -7 or the
      // floor-free log-softmax of z up to 40: a few ulps of their magnitude (as in train_features.test.ts).
      const criticInput = await read64(device, buffers.criticInput, rows * CRITIC_INPUT);
      expectClose(criticInput.subarray(0, BATCH * CRITIC_INPUT), want, { atol: 1e-5, rtol: 1e-5 }, `critic input, entry ${entry}`);
      expectUntouched(criticInput, BATCH * CRITIC_INPUT, 'critic input');
    }
  });
});
