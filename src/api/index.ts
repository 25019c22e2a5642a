// The library's surface shared by Node (src/index.ts) and the browser (src/index.browser.ts): docs/API.md.
import * as config from '../train/config.js';
import type * as worldLayoutTypes from '../world/layout.js';
import type * as worldReference from '../world/reference.js';
import type * as world from '../world/world.js';

export { DeviceLostError, GpuError, LimitError, ShaderCompileError, UserError } from '../errors.js';
export { isNumberText, NumberTextError, parseIntegerListText, parseIntegerText, parseNumberText } from '../numberText.js';
export { DEFAULT_SCENARIO, parseScenario, parseScenarioText, scenarioToJson, type Scenario, type UserGroupKeys } from '../scenario.js';
export { parseTrainConfig } from '../train/config.js';
export { ACTION_COLUMNS, LATENCY_COLUMNS, STATE_COLUMNS } from '../env/layout.js';
export { describeWorld, isLetter, userCount, worldOf, worldSummary } from '../world/world.js';
export { worldOptEvalSlots } from '../world/opt/policies.js';
export type { WorldEvaluation } from '../world/evaluate.js';
export { benchDevice } from './bench.js';
export { adapterOf, listAdapters, openDevice } from './device.js';
export { comparisonFigure, comparisonRows, episodeMeans, trainingFigures, type FigureSpec } from './figures.js';
export { baselineActions, evaluateBaseline, evaluateLara, evaluatePolicy, latencies, sampleStates } from './letter.js';
export { act, loadPolicy, trainLara } from './training.js';
export { evaluateWorldBaseline, sampleWorldStates, worldLatency, worldLayout } from './world.js';
export type {
  AdapterInfo, Baseline, ComparisonRow, DeviceBench, DeviceOption, EpisodeMeans, EvaluationSetOptions, FigureCaption, IterationMetrics,
  LatencyMeans, PolicyComparison, TrainedPolicy, TrainingProgress, TrainingResult, TrainOptions,
} from './types.js';

/** The LARA training configuration (docs/RECIPE.md): every field of the recipe, validated by parseTrainConfig. */
export type TrainConfig = config.TrainConfig;
/** The recipe's defaults (within 1% of OPT on seeds 1-5 of the default scenario). */
export const DEFAULT_TRAIN_CONFIG: TrainConfig = config.DEFAULT_TRAIN_CONFIG;
/** A world: the letter's keys, M >= 1 edge servers, a group of users per service type, and how users pick a server. */
export type World = world.World;
/** An edge server of a world: position (m), bandwidths (Hz), power (W), compute (cycles/s). */
export type Server = world.Server;
/** Where a group's users are: a fixed or drawn distance to every server, fixed positions, or positions drawn in an area. */
export type Placement = world.Placement;
/** The users of one service type: how many, where, and the probability that each is active in a slot. */
export type UserGroup = world.UserGroup;
/** The three services of MEGC: computing offload, AI-generated content, and video (ve). */
export type ServiceType = world.ServiceType;
/** Sizes, offsets and CSV column names of a world's state and action rows. */
export type WorldLayout = worldLayoutTypes.WorldLayout;
/** Per-user latencies of one world state and action, and the sums and counts per service type. */
export type WorldLatency = worldReference.WorldLatency;
