// What tests compare of run directories: every file's bytes, and metrics.csv without the clock's columns.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCsv } from '../../src/io/csv.js';

export const METRICS = ['episode', 'iteration', 'reward', 'l_comp', 'l_aigc', 'l_ve', 'l_total', 'critic_loss', 'actor_loss', 'wall_s', 'samples_per_s'];
/** Columns that depend on the clock, not on the computation. */
const CLOCK = new Set(['wall_s', 'samples_per_s']);

/** Every file of a directory with its bytes, to check that a command changed nothing. */
export function directoryContents(path: string): Record<string, string> {
  return Object.fromEntries(readdirSync(path).sort().map((f) => [f, readFileSync(join(path, f)).toString('base64')]));
}

/** A run's metrics.csv columns without the clock's, for exact comparison. */
export function metricsWithoutClock(run: string): Record<string, number[]> {
  const table = readCsv(join(run, 'metrics.csv'), { required: METRICS, allowInfinity: true, nonNegative: false });
  return Object.fromEntries(Object.entries(table.columns).filter(([k]) => !CLOCK.has(k)).map(([k, v]) => [k, [...v]]));
}
