// An MLP on the GPU: flat params/grads/Adam buffers, activation buffers for up to maxBatch rows, and encode methods
// (forward, backward, Adam, soft update) that record into the caller's compute pass.
import { createStorage, createUniform, grid2d, readFloat32 } from '../gpu/buffers.js';
import { UserError } from '../errors.js';
import { AdamSchedule } from './adam.js';
import type { NnKernels } from './kernels.js';
import { mlpLayout, validateSizes, type MlpLayout } from './layout.js';
import {
  chooseTile, FUSED_BACKWARD_MAX_LAYERS, FUSED_MAX_LAYERS, FUSED_MAX_WIDTH, fusedForwardRows, linearBackwardInputParams,
  linearBackwardWeightParams, linearBackwardWeightSumParams, linearForwardParams, mlpBackwardInputFusedParams, mlpForwardFusedParams,
  tileColumns, tileRows, validateTile, type TileShape,
} from './linear.js';
import { bindGroup, bufferId, type ExplicitPipeline } from './pipelines.js';
import type { AdamHyper } from './reference/mlp.js';

export interface GpuMlpOptions {
  label?: string;
  /**
   * false for a target network: only params and activations (no grads, Adam moments or backward buffers);
   * it runs the same forward with its own params and is updated with `online.encodeSoftUpdate(pass, target, tau)`.
   */
  trainable?: boolean;
  /** Adam ring slots: how many updates one submit may encode (default 64). */
  maxStepsPerSubmit?: number;
  /** Most batch splits of the weight-gradient reduction (default 16; 1 disables split-K). */
  maxSplits?: number;
  /** Tile of the layers wider than 16 in both directions (default WIDE_TILE); for tuning on a given GPU. */
  wideTile?: TileShape;
  /**
   * Batches of at most this many rows run the forward as one dispatch (shaders/mlp_forward_fused.wgsl; networks of
   * at most 4 layers) and the backward's input-gradient chain as one dispatch (shaders/mlp_backward_input_fused.wgsl;
   * trainable networks of at most 3 layers), when every width is <= 256 and the device has the workgroup memory;
   * otherwise one dispatch per layer. Default FUSED_MAX_BATCH; 0 turns both off.
   */
  fusedMaxBatch?: number;
}

/** Default largest batch of the fused whole-MLP kernels. */
export const FUSED_MAX_BATCH = 1024;

/** A fused whole-MLP kernel of a network: its pipeline, rows per workgroup, the largest batch it takes, unused bindings. */
interface FusedKernel { kernel: ExplicitPipeline; rows: number; maxBatch: number; dummies: GPUBuffer[] }

/** Fewest batch rows per split of the weight gradient (below this, splitting costs more than it gains). */
const MIN_ROWS_PER_SPLIT = 256;

interface LayerPipelines {
  forward: ExplicitPipeline;
  forwardTile: TileShape;
  backwardInput: ExplicitPipeline;
  backwardInputTile: TileShape;
  /** layer 0 only: backward to the network's input (no ReLU below) */
  backwardInputUnmasked?: ExplicitPipeline;
  /** by rows of the result (inputs + 1) */
  backwardWeight: ExplicitPipeline;
  backwardWeightTile: TileShape;
}

/** A recorded dispatch: pipeline, bind group and grid. */
interface Dispatch { pipeline: GPUComputePipeline; group: GPUBindGroup; grid: [number, number, number] }

/** Per batch size: the uniforms of every layer (bind groups depend on buffers too, cached separately). */
interface BatchPlan {
  forward: GPUBuffer[];
  backwardInput: GPUBuffer[];
  backwardWeight: GPUBuffer[];
  splits: number;
  sum?: GPUBuffer;
  /** fused forward uniform, when this batch takes the fused forward */
  fused?: GPUBuffer;
  /** fused backward-input uniforms down to dInput [0] and down to delta 0 [1], when this batch takes it */
  fusedBackward?: [GPUBuffer, GPUBuffer];
}

