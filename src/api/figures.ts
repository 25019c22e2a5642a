// Results as `megc train` and `megc figures` show them: a comparison's table rows, episode means of a run's metrics, and
// the vega-lite specs of Figures 3, 4 and 5 for one run (src/figures/specs.ts), which the web page draws.
import type { TopLevelSpec } from 'vega-lite';
import { learningRateLabel, policyLatencyTable, rewardTable, shortNumber, userLatencyTable } from '../figures/data.js';
import type { EpisodeMetrics, TrainingRun } from '../figures/runTypes.js';
import { latencyTitles, policyLatencySpec, rewardSpec, userLatencySpec, worldCaptionLine, type LatencySubject } from '../figures/specs.js';
import { scenarioToJson, type Scenario } from '../scenario.js';
import type { TrainConfig } from '../train/config.js';
import { addToSums, emptySums, meansOf, type EpisodeSums } from '../train/episodeLog.js';
import { evaluationRows } from '../train/runEvaluation.js';
import { isLetter, worldOf, worldSummary } from '../world/world.js';
import type { ComparisonRow, EpisodeMeans, FigureCaption, IterationMetrics, PolicyComparison } from './types.js';

/**
 * A figure as a vega-lite specification with its data inline: render it with vega-lite's `compile` and vega's `View`
 * (or vega-embed), as the web page does; `megc figures` renders the same specs to SVG and PNG.
 */
export type FigureSpec = TopLevelSpec;

/**
 * The rows of a comparison's table in the order `megc train` prints them: LARA, the hybrids (where the policy
 * associates), FRA, RRA, the association baselines (where the policy associates), OPT.
 */
export function comparisonRows(comparison: PolicyComparison): ComparisonRow[] {
  const { lara, fra, rra, opt, associations, hybrid, searched, optExact } = comparison;
  return evaluationRows({ policies: { lara, fra, rra, opt, ...associations, ...(hybrid ? { hybrid } : {}), ...(searched ? { searched } : {}) }, optExact });
}

/**
 * Per-episode means of a run's iteration metrics (TrainingResult.metrics, or the rows of onProgress in order), as
 * metrics.csv has them: one per episode of `slotsPerEpisode` iterations, the one in progress (its mean so far) last.
 */
export function episodeMeans(metrics: readonly IterationMetrics[], slotsPerEpisode: number): EpisodeMeans[] {
  const episodes: EpisodeMeans[] = [];
  let sums: EpisodeSums = emptySums(0);
  let episode = 0;
  const close = () => { if (sums.iterations > 0) episodes.push({ episode, ...meansOf(sums) }); };
  for (const m of metrics) {
    const index = Math.floor(m.iteration / slotsPerEpisode) + 1;
    if (index !== episode) { close(); sums = emptySums(0); episode = index; }
    addToSums(sums, m);
  }
  close();
  return episodes;
}

/** A world's description for the captions; undefined for the letter's world. */
function worldLine(scenario: Scenario): string | undefined {
  const world = worldOf(scenario);
  return isLetter(world) ? undefined : worldSummary(world);
}

const subjectOf = (world: string | undefined): LatencySubject => (world === undefined ? 'users' : 'types');

/**
 * Fig. 3 (episode reward) and Fig. 4 (each user's latency; a world's: each service type's, of an active user) of one
 * run from its episode means (episodeMeans), trained with `config`; the caption's lines come before the learning rates.
 */
export function trainingFigures(episodes: readonly EpisodeMeans[], config: TrainConfig, caption: FigureCaption): { reward: FigureSpec; latency: FigureSpec } {
  const column = (f: (e: EpisodeMeans) => number) => Float64Array.from(episodes, f);
  const metrics: EpisodeMetrics = {
    episode: column((e) => e.episode), reward: column((e) => e.reward), l_comp: column((e) => e.lComp),
    l_aigc: column((e) => e.lAigc), l_ve: column((e) => e.lVe), l_total: column((e) => e.lTotal),
  };
  const run: TrainingRun = { directory: 'run', config: { train: { ...config }, scenario: scenarioToJson(caption.scenario) }, metrics };
  const group = { scale: 1, lrActor: config.lrActor, lrCritic: config.lrCritic, runs: [run] };
  const world = worldLine(caption.scenario);
  const lines = caption.lines ?? [];
  const { slotsPerEpisode } = caption.scenario;
  return {
    reward: rewardSpec(rewardTable([group]), {
      title: 'Fig. 3 — Episode reward during training',
      lines: [...lines, `learning rate ${learningRateLabel(group)}`],
    }, slotsPerEpisode),
    latency: userLatencySpec(userLatencyTable([run]), {
      title: latencyTitles(subjectOf(world)).userLatency,
      lines: [...(world === undefined ? [] : [worldCaptionLine(world)]), ...lines, `lr actor ${shortNumber(config.lrActor)} / critic ${shortNumber(config.lrCritic)}`],
    }, slotsPerEpisode, subjectOf(world)),
  };
}

/**
 * Fig. 5: the mean latency per user (a world: per service type, of an active user) and in total of LARA, FRA, RRA and
 * OPT in a comparison (evaluateLara), each labelled with its gap to OPT; the caption's lines come last.
 */
export function comparisonFigure(comparison: PolicyComparison, caption: FigureCaption): FigureSpec {
  const { slots, lara, fra, rra, opt, optExact } = comparison;
  const run: TrainingRun = {
    directory: 'run', config: { train: {}, scenario: scenarioToJson(caption.scenario) },
    metrics: { episode: new Float64Array(), reward: new Float64Array(), l_comp: new Float64Array(), l_aigc: new Float64Array(), l_ve: new Float64Array(), l_total: new Float64Array() },
    evaluation: { slots, policies: { lara, fra, rra, opt }, optExact },
  };
  const world = worldLine(caption.scenario);
  return policyLatencySpec(policyLatencyTable([run]), {
    title: latencyTitles(subjectOf(world)).policyLatency,
    lines: [...(world === undefined ? [] : [worldCaptionLine(world, optExact)]), `${slots} evaluation slots, the same states for every policy`, ...(caption.lines ?? [])],
  }, subjectOf(world));
}
