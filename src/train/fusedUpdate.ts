// The fused DDPG update (shaders/lara_critic_update_fused.wgsl, lara_actor_update_fused.wgsl): per update, one dispatch
// takes the minibatch through the critic's forward, loss and backward to its split-K weight-gradient partials, one Adam
// dispatch (shaders/adam.wgsl) adds them up, steps and soft-updates the critic's target, and the same two for the actor
// through the updated critic: 4 dispatches where the per-layer path records 13 or more. Of U updates in a row, the
// actor's steps of update u share their dispatches with the critic's of update u + 1, which read the same critic and
// not the actor (lara_update_pair_fused.wgsl, adam_pair.wgsl): 2 U + 2 dispatches, the same sums bit for bit. The lane
// kernels (lara_*_lanes.wgsl) do the same with each invocation's rows in its own memory. A variant the tuner picks
// (tuneFusedUpdate), offered at gamma 0 for networks whose block of rows fits workgroup (or private) memory.
import { createStorage } from '../gpu/buffers.js';
import { deviceAdapterInfo } from '../gpu/runtime.js';
import { defineKernel, dispatchOf, releaseDispatches, type Binding, type Dispatch, type Recorder } from '../gpu/kernel.js';
import { chooseInPlace, type InPlaceHarness, type Tuner } from '../gpu/tuner.js';
import {
  ADAM_PAIR_STORAGE_BUFFERS, AdamSchedule, adamDispatch, adamEntryOffset, adamKernel, adamPairDispatch, adamPairKernel, adamPairOffsets,
} from '../nn/adam.js';
import type { AdamHyper } from '../nn/adamHyper.js';
import { mlpLayout } from '../nn/layout.js';
import { MIXED_PRECISION_TOLERANCE } from '../nn/linear.js';
import type { GpuMlp } from '../nn/mlp.js';
import type { DerivedRun } from './derive.js';
import type { ReduceVariant } from '../gpu/reduce.js';
import { laraMetricsKernel, stepBinding, stepOffset } from './laraKernels.js';
import { itemsDispatch } from '../gpu/kernel.js';
import { fusedActCost, fusedActDispatch, fusedActShape } from './fusedAct.js';
import { fusedMlpDefines, LANE_MEMORY_BYTES, laneMlpDefines, netDefines } from './fusedMlpDefines.js';
import { ACTION_SIZE, LARA_DEFINES, OBSERVATION_SIZE, REPLAY_FEATURES, REPLAY_OBS } from './layout.js';
import { persistentIterations, persistentUnfit, type PersistentIterations } from './persistent.js';
import { mlpWeightAdamKernel, weightPassDispatch, weightPassFloats } from './fusedWeightPass.js';
import { FoldedUpdate, foldUnfit } from './fusedFold.js';
import { HalfWeights } from './halfWeights.js';
import { foldStride } from './foldLayout.js';

/**
 * Rows per block (held in workgroup memory) and rows per workgroup (blocks in turn; its count = the split-K slices);
 * cols: columns of each work item's register block (lib/fused_mlp.wgsl FM_CB; 1 when left out; the same sums in the
 * same order whatever it is); act: the act takes the actor's forward as its prologue (lara_act_forward, fusedAct.ts;
 * left out: the actor's forward and lara_act, as on the per-layer path; the same replay rows either way). lanes: the
 * lane kernels instead (lara_*_lanes.wgsl, lib/lane_mlp.wgsl): each invocation takes `rows` rows (a multiple of 4)
 * through in its own memory and writes its own split-K slice, rowsPerWorkgroup / rows invocations per workgroup; cols
 * is not used. subgroups (lanes only): the workgroup's invocations lie in one subgroup and add up their sums
 * (subgroupAdd), one slice per workgroup: fewer slices for Adam to add, at the price of a subgroup sum per entry.
 * persistent (lanes and act only): one workgroup of rowsPerWorkgroup / rows invocations runs a submit's iterations whole
 * in one dispatch (shaders/lara_persistent.wgsl, persistent.ts), rowsPerWorkgroup rows per pass. weightPass (not
 * lanes): the row kernels store each layer's block inputs and deltas, and one dispatch per network computes the weight
 * gradient over the minibatch with Adam (fusedWeightPass.ts); no pairs. foldAdam (lanes, not persistent, an even
 * count of updates per iteration): each gradient dispatch takes the Adam steps pending for the networks it reads in
 * every workgroup first (fusedFold.ts), U + 1 update dispatches per iteration instead of 2 U + 2, the actor's last step
 * taken by the next act (or, after a submit's last iteration, by a dispatch of its own). blocks (lanes, not persistent;
 * 1 when left out): each invocation takes `blocks` blocks of `rows` rows one after the other, each block its own slice
 * as a workgroup of its own would write it (the same sums), rowsPerWorkgroup / (rows blocks) invocations per
 * workgroup: fewer workgroups, each repeating the folded Adam steps once. halfWeights (weight pass only; mixed precision,
 * shader-f16): the row kernels and the fused act stream f16 copies of both networks' weights (halfWeights.ts), made at
 * each submit's start and kept by the weight pass beside each Adam step: half the bytes of every weight stream, which
 * is what bounds the row kernels of wide networks (bench/predict.ts); products and sums stay f32, the parameters and
 * Adam f32.
 */
export interface FusedVariant {
  rows: number; rowsPerWorkgroup: number; cols?: number; act?: boolean; lanes?: boolean; subgroups?: boolean; persistent?: boolean;
  weightPass?: boolean; foldAdam?: boolean; blocks?: number; halfWeights?: boolean;
}

/** A fused kernel's compile-time shape: the variant and both networks' sizes. */
export interface FusedKernelShape extends FusedVariant { actor: readonly number[]; critic: readonly number[] }

