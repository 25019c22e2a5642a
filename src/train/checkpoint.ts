// LARA checkpoints: DIR/checkpoint.safetensors with PyTorch-named actor/critic/target layers, Adam moments, replay
// ring and counters; loading validates every tensor against the config, its values and metadata (checkpointChecks.ts;
// docs/CHECKPOINT.md).
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import { encodeSafetensors, expectMetadata, expectTensor, readSafetensors, type Dtype, type SafetensorsFile, type Tensor } from '../io/safetensors.js';
import { mlpLayout, type MlpLayout } from '../nn/layout.js';
import { parseScenario, scenarioToJson, type Scenario } from '../scenario.js';
import { parseTrainConfig, type TrainConfig } from './config.js';
import { checkMetadataAgainstConfig, refuseNonFinite } from './checkpointChecks.js';
import { ACTION_SIZE, OBSERVATION_SIZE } from './features.js';
import { REPLAY_STRIDE } from './replay.js';

export const CHECKPOINT_FILE = 'checkpoint.safetensors';
export const CHECKPOINT_FORMAT = 'megc-lara-checkpoint';
export const CHECKPOINT_VERSION = '1';

export type FloatArray = Float32Array | Float64Array;

/** Adam state of one network: first and second moments (flat layout of src/nn/layout.ts) and the step counter. */
export interface AdamSnapshot {
  m: FloatArray;
  v: FloatArray;
  /** Adam updates applied so far (bias correction uses step + 1 next). */
  step: number;
}

/** Everything a trainer needs to continue exactly where it stopped. Flat arrays use src/nn/layout.ts's layout. */
export interface TrainerSnapshot {
  /** Iterations completed (the next iteration to run). */
  iteration: number;
  actor: FloatArray;
  critic: FloatArray;
  actorTarget: FloatArray;
  criticTarget: FloatArray;
  actorAdam: AdamSnapshot;
  criticAdam: AdamSnapshot;
  /** Replay rows 0..filled-1 of the ring, REPLAY_STRIDE values each (ring order, not age order). */
  replay: FloatArray;
}

export const actorSizes = (config: Pick<TrainConfig, 'hidden'>): number[] => [OBSERVATION_SIZE, ...config.hidden, ACTION_SIZE];
export const criticSizes = (config: Pick<TrainConfig, 'hidden'>): number[] => [OBSERVATION_SIZE + ACTION_SIZE, ...config.hidden, 1];

/** Replay rows filled after `iteration` completed iterations. */
export function filledRows(config: Pick<TrainConfig, 'envs' | 'replayCapacity'>, iteration: number): number {
  return Math.min(config.replayCapacity, iteration * config.envs);
}

function dtypeOf(a: FloatArray): Dtype { return a instanceof Float64Array ? 'F64' : 'F32'; }

/** Per-layer PyTorch tensors `prefix.{2l}.weight` (out, in) and `prefix.{2l}.bias` (out) of a flat parameter array. */
export function layerTensors(prefix: string, layout: MlpLayout, flat: FloatArray): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  const Array_ = flat instanceof Float64Array ? Float64Array : Float32Array;
  layout.layers.forEach((layer, l) => {
    const { inputs, outputs, weightOffset, biasOffset } = layer;
    const weight = new Array_(inputs * outputs);
    for (let i = 0; i < inputs; i++) for (let o = 0; o < outputs; o++) weight[o * inputs + i] = flat[weightOffset + i * outputs + o];
    out[`${prefix}.${2 * l}.weight`] = { dtype: dtypeOf(flat), shape: [outputs, inputs], data: weight };
    out[`${prefix}.${2 * l}.bias`] = { dtype: dtypeOf(flat), shape: [outputs], data: flat.slice(biasOffset, biasOffset + outputs) };
  });
  return out;
}

