// The LARA trainer on the GPU: envs, replay ring, minibatches, DDPG updates and metrics all stay on the device; the host
// encodes `iterationsPerSubmit` iterations per submit and reads one small metrics block back per chunk, asynchronously.
import '../gpu/globals.js';
import { createStorage, createStorageFrom, createUniform, readFloat32 } from '../gpu/buffers.js';
import type { Gpu } from '../gpu/runtime.js';
import { GpuError, UserError } from '../errors.js';
import { STATE_SIZE } from '../env/layout.js';
import { scenarioUniform } from '../env/scenarioUniform.js';
import { NnKernels } from '../nn/kernels.js';
import { initMlp } from '../nn/init.js';
import { GpuMlp } from '../nn/mlp.js';
import { adamHyper, type AdamHyper } from '../nn/reference/mlp.js';
import type { Scenario } from '../scenario.js';
import { actorSizes, criticSizes, filledRows, type TrainerSnapshot } from './checkpointFormat.js';
import type { TrainConfig } from './config.js';
import { ACTION_SIZE, OBSERVATION_SIZE, learningRate, noiseScale, observationNorm, observationNormParams } from './features.js';
import { ACT_METRICS, LaraKernels, METRICS_STRIDE, REDUCE_WORKGROUP, STEP_BYTES, STEP_STRIDE, writeStep, type Step } from './gpuKernels.js';
import type { InitialWeights, IterationMetrics } from './reference.js';
import { REPLAY_STRIDE, replayBytes } from './replay.js';

export type { IterationMetrics } from './reference.js';

const CRITIC_INPUT = OBSERVATION_SIZE + ACTION_SIZE;
/** Floats per slot in the largest buffer of the final evaluation (the states or the actions of OPT: 7 values each). */
const EVAL_SLOT_FLOATS = Math.max(STATE_SIZE, ACTION_SIZE);

/** Exploration and learning-rate values of iteration t (the same rules as ReferenceTrainer.step). */
export function iterationSchedule(config: TrainConfig, t: number) {
  const warmup = t < config.warmupIterations;
  return {
    useActor: !warmup,
    sigma: warmup ? config.noiseStart : noiseScale(config, t),
    lrActor: learningRate(config, t, config.lrActor),
    lrCritic: learningRate(config, t, config.lrCritic),
    filled: Math.min(config.replayCapacity, (t + 1) * config.envs),
  };
}

/**
 * Largest buffers the trainer binds, in bytes, and the config value each one scales with; used to refuse a config
 * the device cannot hold before anything is allocated.
 */
export function trainerBufferNeeds(config: TrainConfig, { evaluate = true }: { evaluate?: boolean } = {}): { what: string; bytes: number; largest: (limit: number) => string }[] {
  const rows = Math.max(config.envs, config.batch);
  const widest = Math.max(CRITIC_INPUT, ...config.hidden);
  const criticParams = criticSizes(config).reduce((sum, n, i, s) => (i === 0 ? 0 : sum + s[i - 1] * n + n), 0);
  // The final evaluation (OPT on the GPU, src/env/evaluate.ts) holds the states and the actions of every slot, 7 floats each.
  const evaluation = evaluate ? [{
    what: `the evaluation states (evalSlots ${config.evalSlots} x ${EVAL_SLOT_FLOATS} floats)`, bytes: config.evalSlots * EVAL_SLOT_FLOATS * 4,
    largest: (limit: number) => `--eval-slots ${Math.floor(limit / (EVAL_SLOT_FLOATS * 4))}`,
  }] : [];
  return [
    { what: `the replay ring (replayCapacity ${config.replayCapacity} x ${REPLAY_STRIDE} floats)`, bytes: replayBytes(config.replayCapacity),
      largest: (limit) => `--replay-capacity ${Math.floor(limit / (REPLAY_STRIDE * 4))}` },
    { what: `an activation buffer (max(envs, batch) ${rows} x width ${widest})`, bytes: rows * widest * 4,
      largest: (limit) => `max(--envs, --batch) ${Math.floor(limit / (widest * 4))}` },
    { what: `the split weight-gradient partials (16 x ${criticParams} critic parameters)`, bytes: 16 * criticParams * 4,
      largest: () => 'smaller --hidden' },
    ...evaluation,
  ];
}

