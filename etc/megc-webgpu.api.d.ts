// The public API of megc-webgpu, generated from dist/src by test/library_api.test.ts (MEGC_UPDATE_API=1 rewrites it).

// node entry (dist/src/index.d.ts) exports:
//   ACTION_COLUMNS, AdapterInfo, Baseline, ComparisonRow, DEFAULT_SCENARIO, DEFAULT_TRAIN_CONFIG, DeviceBench, DeviceLostError, DeviceOption, EpisodeMeans, EvaluationSetOptions, FigureCaption, FigureSpec, GpuError, IterationMetrics, LATENCY_COLUMNS, LatencyMeans, LimitError, NumberTextError, Placement, PolicyComparison, STATE_COLUMNS, Scenario, Server, ServiceType, ShaderCompileError, TrainConfig, TrainOptions, TrainedPolicy, TrainingProgress, TrainingResult, UserError, UserGroup, UserGroupKeys, World, WorldEvaluation, WorldLatency, WorldLayout, act, adapterOf, baselineActions, benchDevice, comparisonFigure, comparisonRows, describeWorld, episodeMeans, evaluateBaseline, evaluateLara, evaluatePolicy, evaluateWorldBaseline, isLetter, isNumberText, latencies, listAdapters, loadPolicy, loadScenarioFile, openDevice, parseIntegerListText, parseIntegerText, parseNumberText, parseScenario, parseScenarioText, parseTrainConfig, sampleStates, sampleWorldStates, scenarioToJson, trainLara, trainingFigures, userCount, worldLatency, worldLayout, worldOf, worldOptEvalSlots, worldSummary

// browser entry (dist/src/index.browser.d.ts) exports:
//   ACTION_COLUMNS, AdapterInfo, Baseline, ComparisonRow, DEFAULT_SCENARIO, DEFAULT_TRAIN_CONFIG, DeviceBench, DeviceLostError, DeviceOption, EpisodeMeans, EvaluationSetOptions, FigureCaption, FigureSpec, GpuError, IterationMetrics, LATENCY_COLUMNS, LatencyMeans, LimitError, NumberTextError, Placement, PolicyComparison, STATE_COLUMNS, Scenario, Server, ServiceType, ShaderCompileError, TrainConfig, TrainOptions, TrainedPolicy, TrainingProgress, TrainingResult, UserError, UserGroup, UserGroupKeys, World, WorldEvaluation, WorldLatency, WorldLayout, act, adapterOf, baselineActions, benchDevice, comparisonFigure, comparisonRows, describeWorld, episodeMeans, evaluateBaseline, evaluateLara, evaluatePolicy, evaluateWorldBaseline, isLetter, isNumberText, latencies, listAdapters, loadPolicy, openDevice, parseIntegerListText, parseIntegerText, parseNumberText, parseScenario, parseScenarioText, parseTrainConfig, sampleStates, sampleWorldStates, scenarioToJson, trainLara, trainingFigures, userCount, worldLatency, worldLayout, worldOf, worldOptEvalSlots, worldSummary

// dist/src/api/bench.d.ts#benchDevice
export function benchDevice(options?: Pick<TrainOptions, 'device' | 'config'>): Promise<DeviceBench>;

// dist/src/api/device.d.ts#adapterOf
export function adapterOf(device: GPUDevice): AdapterInfo;

// dist/src/api/device.d.ts#listAdapters
export function listAdapters(): Promise<AdapterInfo[]>;

// dist/src/api/device.d.ts#openDevice
export function openDevice(options?: {
    adapter?: string;
}): Promise<GPUDevice>;

// dist/src/api/figures.d.ts#FigureSpec
export type FigureSpec = TopLevelSpec;

// dist/src/api/figures.d.ts#comparisonFigure
export function comparisonFigure(comparison: PolicyComparison, caption: FigureCaption): FigureSpec;

// dist/src/api/figures.d.ts#comparisonRows
export function comparisonRows(comparison: PolicyComparison): ComparisonRow[];

// dist/src/api/figures.d.ts#episodeMeans
export function episodeMeans(metrics: readonly IterationMetrics[], slotsPerEpisode: number): EpisodeMeans[];

