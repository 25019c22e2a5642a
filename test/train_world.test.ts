// The GPU LARA trainer on a generalised world against the float64 ReferenceTrainer on the same world (same initial
// weights, same RNG counters): metrics, weights and replay after a few iterations, with the policy associating.
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

describe('GPU trainer vs float64 reference on a world (association by the policy)', () => {
  it(`gives the same metrics, weights and replay after ${ITERATIONS} iterations`, async () => {
    // 8 envs, batch 8, 16x16 networks, a warm-up iteration, a ring of 24 rows that wraps, two chunks.
    const config = parseTrainConfig({
      envs: 8, batch: 8, hidden: [16, 16], updatesPerIteration: 2, iterations: ITERATIONS, replayCapacity: 24, iterationsPerSubmit: 3,
      warmupIterations: 1, seed: 5,
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
      expectClose(column(rows, 'criticLoss'), column(want, 'criticLoss'), { atol: 1e-5, rtol: 1e-4 }, 'critic loss');
      const got = await trainer.snapshot(), ref = reference.snapshot();
      // Weights after 8 Adam steps of lr <= 3e-2 (critic): f32 against f64 ~1e-7; 1e-5 is 100x that and below one step.
      expectClose(got.actor, ref.actor, { atol: 1e-5, rtol: 1e-5 }, 'actor');
      expectClose(got.critic, ref.critic, { atol: 1e-5, rtol: 1e-5 }, 'critic');
      // Replay rows: observations, centred log shares, association softmaxes and log rewards: 1e-4 absolute + 1e-5
      // relative (the world's kernels' tolerance, lara_world_kernels.test.ts).
      expectClose(got.replay, ref.replay, { atol: 1e-4, rtol: 1e-5 }, 'replay ring');
    } finally {
      trainer.destroy();
    }
  });
});
