// The two trainers behind one interface as a run drives them: the GPU trainer, or the float64 CPU reference stepped in
// chunks of iterationsPerSubmit (yielding between iterations so that signals and timers get in).
import { describeAdapter, type Gpu } from '../gpu/runtime.js';
import type { Scenario } from '../scenario.js';
import type { TrainerSnapshot } from './checkpoint.js';
import type { TrainConfig } from './config.js';
import { GpuTrainer, type GpuTrainerOptions } from './gpuTrainer.js';
import type { KernelOptions, RunPlan } from './runPlan.js';
import { ReferenceTrainer, type IterationMetrics } from './reference.js';
import { yieldToEvents } from '../yieldToEvents.js';
import { chunkLength } from './derive.js';

/** A trainer as a run drives it (GPU or CPU). */
export interface Driver {
  readonly iteration: number;
  readonly adapter: string;
  /** The GPU trainer's resolved run plan (undefined on the CPU): config.json and the checkpoint record its plans. */
  readonly plan?: RunPlan;
  /**
   * Runs up to `iterations` more, calling onChunk after each chunk (false stops); shouldStop is polled between chunks
   * (the CPU: between iterations). With `actorEvery`, chunks also end after every actorEvery-th iteration, and those
   * chunks' onChunk gets a copy of the actor's params as it left them.
   */
  run(iterations: number, onChunk: (rows: IterationMetrics[], actor?: ArrayLike<number>) => boolean | void, shouldStop: () => boolean,
      actorEvery?: number): Promise<void>;
  snapshot(): Promise<TrainerSnapshot>;
  destroy(): void;
}

function cpuDriver(trainer: ReferenceTrainer): Driver {
  return {
    get iteration() { return trainer.iteration; },
    adapter: 'cpu (float64 reference)',
    async run(iterations, onChunk, shouldStop, actorEvery) {
      const end = Math.min(trainer.config.iterations, trainer.iteration + iterations);
      while (trainer.iteration < end && !shouldStop()) {
        const rows: IterationMetrics[] = [];
        const count = chunkLength(trainer.iteration, trainer.config.iterationsPerSubmit, end, actorEvery);
        for (let i = 0; i < count; i++) {
          rows.push(trainer.step());
          // Signals and timers get in between iterations: a stop ends the chunk early (at an iteration boundary, so
          // a resume continues exactly), however many iterations the chunk was to hold.
          await yieldToEvents();
          if (shouldStop()) break;
        }
        const copy = actorEvery && trainer.iteration % actorEvery === 0 ? trainer.actorParams.slice() : undefined;
        if (onChunk(rows, copy) === false) break;
      }
    },
    async snapshot() { return trainer.snapshot(); },
    destroy() {},
  };
}

function gpuDriver(trainer: GpuTrainer, gpu: Gpu): Driver {
  return {
    get iteration() { return trainer.iteration; },
    adapter: describeAdapter(gpu.info),
    get plan() { return trainer.plan; },
    run: (iterations, onChunk, shouldStop, actorEvery) => trainer.run(iterations, onChunk, shouldStop, actorEvery),
    snapshot: () => trainer.snapshot(),
    destroy: () => trainer.destroy(),
  };
}

/** The trainer of a run on `gpu` (or the CPU reference without one), fresh or from `snapshot`. */
export async function createDriver(scenario: Scenario, config: TrainConfig, gpu: Gpu | undefined,
                                   options: { snapshot?: TrainerSnapshot; evaluate: boolean; kernels?: KernelOptions } & Pick<GpuTrainerOptions, 'profiler'>): Promise<Driver> {
  const { snapshot, evaluate, kernels, profiler } = options;
  if (gpu) return gpuDriver(await GpuTrainer.create(gpu, scenario, config, { snapshot, evaluate, ...kernels, profiler }), gpu);
  return cpuDriver(snapshot ? ReferenceTrainer.fromSnapshot(scenario, config, snapshot) : new ReferenceTrainer(scenario, config));
}
