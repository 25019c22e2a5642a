// The time-to-1% comparison's pure parts: reading a megc run's files and the JAX peer's JSON, the summary and its table.
import { parseEvaluationRow } from '../../src/train/periodicEvaluation.js';

/** What bench/peers/lara_jax.py writes with --json (the fields used here). */
export interface JaxPeerResult {
  program: 'lara_jax';
  jax: string;
  config: { hidden: number[]; envs: number; batch: number; updates: number; iterations: number; seed: number };
  compileSeconds: number;
  trainSeconds: number;
  iterationsPerSecond: number;
  targetGap: number;
  /** Training seconds (evaluation excluded) at the first evaluation below targetGap; null when never. */
  timeToTarget: number | null;
  iterationToTarget: number | null;
  finalGap: number;
  finalLatency: { comp: number; aigc: number; ve: number; total: number };
}

/** One program's line of the comparison. */
export interface RaceEntry {
  program: string;
  recipe: string;
  /** Training seconds of the whole run. */
  trainSeconds: number;
  iterationsPerSecond: number;
  /** Seconds until within the target gap of OPT; null when it was not reached. */
  timeToTarget: number | null;
  /** How timeToTarget was measured. */
  timeToTargetNote: string;
  finalGap: number;
  finalLTotal: number;
}

export interface RaceSummary {
  targetGap: number;
  /** OPT's mean L_total on the evaluation set (float64 CPU solver), the yardstick of both gaps. */
  optLTotal: number;
  evalSlots: number;
  jax: RaceEntry;
  megc: RaceEntry;
  /** megc's time to the target over JAX's; null when either did not reach it. */
  ratio: number | null;
  /** megc's seconds per iteration over JAX's where both ran the same recipe (`--peer-recipe megc`); else null. */
  perIteration: number | null;
}

/** The last row's wall_s of a megc run's metrics.csv: seconds of training (the run clock; setup and evaluation excluded). */
export function trainingSecondsFromMetrics(csv: string): number {
  const lines = csv.trim().split(/\r?\n/);
  const header = lines[0]?.split(',') ?? [];
  const column = header.indexOf('wall_s');
  if (column < 0 || lines.length < 2) throw new Error('metrics.csv: no wall_s column or no rows');
  const seconds = Number(lines[lines.length - 1].split(',')[column]);
  if (!Number.isFinite(seconds)) throw new Error(`metrics.csv: last wall_s is not a number`);
  return seconds;
}

/** The fields of a megc run the comparison reads (config.json's train, evaluation.json's LARA means, evaluations.csv). */
export interface MegcRun {
  config: { hidden: number[]; envs: number; batch: number; updatesPerIteration: number; iterations: number; seed: number };
  trainSeconds: number;
  laraLTotal: number;
  /** The evaluations during training (`--eval-every`), oldest first: run-clock seconds of training and LARA's L_total. */
  evaluations?: { iteration: number; wallSeconds: number; lTotal: number }[];
}

/** A megc run's evaluations.csv rows (periodicEvaluation.ts's columns). */
export function evaluationsFromCsv(csv: string): NonNullable<MegcRun['evaluations']> {
  return csv.trim().split(/\r?\n/).slice(1).map((row) => {
    const { iteration, wallSeconds, lTotal } = parseEvaluationRow(row);
    return { iteration, wallSeconds, lTotal };
  });
}

const describeRecipe = (hidden: number[], envs: number, batch: number, updates: number, iterations: number, seed: number) =>
  `${hidden.join('x')}, ${envs} envs, batch ${batch}, ${updates} updates, ${iterations} iterations, seed ${seed}`;

/**
 * Both programs against the same OPT mean. megc's time to the target: the training seconds at its first evaluation
 * below it where it evaluated during training (as the peer does), else its whole training time if its final gap is below.
 */
export function summarizeRace(jax: JaxPeerResult, megc: MegcRun, optLTotal: number, evalSlots: number): RaceSummary {
  const target = jax.targetGap;
  const megcGap = megc.laraLTotal / optLTotal - 1;
  const first = megc.evaluations?.find((e) => e.lTotal / optLTotal - 1 < target);
  const megcReached = megcGap < target;
  const j = jax.config, m = megc.config;
  const jaxEntry: RaceEntry = {
    program: `JAX ${jax.jax} (jit, CPU)`,
    recipe: describeRecipe(j.hidden, j.envs, j.batch, j.updates, j.iterations, j.seed),
    trainSeconds: jax.trainSeconds, iterationsPerSecond: jax.iterationsPerSecond,
    timeToTarget: jax.timeToTarget,
    timeToTargetNote: jax.iterationToTarget === null ? 'not reached' : `first evaluation below, iteration ${jax.iterationToTarget}`,
    finalGap: jax.finalGap, finalLTotal: jax.finalLatency.total,
  };
  const megcEntry: RaceEntry = {
    program: 'megc train',
    recipe: describeRecipe(m.hidden, m.envs, m.batch, m.updatesPerIteration, m.iterations, m.seed),
    trainSeconds: megc.trainSeconds, iterationsPerSecond: m.iterations / megc.trainSeconds,
    ...(megc.evaluations
      ? { timeToTarget: first ? first.wallSeconds : null, timeToTargetNote: first ? `first evaluation below, iteration ${first.iteration}` : 'not reached' }
      : { timeToTarget: megcReached ? megc.trainSeconds : null, timeToTargetNote: megcReached ? 'whole training, gap measured at the end' : 'not reached at the end of training' }),
    finalGap: megcGap, finalLTotal: megc.laraLTotal,
  };
  const ratio = megcEntry.timeToTarget !== null && jaxEntry.timeToTarget !== null && jaxEntry.timeToTarget > 0
    ? megcEntry.timeToTarget / jaxEntry.timeToTarget : null;
  const perIteration = jaxEntry.recipe === megcEntry.recipe ? jaxEntry.iterationsPerSecond / megcEntry.iterationsPerSecond : null;
  return { targetGap: target, optLTotal, evalSlots, jax: jaxEntry, megc: megcEntry, ratio, perIteration };
}

const seconds = (x: number | null) => (x === null ? 'not reached' : `${x.toFixed(2)} s`);
const percent = (x: number) => `${(100 * x).toFixed(2)}%`;

/** A Markdown table of the summary and the ratio line. */
export function formatRace(s: RaceSummary): string {
  const target = `${+(100 * s.targetGap).toPrecision(3)}%`;
  const row = (e: RaceEntry) =>
    `| ${e.program} | ${e.recipe} | ${e.trainSeconds.toFixed(2)} s (${e.iterationsPerSecond.toFixed(1)} it/s) | ${seconds(e.timeToTarget)} (${e.timeToTargetNote}) | ${percent(e.finalGap)} |`;
  const ratio = s.ratio === null
    ? `megc / JAX time to ${target}: undefined (${s.megc.timeToTarget === null ? 'megc' : 'JAX'} did not reach ${target})`
    : `megc / JAX time to ${target}: ${s.ratio.toFixed(2)}x`;
  return [
    `| program | recipe | training time | time to ${target} of OPT | final gap |`,
    '|---|---|---:|---:|---:|',
    row(s.jax), row(s.megc), '',
    `Gaps against OPT's mean L_total ${s.optLTotal.toFixed(4)} s on the ${s.evalSlots} states of the evaluation set.`,
    ratio,
    ...(s.perIteration === null ? [] : [`megc / JAX time per iteration (the same recipe): ${s.perIteration.toFixed(2)}x`]),
  ].join('\n');
}
