// Dispatches per training iteration at the bench sizes and the default config, counted by recording one iteration with
// its updates into a Recorder that only counts (nothing is encoded or run). Usage: npx tsx bench/dispatches.ts
import { DEFAULT_SCENARIO } from '../src/scenario.js';
import { DEFAULT_TRAIN_CONFIG, parseTrainConfig, type TrainConfig } from '../src/train/config.js';
import type { GpuTrainer } from '../src/train/gpuTrainer.js';
import type { TrainerPlans } from '../src/train/tuning.js';
import { dispatchesPerIteration } from './countDispatches.js';

/**
 * The trainer's plans with the fused update's first variant that fits (src/train/fusedUpdate.ts), with the fused act
 * where it fits too, or null where none does.
 */
export async function fusedPlans(trainer: GpuTrainer): Promise<TrainerPlans | null> {
  const { fusedUpdateCandidates } = await import('../src/train/fusedUpdate.js');
  const { withFusedActWhereFit } = await import('../src/train/fusedAct.js');
  const [fused] = fusedUpdateCandidates(trainer.device, trainer.derived);
  return fused ? { ...trainer.plans, fused: withFusedActWhereFit(trainer.device, trainer.derived, fused, trainer.plans.reduce) } : null;
}

/** The bench's training configs: hidden 256x2, 1 update per iteration, gamma 0 (bench/train.ts), plus the default. */
export function dispatchCountConfigs(): { name: string; config: TrainConfig }[] {
  const bench = (envs: number, batch: number) => parseTrainConfig({
    envs, batch, hidden: [256, 256], updatesPerIteration: 1, iterationsPerSubmit: 1, gamma: 0, replayCapacity: Math.max(envs, batch) * 2,
  });
  return [
    { name: '(1, 256), hidden 256x2, 1 update', config: bench(1, 256) },
    { name: '(4096, 4096), hidden 256x2, 1 update', config: bench(4096, 4096) },
    { name: '(65536, 65536), hidden 256x2, 1 update', config: bench(65536, 65536) },
    { name: `default config (${DEFAULT_TRAIN_CONFIG.envs}, ${DEFAULT_TRAIN_CONFIG.batch}), hidden ${DEFAULT_TRAIN_CONFIG.hidden.join('x')}, ${DEFAULT_TRAIN_CONFIG.updatesPerIteration} updates`,
      config: { ...DEFAULT_TRAIN_CONFIG, iterationsPerSubmit: 1 } },
  ];
}

async function main(): Promise<void> {
  const { createGpu } = await import('../src/gpu/runtime.js');
  const { GpuTrainer } = await import('../src/train/gpuTrainer.js');
  const gpu = await createGpu();
  for (const { name, config } of dispatchCountConfigs()) {
    const trainer = await GpuTrainer.create(gpu, DEFAULT_SCENARIO, config, { evaluate: false });
    const count = dispatchesPerIteration(trainer).total;
    console.log(`${name}: ${count} dispatches per iteration (${(count / config.updatesPerIteration).toFixed(1)} per update)`);
    const plans = await fusedPlans(trainer);
    trainer.destroy();
    if (!plans) continue;
    const fused = await GpuTrainer.create(gpu, DEFAULT_SCENARIO, config, { evaluate: false, plans });
    const fusedCount = dispatchesPerIteration(fused).total;
    console.log(`${name}, fused update: ${fusedCount} dispatches per iteration (${(fusedCount / config.updatesPerIteration).toFixed(1)} per update)`);
    fused.destroy();
  }
  gpu.destroy();
}

if (/bench[\\/]dispatches\.(js|ts)$/.test(process.argv[1] ?? '')) await main();
