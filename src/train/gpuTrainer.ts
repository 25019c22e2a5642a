// The LARA trainer on the GPU: envs, replay ring, minibatches, DDPG updates and metrics all stay on the device; the host
// encodes `iterationsPerSubmit` iterations per submit and reads one small metrics block back per chunk, asynchronously.
// encodeIteration / encodeUpdate read top to bottom like ReferenceTrainer.step / update (the labels a-d are theirs).
// Over 300 lines: the class is the trainer's one loop (create, encode, submit, collect, snapshot); its buffers and own
// dispatches are built in laraDispatches.ts.
import '../gpu/globals.js';
import { readFloat32 } from '../gpu/buffers.js';
import { encodeInto, submitPass, withGrid, type Recorder } from '../gpu/kernel.js';
import { SubmitPacer, type PacedSubmit } from '../gpu/submitPacer.js';
import type { Profiler } from '../gpu/profiler.js';
import { readbackError } from '../gpu/readback.js';
import type { ReduceVariant } from '../gpu/reduce.js';
import type { Gpu } from '../gpu/runtime.js';
import { UserError } from '../errors.js';
import { adamHyper, type AdamHyper } from '../nn/adamHyper.js';
import { initMlp } from '../nn/init.js';
import { GpuMlp } from '../nn/mlp.js';
import type { Scenario } from '../scenario.js';
import type { TrainerSnapshot } from './checkpointFormat.js';
import type { TrainConfig } from './config.js';
import { deriveRun, firstIterationWithUpdates, type DerivedRun, type RunLimits, chunkLength } from './derive.js';
import { laraBuffersAndDispatches, type LaraBuffers, type LaraDispatches } from './laraDispatches.js';
import { runStep, STEP_STRIDE, stepOffset, writeStep, type Step } from './laraKernels.js';
import { METRIC, METRICS_STRIDE } from './layout.js';
import { laraShapeOf, type LaraShape } from './shape.js';
import type { InitialWeights, IterationMetrics } from './reference.js';
import type { TrainerPlans } from './tuning.js';
import { recordedPlans, resolveRunPlan, withFused, type KernelOptions, type RunPlan } from './runPlan.js';
import { describeFused, FusedUpdate, tuneFusedUpdate, type FusedUpdateHarness, type FusedVariant } from './fusedUpdate.js';
import {
  fusedUpdateHarness, stillHypers, tuneFusedAct, tuneIterations, tuningStart, type FusedActHarness, type IterationsHarness,
} from './fusedUpdateTuning.js';

export type { IterationMetrics } from './reference.js';

/**
 * Throws a UserError naming the limit and the largest size that fits when the config exceeds the device; with
 * `evaluate` (default true) the final evaluation's buffers (`--eval-slots`) count too.
 */
export function checkTrainerFits(config: TrainConfig, limits: { maxStorageBufferBindingSize: number; maxBufferSize: number },
                                 options: { evaluate?: boolean; shape?: LaraShape } = {}): DerivedRun {
  return deriveRun(config, gpuLimits(limits, options.evaluate), options.shape);
}

/** A device's buffer limit as deriveRun and resolveRunPlan take it. */
const gpuLimits = (limits: { maxStorageBufferBindingSize: number; maxBufferSize: number }, evaluate?: boolean): RunLimits => ({
  maxBufferBytes: Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize), name: "this GPU's maxStorageBufferBindingSize", evaluate,
});

/** One submitted chunk whose metrics are being read back. */
interface InFlight {
  first: number;
  count: number;
  updates: boolean[];
  staging: GPUBuffer;
  /** When it was submitted (the readback is asked for once it is nearly done: SubmitPacer). */
  paced: PacedSubmit;
  /** Whether its staging buffer also gets the actor's params. */
  copyActor: boolean;
}

/** The kernel choice (KernelOptions: recorded plans, else the tuner, else the defaults) and the trainer's state. */
export interface GpuTrainerOptions extends KernelOptions {
  /** Starting weights (targets default to copies); ignored when `snapshot` is given. */
  initial?: InitialWeights;
  /** Continue from a checkpoint snapshot (same scenario and config). */
  snapshot?: TrainerSnapshot;
  /** Whether the final evaluation will run on this device: its buffers count in the up-front limit check (default true). */
  evaluate?: boolean;
  /** Time every dispatch (megc train --profile). */
  profiler?: Profiler;
  /**
   * Run a submit's iterations before the first one (twice: WARM_UP_PASSES), on the tuner's start state (default
   * true), also where the tuner chose from its cache and ran nothing: an adapter that compiles a pipeline at its first
   * dispatch (llvmpipe: from Mesa's shader cache, or from scratch, a minute at the default config) then does it here,
   * not in the run's clock. The state it leaves is written over as after the tuner's timings, so the run is the same
   * bit for bit.
   */
  warmUp?: boolean;
}