/**
 * Throws a UserError naming the limit and the largest size that fits when the config exceeds the device; with
 * `evaluate` (default true) the final evaluation's buffers (`--eval-slots`) count too.
 */
export function checkTrainerFits(config: TrainConfig, limits: { maxStorageBufferBindingSize: number; maxBufferSize: number },
                                 options: { evaluate?: boolean } = {}): void {
  const limit = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  for (const need of trainerBufferNeeds(config, options)) {
    if (need.bytes > limit) {
      throw new UserError(`${need.what} needs ${need.bytes} bytes, more than this GPU's maxStorageBufferBindingSize of ${limit} bytes; the largest that fits is ${need.largest(limit)}`);
    }
  }
  if (config.replayCapacity < config.envs) {
    throw new UserError(`replayCapacity (${config.replayCapacity}) must hold at least one iteration of all envs (${config.envs})`);
  }
}

/** One submitted chunk whose metrics are being read back. */
interface InFlight {
  first: number;
  count: number;
  updates: boolean[];
  staging: GPUBuffer;
  /** Settles when the readback is mapped: null, or the GpuError of a failed map (never rejects, so never unhandled). */
  mapped: Promise<GpuError | null>;
}

/** A failed readback (mapAsync rejects with a DOMException when the device is lost or destroyed) as a GpuError. */
export function readbackError(error: unknown, what: string): GpuError | UserError {
  if (error instanceof GpuError || error instanceof UserError) return error;
  const e = error as { name?: string; message?: string };
  const reason = [e?.name, e?.message?.split('\n')[0]].filter((x) => x).join(': ') || String(error);
  return new GpuError(`GPU device lost: ${what} failed (${reason})`);
}

export interface GpuTrainerOptions {
  /** Starting weights (targets default to copies); ignored when `snapshot` is given. */
  initial?: InitialWeights;
  /** Continue from a checkpoint snapshot (same scenario and config). */
  snapshot?: TrainerSnapshot;
  /** Whether the final evaluation will run on this device: its buffers count in the up-front limit check (default true). */
  evaluate?: boolean;
}

export class GpuTrainer {
  readonly device: GPUDevice;
  readonly actorSizes: number[];
  readonly criticSizes: number[];
  /** Iterations completed (the next iteration to run). */
  private t = 0;
  private actorStep = 0;
  private criticStep = 0;
  private readonly chunk: number;
  private readonly ring: GPUBuffer;
  private readonly stagings: GPUBuffer[];
  private stagingNext = 0;
  private readonly buffers: GPUBuffer[] = [];
  private readonly encodeIteration: (pass: GPUComputePassEncoder, slot: number, updates: boolean, adamFirst: number) => void;
  private readonly encodeMetrics: (pass: GPUComputePassEncoder, iterations: number) => void;
  private readonly encodeObserve: (pass: GPUComputePassEncoder, slot: number) => void;
  private readonly metricsBuffer: GPUBuffer;
  private readonly actPartialCount: number;
  private readonly lossPartialCount: number;
  private dispatchCount: number | undefined;

