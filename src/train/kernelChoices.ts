// How a GPU run's kernels are chosen: the defaults, the tuner (quick or full, cached per adapter), a recorded run's
// plans (`--tune FILE`), or, on a resume, the plans the run was trained with; and the per-kernel profile (--profile).
import { formatProfile, Profiler, profileRows } from '../gpu/profiler.js';
import { describeAdapter, type Gpu } from '../gpu/runtime.js';
import { Tuner, type TuneMode } from '../gpu/tuner.js';
import { FileTuneStore } from '../gpu/tuneStore.js';
import { measurePeaks } from '../nn/peaks.js';
import type { GpuTrainerOptions } from './gpuTrainer.js';
import type { TrainerPlans } from './tuning.js';

/** off, quick, full, or a run's recorded plans (read from its config.json). */
export type TuneChoice = TuneMode | { plans: TrainerPlans; source: string };

export interface KernelChoices {
  trainerOptions: Pick<GpuTrainerOptions, 'plans' | 'tuner' | 'profiler' | 'mixedPrecision'>;
  /** What config.json records (with the plans the trainer ends up with). */
  record: { mode: string; adapter: string; mixedPrecision: boolean };
  profiler?: Profiler;
  /** The per-kernel table of the iterations profiled so far. */
  report(iterations: number): Promise<string>;
}

/**
 * The trainer options that choose the kernels of a run on `gpu`. `resumed`: the plans of the run being resumed; they
 * win (the continuation is then bit-exact), unless the user gave a plans file.
 */
export async function kernelChoices(gpu: Gpu, options: { tune?: TuneChoice; mixedPrecision?: boolean; profile?: boolean },
                                    resumed: TrainerPlans | undefined, log: (line: string) => void): Promise<KernelChoices> {
  const tune = options.tune ?? 'off';
  const adapter = describeAdapter(gpu.info);
  const mixedPrecision = options.mixedPrecision ?? false;
  const needsTuner = typeof tune === 'string' && tune !== 'off' || options.profile;
  const tuner = needsTuner ? new Tuner(gpu.device, { mode: typeof tune === 'string' ? tune : 'quick', adapterKey: adapter, store: new FileTuneStore(undefined, log) }) : undefined;
  const plans = typeof tune === 'object' ? tune.plans : resumed;
  const mode = typeof tune === 'object' ? `plans of ${tune.source}` : resumed ? 'plans of the resumed run' : tune;
  const profiler = options.profile ? new Profiler(gpu.device) : undefined;
  const peaks = profiler && tuner ? await measurePeaks(tuner) : undefined;
  return {
    trainerOptions: { plans, tuner: plans || tune === 'off' ? undefined : tuner, profiler, mixedPrecision },
    record: { mode, adapter, mixedPrecision },
    profiler,
    async report(iterations) {
      if (!profiler) return '';
      const rows = profileRows(profiler.samples.values(), Math.max(1, iterations), peaks);
      const head = `per-kernel profile over ${iterations} iterations (median us per dispatch; of peak: predicted at this adapter's peaks ` +
        `${peaks ? `(${peaks.gflops.toFixed(1)} GFLOP/s matmul, ${peaks.gbps.toFixed(1)} GB/s copy) ` : ''}over measured)`;
      return `${head}\n${formatProfile(rows)}`;
    },
  };
}
