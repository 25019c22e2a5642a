// The episode log of a run: running sums of the training measures, one metrics.csv row per finished episode (and one for
// the episode in progress), kept in the checkpoint's `progress` metadata so that a resumed run writes the same rows;
// and that metadata checked against the run before a resume trusts it.
import { z } from 'zod';
import { worldOf } from '../world/world.js';
import { UserError } from '../errors.js';
import type { Scenario } from '../scenario.js';
import { iterationsWithUpdates } from './derive.js';
import { evaluationRowsProblem } from './periodicEvaluation.js';
import type { TrainConfig } from './config.js';
import type { IterationMetrics, TrainingMeasures } from './reference.js';

/** The columns of metrics.csv. */
export const METRICS_COLUMNS = ['episode', 'iteration', 'reward', 'l_comp', 'l_aigc', 'l_ve', 'l_total', 'critic_loss', 'actor_loss', 'wall_s', 'samples_per_s'] as const;
export const METRICS_HEADER = METRICS_COLUMNS.join(',');
/** Index of each metrics.csv column by name. */
const COLUMN = Object.fromEntries(METRICS_COLUMNS.map((c, i) => [c, i])) as Record<(typeof METRICS_COLUMNS)[number], number>;

/** Per-episode running sums of the measures; JSON round trip is exact, so a resumed run writes the same rows. */
export interface EpisodeSums extends TrainingMeasures {
  iterations: number;
  lossIterations: number;
  /** Wall seconds (run clock) when the episode started. */
  startWall: number;
}

/** What the checkpoint's `progress` metadata holds. */
export interface RunProgress {
  episodesWritten: number;
  wallSeconds: number;
  episode: EpisodeSums;
  rows: string[];
  /** evaluations.csv's rows (periodicEvaluation.ts), where the run evaluated during training. */
  evaluations?: string[];
}

/** Running sums of an episode not begun. */
export const emptySums = (startWall: number): EpisodeSums => ({
  iterations: 0, lossIterations: 0, reward: 0, lComp: 0, lAigc: 0, lVe: 0, lTotal: 0, criticLoss: 0, actorLoss: 0, startWall,
});

/** Adds one iteration's measures to running sums. */
export function addToSums(sums: EpisodeSums, m: IterationMetrics): void {
  sums.iterations++;
  sums.reward += m.reward; sums.lComp += m.lComp; sums.lAigc += m.lAigc; sums.lVe += m.lVe; sums.lTotal += m.lTotal;
  if (m.updates > 0) { sums.lossIterations++; sums.criticLoss += m.criticLoss; sums.actorLoss += m.actorLoss; }
}

/** Means of running sums (losses NaN when no iteration had updates). */
export function meansOf(sums: EpisodeSums): TrainingMeasures {
  const n = sums.iterations;
  const loss = (x: number) => (sums.lossIterations > 0 ? x / sums.lossIterations : NaN);
  return { reward: sums.reward / n, lComp: sums.lComp / n, lAigc: sums.lAigc / n, lVe: sums.lVe / n, lTotal: sums.lTotal / n,
    criticLoss: loss(sums.criticLoss), actorLoss: loss(sums.actorLoss) };
}

