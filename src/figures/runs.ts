// Training run folders as the figures read them: metrics.csv, config.json and evaluation.json, validated.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { UserError } from '../errors.js';
import { parseJson } from '../json.js';
import { readCsv } from '../io/csv.js';
import type { EpisodeMetrics, Evaluation, RunConfigFile, TrainingRun } from './runTypes.js';
import { CHECKPOINT_FILE } from '../train/checkpoint.js';

export { POLICIES, USERS, type EpisodeMetrics, type Evaluation, type Policy, type PolicyLatency, type RunConfigFile, type TrainingRun, type User } from './runTypes.js';

const METRIC_COLUMNS = ['episode', 'reward', 'l_comp', 'l_aigc', 'l_ve', 'l_total'] as const;

const latencySchema = z.object({
  comp: z.number().nonnegative(), aigc: z.number().nonnegative(), ve: z.number().nonnegative(), total: z.number().nonnegative(),
});
const evaluationSchema = z.object({
  slots: z.number().int().positive(),
  policies: z.object({ lara: latencySchema, fra: latencySchema, rra: latencySchema, opt: latencySchema }),
  optExact: z.boolean().optional(),
});
const configSchema = z.object({
  train: z.record(z.string(), z.unknown()),
  scenario: z.unknown(),
  device: z.string().optional(),
  adapter: z.unknown().optional(),
  version: z.string().optional(),
});

function readJson<T>(path: string, schema: z.ZodType<T>): T {
  if (!existsSync(path)) throw new UserError(`${path}: no such file`);
  let data: unknown;
  try {
    data = parseJson(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UserError(`${path}: not valid JSON (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`);
  }
  const result = schema.safeParse(data);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new UserError(`${path}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return result.data;
}

/** Reads DIR/metrics.csv; rows are sorted by episode, and rows sharing an episode are averaged. */
export function readMetrics(path: string): EpisodeMetrics {
  const table = readCsv(path, {
    required: METRIC_COLUMNS,
    allowUnknown: true,
    nonNegative: ['episode', 'l_comp', 'l_aigc', 'l_ve', 'l_total'],
  });
  const byEpisode = new Map<number, { sums: number[]; count: number }>();
  for (let row = 0; row < table.rows; row++) {
    const episode = table.columns.episode[row];
    let entry = byEpisode.get(episode);
    if (!entry) { entry = { sums: [0, 0, 0, 0, 0], count: 0 }; byEpisode.set(episode, entry); }
    METRIC_COLUMNS.slice(1).forEach((name, i) => { entry!.sums[i] += table.columns[name][row]; });
    entry.count += 1;
  }
  const episodes = [...byEpisode.keys()].sort((a, b) => a - b);
  const metrics: EpisodeMetrics = {
    episode: Float64Array.from(episodes),
    reward: new Float64Array(episodes.length),
    l_comp: new Float64Array(episodes.length),
    l_aigc: new Float64Array(episodes.length),
    l_ve: new Float64Array(episodes.length),
    l_total: new Float64Array(episodes.length),
  };
  episodes.forEach((episode, row) => {
    const { sums, count } = byEpisode.get(episode)!;
    METRIC_COLUMNS.slice(1).forEach((name, i) => { metrics[name][row] = sums[i] / count; });
  });
  return metrics;
}

export function readEvaluation(path: string): Evaluation {
  return readJson(path, evaluationSchema);
}

export function readRunConfig(path: string): RunConfigFile {
  return readJson(path, configSchema);
}

/** Reads a finished run: config.json and metrics.csv, and evaluation.json when `withEvaluation`. */
export function readRun(directory: string, withEvaluation = true): TrainingRun {
  return {
    directory,
    config: readRunConfig(join(directory, 'config.json')),
    metrics: readMetrics(join(directory, 'metrics.csv')),
    evaluation: withEvaluation ? readEvaluation(join(directory, 'evaluation.json')) : undefined,
  };
}

/** JSON with object keys sorted at every depth, so equal values give equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return v;
  });
}

/**
 * Why the run in `directory` cannot be reused for this train config and scenario, or null when it can: the files
 * present (evaluation.json only when `withEvaluation`), and config.json's train and scenario equal to the requested
 * ones on every key of `train` and `scenario` (keys the trainer adds, such as derived values, are ignored).
 */
export function runMismatch(
  directory: string, train: Record<string, unknown>, scenario: Record<string, unknown>, withEvaluation = true,
): string | null {
  for (const file of ['config.json', 'metrics.csv', ...(withEvaluation ? ['evaluation.json'] : [])]) {
    if (!existsSync(join(directory, file))) return `no ${file} (unfinished or absent)`;
  }
  let stored: RunConfigFile;
  try {
    stored = readRunConfig(join(directory, 'config.json'));
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  for (const [key, value] of Object.entries(train)) {
    if (canonicalJson(stored.train[key]) !== canonicalJson(value)) {
      return `train.${key} is ${canonicalJson(stored.train[key]) ?? 'missing'}, wanted ${canonicalJson(value)}`;
    }
  }
  const storedScenario = (stored.scenario ?? {}) as Record<string, unknown>;
  for (const [key, value] of Object.entries(scenario)) {
    if (canonicalJson(storedScenario[key]) !== canonicalJson(value)) {
      return `scenario.${key} is ${canonicalJson(storedScenario[key]) ?? 'missing'}, wanted ${canonicalJson(value)}`;
    }
  }
  return null;
}

/** The last iteration metrics.csv records (its last row's), or null when it has none or cannot be read. */
function lastRecordedIteration(path: string): number | null {
  try {
    const table = readCsv(path, { required: ['iteration'], allowUnknown: true, allowInfinity: true, nonNegative: false, minRows: 0 });
    return table.rows > 0 ? table.columns.iteration[table.rows - 1] : null;
  } catch {
    return null;
  }
}

/**
 * What the figures do with the run folder `directory`: reuse a complete run of this config (all iterations in
 * metrics.csv, evaluation.json when needed), resume one that was stopped (same config, a checkpoint), or train a new
 * one (absent, another config, or stopped before its first checkpoint); `reason` says why, for the log.
 */
export function runStatus(
  directory: string, train: Record<string, unknown>, scenario: Record<string, unknown>, withEvaluation = true,
): { action: 'reuse' | 'resume' | 'train'; reason: string } {
  const configMismatch = runMismatch(directory, train, scenario, false);
  if (configMismatch !== null) return { action: 'train', reason: configMismatch };
  const iterations = Number(train.iterations);
  const last = lastRecordedIteration(join(directory, 'metrics.csv'));
  const complete = last === iterations && (!withEvaluation || existsSync(join(directory, 'evaluation.json')));
  if (complete) return { action: 'reuse', reason: 'config matches, complete' };
  const where = last === iterations ? 'trained, not yet evaluated' : `stopped at iteration ${last ?? 0} of ${iterations}`;
  if (existsSync(join(directory, CHECKPOINT_FILE))) return { action: 'resume', reason: where };
  return { action: 'train', reason: `${where}, no checkpoint` };
}