/** Inverse of layerTensors: the flat parameters from `prefix.{2l}.weight/bias`, validated (names the tensor). */
export function flatFromLayers(file: SafetensorsFile, source: string, prefix: string, layout: MlpLayout, dtype: Dtype, hint: string): Float64Array {
  // Every tensor is checked before anything is allocated: the sizes come from the file's own metadata.
  const tensors = layout.layers.map(({ inputs, outputs }, l) => ({
    weight: expectTensor(file, source, `${prefix}.${2 * l}.weight`, dtype, [outputs, inputs], hint).data,
    bias: expectTensor(file, source, `${prefix}.${2 * l}.bias`, dtype, [outputs], hint).data,
  }));
  const flat = new Float64Array(layout.parameterCount);
  layout.layers.forEach(({ inputs, outputs, weightOffset, biasOffset }, l) => {
    const { weight, bias } = tensors[l];
    for (let i = 0; i < inputs; i++) for (let o = 0; o < outputs; o++) flat[weightOffset + i * outputs + o] = weight[o * inputs + i];
    for (let o = 0; o < outputs; o++) flat[biasOffset + o] = bias[o];
  });
  return flat;
}

/** Path of the checkpoint for a run directory or a checkpoint file path. */
export function checkpointPath(dirOrFile: string): string {
  if (existsSync(dirOrFile) && statSync(dirOrFile).isDirectory()) return join(dirOrFile, CHECKPOINT_FILE);
  return dirOrFile;
}

export interface CheckpointMeta {
  config: TrainConfig;
  scenario: Scenario;
  device: 'gpu' | 'cpu';
  /** Host-side progress of the run (episode accumulators, wall time), opaque JSON for run.ts. */
  progress: unknown;
}

/** Writes DIR/checkpoint.safetensors atomically. F32 tensors from the GPU trainer, F64 from the CPU reference. */
export function writeCheckpoint(path: string, snapshot: TrainerSnapshot, meta: CheckpointMeta): void {
  writeFileAtomic(path, encodeCheckpoint(snapshot, meta));
}

/** The checkpoint file's bytes (safetensors with checksum), for staging with other files (AtomicOutput). */
export function encodeCheckpoint(snapshot: TrainerSnapshot, meta: CheckpointMeta): Uint8Array {
  const { config } = meta;
  const actorLayout = mlpLayout(actorSizes(config));
  const criticLayout = mlpLayout(criticSizes(config));
  const dtype = dtypeOf(snapshot.actor);
  const flat = (data: FloatArray): Tensor => ({ dtype, shape: [data.length], data });
  const filled = filledRows(config, snapshot.iteration);
  if (snapshot.replay.length !== filled * REPLAY_STRIDE) {
    throw new Error(`checkpoint: replay has ${snapshot.replay.length} values, expected ${filled} rows of ${REPLAY_STRIDE}`);
  }
  const tensors: Record<string, Tensor> = {
    ...layerTensors('actor', actorLayout, snapshot.actor),
    ...layerTensors('critic', criticLayout, snapshot.critic),
    ...layerTensors('actor_target', actorLayout, snapshot.actorTarget),
    ...layerTensors('critic_target', criticLayout, snapshot.criticTarget),
    'optimizer.actor.exp_avg': flat(snapshot.actorAdam.m),
    'optimizer.actor.exp_avg_sq': flat(snapshot.actorAdam.v),
    'optimizer.critic.exp_avg': flat(snapshot.criticAdam.m),
    'optimizer.critic.exp_avg_sq': flat(snapshot.criticAdam.v),
    replay: { dtype, shape: [filled, REPLAY_STRIDE], data: snapshot.replay },
    counters: { dtype: 'U32', shape: [3], data: new Uint32Array([snapshot.iteration, snapshot.actorAdam.step, snapshot.criticAdam.step]) },
  };
  for (const [name, t] of Object.entries(tensors)) {
    if (t.dtype === 'U32') continue;
    if (t.dtype !== dtype) throw new Error(`checkpoint: tensor ${name} is ${t.dtype}, expected ${dtype}`);
  }
  return encodeSafetensors(tensors, {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    iteration: String(snapshot.iteration),
    actor_step: String(snapshot.actorAdam.step),
    critic_step: String(snapshot.criticAdam.step),
    seed: String(config.seed),
    actor_sizes: JSON.stringify(actorSizes(config)),
    critic_sizes: JSON.stringify(criticSizes(config)),
    device: meta.device,
    config: JSON.stringify(config),
    scenario: JSON.stringify(scenarioToJson(meta.scenario)),
    progress: JSON.stringify(meta.progress ?? null),
  });
}