// dist/src/api/figures.d.ts#trainingFigures
export function trainingFigures(episodes: readonly EpisodeMeans[], config: TrainConfig, caption: FigureCaption): {
    reward: FigureSpec;
    latency: FigureSpec;
};

// dist/src/api/index.d.ts#DEFAULT_TRAIN_CONFIG
export const DEFAULT_TRAIN_CONFIG: TrainConfig;

// dist/src/api/index.d.ts#Placement
export type Placement = world.Placement;

// dist/src/api/index.d.ts#Server
export type Server = world.Server;

// dist/src/api/index.d.ts#ServiceType
export type ServiceType = world.ServiceType;

// dist/src/api/index.d.ts#TrainConfig
export type TrainConfig = config.TrainConfig;

// dist/src/api/index.d.ts#UserGroup
export type UserGroup = world.UserGroup;

// dist/src/api/index.d.ts#World
export type World = world.World;

// dist/src/api/index.d.ts#WorldLatency
export type WorldLatency = worldReference.WorldLatency;

// dist/src/api/index.d.ts#WorldLayout
export type WorldLayout = worldLayoutTypes.WorldLayout;

// dist/src/api/letter.d.ts#baselineActions
export function baselineActions(scenario: Scenario, baseline: Baseline, states: ArrayLike<number>, options?: DeviceOption & {
    seed?: number;
}): Promise<Float64Array>;

// dist/src/api/letter.d.ts#evaluateBaseline
export function evaluateBaseline(scenario: Scenario, baseline: Baseline, options?: EvaluationSetOptions & DeviceOption): Promise<LatencyMeans>;

// dist/src/api/letter.d.ts#evaluateLara
export function evaluateLara(policy: TrainedPolicy, options?: EvaluationSetOptions & DeviceOption): Promise<PolicyComparison>;

// dist/src/api/letter.d.ts#evaluatePolicy
export function evaluatePolicy(policy: TrainedPolicy, options?: EvaluationSetOptions): Promise<LatencyMeans>;

// dist/src/api/letter.d.ts#latencies
export function latencies(scenario: Scenario, states: ArrayLike<number>, actions: ArrayLike<number>, options?: DeviceOption): Promise<Float64Array>;

// dist/src/api/letter.d.ts#sampleStates
export function sampleStates(scenario: Scenario, count: number, options?: {
    seed?: number;
}): Float64Array;

// dist/src/api/training.d.ts#act
export function act(policy: TrainedPolicy, states: ArrayLike<number>): Float64Array;

// dist/src/api/training.d.ts#loadPolicy
export function loadPolicy(bytes: Uint8Array, source?: string): TrainedPolicy;

// dist/src/api/training.d.ts#trainLara
export function trainLara(scenario: Scenario, options?: TrainOptions): Promise<TrainingResult>;

// dist/src/api/types.d.ts#AdapterInfo
export interface AdapterInfo {
    vendor: string;
    architecture: string;
    device: string;
    description: string;
    /** A software adapter (Mesa lavapipe, SwiftShader, a fallback adapter): the CPU emulates the GPU, expect it slow. */
    isSoftware: boolean;
    /** Its fields in one line, `vendor / architecture / device / description`, with ` (software)` for a software one. */
    name: string;
}

// dist/src/api/types.d.ts#Baseline
export type Baseline = 'fra' | 'rra' | 'opt';

// dist/src/api/types.d.ts#ComparisonRow
export interface ComparisonRow {
    /**
     * `hybrid` is LARA's association finished by OPT's allocation, `searched` the same after a local search from it;
     * `maxSnr`, `random` and `lagrangian` the associations.
     */
    policy: 'lara' | 'hybrid' | 'searched' | 'fra' | 'rra' | 'maxSnr' | 'random' | 'lagrangian' | 'opt';
    /** e.g. `LARA`, `max-SNR + OPT`, `OPT (searched)` where some slot's OPT was only bounded. */
    name: string;
    means: LatencyMeans;
}

// dist/src/api/types.d.ts#DeviceBench
export interface DeviceBench {
    /** The fused FRA rollout (sample a state, act, latencies, sums) of `envs` environments, one slot each: median steps/s. */
    envSteps: {
        envs: number;
        stepsPerSecond: number;
    };
    /** LARA's training iteration (rollout, replay, `updates` gradient updates) at these sizes: median iterations/s. */
    training: {
        envs: number;
        batch: number;
        hidden: number[];
        updates: number;
        iterationsPerSecond: number;
    };
}