/** Widest layer the fused kernels take (sizes up to this share the workgroup's invocations). */
export const FUSED_UPDATE_MAX_WIDTH = 256;
/** Invocations per workgroup: the widest layer rounded up to 32, at least the block's rows. */
export function fusedThreads(s: FusedKernelShape): number {
  const widest = Math.max(...s.actor, ...s.critic);
  return Math.max(s.rows, Math.min(FUSED_UPDATE_MAX_WIDTH, Math.ceil(widest / 32) * 32));
}

/** Floats of workgroup memory of each kernel (fm_mem), and its defines. */
function criticLayout(s: FusedKernelShape) {
  const c = netDefines('C', s.critic, s.rows, 0);
  return { floats: c.end, defines: c.defines };
}
function actorLayout(s: FusedKernelShape) {
  const a = netDefines('A', s.actor, s.rows, 0);
  const c = netDefines('C', s.critic, s.rows, a.end);
  return { floats: c.end + s.rows * ACTION_SIZE, defines: { ...a.defines, ...c.defines, D_AT: c.end } };
}

/**
 * The lane kernels' activations: the actor's in one LaneMemory from 0, the critic's in another from 0 with dQ/dfeatures
 * after it (each a function-scope array of its own function, lib/lane_mlp.wgsl); LM_FLOATS, the larger of the two.
 */
function laneActorLayout(s: FusedKernelShape) {
  const a = netDefines('A', s.actor, s.rows, 0);
  const c = netDefines('C', s.critic, s.rows, 0);
  return { floats: Math.max(a.end, c.end + s.rows * ACTION_SIZE), defines: { ...a.defines, ...c.defines, D_AT: c.end } };
}


/** Invocations per workgroup of a lane kernel (its rows per workgroup in blocks of `rows` rows). */
export const laneThreads = (v: FusedVariant) => v.rowsPerWorkgroup / v.rows / (v.blocks ?? 1);

/** Invocations of a subgroup that share their weight loads (lib/lane_mlp.wgsl lm_weights8). */
export const LANE_SHARE_WIDTH = 8;
/**
 * Whether a lane kernel's workgroup, one subgroup, shares its weight loads: subgroup sums on LANE_SHARE_WIDTH
 * invocations, all of which take every pass; not the persistent trainer, whose act gives its invocations different
 * numbers of envs.
 */
export const laneShares = (v: FusedVariant) => v.subgroups === true && laneThreads(v) === LANE_SHARE_WIDTH && v.persistent !== true;
/** Floats of workgroup memory of a lane kernel that shares its weight gradients: 8 input columns of the workgroup's rows. */
export const laneColumnsFloats = (v: FusedVariant) => (laneShares(v) ? LANE_SHARE_WIDTH * laneThreads(v) * v.rows : 0);

export const laneFeatures = (s: FusedKernelShape) => (s.subgroups ? ['subgroups'] : []);

const laneVariant = (layout: (s: FusedKernelShape) => { floats: number; defines: Record<string, number | string> }) => (s: FusedKernelShape) => {
  const { floats, defines } = layout(s);
  return {
    constants: { WORKGROUP_SIZE: laneThreads(s) },
    defines: {
      ...defines,
      ...laneMlpDefines({ rows: s.rows, floats, subgroups: s.subgroups === true, share: laneShares(s), columnsFloats: laneColumnsFloats(s), blocks: s.blocks ?? 1 }),
    },
  };
};

/** The overrides and defines of the lane kernels that hold both networks (the actor's update, the pair, the persistent trainer). */
export const laneActorVariant = laneVariant(laneActorLayout);

const fusedVariant = (layout: (s: FusedKernelShape) => { floats: number; defines: Record<string, number | string> }) => (s: FusedKernelShape) => {
  const { floats, defines } = layout(s);
  return {
    constants: { THREADS: fusedThreads(s) },
    defines: {
      ...defines, ...fusedMlpDefines(s.rows, s.cols, floats, s.weightPass === true), ROWS_PER_WORKGROUP: s.rowsPerWorkgroup,
      WEIGHT_TYPE: s.halfWeights ? 'f16' : 'f32',
    },
  };
};

/** The features of a fused row kernel: shader-f16 where it streams the f16 copies. */
const fusedFeatures = (s: FusedKernelShape) => (s.halfWeights ? ['shader-f16'] : []);

export const laraCriticUpdateFusedKernel = defineKernel({
  shader: 'lara_critic_update_fused.wgsl',
  bindings: { step: 'dynamic-uniform', replay: 'read', weights: 'read', gradPartials: 'read-write', lossPartials: 'read-write' },
  defines: LARA_DEFINES, variant: fusedVariant(criticLayout), workgroup: (s: FusedKernelShape) => [fusedThreads(s)], features: fusedFeatures,
});

export const laraActorUpdateFusedKernel = defineKernel({
  shader: 'lara_actor_update_fused.wgsl',
  bindings: { step: 'dynamic-uniform', replay: 'read', actor: 'read', critic: 'read', gradPartials: 'read-write', lossPartials: 'read-write' },
  defines: LARA_DEFINES, variant: fusedVariant(actorLayout), workgroup: (s: FusedKernelShape) => [fusedThreads(s)], features: fusedFeatures,
});

export const laraUpdatePairFusedKernel = defineKernel({
  shader: 'lara_update_pair_fused.wgsl',
  bindings: {
    actorStep: 'dynamic-uniform', criticStep: 'dynamic-uniform', replay: 'read', actor: 'read', critic: 'read',
    actorGrads: 'read-write', criticGrads: 'read-write', actorLoss: 'read-write', criticLoss: 'read-write',
  },
  defines: LARA_DEFINES, variant: fusedVariant(actorLayout), workgroup: (s: FusedKernelShape) => [fusedThreads(s)],
});

