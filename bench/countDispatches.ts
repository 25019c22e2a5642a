// Dispatches one training iteration records, counted by a Recorder that only counts (nothing is encoded or run).
import type { Dispatch, Recorder } from '../src/gpu/kernel.js';
import type { GpuTrainer } from '../src/train/gpuTrainer.js';

/** Counts dispatches per kernel name. */
export class CountingRecorder implements Recorder {
  readonly counts = new Map<string, number>();
  total = 0;
  dispatch(d: Dispatch): void {
    this.total++;
    this.counts.set(d.pipeline.kernel, (this.counts.get(d.pipeline.kernel) ?? 0) + 1);
  }
}

/** Dispatches one iteration that acts with the actor and runs its updates records. */
export function dispatchesPerIteration(trainer: GpuTrainer): CountingRecorder {
  const counter = new CountingRecorder();
  trainer.encodeSteadyIteration(counter);
  return counter;
}