// dist/src/api/types.d.ts#DeviceOption
export interface DeviceOption {
    /** A WebGPU device to run on (it stays the caller's: megc never destroys it). */
    device?: GPUDevice;
}

// dist/src/api/types.d.ts#EpisodeMeans
export interface EpisodeMeans extends Omit<IterationMetrics, 'iteration' | 'updates'> {
    /** 1-based. */
    episode: number;
}

// dist/src/api/types.d.ts#EvaluationSetOptions
export interface EvaluationSetOptions {
    /** States to score (default 65,536, the letter's; OPT on the CPU takes about a second per thousand). */
    slots?: number;
    /** Evaluation set index, an integer in [1, 2^32] (default 1). */
    seed?: number;
}

// dist/src/api/types.d.ts#FigureCaption
export interface FigureCaption {
    /** The scenario the run trained on: a world's figures are per service type, and their caption says so. */
    scenario: Scenario;
    /** Lines of the caller's, e.g. the training setup. */
    lines?: string[];
}

// dist/src/api/types.d.ts#IterationMetrics
export interface IterationMetrics {
    /** The iteration (time slot) just run, 0-based. */
    iteration: number;
    /** Gradient updates run in this iteration (0 while the replay holds less than one batch). */
    updates: number;
    /** True reward -L_total of the acting (noisy) actions. */
    reward: number;
    lComp: number;
    lAigc: number;
    lVe: number;
    lTotal: number;
    /** Mean critic and actor losses of this iteration's updates; NaN when none ran. */
    criticLoss: number;
    actorLoss: number;
}

// dist/src/api/types.d.ts#LatencyMeans
export interface LatencyMeans {
    comp: number;
    aigc: number;
    ve: number;
    total: number;
}

// dist/src/api/types.d.ts#PolicyComparison
export interface PolicyComparison {
    /** States scored. */
    slots: number;
    lara: LatencyMeans;
    fra: LatencyMeans;
    rra: LatencyMeans;
    opt: LatencyMeans;
    /** LARA's total over OPT's, minus 1 (0.004 = 0.40% above the optimum). */
    gap: number;
    /** A world's: false where some slot's OPT is the best association found (bounded, not enumerated); absent on the letter. */
    optExact?: boolean;
    /** A world where the policy associates: the max-SNR, random and Lagrangian associations, each finished by OPT's allocation. */
    associations?: {
        maxSnr: LatencyMeans;
        random: LatencyMeans;
        lagrangian: LatencyMeans;
    };
    /** A world where the policy associates: LARA's association finished by OPT's allocation. */
    hybrid?: LatencyMeans;
    /** A world where the policy associates: LARA's association improved by local search, finished by OPT's allocation. */
    searched?: LatencyMeans;
}

// dist/src/api/types.d.ts#TrainOptions
export interface TrainOptions extends DeviceOption {
    /** Fields of the training configuration that differ from DEFAULT_TRAIN_CONFIG (validated: a UserError names the field). */
    config?: Partial<TrainConfig>;
    /** Called after each chunk of iterations. */
    onProgress?: (progress: TrainingProgress) => void;
    /** Aborting stops the run at the next chunk boundary; the result then has `stopped: true` and the policy so far. */
    signal?: AbortSignal;
    /**
     * How the kernels are chosen, as `megc train --tune`: 'off' (the defaults), 'quick' (time the likely variants on this
     * device once, cached per adapter: a file in Node, localStorage on a page) or 'full'. Default 'quick' (DEFAULT_TUNE).
     */
    tune?: 'off' | 'quick' | 'full';
    /**
     * Also offer the tuner the kernels that round matmul inputs to f16, as `megc train --mixed-precision`: f16 and
     * tensor-core tiles, and the fused update's half weights (f16 weight streams). Faster on some GPUs; the results
     * differ slightly (each candidate within 2e-2 of the default's). Default false; with `tune: 'off'` nothing changes.
     */
    mixedPrecision?: boolean;
    /**
     * Also hand onProgress the actor after every policyEvery-th iteration (to evaluate it with evaluateLara, as `megc
     * train --eval-every` does): the chunks end there and copy it into their readback; training is unchanged, bit for bit.
     */
    policyEvery?: number;
}

