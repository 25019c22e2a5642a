// GPU wrappers of the environment kernels: state sampling, latencies, the fused FRA/RRA rollout, and the vec4 sum.
import { bindBuffers, checkBindingSize, createStorage, createStorageFrom, createUniform, readFloat32 } from '../gpu/buffers.js';
import { createPipeline } from '../gpu/shaders.js';
import type { Scenario } from '../scenario.js';
import { ACTION_SIZE, LATENCY_SIZE, STATE_SIZE } from './layout.js';
import { scenarioUniform } from './scenarioUniform.js';

const SAMPLE_WORKGROUP = 64;
const LATENCY_WORKGROUP = 64;
const ROLLOUT_WORKGROUP = 256;
const REDUCE_WORKGROUP = 256;

/** An (x, y) workgroup grid for `items`, 2D past `maxPerDimension` (default: the device limit, 65,535). */
export function workgroupGrid(device: GPUDevice, items: number, workgroupSize: number, maxPerDimension = device.limits.maxComputeWorkgroupsPerDimension): [number, number] {
  const groups = Math.max(1, Math.ceil(items / workgroupSize));
  if (groups <= maxPerDimension) return [groups, 1];
  const y = Math.ceil(groups / maxPerDimension);
  if (y > maxPerDimension) throw new RangeError(`${groups} workgroups exceed a ${maxPerDimension} x ${maxPerDimension} grid`);
  return [Math.ceil(groups / y), y];
}

function checkCount(count: number, what: string): void {
  if (!Number.isInteger(count) || count < 1 || count > 0xffffffff) throw new RangeError(`${what} must be an integer in [1, 2^32), got ${count}`);
}

function u32(x: number, what: string): number {
  if (!Number.isInteger(x) || x < 0 || x > 0xffffffff) throw new RangeError(`${what} must be a u32, got ${x}`);
  return x;
}

export interface SampleParams { count: number; seed: number; stream: number; firstEnv: number; slot: number }

/** Mirrors `struct Params` of shaders/env_sample.wgsl. */
export function envSampleParams(p: SampleParams): ArrayBuffer {
  return new Uint32Array([u32(p.count, 'count'), u32(p.seed, 'seed'), u32(p.stream, 'stream'), u32(p.firstEnv, 'firstEnv'), u32(p.slot, 'slot'), 0, 0, 0]).buffer;
}

/** shaders/env_sample.wgsl: states (count, 7) of envs firstEnv.. at one slot, the same draws as sampleStates(). */
export class EnvSampleKernel {
  private constructor(private device: GPUDevice, private pipeline: GPUComputePipeline, readonly scenarioBuffer: GPUBuffer) {}

  static async create(device: GPUDevice, scenario: Scenario): Promise<EnvSampleKernel> {
    const pipeline = await createPipeline(device, { shader: 'env_sample.wgsl', constants: { WORKGROUP_SIZE: SAMPLE_WORKGROUP } });
    return new EnvSampleKernel(device, pipeline, createUniform(device, scenarioUniform(scenario), 'envSample.scenario'));
  }

  /** Binds `states` ((count, 7) float32) once; the returned function encodes one sampling dispatch. */
  prepare(states: GPUBuffer, p: SampleParams, maxWorkgroupsPerDimension?: number): (pass: GPUComputePassEncoder) => void {
    checkCount(p.count, 'count');
    if (states.size < p.count * STATE_SIZE * 4) throw new RangeError(`states buffer of ${states.size} bytes is too small for ${p.count} states`);
    const params = createUniform(this.device, envSampleParams(p), 'envSample.params');
    const bindGroup = bindBuffers(this.device, this.pipeline, [this.scenarioBuffer, params, states], 'envSample');
    const [x, y] = workgroupGrid(this.device, p.count, SAMPLE_WORKGROUP, maxWorkgroupsPerDimension);
    return (pass) => { pass.setPipeline(this.pipeline); pass.setBindGroup(0, bindGroup); pass.dispatchWorkgroups(x, y); };
  }