export class GpuMlp {
  readonly layout: MlpLayout;
  readonly parameterCount: number;
  /** (parameterCount) flat W, b per layer. */
  readonly params: GPUBuffer;
  /** (parameterCount) written by encodeBackward (overwritten, not accumulated). Absent when not trainable. */
  readonly grads: GPUBuffer | null;
  readonly adamM: GPUBuffer | null;
  readonly adamV: GPUBuffer | null;
  /** activations[l]: (maxBatch, sizes[l+1]), layer l's output (ReLU for hidden layers, linear for the last). */
  readonly activations: GPUBuffer[];
  /** deltas[l]: (maxBatch, sizes[l+1]), gradient at layer l's pre-activation, for hidden layers (trainable only). */
  private readonly deltas: GPUBuffer[];
  /** (splits, parameterCount) partial weight gradients (trainable, maxSplits > 1). */
  private readonly partials: GPUBuffer | null;
  private readonly schedule: AdamSchedule | null;
  /** Adam encoders per (gradient splits, soft-update target, tau). */
  private adamSteps = new Map<string, (pass: GPUComputePassEncoder, slot: number) => void>();
  /** Split-K partial sums the latest encodeBackward left for encodeAdam to add up (0: `grads` holds the gradient). */
  private pendingSplits = 0;
  private plans = new Map<number, BatchPlan>();
  private dispatchCache = new Map<string, Dispatch[]>();
  private softUpdates = new Map<string, (pass: GPUComputePassEncoder) => void>();
  /** The input buffer of the latest encodeForward, used by encodeBackward for the first layer's weight gradient. */
  private forwardInput: GPUBuffer | null = null;
  private forwardBatch = 0;

  private constructor(
    readonly kernels: NnKernels,
    readonly sizes: readonly number[],
    readonly maxBatch: number,
    readonly label: string,
    readonly trainable: boolean,
    private readonly maxSplits: number,
    maxStepsPerSubmit: number,
    private readonly pipelines: LayerPipelines[],
    private readonly sumKernel: ExplicitPipeline | null,
    private readonly fused: FusedKernel | null,
    private readonly fusedBackward: FusedKernel | null,
  ) {
    const device = kernels.device;
    this.layout = mlpLayout(sizes);
    this.parameterCount = this.layout.parameterCount;
    const bytes = this.parameterCount * 4;
    this.params = createStorage(device, bytes, `${label}.params`);
    this.activations = this.layout.layers.map((l, i) => createStorage(device, maxBatch * l.outputs * 4, `${label}.activation${i}`));
    if (trainable) {
      this.grads = createStorage(device, bytes, `${label}.grads`);
      this.adamM = createStorage(device, bytes, `${label}.adamM`);
      this.adamV = createStorage(device, bytes, `${label}.adamV`);
      this.deltas = this.layout.layers.slice(0, -1).map((l, i) => createStorage(device, maxBatch * l.outputs * 4, `${label}.delta${i}`));
      this.partials = maxSplits > 1 ? createStorage(device, maxSplits * bytes, `${label}.gradPartials`) : null;
      this.schedule = new AdamSchedule(device, maxStepsPerSubmit, this.parameterCount, `${label}.adamSchedule`);
    } else {
      this.grads = this.adamM = this.adamV = this.partials = null;
      this.deltas = [];
      this.schedule = null;
    }
  }