// dist/src/api/types.d.ts#TrainedPolicy
export interface TrainedPolicy {
    /** Where it came from (a checkpoint's name, or "training"); error messages name it. */
    source: string;
    /** Layer sizes of the actor, [7, ...hidden, 7] (a world's: its observation and pre-activation sizes at the ends). */
    sizes: number[];
    /** Flat actor parameters, float64 (per layer: weights (in, out) row-major, then biases). */
    actor: Float64Array;
    /** The configuration it was trained with. */
    config: TrainConfig;
    /** The scenario it was trained on (its observations are normalised by it). */
    scenario: Scenario;
    /** Training iterations completed. */
    iteration: number;
}

// dist/src/api/types.d.ts#TrainingProgress
export interface TrainingProgress {
    /** Iterations completed. */
    iteration: number;
    /** Iterations the run is configured for. */
    total: number;
    /** This chunk's metrics, one per iteration. */
    rows: IterationMetrics[];
    /** Iterations per second over about the last 10 s, as `megc train` shows it. */
    iterationsPerSecond: number;
    /** With TrainOptions.policyEvery, on the chunks that end at a multiple of it: the actor as this iteration left it. */
    policy?: TrainedPolicy;
}

// dist/src/api/types.d.ts#TrainingResult
export interface TrainingResult {
    /** The actor after the last completed iteration. */
    policy: TrainedPolicy;
    /** Every iteration's metrics, in order. */
    metrics: IterationMetrics[];
    /** Iterations completed. */
    iterations: number;
    /** Whether the signal ended the run before config.iterations. */
    stopped: boolean;
    /**
     * The full trainer state as checkpoint.safetensors bytes (docs/CHECKPOINT.md), which loadPolicy, `megc act` and
     * `megc eval --policy` read. It holds no episode log, so `megc train --resume` refuses it.
     */
    checkpoint(): Uint8Array;
}

// dist/src/api/world.d.ts#evaluateWorldBaseline
export function evaluateWorldBaseline(world: World, baseline: 'fra' | 'rra', options?: EvaluationSetOptions): Promise<WorldEvaluation>;

// dist/src/api/world.d.ts#sampleWorldStates
export function sampleWorldStates(world: World, count: number, options?: {
    seed?: number;
}): Float64Array;

// dist/src/api/world.d.ts#worldLatency
export function worldLatency(world: World, state: ArrayLike<number>, action: ArrayLike<number>): WorldLatency;

// dist/src/api/world.d.ts#worldLayout
export function worldLayout(world: World): WorldLayout;

// dist/src/env/layout.d.ts#ACTION_COLUMNS
export const ACTION_COLUMNS: readonly ["alpha_off", "alpha_back", "beta", "lambda", "omega_comp", "omega_aigc", "omega_ve"];

// dist/src/env/layout.d.ts#LATENCY_COLUMNS
export const LATENCY_COLUMNS: readonly ["l_comp", "l_aigc", "l_ve", "l_total"];

// dist/src/env/layout.d.ts#STATE_COLUMNS
export const STATE_COLUMNS: readonly ["h_comp_off", "h_aigc_back", "h_ve_off", "h_ve_back", "d_comp", "d_ve", "d_aigc"];

// dist/src/errors.d.ts#DeviceLostError
export class DeviceLostError extends GpuError {
    constructor(message: string);
}

// dist/src/errors.d.ts#GpuError
export class GpuError extends Error {
    constructor(message: string);
}

// dist/src/errors.d.ts#LimitError
export class LimitError extends UserError {
    constructor(message: string);
}

// dist/src/errors.d.ts#ShaderCompileError
export class ShaderCompileError extends Error {
    constructor(message: string);
}

// dist/src/errors.d.ts#UserError
export class UserError extends Error {
    readonly exitCode: number;
    constructor(message: string, exitCode?: number);
}

// dist/src/index.d.ts#loadScenarioFile
export function loadScenarioFile(path: string): Scenario;

// dist/src/numberText.d.ts#NumberTextError
export class NumberTextError extends Error {
    constructor(message: string);
}