/**
 * Passes of the warm-up (GpuTrainerOptions.warmUp): on lavapipe the first submit after the pipelines are compiled (or
 * loaded from Mesa's cache) still runs slow, 38-45 ms against 24 for 25 iterations at the default config, and the
 * second does not (bench/RESULTS.md).
 */
const WARM_UP_PASSES = 2;

export class GpuTrainer {
  readonly device: GPUDevice;
  /** Iterations completed (the next iteration to run). */
  private t = 0;
  private actorStep = 0;
  private criticStep = 0;
  private readonly stagings: GPUBuffer[];
  private stagingNext = 0;
  /** When to ask for a chunk's readback (SubmitPacer, told each chunk's GPU time where passTimes has it). */
  private readonly pacer = new SubmitPacer();
  /**
   * Timestamps around each chunk's pass, where the device has them and no profiler times the dispatches: query pair k
   * for staging buffer k, resolved at 256 k (resolveQuerySet's alignment) and copied behind its metrics at timesAt.
   */
  private readonly passTimes: { querySet: GPUQuerySet; resolve: GPUBuffer } | null;
  private readonly timesAt: number;
  /** Where a chunk that copies the actor (run's actorEvery) has it in its staging buffer, behind the pass times. */
  private readonly actorAt: number;
  /** The fused update (fusedUpdate.ts) when the plans or the tuner chose it; null: the per-layer update. */
  private fused: FusedUpdate | null = null;

  private constructor(
    readonly gpu: Gpu,
    readonly scenario: Scenario,
    /** The resolved run plan: config, derived sizes, every network's kernel plans and the buffer sizes (runPlan.ts). */
    private resolved: RunPlan,
    private readonly actor: GpuMlp,
    private readonly critic: GpuMlp,
    private readonly actorTarget: GpuMlp,
    private readonly criticTarget: GpuMlp,
    private readonly b: LaraBuffers,
    private readonly k: LaraDispatches,
    private readonly profiler?: Profiler,
  ) {
    this.device = gpu.device;
    this.timesAt = Math.ceil(resolved.buffers.metricsBytes / 8) * 8;
    this.passTimes = this.device.features.has('timestamp-query') && !profiler ? {
      querySet: this.device.createQuerySet({ label: 'lara.passTimes', type: 'timestamp', count: 4 }),
      resolve: this.device.createBuffer({ label: 'lara.passTimesResolve', size: 512, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC }),
    } : null;
    this.actorAt = this.timesAt + 16;
    const bytes = this.actorAt + 4 * actor.parameterCount;
    this.stagings = [0, 1].map((i) => this.device.createBuffer({ label: `lara.metricsStaging${i}`, size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST }));
  }

  /** The run plan this trainer runs (with the fused update's choice once it is made). */
  get plan(): RunPlan { return this.resolved; }
  get derived(): DerivedRun { return this.resolved.derived; }
  get config(): TrainConfig { return this.resolved.derived.config; }
  get actorSizes(): number[] { return this.derived.actorSizes; }
  get criticSizes(): number[] { return this.derived.criticSizes; }
  /** What this trainer runs: the networks' plans and the reduction (config.json records them). */
  get plans(): TrainerPlans { return recordedPlans(this.resolved); }
  private get reduce(): ReduceVariant { return this.resolved.reduce; }

