// How a GPU run's kernels are chosen: the defaults, the tuner (quick or full, cached per adapter), a recorded run's
// plans (`--tune FILE`), or, on a resume, the plans the run was trained with; and the per-kernel profile (--profile).
import { emptyDispatchNote, formatProfile, Profiler, profileRows } from '../gpu/profiler.js';
import { describeAdapter, type Gpu } from '../gpu/runtime.js';
import { DEFAULT_TUNE, tunerOf, type TuneMode } from '../gpu/tuner.js';
import { emptyDispatchMicroseconds, measurePeaks } from '../nn/peaks.js';
import type { KernelOptions } from './runPlan.js';
import type { TrainerPlans } from './tuning.js';

/** off, quick, full, or a run's recorded plans (read from its config.json). */
export type TuneChoice = TuneMode | { plans: TrainerPlans; source: string };

export interface KernelChoices {
  /** What GpuTrainer.create resolves into the run plan (runPlan.ts), with how they were chosen for config.json. */
  kernels: KernelOptions;
  /** Whether kernels.plans are the resumed run's (they may not build on this GPU: the caller may fall back to the defaults). */
  resumed: boolean;
  profiler?: Profiler;
  /** The per-kernel table of the iterations profiled so far. */
  report(iterations: number): Promise<string>;
}

/**
 * How the kernels of a run on `gpu` are chosen. `resumed`: the plans of the run being resumed; they win (the
 * continuation is then bit-exact), unless the user gave a plans file.
 */
export async function kernelChoices(gpu: Gpu, options: { tune?: TuneChoice; mixedPrecision?: boolean; profile?: boolean },
                                    resumed: TrainerPlans | undefined, log: (line: string) => void): Promise<KernelChoices> {
  const tune = options.tune ?? DEFAULT_TUNE;
  // One reading of the choice: recorded plans (given, else resumed), or a tuner mode.
  const given = typeof tune === 'object' ? tune : undefined;
  const mode: TuneMode = given ? 'quick' : tune as TuneMode;
  const plans = given?.plans ?? resumed;
  const adapter = describeAdapter(gpu.info);
  const mixedPrecision = options.mixedPrecision ?? false;
  // The profile's peaks are measured by the tuner's timer, whatever chooses the kernels.
  const tuner = mode !== 'off' || options.profile ? tunerOf(gpu, mode, log) : undefined;
  const profiler = options.profile ? new Profiler(gpu.device) : undefined;
  const peaks = profiler && tuner ? await measurePeaks(tuner) : undefined;
  // What the profile's own timing adds to each dispatch: an empty one timed the same way.
  const emptyMicroseconds = profiler ? await emptyDispatchMicroseconds(profiler) : undefined;
  const record = { mode: given ? `plans of ${given.source}` : resumed ? 'plans of the resumed run' : mode, adapter, mixedPrecision };
  return {
    kernels: { plans, tuner: plans || mode === 'off' ? undefined : tuner, mixedPrecision, record },
    resumed: !given && resumed !== undefined,
    profiler,
    async report(iterations) {
      if (!profiler) return '';
      const rows = profileRows(profiler.samples.values(), Math.max(1, iterations), peaks);
      const head = `per-kernel profile over ${iterations} iterations (median us per dispatch; of peak: predicted at this adapter's peaks ` +
        `${peaks ? `(${peaks.gflops.toFixed(1)} GFLOP/s matmul, ${peaks.gbps.toFixed(1)} GB/s copy) ` : ''}over measured)`;
      const note = emptyMicroseconds === undefined ? '' : `\n${emptyDispatchNote(emptyMicroseconds)}`;
      return `${head}\n${formatProfile(rows)}${note}`;
    },
  };
}