const text = (x: number) => (Number.isFinite(x) ? String(x) : Number.isNaN(x) ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity');

export class EpisodeLog {
  private readonly rows: string[];
  private episodesWritten: number;
  private episode: EpisodeSums;

  /** `progress`: where a resumed run left off (checked with parseRunProgress); null for a fresh run. */
  constructor(private readonly config: TrainConfig, private readonly scenario: Scenario, progress: RunProgress | null) {
    this.rows = progress ? progress.rows.slice() : [];
    this.episodesWritten = progress?.episodesWritten ?? 0;
    this.episode = progress ? { ...progress.episode } : emptySums(0);
  }

  /** Adds iteration m (run clock `now`); closes the episode when m is its last slot. */
  add(m: IterationMetrics, now: () => number): void {
    addToSums(this.episode, m);
    if ((m.iteration + 1) % this.scenario.slotsPerEpisode === 0) {
      const wall = now();
      this.episodesWritten++;
      this.rows.push(this.row(this.episodesWritten, this.episode, m.iteration + 1, wall));
      this.episode = emptySums(wall);
    }
  }

  private row(index: number, sums: EpisodeSums, iteration: number, now: number): string {
    const m = meansOf(sums);
    const seconds = now - sums.startWall;
    return [index, iteration, m.reward, m.lComp, m.lAigc, m.lVe, m.lTotal, m.criticLoss, m.actorLoss, now,
      seconds > 0 ? (this.config.envs * sums.iterations) / seconds : NaN].map(text).join(',');
  }

  /** metrics.csv: the header, a row per finished episode, and one for the episode in progress (if it has begun). */
  metricsText(iteration: number, now: number): string {
    const partial = this.episode.iterations > 0 ? [this.row(this.episodesWritten + 1, this.episode, iteration, now)] : [];
    return [METRICS_HEADER, ...this.rows, ...partial].join('\n') + '\n';
  }

  /** The checkpoint's `progress` metadata. */
  progress(wallSeconds: number): RunProgress {
    return { episodesWritten: this.episodesWritten, wallSeconds, episode: { ...this.episode }, rows: this.rows.slice() };
  }
}

const finite = z.number();
const count = z.number().int().min(0);
const progressSchema = z.strictObject({
  episodesWritten: count,
  wallSeconds: finite.min(0),
  episode: z.strictObject({
    iterations: count, lossIterations: count, startWall: finite.min(0),
    reward: finite.max(0), lComp: finite.min(0), lAigc: finite.min(0), lVe: finite.min(0), lTotal: finite.min(0),
    criticLoss: finite, actorLoss: finite,
  }),
  rows: z.array(z.string()),
  evaluations: z.array(z.string()).optional(),
});

/**
 * Largest relative difference accepted between a total and the sum of its parts (L_total against L_comp + L_aigc +
 * L_ve, the reward against -L_total): the GPU reduces each measure in float32 on its own (~1e-6), far below what any
 * forged total that is not the sum of its parts shows.
 */
export const PROGRESS_SUM_TOLERANCE = 1e-4;

/**
 * Why the measures are not their own sums (reward = -L_total, and L_total = L_comp + L_aigc + L_ve where `parts`: a
 * world of at most one user of each type, always active; with more, L_comp etc. are means over active users), or null.
 */
function inconsistentMeasures(m: { reward: number; lComp: number; lAigc: number; lVe: number; lTotal: number }, parts: boolean): string | null {
  const close = (a: number, b: number) => Math.abs(a - b) <= PROGRESS_SUM_TOLERANCE * Math.max(Math.abs(a), Math.abs(b));
  const sum = m.lComp + m.lAigc + m.lVe;
  if (parts && !close(m.lTotal, sum)) return `L_total ${m.lTotal} is not L_comp + L_aigc + L_ve = ${sum}`;
  if (!close(m.reward, -m.lTotal)) return `reward ${m.reward} is not -L_total = ${-m.lTotal}`;
  return null;
}

/** A metrics row: episode, iteration, 5 finite measures (reward <= 0, latencies >= 0), 2 losses, wall, samples/s. */
function checkRow(row: string, index: number, slots: number, wallSeconds: number, parts: boolean): string | null {
  const fields = row.split(',');
  if (fields.length !== METRICS_COLUMNS.length) return `has ${fields.length} fields, expected ${METRICS_COLUMNS.length}`;
  const v = fields.map(Number);
  if (fields.some((f) => f.trim() === '' || (Number.isNaN(Number(f)) && f !== 'NaN'))) return 'holds a field that is not a number';
  if (v[COLUMN.episode] !== index + 1) return `is numbered episode ${fields[COLUMN.episode]}, expected ${index + 1}`;
  if (v[COLUMN.iteration] !== (index + 1) * slots) return `ends at iteration ${fields[COLUMN.iteration]}, expected ${(index + 1) * slots}`;
  const latencies = v.slice(COLUMN.l_comp, COLUMN.l_total + 1);
  if (!Number.isFinite(v[COLUMN.reward]) || v[COLUMN.reward] > 0 || !latencies.every((x) => Number.isFinite(x) && x >= 0)) {
    return 'holds a reward or latency that is not a finite measure';
  }
  const wall = v[COLUMN.wall_s];
  if (!(wall >= 0 && wall <= wallSeconds)) return `holds wall time ${fields[COLUMN.wall_s]}, outside [0, ${wallSeconds}]`;
  const sums = inconsistentMeasures({ reward: v[COLUMN.reward], lComp: v[COLUMN.l_comp], lAigc: v[COLUMN.l_aigc], lVe: v[COLUMN.l_ve], lTotal: v[COLUMN.l_total] }, parts);
  return sums ? `holds measures that are not their own sums: ${sums}` : null;
}

/**
 * The checkpoint's `progress` metadata, checked against the run: `iteration` completed iterations of `config` on
 * `scenario` make floor(iteration / slots) finished episodes (one row each, numbered and ending where they must) and an
 * episode in progress of the remaining iterations, of which those with updates carry losses. A UserError otherwise.
 */
export function parseRunProgress(json: unknown, run: { config: TrainConfig; scenario: Scenario; iteration: number; source: string }): RunProgress {
  const bad = (what: string) => new UserError(`${run.source}: metadata progress: ${what}; it does not fit the checkpoint (forged or corrupted?)`);
  const parsed = progressSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw bad(`${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const progress = parsed.data;
  const slots = run.scenario.slotsPerEpisode;
  const episodes = Math.floor(run.iteration / slots);
  const inEpisode = run.iteration - episodes * slots;
  const withUpdates = iterationsWithUpdates(run.config, episodes * slots, run.iteration);
  const { episode } = progress;
  if (progress.episodesWritten !== episodes) throw bad(`episodesWritten is ${progress.episodesWritten}, but ${run.iteration} iterations of ${slots} slots make ${episodes} episodes`);
  if (progress.rows.length !== episodes) throw bad(`${progress.rows.length} rows for ${episodes} finished episodes`);
  if (episode.iterations !== inEpisode) throw bad(`the episode in progress has ${episode.iterations} iterations, expected ${inEpisode}`);
  if (episode.lossIterations !== withUpdates) throw bad(`the episode in progress has ${episode.lossIterations} iterations with updates, expected ${withUpdates}`);
  if (inEpisode === 0 && (episode.reward !== 0 || episode.lTotal !== 0)) throw bad('the episode in progress has no iterations but non-zero sums');
  if (episode.startWall > progress.wallSeconds) throw bad(`the episode in progress starts at ${episode.startWall} s, after the run's ${progress.wallSeconds} s`);
  const { comp, aigc, ve } = worldOf(run.scenario).users;
  const parts = [comp, aigc, ve].every((u) => u.count <= 1 && u.activity === 1);
  const sums = inconsistentMeasures(episode, parts);
  if (sums) throw bad(`the sums of the episode in progress are not their own sums: ${sums}`);
  progress.rows.forEach((row, i) => {
    const problem = checkRow(row, i, slots, progress.wallSeconds, parts);
    if (problem) throw bad(`row ${i + 1} ${problem}`);
  });
  const evaluations = evaluationRowsProblem(progress.evaluations ?? [], run.iteration, progress.wallSeconds);
  if (evaluations) throw bad(evaluations);
  return progress;
}
