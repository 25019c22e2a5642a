// LARA checkpoints: DIR/checkpoint.safetensors with PyTorch-named actor/critic/target layers, Adam moments, replay
// ring and counters; loading validates every tensor against the config, its values and metadata (checkpointChecks.ts;
// docs/CHECKPOINT.md).
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import { expectMetadata, expectTensor, type Dtype, type SafetensorsFile } from '../io/safetensors.js';
import { readSafetensors } from '../io/safetensorsFile.js';
import { mlpLayout, type MlpLayout } from '../nn/layout.js';
import { scenarioToJson, type Scenario } from '../scenario.js';
import type { TrainConfig } from './config.js';
import {
  CHECKPOINT_FILE, actorSizes, checkCheckpointFormat, criticSizes, encodeCheckpoint, filledRows, flatFromLayers, parseJsonMeta,
  policyFromFile, readConfigAndScenario, type CheckpointMeta, type FloatArray, type LoadedPolicy, type TrainerSnapshot,
} from './checkpointFormat.js';
import { checkMetadataAgainstConfig, refuseNonFinite } from './checkpointChecks.js';
import { checkTrainerPlans, parseTrainerPlans } from './plans.js';
import { laraShapeOf } from './shape.js';

export * from './checkpointFormat.js';

/** Path of the checkpoint for a run directory or a checkpoint file path. */
export function checkpointPath(dirOrFile: string): string {
  if (existsSync(dirOrFile) && statSync(dirOrFile).isDirectory()) return join(dirOrFile, CHECKPOINT_FILE);
  return dirOrFile;
}

/** Writes DIR/checkpoint.safetensors atomically. F32 tensors from the GPU trainer, F64 from the CPU reference. */
export function writeCheckpoint(path: string, snapshot: TrainerSnapshot, meta: CheckpointMeta): void {
  writeFileAtomic(path, encodeCheckpoint(snapshot, meta));
}

function readCheckpointFile(dirOrFile: string): { file: SafetensorsFile; source: string } {
  const source = checkpointPath(dirOrFile);
  if (!existsSync(source)) throw new UserError(`${source}: no such checkpoint (expected a run directory with ${CHECKPOINT_FILE}, or the file itself)`);
  const file = readSafetensors(source);
  checkCheckpointFormat(file, source);
  return { file, source };
}

export function loadPolicy(dirOrFile: string): LoadedPolicy {
  const { file, source } = readCheckpointFile(dirOrFile);
  return policyFromFile(file, source);
}

export interface LoadedCheckpoint extends CheckpointMeta {
  source: string;
  snapshot: TrainerSnapshot;
}

/**
 * Reads a full checkpoint for --resume. Every tensor is checked against the checkpoint's own config (and, when given,
 * against `expect`: hidden sizes, replay capacity, envs); a mismatch names the tensor or the field.
 */
export function loadCheckpoint(dirOrFile: string, expect?: { config?: Partial<TrainConfig>; scenario?: Scenario }): LoadedCheckpoint {
  const { file, source } = readCheckpointFile(dirOrFile);
  const { config, scenario } = readConfigAndScenario(file, source);
  if (expect?.config) {
    for (const [key, value] of Object.entries(expect.config)) {
      const mine = (config as Record<string, unknown>)[key];
      if (JSON.stringify(mine) !== JSON.stringify(value)) {
        throw new UserError(`${source}: the checkpoint was trained with ${key} = ${JSON.stringify(mine)}, not ${JSON.stringify(value)}`);
      }
    }
  }
  if (expect?.scenario && JSON.stringify(scenarioToJson(expect.scenario)) !== JSON.stringify(scenarioToJson(scenario))) {
    throw new UserError(`${source}: the checkpoint was trained on another scenario (drop --scenario to resume with the checkpoint's own)`);
  }
  const device = expectMetadata(file, source, 'device');
  if (device !== 'gpu' && device !== 'cpu') throw new UserError(`${source}: metadata device "${device}" is neither gpu nor cpu`);
  const counters = expectTensor(file, source, 'counters', 'U32', [3]).data;
  const [iteration, actorStep, criticStep] = Array.from(counters);
  const shape = laraShapeOf(scenario);
  checkMetadataAgainstConfig(file, source, config, { iteration, actorStep, criticStep }, { actor: actorSizes(config, shape), critic: criticSizes(config, shape) });
  refuseNonFinite(file, source);
  const dtype: Dtype = file.tensors['actor.0.weight']?.dtype === 'F64' ? 'F64' : 'F32';
  const Array_ = dtype === 'F64' ? Float64Array : Float32Array;
  const hint = `the checkpoint's config says hidden ${config.hidden.join(',')}`;
  const actorLayout = mlpLayout(actorSizes(config, shape));
  const criticLayout = mlpLayout(criticSizes(config, shape));
  const layers = (prefix: string, layout: MlpLayout) => Array_.from(flatFromLayers(file, source, prefix, layout, dtype, hint));
  const flat = (name: string, count: number) => expectTensor(file, source, name, dtype, [count], hint).data as FloatArray;
  const filled = filledRows(config, iteration);
  const snapshot: TrainerSnapshot = {
    iteration,
    actor: layers('actor', actorLayout),
    critic: layers('critic', criticLayout),
    actorTarget: layers('actor_target', actorLayout),
    criticTarget: layers('critic_target', criticLayout),
    actorAdam: { m: flat('optimizer.actor.exp_avg', actorLayout.parameterCount), v: flat('optimizer.actor.exp_avg_sq', actorLayout.parameterCount), step: actorStep },
    criticAdam: { m: flat('optimizer.critic.exp_avg', criticLayout.parameterCount), v: flat('optimizer.critic.exp_avg_sq', criticLayout.parameterCount), step: criticStep },
    replay: expectTensor(file, source, 'replay', dtype, [filled, shape.replayStride], `${iteration} iterations x ${config.envs} envs, capacity ${config.replayCapacity}`).data as FloatArray,
  };
  const plans = file.metadata.plans === undefined ? undefined : parseTrainerPlans(parseJsonMeta(file, source, 'plans'), source);
  // Plans for other networks or batches than the checkpoint's own config are forged metadata (the adapter's limits are
  // checked where the run starts: a plan of a larger GPU is not forged).
  if (plans) {
    try {
      checkTrainerPlans(plans, { actorSizes: actorSizes(config, shape), criticSizes: criticSizes(config, shape), batch: config.batch, envs: config.envs }, undefined, `${source}: metadata plans`);
    } catch (error) {
      throw error instanceof UserError ? new UserError(`${error.message}; the checkpoint does not fit its own config (forged or corrupted?)`) : error;
    }
  }
  return { source, snapshot, config, scenario, device, progress: parseJsonMeta(file, source, 'progress'), plans };
}
