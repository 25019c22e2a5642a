// Per-episode means of the trainer's per-iteration metrics, as metrics.csv has them (the episode in progress included),
// and the run record the figure tables (src/figures/data.ts) are built from.
import type { EpisodeMetrics, Evaluation, TrainingRun } from '../../src/figures/runTypes.js';
import { scenarioToJson, type Scenario } from '../../src/scenario.js';
import type { TrainConfig } from '../../src/train/config.js';
import { addToSums, emptySums, meansOf, type EpisodeSums } from '../../src/train/episodeLog.js';
import type { IterationMetrics } from '../../src/train/gpuTrainer.js';
import type { TrainingMeasures } from '../../src/train/reference.js';

interface EpisodeMeans extends TrainingMeasures { episode: number }

/** Episode means as `megc train`'s metrics.csv computes them (addToSums, meansOf of src/train/episodeLog.ts). */
export class EpisodeSeries {
  private readonly finished: EpisodeMeans[] = [];
  private sums: EpisodeSums = emptySums(0);

  constructor(readonly slotsPerEpisode: number) {}

  /** Adds iterations in order; an episode closes after its slotsPerEpisode-th iteration. */
  add(rows: readonly IterationMetrics[]): void {
    for (const m of rows) {
      addToSums(this.sums, m);
      if ((m.iteration + 1) % this.slotsPerEpisode === 0) {
        this.finished.push({ episode: Math.floor(m.iteration / this.slotsPerEpisode) + 1, ...meansOf(this.sums) });
        this.sums = emptySums(0);
      }
    }
  }

  /** Episodes so far: the finished ones and the one in progress (its mean so far). */
  metrics(): EpisodeMetrics {
    const current = this.sums.iterations > 0 ? [{ episode: this.finished.length + 1, ...meansOf(this.sums) }] : [];
    const all = [...this.finished, ...current];
    const column = (f: (e: EpisodeMeans) => number) => Float64Array.from(all, f);
    return {
      episode: column((e) => e.episode), reward: column((e) => e.reward), l_comp: column((e) => e.lComp),
      l_aigc: column((e) => e.lAigc), l_ve: column((e) => e.lVe), l_total: column((e) => e.lTotal),
    };
  }
}

/** The page's run as src/figures reads a run folder. */
export function pageRun(config: TrainConfig, scenario: Scenario, metrics: EpisodeMetrics, evaluation?: Evaluation): TrainingRun {
  return { directory: 'this page', config: { train: { ...config }, scenario: scenarioToJson(scenario), device: 'gpu' }, metrics, evaluation };
}