  /** Builds the buffers (zero parameters: call writeParams) and every pipeline this shape needs. */
  static async create(kernels: NnKernels, sizes: readonly number[], maxBatch: number, options: GpuMlpOptions = {}): Promise<GpuMlp> {
    const label = options.label ?? 'mlp';
    validateSizes(sizes, `${label} sizes`);
    if (options.wideTile) validateTile(kernels.device, options.wideTile);
    if (!(Number.isInteger(maxBatch) && maxBatch >= 1)) throw new UserError(`${label}: batch must be a positive integer, got ${maxBatch}`);
    const maxSplits = options.maxSplits ?? 16;
    const maxStepsPerSubmit = options.maxStepsPerSubmit ?? 64;
    if (!(Number.isInteger(maxSplits) && maxSplits >= 1)) throw new RangeError(`${label}: maxSplits must be a positive integer`);
    if (!(Number.isInteger(maxStepsPerSubmit) && maxStepsPerSubmit >= 1)) throw new RangeError(`${label}: maxStepsPerSubmit must be a positive integer`);
    const linear = kernels.linear;
    const { layers } = mlpLayout(sizes);
    const pipelines = await Promise.all(layers.map(async (layer, l): Promise<LayerPipelines> => {
      const last = l === layers.length - 1;
      const wide = options.wideTile;
      const forwardTile = chooseTile(null, layer.outputs, wide);
      const backwardInputTile = chooseTile(null, layer.inputs, wide);
      const backwardWeightTile = chooseTile(layer.inputs + 1, layer.outputs, wide);
      const [forward, backwardInput, backwardInputUnmasked, backwardWeight] = await Promise.all([
        linear.forward(forwardTile, !last),
        linear.backwardInput(backwardInputTile, l > 0),
        l === 0 ? linear.backwardInput(backwardInputTile, false) : Promise.resolve(undefined),
        linear.backwardWeight(backwardWeightTile),
      ]);
      return { forward, forwardTile, backwardInput, backwardInputTile, backwardInputUnmasked, backwardWeight, backwardWeightTile };
    }));
    const sumKernel = maxSplits > 1 ? await linear.backwardWeightSum() : null;
    const fusedMaxBatch = Math.min(maxBatch, options.fusedMaxBatch ?? FUSED_MAX_BATCH);
    if (!(Number.isInteger(fusedMaxBatch) && fusedMaxBatch >= 0)) throw new RangeError(`${label}: fusedMaxBatch must be a non-negative integer`);
    const trainable = options.trainable ?? true;
    const rows = fusedForwardRows(fusedMaxBatch);
    const limits = kernels.device.limits;
    const fusible = fusedMaxBatch >= 1 && sizes.every((s) => s <= FUSED_MAX_WIDTH) && 2 * rows * FUSED_MAX_WIDTH * 4 <= limits.maxComputeWorkgroupStorageSize
      && limits.maxComputeInvocationsPerWorkgroup >= 256 && limits.maxComputeWorkgroupSizeX >= 256;
    const dummies = (n: number, what: string) => Array.from({ length: n }, (_, i) => createStorage(kernels.device, 16, `${label}.${what}${i}`));
    let fused: FusedKernel | null = null;
    if (fusible && layers.length <= FUSED_MAX_LAYERS && limits.maxStorageBuffersPerShaderStage >= 6) {
      fused = { kernel: await linear.forwardFused(rows), rows, maxBatch: fusedMaxBatch, dummies: dummies(FUSED_MAX_LAYERS - layers.length, 'fusedUnused') };
    }
    let fusedBackward: FusedKernel | null = null;
    if (trainable && fusible && layers.length <= FUSED_BACKWARD_MAX_LAYERS && limits.maxStorageBuffersPerShaderStage >= 7) {
      // [0] stands in for absent activations (read), [1..3] for absent delta0, delta1, dInput (written, so distinct)
      fusedBackward = { kernel: await linear.backwardInputFused(rows), rows, maxBatch: fusedMaxBatch, dummies: dummies(4, 'fusedBackwardUnused') };
    }
    return new GpuMlp(kernels, sizes, maxBatch, label, trainable, maxSplits, maxStepsPerSubmit, pipelines, sumKernel, fused, fusedBackward);
  }

  /** Whether a forward of `batch` rows runs as one fused dispatch. */
  forwardIsFused(batch: number): boolean {
    return this.fused !== null && batch <= this.fused.maxBatch;
  }

  /** Whether the input-gradient chain of a backward of `batch` rows runs as one fused dispatch. */
  backwardIsFused(batch: number): boolean {
    return this.fusedBackward !== null && batch <= this.fusedBackward.maxBatch;
  }