  /** Samples and reads back: (count, 7). */
  async sample(p: SampleParams, maxWorkgroupsPerDimension?: number): Promise<Float32Array> {
    const states = createStorage(this.device, p.count * STATE_SIZE * 4, 'envSample.states');
    try {
      submit(this.device, this.prepare(states, p, maxWorkgroupsPerDimension));
      return await readFloat32(this.device, states, p.count * STATE_SIZE);
    } finally { states.destroy(); }
  }
}

/** Mirrors `struct Params` of shaders/env_latency.wgsl. */
export function envLatencyParams(count: number): ArrayBuffer {
  return new Uint32Array([u32(count, 'count'), 0, 0, 0]).buffer;
}

/**
 * Binds the scenario, envLatencyParams(count), states (n, 7), actions (n, 7) and latencies (n, 4) to a kernel laid out
 * like env_latency.wgsl (opt.wgsl too); the returned function encodes one dispatch over the `count` rows.
 */
function prepareStateActionRows(device: GPUDevice, pipeline: GPUComputePipeline, scenarioBuffer: GPUBuffer,
  kernel: { label: string; rows: string; workgroupSize: number },
  states: GPUBuffer, actions: GPUBuffer, latencies: GPUBuffer, count: number): (pass: GPUComputePassEncoder) => void {
  checkCount(count, 'count');
  if (states.size < count * STATE_SIZE * 4 || actions.size < count * ACTION_SIZE * 4 || latencies.size < count * LATENCY_SIZE * 4) {
    throw new RangeError(`a buffer is too small for ${count} ${kernel.rows}`);
  }
  const params = createUniform(device, envLatencyParams(count), `${kernel.label}.params`);
  const bindGroup = bindBuffers(device, pipeline, [scenarioBuffer, params, states, actions, latencies], kernel.label);
  const [x, y] = workgroupGrid(device, count, kernel.workgroupSize);
  return (pass) => { pass.setPipeline(pipeline); pass.setBindGroup(0, bindGroup); pass.dispatchWorkgroups(x, y); };
}

/** shaders/env_latency.wgsl: states (n, 7) + actions (n, 7) -> latencies (n, 4). */
export class EnvLatencyKernel {
  private constructor(private device: GPUDevice, private pipeline: GPUComputePipeline, readonly scenarioBuffer: GPUBuffer) {}

  static async create(device: GPUDevice, scenario: Scenario): Promise<EnvLatencyKernel> {
    const pipeline = await createPipeline(device, { shader: 'env_latency.wgsl', constants: { WORKGROUP_SIZE: LATENCY_WORKGROUP } });
    return new EnvLatencyKernel(device, pipeline, createUniform(device, scenarioUniform(scenario), 'envLatency.scenario'));
  }

  prepare(states: GPUBuffer, actions: GPUBuffer, latencies: GPUBuffer, count: number): (pass: GPUComputePassEncoder) => void {
    return prepareStateActionRows(this.device, this.pipeline, this.scenarioBuffer,
      { label: 'envLatency', rows: 'latency rows', workgroupSize: LATENCY_WORKGROUP }, states, actions, latencies, count);
  }

  /** Uploads states and actions ((n, 7) each), computes, reads back (n, 4). */
  async latencies(states: ArrayLike<number>, actions: ArrayLike<number>): Promise<Float32Array> {
    const count = states.length / STATE_SIZE;
    if (!Number.isInteger(count) || actions.length !== count * ACTION_SIZE) throw new RangeError('states and actions must both be (n, 7)');
    const s = createStorageFrom(this.device, Float32Array.from(states), 'envLatency.states');
    const a = createStorageFrom(this.device, Float32Array.from(actions), 'envLatency.actions');
    const l = createStorage(this.device, count * LATENCY_SIZE * 4, 'envLatency.latencies');
    try {
      submit(this.device, this.prepare(s, a, l, count));
      return await readFloat32(this.device, l, count * LATENCY_SIZE);
    } finally { s.destroy(); a.destroy(); l.destroy(); }
  }
}

/** shaders/env_reduce.wgsl: sums rows (count, 4) into one vec4 at offset 0 of `total`. */
export class Vec4SumKernel {
  private constructor(private device: GPUDevice, private pipeline: GPUComputePipeline) {}

