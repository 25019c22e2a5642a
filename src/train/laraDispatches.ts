// The GPU trainer's buffers beyond the networks, and its own kernels' dispatches (shaders/lara_*.wgsl) bound to them
// once: what GpuTrainer.create builds before the first iteration.
import { createStorage, createStorageFrom, createUniform } from '../gpu/buffers.js';
import type { Dispatch } from '../gpu/kernel.js';
import type { ReduceVariant } from '../gpu/reduce.js';
import { scenarioUniform } from '../env/scenarioUniform.js';
import { worldParams } from '../world/gpu.js';
import type { GpuMlp } from '../nn/mlp.js';
import type { Scenario } from '../scenario.js';
import type { DerivedRun } from './derive.js';
import { observationNorm, observationNormParams } from './features.js';
import {
  laraActKernel, laraActorChainBackwardKernel, laraActorChainKernel, laraCriticLossKernel, laraMetricsKernel, laraMinibatchKernel,
  itemFloats, laraObserveKernel, STEP_STRIDE, stepBinding, stepDispatch,
} from './laraKernels.js';
import { ACT_METRICS, METRICS_STRIDE } from './layout.js';
import { laraWorldActKernel, laraWorldActorChainBackwardKernel, laraWorldActorChainKernel, laraWorldObserveKernel } from './laraWorldKernels.js';
import { worldObservationNorm, worldObservationNormParams } from './worldFeatures.js';

/** The trainer's own dispatches, bound once. */
export interface LaraDispatches {
  observe: Dispatch;
  act: Dispatch;
  minibatch: Dispatch;
  criticLoss: Dispatch;
  actorChain: Dispatch;
  targetChain?: Dispatch;
  actorChainBackward: Dispatch;
  metrics: Dispatch;
}

/** What the iteration needs beyond the networks: buffers named as in ReferenceTrainer. */
export interface LaraBuffers {
  ring: GPUBuffer; replay: GPUBuffer; states: GPUBuffer; obs: GPUBuffer; metrics: GPUBuffer;
  criticInput: GPUBuffer; obsBatch: GPUBuffer; nextObs: GPUBuffer; dQ: GPUBuffer; actorCriticInput: GPUBuffer;
  dActorCriticInput: GPUBuffer; dZ: GPUBuffer; ones: GPUBuffer; targetCriticInput?: GPUBuffer;
  all: GPUBuffer[];
}