  /** Builds every buffer and pipeline; weights from `options` or initMlp(seed) (actor salt 0, critic salt 1). */
  static async create(gpu: Gpu, scenario: Scenario, config: TrainConfig, options: GpuTrainerOptions = {}): Promise<GpuTrainer> {
    const device = gpu.device;
    const run = checkTrainerFits(config, device.limits, { evaluate: options.evaluate ?? true, shape: laraShapeOf(scenario) });
    // The kernel choice, resolved once: every network's plans and the buffers they size, checked against the limit.
    const plan = await resolveRunPlan(device, run, options, gpuLimits(device.limits));
    const { stepsPerSubmit } = plan.buffers;
    const [actor, critic, actorTarget, criticTarget] = await Promise.all([
      GpuMlp.create(device, run.actorSizes, plan.networks.actor.map((p) => p.batch), { label: 'actor', maxStepsPerSubmit: stepsPerSubmit, plans: plan.networks.actor }),
      GpuMlp.create(device, run.criticSizes, [config.batch], { label: 'critic', maxStepsPerSubmit: stepsPerSubmit, plans: plan.networks.critic }),
      GpuMlp.create(device, run.actorSizes, [config.batch], { label: 'actorTarget', trainable: false, plans: plan.networks.actorTarget }),
      GpuMlp.create(device, run.criticSizes, [config.batch], { label: 'criticTarget', trainable: false, plans: plan.networks.criticTarget }),
    ]);

    const { buffers: b, dispatches: k } = await laraBuffersAndDispatches(device, scenario, plan, { actor, critic, actorTarget, criticTarget });
    const trainer = new GpuTrainer(gpu, scenario, plan, actor, critic, actorTarget, criticTarget, b, k, options.profiler);
    // The tuner where this trainer chooses the fused update itself (timing the candidates, or from its cache).
    const tuner = !plan.fused && plan.timeFused ? options.tuner : undefined;
    if (plan.fused) await trainer.useFused(plan.fused);
    else if (tuner) {
      const harness = trainer.fusedHarness();
      const choice = await tuneFusedUpdate(tuner, run, harness, { mixedPrecision: options.mixedPrecision });
      const update = choice && await tuneFusedAct(tuner, run, choice, trainer.reduce, trainer.fusedActHarness());
      await tuneIterations(tuner, run, update, trainer.iterationsHarness());
      harness.clear();
    }
    if (options.warmUp ?? true) await trainer.warmUp();
    const snap = options.snapshot;
    if (snap) {
      trainer.restore(snap);
    } else {
      const init = options.initial ?? {};
      const a = init.actor ? Float64Array.from(init.actor) : initMlp(run.actorSizes, config.seed, 0);
      const c = init.critic ? Float64Array.from(init.critic) : initMlp(run.criticSizes, config.seed, 1);
      actor.writeParams(a);
      critic.writeParams(c);
      // Zero moments (the tuner's timings above leave theirs).
      for (const net of [actor, critic]) net.writeAdamMoments(new Float32Array(net.parameterCount), new Float32Array(net.parameterCount));
      actorTarget.writeParams(init.actorTarget ? Float64Array.from(init.actorTarget) : a);
      criticTarget.writeParams(init.criticTarget ? Float64Array.from(init.criticTarget) : c);
    }
    trainer.observe();
    await device.queue.onSubmittedWorkDone();
    gpu.checkErrors();
    return trainer;
  }

  /** Makes `variant` of the fused update this trainer's update (null: the per-layer update). */
  private async useFused(variant: FusedVariant | null): Promise<void> {
    const current = this.fused !== null && variant !== null && describeFused(this.fused.variant) === describeFused(variant);
    this.resolved = withFused(this.resolved, variant);
    if (current) return;  // the same kernels: nothing to rebuild (each tuning step ends by making its choice current)
    this.fused?.destroy();
    this.fused = null;
    if (!variant) return;
    const { actor, critic, actorTarget, criticTarget, b } = this;
    this.fused = await FusedUpdate.create(this.device, this.derived, {
      actor, critic, actorTarget, criticTarget, replay: b.replay, ring: b.ring, actPartials: b.actPartials, metrics: b.metrics, reduce: this.reduce,
      scenario: b.scenario, norm: b.norm!, states: b.states, obs: b.obs,
    }, variant, this.resolved.buffers.stepsPerSubmit);
  }

  /** What tuneFusedUpdate times: one iteration's updates from initMlp's weights on a replay ring of random rows (cleared after). */
  private fusedHarness(): FusedUpdateHarness & { clear(): void } {
    const U = this.config.updatesPerIteration;
    return fusedUpdateHarness(this.device, this.derived, {
      actor: this.actor, critic: this.critic, replay: this.b.replay,
      use: (v) => this.useFused(v), schedules: (a, c) => this.fused?.writeAdamSchedules(this.device.queue, a, c),
      encodeUpdates: (rec) => this.encodeUpdates(rec, 0, 0),
      submitStart: () => this.submitStart(),
      writeSteps: (filled) => {
        const data = new ArrayBuffer(U * STEP_STRIDE);
        for (let u = 0; u < U; u++) writeStep(data, u * STEP_STRIDE, { ...this.stepEntry(0, u, 0), filled });
        this.device.queue.writeBuffer(this.b.ring, 0, data);
      },
    });
  }