/** Floats from one of the critic's split-K slices to the next: its parameters, or for the folded update its fold buffer's stride. */
const criticSlice = (s: FusedKernelShape) => {
  const count = mlpLayout(s.critic).parameterCount;
  return s.foldAdam ? foldStride(count) : count;
};

export const laraCriticUpdateLanesKernel = defineKernel({
  shader: 'lara_critic_update_lanes.wgsl',
  bindings: laraCriticUpdateFusedKernel.spec.bindings,
  defines: LARA_DEFINES,
  variant: (s: FusedKernelShape) => {
    const v = laneVariant(criticLayout)(s);
    return { ...v, defines: { ...v.defines, C_SLICE: criticSlice(s) } };
  },
  workgroup: (s: FusedKernelShape) => [laneThreads(s)], features: laneFeatures,
});

export const laraActorUpdateLanesKernel = defineKernel({
  shader: 'lara_actor_update_lanes.wgsl',
  bindings: laraActorUpdateFusedKernel.spec.bindings,
  defines: LARA_DEFINES, variant: laneActorVariant, workgroup: (s: FusedKernelShape) => [laneThreads(s)], features: laneFeatures,
});

export const laraUpdatePairLanesKernel = defineKernel({
  shader: 'lara_update_pair_lanes.wgsl',
  bindings: laraUpdatePairFusedKernel.spec.bindings,
  defines: LARA_DEFINES, variant: laneActorVariant, workgroup: (s: FusedKernelShape) => [laneThreads(s)], features: laneFeatures,
});

/** The three gradient kernels of a variant: the fused (workgroup blocks) or the lane ones. */
export const fusedKernels = (v: FusedVariant) => (v.lanes
  ? { critic: laraCriticUpdateLanesKernel, actor: laraActorUpdateLanesKernel, pair: laraUpdatePairLanesKernel }
  : { critic: laraCriticUpdateFusedKernel, actor: laraActorUpdateFusedKernel, pair: laraUpdatePairFusedKernel });

/** Whether the device takes the paired dispatches (lara_update_pair_fused.wgsl's 7 storage buffers, adam_pair.wgsl's 10). */
const pairsFit = (device: GPUDevice) => device.limits.maxStorageBuffersPerShaderStage >= ADAM_PAIR_STORAGE_BUFFERS;

/**
 * Parameters of the larger network from which the quick tuning also times the weight pass (the split-K slices it
 * saves grow with them; below, the pairs it gives up win: bench/RESULTS.md).
 */
export const WEIGHT_PASS_QUICK_PARAMETERS = 16384;

/** Workgroups of a fused dispatch at `batch` rows. */
export const fusedWorkgroups = (batch: number, v: FusedVariant) => Math.ceil(batch / v.rowsPerWorkgroup);
/**
 * Split-K slices of a fused dispatch at `batch` rows, and its loss partials per update: one per workgroup (per block of
 * a workgroup of a lane kernel with blocks), or per invocation and block of a lane kernel without subgroups.
 */
export const fusedSlices = (batch: number, v: FusedVariant) => (v.lanes && !v.subgroups ? Math.ceil(batch / v.rows) : fusedWorkgroups(batch, v) * (v.blocks ?? 1));

/** The smallest subgroup of the device's adapter (0 where the device does not say). */
const smallestSubgroup = (device: GPUDevice) => deviceAdapterInfo(device)?.subgroupMinSize ?? 0;

/** What the fused kernels' fit depends on: the networks, gamma, the batch and envs, and whether the world is generalised. */
export interface FusedRun {
  actorSizes: readonly number[]; criticSizes: readonly number[];
  /**
   * The Step ring's entries per submit (iterationsPerSubmit x updatesPerIteration), which the persistent trainer binds
   * whole; and updatesPerIteration, which the folded update needs even.
   */
  config: { gamma: number; batch: number; envs: number; iterationsPerSubmit?: number; updatesPerIteration?: number };
  shape: { world?: unknown };
}

