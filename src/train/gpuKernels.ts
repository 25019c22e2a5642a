// The LARA trainer's own kernels (shaders/lara_*.wgsl): observe, act, minibatch, critic loss, actor chain (forward and
// backward) and chunk metrics, all reading their per-(iteration, update) values from one host-written uniform ring.
import { dispatch1d } from '../gpu/buffers.js';
import { bindGroup, createExplicitPipeline, type BindingKind, type ExplicitPipeline } from '../nn/pipelines.js';

/** Bytes per Step ring entry (a multiple of minUniformBufferOffsetAlignment, which is at most 256). */
export const STEP_STRIDE = 256;
/** Bytes of `struct Step` in shaders/lib/lara_step.wgsl (18 four-byte fields). */
export const STEP_BYTES = 72;
/** Workgroup width of the kernels that sum per workgroup (act, critic loss, actor chain backward). */
export const REDUCE_WORKGROUP = 256;
/** Floats per workgroup partial of the act metrics: -L_total, L_comp, L_aigc, L_ve, L_total. */
export const ACT_METRICS = 5;
/** Floats per iteration row of the chunk metrics. */
export const METRICS_STRIDE = 8;

/** Mirrors `struct Step` of shaders/lib/lara_step.wgsl. */
export interface Step {
  iteration: number;
  update: number;
  filled: number;
  writeRow: number;
  sigma: number;
  useActor: boolean;
  iterationSlot: number;
  updateSlot: number;
  seed: number;
  envs: number;
  batch: number;
  capacity: number;
  gamma: number;
  shareFloor: number;
  rewardKind: 'log' | 'linear';
  actPartials: number;
  lossPartials: number;
  updates: number;
}

/** Writes one `struct Step` at byte `offset` of `data`. */
export function writeStep(data: ArrayBuffer, offset: number, s: Step): void {
  const u = new Uint32Array(data, offset, STEP_BYTES / 4);
  const f = new Float32Array(data, offset, STEP_BYTES / 4);
  u[0] = s.iteration; u[1] = s.update; u[2] = s.filled; u[3] = s.writeRow;
  f[4] = s.sigma; u[5] = s.useActor ? 1 : 0; u[6] = s.iterationSlot; u[7] = s.updateSlot;
  u[8] = s.seed; u[9] = s.envs; u[10] = s.batch; u[11] = s.capacity;
  f[12] = s.gamma; f[13] = s.shareFloor; u[14] = s.rewardKind === 'log' ? 0 : 1; u[15] = s.actPartials;
  u[16] = s.lossPartials; u[17] = s.updates;
}

type Binding = GPUBuffer | { buffer: GPUBuffer; size: number };
/** An encoder of one kernel with its buffers bound: `(pass, ringSlot)`. */
export type StepEncoder = (pass: GPUComputePassEncoder, slot: number) => void;

export class LaraKernels {
  private constructor(
    private readonly device: GPUDevice,
    private readonly pipelines: Record<string, ExplicitPipeline>,
  ) {}

  static async create(device: GPUDevice, { gamma }: { gamma: boolean }): Promise<LaraKernels> {
    const specs: [string, string, BindingKind[], Record<string, number | boolean>][] = [
      ['observe', 'lara_observe.wgsl', ['dynamic-uniform', 'uniform', 'uniform', 'read-write', 'read-write'], {}],
      ['act', 'lara_act.wgsl', ['dynamic-uniform', 'uniform', 'uniform', 'read', 'read-write', 'read-write', 'read-write', 'read-write'], {}],
      ['minibatch', 'lara_minibatch.wgsl', ['dynamic-uniform', 'read', 'read-write', 'read-write', 'read-write', 'read-write'], {}],
      ['criticLoss', 'lara_critic_loss.wgsl', ['dynamic-uniform', 'read', 'read', 'read-write', 'read-write', 'read'], { GAMMA: gamma }],
      ['actorChain', 'lara_actor_chain.wgsl', ['dynamic-uniform', 'read', 'read', 'read-write'], {}],
      ['actorChainBackward', 'lara_actor_chain_backward.wgsl', ['dynamic-uniform', 'read', 'read', 'read', 'read-write', 'read-write'], {}],
      ['metrics', 'lara_metrics.wgsl', ['dynamic-uniform', 'read', 'read', 'read', 'read-write'], {}],
    ];
    const built = await Promise.all(specs.map(([, shader, bindings, constants]) => createExplicitPipeline(device, shader, bindings, constants)));
    return new LaraKernels(device, Object.fromEntries(specs.map(([name], i) => [name, built[i]])));
  }

