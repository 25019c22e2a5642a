// The GPU trainer's buffers beyond the networks, and its own kernels' dispatches (shaders/lara_*.wgsl, or
// lara_world_*.wgsl on a generalised world) bound to them once: what GpuTrainer.create builds before the first iteration.
import { createStorage, createStorageFrom, createUniform } from '../gpu/buffers.js';
import { dispatchOf, itemsDispatch, linearGrid, type Binding, type Bindings, type Dispatch, type Pipeline } from '../gpu/kernel.js';
import { scenarioUniform } from '../env/scenarioUniform.js';
import { worldParams } from '../world/gpu.js';
import type { GpuMlp } from '../nn/mlp.js';
import type { Scenario } from '../scenario.js';
import type { RunPlan } from './runPlan.js';
import { observationNorm, observationNormParams } from './features.js';
import {
  laraActKernel, laraActorChainBackwardKernel, laraActorChainKernel, laraCriticLossKernel, laraMetricsKernel, laraMinibatchKernel,
  laraObserveKernel, stepBinding,
} from './laraKernels.js';
import { ACT_METRICS } from './layout.js';
import {
  laraWorldActKernel, laraWorldActorChainBackwardKernel, laraWorldActorChainKernel, laraWorldModelGradientKernel, laraWorldObserveKernel,
} from './laraWorldKernels.js';
import { worldObservationNorm, worldObservationNormParams } from './worldFeatures.js';

/** The trainer's own dispatches, bound once. */
export interface LaraDispatches {
  observe: Dispatch;
  act: Dispatch;
  minibatch: Dispatch;
  criticLoss: Dispatch;
  /**
   * How the actor's gradient reaches z: through the learned critic (the chain into its input and back, and the target
   * chain at gamma > 0), or with the model critic (config.critic 'model', a generalised world) through the world's
   * latency, which replaces the critic's steps; only the one in use is compiled.
   */
  actorGradient: { chain: Dispatch; chainBackward: Dispatch; targetChain?: Dispatch } | { model: Dispatch };
  metrics: Dispatch;
}

/** What the iteration needs beyond the networks: buffers named as in ReferenceTrainer. */
export interface LaraBuffers {
  ring: GPUBuffer; replay: GPUBuffer; states: GPUBuffer; obs: GPUBuffer; metrics: GPUBuffer;
  criticInput: GPUBuffer; obsBatch: GPUBuffer; nextObs: GPUBuffer; dQ: GPUBuffer; actorCriticInput: GPUBuffer;
  dActorCriticInput: GPUBuffer; dZ: GPUBuffer; ones: GPUBuffer; targetCriticInput?: GPUBuffer;
  /** The act kernel's metric partials (the metrics kernel sums them). */
  actPartials: GPUBuffer;
  /** The act kernel's scenario uniform and observation norm (a uniform on the letter's world, storage on a generalised one). */
  scenario: GPUBuffer; norm?: GPUBuffer;
  all: GPUBuffer[];
}