// dist/src/numberText.d.ts#isNumberText
export function isNumberText(text: string): boolean;

// dist/src/numberText.d.ts#parseIntegerListText
export function parseIntegerListText(text: string): number[];

// dist/src/numberText.d.ts#parseIntegerText
export function parseIntegerText(text: string, min?: number, max?: number): number;

// dist/src/numberText.d.ts#parseNumberText
export function parseNumberText(text: string, min?: number, max?: number, { exclusiveMin }?: {
    exclusiveMin?: boolean | undefined;
}): number;

// dist/src/scenario.d.ts#DEFAULT_SCENARIO
export const DEFAULT_SCENARIO: Scenario;

// dist/src/scenario.d.ts#Scenario
export interface Scenario {
    distance: {
        comp: number;
        aigc: number;
        ve: number;
    };
    power: {
        comp: number;
        ve: number;
        es: number;
    };
    bandwidth: {
        off: number;
        back: number;
    };
    noiseDbmPerHz: number;
    /** Derived: noise power spectral density N0 in W/Hz, 10^((noiseDbmPerHz - 30) / 10). */
    noiseWattsPerHz: number;
    channel: {
        g0: number;
        pathLossExponent: number;
        ricianK: number;
    };
    /** Uniform intervals [low, high] of the task sizes, bits. */
    data: {
        comp: [number, number];
        ve: [number, number];
        aigc: [number, number];
    };
    cyclesPerBit: number;
    fLocal: number;
    fEs: number;
    xi: number;
    zeta: number;
    psi: number;
    genUnitCycles: number;
    slotsPerEpisode: number;
    rraFloor: number;
    /**
     * The generalised world's keys, present only when the file gives one of them and the world they describe is not the
     * letter's (one server, one always-active user of each type at a fixed distance): such a file is folded into the
     * letter's keys above. Resolved: every server member and user group filled in.
     */
    servers?: Server[];
    users?: Record<ServiceType, UserGroupKeys>;
    association?: 'nearest' | 'policy';
}

// dist/src/scenario.d.ts#UserGroupKeys
export interface UserGroupKeys {
    count: number;
    /** A fixed distance (m) to every server, or an interval drawn per user each slot. */
    distance?: number | [number, number];
    /** One fixed [x, y] (m) per user. */
    positions?: [number, number][];
    /** Positions drawn uniformly in the rectangle each slot (mobility). */
    area?: {
        x: [number, number];
        y: [number, number];
    };
    activity: number;
}

// dist/src/scenario.d.ts#parseScenario
export function parseScenario(json: unknown, source: string): Scenario;

// dist/src/scenario.d.ts#parseScenarioText
export function parseScenarioText(text: string, source: string): Scenario;

// dist/src/scenario.d.ts#scenarioToJson
export function scenarioToJson(s: Scenario): Record<string, unknown>;

// dist/src/train/config.d.ts#TrainConfig
export type TrainConfig = z.infer<typeof TrainConfigSchema>;

// dist/src/train/config.d.ts#TrainConfigSchema
export const TrainConfigSchema: z.ZodObject<{
    envs: z.ZodDefault<z.ZodNumber>;
    batch: z.ZodDefault<z.ZodNumber>;
    iterations: z.ZodDefault<z.ZodNumber>;
    hidden: z.ZodDefault<z.ZodArray<z.ZodNumber>>;
    updatesPerIteration: z.ZodDefault<z.ZodNumber>;
    lrActor: z.ZodDefault<z.ZodNumber>;
    lrCritic: z.ZodDefault<z.ZodNumber>;
    lrDecay: z.ZodDefault<z.ZodNumber>;
    gamma: z.ZodDefault<z.ZodNumber>;
    tau: z.ZodDefault<z.ZodNumber>;
    noiseStart: z.ZodDefault<z.ZodNumber>;
    noiseEnd: z.ZodDefault<z.ZodNumber>;
    warmupIterations: z.ZodDefault<z.ZodNumber>;
    replayCapacity: z.ZodDefault<z.ZodNumber>;
    shareFloor: z.ZodDefault<z.ZodNumber>;
    critic: z.ZodDefault<z.ZodEnum<{
        learned: "learned";
        model: "model";
    }>>;
    channelPrior: z.ZodDefault<z.ZodNumber>;
    sharePrior: z.ZodDefault<z.ZodNumber>;
    associationMoves: z.ZodDefault<z.ZodNumber>;
    reward: z.ZodDefault<z.ZodEnum<{
        log: "log";
        linear: "linear";
    }>>;
    iterationsPerSubmit: z.ZodDefault<z.ZodNumber>;
    seed: z.ZodDefault<z.ZodNumber>;
    evalSlots: z.ZodDefault<z.ZodNumber>;
}, z.core.$strict>;