  /**
   * What a submit records before its iterations (FusedUpdate.encodeSubmitStart: the half weights' f16 copies; else
   * nothing): what bench/ counts and predicts per submit beside encodeSteadyIteration's per iteration.
   */
  encodeSubmitStart(rec: Recorder): void {
    this.fused?.encodeSubmitStart(rec);
  }

  /** encodeSubmitStart in a submit of its own (the tuner's harnesses, before their timed passes). */
  private submitStart(): void {
    submitPass(this.device, (rec) => this.encodeSubmitStart(rec), 'lara.submitStart');
  }

  /** What tuneFusedAct times: one act with the actor's forward from the envs at slot 0 (create clears the replay ring after). */
  private fusedActHarness(): FusedActHarness {
    const { envs } = this.config;
    const stride = this.derived.shape.replayStride;
    return {
      use: (v) => this.useFused(v),
      reset: () => {
        // The envs at slot 0, then the act's Step entry (each candidate's acts write the same replay rows over); the
        // half weights' copies of the weights as they are.
        this.submitStart();
        this.observe();
        const data = new ArrayBuffer(STEP_STRIDE);
        writeStep(data, 0, { ...this.stepEntry(0, 0, 0), useActor: true });
        this.device.queue.writeBuffer(this.b.ring, 0, data);
      },
      record: (rec) => this.encodeAct(rec, 0, true, null),
      output: () => readFloat32(this.device, this.b.replay, Math.min(envs, this.config.replayCapacity) * stride),
    };
  }

  /**
   * What tuneIterations times: a submit's iterations from the first that updates, from initMlp's weights, zero moments,
   * the envs at that slot and a replay ring of random rows, at learning rate 0 (create clears the replay ring after).
   */
  private iterationsHarness(): IterationsHarness {
    const { config, derived, device } = this;
    const U = config.updatesPerIteration;
    const first = firstIterationWithUpdates(config);
    const schedules = Array.from({ length: config.iterationsPerSubmit }, (_, i) => derived.schedule(first + i));
    const start = tuningStart(device, derived, { actor: this.actor, critic: this.critic, replay: this.b.replay }, schedules[schedules.length - 1].filled);
    return {
      use: (v) => this.useFused(v),
      reset: () => {
        start.reset();
        this.observe(first);
        this.writeStepRing(first, schedules.length);
        const hypers = stillHypers(schedules.length * U);
        this.actor.writeAdamSchedule(device.queue, hypers);
        this.critic.writeAdamSchedule(device.queue, hypers);
        this.fused?.writeAdamSchedules(device.queue, hypers, hypers);
      },
      record: (rec) => this.encodeIterations(rec, schedules),
      output: () => start.output(),
    };
  }

  /**
   * A submit's iterations and metrics on the tuner's start state (iterationsHarness), WARM_UP_PASSES times: every
   * pipeline of a submit dispatched that often; the last pass's time seeds the readback pacer.
   */
  private async warmUp(): Promise<void> {
    const harness = this.iterationsHarness();
    const count = this.config.iterationsPerSubmit;
    let ms = NaN;
    for (let pass = 0; pass < WARM_UP_PASSES; pass++) {
      harness.reset();
      const start = performance.now();
      submitPass(this.device, (rec) => {
        harness.record(rec);
        this.encodeMetrics(rec, count);
      }, 'lara.warmUp');
      await this.device.queue.onSubmittedWorkDone();
      ms = performance.now() - start;
    }
    // The last pass's time paces the run's first readbacks (SubmitPacer.seed).
    this.pacer.seed(ms / count);
  }

  private restore(snap: TrainerSnapshot): void {
    const { config } = this;
    if (snap.iteration > config.iterations) throw new UserError(`checkpoint: ${snap.iteration} iterations done, more than the ${config.iterations} configured`);
    this.actor.writeParams(snap.actor);
    this.critic.writeParams(snap.critic);
    this.actorTarget.writeParams(snap.actorTarget);
    this.criticTarget.writeParams(snap.criticTarget);
    this.actor.writeAdamMoments(snap.actorAdam.m, snap.actorAdam.v);
    this.critic.writeAdamMoments(snap.criticAdam.m, snap.criticAdam.v);
    const rows = this.derived.filledAfter(snap.iteration);
    const stride = this.derived.shape.replayStride;
    if (snap.replay.length !== rows * stride) throw new UserError(`checkpoint: replay holds ${snap.replay.length / stride} rows, expected ${rows}`);
    if (rows > 0) {
      const data = snap.replay instanceof Float32Array ? snap.replay : Float32Array.from(snap.replay);
      this.device.queue.writeBuffer(this.b.replay, 0, data.buffer, data.byteOffset, data.byteLength);
    }
    this.t = snap.iteration;
    this.actorStep = snap.actorAdam.step;
    this.criticStep = snap.criticAdam.step;
  }