  static async create(device: GPUDevice): Promise<Vec4SumKernel> {
    return new Vec4SumKernel(device, await createPipeline(device, { shader: 'env_reduce.wgsl', constants: { WORKGROUP_SIZE: REDUCE_WORKGROUP } }));
  }

  prepare(rows: GPUBuffer, count: number, total: GPUBuffer): (pass: GPUComputePassEncoder) => void {
    checkCount(count, 'count');
    const params = createUniform(this.device, new Uint32Array([count, 0, 0, 0]).buffer, 'vec4Sum.params');
    const bindGroup = bindBuffers(this.device, this.pipeline, [params, rows, total], 'vec4Sum');
    return (pass) => { pass.setPipeline(this.pipeline); pass.setBindGroup(0, bindGroup); pass.dispatchWorkgroups(1); };
  }
}

export type FixedPolicy = 'fra' | 'rra';

export interface RolloutParams {
  envs: number;
  slots: number;
  firstEnv?: number;
  firstSlot?: number;
  stateSeed: number;
  stateStream: number;
  /** Key word 0 of RRA's draws (ignored by FRA). */
  actionSeed?: number;
}

/** Mirrors `struct Params` of shaders/env_rollout.wgsl. */
export function envRolloutParams(p: RolloutParams): ArrayBuffer {
  const count = p.envs * p.slots;
  checkCount(count, 'envs * slots');
  return new Uint32Array([u32(p.envs, 'envs'), u32(p.slots, 'slots'), u32(p.firstEnv ?? 0, 'firstEnv'), u32(p.firstSlot ?? 0, 'firstSlot'),
    u32(p.stateSeed, 'stateSeed'), u32(p.stateStream, 'stateStream'), u32(p.actionSeed ?? 0, 'actionSeed'), count]).buffer;
}

/** shaders/env_rollout.wgsl + env_reduce.wgsl: mean latencies of FRA or RRA over envs x slots without leaving the GPU. */
export class EnvRolloutKernel {
  private constructor(private device: GPUDevice, private pipeline: GPUComputePipeline, private sum: Vec4SumKernel,
    private scenarioBuffer: GPUBuffer, readonly policy: FixedPolicy) {}

  static async create(device: GPUDevice, scenario: Scenario, policy: FixedPolicy): Promise<EnvRolloutKernel> {
    const pipeline = await createPipeline(device, {
      shader: 'env_rollout.wgsl', constants: { WORKGROUP_SIZE: ROLLOUT_WORKGROUP, POLICY: policy === 'rra' ? 1 : 0 },
    });
    return new EnvRolloutKernel(device, pipeline, await Vec4SumKernel.create(device),
      createUniform(device, scenarioUniform(scenario), 'envRollout.scenario'), policy);
  }

  /** Binds everything once: the returned encode runs the rollout and leaves the 4 latency sums in `total`. */
  prepare(p: RolloutParams, maxWorkgroupsPerDimension?: number): { encode: (pass: GPUComputePassEncoder) => void; total: GPUBuffer; count: number; destroy: () => void } {
    const count = p.envs * p.slots;
    const params = createUniform(this.device, envRolloutParams(p), 'envRollout.params');
    const groups = Math.ceil(count / ROLLOUT_WORKGROUP);
    checkBindingSize(this.device, groups * 16, 'rollout partial sums');
    const partials = createStorage(this.device, groups * 16, 'envRollout.partials');
    const total = createStorage(this.device, 16, 'envRollout.total');
    const bindGroup = bindBuffers(this.device, this.pipeline, [this.scenarioBuffer, params, partials], 'envRollout');
    const [x, y] = workgroupGrid(this.device, count, ROLLOUT_WORKGROUP, maxWorkgroupsPerDimension);
    const reduce = this.sum.prepare(partials, groups, total);
    return {
      encode: (pass) => { pass.setPipeline(this.pipeline); pass.setBindGroup(0, bindGroup); pass.dispatchWorkgroups(x, y); reduce(pass); },
      total, count,
      destroy: () => { partials.destroy(); total.destroy(); params.destroy(); },
    };
  }