  /** The last layer's output buffer (maxBatch, sizes[last]). */
  get output(): GPUBuffer {
    return this.activations[this.activations.length - 1];
  }

  get inputs(): number { return this.sizes[0]; }
  get outputs(): number { return this.sizes[this.sizes.length - 1]; }

  private checkBatch(batch: number): void {
    if (!(Number.isInteger(batch) && batch >= 1 && batch <= this.maxBatch)) {
      throw new RangeError(`${this.label}: batch ${batch} outside 1..${this.maxBatch} (maxBatch)`);
    }
  }

  private plan(batch: number): BatchPlan {
    let plan = this.plans.get(batch);
    if (plan) return plan;
    const device = this.kernels.device;
    const layers = this.layout.layers;
    let splits = 1;
    let rowsPerSplit = batch;
    if (this.trainable && this.maxSplits > 1) {
      splits = Math.min(this.maxSplits, Math.max(1, Math.floor(batch / MIN_ROWS_PER_SPLIT)));
      rowsPerSplit = Math.ceil(Math.ceil(batch / splits) / 16) * 16;
      splits = Math.ceil(batch / rowsPerSplit);
    }
    plan = {
      forward: layers.map((l, i) => createUniform(device, linearForwardParams(batch, l.inputs, l.outputs, l.weightOffset, l.biasOffset), `${this.label}.forward${i}.b${batch}`)),
      backwardInput: layers.map((l, i) => createUniform(device, linearBackwardInputParams(batch, l.inputs, l.outputs, l.weightOffset), `${this.label}.backwardInput${i}.b${batch}`)),
      backwardWeight: layers.map((l, i) => createUniform(device,
        linearBackwardWeightParams(batch, l.inputs, l.outputs, rowsPerSplit, l.weightOffset, splits > 1 ? this.parameterCount : 0), `${this.label}.backwardWeight${i}.b${batch}`)),
      splits,
      sum: splits > 1 ? createUniform(device, linearBackwardWeightSumParams(this.parameterCount, splits), `${this.label}.gradSum.b${batch}`) : undefined,
      fused: this.fused && batch <= this.fused.maxBatch ? createUniform(device, mlpForwardFusedParams(batch, layers), `${this.label}.forwardFused.b${batch}`) : undefined,
      fusedBackward: this.fusedBackward && batch <= this.fusedBackward.maxBatch
        ? [0, 1].map((lowest) => createUniform(device, mlpBackwardInputFusedParams(batch, layers, lowest as 0 | 1), `${this.label}.backwardFused${lowest}.b${batch}`)) as [GPUBuffer, GPUBuffer]
        : undefined,
    };
    this.plans.set(batch, plan);
    return plan;
  }

  private run(pass: GPUComputePassEncoder, dispatches: Dispatch[]): void {
    for (const d of dispatches) {
      pass.setPipeline(d.pipeline);
      pass.setBindGroup(0, d.group);
      pass.dispatchWorkgroups(...d.grid);
    }
  }

  private cached(key: string, build: () => Dispatch[]): Dispatch[] {
    let d = this.dispatchCache.get(key);
    if (!d) { d = build(); this.dispatchCache.set(key, d); }
    return d;
  }

  /** Checks that a (rows, columns) float buffer fits `batch` rows. */
  private checkBuffer(buffer: GPUBuffer, batch: number, columns: number, what: string): void {
    if (buffer.size < batch * columns * 4) throw new RangeError(`${this.label}: ${what} holds ${buffer.size} bytes, needs ${batch * columns * 4} for (${batch}, ${columns})`);
  }

