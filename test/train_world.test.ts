// The GPU LARA trainer on a generalised world against the float64 ReferenceTrainer on the same world (same initial
// weights, same RNG counters): metrics, weights and replay after a few iterations, with the policy associating; with
// the learned critic and with the model critic.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parseScenario } from '../src/scenario.js';
import { parseTrainConfig } from '../src/train/config.js';
import { GpuTrainer, type IterationMetrics } from '../src/train/gpuTrainer.js';
import { ReferenceTrainer } from '../src/train/reference.js';
import { expectClose } from './helpers/expectClose.js';
import { testGpu } from './helpers/gpu.js';

const ITERATIONS = 5;
const scenario = parseScenario(JSON.parse(readFileSync(new URL('../scenarios/association.json', import.meta.url), 'utf8')), 'association.json');
const column = (rows: IterationMetrics[], key: keyof IterationMetrics) => rows.map((r) => r[key] as number);

/**
 * Trains `critic` on the GPU and on the float64 reference for ITERATIONS iterations (8 envs, batch 8, 16x16 networks,
 * a warm-up iteration, a ring of 24 rows that wraps, two chunks), checks the update schedule and the latencies, and
 * hands both runs' metrics and snapshots to `check`.
 */
async function againstReference(critic: 'learned' | 'model', check: (rows: IterationMetrics[], want: IterationMetrics[],
  got: Awaited<ReturnType<GpuTrainer['snapshot']>>, ref: ReturnType<ReferenceTrainer['snapshot']>) => void): Promise<void> {
  const config = parseTrainConfig({
    envs: 8, batch: 8, hidden: [16, 16], updatesPerIteration: 2, iterations: ITERATIONS, replayCapacity: 24, iterationsPerSubmit: 3,
    warmupIterations: 1, seed: 5, critic,
    // The model critic's run also adds both priors and limits the association labels to 2 moves per row.
    ...(critic === 'model' ? { channelPrior: 0.5, sharePrior: 0.5, associationMoves: 2 } : {}),
  });
  const gpu = await testGpu();
  const trainer = await GpuTrainer.create(gpu, scenario, config, { evaluate: false });
  try {
    const rows: IterationMetrics[] = [];
    await trainer.run(ITERATIONS, (chunk) => { rows.push(...chunk); });
    const reference = new ReferenceTrainer(scenario, config);
    const want = Array.from({ length: ITERATIONS }, () => reference.step());
    expect(rows.map((r) => r.updates)).toEqual(want.map((r) => r.updates));
    // As train_gpu.test.ts: f32 sampling, networks and latencies against float64, ~1e-6 relative per operation.
    for (const key of ['reward', 'lComp', 'lAigc', 'lVe', 'lTotal'] as const) {
      expectClose(column(rows, key), column(want, key), { atol: 1e-6, rtol: 1e-4 }, key);
    }
    check(rows, want, await trainer.snapshot(), reference.snapshot());
  } finally {
    trainer.destroy();
  }
}

describe('GPU trainer vs float64 reference on a world (association by the policy)', () => {
  it(`gives the same metrics, weights and replay after ${ITERATIONS} iterations`, async () => {
    await againstReference('learned', (rows, want, got, ref) => {
      expectClose(column(rows, 'criticLoss'), column(want, 'criticLoss'), { atol: 1e-5, rtol: 1e-4 }, 'critic loss');
      // Weights after 8 Adam steps of lr <= 3e-2 (critic): f32 against f64 ~1e-7; 1e-5 is 100x that and below one step.
      expectClose(got.actor, ref.actor, { atol: 1e-5, rtol: 1e-5 }, 'actor');
      expectClose(got.critic, ref.critic, { atol: 1e-5, rtol: 1e-5 }, 'critic');
      // Replay rows: observations, centred log shares, association softmaxes and log rewards: 1e-4 absolute + 1e-5
      // relative (the world's kernels' tolerance, lara_world_kernels.test.ts).
      expectClose(got.replay, ref.replay, { atol: 1e-4, rtol: 1e-5 }, 'replay ring');
    });
  });
});

describe('GPU trainer vs float64 reference on a world with the model critic', () => {
  it(`gives the same metrics, weights, Adam state and replay after ${ITERATIONS} iterations`, async () => {
    // As above (association by the policy: the best responses are exercised), the actor learning through the world.
    await againstReference('model', (rows, want, got, ref) => {
      // No critic network trained: its loss is 0 on both. The actor loss is -mean ln(1 / L_total) over 8 rows, ~1e-6
      // relative per row in f32 (lara_world_kernels.test.ts).
      const updated = (r: IterationMetrics[]) => r.filter((x) => x.updates > 0);
      expect(column(updated(rows), 'criticLoss')).toEqual(column(updated(want), 'criticLoss').map(() => 0));
      expect(column(updated(want), 'criticLoss').every((x) => x === 0)).toBe(true);
      expectClose(column(rows, 'actorLoss'), column(want, 'actorLoss'), { atol: 1e-5, rtol: 1e-4 }, 'actor loss');
      // As above: weights after 8 Adam steps, f32 against f64 ~1e-7.
      expectClose(got.actor, ref.actor, { atol: 1e-5, rtol: 1e-5 }, 'actor');
      expectClose(got.actorTarget, ref.actorTarget, { atol: 1e-5, rtol: 1e-5 }, 'actor target');
      // The critic, its target and its Adam state are untouched (the initial weights, 0 moments, 0 steps).
      expect(got.critic).toEqual(Float32Array.from(ref.critic));
      expect(got.criticTarget).toEqual(Float32Array.from(ref.criticTarget));
      expect([got.criticAdam.m, got.criticAdam.v].every((x) => x.every((v) => v === 0))).toBe(true);
      expect([got.actorAdam.step, got.criticAdam.step]).toEqual([ref.actorAdam.step, 0]);
      expect(ref.criticAdam.step).toBe(0);
      // Adam moments of the actor: m ~ the gradients, v ~ their squares; f32 rounding of the gradient sums ~1e-6 relative.
      expectClose(got.actorAdam.m, ref.actorAdam.m, { atol: 1e-7, rtol: 1e-3 }, 'actor Adam m');
      expectClose(got.actorAdam.v, ref.actorAdam.v, { atol: 1e-10, rtol: 1e-3 }, 'actor Adam v');
      expectClose(got.replay, ref.replay, { atol: 1e-4, rtol: 1e-5 }, 'replay ring');
    });
  });
});
