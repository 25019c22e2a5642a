// Vega-lite specs of Figures 3, 4 and 5: axis titles with units, a legend, and a caption naming scenario and seeds.
import type { TopLevelSpec } from 'vega-lite';
import { POLICY_LABELS, USER_LABELS, type PolicyLatencyRow, type RewardRow, type UserLatencyRow } from './data.js';
import { POLICIES, USERS } from './runTypes.js';

/** The one font family every figure names; its TTF files ship with the npm package dejavu-fonts-ttf (render.ts). */
export const FIGURE_FONT = 'DejaVu Sans';
const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
const PLOT_WIDTH = 600;
const PLOT_HEIGHT = 320;
/** Series with at most this many episodes get a dot on every point (a few points read better as dots). */
const MAX_EPISODES_WITH_DOTS = 30;

/**
 * Whose latencies Figs. 4 and 5 show: the letter's three users, or a world's service types (per type the mean latency
 * of an active user, and in Fig. 5 the mean L_total per slot over the slot's active users).
 */
export type LatencySubject = 'users' | 'types';

/** The titles of Figs. 4 and 5 for their subject. */
export function latencyTitles(subject: LatencySubject): { userLatency: string; policyLatency: string } {
  return subject === 'users'
    ? { userLatency: 'Fig. 4 — Each user\'s latency during training (LARA)', policyLatency: 'Fig. 5 — Mean latency per user and in total: LARA against FRA, RRA and OPT' }
    : { userLatency: 'Fig. 4 — Each service type\'s latency during training (LARA): the mean of an active user',
      policyLatency: 'Fig. 5 — Mean latency per service type and in total: LARA against FRA, RRA and OPT' };
}

/** A caption line for a world's Figs. 4 and 5: `world` (its description) and what its latencies are. */
export function worldCaptionLine(world: string, optExact?: boolean): string {
  const opt = optExact === undefined ? '' : optExact ? '; OPT exact on every slot' : '; OPT = the best association found where it was bounded, not enumerated';
  return `${world}: per type the mean latency of an active user, total = mean L_total per slot${opt}`;
}

/** What every caption says: the figure, then lines naming the scenario, the seeds and the training setup. */
export interface Caption {
  title: string;
  lines: string[];
}

/** Episodes are whole numbers: integer ticks only. */
const EPISODE_AXIS = { tickMinStep: 1, format: 'd' } as const;

/** Legend entries drawn as solid line segments (not as the pale band). */
const LINE_LEGEND = { symbolType: 'stroke', symbolOpacity: 1, symbolStrokeWidth: 3 } as const;

const CONFIG = {
  font: FIGURE_FONT,
  background: 'white',
  title: { fontSize: 15, subtitleFontSize: 11, subtitleColor: '#444', anchor: 'start', offset: 12, subtitlePadding: 4 },
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', gridColor: '#e6e6e6' },
  legend: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', labelLimit: 400, titleLimit: 400, orient: 'right' },
  view: { stroke: '#bbb' },
} as const;

function title(caption: Caption) {
  return { text: caption.title, subtitle: caption.lines };
}

function episodeAxis(slotsPerEpisode: number | undefined) {
  return slotsPerEpisode ? `Training episode (${slotsPerEpisode} time slots each)` : 'Training episode';
}

/** A mean line and its ±1 sd band (over seeds) per series against training episodes: the layers of Figures 3 and 4. */
interface MeanBandPlot {
  /** Series in legend order, their colours and the legend title. */
  series: { order: readonly string[]; range: readonly string[]; title: string };
  episodesPerSeries: number;
  /** Fields of the mean and the band, the y axis title and (optionally) its scale. */
  y: { mean: string; low: string; high: string; title: string; scale?: { zero: boolean } };
}

function meanBandSpec(rows: readonly object[], caption: Caption, slotsPerEpisode: number | undefined, plot: MeanBandPlot): TopLevelSpec {
  const { series, y } = plot;
  return {
    $schema: SCHEMA,
    title: title(caption),
    width: PLOT_WIDTH,
    height: PLOT_HEIGHT,
    data: { values: rows.map((r) => ({ ...r })) },
    encoding: {
      x: { field: 'episode', type: 'quantitative', title: episodeAxis(slotsPerEpisode), scale: { nice: false }, axis: EPISODE_AXIS },
      color: {
        field: 'series', type: 'nominal', sort: series.order, title: series.title,
        scale: { domain: series.order, range: series.range }, legend: LINE_LEGEND,
      },
    },
    layer: [
      {
        mark: { type: 'area', opacity: 0.18 },
        encoding: {
          y: { field: y.low, type: 'quantitative', title: y.title, ...(y.scale ? { scale: y.scale } : {}) },
          y2: { field: y.high },
        },
      },
      {
        mark: { type: 'line', strokeWidth: 2, point: plot.episodesPerSeries <= MAX_EPISODES_WITH_DOTS },
        encoding: { y: { field: y.mean, type: 'quantitative' } },
      },
    ],
    config: CONFIG,
  } as TopLevelSpec;
}

