// The lane update with the Adam steps folded in (FusedVariant.foldAdam, shaders/lara_update_fold_lanes.wgsl): each
// gradient dispatch first takes, in every workgroup, the Adam steps still pending for the networks it reads, so an
// iteration of U updates records U + 1 update dispatches instead of 2 U + 2 (the critic's first gradient, U - 1 pairs,
// the actor's last gradient); the actor's last step is taken by the next iteration's act (lara_act_lanes.wgsl with
// ACT_FOLD), or after a submit's last iteration by a dispatch of its own (adam_fold.wgsl). Every workgroup computes the same new params
// into its workgroup memory; workgroup 0 alone writes them, with the moments, into the other of the network's two
// states: state 0 its own buffers (GpuMlp params, adamM, adamV), state 1 in its fold buffer, step k reading state
// k % 2. An iteration's U steps (U even) bring both networks back to their own buffers, so the act, the checkpoint and
// the tuner read them as on the other paths. The fold buffer also holds the two slice regions, update k's gradients in
// region k % 2, so that a dispatch reads the last update's slices while it writes its own.
import { createStorage } from '../gpu/buffers.js';
import { defineKernel, dispatchOf, linearGrid, ownedUniform, releaseDispatches, type Binding, type Cost, type Dispatch, type Recorder } from '../gpu/kernel.js';
import { ADAM_HYPER, ADAM_PAIR_FUSED, adamEntryOffset, type AdamSchedule } from '../nn/adam.js';
import type { GpuMlp } from '../nn/mlp.js';
import { laneActorVariant, laneFeatures, laneThreads, type FusedKernelShape, type FusedVariant } from './fusedUpdate.js';
import { stepBinding, stepOffset } from './laraKernels.js';
import { LARA_DEFINES } from './layout.js';
import { foldDefines, foldLayout, foldVectors, type FoldLayout } from './foldLayout.js';
import { laraActLanesFoldKernel, type FusedActDispatch } from './fusedAct.js';

/** Buffers lara_update_fold_lanes.wgsl binds (the device's per-stage limits must allow them). */
export const FOLD_STORAGE_BUFFERS = 13;
export const FOLD_UNIFORM_BUFFERS = 5;

/** The fold kernel's compile-time shape: the lane variant, both networks' sizes, and their fold buffers. */
export interface FoldShape extends FusedKernelShape { actorFold: FoldLayout; criticFold: FoldLayout }

export const laraUpdateFoldLanesKernel = defineKernel({
  shader: 'lara_update_fold_lanes.wgsl', op: 'lara.updateFold',
  uniforms: [ADAM_HYPER, ADAM_PAIR_FUSED],
  bindings: {
    actorStep: 'dynamic-uniform', criticStep: 'dynamic-uniform', actorHyper: 'dynamic-uniform', criticHyper: 'dynamic-uniform', fused: 'uniform',
    replay: 'read', actor: 'read-write', actorM: 'read-write', actorV: 'read-write', actorTarget: 'read-write', actorFold: 'read-write',
    critic: 'read-write', criticM: 'read-write', criticV: 'read-write', criticTarget: 'read-write', criticFold: 'read-write',
    actorLoss: 'read-write', criticLoss: 'read-write',
  },
  defines: LARA_DEFINES,
  variant: (s: FoldShape) => {
    const lane = laneActorVariant(s);
    return { constants: lane.constants, defines: { ...lane.defines, ...foldDefines('A_', s.actorFold), ...foldDefines('C_', s.criticFold) } };
  },
  workgroup: (s: FoldShape) => [laneThreads(s)],
  features: (s: FoldShape) => laneFeatures(s),
});

const ADAM_FOLD_WORKGROUP = 256;

export const adamFoldKernel = defineKernel({
  shader: 'adam_fold.wgsl', op: 'adam.fold',
  uniforms: [ADAM_HYPER, ADAM_PAIR_FUSED],
  bindings: { hyper: 'dynamic-uniform', fused: 'uniform', params: 'read-write', m: 'read-write', v: 'read-write', target: 'read-write', fold: 'read' },
  variant: (l: FoldLayout) => ({ constants: { WORKGROUP_SIZE: ADAM_FOLD_WORKGROUP }, defines: foldDefines('', l) }),
});

/**
 * Why the folded update cannot run this config with this variant on this device, or null when it can (its params in
 * workgroup memory are counted with the lane kernels' other workgroup memory, in fusedUpdateUnfit).
 */