  /** Records output = MLP(input). input: (batch, sizes[0]) row-major; result in `output` (batch, sizes[last]). */
  encodeForward(pass: GPUComputePassEncoder, input: GPUBuffer, batch: number): void {
    this.checkBatch(batch);
    this.checkBuffer(input, batch, this.inputs, 'input');
    const dispatches = this.cached(`forward ${bufferId(input)} ${batch}`, () => {
      const plan = this.plan(batch);
      const device = this.kernels.device;
      const fused = this.fused;
      if (plan.fused && fused) {
        const [x, y] = grid2d(device, Math.ceil(batch / fused.rows));
        return [{
          pipeline: fused.kernel.pipeline,
          group: bindGroup(device, fused.kernel.layout, [plan.fused, input, this.params, ...this.activations, ...fused.dummies], `${this.label}.forwardFused`),
          grid: [x, y, 1],
        }];
      }
      return this.layout.layers.map((layer, l) => {
        const p = this.pipelines[l];
        const x = l === 0 ? input : this.activations[l - 1];
        return {
          pipeline: p.forward.pipeline,
          group: bindGroup(device, p.forward.layout, [plan.forward[l], x, this.params, this.activations[l]], `${this.label}.forward${l}`),
          grid: this.grid(layer.outputs, batch, p.forwardTile),
        };
      });
    });
    this.run(pass, dispatches);
    this.forwardInput = input;
    this.forwardBatch = batch;
  }

  private grid(columns: number, rows: number, tile: TileShape, z = 1): [number, number, number] {
    const x = Math.ceil(columns / tileColumns(tile));
    const y = Math.ceil(rows / tileRows(tile));
    const max = this.kernels.device.limits.maxComputeWorkgroupsPerDimension;
    if (x > max || y > max) throw new UserError(`${this.label}: a (${rows}, ${columns}) layer needs ${x} x ${y} workgroups, more than this GPU's ${max} per dimension`);
    return [x, y, z];
  }

