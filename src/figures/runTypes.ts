// What the figures read from a training run: the policies, the users, per-episode metrics and the evaluation (types
// and names only, no file access: the web page draws its figures from them too).
export const POLICIES = ['lara', 'fra', 'rra', 'opt'] as const;
export type Policy = (typeof POLICIES)[number];
export const USERS = ['comp', 'aigc', 've'] as const;
export type User = (typeof USERS)[number];

/** One row of metrics.csv per training episode (reward = mean true per-slot reward -L_total; latencies in s). */
export interface EpisodeMetrics {
  episode: Float64Array;
  reward: Float64Array;
  l_comp: Float64Array;
  l_aigc: Float64Array;
  l_ve: Float64Array;
  l_total: Float64Array;
}

export interface PolicyLatency { comp: number; aigc: number; ve: number; total: number }

export interface Evaluation {
  slots: number;
  policies: Record<Policy, PolicyLatency>;
  /** A world's OPT: false where some slot's optimum was only bounded (the best association found), absent on the letter. */
  optExact?: boolean;
}

export interface RunConfigFile {
  train: Record<string, unknown>;
  scenario: unknown;
  device?: string;
  adapter?: unknown;
  version?: string;
}

/** A finished training run read from its folder (evaluation.json only where the run was evaluated). */
export interface TrainingRun {
  directory: string;
  config: RunConfigFile;
  metrics: EpisodeMetrics;
  evaluation?: Evaluation;
}