  /** Iterations completed so far. */
  get iteration(): number { return this.t; }

  /** The Step ring entry of update u of iteration t, the chunk's iteration `index`. */
  private stepEntry(t: number, u: number, index: number): Step {
    // The fused update sums its losses over its own row blocks (FusedUpdate.lossPartials per update), the persistent
    // trainer over its invocations.
    const p = this.fused?.persistent;
    return {
      ...runStep(this.derived, t, u, index), lossPartials: p?.lossPartials ?? this.fused?.lossPartials ?? this.derived.lossPartials,
      actPartials: p?.actPartials ?? this.fused?.act?.partials ?? this.derived.actPartials,
    };
  }

  /** Samples the states of slot t (default: the next iteration's) into the env buffers (start and resume). */
  private observe(t = this.t): void {
    const data = new ArrayBuffer(STEP_STRIDE);
    writeStep(data, 0, this.stepEntry(t, 0, 0));
    this.device.queue.writeBuffer(this.b.ring, 0, data);
    submitPass(this.device, (rec) => rec.dispatch(this.k.observe, stepOffset(0)), 'lara.observe');
  }

  /**
   * The chunk's iteration `index` (Step ring entries index * U ..): act in every env (steps 1-4 of
   * ReferenceTrainer.step), then, when the ring holds a batch, the U updates with Adam ring entries adamFirst...
   * chain (the folded update's, where its act takes the actor's last step of an iteration): the Adam ring entry of the
   * step the iteration before left pending, and whether this iteration takes its own last step (flush) or leaves it to
   * the next iteration's act; by default, nothing pending and flushed.
   */
  encodeIteration(rec: Recorder, index: number, s: { useActor: boolean; updates: boolean }, adamFirst: number,
                  chain: { pending: number | null; flush: boolean } = { pending: null, flush: true }): void {
    const U = this.config.updatesPerIteration;
    // 1-4. Observe and act; the latencies, the learning reward and the replay rows; the envs step to slot t + 1.
    this.encodeAct(rec, index * U, s.useActor, chain.pending);
    // 5. Gradient updates.
    if (!s.updates) return;
    this.encodeUpdates(rec, index * U, adamFirst, chain.flush);
  }

  /**
   * An iteration in the middle of a chunk that acts with the actor and runs its updates (what bench/ counts and
   * predicts): where the folded update's act takes the actor's last step, it takes the one left before and leaves its own.
   */
  encodeSteadyIteration(rec: Recorder): void {
    const chains = this.fused?.foldsAct ?? false;
    this.encodeIteration(rec, 0, { useActor: true, updates: true }, 0, { pending: chains ? 0 : null, flush: !chains });
  }

  /**
   * A chunk's iterations (Step ring entries from 0, Adam ring entries from 0), after what the fused update's submits
   * start with (the half weights' f16 copies): one dispatch of the persistent trainer, else each iteration's act and
   * updates; where the act takes the actor's last step of the iteration before
   * (FusedUpdate.foldsAct), every iteration but the chunk's last leaves it pending.
   */
  private encodeIterations(rec: Recorder, schedules: readonly { useActor: boolean; updates: boolean }[]): void {
    this.encodeSubmitStart(rec);
    const persistent = this.fused?.persistent;
    if (persistent) { persistent.encode(rec, schedules.length); return; }
    const chains = this.fused?.foldsAct ?? false;
    let adamEntry = 0;
    schedules.forEach((s, i) => {
      const pending = chains && i > 0 && schedules[i - 1].updates ? adamEntry - 1 : null;
      this.encodeIteration(rec, i, s, adamEntry, { pending, flush: !chains || i + 1 === schedules.length });
      if (s.updates) adamEntry += this.config.updatesPerIteration;
    });
  }

  /**
   * The act of Step ring entry `entry`: z = actor(obs) + sigma_t n (z = noise only during warm-up), action = head(z),
   * lara_act; on the fused path with its act, lara_act_forward does both in one dispatch (taking first the actor's
   * step at Adam ring entry `pending` where the folded update left it).
   */
  private encodeAct(rec: Recorder, entry: number, useActor: boolean, pending: number | null): void {
    if (this.fused?.act) { this.fused.encodeAct(rec, entry, pending); return; }
    if (useActor) this.actor.encodeForward(rec, this.b.obs, this.config.envs);
    rec.dispatch(this.k.act, stepOffset(entry));
  }