  /**
   * Records the backward pass of the latest encodeForward (same batch). dOutput: (batch, sizes[last]), the gradient of
   * the objective with respect to `output`. Writes `grads` (overwriting) unless skipParamGrads, and dInput
   * (batch, sizes[0]) when given. skipParamGrads with dInput computes only the input gradient (e.g. dQ/da of a critic).
   * deferGradSum: when the batch is split for the weight gradient, leave the split partial sums for the next
   * encodeAdam to add up (one dispatch fewer; `grads` is then not written and readGrads() is stale).
   */
  encodeBackward(
    pass: GPUComputePassEncoder, dOutput: GPUBuffer, batch: number,
    options: { dInput?: GPUBuffer; skipParamGrads?: boolean; deferGradSum?: boolean } = {},
  ): void {
    if (!this.trainable) throw new Error(`${this.label}: backward on a network created with trainable: false`);
    this.checkBatch(batch);
    const input = this.forwardInput;
    if (!input || this.forwardBatch !== batch) throw new Error(`${this.label}: encodeBackward(batch ${batch}) needs an encodeForward with the same batch first`);
    this.checkBuffer(dOutput, batch, this.outputs, 'dOutput');
    const { dInput, skipParamGrads = false, deferGradSum = false } = options;
    if (dInput) {
      this.checkBuffer(dInput, batch, this.inputs, 'dInput');
      if (dInput === input || dInput === dOutput) throw new RangeError(`${this.label}: dInput must be a buffer of its own`);
    }
    if (skipParamGrads && !dInput) return;
    const splits = this.plan(batch).splits;
    const defer = deferGradSum && !skipParamGrads && splits > 1;
    if (!skipParamGrads) this.pendingSplits = defer ? splits : 0;
    const key = `backward ${bufferId(input)} ${bufferId(dOutput)} ${dInput ? bufferId(dInput) : 0} ${skipParamGrads} ${defer} ${batch}`;
    const dispatches = this.cached(key, () => {
      const plan = this.plan(batch);
      const device = this.kernels.device;
      const layers = this.layout.layers;
      const list: Dispatch[] = [];
      const gradTarget = plan.splits > 1 ? this.partials! : this.grads!;
      const lowest = dInput ? 0 : 1;
      const fusedBackward = this.fusedBackward;
      if (plan.fusedBackward && fusedBackward && layers.length > lowest) {
        // every input gradient (deltas, and dInput when asked) in one dispatch, then the weight gradients
        const [read, delta0, delta1, noInput] = fusedBackward.dummies;
        const at = (buffers: GPUBuffer[], i: number, dummy: GPUBuffer) => (i < buffers.length ? buffers[i] : dummy);
        const hidden = this.activations.slice(0, -1);  // the ReLU outputs (masks of the layers above them)
        const [x, y] = grid2d(device, Math.ceil(batch / fusedBackward.rows));
        list.push({
          pipeline: fusedBackward.kernel.pipeline,
          group: bindGroup(device, fusedBackward.kernel.layout, [
            plan.fusedBackward[lowest], dOutput, this.params, at(hidden, 0, read), at(hidden, 1, read),
            at(this.deltas, 0, delta0), at(this.deltas, 1, delta1), dInput ?? noInput,
          ], `${this.label}.backwardInputFused`),
          grid: [x, y, 1],
        });
      }
      for (let l = layers.length - 1; l >= 0; l--) {
        const layer = layers[l];
        const p = this.pipelines[l];
        const dy = l === layers.length - 1 ? dOutput : this.deltas[l];
        const x = l === 0 ? input : this.activations[l - 1];
        if (!skipParamGrads) {
          list.push({
            pipeline: p.backwardWeight.pipeline,
            group: bindGroup(device, p.backwardWeight.layout, [plan.backwardWeight[l], x, dy, gradTarget], `${this.label}.backwardWeight${l}`),
            grid: this.grid(layer.outputs, layer.inputs + 1, p.backwardWeightTile, plan.splits),
          });
        }
        if (plan.fusedBackward && fusedBackward && layers.length > lowest) continue;
        if (l > 0) {
          list.push({
            pipeline: p.backwardInput.pipeline,
            group: bindGroup(device, p.backwardInput.layout, [plan.backwardInput[l], dy, this.params, this.activations[l - 1], this.deltas[l - 1]], `${this.label}.backwardInput${l}`),
            grid: this.grid(layer.inputs, batch, p.backwardInputTile),
          });
        } else if (dInput) {
          const unmasked = p.backwardInputUnmasked!;
          list.push({
            pipeline: unmasked.pipeline,
            // no ReLU below the first layer: `below` is unused, bound to params (read-only here)
            group: bindGroup(device, unmasked.layout, [plan.backwardInput[0], dy, this.params, this.params, dInput], `${this.label}.backwardInput0`),
            grid: this.grid(layer.inputs, batch, p.backwardInputTile),
          });
        }
      }
      if (!skipParamGrads && plan.splits > 1 && !defer) {
        // one dispatch adds up the split partial sums of every layer (flat layout)
        const kernel = this.sumKernel!;
        const [x, y] = grid2d(device, Math.ceil(this.parameterCount / 256));
        list.push({
          pipeline: kernel.pipeline,
          group: bindGroup(device, kernel.layout, [plan.sum!, this.partials!, this.grads!], `${this.label}.gradSum`),
          grid: [x, y, 1],
        });
      }
      return list;
    });
    this.run(pass, dispatches);
  }

  /** Writes Adam hyperparameters for the next submit's updates: hypers[i] is used by encodeAdam(pass, i). */
  writeAdamSchedule(queue: GPUQueue, hypers: readonly AdamHyper[]): void {
    if (!this.schedule) throw new Error(`${this.label}: Adam on a network created with trainable: false`);
    this.schedule.write(queue, hypers);
  }