export function foldUnfit(device: GPUDevice, v: FusedVariant, updatesPerIteration: number | undefined): string | null {
  if (!v.lanes) return 'folded Adam without lanes (its passes are the lane kernels\')';
  if (v.persistent) return 'folded Adam with the persistent trainer (which takes its Adam steps itself)';
  const U = updatesPerIteration;
  if (U === undefined || U % 2 !== 0) return `folded Adam at ${U ?? 'unknown'} updates per iteration (an even count brings each network back to its own buffers)`;
  const l = device.limits;
  if (l.maxStorageBuffersPerShaderStage < FOLD_STORAGE_BUFFERS) return `${FOLD_STORAGE_BUFFERS} storage buffers in one kernel, more than this GPU's ${l.maxStorageBuffersPerShaderStage}`;
  if (l.maxUniformBuffersPerShaderStage < FOLD_UNIFORM_BUFFERS) return `${FOLD_UNIFORM_BUFFERS} uniform buffers in one kernel, more than this GPU's ${l.maxUniformBuffersPerShaderStage}`;
  return null;
}

/** One network as the fold binds it: its state 0, its target, its Adam ring. */
export interface FoldNetwork { net: GpuMlp; target: GpuMlp; schedule: AdamSchedule }

/** What the folded update binds beside the networks. */
export interface FoldParts {
  ring: GPUBuffer; replay: GPUBuffer; actorLoss: GPUBuffer; criticLoss: GPUBuffer;
  /** The critic's first gradient of an iteration (the lane kernel), bound here to write slice region 0 of the critic's fold buffer. */
  criticGradient: (gradPartials: Binding) => Dispatch;
}

/** The folded update's dispatches, bound once: encodeUpdates records an iteration's U updates. */
export class FoldedUpdate {
  private constructor(
    private readonly dispatches: { critic: Dispatch; pair: Dispatch; actor: Dispatch; actorAdam: Dispatch },
    /** The act that takes the actor's pending step first (null where the trainer has no fused act). */
    private readonly act: Dispatch | null,
    private readonly schedules: { actor: AdamSchedule; critic: AdamSchedule },
    private readonly owned: GPUBuffer[],
  ) {}

  /**
   * slices: split-K slices per network (fusedSlices); workgroups: of one network's gradient dispatch; costs: the pair's
   * and the actor's gradient dispatches as the unfolded kernels price them (the fold adds its steps' traffic).
   */
  static async create(device: GPUDevice, shape: FusedKernelShape, actor: FoldNetwork, critic: FoldNetwork, parts: FoldParts,
    config: { slices: number; workgroups: number; tau: number }, costs: { pair: Cost; actor: Cost }, act: FusedActDispatch | null): Promise<FoldedUpdate> {
    const { slices, workgroups, tau } = config;
    const actorFold = foldLayout(actor.net.parameterCount, slices), criticFold = foldLayout(critic.net.parameterCount, slices);
    const [pipeline, adam, actPipeline] = await Promise.all([
      laraUpdateFoldLanesKernel.pipeline(device, { ...shape, actorFold, criticFold }), adamFoldKernel.pipeline(device, actorFold),
      act?.shape.lanes ? laraActLanesFoldKernel.pipeline(device, { ...act.shape, fold: actorFold }) : null,
    ]);
    const actorBuffer = createStorage(device, actorFold.floats * 4, 'fold.actor');
    const criticBuffer = createStorage(device, criticFold.floats * 4, 'fold.critic');
    const step = stepBinding(parts.ring);
    const hyper = (s: AdamSchedule) => ({ buffer: s.buffer, size: ADAM_HYPER.size });
    // The slices each step adds and tau, a uniform of each dispatch's own (releaseDispatches destroys it).
    const fused = (label: string) => ownedUniform(device, ADAM_PAIR_FUSED.pack({ splits: slices, tau }), label);
    // A step's traffic in every workgroup that takes it: the slices and state 0 or 1 read, and workgroup 0's writes;
    // every workgroup after the first re-reads what the first read.
    const stepBytes = (n: FoldNetwork, groups: number) => 4 * n.net.parameterCount * (groups * (slices + 3) + 5);
    const stepRereads = (n: FoldNetwork, groups: number) => 4 * n.net.parameterCount * (groups - 1) * (slices + 3);
    const fold = (groups: number, cost: Cost, label: string) => dispatchOf(device, pipeline, {
      actorStep: step, criticStep: step, actorHyper: hyper(actor.schedule), criticHyper: hyper(critic.schedule),
      fused: fused('fold.fused'), replay: parts.replay,
      actor: actor.net.params, actorM: actor.net.adamM!, actorV: actor.net.adamV!, actorTarget: actor.target.params, actorFold: actorBuffer,
      critic: critic.net.params, criticM: critic.net.adamM!, criticV: critic.net.adamV!, criticTarget: critic.target.params, criticFold: criticBuffer,
      actorLoss: parts.actorLoss, criticLoss: parts.criticLoss,
    }, [groups, 1, 1], {
      label,
      cost: {
        flops: cost.flops, bytes: cost.bytes + stepBytes(critic, groups) + stepBytes(actor, workgroups),
        rereadBytes: (cost.rereadBytes ?? 0) + stepRereads(critic, groups) + stepRereads(actor, workgroups),
      },
    });
    const count = actor.net.parameterCount;
    const dispatches = {
      critic: parts.criticGradient({ buffer: criticBuffer, offset: 4 * criticFold.slices[0], size: 4 * slices * criticFold.stride }),
      pair: fold(2 * workgroups, costs.pair, 'fold.pair'),
      actor: fold(workgroups, costs.actor, 'fold.actor'),
      actorAdam: dispatchOf(device, adam, {
        hyper: hyper(actor.schedule), fused: fused('fold.adam.fused'),
        params: actor.net.params, m: actor.net.adamM!, v: actor.net.adamV!, target: actor.target.params, fold: actorBuffer,
      }, linearGrid(device, foldVectors(count), ADAM_FOLD_WORKGROUP), { op: 'actor.adamFold', cost: { flops: 16 * count, bytes: 4 * count * (slices + 10) } }),
    };
    const foldedAct = act && actPipeline ? dispatchOf(device, actPipeline, {
      ...act.bindings, hyper: hyper(actor.schedule), fused: fused('fold.act.fused'),
      actorM: actor.net.adamM!, actorV: actor.net.adamV!, actorTarget: actor.target.params, actorFold: actorBuffer,
    }, act.dispatch.grid, { op: 'lara.actForward', cost: {
      flops: act.cost.flops, bytes: act.cost.bytes + stepBytes(actor, act.workgroups), rereadBytes: (act.cost.rereadBytes ?? 0) + stepRereads(actor, act.workgroups),
    } }) : null;
    return new FoldedUpdate(dispatches, foldedAct, { actor: actor.schedule, critic: critic.schedule }, [actorBuffer, criticBuffer]);
  }