  /**
   * An iteration's U updates from Step ring entry `entry` and Adam ring entry `adamEntry` on: the fused update's
   * (FusedUpdate.encodeUpdates, its pairs included; without `flush`, leaving the actor's last step to the next act),
   * else U per-layer updates.
   */
  private encodeUpdates(rec: Recorder, entry: number, adamEntry: number, flush = true): void {
    const U = this.config.updatesPerIteration;
    if (this.fused) this.fused.encodeUpdates(rec, entry, adamEntry, U, flush);
    else for (let u = 0; u < U; u++) this.encodeUpdate(rec, entry + u, adamEntry + u);
  }

  /**
   * One per-layer gradient update, ReferenceTrainer.update (src/train/reference.ts) step for step: Step ring entry
   * `entry`, Adam ring entry `adamEntry`. Each line names its kernels (shaders/) and the reference's step; a backward
   * takes the input of the forward just before it, and each Adam takes the gradient its network's backward returned.
   */
  private encodeUpdate(rec: Recorder, entry: number, adamEntry: number): void {
    const { actor, critic, actorTarget, criticTarget, b, k } = this;
    const { batch, tau } = this.config;
    const o = stepOffset(entry);
    // Minibatch rows, uniform over the filled part of the ring (minibatchIndicesInto and the gather). lara_minibatch.wgsl
    rec.dispatch(k.minibatch, o);
    const g = k.actorGradient;
    if ('model' in g) {
      // The model critic: no critic network to train (its loss partials stay 0); c. the actor step through the world's
      // latency (actorModelLossGradient), Adam and d. for the actor alone.
      actor.encodeForward(rec, b.obsBatch, batch);                    // z = mlpForward(actor.params)
      rec.dispatch(g.model, o);                                       // dz = -(1/B) dReward/dz, the actor loss: lara_world_model_gradient.wgsl
      const modelGradient = actor.encodeBackward(rec, b.obsBatch, b.dZ, batch, { deferGradSum: true });     // mlpBackward(actor)
      actor.encodeAdam(rec, adamEntry, modelGradient, { softUpdate: { target: actorTarget, tau } });       // adam + softUpdate(actor): adam.wgsl
      return;
    }
    // a. Critic target y = r + gamma Q'(obs', features(mu'(obs'))); skipped when gamma = 0.
    if (g.targetChain) {
      actorTarget.encodeForward(rec, b.nextObs, batch);               // zNext = mlpForward(actor.target): linear_forward / mlp_forward_fused
      rec.dispatch(g.targetChain, o);                                 // nextInput = obs' | features(zNext): lara_actor_chain.wgsl
      criticTarget.encodeForward(rec, b.targetCriticInput!, batch);   // qNext = mlpForward(critic.target); y = r + gamma qNext in the loss
    }
    // b. Critic: loss mean (Q - y)^2, backward, Adam; d. its soft target update rides on its Adam step.
    critic.encodeForward(rec, b.criticInput, batch);                  // q = mlpForward(critic.params)
    rec.dispatch(k.criticLoss, o);                                    // mseLossBackward: dQ and the loss partials, lara_critic_loss.wgsl
    const criticGradient = critic.encodeBackward(rec, b.criticInput, b.dQ, batch, { deferGradSum: true });  // mlpBackward: linear_backward_*.wgsl
    critic.encodeAdam(rec, adamEntry, criticGradient, { softUpdate: { target: criticTarget, tau } });      // adam + softUpdate(critic): adam.wgsl
    // c. Actor step through the updated critic (actorLossGradient): dQ/dfeatures from the critic's input gradient,
    // chained to z; Adam and d.
    actor.encodeForward(rec, b.obsBatch, batch);                      // z = mlpForward(actor.params)
    rec.dispatch(g.chain, o);                                         // criticInput = obs | features(z): lara_actor_chain.wgsl
    critic.encodeForward(rec, b.actorCriticInput, batch);             // q = mlpForward(critic.params)
    critic.encodeInputGradient(rec, b.actorCriticInput, b.ones, batch, b.dActorCriticInput);  // mlpInputGradient of dOutput = 1 (the chain applies dq)
    rec.dispatch(g.chainBackward, o);                                 // dz = criticFeaturesVjp, the actor loss: lara_actor_chain_backward.wgsl
    const actorGradient = actor.encodeBackward(rec, b.obsBatch, b.dZ, batch, { deferGradSum: true });       // mlpBackward(actor)
    actor.encodeAdam(rec, adamEntry, actorGradient, { softUpdate: { target: actorTarget, tau } });         // adam + softUpdate(actor): adam.wgsl
  }