  /**
   * Records one Adam step with the hyperparameters of ring slot `slot` (see writeAdamSchedule), on the gradient of the
   * latest encodeBackward (adding up its split partials when it deferred them). softUpdate: in the same dispatch, then
   * target.params = tau * this.params + (1 - tau) * target.params with the new params (what encodeSoftUpdate after
   * encodeAdam gives, one dispatch fewer).
   */
  encodeAdam(pass: GPUComputePassEncoder, slot: number, options: { softUpdate?: { target: GpuMlp; tau: number } } = {}): void {
    if (!this.schedule) throw new Error(`${this.label}: Adam on a network created with trainable: false`);
    const soft = options.softUpdate;
    if (soft) this.checkSoftUpdateTarget(soft.target);
    const splits = this.pendingSplits;
    this.pendingSplits = 0;
    const key = `${splits} ${soft ? `${bufferId(soft.target.params)} ${soft.tau}` : '-'}`;
    let step = this.adamSteps.get(key);
    if (!step) {
      step = this.kernels.adam.prepare(this.schedule, this.params, splits > 1 ? this.partials! : this.grads!, this.adamM!, this.adamV!,
        { splits: Math.max(1, splits), softUpdate: soft ? { target: soft.target.params, tau: soft.tau } : undefined });
      this.adamSteps.set(key, step);
    }
    step(pass, slot);
  }

  private checkSoftUpdateTarget(target: GpuMlp): void {
    if (target.parameterCount !== this.parameterCount || target.sizes.join() !== this.sizes.join()) {
      throw new RangeError(`${this.label}: soft update target ${target.label} has sizes [${target.sizes}], not [${this.sizes}]`);
    }
  }

  /** Records target.params = tau * this.params + (1 - tau) * target.params (one dispatch). */
  encodeSoftUpdate(pass: GPUComputePassEncoder, target: GpuMlp, tau: number): void {
    this.checkSoftUpdateTarget(target);
    const key = `${bufferId(target.params)} ${tau}`;
    let encode = this.softUpdates.get(key);
    if (!encode) {
      encode = this.kernels.softUpdate.prepare(this.params, target.params, this.parameterCount, tau);
      this.softUpdates.set(key, encode);
    }
    encode(pass);
  }

  private writeFlat(buffer: GPUBuffer, values: Float32Array | Float64Array, what: string): void {
    if (values.length !== this.parameterCount) throw new RangeError(`${this.label}: ${what} has ${values.length} values, the network has ${this.parameterCount}`);
    const data = values instanceof Float32Array ? values : Float32Array.from(values);
    this.kernels.device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, data.byteLength);
  }

  /** Uploads parameters (flat layout; float64 values are rounded to float32). */
  writeParams(values: Float32Array | Float64Array): void {
    this.writeFlat(this.params, values, 'params');
  }

  async readParams(): Promise<Float32Array> {
    return readFloat32(this.kernels.device, this.params, this.parameterCount);
  }

  async readGrads(): Promise<Float32Array> {
    if (!this.grads) throw new Error(`${this.label}: no gradients on a network created with trainable: false`);
    return readFloat32(this.kernels.device, this.grads, this.parameterCount);
  }

  /** Uploads Adam's first and second moments (checkpoint restore). */
  writeAdamMoments(m: Float32Array | Float64Array, v: Float32Array | Float64Array): void {
    if (!this.adamM || !this.adamV) throw new Error(`${this.label}: no Adam moments on a network created with trainable: false`);
    this.writeFlat(this.adamM, m, 'Adam m');
    this.writeFlat(this.adamV, v, 'Adam v');
  }

  async readAdamMoments(): Promise<{ m: Float32Array; v: Float32Array }> {
    if (!this.adamM || !this.adamV) throw new Error(`${this.label}: no Adam moments on a network created with trainable: false`);
    const device = this.kernels.device;
    return { m: await readFloat32(device, this.adamM, this.parameterCount), v: await readFloat32(device, this.adamV, this.parameterCount) };
  }

  /** Frees every buffer this network owns. */
  destroy(): void {
    for (const b of [this.params, this.grads, this.adamM, this.adamV, this.partials, this.schedule?.buffer, ...this.activations, ...this.deltas,
      ...(this.fused?.dummies ?? []), ...(this.fusedBackward?.dummies ?? [])]) b?.destroy();
    for (const plan of this.plans.values()) {
      for (const b of [...plan.forward, ...plan.backwardInput, ...plan.backwardWeight, plan.sum, plan.fused, ...(plan.fusedBackward ?? [])]) b?.destroy();
    }
  }
}
