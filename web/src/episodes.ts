// Per-episode means of the trainer's per-iteration metrics, as metrics.csv has them (the episode in progress included),
// and the run record the figure tables (src/figures/data.ts) are built from.
import type { EpisodeMetrics, Evaluation, TrainingRun } from '../../src/figures/runTypes.js';
import { scenarioToJson, type Scenario } from '../../src/scenario.js';
import type { TrainConfig } from '../../src/train/config.js';
import type { IterationMetrics } from '../../src/train/gpuTrainer.js';

interface EpisodeMeans { episode: number; reward: number; lComp: number; lAigc: number; lVe: number; lTotal: number }
const MEASURES = ['reward', 'lComp', 'lAigc', 'lVe', 'lTotal'] as const;

export class EpisodeSeries {
  private readonly finished: EpisodeMeans[] = [];
  private sums = { reward: 0, lComp: 0, lAigc: 0, lVe: 0, lTotal: 0 };
  private count = 0;

  constructor(readonly slotsPerEpisode: number) {}

  /** Adds iterations in order; an episode closes after its slotsPerEpisode-th iteration. */
  add(rows: readonly IterationMetrics[]): void {
    for (const m of rows) {
      for (const k of MEASURES) this.sums[k] += m[k];
      this.count++;
      if ((m.iteration + 1) % this.slotsPerEpisode === 0) {
        this.finished.push(this.means(Math.floor(m.iteration / this.slotsPerEpisode) + 1));
        this.sums = { reward: 0, lComp: 0, lAigc: 0, lVe: 0, lTotal: 0 };
        this.count = 0;
      }
    }
  }

  private means(episode: number): EpisodeMeans {
    const n = this.count;
    return { episode, reward: this.sums.reward / n, lComp: this.sums.lComp / n, lAigc: this.sums.lAigc / n, lVe: this.sums.lVe / n, lTotal: this.sums.lTotal / n };
  }

  /** Episodes so far: the finished ones and the one in progress (its mean so far). */
  metrics(): EpisodeMetrics {
    const all = this.count > 0 ? [...this.finished, this.means(this.finished.length + 1)] : this.finished;
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