  private constructor(
    readonly gpu: Gpu,
    readonly scenario: Scenario,
    readonly config: TrainConfig,
    private readonly actor: GpuMlp,
    private readonly critic: GpuMlp,
    private readonly actorTarget: GpuMlp,
    private readonly criticTarget: GpuMlp,
    kernels: LaraKernels,
    private readonly replay: GPUBuffer,
  ) {
    const device = gpu.device;
    this.device = device;
    this.actorSizes = [...actor.sizes];
    this.criticSizes = [...critic.sizes];
    const { envs, batch, updatesPerIteration: updates } = config;
    this.chunk = config.iterationsPerSubmit;
    this.ring = device.createBuffer({ label: 'lara.steps', size: this.chunk * updates * STEP_STRIDE, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    this.actPartialCount = Math.ceil(envs / REDUCE_WORKGROUP);
    this.lossPartialCount = Math.ceil(batch / REDUCE_WORKGROUP);
    const store = (bytes: number, label: string) => { const b = createStorage(device, bytes, label); this.buffers.push(b); return b; };

    const norm = createUniform(device, observationNormParams(observationNorm(scenario)).buffer as ArrayBuffer, 'lara.norm');
    const scenarioBuffer = createUniform(device, scenarioUniform(scenario), 'lara.scenario');
    const states = store(envs * 7 * 4, 'lara.states');
    const obs = store(envs * OBSERVATION_SIZE * 4, 'lara.obs');
    const actPartials = store(this.chunk * this.actPartialCount * ACT_METRICS * 4, 'lara.actPartials');
    const criticPartials = store(this.chunk * updates * this.lossPartialCount * 4, 'lara.criticPartials');
    const actorPartials = store(this.chunk * updates * this.lossPartialCount * 4, 'lara.actorPartials');
    this.metricsBuffer = store(this.chunk * METRICS_STRIDE * 4, 'lara.metrics');
    const criticInput = store(batch * CRITIC_INPUT * 4, 'lara.criticInput');
    const obsBatch = store(batch * OBSERVATION_SIZE * 4, 'lara.obsBatch');
    const reward = store(batch * 4, 'lara.reward');
    const nextObs = store(batch * OBSERVATION_SIZE * 4, 'lara.nextObs');
    const dQ = store(batch * 4, 'lara.dQ');
    const actorCriticInput = store(batch * CRITIC_INPUT * 4, 'lara.actorCriticInput');
    const dActorCriticInput = store(batch * CRITIC_INPUT * 4, 'lara.dActorCriticInput');
    const dZ = store(batch * ACTION_SIZE * 4, 'lara.dZ');
    const ones = createStorageFrom(device, new Float32Array(batch).fill(1), 'lara.ones');
    this.buffers.push(ones, norm, scenarioBuffer);
    const gamma = config.gamma > 0;
    const targetCriticInput = gamma ? store(batch * CRITIC_INPUT * 4, 'lara.targetCriticInput') : null;
    this.stagings = [0, 1].map((i) => device.createBuffer({ label: `lara.metricsStaging${i}`, size: this.chunk * METRICS_STRIDE * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST }));

    const ring = this.ring;
    this.encodeObserve = kernels.observe(ring, scenarioBuffer, norm, states, obs, envs);
    const act = kernels.act(ring, scenarioBuffer, norm, actor.output, states, obs, replay, actPartials, envs);
    const minibatch = kernels.minibatch(ring, replay, criticInput, obsBatch, reward, nextObs, batch);
    const criticLoss = kernels.criticLoss(ring, critic.output, reward, dQ, criticPartials, gamma ? criticTarget.output : reward, batch);
    const actorChain = kernels.actorChain(ring, actor.output, obsBatch, actorCriticInput, batch);
    const targetChain = gamma ? kernels.actorChain(ring, actorTarget.output, nextObs, targetCriticInput!, batch) : null;
    const actorChainBackward = kernels.actorChainBackward(ring, actor.output, dActorCriticInput, critic.output, dZ, actorPartials, batch);
    this.encodeMetrics = kernels.metrics(ring, actPartials, criticPartials, actorPartials, this.metricsBuffer);
    // Each network's soft target update rides on its own Adam step (the critic is not changed after its step).
    const criticSoft = { softUpdate: { target: criticTarget, tau: config.tau } };
    const actorSoft = { softUpdate: { target: actorTarget, tau: config.tau } };

    this.encodeIteration = (pass, slot, doUpdates, adamFirst) => {
      const first = slot * updates;
      if (this.useActorAt(slot)) actor.encodeForward(pass, obs, envs);
      act(pass, first);
      if (!doUpdates) return;
      for (let u = 0; u < updates; u++) {
        const s = first + u;
        minibatch(pass, s);
        if (gamma) {
          actorTarget.encodeForward(pass, nextObs, batch);
          targetChain!(pass, s);
          criticTarget.encodeForward(pass, targetCriticInput!, batch);
        }
        critic.encodeForward(pass, criticInput, batch);
        criticLoss(pass, s);
        critic.encodeBackward(pass, dQ, batch, { deferGradSum: true });
        critic.encodeAdam(pass, adamFirst + u, criticSoft);
        actor.encodeForward(pass, obsBatch, batch);
        actorChain(pass, s);
        critic.encodeForward(pass, actorCriticInput, batch);
        critic.encodeBackward(pass, ones, batch, { dInput: dActorCriticInput, skipParamGrads: true });
        actorChainBackward(pass, s);
        actor.encodeBackward(pass, dZ, batch, { deferGradSum: true });
        actor.encodeAdam(pass, adamFirst + u, actorSoft);
      }
    };
  }

  /** Per-slot flag set while writing the ring (whether iteration `slot` of the chunk acts with the actor). */
  private useActor: boolean[] = [];
  private useActorAt(slot: number): boolean { return this.useActor[slot]; }

  /** Builds every buffer and pipeline; weights from `options` or initMlp(seed) (actor salt 0, critic salt 1). */
  static async create(gpu: Gpu, scenario: Scenario, config: TrainConfig, options: GpuTrainerOptions = {}): Promise<GpuTrainer> {
    const device = gpu.device;
    checkTrainerFits(config, device.limits, { evaluate: options.evaluate ?? true });
    const steps = config.iterationsPerSubmit * config.updatesPerIteration;
    const maxBatch = Math.max(config.envs, config.batch);
    const nn = await NnKernels.create(device);
    const aSizes = actorSizes(config);
    const cSizes = criticSizes(config);
    const [actor, critic, actorTarget, criticTarget, kernels] = await Promise.all([
      GpuMlp.create(nn, aSizes, maxBatch, { label: 'actor', maxStepsPerSubmit: steps }),
      GpuMlp.create(nn, cSizes, config.batch, { label: 'critic', maxStepsPerSubmit: steps }),
      GpuMlp.create(nn, aSizes, config.batch, { label: 'actorTarget', trainable: false }),
      GpuMlp.create(nn, cSizes, config.batch, { label: 'criticTarget', trainable: false }),
      LaraKernels.create(device, { gamma: config.gamma > 0 }),
    ]);
    const replay = createStorage(device, replayBytes(config.replayCapacity), 'lara.replay');
    const trainer = new GpuTrainer(gpu, scenario, config, actor, critic, actorTarget, criticTarget, kernels, replay);
    const snap = options.snapshot;
    if (snap) {
      trainer.restore(snap);
    } else {
      const init = options.initial ?? {};
      const a = init.actor ? Float64Array.from(init.actor) : initMlp(aSizes, config.seed, 0);
      const c = init.critic ? Float64Array.from(init.critic) : initMlp(cSizes, config.seed, 1);
      actor.writeParams(a);
      critic.writeParams(c);
      actorTarget.writeParams(init.actorTarget ? Float64Array.from(init.actorTarget) : a);
      criticTarget.writeParams(init.criticTarget ? Float64Array.from(init.criticTarget) : c);
    }
    trainer.observe();
    await device.queue.onSubmittedWorkDone();
    gpu.checkErrors();
    return trainer;
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
    const rows = filledRows(config, snap.iteration);
    if (snap.replay.length !== rows * REPLAY_STRIDE) throw new UserError(`checkpoint: replay holds ${snap.replay.length / REPLAY_STRIDE} rows, expected ${rows}`);
    if (rows > 0) {
      const data = snap.replay instanceof Float32Array ? snap.replay : Float32Array.from(snap.replay);
      this.device.queue.writeBuffer(this.replay, 0, data.buffer, data.byteOffset, data.byteLength);
    }
    this.t = snap.iteration;
    this.actorStep = snap.actorAdam.step;
    this.criticStep = snap.criticAdam.step;
  }

  /** Iterations completed so far. */
  get iteration(): number { return this.t; }

  private baseStep(): Omit<Step, 'iteration' | 'update' | 'filled' | 'writeRow' | 'sigma' | 'useActor' | 'iterationSlot' | 'updateSlot'> {
    const c = this.config;
    return {
      seed: c.seed, envs: c.envs, batch: c.batch, capacity: c.replayCapacity, gamma: c.gamma, shareFloor: c.shareFloor,
      rewardKind: c.reward, actPartials: this.actPartialCount, lossPartials: this.lossPartialCount, updates: c.updatesPerIteration,
    };
  }

  /** Samples the states of slot t into the env buffers (start and resume). */
  private observe(): void {
    const data = new ArrayBuffer(STEP_STRIDE);
    writeStep(data, 0, { ...this.baseStep(), iteration: this.t, update: 0, filled: 0, writeRow: 0, sigma: 0, useActor: false, iterationSlot: 0, updateSlot: 0 });
    this.device.queue.writeBuffer(this.ring, 0, data);
    const encoder = this.device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    this.encodeObserve(pass, 0);
    pass.end();
    this.device.queue.submit([encoder.finish()]);
  }

  /** Writes the Step ring and both Adam schedules for iterations [first, first + count) and encodes them in one submit. */
  private submitChunk(first: number, count: number): InFlight {
    const { config, device } = this;
    const U = config.updatesPerIteration;
    const data = new ArrayBuffer(count * U * STEP_STRIDE);
    const actorHypers: AdamHyper[] = [];
    const criticHypers: AdamHyper[] = [];
    const updates: boolean[] = [];
    this.useActor = [];
    const base = this.baseStep();
    for (let i = 0; i < count; i++) {
      const t = first + i;
      const s = iterationSchedule(config, t);
      const doUpdates = s.filled >= config.batch;
      updates.push(doUpdates);
      this.useActor.push(s.useActor);
      const writeRow = Number((BigInt(t) * BigInt(config.envs)) % BigInt(config.replayCapacity));
      for (let u = 0; u < U; u++) {
        writeStep(data, (i * U + u) * STEP_STRIDE, {
          ...base, iteration: t, update: u, filled: s.filled, writeRow, sigma: s.sigma, useActor: s.useActor,
          iterationSlot: i, updateSlot: i * U + u,
        });
        if (doUpdates) {
          actorHypers.push(adamHyper(s.lrActor, ++this.actorStep));
          criticHypers.push(adamHyper(s.lrCritic, ++this.criticStep));
        }
      }
    }
    device.queue.writeBuffer(this.ring, 0, data);
    this.actor.writeAdamSchedule(device.queue, actorHypers);
    this.critic.writeAdamSchedule(device.queue, criticHypers);

    const encoder = device.createCommandEncoder({ label: `lara.chunk${first}` });
    const pass = encoder.beginComputePass();
    let adamSlot = 0;
    for (let i = 0; i < count; i++) {
      this.encodeIteration(pass, i, updates[i], adamSlot);
      if (updates[i]) adamSlot += U;
    }
    this.encodeMetrics(pass, count);
    pass.end();
    const staging = this.stagings[this.stagingNext];
    this.stagingNext = 1 - this.stagingNext;
    encoder.copyBufferToBuffer(this.metricsBuffer, 0, staging, 0, count * METRICS_STRIDE * 4);
    device.queue.submit([encoder.finish()]);
    this.t = first + count;
    // The failure is caught here, where the promise is made: a chunk left in flight when an earlier one fails must not
    // become an unhandled rejection.
    const mapped = staging.mapAsync(GPUMapMode.READ, 0, count * METRICS_STRIDE * 4)
      .then(() => null, (error: unknown) => readbackError(error, `reading back the metrics of iterations ${first}-${first + count - 1}`));
    return { first, count, updates, staging, mapped };
  }

  private async collect(chunk: InFlight): Promise<IterationMetrics[]> {
    const failure = await chunk.mapped;
    if (failure) {
      this.gpu.checkErrors();  // an earlier, more specific error (out of memory, validation) first
      throw failure;
    }
    const values = new Float32Array(chunk.staging.getMappedRange(0, chunk.count * METRICS_STRIDE * 4).slice(0));
    chunk.staging.unmap();
    this.gpu.checkErrors();
    const U = this.config.updatesPerIteration;
    return Array.from({ length: chunk.count }, (_, i) => {
      const r = values.subarray(i * METRICS_STRIDE, (i + 1) * METRICS_STRIDE);
      return {
        iteration: chunk.first + i, reward: r[0], lComp: r[1], lAigc: r[2], lVe: r[3], lTotal: r[4],
        criticLoss: chunk.updates[i] ? r[5] / U : NaN, actorLoss: chunk.updates[i] ? r[6] / U : NaN, updates: chunk.updates[i] ? U : 0,
      };
    });
  }

  /**
   * Runs `iterations` more iterations (capped at config.iterations), `iterationsPerSubmit` per submit, with at most two
   * chunks in flight. `onChunk` gets each chunk's per-iteration metrics once its readback lands; returning false (or
   * `shouldStop()` turning true) stops submitting: the chunks in flight finish and run() returns at that boundary.
   */
  async run(iterations: number, onChunk?: (rows: IterationMetrics[]) => boolean | void | Promise<boolean | void>,
            shouldStop?: () => boolean): Promise<void> {
    const end = Math.min(this.config.iterations, this.t + iterations);
    let pending: InFlight | null = null;
    let stop = false;
    while (this.t < end && !stop && !(shouldStop?.() ?? false)) {
      const submitted = this.submitChunk(this.t, Math.min(this.chunk, end - this.t));
      if (pending) {
        const rows = await this.collect(pending);
        if ((await onChunk?.(rows)) === false) stop = true;
      }
      pending = submitted;
    }
    if (pending) {
      const rows = await this.collect(pending);  // always collected: it unmaps the staging buffer
      await onChunk?.(rows);
    }
  }

  /** Dispatches per iteration with updates (counted once, off the training path; see countDispatchesPerIteration). */
  get dispatchesPerIteration(): number {
    this.dispatchCount ??= this.countDispatchesPerIteration();
    return this.dispatchCount;
  }

  /**
   * Dispatches one iteration with updates records, counted by encoding it into a command encoder that is never
   * submitted (nothing runs; no state changes).
   */
  countDispatchesPerIteration(): number {
    const encoder = this.device.createCommandEncoder({ label: 'lara.countDispatches' });
    const pass = encoder.beginComputePass();
    const saved = this.useActor;
    this.useActor = [true];
    const before = countDispatches(pass);
    this.encodeIteration(pass, 0, true, 0);
    const count = countDispatches(pass) - before;
    this.useActor = saved;
    pass.end();
    encoder.finish();
    return count;
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
      return await this.readSnapshot();
    } catch (error) {
      throw readbackError(error, 'reading the trainer state back');
    }
  }

  private async readSnapshot(): Promise<TrainerSnapshot> {
    const p = await this.readParams();
    const actorAdam = await this.actor.readAdamMoments();
    const criticAdam = await this.critic.readAdamMoments();
    const rows = filledRows(this.config, this.t);
    const replay = rows > 0 ? await readFloat32(this.device, this.replay, rows * REPLAY_STRIDE) : new Float32Array(0);
    return {
      iteration: this.t, ...p, replay,
      actorAdam: { ...actorAdam, step: this.actorStep }, criticAdam: { ...criticAdam, step: this.criticStep },
    };
  }

  /** The replay ring's filled rows, (filled, REPLAY_STRIDE) (tests). */
  async readReplay(): Promise<Float32Array> {
    const rows = filledRows(this.config, this.t);
    return rows > 0 ? readFloat32(this.device, this.replay, rows * REPLAY_STRIDE) : new Float32Array(0);
  }

  destroy(): void {
    for (const n of [this.actor, this.critic, this.actorTarget, this.criticTarget]) n.destroy();
    for (const b of [...this.buffers, this.replay, this.ring, ...this.stagings]) b.destroy();
  }
}

/** Counts dispatchWorkgroups calls on a pass (wraps the method once; used to report dispatches per iteration). */
function countDispatches(pass: GPUComputePassEncoder): number {
  const p = pass as GPUComputePassEncoder & { __laraDispatches?: number };
  if (p.__laraDispatches === undefined) {
    p.__laraDispatches = 0;
    const original = pass.dispatchWorkgroups.bind(pass);
    pass.dispatchWorkgroups = ((x: number, y?: number, z?: number) => { p.__laraDispatches!++; original(x, y, z); }) as typeof pass.dispatchWorkgroups;
  }
  return p.__laraDispatches;
}