  /** Mean [comp, aigc, ve, total] over envs x slots (the host reads 4 numbers). */
  async mean(p: RolloutParams, maxWorkgroupsPerDimension?: number): Promise<[number, number, number, number]> {
    const run = this.prepare(p, maxWorkgroupsPerDimension);
    try {
      submit(this.device, run.encode);
      const sums = await readFloat32(this.device, run.total, 4);
      return [sums[0] / run.count, sums[1] / run.count, sums[2] / run.count, sums[3] / run.count];
    } finally { run.destroy(); }
  }
}

/** Records `encode` into one compute pass and submits it. */
export function submit(device: GPUDevice, ...encodes: ((pass: GPUComputePassEncoder) => void)[]): void {
  const encoder = device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  for (const e of encodes) e(pass);
  pass.end();
  device.queue.submit([encoder.finish()]);
}

const OPT_WORKGROUP = 64;

/** shaders/opt.wgsl: OPT's actions (n, 7) and latencies (n, 4) for states (n, 7), float32, the iterations of opt.ts. */
export class OptKernel {
  private constructor(private device: GPUDevice, private pipeline: GPUComputePipeline, readonly scenarioBuffer: GPUBuffer) {}

  static async create(device: GPUDevice, scenario: Scenario): Promise<OptKernel> {
    const { OPT_INNER_ITERATIONS, OPT_OUTER_ITERATIONS } = await import('./opt.js');
    const pipeline = await createPipeline(device, {
      shader: 'opt.wgsl',
      constants: { WORKGROUP_SIZE: OPT_WORKGROUP, OUTER_ITERATIONS: OPT_OUTER_ITERATIONS, INNER_ITERATIONS: OPT_INNER_ITERATIONS },
    });
    return new OptKernel(device, pipeline, createUniform(device, scenarioUniform(scenario), 'opt.scenario'));
  }

  prepare(states: GPUBuffer, actions: GPUBuffer, latencies: GPUBuffer, count: number): (pass: GPUComputePassEncoder) => void {
    return prepareStateActionRows(this.device, this.pipeline, this.scenarioBuffer,
      { label: 'opt', rows: 'OPT rows', workgroupSize: OPT_WORKGROUP }, states, actions, latencies, count);
  }

  /** Like prepare, on ranges of buffers (rows first.. of larger buffers). */
  prepareRange(states: GPUBufferBinding, actions: GPUBufferBinding, latencies: GPUBufferBinding, count: number): (pass: GPUComputePassEncoder) => void {
    checkCount(count, 'count');
    const params = createUniform(this.device, envLatencyParams(count), 'opt.params');
    const bindGroup = this.device.createBindGroup({
      label: 'opt.range',
      layout: this.pipeline.getBindGroupLayout(0),
      entries: [this.scenarioBuffer, params].map((buffer, binding) => ({ binding, resource: { buffer } as GPUBufferBinding }))
        .concat([states, actions, latencies].map((resource, i) => ({ binding: i + 2, resource }))),
    });
    const [x, y] = workgroupGrid(this.device, count, OPT_WORKGROUP);
    return (pass) => { pass.setPipeline(this.pipeline); pass.setBindGroup(0, bindGroup); pass.dispatchWorkgroups(x, y); };
  }

  /** Uploads states (n, 7), solves, reads back actions (n, 7) and latencies (n, 4). */
  async solve(states: ArrayLike<number>): Promise<{ actions: Float32Array; latencies: Float32Array }> {
    const count = states.length / STATE_SIZE;
    const s = createStorageFrom(this.device, Float32Array.from(states), 'opt.states');
    const a = createStorage(this.device, count * ACTION_SIZE * 4, 'opt.actions');
    const l = createStorage(this.device, count * LATENCY_SIZE * 4, 'opt.latencies');
    try {
      submit(this.device, this.prepare(s, a, l, count));
      return { actions: await readFloat32(this.device, a, count * ACTION_SIZE), latencies: await readFloat32(this.device, l, count * LATENCY_SIZE) };
    } finally { s.destroy(); a.destroy(); l.destroy(); }
  }
}