function parseJsonMeta(file: SafetensorsFile, source: string, key: string): unknown {
  const text = expectMetadata(file, source, key);
  try { return JSON.parse(text); } catch { throw new UserError(`${source}: metadata "${key}" is not valid JSON`); }
}

function readCheckpointFile(dirOrFile: string): { file: SafetensorsFile; source: string } {
  const source = checkpointPath(dirOrFile);
  if (!existsSync(source)) throw new UserError(`${source}: no such checkpoint (expected a run directory with ${CHECKPOINT_FILE}, or the file itself)`);
  const file = readSafetensors(source);
  const format = expectMetadata(file, source, 'format');
  if (format !== CHECKPOINT_FORMAT) throw new UserError(`${source}: metadata format is "${format}", expected "${CHECKPOINT_FORMAT}"`);
  const version = expectMetadata(file, source, 'version');
  if (version !== CHECKPOINT_VERSION) throw new UserError(`${source}: checkpoint version ${version} is not supported (expected ${CHECKPOINT_VERSION})`);
  return { file, source };
}

function readConfigAndScenario(file: SafetensorsFile, source: string): { config: TrainConfig; scenario: Scenario } {
  const config = parseTrainConfig(parseJsonMeta(file, source, 'config'), `${source}: metadata config`);
  const scenario = parseScenario(parseJsonMeta(file, source, 'scenario'), `${source}: metadata scenario`);
  return { config, scenario };
}

/** The trained actor of a checkpoint: enough to act (megc act, megc eval --policy). */
export interface LoadedPolicy {
  source: string;
  sizes: number[];
  /** Flat actor parameters (layout.ts), float64. */
  actor: Float64Array;
  config: TrainConfig;
  scenario: Scenario;
  iteration: number;
}

export function loadPolicy(dirOrFile: string): LoadedPolicy {
  const { file, source } = readCheckpointFile(dirOrFile);
  const { config, scenario } = readConfigAndScenario(file, source);
  refuseNonFinite(file, source);
  const sizes = actorSizes(config);
  const dtype = file.tensors['actor.0.weight']?.dtype === 'F64' ? 'F64' : 'F32';
  const actor = flatFromLayers(file, source, 'actor', mlpLayout(sizes), dtype, `the checkpoint's config says hidden ${config.hidden.join(',')}`);
  return { source, sizes, actor, config, scenario, iteration: Number(expectMetadata(file, source, 'iteration')) };
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
  checkMetadataAgainstConfig(file, source, config, { iteration, actorStep, criticStep }, { actor: actorSizes(config), critic: criticSizes(config) });
  refuseNonFinite(file, source);
  const dtype: Dtype = file.tensors['actor.0.weight']?.dtype === 'F64' ? 'F64' : 'F32';
  const Array_ = dtype === 'F64' ? Float64Array : Float32Array;
  const hint = `the checkpoint's config says hidden ${config.hidden.join(',')}`;
  const actorLayout = mlpLayout(actorSizes(config));
  const criticLayout = mlpLayout(criticSizes(config));
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
    replay: expectTensor(file, source, 'replay', dtype, [filled, REPLAY_STRIDE], `${iteration} iterations x ${config.envs} envs, capacity ${config.replayCapacity}`).data as FloatArray,
  };
  return { source, snapshot, config, scenario, device, progress: parseJsonMeta(file, source, 'progress') };
}