/** Why the fused update cannot run this config with this variant on this device, or null when it can. */
export function fusedUpdateUnfit(device: GPUDevice, run: FusedRun, v: FusedVariant): string | null {
  const s: FusedKernelShape = { ...v, actor: run.actorSizes, critic: run.criticSizes };
  const l = device.limits;
  if (run.config.gamma > 0) return 'gamma > 0 (the critic target needs the target networks)';
  if (run.shape.world) return "a generalised world (its action head and features are the world's kernels')";
  if (REPLAY_OBS + OBSERVATION_SIZE !== REPLAY_FEATURES) return 'the replay row does not hold obs | features contiguously';
  if (Math.max(...s.actor, ...s.critic) > FUSED_UPDATE_MAX_WIDTH) return `a layer wider than ${FUSED_UPDATE_MAX_WIDTH}`;
  if (!(Number.isInteger(v.rows) && v.rows >= 1 && v.rowsPerWorkgroup % v.rows === 0)) return 'rows per workgroup not a multiple of the block';
  if (v.lanes && v.rows % 4 !== 0) return 'lane rows not a multiple of 4 (a column of rows is whole vectors)';
  const blocks = v.blocks ?? 1;
  if (blocks > 1 && !v.lanes) return 'blocks without lanes (a lane invocation takes its blocks of rows one after the other)';
  if (blocks > 1 && v.persistent) return 'blocks with the persistent trainer (which takes its rows in passes of its own)';
  if (v.lanes && v.rowsPerWorkgroup % (v.rows * blocks) !== 0) return 'rows per workgroup not a multiple of the lane rows times the blocks';
  if (v.subgroups && !v.lanes) return 'subgroups without lanes';
  if (v.weightPass && v.lanes) return 'a weight pass with lanes (the lane kernels write their own slices)';
  if (v.halfWeights && !v.weightPass) return 'half weights without the weight pass (which keeps their f16 copies)';
  if (v.halfWeights && !device.features.has('shader-f16')) return 'half weights on a device without the feature shader-f16';
  if (v.persistent) {
    const unfit = persistentUnfit(device, v, run.config);
    if (unfit) return unfit;
  }
  if (v.foldAdam) {
    const unfit = foldUnfit(device, v, run.config.updatesPerIteration);
    if (unfit) return unfit;
  }
  if (v.subgroups && !device.features.has('subgroups')) return 'the device lacks the feature subgroups';
  if (v.subgroups && laneThreads(v) > smallestSubgroup(device)) {
    return `a workgroup of ${laneThreads(v)} invocations, more than the adapter's smallest subgroup (${smallestSubgroup(device) || 'unknown'})`;
  }
  // The activations of the larger kernel: one network's in a function's memory (lanes), else the workgroup's with its
  // rows' indices and rewards.
  const floats = Math.max(v.lanes ? laneActorLayout(s).floats : actorLayout(s).floats, criticLayout(s).floats);
  if (v.lanes && 4 * floats > LANE_MEMORY_BYTES) return `${4 * floats} bytes of one network's activations in a function, more than WGSL's ${LANE_MEMORY_BYTES}`;
  // Workgroup memory: a lane kernel's shared input columns and, folded, both networks' params as whole vectors; else those activations.
  const bytes = v.lanes
    ? 4 * (laneColumnsFloats(v) + (v.foldAdam ? foldStride(mlpLayout(s.actor).parameterCount) + foldStride(mlpLayout(s.critic).parameterCount) : 0))
    : 4 * floats + 8 * v.rows;
  if (bytes > l.maxComputeWorkgroupStorageSize) return `${bytes} bytes of workgroup memory, more than ${l.maxComputeWorkgroupStorageSize}`;
  const threads = v.lanes ? laneThreads(v) : fusedThreads(s);
  if (threads > Math.min(l.maxComputeInvocationsPerWorkgroup, l.maxComputeWorkgroupSizeX)) return 'too many invocations per workgroup';
  const partialBytes = 4 * (v.weightPass
    ? Math.max(weightPassFloats({ sizes: s.actor, rows: v.rows }, run.config.batch), weightPassFloats({ sizes: s.critic, rows: v.rows }, run.config.batch))
    : fusedSlices(run.config.batch, v) * Math.max(mlpLayout(s.actor).parameterCount, mlpLayout(s.critic).parameterCount));
  if (partialBytes > Math.min(l.maxStorageBufferBindingSize, l.maxBufferSize)) return 'split-K partials larger than a storage buffer';
  return null;
}

/**
 * The variants offered at this config (those that fit): blocks of 8 or 16 rows (4 for wide networks), 2 to 64
 * workgroups (few: each re-reads the weights and writes a slice; many: the GPU's cores all busy), and work items of 1
 * or 4 columns (4: fewer loads per fma, which a CPU adapter's SIMD lanes need; 1: more items, which a GPU's cores do);
 * and the lane kernels with 4 or 8 rows per invocation (as many as fit WGSL's 8 KiB per function), 8 or 32 invocations
 * per workgroup (a CPU adapter's lanes: weights loaded once per rows, no workgroup memory, no barrier), and of 8 with
 * subgroup sums where the adapter's subgroups hold them, those also with two blocks of rows per invocation where the
 * batch has two; each lane variant also with its Adam steps folded in. With `mixedPrecision`, each weight pass also with
 * half weights (where the device has shader-f16).
 */
export function fusedUpdateCandidates(device: GPUDevice, run: DerivedRun, { mixedPrecision = false }: { mixedPrecision?: boolean } = {}): FusedVariant[] {
  const { batch } = run.config;
  const out: FusedVariant[] = [];
  for (const rows of [16, 8, 4]) {
    for (const groups of [2, 8, 32, 64]) {
      const rowsPerWorkgroup = Math.ceil(Math.ceil(batch / groups) / rows) * rows;
      if (out.some((o) => o.rows === rows && o.rowsPerWorkgroup === rowsPerWorkgroup)) continue;
      for (const v of [{ rows, rowsPerWorkgroup }, { rows, rowsPerWorkgroup, cols: 4 }, ...withHalf({ rows, rowsPerWorkgroup, weightPass: true }, mixedPrecision)]) {
        if (fusedUpdateUnfit(device, run, v) === null) out.push(v);
      }
    }
  }
  // Where a network is wide, blocks of 2 and 1 rows, one per workgroup: more than 64 workgroups for a large GPU's
  // compute units, each streaming the weights from a cache (the re-read peak, bench/predict.ts).
  if (Math.max(run.actorParameters, run.criticParameters) >= WEIGHT_PASS_QUICK_PARAMETERS) {
    for (const rows of [2, 1]) {
      if (Math.ceil(batch / rows) <= 64) continue;
      for (const v of [{ rows, rowsPerWorkgroup: rows }, ...withHalf({ rows, rowsPerWorkgroup: rows, weightPass: true }, mixedPrecision)]) {
        if (fusedUpdateUnfit(device, run, v) === null) out.push(v);
      }
    }
  }
  for (const rows of [8, 4]) {
    for (const v of [
      { rows, rowsPerWorkgroup: rows * 8, lanes: true, subgroups: true }, { rows, rowsPerWorkgroup: rows * 8, lanes: true },
      { rows, rowsPerWorkgroup: rows * 32, lanes: true },
      // Two blocks per invocation: half the workgroups, each repeating the folded Adam steps (where the batch has them).
      ...(batch > rows * 8 ? [{ rows, rowsPerWorkgroup: rows * 16, lanes: true, subgroups: true, blocks: 2 }] : []),
    ]) {
      for (const w of [v, { ...v, foldAdam: true }]) if (fusedUpdateUnfit(device, run, w) === null) out.push(w);
    }
  }
  return out;
}

