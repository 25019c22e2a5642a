// Checks a checkpoint must pass beyond its checksum before anything uses it: finite values in every tensor, and
// metadata (counters, steps, seed, sizes) that fits its own config. A checksum proves the file is as written, not
// that what was written is sound (a forged or diverged file has a valid checksum too).
import { UserError } from '../errors.js';
import { expectMetadata, type SafetensorsFile } from '../io/safetensors.js';
import type { TrainConfig } from './config.js';
import { iterationsWithUpdates } from './derive.js';

/** Throws a UserError naming the first float tensor of `file` that holds NaN or an infinity, and where. */
export function refuseNonFinite(file: SafetensorsFile, source: string): void {
  for (const [name, tensor] of Object.entries(file.tensors)) {
    if (tensor.dtype !== 'F32' && tensor.dtype !== 'F64') continue;
    const data = tensor.data;
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i])) {
        throw new UserError(`${source}: tensor "${name}" holds ${data[i]} at index ${i}; a usable checkpoint holds finite values only`);
      }
    }
  }
}


export interface CheckpointCounters {
  iteration: number;
  actorStep: number;
  criticStep: number;
}

/**
 * Throws a UserError when the checkpoint's metadata and counters do not fit its config: iteration beyond the run, Adam
 * steps other than the updates run so far, a seed or network sizes other than the config's.
 */
export function checkMetadataAgainstConfig(file: SafetensorsFile, source: string, config: TrainConfig, counters: CheckpointCounters,
                                           sizes: { actor: number[]; critic: number[] }): void {
  const bad = (what: string) => new UserError(`${source}: ${what}; the checkpoint does not fit its own config (forged or corrupted?)`);
  const { iteration, actorStep, criticStep } = counters;
  if (iteration > config.iterations) throw bad(`counters say ${iteration} iterations, more than the config's ${config.iterations}`);
  const metadataNumbers: [string, number][] = [['iteration', iteration], ['actor_step', actorStep], ['critic_step', criticStep]];
  for (const [key, counter] of metadataNumbers) {
    const text = expectMetadata(file, source, key);
    if (text !== String(counter)) throw bad(`metadata ${key} is ${JSON.stringify(text)} but the counters tensor says ${counter}`);
  }
  const steps = config.updatesPerIteration * iterationsWithUpdates(config, 0, iteration);
  // The model critic trains no critic network: its Adam never steps.
  const criticSteps = config.critic === 'model' ? 0 : steps;
  if (actorStep !== steps || criticStep !== criticSteps) {
    const make = criticSteps === steps ? `${steps}` : `${steps} (actor) and ${criticSteps} (critic)`;
    throw bad(`Adam steps are ${actorStep} (actor) and ${criticStep} (critic), but ${iteration} iterations of this config make ${make}`);
  }
  const seed = expectMetadata(file, source, 'seed');
  if (seed !== String(config.seed)) throw bad(`metadata seed is ${JSON.stringify(seed)}, the config's is ${config.seed}`);
  for (const [key, expected] of [['actor_sizes', sizes.actor], ['critic_sizes', sizes.critic]] as const) {
    const text = expectMetadata(file, source, key);
    if (text !== JSON.stringify(expected)) throw bad(`metadata ${key} is ${text}, the config's hidden widths make ${JSON.stringify(expected)}`);
  }
}
