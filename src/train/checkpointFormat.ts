// The LARA checkpoint format (docs/CHECKPOINT.md): PyTorch-named actor/critic/target layers, Adam moments, replay ring and
// counters as safetensors bytes, and the trained policy read back from bytes. No file access (Node and the web page).
import { UserError } from '../errors.js';
import { parseJson } from '../json.js';
import { decodeSafetensors, encodeSafetensors, expectMetadata, expectTensor, type Dtype, type SafetensorsFile, type Tensor } from '../io/safetensors.js';
import { mlpLayout, type MlpLayout } from '../nn/layout.js';
import { parseScenario, scenarioToJson, type Scenario } from '../scenario.js';
import { parseTrainConfig, type TrainConfig } from './config.js';
import { refuseNonFinite } from './checkpointChecks.js';
import type { TrainerPlans } from './tuning.js';
import { actorSizes, criticSizes, replayRowsAfter } from './derive.js';
import { laraShapeOf } from './shape.js';

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
  /** Replay rows 0..filled-1 of the ring, one replay row (shape.ts replayStride values) each (ring order, not age order). */
  replay: FloatArray;
}

export { actorSizes, criticSizes } from './derive.js';

/** Replay rows a checkpoint after `iteration` completed iterations holds (derive.ts's rule). */
export const filledRows = replayRowsAfter;

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

export interface CheckpointMeta {
  config: TrainConfig;
  scenario: Scenario;
  device: 'gpu' | 'cpu';
  /** Host-side progress of the run (episode accumulators, wall time), opaque JSON for run.ts. */
  progress: unknown;
  /** The GPU trainer's kernel plans (a resume on the same GPU reuses them, so it continues bit for bit). */
  plans?: TrainerPlans;
}

/** The checkpoint file's bytes (safetensors with checksum), for staging with other files (AtomicOutput). */
export function encodeCheckpoint(snapshot: TrainerSnapshot, meta: CheckpointMeta): Uint8Array {
  const { config } = meta;
  const shape = laraShapeOf(meta.scenario);
  const REPLAY_STRIDE = shape.replayStride;
  const actorLayout = mlpLayout(actorSizes(config, shape));
  const criticLayout = mlpLayout(criticSizes(config, shape));
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
    actor_sizes: JSON.stringify(actorSizes(config, shape)),
    critic_sizes: JSON.stringify(criticSizes(config, shape)),
    device: meta.device,
    config: JSON.stringify(config),
    scenario: JSON.stringify(scenarioToJson(meta.scenario)),
    progress: JSON.stringify(meta.progress ?? null),
    ...(meta.plans ? { plans: JSON.stringify(meta.plans) } : {}),
  });
}

/** Metadata `key` parsed as JSON; a UserError naming `source` and the key otherwise. */
export function parseJsonMeta(file: SafetensorsFile, source: string, key: string): unknown {
  const text = expectMetadata(file, source, key);
  try { return parseJson(text); } catch (error) { throw new UserError(`${source}: metadata "${key}" is not valid JSON (${(error as Error).message})`); }
}

/** Throws a UserError naming `source` unless `file` holds a checkpoint of this format and version. */
export function checkCheckpointFormat(file: SafetensorsFile, source: string): void {
  const format = expectMetadata(file, source, 'format');
  if (format !== CHECKPOINT_FORMAT) throw new UserError(`${source}: metadata format is "${format}", expected "${CHECKPOINT_FORMAT}"`);
  const version = expectMetadata(file, source, 'version');
  if (version !== CHECKPOINT_VERSION) throw new UserError(`${source}: checkpoint version ${version} is not supported (expected ${CHECKPOINT_VERSION})`);
}

/** The training config and the scenario a checkpoint records, validated. */
export function readConfigAndScenario(file: SafetensorsFile, source: string): { config: TrainConfig; scenario: Scenario } {
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

/** The trained actor of a checkpoint file already read and checked (checkCheckpointFormat). */
export function policyFromFile(file: SafetensorsFile, source: string): LoadedPolicy {
  const { config, scenario } = readConfigAndScenario(file, source);
  refuseNonFinite(file, source);
  const sizes = actorSizes(config, laraShapeOf(scenario));
  const dtype = file.tensors['actor.0.weight']?.dtype === 'F64' ? 'F64' : 'F32';
  const actor = flatFromLayers(file, source, 'actor', mlpLayout(sizes), dtype, `the checkpoint's config says hidden ${config.hidden.join(',')}`);
  return { source, sizes, actor, config, scenario, iteration: Number(expectMetadata(file, source, 'iteration')) };
}

/** The trained actor of checkpoint bytes (e.g. a file opened in the web page), with loadPolicy's checks and messages. */
export function decodePolicy(bytes: Uint8Array, source: string): LoadedPolicy {
  const file = decodeSafetensors(bytes, source);
  checkCheckpointFormat(file, source);
  return policyFromFile(file, source);
}
