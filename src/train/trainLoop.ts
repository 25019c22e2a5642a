// The training loop of a run: segments between periodic checkpoints; each chunk's measures go to the episode log and
// the progress report; a stop request is honoured at the next chunk; the first non-finite measure ends the run
// (exit 4) naming the iteration, the first non-finite tensor, and the checkpoint that is kept.
import { GpuError, UserError } from '../errors.js';
import type { Scenario } from '../scenario.js';
import type { TrainConfig } from './config.js';
import type { Driver } from './drivers.js';
import { addToSums, meansOf, type EpisodeLog, type EpisodeSums } from './episodeLog.js';
import type { IterationMetrics, TrainingMeasures } from './reference.js';
import { divergenceOf, rateMeter } from './progress.js';
import { firstNonFiniteTensor, type RunCheckpoints } from './runCheckpoints.js';
import { laraShapeOf } from './shape.js';
import type { EvaluationLog } from './periodicEvaluation.js';

/** The measures are means over the latest chunk of iterations. */
export interface TrainingProgress extends TrainingMeasures {
  /** Iterations completed. */
  iteration: number;
  total: number;
  /** Episode (1-based) the latest iteration belongs to. */
  episode: number;
  iterationsPerSecond: number;
  /** Environment transitions collected per second (envs x iterations/s). */
  samplesPerSecond: number;
  wallSeconds: number;
}

export interface TrainLoop {
  driver: Driver;
  config: TrainConfig;
  scenario: Scenario;
  episodes: EpisodeLog;
  checkpoints: RunCheckpoints;
  /** The run's clock, seconds (continues across resumes). */
  wall: () => number;
  /** Polled between chunks: stop (a signal, or a test's limit) and write the checkpoint. */
  stopRequested: () => boolean;
  /** Seconds between periodic checkpoints (0: only at the end or on a stop). */
  checkpointEverySeconds: number;
  /** Throws a GPU error seen since the last call (GPU runs). */
  checkErrors?: () => void;
  onProgress?: (p: TrainingProgress) => void;
  /**
   * Evaluations during training: the actor copied after every `every`-th iteration, evaluated before each checkpoint,
   * or once the copies held reach `copiesBytes` (default ACTOR_COPIES_BYTES).
   */
  evaluation?: { every: number; evaluate: (actors: ActorCopy[]) => Promise<void>; log: EvaluationLog; copiesBytes?: number };
}

/** Bytes of actor copies (counted as float64) held before they are evaluated, whatever the checkpoint's period. */
export const ACTOR_COPIES_BYTES = 64 << 20;

/** The actor's params as the iteration left them, and the run clock when its chunk's readback landed. */
export interface ActorCopy { iteration: number; wallSeconds: number; actor: ArrayLike<number> }

/**
 * Trains until the config's last iteration or a stop request, writing a checkpoint after each segment (one every
 * checkpointEverySeconds, and one at the end or on the stop); the actor copies of the segment's evaluation iterations
 * are evaluated before its checkpoint, so training never waits for an evaluation in between. Throws a UserError
 * (exit 4) on divergence.
 */
export async function trainInSegments(loop: TrainLoop): Promise<void> {
  const { driver, config, scenario, episodes, checkpoints, wall } = loop;
  const rate = rateMeter(wall);
  let divergence: string | null = null;
  const evaluation = loop.evaluation;
  let copies: ActorCopy[] = [];
  const onChunk = (chunk: IterationMetrics[], actor?: ArrayLike<number>): boolean => {
    if (divergence) return false;  // a chunk still in flight after the one that diverged
    const chunkSums: EpisodeSums = { iterations: 0, lossIterations: 0, reward: 0, lComp: 0, lAigc: 0, lVe: 0, lTotal: 0, criticLoss: 0, actorLoss: 0, startWall: 0 };
    for (const m of chunk) {
      divergence = divergenceOf(m);
      if (divergence) return false;
      addToSums(chunkSums, m);
      episodes.add(m, wall);
    }
    const last = chunk[chunk.length - 1].iteration;
    if (actor) copies.push({ iteration: last + 1, wallSeconds: wall(), actor });
    const iterationsPerSecond = rate(chunk.length);
    loop.onProgress?.({
      ...meansOf(chunkSums), iteration: last + 1, total: config.iterations, episode: Math.floor(last / scenario.slotsPerEpisode) + 1,
      iterationsPerSecond, samplesPerSecond: iterationsPerSecond * config.envs, wallSeconds: wall(),
    });
    return true;
  };
  const every = loop.checkpointEverySeconds;
  // Copies held past the budget are evaluated at once (training stops for that, then goes on without a checkpoint).
  const budget = evaluation?.copiesBytes ?? ACTOR_COPIES_BYTES;
  const copiesFull = () => copies.length > 0 && copies.reduce((bytes, c) => bytes + 8 * c.actor.length, 0) >= budget;
  while (driver.iteration < config.iterations && !loop.stopRequested()) {
    const segmentStart = driver.iteration;
    const segmentDone = () => every > 0 && driver.iteration > segmentStart && wall() - checkpoints.lastWall >= every;
    try {
      await driver.run(config.iterations - driver.iteration, onChunk, () => loop.stopRequested() || segmentDone() || copiesFull(), evaluation?.every);
    } catch (error) {
      // Device lost or out of memory mid-run: say what is kept.
      if (error instanceof GpuError) throw new GpuError(`${error.message}; ${checkpoints.kept()}`);
      throw error;
    }
    if (divergence) {
      const snapshot = await driver.snapshot().catch(() => null);
      const bad = snapshot ? firstNonFiniteTensor(snapshot, config, laraShapeOf(scenario)) : null;
      throw new UserError(`${divergence}${bad ? ` (first non-finite tensor: ${bad})` : ''}; ${checkpoints.kept()}`, 4);
    }
    loop.checkErrors?.();
    const due = segmentDone() || driver.iteration >= config.iterations || loop.stopRequested() || !copiesFull();
    if (copies.length > 0) {
      await evaluation!.evaluate(copies);
      copies = [];
    }
    if (due) await checkpoints.save(driver, episodes, wall, evaluation?.log);
  }
}
