// `--policy DIR|checkpoint.safetensors`: a trained actor from a checkpoint file as an evaluation policy (src/train/actor.ts).
import { existsSync } from 'node:fs';
import type { PolicyProvider } from '../env/evaluate.js';
import { actorPolicy } from './actor.js';
import { checkpointPath, loadPolicy } from './checkpoint.js';
import type { LoadedPolicy } from './checkpointFormat.js';

export { actorActions, actorPolicy } from './actor.js';

/** Resolver for `--policy DIR|checkpoint.safetensors` (registered by src/cli/act.ts). */
export function trainedActorResolver(name: string): PolicyProvider | undefined {
  const trained = trainedActorAt(name);
  return trained && actorPolicy(trained, 'lara');
}

/** The checkpoint's trained actor when `name` is a run directory or checkpoint file holding one, else undefined. */
export function trainedActorAt(name: string): LoadedPolicy | undefined {
  return existsSync(name) && existsSync(checkpointPath(name)) ? loadPolicy(name) : undefined;
}