  /** The metrics rows of a chunk's `count` iterations: one workgroup each. */
  private encodeMetrics(rec: Recorder, count: number): void {
    rec.dispatch(withGrid(this.device, this.fused?.persistent?.metrics ?? this.fused?.metrics ?? this.k.metrics, [count]), stepOffset(0));
  }

  /** Writes the Step ring entries of iterations [first, first + count), the chunk's iterations 0.., from entry 0. */
  private writeStepRing(first: number, count: number): void {
    const U = this.config.updatesPerIteration;
    const data = new ArrayBuffer(count * U * STEP_STRIDE);
    for (let i = 0; i < count; i++) for (let u = 0; u < U; u++) writeStep(data, (i * U + u) * STEP_STRIDE, this.stepEntry(first + i, u, i));
    this.device.queue.writeBuffer(this.b.ring, 0, data);
  }

  /**
   * Writes the Step ring and both Adam schedules for iterations [first, first + count) and encodes them in one submit,
   * with a copy of the actor's params after them where `copyActor`.
   */
  private submitChunk(first: number, count: number, copyActor: boolean): InFlight {
    const { config, device } = this;
    const U = config.updatesPerIteration;
    const actorHypers: AdamHyper[] = [];
    const criticHypers: AdamHyper[] = [];
    const schedules = Array.from({ length: count }, (_, i) => this.derived.schedule(first + i));
    for (const s of schedules) {
      if (!s.updates) continue;
      for (let u = 0; u < U; u++) {
        actorHypers.push(adamHyper(s.lrActor, ++this.actorStep));
        // The model critic has no critic network to step (ReferenceTrainer.update).
        if (config.critic === 'learned') criticHypers.push(adamHyper(s.lrCritic, ++this.criticStep));
      }
    }
    this.writeStepRing(first, count);
    this.actor.writeAdamSchedule(device.queue, actorHypers);
    this.critic.writeAdamSchedule(device.queue, criticHypers);
    this.fused?.writeAdamSchedules(device.queue, actorHypers, criticHypers);

    const encoder = device.createCommandEncoder({ label: `lara.chunk${first}` });
    const k = this.stagingNext;
    const times = this.passTimes;
    encodeInto(encoder, (rec) => {
      this.encodeIterations(rec, schedules);
      this.encodeMetrics(rec, count);
    }, {
      label: `lara.chunk${first}`, open: this.profiler ? (e) => this.profiler!.recorder(e) : undefined,
      timestampWrites: times ? { querySet: times.querySet, beginningOfPassWriteIndex: 2 * k, endOfPassWriteIndex: 2 * k + 1 } : undefined,
    });
    const staging = this.stagings[k];
    this.stagingNext = 1 - k;
    encoder.copyBufferToBuffer(this.b.metrics, 0, staging, 0, count * METRICS_STRIDE * 4);
    if (times) {
      encoder.resolveQuerySet(times.querySet, 2 * k, 2, times.resolve, 256 * k);
      encoder.copyBufferToBuffer(times.resolve, 256 * k, staging, this.timesAt, 16);
    }
    if (copyActor) encoder.copyBufferToBuffer(this.actor.params, 0, staging, this.actorAt, 4 * this.actor.parameterCount);
    device.queue.submit([encoder.finish()]);
    this.t = first + count;
    return { first, count, updates: schedules.map((s) => s.updates), staging, paced: this.pacer.submitted(count), copyActor };
  }

