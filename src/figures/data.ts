// The tables behind Figures 3, 4 and 5: seeds aggregated to a mean and a ±1 standard deviation band, and their CSV text.
import { POLICIES, USERS, type Policy, type TrainingRun, type User } from './runTypes.js';

/** Mean and sample standard deviation (n - 1; 0 for a single value). */
export function meanAndSd(values: readonly number[]): { mean: number; sd: number } {
  const n = values.length;
  if (n === 0) throw new Error('meanAndSd: no values');
  const mean = values.reduce((s, v) => s + v, 0) / n;
  if (n === 1) return { mean, sd: 0 };
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1);
  return { mean, sd: Math.sqrt(variance) };
}

/** A value column of one run's metrics. */
type MetricColumn = 'reward' | 'l_comp' | 'l_aigc' | 'l_ve' | 'l_total';

/** Per episode present in every run: seeds count, mean and sd of `column` across the runs. */
export function episodeBands(runs: readonly TrainingRun[], column: MetricColumn) {
  if (runs.length === 0) throw new Error('episodeBands: no runs');
  const perRun = runs.map((run) => {
    const map = new Map<number, number>();
    run.metrics.episode.forEach((episode, i) => map.set(episode, run.metrics[column][i]));
    return map;
  });
  const episodes = [...perRun[0].keys()].filter((episode) => perRun.every((map) => map.has(episode)));
  return episodes.map((episode) => ({ episode, seeds: runs.length, ...meanAndSd(perRun.map((map) => map.get(episode)!)) }));
}

/** A learning-rate setting of Figure 3 and its runs (one per seed). */
export interface LearningRateGroup {
  scale: number;
  lrActor: number;
  lrCritic: number;
  runs: TrainingRun[];
}

/** Short number for labels: 3e-4, 0.001 -> 1e-3, 0.5. */
export function shortNumber(x: number): string {
  if (x !== 0 && (Math.abs(x) < 0.01 || Math.abs(x) >= 1e4)) {
    const [mantissa, exponent] = x.toExponential().split('e');
    return `${Number(Number(mantissa).toPrecision(3))}e${Number(exponent)}`;
  }
  return String(Number(x.toPrecision(3)));
}

export function learningRateLabel(group: Pick<LearningRateGroup, 'scale' | 'lrActor' | 'lrCritic'>): string {
  return `×${shortNumber(group.scale)} (actor ${shortNumber(group.lrActor)} / critic ${shortNumber(group.lrCritic)})`;
}

export interface RewardRow {
  series: string; lr_scale: number; lr_actor: number; lr_critic: number;
  episode: number; seeds: number; reward_mean: number; reward_sd: number; band_low: number; band_high: number;
}

/** Figure 3: episode reward (mean over seeds, ±1 sd band) per learning-rate setting. */
export function rewardTable(groups: readonly LearningRateGroup[]): RewardRow[] {
  return groups.flatMap((group) => episodeBands(group.runs, 'reward').map((b) => ({
    series: learningRateLabel(group), lr_scale: group.scale, lr_actor: group.lrActor, lr_critic: group.lrCritic,
    episode: b.episode, seeds: b.seeds, reward_mean: b.mean, reward_sd: b.sd, band_low: b.mean - b.sd, band_high: b.mean + b.sd,
  })));
}

export const USER_LABELS: Record<User | 'total', string> = {
  comp: 'comp (task computing)', aigc: 'aigc (AI-generated content)', ve: 've (vision enhancement)', total: 'total',
};

export interface UserLatencyRow {
  user: User; series: string; episode: number; seeds: number;
  latency_mean_s: number; latency_sd_s: number; band_low_s: number; band_high_s: number;
}

/** Figure 4: each user's latency per episode (mean over seeds, ±1 sd band). */
export function userLatencyTable(runs: readonly TrainingRun[]): UserLatencyRow[] {
  return USERS.flatMap((user) => episodeBands(runs, `l_${user}`).map((b) => ({
    user, series: USER_LABELS[user], episode: b.episode, seeds: b.seeds,
    latency_mean_s: b.mean, latency_sd_s: b.sd, band_low_s: b.mean - b.sd, band_high_s: b.mean + b.sd,
  })));
}

export const POLICY_LABELS: Record<Policy, string> = { lara: 'LARA', fra: 'FRA', rra: 'RRA', opt: 'OPT' };

export interface PolicyLatencyRow {
  policy: Policy; policy_label: string; user: User | 'total'; user_label: string; seeds: number;
  latency_mean_s: number; latency_sd_s: number;
  /** mean L_total(policy) / mean L_total(OPT) - 1, from the seed means (the same on every row of a policy). */
  gap_to_opt: number;
}

/** Figure 5: mean latency per user and in total for each policy, over the runs' evaluation sets. */
export function policyLatencyTable(runs: readonly TrainingRun[]): PolicyLatencyRow[] {
  if (runs.length === 0) throw new Error('policyLatencyTable: no runs');
  const evaluations = runs.map((run) => {
    if (!run.evaluation) throw new Error(`policyLatencyTable: ${run.directory} has no evaluation`);
    return run.evaluation;
  });
  const totals = Object.fromEntries(POLICIES.map((p) => [p, meanAndSd(evaluations.map((e) => e.policies[p].total)).mean]));
  return POLICIES.flatMap((policy) => ([...USERS, 'total'] as const).map((user) => {
    const { mean, sd } = meanAndSd(evaluations.map((e) => e.policies[policy][user]));
    return {
      policy, policy_label: POLICY_LABELS[policy], user, user_label: USER_LABELS[user], seeds: runs.length,
      latency_mean_s: mean, latency_sd_s: sd, gap_to_opt: totals[policy] / totals.opt - 1,
    };
  }));
}

/** CSV text with a header row; text cells holding a comma or a quote are quoted. Numbers at full precision. */
export function tableCsv<Row extends object>(rows: readonly Row[], columns: readonly (keyof Row & string)[]): string {
  const cell = (value: unknown): string => {
    if (typeof value === 'number') return String(value);
    const text = String(value);
    return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return [columns.join(','), ...rows.map((row) => columns.map((c) => cell(row[c])).join(','))].join('\n') + '\n';
}

export const REWARD_COLUMNS = ['series', 'lr_scale', 'lr_actor', 'lr_critic', 'episode', 'seeds', 'reward_mean', 'reward_sd', 'band_low', 'band_high'] as const;
export const USER_LATENCY_COLUMNS = ['user', 'series', 'episode', 'seeds', 'latency_mean_s', 'latency_sd_s', 'band_low_s', 'band_high_s'] as const;
export const POLICY_LATENCY_COLUMNS = ['policy', 'policy_label', 'user', 'user_label', 'seeds', 'latency_mean_s', 'latency_sd_s', 'gap_to_opt'] as const;