  /** Whether the act takes the actor's pending step (encodeAct), so that an iteration may leave it pending. */
  get foldsAct(): boolean { return this.act !== null; }

  /** The act of Step ring entry `entry` taking first the actor's step pending at Adam ring entry `pending`. */
  encodeAct(rec: Recorder, entry: number, pending: number): void {
    if (!this.act) throw new RangeError('the folded update has no act of its own');
    rec.dispatch(this.act, [...stepOffset(entry), ...adamEntryOffset(this.schedules.actor, pending)]);
  }

  /**
   * An iteration's `updates` updates (even, at least 2) from Step ring entry `entry` and Adam ring entry `adamEntry`:
   * the critic's first gradient, the pairs (the actor's gradient of update u beside the critic's of u + 1, the steps of
   * update u folded in), the actor's last gradient (the critic's last step and the actor's one before it folded in),
   * and with `flush` the actor's last step, back into its own buffers (else the next act takes it: encodeAct).
   */
  encodeUpdates(rec: Recorder, entry: number, adamEntry: number, updates: number, flush: boolean): void {
    if (!flush && !this.act) throw new RangeError('the folded update leaves the actor\'s last step pending only for its own act');
    if (!(updates >= 2 && updates % 2 === 0)) throw new RangeError(`the folded update takes an even count of updates per iteration, got ${updates}`);
    const d = this.dispatches, s = this.schedules;
    // The pending actor step of update u - 1 (none at u = 0, whose ring entry is then bound but not read).
    const hypers = (u: number) => [...adamEntryOffset(s.actor, adamEntry + Math.max(0, u - 1)), ...adamEntryOffset(s.critic, adamEntry + u)];
    rec.dispatch(d.critic, stepOffset(entry));
    for (let u = 0; u + 1 < updates; u++) rec.dispatch(d.pair, [...stepOffset(entry + u), ...stepOffset(entry + u + 1), ...hypers(u)]);
    const last = updates - 1;
    rec.dispatch(d.actor, [...stepOffset(entry + last), ...stepOffset(entry + last), ...hypers(last)]);
    if (flush) rec.dispatch(d.actorAdam, adamEntryOffset(s.actor, adamEntry + last));
  }

  destroy(): void {
    for (const b of this.owned) b.destroy();
    releaseDispatches([...Object.values(this.dispatches), ...(this.act ? [this.act] : [])]);
  }
}