/** A weight-pass variant, and with `mixedPrecision` the same with half weights after it. */
const withHalf = (v: FusedVariant, mixedPrecision: boolean): FusedVariant[] => (mixedPrecision ? [v, { ...v, halfWeights: true }] : [v]);

export const describeFused = (v: FusedVariant | null) =>
  (v ? `fused ${v.lanes ? `lanes${v.subgroups ? ' subgroups' : ''}${v.persistent ? ' persistent' : ''} ` : ''}r${v.rows} w${v.rowsPerWorkgroup}${(v.cols ?? 1) > 1 ? ` c${v.cols}` : ''}${v.weightPass ? ' wpass' : ''}${v.halfWeights ? ' half' : ''}${v.foldAdam ? ' fold' : ''}${(v.blocks ?? 1) > 1 ? ` b${v.blocks}` : ''}${v.act ? ' act' : ''}` : 'layers');

/** The networks the update reads and writes, and the trainer's buffers it binds. */
export interface FusedUpdateParts {
  actor: GpuMlp; critic: GpuMlp; actorTarget: GpuMlp; criticTarget: GpuMlp;
  /** The replay ring, the Step ring, the act kernel's metric partials and the chunk metrics (LaraBuffers). */
  replay: GPUBuffer; ring: GPUBuffer; actPartials: GPUBuffer; metrics: GPUBuffer;
  /** What the fused act binds beside them (LaraBuffers): the scenario and norm uniforms, the envs' states and obs. */
  scenario: GPUBuffer; norm: GPUBuffer; states: GPUBuffer; obs: GPUBuffer;
  /** The workgroup sum of the metrics kernel. */
  reduce: ReduceVariant;
}

/**
 * What a fused variant records: the per-update dispatches (and the pairs), the folded update's dispatches (fusedFold.ts),
 * or, with the persistent trainer, whole submits (persistent.ts); each builds only its own pipelines.
 */
const recordsOf = (v: FusedVariant) => (v.persistent ? 'submits' : v.foldAdam ? 'folded' : 'updates');

/** Both networks' fused update, bound once: encode() records the 4 dispatches of one update. */
export class FusedUpdate {
  private constructor(
    readonly variant: FusedVariant,
    /** Loss partials per update (the workgroups of a fused dispatch): what the Step ring's loss_partials must say. */
    readonly lossPartials: number,
    private readonly schedules: { actor: AdamSchedule; critic: AdamSchedule },
    /** The dispatches of one update (null where the variant records folded updates or whole submits). */
    private readonly dispatches: { critic: Dispatch; criticAdam: Dispatch; actor: Dispatch; actorAdam: Dispatch } | null,
    /** The actor's steps of update u beside the critic's of update u + 1 (null where the device lacks the bindings, or as dispatches). */
    private readonly pairs: { gradients: Dispatch; adam: Dispatch } | null,
    /** The chunk metrics over this update's loss partials (lossPartials per update) and its act's partials. */
    readonly metrics: Dispatch,
    /**
     * The act with the actor's forward as its prologue (lara_act_forward.wgsl) and its partials per iteration (what the
     * Step ring's act_partials must say); null where it does not fit (the actor's forward and lara_act then).
     */
    readonly act: { dispatch: Dispatch; partials: number } | null,
    /** With variant.persistent, the persistent trainer (persistent.ts), which then runs whole submits instead. */
    readonly persistent: PersistentIterations | null,
    /** With variant.foldAdam, the folded update (fusedFold.ts), which then records every iteration's updates. */
    private readonly folded: FoldedUpdate | null,
    /** With variant.halfWeights, both networks' f16 copies that the row kernels and the act stream (halfWeights.ts). */
    private readonly half: HalfWeights | null,
    private readonly owned: GPUBuffer[],
  ) {}