// dist/src/train/config.d.ts#parseTrainConfig
export function parseTrainConfig(input: unknown, source?: string, nameOf?: (field: string) => string | undefined): TrainConfig;

// dist/src/world/evaluate.d.ts#WorldEvaluation
export interface WorldEvaluation extends WorldMeans {
    slots: number;
    /** Active users of each type summed over the slots. */
    requests: {
        comp: number;
        aigc: number;
        ve: number;
    };
}

// dist/src/world/layout.d.ts#WorldLayout
export interface WorldLayout {
    /** M, K_comp, K_aigc, K_ve, K = K_comp + K_aigc + K_ve, G = max(K_comp, K_aigc, K_ve). */
    servers: number;
    comp: number;
    aigc: number;
    ve: number;
    users: number;
    triples: number;
    /** Offsets into a state row; `active` and `server` are null when the row has no such group. */
    state: {
        size: number;
        hOffComp: number;
        hBackAigc: number;
        hOffVe: number;
        hBackVe: number;
        data: number;
        active: number | null;
        server: number | null;
    };
    /** Offsets into an action row; `server` is null unless the policy associates and M > 1. */
    action: {
        size: number;
        up: number;
        down: number;
        power: number;
        lambda: number;
        compute: number;
        server: number | null;
    };
    stateColumns: string[];
    actionColumns: string[];
}

// dist/src/world/opt/policies.d.ts#worldOptEvalSlots
export function worldOptEvalSlots(world: World): number;

// dist/src/world/reference.d.ts#WorldLatency
export interface WorldLatency {
    /** (K) data order, seconds; 0 for an inactive user. */
    perUser: Float64Array;
    /** Sums and counts over the active users of each type, type order comp, aigc, ve. */
    sums: [number, number, number];
    counts: [number, number, number];
    /** L_total = (sums[0] + sums[1]) + sums[2]: the letter's comp + aigc + ve with one user of each type. */
    total: number;
}

// dist/src/world/reference.d.ts#WorldMeans
export interface WorldMeans {
    comp: number;
    aigc: number;
    ve: number;
    total: number;
}

// dist/src/world/world.d.ts#Placement
export type Placement = {
    kind: 'distance';
    distance: number;
} | {
    kind: 'distanceRange';
    low: number;
    high: number;
} | {
    kind: 'positions';
    positions: [number, number][];
} | {
    kind: 'area';
    x: [number, number];
    y: [number, number];
};

// dist/src/world/world.d.ts#Server
export interface Server {
    position: [number, number];
    bandwidth: {
        off: number;
        back: number;
    };
    power: number;
    fEs: number;
}

// dist/src/world/world.d.ts#ServiceType
export type ServiceType = 'comp' | 'aigc' | 've';

// dist/src/world/world.d.ts#UserGroup
export interface UserGroup {
    count: number;
    placement: Placement;
    activity: number;
}

// dist/src/world/world.d.ts#World
export interface World {
    /** The letter's keys (channel, data, cyclesPerBit, fLocal, xi, zeta, psi, power.comp/ve, ...). */
    scenario: Scenario;
    /** M >= 1 servers. */
    servers: Server[];
    users: Record<ServiceType, UserGroup>;
    association: 'nearest' | 'policy';
}

// dist/src/world/world.d.ts#describeWorld
export function describeWorld(world: World): string;

// dist/src/world/world.d.ts#isLetter
export function isLetter(world: World): boolean;

// dist/src/world/world.d.ts#userCount
export function userCount(world: World): number;

// dist/src/world/world.d.ts#worldOf
export function worldOf(scenario: Scenario): World;

// dist/src/world/world.d.ts#worldSummary
export function worldSummary(world: World): string;