  private async collect(chunk: InFlight): Promise<{ rows: IterationMetrics[]; actor?: Float32Array }> {
    const { first, count } = chunk;
    await this.pacer.beforeReadback(chunk.paced);
    const failure = await chunk.staging.mapAsync(GPUMapMode.READ)
      .then(() => null, (error: unknown) => readbackError(error, `reading back the metrics of iterations ${first}-${first + count - 1}`));
    if (failure) {
      this.pacer.done(chunk.paced);
      this.gpu.checkErrors();  // an earlier, more specific error (out of memory, validation) first
      throw failure;
    }
    const values = new Float32Array(chunk.staging.getMappedRange(0, chunk.count * METRICS_STRIDE * 4).slice(0));
    // The pass's own GPU time (a clock that does not advance inside a pass gives none).
    const stamps = this.passTimes ? new BigUint64Array(chunk.staging.getMappedRange(this.timesAt, 16).slice(0)) : null;
    const gpuMs = stamps && stamps[1] > stamps[0] ? Number(stamps[1] - stamps[0]) / 1e6 : undefined;
    const actor = chunk.copyActor ? new Float32Array(chunk.staging.getMappedRange(this.actorAt, 4 * this.actor.parameterCount).slice(0)) : undefined;
    this.pacer.done(chunk.paced, gpuMs);
    chunk.staging.unmap();
    this.gpu.checkErrors();
    await this.profiler?.collect();
    const U = this.config.updatesPerIteration;
    const rows = Array.from({ length: chunk.count }, (_, i) => {
      const r = values.subarray(i * METRICS_STRIDE, (i + 1) * METRICS_STRIDE);
      return {
        iteration: chunk.first + i, reward: r[METRIC.reward], lComp: r[METRIC.lComp], lAigc: r[METRIC.lAigc], lVe: r[METRIC.lVe], lTotal: r[METRIC.lTotal],
        criticLoss: chunk.updates[i] ? r[METRIC.criticLoss] / U : NaN, actorLoss: chunk.updates[i] ? r[METRIC.actorLoss] / U : NaN,
        updates: chunk.updates[i] ? U : 0,
      };
    });
    return { rows, actor };
  }

  /**
   * Runs `iterations` more iterations (capped at config.iterations), `iterationsPerSubmit` per submit, with at most two
   * chunks in flight. `onChunk` gets each chunk's per-iteration metrics once its readback lands; returning false (or
   * `shouldStop()` turning true) stops submitting: the chunks in flight finish and run() returns at that boundary. With
   * `actorEvery`, chunks also end after every actorEvery-th iteration and copy the actor's params there into their
   * readback (nothing waits for them), which onChunk gets too.
   */
  async run(iterations: number, onChunk?: (rows: IterationMetrics[], actor?: Float32Array) => boolean | void | Promise<boolean | void>,
            shouldStop?: () => boolean, actorEvery?: number): Promise<void> {
    const end = Math.min(this.config.iterations, this.t + iterations);
    let pending: InFlight | null = null;
    let stop = false;
    while (this.t < end && !stop && !(shouldStop?.() ?? false)) {
      const count = chunkLength(this.t, this.config.iterationsPerSubmit, end, actorEvery);
      const submitted = this.submitChunk(this.t, count, actorEvery !== undefined && (this.t + count) % actorEvery === 0);
      if (pending) {
        const { rows, actor } = await this.collect(pending);
        if ((await onChunk?.(rows, actor)) === false) stop = true;
      }
      pending = submitted;
    }
    if (pending) {
      const { rows, actor } = await this.collect(pending);  // always collected: it unmaps the staging buffer
      await onChunk?.(rows, actor);
    }
  }

  /** The current parameters of the four networks (float32 from the GPU). */
  async readParams(): Promise<{ actor: Float32Array; critic: Float32Array; actorTarget: Float32Array; criticTarget: Float32Array }> {
    return {
      actor: await this.actor.readParams(), critic: await this.critic.readParams(),
      actorTarget: await this.actorTarget.readParams(), criticTarget: await this.criticTarget.readParams(),
    };
  }

  /** Everything needed to continue exactly (checkpoint.ts); call between run()s. */
  async snapshot(): Promise<TrainerSnapshot> {
    try {
      const p = await this.readParams();
      const actorAdam = await this.actor.readAdamMoments();
      const criticAdam = await this.critic.readAdamMoments();
      return {
        iteration: this.t, ...p, replay: await this.readReplay(),
        actorAdam: { ...actorAdam, step: this.actorStep }, criticAdam: { ...criticAdam, step: this.criticStep },
      };
    } catch (error) {
      throw readbackError(error, 'reading the trainer state back');
    }
  }

  /** The replay ring's filled rows, (filled, replay stride). */
  async readReplay(): Promise<Float32Array> {
    const rows = this.derived.filledAfter(this.t);
    return rows > 0 ? readFloat32(this.device, this.b.replay, rows * this.derived.shape.replayStride) : new Float32Array(0);
  }

  destroy(): void {
    for (const n of [this.actor, this.critic, this.actorTarget, this.criticTarget]) n.destroy();
    this.fused?.destroy();
    for (const x of [...this.b.all, ...this.stagings, ...(this.passTimes ? [this.passTimes.resolve] : [])]) x.destroy();
    this.passTimes?.querySet.destroy();
  }
}