  /** maxStepsPerSubmit: updates per chunk (Adam ring entries, loss partial rows). */
  static async create(device: GPUDevice, run: DerivedRun, parts: FusedUpdateParts, variant: FusedVariant, maxStepsPerSubmit: number): Promise<FusedUpdate> {
    const unfit = fusedUpdateUnfit(device, run, variant);
    if (unfit) throw new RangeError(`fused update ${describeFused(variant)}: ${unfit}`);
    const { batch, tau } = run.config;
    const shape: FusedKernelShape = { ...variant, actor: run.actorSizes, critic: run.criticSizes };
    // Split-K slices (and loss partials per update), and the workgroups of one network's gradient dispatch.
    const groups = fusedSlices(batch, variant), workgroups = fusedWorkgroups(batch, variant);
    const kernels = fusedKernels(variant);
    const { actor, critic, actorTarget, criticTarget } = parts;
    const records = recordsOf(variant);
    const updates = records === 'updates';
    // The weight pass has no paired dispatches (each network's weight kernel is its own).
    const paired = updates && pairsFit(device) && !variant.weightPass;
    const halfWeights = variant.halfWeights === true;
    const passes = { critic: { sizes: run.criticSizes, rows: variant.rows, halfWeights }, actor: { sizes: run.actorSizes, rows: variant.rows, halfWeights } };
    const half = halfWeights ? await HalfWeights.create(device, actor, critic) : null;
    // The weights the row kernels and the act stream: the f16 copies with half weights, else the parameters.
    const streamed = { actor: half?.actor.buffer ?? actor.params, critic: half?.critic.buffer ?? critic.params };
    // The persistent trainer acts itself.
    const act = variant.act && records !== 'submits' ? await fusedActDispatch(device, run, fusedActShape(run, variant, parts.reduce), {
      ring: parts.ring, scenario: parts.scenario, norm: parts.norm, states: parts.states, obs: parts.obs, replay: parts.replay, actorParams: streamed.actor,
    }, maxStepsPerSubmit) : null;
    // The folded update takes the critic's first gradient of an iteration from the lane kernel, its other passes from its own.
    const [criticPipeline, actorPipeline, adam, metrics, pairPipeline, adamPair, criticPass, actorPass] = await Promise.all([
      records !== 'submits' ? kernels.critic.pipeline(device, shape) : null, updates ? kernels.actor.pipeline(device, shape) : null,
      updates ? adamKernel.pipeline(device, undefined) : null, laraMetricsKernel.pipeline(device, parts.reduce),
      paired ? kernels.pair.pipeline(device, shape) : null, paired ? adamPairKernel.pipeline(device, undefined) : null,
      variant.weightPass ? mlpWeightAdamKernel.pipeline(device, passes.critic) : null, variant.weightPass ? mlpWeightAdamKernel.pipeline(device, passes.actor) : null,
    ]);
    const steps = maxStepsPerSubmit;
    const criticPartials = createStorage(device, steps * groups * 4, 'fused.criticLossPartials');  // (updates per chunk, groups)
    const actorPartials = createStorage(device, steps * groups * 4, 'fused.actorLossPartials');
    // (groups, P): the split-K slices; with the weight pass, the stored blocks (fusedWeightPass.ts).
    const gradFloats = (net: GpuMlp, pass: { sizes: readonly number[]; rows: number }) => (variant.weightPass ? weightPassFloats(pass, batch) : groups * net.parameterCount);
    const grads = updates ? {
      critic: createStorage(device, gradFloats(critic, passes.critic) * 4, 'fused.criticGradPartials'),
      actor: createStorage(device, gradFloats(actor, passes.actor) * 4, 'fused.actorGradPartials'),
      unused: createStorage(device, 16, 'fused.unused'),
    } : null;
    const schedules = {
      actor: new AdamSchedule(device, maxStepsPerSubmit, actor.parameterCount, 'fused.actorAdamSchedule'),
      critic: new AdamSchedule(device, maxStepsPerSubmit, critic.parameterCount, 'fused.criticAdamSchedule'),
    };
    const step = stepBinding(parts.ring);
    const c = mlpLayout(run.criticSizes).layers, a = mlpLayout(run.actorSizes).layers;
    const flops = (layers: typeof c) => layers.reduce((s, l) => s + 2 * batch * l.inputs * l.outputs, 0);
    const criticFlops = 3 * flops(c);
    const actorFlops = flops(a) * 3 + flops(c) * 2;
    // Each block streams the weights of the passes that read them (a lane invocation's rows are its block): the critic's
    // forward and backward to its hidden layers; the actor's forward and backward, and the critic's forward and backward
    // to its input inside the actor's chain (the weight gradient reads activations, not weights). A workgroup of the
    // fused kernels writes its slice at every block and reads it back at every block after its first; a lane
    // invocation writes its own once (with subgroup sums, its workgroup's once).
    // The weight pass stores the blocks' inputs and deltas instead (and computes no weight gradient there). Weights
    // stream as f16 with half weights (2 bytes each), else f32.
    const blocks = Math.ceil(batch / variant.rows);
    const w = halfWeights ? 2 : 4;
    const slices = variant.lanes ? (variant.subgroups ? groups : blocks) : 2 * blocks - groups;
    const stored = (net: GpuMlp, pass: { sizes: readonly number[]; rows: number }) => (variant.weightPass ? weightPassFloats(pass, batch) : slices * net.parameterCount);
    // Of each pass's weight streams, all but the first are re-reads (a cache's, where the weights fit one).
    const criticCost = {
      flops: variant.weightPass ? 2 * flops(c) : criticFlops, bytes: 4 * (batch * 15 + stored(critic, passes.critic)) + w * 2 * blocks * critic.parameterCount,
      rereadBytes: w * 2 * (blocks - 1) * critic.parameterCount,
    };
    const actorCost = {
      flops: variant.weightPass ? actorFlops - flops(a) : actorFlops,
      bytes: 4 * (batch * 8 + stored(actor, passes.actor)) + w * 2 * blocks * (actor.parameterCount + critic.parameterCount),
      rereadBytes: w * 2 * (blocks - 1) * (actor.parameterCount + critic.parameterCount),
    };
    const pairCost = { flops: actorFlops + criticFlops, bytes: actorCost.bytes + criticCost.bytes, rereadBytes: actorCost.rereadBytes + criticCost.rereadBytes };
    // The critic's gradient, its slices written to `gradPartials` (the folded update's to its fold buffer).
    const criticGradient = criticPipeline && ((gradPartials: Binding) => dispatchOf(device, criticPipeline, {
      step, replay: parts.replay, weights: streamed.critic, gradPartials, lossPartials: criticPartials,
    }, [workgroups, 1, 1], { op: 'lara.criticUpdateFused', cost: criticCost }));
    const dispatches = grads && criticGradient && actorPipeline && adam ? {
      critic: criticGradient(grads.critic),
      criticAdam: criticPass
        ? weightPassDispatch(device, criticPass, passes.critic, schedules.critic, {
          acts: grads.critic, params: critic.params, m: critic.adamM!, v: critic.adamV!, target: criticTarget.params, params16: half?.critic.buffer ?? grads.unused,
        }, batch, tau, 'critic.weightAdam')
        : adamDispatch(device, adam, schedules.critic, { params: critic.params, gradients: grads.critic, m: critic.adamM!, v: critic.adamV!, unusedTarget: grads.unused },
          { splits: groups, softUpdate: { target: criticTarget.params, tau } }, 'critic.adam'),
      actor: dispatchOf(device, actorPipeline, { step, replay: parts.replay, actor: streamed.actor, critic: streamed.critic, gradPartials: grads.actor, lossPartials: actorPartials },
        [workgroups, 1, 1], { op: 'lara.actorUpdateFused', cost: actorCost }),
      actorAdam: actorPass
        ? weightPassDispatch(device, actorPass, passes.actor, schedules.actor, {
          acts: grads.actor, params: actor.params, m: actor.adamM!, v: actor.adamV!, target: actorTarget.params, params16: half?.actor.buffer ?? grads.unused,
        }, batch, tau, 'actor.weightAdam')
        : adamDispatch(device, adam, schedules.actor, { params: actor.params, gradients: grads.actor, m: actor.adamM!, v: actor.adamV!, unusedTarget: grads.unused },
          { splits: groups, softUpdate: { target: actorTarget.params, tau } }, 'actor.adam'),
    } : null;
    const pairs = grads && pairPipeline && adamPair ? {
      gradients: dispatchOf(device, pairPipeline, {
        actorStep: step, criticStep: step, replay: parts.replay, actor: actor.params, critic: critic.params,
        actorGrads: grads.actor, criticGrads: grads.critic, actorLoss: actorPartials, criticLoss: criticPartials,
      }, [2 * workgroups, 1, 1], { op: 'lara.updatePairFused', cost: pairCost }),
      adam: adamPairDispatch(device, adamPair,
        { schedule: schedules.actor, params: actor.params, gradients: grads.actor, m: actor.adamM!, v: actor.adamV!, target: actorTarget.params },
        { schedule: schedules.critic, params: critic.params, gradients: grads.critic, m: critic.adamM!, v: critic.adamV!, target: criticTarget.params },
        { splits: groups, tau }, 'actorCritic.adam'),
    } : null;
    const metricsDispatch = itemsDispatch(device, metrics, {
      step, actPartials: act ? act.partials : parts.actPartials, criticPartials, actorPartials, metrics: parts.metrics,
    }, 1);
    const persistent = variant.persistent ? await persistentIterations(device, run, { ...parts, schedules }, variant, steps, {
      // The act's weights streamed once per pass of the envs.
      act: fusedActCost(run.config.envs, actor.parameterCount, Math.ceil(run.config.envs / variant.rowsPerWorkgroup)), critic: criticCost, actor: actorCost,
    }) : null;
    const folded = records === 'folded' && criticGradient ? await FoldedUpdate.create(device, shape, { net: actor, target: actorTarget, schedule: schedules.actor },
      { net: critic, target: criticTarget, schedule: schedules.critic }, {
        ring: parts.ring, replay: parts.replay, actorLoss: actorPartials, criticLoss: criticPartials, criticGradient,
      }, { slices: groups, workgroups, tau }, { pair: pairCost, actor: actorCost }, act) : null;
    return new FusedUpdate(variant, groups, schedules, dispatches, pairs, metricsDispatch, act ? { dispatch: act.dispatch, partials: act.workgroups } : null, persistent, folded, half,
      [...(grads ? [grads.critic, grads.actor, grads.unused] : []), criticPartials, actorPartials, schedules.actor.buffer, schedules.critic.buffer, ...(act ? [act.partials] : [])]);
  }

