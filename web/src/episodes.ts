// Per-episode means of the trainer's per-iteration metrics, as metrics.csv has them (the episode in progress included),
// gathered chunk by chunk while the page trains.
import { episodeMeans, type EpisodeMeans, type IterationMetrics } from '../../src/index.browser.js';

/** Episode means as `megc train`'s metrics.csv computes them (episodeMeans), kept as the chunks come. */
export class EpisodeSeries {
  private readonly finished: EpisodeMeans[] = [];
  /** The iterations of the episode in progress. */
  private current: IterationMetrics[] = [];

  constructor(readonly slotsPerEpisode: number) {}

  /** Adds iterations in order; an episode closes after its slotsPerEpisode-th iteration. */
  add(rows: readonly IterationMetrics[]): void {
    for (const m of rows) {
      this.current.push(m);
      if ((m.iteration + 1) % this.slotsPerEpisode === 0) {
        this.finished.push(...episodeMeans(this.current, this.slotsPerEpisode));
        this.current = [];
      }
    }
  }

  /** Episodes so far: the finished ones and the one in progress (its mean so far). */
  episodes(): EpisodeMeans[] {
    return [...this.finished, ...episodeMeans(this.current, this.slotsPerEpisode)];
  }
}