/** Allocates the buffers and binds every LARA kernel to them and to the networks' outputs. */
export async function laraBuffersAndDispatches(device: GPUDevice, scenario: Scenario, run: DerivedRun,
  nets: { actor: GpuMlp; critic: GpuMlp; actorTarget: GpuMlp; criticTarget: GpuMlp }, reduce: ReduceVariant): Promise<{ buffers: LaraBuffers; dispatches: LaraDispatches }> {
  const { config, shape } = run;
  const { envs, batch, updatesPerIteration: U, iterationsPerSubmit: chunk } = config;
  const OBS = shape.observation, Z = shape.action, CRITIC = shape.criticInput;
  const gamma = config.gamma > 0;
  const steps = chunk * U;
  const { actor, critic, actorTarget, criticTarget } = nets;
  const floats = itemFloats(OBS, Z);
    const store = (bytes: number, label: string) => { const x = createStorage(device, bytes, label); all.push(x); return x; };
    const all: GPUBuffer[] = [];
    const b: LaraBuffers = {
      ring: device.createBuffer({ label: 'lara.steps', size: steps * STEP_STRIDE, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST }),
      replay: store(config.replayCapacity * shape.replayStride * 4, 'lara.replay'),
      states: store(envs * shape.state * 4, 'lara.states'),                 // (envs, state): 7 in the letter's world
      obs: store(envs * OBS * 4, 'lara.obs'),                               // (envs, OBS): 7
      metrics: store(chunk * METRICS_STRIDE * 4, 'lara.metrics'),           // (chunk, METRICS_STRIDE)
      criticInput: store(batch * CRITIC * 4, 'lara.criticInput'),          // (B, CRITIC): 14, obs | features
      obsBatch: store(batch * OBS * 4, 'lara.obsBatch'),                    // (B, OBS)
      nextObs: store(gamma ? batch * OBS * 4 : 16, 'lara.nextObs'),         // (B, OBS); never read at gamma 0
      dQ: store(batch * 4, 'lara.dQ'),                                      // (B, 1)
      actorCriticInput: store(batch * CRITIC * 4, 'lara.actorCriticInput'),
      dActorCriticInput: store(batch * CRITIC * 4, 'lara.dActorCriticInput'),
      dZ: store(batch * Z * 4, 'lara.dZ'),                                  // (B, Z): 7
      ones: createStorageFrom(device, new Float32Array(batch).fill(1), 'lara.ones'),
      targetCriticInput: gamma ? store(batch * CRITIC * 4, 'lara.targetCriticInput') : undefined,
      all,
    };
    all.push(b.ring, b.ones);
    const reward = store(batch * 4, 'lara.reward');
    const actPartials = store(chunk * run.actPartials * ACT_METRICS * 4, 'lara.actPartials');
    const criticPartials = store(steps * run.lossPartials * 4, 'lara.criticPartials');
    const actorPartials = store(steps * run.lossPartials * 4, 'lara.actorPartials');
    const scenarioBuffer = createUniform(device, scenarioUniform(scenario), 'lara.scenario');
    all.push(scenarioBuffer);
    const step = stepBinding(b.ring);
    const featureFlops = 60;
    const minibatch = stepDispatch(device, await laraMinibatchKernel.pipeline(device, { gamma, sizes: shape.world ? shape.defines : undefined }),
      { step, replay: b.replay, criticInput: b.criticInput, obsBatch: b.obsBatch, reward, nextObs: b.nextObs },
      batch, gamma ? 'minibatchTarget' : 'minibatch', 100, floats[gamma ? 'minibatchTarget' : 'minibatch']);
    const criticLoss = stepDispatch(device, await laraCriticLossKernel.pipeline(device, { ...reduce, gamma }), {
      step, q: critic.output, reward, dQ: b.dQ, lossPartials: criticPartials, targetQ: gamma ? criticTarget.output : reward,
    }, batch, 'criticLoss', 5);
    const metrics = stepDispatch(device, await laraMetricsKernel.pipeline(device, reduce), { step, actPartials, criticPartials, actorPartials, metrics: b.metrics }, 1, 'metrics', 0);

    if (shape.world) {
      // A generalised world: its own observe, act and actor chain kernels, the world and the observation's norm bound.
      const { world, lara } = shape.world;
      const worldBuffer = createStorageFrom(device, new Uint8Array(worldParams(world)), 'lara.world');
      const norm = createStorageFrom(device, worldObservationNormParams(worldObservationNorm(world)), 'lara.worldNorm');
      all.push(worldBuffer, norm);
      const v = { shape };
      const userFlops = 80 * lara.world.users;
      const [observe, act, actorChain, actorChainBackward] = await Promise.all([
        laraWorldObserveKernel.pipeline(device, v), laraWorldActKernel.pipeline(device, { ...v, ...reduce }),
        laraWorldActorChainKernel.pipeline(device, v), laraWorldActorChainBackwardKernel.pipeline(device, { ...v, ...reduce }),
      ]);
      const k: LaraDispatches = {
        observe: stepDispatch(device, observe, { step, scenario: scenarioBuffer, world: worldBuffer, norm, states: b.states, obs: b.obs }, envs, 'observe', 4 * userFlops, floats.observe),
        act: stepDispatch(device, act, {
          step, scenario: scenarioBuffer, world: worldBuffer, norm, actorZ: actor.output, states: b.states, obs: b.obs, replay: b.replay, actPartials,
        }, envs, 'act', 12 * userFlops, floats.act),
        minibatch, criticLoss,
        actorChain: stepDispatch(device, actorChain, { step, z: actor.output, obs: b.obsBatch, criticInput: b.actorCriticInput }, batch, 'actorChain', 4 * userFlops, floats.actorChain),
        targetChain: gamma ? stepDispatch(device, actorChain, { step, z: actorTarget.output, obs: b.nextObs, criticInput: b.targetCriticInput! }, batch, 'actorChain', 4 * userFlops, floats.actorChain) : undefined,
        actorChainBackward: stepDispatch(device, actorChainBackward, {
          step, z: actor.output, obs: b.obsBatch, dCriticInput: b.dActorCriticInput, q: critic.output, dZ: b.dZ, actorPartials,
        }, batch, 'actorChainBackward', 8 * userFlops, floats.actorChainBackward + OBS),
        metrics,
      };
      return { buffers: b, dispatches: k };
    }

    const norm = createUniform(device, observationNormParams(observationNorm(scenario)).buffer as ArrayBuffer, 'lara.norm');
    all.push(norm);
    const [observe, act, actorChain, actorChainBackward] = await Promise.all([
      laraObserveKernel.pipeline(device, undefined), laraActKernel.pipeline(device, reduce),
      laraActorChainKernel.pipeline(device, undefined), laraActorChainBackwardKernel.pipeline(device, reduce),
    ]);
    const k: LaraDispatches = {
      observe: stepDispatch(device, observe, { step, scenario: scenarioBuffer, norm, states: b.states, obs: b.obs }, envs, 'observe', 300),
      act: stepDispatch(device, act, {
        step, scenario: scenarioBuffer, norm, actorZ: actor.output, states: b.states, obs: b.obs, replay: b.replay, actPartials,
      }, envs, 'act', 600),
      minibatch, criticLoss,
      actorChain: stepDispatch(device, actorChain, { step, z: actor.output, obs: b.obsBatch, criticInput: b.actorCriticInput }, batch, 'actorChain', featureFlops),
      targetChain: gamma ? stepDispatch(device, actorChain, { step, z: actorTarget.output, obs: b.nextObs, criticInput: b.targetCriticInput! }, batch, 'actorChain', featureFlops) : undefined,
      actorChainBackward: stepDispatch(device, actorChainBackward, {
        step, z: actor.output, dCriticInput: b.dActorCriticInput, q: critic.output, dZ: b.dZ, actorPartials,
      }, batch, 'actorChainBackward', 2 * featureFlops),
      metrics,
    };
  return { buffers: b, dispatches: k };
}