  /** Adam hyperparameters of the next submit's updates (as GpuMlp.writeAdamSchedule). */
  writeAdamSchedules(queue: GPUQueue, actor: readonly AdamHyper[], critic: readonly AdamHyper[]): void {
    this.schedules.actor.write(queue, actor);
    this.schedules.critic.write(queue, critic);
  }

  /**
   * The act of Step ring entry `entry` (this.act's dispatch); where the folded update's act takes the actor's last step
   * of the iteration before, that step's Adam ring entry `pending` (null: none pending, as after a flushed iteration).
   */
  encodeAct(rec: Recorder, entry: number, pending: number | null): void {
    if (!this.act) throw new RangeError('this fused update has no act of its own');
    if (pending !== null && this.folded?.foldsAct) this.folded.encodeAct(rec, entry, pending);
    else rec.dispatch(this.act.dispatch, stepOffset(entry));
  }

  /**
   * What a submit records before its iterations: with half weights, the f16 copies made from the parameters as they
   * are (which the weight pass then keeps); else nothing.
   */
  encodeSubmitStart(rec: Recorder): void {
    this.half?.refresh(rec);
  }

  /** Whether an iteration's updates may leave the actor's last step for the next iteration's act (encodeUpdates without flush). */
  get foldsAct(): boolean { return this.folded?.foldsAct ?? false; }

  /** One update (ReferenceTrainer.update at gamma 0): Step ring entry `entry`, Adam ring entry `adamEntry`. */
  encode(rec: Recorder, entry: number, adamEntry: number): void {
    const d = this.perUpdate();
    rec.dispatch(d.critic, stepOffset(entry));
    rec.dispatch(d.criticAdam, adamEntryOffset(this.schedules.critic, adamEntry));
    rec.dispatch(d.actor, stepOffset(entry));
    rec.dispatch(d.actorAdam, adamEntryOffset(this.schedules.actor, adamEntry));
  }

