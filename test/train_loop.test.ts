// The training loop's evaluations during training (trainInSegments with the float64 CPU trainer): the actor copies of
// the evaluation iterations reach the evaluator in order, before each checkpoint, and in batches when the copies held
// reach their budget, without a checkpoint between.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseScenario } from '../src/scenario.js';
import { parseTrainConfig } from '../src/train/config.js';
import { createDriver } from '../src/train/drivers.js';
import { EpisodeLog } from '../src/train/episodeLog.js';
import { EvaluationLog } from '../src/train/periodicEvaluation.js';
import { ReferenceTrainer } from '../src/train/reference.js';
import { RunCheckpoints } from '../src/train/runCheckpoints.js';
import { trainInSegments, type ActorCopy } from '../src/train/trainLoop.js';

const dir = mkdtempSync(join(tmpdir(), 'megc-train-loop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const scenario = parseScenario({ slotsPerEpisode: 4 }, 'test');
const config = parseTrainConfig({ envs: 4, batch: 8, hidden: [8], updatesPerIteration: 1, iterations: 12, replayCapacity: 64, iterationsPerSubmit: 4, evalSlots: 16, seed: 3 });

describe('evaluations during training', () => {
  it('hands the copies over in batches once they fill their budget, checkpointing only at the end', async () => {
    const driver = await createDriver(scenario, config, undefined, { evaluate: false });
    const checkpoints = new RunCheckpoints(dir, { config, scenario, device: 'cpu' }, null, 0);
    const batches: ActorCopy[][] = [];
    const actorFloats = new ReferenceTrainer(scenario, config).actorParams.length;
    await trainInSegments({
      driver, config, scenario, episodes: new EpisodeLog(config, scenario, null), checkpoints, wall: () => performance.now() / 1000,
      stopRequested: () => false, checkpointEverySeconds: 0,
      // Every 2nd iteration (chunks of 4 split at 2), a budget of 2 copies (8 bytes per float).
      evaluation: { every: 2, log: new EvaluationLog(), copiesBytes: 2 * 8 * actorFloats, evaluate: async (copies) => { batches.push(copies); } },
    });
    expect(batches.map((b) => b.map((c) => c.iteration))).toEqual([[2, 4], [6, 8], [10, 12]]);
    expect(checkpoints.saves).toBe(1);
    // Each copy is that iteration's actor: a trainer stepped to 6 has the copy of 6.
    const reference = new ReferenceTrainer(scenario, config);
    for (let i = 0; i < 6; i++) reference.step();
    expect(batches[1][0].actor).toEqual(reference.actorParams);
    expect(batches[1][0].actor).not.toEqual(batches[1][1].actor);
    driver.destroy();
  });
});
