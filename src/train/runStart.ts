// Where a run starts: a fresh run from the config given, or a resume from a checkpoint whose config, scenario, trainer
// state and episode log are checked against each other and against the flags given; and on which device.
import { UserError } from '../errors.js';
import { DEFAULT_SCENARIO, type Scenario } from '../scenario.js';
import { loadCheckpoint, type TrainerSnapshot } from './checkpoint.js';
import { parseTrainConfig, type TrainConfig } from './config.js';
import { parseRunProgress, type RunProgress } from './episodeLog.js';
import type { TrainerPlans } from './tuning.js';

export type Device = 'gpu' | 'cpu';

export interface RunStart {
  config: TrainConfig;
  scenario: Scenario;
  device: Device;
  /** The trainer state to continue from (a resume). */
  snapshot?: TrainerSnapshot;
  /** The episode log so far (a resume), null for a fresh run. */
  progress: RunProgress | null;
  /** The kernel plans the run was trained with (a resume of a GPU run). */
  plans?: TrainerPlans;
}

export interface StartRequest {
  /** Fresh run: required. */
  config?: TrainConfig;
  /** Fresh run: default MODEL.md's; resume: must equal the checkpoint's when given. */
  scenario?: Scenario;
  /** Resume: fields given on the command line; only `iterations` may differ from the checkpoint's. */
  overrides?: Partial<TrainConfig>;
  device?: Device;
}

/** The checkpoint's config with the user's flags: `iterations` may change (extend the run); any other must match. */
export function resumeConfig(checkpointConfig: TrainConfig, overrides: Partial<TrainConfig> = {}): TrainConfig {
  for (const [key, value] of Object.entries(overrides)) {
    if (key === 'iterations') continue;
    const mine = (checkpointConfig as Record<string, unknown>)[key];
    if (JSON.stringify(mine) !== JSON.stringify(value)) {
      throw new UserError(`--resume: the run was trained with ${key} = ${JSON.stringify(mine)}; drop that flag (only --iterations/--episodes may change on a resume)`);
    }
  }
  return parseTrainConfig({ ...checkpointConfig, iterations: overrides.iterations ?? checkpointConfig.iterations }, '--resume');
}

/** A fresh start: the config given, the scenario given (or the defaults), the device given (or the GPU). */
export function freshStart(request: StartRequest): RunStart {
  if (!request.config) throw new Error('runTraining: config is required unless resuming');
  return { config: request.config, scenario: request.scenario ?? DEFAULT_SCENARIO, device: request.device ?? 'gpu', progress: null };
}

/**
 * A resume from the checkpoint in `from`: everything in it checked (integrity, finite values, metadata, episode log);
 * by default on the device it was trained on (exact), another one with a note.
 */
export function resumeStart(from: string, request: StartRequest, log: (line: string) => void): RunStart {
  const loaded = loadCheckpoint(from, { scenario: request.scenario });
  const config = resumeConfig(loaded.config, request.overrides);
  const { snapshot, scenario } = loaded;
  if (snapshot.iteration > config.iterations) {
    throw new UserError(`--resume: the checkpoint has ${snapshot.iteration} iterations, more than --iterations ${config.iterations}`);
  }
  const progress = parseRunProgress(loaded.progress, { config: loaded.config, scenario, iteration: snapshot.iteration, source: loaded.source });
  const device = request.device ?? loaded.device;
  if (device !== loaded.device) {
    log(`note: resuming a ${loaded.device} run on --device ${device}: the continuation is not bit-identical to an uninterrupted ${loaded.device} run (drop --device to resume on the ${loaded.device})`);
  }
  return { config, scenario, device, snapshot, progress, plans: loaded.plans };
}