  /**
   * `updates` updates in a row (Step ring entries entry.., Adam ring entries adamEntry..): as many encode() calls, in
   * 2 updates + 2 dispatches where the device takes the pairs; with the folded update, updates + 2, or updates + 1
   * without `flush` where the next act takes the actor's last step (foldsAct).
   */
  encodeUpdates(rec: Recorder, entry: number, adamEntry: number, updates: number, flush = true): void {
    if (this.folded) { this.folded.encodeUpdates(rec, entry, adamEntry, updates, flush); return; }
    if (!this.pairs || updates < 2) {
      for (let u = 0; u < updates; u++) this.encode(rec, entry + u, adamEntry + u);
      return;
    }
    const d = this.perUpdate(), p = this.pairs, s = this.schedules;
    rec.dispatch(d.critic, stepOffset(entry));
    rec.dispatch(d.criticAdam, adamEntryOffset(s.critic, adamEntry));
    for (let u = 0; u + 1 < updates; u++) {
      rec.dispatch(p.gradients, [...stepOffset(entry + u), ...stepOffset(entry + u + 1)]);
      rec.dispatch(p.adam, adamPairOffsets(s.actor, adamEntry + u, s.critic, adamEntry + u + 1));
    }
    rec.dispatch(d.actor, stepOffset(entry + updates - 1));
    rec.dispatch(d.actorAdam, adamEntryOffset(s.actor, adamEntry + updates - 1));
  }

  /** The per-update dispatches, which a folded update or the persistent trainer does not record. */
  private perUpdate(): NonNullable<FusedUpdate['dispatches']> {
    if (this.dispatches) return this.dispatches;
    throw new RangeError(this.folded ? 'the folded update records an iteration\'s updates together (encodeUpdates)'
      : 'the persistent trainer records whole submits (PersistentIterations.encode)');
  }

  destroy(): void {
    this.persistent?.destroy();
    this.folded?.destroy();
    this.half?.destroy();
    for (const b of this.owned) b.destroy();
    releaseDispatches([...(this.dispatches ? Object.values(this.dispatches) : []), ...(this.pairs ? [this.pairs.gradients, this.pairs.adam] : []), this.metrics, ...(this.act ? [this.act.dispatch] : [])]);
  }
}

/**
 * What tuneFusedUpdate times: the trainer's updates of one iteration with a candidate (use: null, the per-layer path)
 * from a fixed state (reset: weights, Adam moments, a filled replay ring, the Step entry); output: both networks' Adam
 * first moments (a weighted sum of their gradients).
 */
export type FusedUpdateHarness = InPlaceHarness<FusedVariant | null>;

/**
 * The quick tuning's candidates among `candidates` (null: the per-layer update, always first): the largest block that
 * fits on 2 workgroups with work items of 4 columns (a CPU's cores and SIMD lanes) and on 32 with 1 column (a GPU's
 * cores; also with the weight pass where a network is wide), and the lane kernel with the most rows per invocation (a
 * CPU's lanes; with subgroup sums where they fit), without and with its Adam steps folded in, and the same with two
 * blocks of rows per invocation. Where a network is wide, also its weight pass on blocks of 2 rows, one per workgroup
 * (a large GPU's compute units, each streaming the weights from a cache: bench/predict.ts's best at (1, 256) with
 * 256x2 where the cache is fast), and with mixed precision the same with half weights.
 */
export function fusedUpdateQuick(candidates: readonly (FusedVariant | null)[], run: DerivedRun): (FusedVariant | null)[] {
  const { batch } = run.config;
  const likely = (v: FusedVariant, groups: number, cols: number, weightPass = false) =>
    !v.lanes && !v.halfWeights && (v.weightPass ?? false) === weightPass && fusedWorkgroups(batch, v) === groups && (v.cols ?? 1) === cols;
  const first = (groups: number, cols: number, weightPass = false) => candidates.find((v) => v !== null && likely(v, groups, cols, weightPass));
  const wide = Math.max(run.actorParameters, run.criticParameters) >= WEIGHT_PASS_QUICK_PARAMETERS;
  const lane = candidates.find((v) => v?.lanes);
  const blocked = (fold: boolean) => candidates.find((v) => v?.lanes && (v.blocks ?? 1) > 1 && (v.foldAdam ?? false) === fold);
  const spread = (half: boolean) => candidates.find((v) => v !== null && !v.lanes && v.weightPass === true && v.rows === 2 && (v.halfWeights ?? false) === half);
  return [null, first(2, 4), first(32, 1), wide ? first(32, 1, true) : undefined, wide ? spread(false) : undefined, wide ? spread(true) : undefined, lane,
    candidates.find((v) => v?.lanes && v.foldAdam), blocked(false), blocked(true)].filter((v) => v !== undefined);
}

/**
 * Chooses between the per-layer update (the default) and the fused variants by timing one iteration's updates with each
 * (the fused path's paired dispatches included; Adam moments after them checked against the per-layer path's); null:
 * the per-layer path. `mixedPrecision`: also the half-weight variants (within MIXED_PRECISION_TOLERANCE).
 */
export async function tuneFusedUpdate(tuner: Tuner, run: DerivedRun, harness: FusedUpdateHarness, { mixedPrecision = false }: { mixedPrecision?: boolean } = {}): Promise<FusedVariant | null> {
  const candidates: (FusedVariant | null)[] = [null, ...fusedUpdateCandidates(tuner.device, run, { mixedPrecision })];
  const { batch, hidden, updatesPerIteration } = run.config;
  const quick = fusedUpdateQuick(candidates, run);
  const choice = await chooseInPlace(tuner, {
    // Mixed precision offers more candidates: its choice is cached apart.
    name: 'lara.update', shape: `b${batch} hidden ${hidden.join('x')} u${updatesPerIteration}${mixedPrecision ? ' mixed' : ''}`, candidates, quick, describe: describeFused,
    // A different split-K count sums the gradients in another order: ~1e-6 relative on Adam's moments; half weights
    // round every weight to 11 bits.
    tolerance: (v) => (v?.halfWeights ? MIXED_PRECISION_TOLERANCE : 1e-4),
  }, harness);
  harness.reset();
  return choice;
}
