// Evaluations during training (`megc train --eval-every N`): every N iterations the actor (no noise) on the evaluation
// set, its mean latencies and gap to OPT (computed once, for the final evaluation too), one evaluations.csv row each,
// outside the run clock; the rows kept in the checkpoint's progress metadata like metrics.csv's, and checked before a
// resume trusts them.
import type { LatencyMeans } from '../env/evaluate.js';
import type { Scenario } from '../scenario.js';
import { worldOf } from '../world/world.js';
import type { TrainConfig } from './config.js';
import { actorSizes } from './derive.js';
import { laraShapeOf } from './shape.js';
import { letterLaraMeans, type EvaluationOpt } from './runEvaluation.js';
import { worldActorActions, worldMeansOf } from './worldActor.js';

/** The columns of evaluations.csv: the iteration evaluated, the run clock then (seconds of training), LARA's means, its gap to OPT. */
export const EVALUATION_COLUMNS = ['iteration', 'wall_s', 'l_comp', 'l_aigc', 'l_ve', 'l_total', 'gap'] as const;
export const EVALUATIONS_HEADER = EVALUATION_COLUMNS.join(',');
const COLUMN = Object.fromEntries(EVALUATION_COLUMNS.map((c, i) => [c, i])) as Record<(typeof EVALUATION_COLUMNS)[number], number>;

/** LARA's means on the evaluation set and its gap to OPT there. */
export interface PeriodicEvaluation { means: LatencyMeans; gap: number }

/** Evaluates an actor's flat params (the run's actor layout). */
export type ActorEvaluator = (actor: ArrayLike<number>) => Promise<PeriodicEvaluation>;

/**
 * The evaluator of a run's actor on its evaluation set (`config.evalSlots` states of set 1, as the final evaluation's)
 * against `opt` (runEvaluation.ts evaluationOpt, computed once): LARA's means per call (float64, the same numbers as
 * the final evaluation's LARA row).
 */
export function periodicEvaluator(scenario: Scenario, config: TrainConfig, opt: EvaluationOpt): ActorEvaluator {
  if (!opt.world) {
    return async (actor) => {
      const means = await letterLaraMeans(scenario, config, actor);
      return { means, gap: means.total / opt.means.total - 1 };
    };
  }
  const sizes = actorSizes(config, laraShapeOf(scenario));
  const world = worldOf(scenario);
  return async (actor) => {
    const means = worldMeansOf(world, opt.states, worldActorActions(world, sizes, actor, config, opt.states));
    return { means, gap: means.total / opt.means.total - 1 };
  };
}

/** evaluations.csv's rows of a run, oldest first. */
export class EvaluationLog {
  readonly rows: string[];

  constructor(rows: readonly string[] = []) { this.rows = rows.slice(); }

  add(iteration: number, wallSeconds: number, e: PeriodicEvaluation): void {
    this.rows.push([iteration, wallSeconds, e.means.comp, e.means.aigc, e.means.ve, e.means.total, e.gap].map(String).join(','));
  }

  /** evaluations.csv: the header and a row per evaluation. */
  csvText(): string { return [EVALUATIONS_HEADER, ...this.rows].join('\n') + '\n'; }
}

/** One evaluations.csv row's iteration, wall seconds and L_total, for the readers of a run (e.g. the race's time to 1%). */
export function parseEvaluationRow(row: string): { iteration: number; wallSeconds: number; lTotal: number; gap: number } {
  const v = row.split(',').map(Number);
  return { iteration: v[COLUMN.iteration], wallSeconds: v[COLUMN.wall_s], lTotal: v[COLUMN.l_total], gap: v[COLUMN.gap] };
}

/**
 * Why a resumed run's evaluation rows do not fit it, or null: each row has the columns, iterations increase and are at
 * most `iteration` (the checkpoint's), run-clock seconds increase within [0, wallSeconds], latencies are finite and
 * non-negative, and the gap is L_total's against one OPT (the same OPT total for every row).
 */
export function evaluationRowsProblem(rows: readonly string[], iteration: number, wallSeconds: number): string | null {
  let previous = { iteration: 0, wall: 0 };
  let opt: number | null = null;
  for (const [i, row] of rows.entries()) {
    const fields = row.split(',');
    const at = `evaluation row ${i + 1}`;
    if (fields.length !== EVALUATION_COLUMNS.length) return `${at} has ${fields.length} fields, expected ${EVALUATION_COLUMNS.length}`;
    if (fields.some((f) => f.trim() === '' || Number.isNaN(Number(f)))) return `${at} holds a field that is not a number`;
    const v = fields.map(Number);
    const it = v[COLUMN.iteration], wall = v[COLUMN.wall_s];
    if (!Number.isInteger(it) || it <= previous.iteration || it > iteration) return `${at} evaluates iteration ${fields[COLUMN.iteration]}, not after ${previous.iteration} and at most ${iteration}`;
    if (!(wall >= previous.wall && wall <= wallSeconds)) return `${at} holds wall time ${fields[COLUMN.wall_s]}, outside [${previous.wall}, ${wallSeconds}]`;
    const latencies = v.slice(COLUMN.l_comp, COLUMN.l_total + 1);
    if (!latencies.every((x) => Number.isFinite(x) && x >= 0) || !(v[COLUMN.l_total] > 0)) return `${at} holds a latency that is not a finite measure`;
    const rowOpt = v[COLUMN.l_total] / (1 + v[COLUMN.gap]);
    if (!(Number.isFinite(rowOpt) && rowOpt > 0)) return `${at} holds gap ${fields[COLUMN.gap]}, which names no OPT`;
    // The rows are printed to 17 digits: OPT recovered from each agrees far below 1e-9 of itself.
    if (opt !== null && Math.abs(rowOpt - opt) > 1e-9 * opt) return `${at}'s gap is against OPT ${+rowOpt.toPrecision(6)}, the rows before against ${+opt.toPrecision(6)}`;
    opt ??= rowOpt;
    previous = { iteration: it, wall };
  }
  return null;
}
