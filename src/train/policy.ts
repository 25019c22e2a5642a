// `--policy DIR|checkpoint.safetensors`: a trained actor from a checkpoint file as an evaluation policy (src/train/actor.ts).
import { existsSync } from 'node:fs';
import type { PolicyProvider } from '../env/evaluate.js';
import { actorPolicy } from './actor.js';
import { checkpointPath, loadPolicy } from './checkpoint.js';

export { actorActions, actorPolicy } from './actor.js';

/** Resolver for `--policy DIR|checkpoint.safetensors` (registered by src/cli/act.ts). */
export function trainedActorResolver(name: string): PolicyProvider | undefined {
  if (!existsSync(name) || !existsSync(checkpointPath(name))) return undefined;
  return actorPolicy(loadPolicy(name), 'lara');
}
