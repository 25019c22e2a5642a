// The GPU trainer's buffers beyond the networks, and its own kernels' dispatches (shaders/lara_*.wgsl) bound to them
// once: what GpuTrainer.create builds before the first iteration.
import { createStorage, createStorageFrom, createUniform } from '../gpu/buffers.js';
import { itemsDispatch, type Dispatch } from '../gpu/kernel.js';
import type { ReduceVariant } from '../gpu/reduce.js';
import { STATE_SIZE } from '../env/layout.js';
import { scenarioUniform } from '../env/scenarioUniform.js';
import type { GpuMlp } from '../nn/mlp.js';
import type { Scenario } from '../scenario.js';
import type { DerivedRun } from './derive.js';
import { observationNorm, observationNormParams } from './features.js';
import {
  laraActKernel, laraActorChainBackwardKernel, laraActorChainKernel, laraCriticLossKernel, laraMetricsKernel, laraMinibatchKernel,
  laraObserveKernel, STEP_STRIDE, stepBinding,
} from './laraKernels.js';
import { ACT_METRICS, ACTION_SIZE, CRITIC_INPUT, METRICS_STRIDE, OBSERVATION_SIZE, replayBytes } from './layout.js';

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
  /** The act kernel's metric partials (the metrics kernel sums them). */
  actPartials: GPUBuffer;
  all: GPUBuffer[];
}

/** Allocates the buffers and binds every LARA kernel to them and to the networks' outputs. */
export async function laraBuffersAndDispatches(device: GPUDevice, scenario: Scenario, run: DerivedRun,
  nets: { actor: GpuMlp; critic: GpuMlp; actorTarget: GpuMlp; criticTarget: GpuMlp }, reduce: ReduceVariant): Promise<{ buffers: LaraBuffers; dispatches: LaraDispatches }> {
  const { config } = run;
  const { envs, batch, updatesPerIteration: U, iterationsPerSubmit: chunk } = config;
  const gamma = config.gamma > 0;
  const steps = chunk * U;
  const { actor, critic, actorTarget, criticTarget } = nets;
    const store = (bytes: number, label: string) => { const x = createStorage(device, bytes, label); all.push(x); return x; };
    const all: GPUBuffer[] = [];
    const b: LaraBuffers = {
      ring: device.createBuffer({ label: 'lara.steps', size: steps * STEP_STRIDE, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST }),
      replay: store(replayBytes(config.replayCapacity), 'lara.replay'),
      states: store(envs * STATE_SIZE * 4, 'lara.states'),                        // (envs, 7)
      obs: store(envs * OBSERVATION_SIZE * 4, 'lara.obs'),                        // (envs, 7)
      metrics: store(chunk * METRICS_STRIDE * 4, 'lara.metrics'),                 // (chunk, METRICS_STRIDE)
      criticInput: store(batch * CRITIC_INPUT * 4, 'lara.criticInput'),          // (B, 14): obs | features
      obsBatch: store(batch * OBSERVATION_SIZE * 4, 'lara.obsBatch'),             // (B, 7)
      nextObs: store(gamma ? batch * OBSERVATION_SIZE * 4 : 16, 'lara.nextObs'),  // (B, 7); never read at gamma 0
      dQ: store(batch * 4, 'lara.dQ'),                                            // (B, 1)
      actorCriticInput: store(batch * CRITIC_INPUT * 4, 'lara.actorCriticInput'),
      dActorCriticInput: store(batch * CRITIC_INPUT * 4, 'lara.dActorCriticInput'),
      dZ: store(batch * ACTION_SIZE * 4, 'lara.dZ'),                              // (B, 7)
      ones: createStorageFrom(device, new Float32Array(batch).fill(1), 'lara.ones'),
      targetCriticInput: gamma ? store(batch * CRITIC_INPUT * 4, 'lara.targetCriticInput') : undefined,
      actPartials: store(chunk * run.actPartials * ACT_METRICS * 4, 'lara.actPartials'),
      all,
    };
    all.push(b.ring, b.ones);
    const reward = store(batch * 4, 'lara.reward');
    const actPartials = b.actPartials;
    const criticPartials = store(steps * run.lossPartials * 4, 'lara.criticPartials');
    const actorPartials = store(steps * run.lossPartials * 4, 'lara.actorPartials');
    const scenarioBuffer = createUniform(device, scenarioUniform(scenario), 'lara.scenario');
    const norm = createUniform(device, observationNormParams(observationNorm(scenario)).buffer as ArrayBuffer, 'lara.norm');
    all.push(scenarioBuffer, norm);

    const [observe, act, minibatch, criticLoss, actorChain, actorChainBackward, metrics] = await Promise.all([
      laraObserveKernel.pipeline(device, undefined), laraActKernel.pipeline(device, reduce), laraMinibatchKernel.pipeline(device, { gamma }),
      laraCriticLossKernel.pipeline(device, { ...reduce, gamma }), laraActorChainKernel.pipeline(device, undefined),
      laraActorChainBackwardKernel.pipeline(device, reduce), laraMetricsKernel.pipeline(device, reduce),
    ]);
    const step = stepBinding(b.ring);
    const k: LaraDispatches = {
      observe: itemsDispatch(device, observe, { step, scenario: scenarioBuffer, norm, states: b.states, obs: b.obs }, envs),
      act: itemsDispatch(device, act, {
        step, scenario: scenarioBuffer, norm, actorZ: actor.output, states: b.states, obs: b.obs, replay: b.replay, actPartials,
      }, envs),
      minibatch: itemsDispatch(device, minibatch, { step, replay: b.replay, criticInput: b.criticInput, obsBatch: b.obsBatch, reward, nextObs: b.nextObs }, batch),
      criticLoss: itemsDispatch(device, criticLoss, {
        step, q: critic.output, reward, dQ: b.dQ, lossPartials: criticPartials, targetQ: gamma ? criticTarget.output : reward,
      }, batch),
      actorChain: itemsDispatch(device, actorChain, { step, z: actor.output, obs: b.obsBatch, criticInput: b.actorCriticInput }, batch),
      targetChain: gamma ? itemsDispatch(device, actorChain, { step, z: actorTarget.output, obs: b.nextObs, criticInput: b.targetCriticInput! }, batch) : undefined,
      actorChainBackward: itemsDispatch(device, actorChainBackward, {
        step, z: actor.output, dCriticInput: b.dActorCriticInput, q: critic.output, dZ: b.dZ, actorPartials,
      }, batch),
      metrics: itemsDispatch(device, metrics, { step, actPartials, criticPartials, actorPartials, metrics: b.metrics }, 1),
    };
  return { buffers: b, dispatches: k };
}
