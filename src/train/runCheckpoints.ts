// Checkpointing a run: metrics.csv and the checkpoint written together (staged, then renamed, the checkpoint last), a
// snapshot holding NaN or infinity refused, and the last good iteration remembered for the messages saying what is kept.
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { AtomicOutput } from '../io/atomic.js';
import { mlpLayout } from '../nn/layout.js';
import type { Scenario } from '../scenario.js';
import type { TrainerPlans } from './tuning.js';
import { LETTER_SHAPE, laraShapeOf, type LaraShape } from './shape.js';
import { CHECKPOINT_FILE, actorSizes, criticSizes, encodeCheckpoint, type TrainerSnapshot } from './checkpoint.js';
import type { TrainConfig } from './config.js';
import type { Driver } from './drivers.js';
import type { EpisodeLog } from './episodeLog.js';
import { EVALUATIONS_FILE, METRICS_FILE } from './runDirectory.js';
import type { EvaluationLog } from './periodicEvaluation.js';

/** The first layer tensor (PyTorch name) of a snapshot holding NaN or infinity, or null. */
export function firstNonFiniteTensor(snapshot: TrainerSnapshot, config: TrainConfig, shape: LaraShape = LETTER_SHAPE): string | null {
  const actor = actorSizes(config, shape), critic = criticSizes(config, shape);
  const networks: [string, ArrayLike<number>, number[]][] = [
    ['actor', snapshot.actor, actor], ['critic', snapshot.critic, critic],
    ['actor_target', snapshot.actorTarget, actor], ['critic_target', snapshot.criticTarget, critic],
  ];
  for (const [prefix, flat, sizes] of networks) {
    for (const [l, layer] of mlpLayout(sizes).layers.entries()) {
      for (let i = layer.weightOffset; i < layer.biasOffset; i++) if (!Number.isFinite(flat[i])) return `${prefix}.${2 * l}.weight`;
      for (let i = layer.biasOffset; i < layer.biasOffset + layer.outputs; i++) if (!Number.isFinite(flat[i])) return `${prefix}.${2 * l}.bias`;
    }
  }
  const moments: [string, ArrayLike<number>][] = [
    ['optimizer.actor.exp_avg', snapshot.actorAdam.m], ['optimizer.actor.exp_avg_sq', snapshot.actorAdam.v],
    ['optimizer.critic.exp_avg', snapshot.criticAdam.m], ['optimizer.critic.exp_avg_sq', snapshot.criticAdam.v],
  ];
  for (const [name, values] of moments) for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return name;
  return null;
}

export class RunCheckpoints {
  /** Checkpoints written by this run so far. */
  saves = 0;
  /** Run-clock seconds of the latest save (or of the start). */
  lastWall: number;

  /** `lastGood`: the iteration of the checkpoint already in `out` (a resume in place), or null. */
  constructor(private readonly out: string, private readonly meta: { config: TrainConfig; scenario: Scenario; device: 'gpu' | 'cpu'; plans?: TrainerPlans },
              private lastGood: number | null, now: number) {
    this.lastWall = now;
  }

  /** What a failure keeps, for its message: "no checkpoint was written" or the last good one's iteration and place. */
  kept(): string {
    return this.lastGood === null ? 'no checkpoint was written' : `the last good checkpoint (iteration ${this.lastGood}) is kept in ${this.out}`;
  }

  /**
   * Writes metrics.csv (and evaluations.csv where the run evaluates during training) and the checkpoint of the driver's
   * state now; refuses (exit 4) a state holding NaN or infinity.
   */
  async save(driver: Driver, episodes: EpisodeLog, wall: () => number, evaluations?: EvaluationLog): Promise<void> {
    const snapshot = await driver.snapshot();
    const bad = firstNonFiniteTensor(snapshot, this.meta.config, laraShapeOf(this.meta.scenario));
    if (bad) throw new UserError(`training diverged: tensor ${bad} holds NaN or infinity at iteration ${snapshot.iteration}; ${this.kept()}`, 4);
    const now = wall();
    const output = new AtomicOutput();
    output.add(join(this.out, METRICS_FILE), episodes.metricsText(snapshot.iteration, now));
    if (evaluations) output.add(join(this.out, EVALUATIONS_FILE), evaluations.csvText());
    const progress = { ...episodes.progress(now), ...(evaluations ? { evaluations: evaluations.rows.slice() } : {}) };
    output.add(join(this.out, CHECKPOINT_FILE), encodeCheckpoint(snapshot, { ...this.meta, progress }));
    output.commit();
    this.lastGood = snapshot.iteration;
    this.lastWall = wall();
    this.saves++;
  }
}