/** Figure 3: episode reward against training episodes, one line (mean) and band (±1 sd over seeds) per learning rate. */
export function rewardSpec(rows: readonly RewardRow[], caption: Caption, slotsPerEpisode?: number): TopLevelSpec {
  const order = [...new Map(rows.map((r) => [r.series, r.lr_scale])).entries()].sort((a, b) => a[1] - b[1]).map(([s]) => s);
  return meanBandSpec(rows, caption, slotsPerEpisode, {
    series: { order, range: ['#d62728', '#1f77b4', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'], title: 'Learning rate (× default)' },
    episodesPerSeries: rows.length / Math.max(order.length, 1),
    y: { mean: 'reward_mean', low: 'band_low', high: 'band_high', title: 'Episode reward = −mean L_total per slot (s)', scale: { zero: false } },
  });
}

/** Figure 4: each user's (a world: each type's) latency against training episodes (mean line, ±1 sd band over seeds). */
export function userLatencySpec(rows: readonly UserLatencyRow[], caption: Caption, slotsPerEpisode?: number, subject: LatencySubject = 'users'): TopLevelSpec {
  return meanBandSpec(rows, caption, slotsPerEpisode, {
    series: { order: USERS.map((u) => USER_LABELS[u]), range: ['#1f77b4', '#d62728', '#2ca02c'], title: subject === 'users' ? 'User (service)' : 'Service type' },
    episodesPerSeries: rows.length / USERS.length,
    y: { mean: 'latency_mean_s', low: 'band_low_s', high: 'band_high_s', title: subject === 'users' ? 'Mean latency per slot (s)' : 'Mean latency of an active user (s)' },
  });
}

function gapText(gap: number, policy: string, subject: LatencySubject): string {
  // A world's OPT may be the best association found where it was bounded, not enumerated (the caption says which).
  if (policy === 'opt') return subject === 'users' ? 'OPT: per-slot optimum (lower bound)' : 'OPT: per-slot optimum';
  return `${POLICY_LABELS[policy as keyof typeof POLICY_LABELS]}: ${gap >= 0 ? '+' : '−'}${(Math.abs(gap) * 100).toFixed(1)}% vs OPT`;
}

/**
 * Figure 5: grouped bars of the mean latency per user (a world: per type, of an active user) and in total for LARA,
 * FRA, RRA and OPT, labelled with values.
 */
export function policyLatencySpec(rows: readonly PolicyLatencyRow[], caption: Caption, subject: LatencySubject = 'users'): TopLevelSpec {
  const legendOrder = POLICIES.map((p) => gapText(rows.find((r) => r.policy === p)?.gap_to_opt ?? 0, p, subject));
  const values = rows.map((r) => ({
    ...r,
    legend: gapText(r.gap_to_opt, r.policy, subject),
    band_low_s: r.latency_mean_s - r.latency_sd_s,
    band_high_s: r.latency_mean_s + r.latency_sd_s,
  }));
  const showSd = rows.some((r) => r.latency_sd_s > 0);
  const userOrder = [...USERS, 'total'];
  const offset = { field: 'policy_label', type: 'nominal', sort: POLICIES.map((p) => POLICY_LABELS[p]) } as const;
  return {
    $schema: SCHEMA,
    title: title(caption),
    width: PLOT_WIDTH,
    height: PLOT_HEIGHT,
    data: { values },
    encoding: {
      x: {
        field: 'user', type: 'nominal', sort: userOrder, scale: { paddingInner: 0.2 },
        title: subject === 'users' ? 'User: comp = task computing, aigc = AI-generated content, ve = vision enhancement, total = all three'
          : 'Service type: comp, aigc, ve = mean latency of an active user of that type; total = mean L_total per slot',
        axis: { labelAngle: 0, labelFontSize: 12 },
      },
      xOffset: offset,
    },
    layer: [
      {
        mark: { type: 'bar' },
        encoding: {
          y: { field: 'latency_mean_s', type: 'quantitative', title: subject === 'users' ? 'Mean latency per slot (s)' : 'Mean latency (s)' },
          color: {
            field: 'legend', type: 'nominal', sort: legendOrder, title: 'Policy (gap in mean total latency)',
            scale: { domain: legendOrder, range: ['#1f77b4', '#ff7f0e', '#9e9e9e', '#2ca02c'] },
          },
        },
      },
      ...(showSd ? [{
        mark: { type: 'rule', color: '#222', strokeWidth: 1 },
        encoding: { y: { field: 'band_low_s', type: 'quantitative' }, y2: { field: 'band_high_s' } },
      }] : []),
      {
        mark: { type: 'text', dy: -4, baseline: 'bottom', fontSize: 9, color: '#222' },
        encoding: {
          y: { field: showSd ? 'band_high_s' : 'latency_mean_s', type: 'quantitative' },
          text: { field: 'latency_mean_s', type: 'quantitative', format: '.3~r' },
        },
      },
    ],
    config: CONFIG,
  } as TopLevelSpec;
}