  /** Binds `buffers` after the Step ring (binding 0); the encoder dispatches `items` threads of `workgroup`. */
  private prepare(name: string, ring: GPUBuffer, buffers: Binding[], items: number, workgroup: number): StepEncoder {
    const kernel = this.pipelines[name];
    const group = bindGroup(this.device, kernel.layout, [{ buffer: ring, size: STEP_BYTES }, ...buffers], `lara.${name}`);
    return (pass, slot) => {
      pass.setPipeline(kernel.pipeline);
      pass.setBindGroup(0, group, [slot * STEP_STRIDE]);
      dispatch1d(this.device, pass, items, workgroup);
    };
  }

  /** states, obs: (envs, 7) <- slot `iteration` of the training states. */
  observe(ring: GPUBuffer, scenario: GPUBuffer, norm: GPUBuffer, states: GPUBuffer, obs: GPUBuffer, envs: number): StepEncoder {
    return this.prepare('observe', ring, [scenario, norm, states, obs], envs, 64);
  }

  act(ring: GPUBuffer, scenario: GPUBuffer, norm: GPUBuffer, actorZ: GPUBuffer, states: GPUBuffer, obs: GPUBuffer,
      replay: GPUBuffer, actPartials: GPUBuffer, envs: number): StepEncoder {
    return this.prepare('act', ring, [scenario, norm, actorZ, states, obs, replay, actPartials], envs, REDUCE_WORKGROUP);
  }

  minibatch(ring: GPUBuffer, replay: GPUBuffer, criticInput: GPUBuffer, obsBatch: GPUBuffer, reward: GPUBuffer, nextObs: GPUBuffer, batch: number): StepEncoder {
    return this.prepare('minibatch', ring, [replay, criticInput, obsBatch, reward, nextObs], batch, 256);
  }

  /** targetQ is read only when the kernels were created with gamma; pass any other read-only buffer otherwise. */
  criticLoss(ring: GPUBuffer, q: GPUBuffer, reward: GPUBuffer, dQ: GPUBuffer, lossPartials: GPUBuffer, targetQ: GPUBuffer, batch: number): StepEncoder {
    return this.prepare('criticLoss', ring, [q, reward, dQ, lossPartials, targetQ], batch, REDUCE_WORKGROUP);
  }

  actorChain(ring: GPUBuffer, z: GPUBuffer, obs: GPUBuffer, criticInput: GPUBuffer, batch: number): StepEncoder {
    return this.prepare('actorChain', ring, [z, obs, criticInput], batch, 64);
  }

  actorChainBackward(ring: GPUBuffer, z: GPUBuffer, dCriticInput: GPUBuffer, q: GPUBuffer, dZ: GPUBuffer, actorPartials: GPUBuffer, batch: number): StepEncoder {
    return this.prepare('actorChainBackward', ring, [z, dCriticInput, q, dZ, actorPartials], batch, REDUCE_WORKGROUP);
  }

  /** One workgroup per iteration of the chunk: `iterations` rows of METRICS_STRIDE floats. */
  metrics(ring: GPUBuffer, actPartials: GPUBuffer, criticPartials: GPUBuffer, actorPartials: GPUBuffer, metrics: GPUBuffer): (pass: GPUComputePassEncoder, iterations: number) => void {
    const kernel = this.pipelines.metrics;
    const group = bindGroup(this.device, kernel.layout, [{ buffer: ring, size: STEP_BYTES }, actPartials, criticPartials, actorPartials, metrics], 'lara.metrics');
    return (pass, iterations) => {
      pass.setPipeline(kernel.pipeline);
      pass.setBindGroup(0, group, [0]);
      pass.dispatchWorkgroups(iterations);
    };
  }
}