/** Allocates the buffers the run plan sizes and binds every LARA kernel to them and to the networks' outputs. */
export async function laraBuffersAndDispatches(device: GPUDevice, scenario: Scenario, plan: RunPlan,
  nets: { actor: GpuMlp; critic: GpuMlp; actorTarget: GpuMlp; criticTarget: GpuMlp }): Promise<{ buffers: LaraBuffers; dispatches: LaraDispatches }> {
  const { derived: run, reduce } = plan;
  const { config } = run;
  const { shape } = run;
  const { envs, batch } = config;
  const { iterationsPerSubmit: chunk, stepsPerSubmit: steps } = plan.buffers;
  // Row sizes of the world LARA trains on: 7, 7 and 14 in the letter's.
  const OBS = shape.observation, Z = shape.action, CRITIC = shape.criticInput;
  const gamma = config.gamma > 0;
  const { actor, critic, actorTarget, criticTarget } = nets;
  const store = (bytes: number, label: string) => { const x = createStorage(device, bytes, label); all.push(x); return x; };
  const all: GPUBuffer[] = [];
  const scenarioBuffer = createUniform(device, scenarioUniform(scenario), 'lara.scenario');
  all.push(scenarioBuffer);
  const b: LaraBuffers = {
    ring: device.createBuffer({ label: 'lara.steps', size: plan.buffers.stepRingBytes, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST }),
    replay: store(config.replayCapacity * shape.replayStride * 4, 'lara.replay'),
    states: store(envs * shape.state * 4, 'lara.states'),                 // (envs, state)
    obs: store(envs * OBS * 4, 'lara.obs'),                               // (envs, OBS)
    metrics: store(plan.buffers.metricsBytes, 'lara.metrics'),            // (chunk, METRICS_STRIDE)
    criticInput: store(batch * CRITIC * 4, 'lara.criticInput'),          // (B, CRITIC): obs | features
    obsBatch: store(batch * OBS * 4, 'lara.obsBatch'),                    // (B, OBS)
    nextObs: store(gamma ? batch * OBS * 4 : 16, 'lara.nextObs'),         // (B, OBS); never read at gamma 0
    dQ: store(batch * 4, 'lara.dQ'),                                      // (B, 1)
    actorCriticInput: store(batch * CRITIC * 4, 'lara.actorCriticInput'),
    dActorCriticInput: store(batch * CRITIC * 4, 'lara.dActorCriticInput'),
    dZ: store(batch * Z * 4, 'lara.dZ'),                                  // (B, Z)
    ones: createStorageFrom(device, new Float32Array(batch).fill(1), 'lara.ones'),
    targetCriticInput: gamma ? store(batch * CRITIC * 4, 'lara.targetCriticInput') : undefined,
    actPartials: store(chunk * run.actPartials * ACT_METRICS * 4, 'lara.actPartials'),
    scenario: scenarioBuffer,
    all,
  };
  all.push(b.ring, b.ones);
  const reward = store(batch * 4, 'lara.reward');
  const actPartials = b.actPartials;
  const criticPartials = store(steps * run.lossPartials * 4, 'lara.criticPartials');
  const actorPartials = store(steps * run.lossPartials * 4, 'lara.actorPartials');
  const step = stepBinding(b.ring);

  // The kernels every world shares (sizes from the shape's defines on a generalised world).
  const [minibatchPipeline, criticLossPipeline, metricsPipeline] = await Promise.all([
    laraMinibatchKernel.pipeline(device, { gamma, sizes: shape.world ? shape.defines : undefined }),
    laraCriticLossKernel.pipeline(device, { ...reduce, gamma, world: shape.world !== undefined }), laraMetricsKernel.pipeline(device, reduce),
  ]);
  const minibatch = itemsDispatch(device, minibatchPipeline, { step, replay: b.replay, criticInput: b.criticInput, obsBatch: b.obsBatch, reward, nextObs: b.nextObs }, batch);
  const criticLoss = itemsDispatch(device, criticLossPipeline, {
    step, q: critic.output, reward, dQ: b.dQ, lossPartials: criticPartials, targetQ: gamma ? criticTarget.output : reward,
  }, batch);
  const metrics = itemsDispatch(device, metricsPipeline, { step, actPartials, criticPartials, actorPartials, metrics: b.metrics }, 1);

  if (shape.world) {
    // A generalised world: its own observe, act and actor chain kernels, the world and the observation's norm bound.
    const { world, lara } = shape.world;
    const worldBuffer = createStorageFrom(device, new Uint8Array(worldParams(world)), 'lara.world');
    const norm = createStorageFrom(device, worldObservationNormParams(worldObservationNorm(world)), 'lara.worldNorm');
    all.push(worldBuffer, norm);
    b.norm = norm;
    const v = { shape };
    const model = config.critic === 'model';
    const [observe, act, actorChain, actorChainBackward, modelGradient] = await Promise.all([
      laraWorldObserveKernel.pipeline(device, v), laraWorldActKernel.pipeline(device, { ...v, ...reduce }),
      model ? undefined : laraWorldActorChainKernel.pipeline(device, v),
      model ? undefined : laraWorldActorChainBackwardKernel.pipeline(device, { ...v, ...reduce }),
      model ? laraWorldModelGradientKernel.pipeline(device, { ...v, ...reduce }) : undefined,
    ]);
    // Work per row for the profile: FLOPs about 80 per user and pass, floats read plus written.
    const userFlops = 80 * lara.world.users;
    const rows = <B extends Bindings>(p: Pipeline<B>, buffers: { [K in keyof B]: Binding }, items: number, op: string, flops: number, floats: number) =>
      dispatchOf(device, p, buffers, linearGrid(device, items, p.workgroup[0]), { op, cost: { flops: flops * items, bytes: 4 * floats * items } });
    const k: LaraDispatches = {
      observe: rows(observe, { step, scenario: scenarioBuffer, world: worldBuffer, norm, states: b.states, obs: b.obs }, envs, 'lara.observe', 4 * userFlops, shape.state + OBS),
      act: rows(act, {
        step, scenario: scenarioBuffer, world: worldBuffer, norm, actorZ: actor.output, states: b.states, obs: b.obs, replay: b.replay, actPartials,
      }, envs, 'lara.act', 12 * userFlops, 2 * shape.state + 2 * OBS + Z + shape.replayStride),
      minibatch, criticLoss,
      actorGradient: modelGradient ? {
        // The head, latency and VJP once; a best response evaluates, per user, each server's members with or without it
        // (about K / M users, 13 passes each, over M servers): about 2 K more row passes.
        model: rows(modelGradient, {
          step, scenario: scenarioBuffer, world: worldBuffer, norm, z: actor.output, obs: b.obsBatch, dZ: b.dZ, actorPartials,
        }, batch, 'lara.modelGradient', (16 + (lara.z.association !== null ? 2 * lara.world.users : 0)) * userFlops, 2 * Z + OBS),
      } : {
        chain: rows(actorChain!, { step, z: actor.output, obs: b.obsBatch, criticInput: b.actorCriticInput }, batch, 'lara.actorChain', 4 * userFlops, Z + OBS + CRITIC),
        targetChain: gamma ? rows(actorChain!, { step, z: actorTarget.output, obs: b.nextObs, criticInput: b.targetCriticInput! }, batch, 'lara.actorChain', 4 * userFlops, Z + OBS + CRITIC) : undefined,
        chainBackward: rows(actorChainBackward!, {
          step, z: actor.output, obs: b.obsBatch, dCriticInput: b.dActorCriticInput, q: critic.output, dZ: b.dZ, actorPartials,
        }, batch, 'lara.actorChainBackward', 8 * userFlops, 2 * Z + CRITIC + 1 + OBS),
      },
      metrics,
    };
    return { buffers: b, dispatches: k };
  }

  const norm = createUniform(device, observationNormParams(observationNorm(scenario)).buffer as ArrayBuffer, 'lara.norm');
  all.push(norm);
  b.norm = norm;
  const [observe, act, actorChain, actorChainBackward] = await Promise.all([
    laraObserveKernel.pipeline(device, undefined), laraActKernel.pipeline(device, reduce),
    laraActorChainKernel.pipeline(device, undefined), laraActorChainBackwardKernel.pipeline(device, reduce),
  ]);
  const k: LaraDispatches = {
    observe: itemsDispatch(device, observe, { step, scenario: scenarioBuffer, norm, states: b.states, obs: b.obs }, envs),
    act: itemsDispatch(device, act, {
      step, scenario: scenarioBuffer, norm, actorZ: actor.output, states: b.states, obs: b.obs, replay: b.replay, actPartials,
    }, envs),
    minibatch, criticLoss,
    actorGradient: {
      chain: itemsDispatch(device, actorChain, { step, z: actor.output, obs: b.obsBatch, criticInput: b.actorCriticInput }, batch),
      targetChain: gamma ? itemsDispatch(device, actorChain, { step, z: actorTarget.output, obs: b.nextObs, criticInput: b.targetCriticInput! }, batch) : undefined,
      chainBackward: itemsDispatch(device, actorChainBackward, {
        step, z: actor.output, dCriticInput: b.dActorCriticInput, q: critic.output, dZ: b.dZ, actorPartials,
      }, batch),
    },
    metrics,
  };
  return { buffers: b, dispatches: k };
}
