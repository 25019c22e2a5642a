// An MLP on the GPU: flat params/grads/Adam buffers, activations for its largest batch, a plan per batch size it runs
// (mlpPlan.ts), and encode methods (forward, backward, Adam, soft update) that record into a Recorder.
// Over 300 lines: one class owns a network's buffers and every encode path over them (split further, they would share
// its private state through accessors).
import { bufferId, createStorage, readFloat32 } from '../gpu/buffers.js';
import { releaseDispatches, type Dispatch, type Pipeline, type PipelineOf, type Recorder } from '../gpu/kernel.js';
import { UserError } from '../errors.js';
import { AdamSchedule, adamDispatch, adamKernel, adamEntryOffset } from './adam.js';
import { mlpLayout, validateSizes, type MlpLayout } from './layout.js';
import {
  linearBackwardInputDispatch, linearBackwardInputKernel, linearBackwardInputPipeline, linearBackwardWeightDispatch, linearBackwardWeightKernel,
  linearBackwardWeightPipeline, linearBackwardWeightSumDispatch, linearBackwardWeightSumKernel, linearForwardDispatch, linearForwardKernel,
  linearForwardHeadDispatch, linearForwardHeadKernel, linearForwardPipeline, validateTile, type LinearVariant,
} from './linear.js';
import { mlpBackwardInputFusedDispatch, mlpBackwardInputFusedKernel, mlpForwardFusedDispatch, mlpForwardFusedKernel } from './mlpFused.js';
import { defaultPlan, type MlpPlan, type PlanOptions } from './mlpPlan.js';
import type { AdamHyper } from './adamHyper.js';
import { softUpdateDispatch, softUpdateKernel } from './softUpdate.js';

export interface GpuMlpOptions extends PlanOptions {
  label?: string;
  /**
   * false for a target network: only params and activations (no grads, Adam moments or backward buffers);
   * it runs the same forward with its own params and is updated by the online network's Adam (softUpdate fusion).
   */
  trainable?: boolean;
  /** Adam ring entries: how many updates one submit may encode (default 64). */
  maxStepsPerSubmit?: number;
  /** The plan of each batch (default: defaultPlan); the tuner passes its choices here. */
  plans?: MlpPlan[];
}

type Pipelines = {
  forward: (PipelineOf<typeof linearForwardKernel> | undefined)[];
  backwardInput: (PipelineOf<typeof linearBackwardInputKernel> | undefined)[];
  backwardInputUnmasked?: PipelineOf<typeof linearBackwardInputKernel>;
  backwardWeight: (PipelineOf<typeof linearBackwardWeightKernel> | undefined)[];
  fusedForward?: PipelineOf<typeof mlpForwardFusedKernel>;
  forwardHead?: PipelineOf<typeof linearForwardHeadKernel>;
  fusedBackward?: PipelineOf<typeof mlpBackwardInputFusedKernel>;
};

/** A plan with its pipelines, built once in create(). */
interface BuiltPlan { plan: MlpPlan; pipelines: Pipelines }

/** The pipelines one plan needs (per layer where the plan runs per layer). */
async function buildPipelines(device: GPUDevice, layout: MlpLayout, plan: MlpPlan): Promise<Pipelines> {
  const last = layout.layers.length - 1;
  const perLayer = <T>(variants: LinearVariant[] | undefined, make: (v: LinearVariant, l: number) => Promise<T>) =>
    Promise.all(layout.layers.map((_, l) => (variants ? make(variants[l], l) : Promise.resolve(undefined))));
  const f = plan.forward, bi = plan.backwardInput, bw = plan.backwardWeight;
  const [forward, backwardInput, backwardWeight, backwardInputUnmasked, fusedForward, fusedBackward, forwardHead] = await Promise.all([
    perLayer(f.kind === 'layers' ? f.layers : undefined, (v, l) => linearForwardPipeline(device, v, l < last)),
    perLayer(bi?.kind === 'layers' ? bi.layers : undefined, (v, l) => linearBackwardInputPipeline(device, v, l > 0)),
    perLayer(bw?.layers, (v) => linearBackwardWeightPipeline(device, v)),
    bi?.kind === 'layers' ? linearBackwardInputPipeline(device, bi.layers[0], false) : undefined,
    f.kind === 'fused' ? mlpForwardFusedKernel.pipeline(device, { rows: f.rows, stageK: f.stageK }) : undefined,
    bi?.kind === 'fused' ? mlpBackwardInputFusedKernel.pipeline(device, { rows: bi.rows, stageK: bi.stageK }) : undefined,
    f.kind === 'layers' && f.head ? linearForwardHeadKernel.pipeline(device, f.head) : undefined,
  ]);
  return { forward, backwardInput, backwardWeight, backwardInputUnmasked, fusedForward, fusedBackward, forwardHead } as Pipelines;
}

/** A network's parameter gradient as encodeBackward leaves it: the gradient itself, or `splits` split-K partial sums. */
export interface Gradient {
  readonly network: GpuMlp;
  /** (parameterCount) or (splits, parameterCount). */
  readonly buffer: GPUBuffer;
  readonly splits: number;
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
  /** (splits, parameterCount) partial weight gradients, for the largest split of the plans (trainable, split-K). */
  private readonly partials: GPUBuffer | null;
  private readonly schedule: AdamSchedule | null;
  /** Stand-ins for absent bindings: [0] read (activations), [1..3] written (delta0, delta1, dInput), [4..7] fused ys. */
  private readonly dummies: GPUBuffer[];
  private readonly dispatches = new Map<string, Dispatch[]>();
  /** The input of the latest encodeForward: a backward checks that the activations it reads are that input's. */
  private forwardInput: GPUBuffer | null = null;
  private forwardBatch = 0;

  private constructor(
    readonly device: GPUDevice,
    readonly sizes: readonly number[],
    readonly maxBatch: number,
    readonly label: string,
    readonly trainable: boolean,
    maxStepsPerSubmit: number,
    private readonly plans: Map<number, BuiltPlan>,
    private readonly pipelines: { adam?: Pipeline<typeof adamKernel.spec.bindings>; sum?: Pipeline<typeof linearBackwardWeightSumKernel.spec.bindings> },
  ) {
    this.layout = mlpLayout(sizes);
    this.parameterCount = this.layout.parameterCount;
    const bytes = this.parameterCount * 4;
    this.params = createStorage(device, bytes, `${label}.params`);
    this.activations = this.layout.layers.map((l, i) => createStorage(device, maxBatch * l.outputs * 4, `${label}.activation${i}`));
    this.dummies = Array.from({ length: 8 }, (_, i) => createStorage(device, 16, `${label}.unused${i}`));
    const maxSplits = Math.max(1, ...[...plans.values()].map((b) => b.plan.backwardWeight?.splits ?? 1));
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

  /**
   * Builds the buffers (zero parameters: call writeParams) and every pipeline the plans need. `batches`: the batch
   * sizes the network will run (a plan each; encodeForward/encodeBackward take only these).
   */
  static async create(device: GPUDevice, sizes: readonly number[], batches: readonly number[], options: GpuMlpOptions = {}): Promise<GpuMlp> {
    const label = options.label ?? 'mlp';
    validateSizes(sizes, `${label} sizes`);
    if (options.wideTile) validateTile(device, options.wideTile);
    for (const b of batches) if (!(Number.isInteger(b) && b >= 1)) throw new UserError(`${label}: batch must be a positive integer, got ${b}`);
    if (batches.length === 0) throw new RangeError(`${label}: no batch sizes to plan for`);
    const maxSplits = options.maxSplits ?? undefined;
    if (maxSplits !== undefined && !(Number.isInteger(maxSplits) && maxSplits >= 1)) throw new RangeError(`${label}: maxSplits must be a positive integer`);
    const maxStepsPerSubmit = options.maxStepsPerSubmit ?? 64;
    if (!(Number.isInteger(maxStepsPerSubmit) && maxStepsPerSubmit >= 1)) throw new RangeError(`${label}: maxStepsPerSubmit must be a positive integer`);
    if (options.fusedMaxBatch !== undefined && !(Number.isInteger(options.fusedMaxBatch) && options.fusedMaxBatch >= 0)) {
      throw new RangeError(`${label}: fusedMaxBatch must be a non-negative integer`);
    }
    const trainable = options.trainable ?? true;
    const maxBatch = Math.max(...batches);
    const layout = mlpLayout(sizes);
    const plans = new Map<number, BuiltPlan>();
    await Promise.all([...new Set(batches)].map(async (batch) => {
      const given = options.plans?.find((p) => p.batch === batch);
      // A target network runs the forward only (a trainable network's plan may be given for it).
      const plan = given ? (trainable ? given : { batch, forward: given.forward }) : defaultPlan(device, sizes, batch, maxBatch, trainable, options);
      plans.set(batch, { plan, pipelines: await buildPipelines(device, layout, plan) });
    }));
    const split = [...plans.values()].some((b) => (b.plan.backwardWeight?.splits ?? 1) > 1);
    const [adam, sum] = await Promise.all([
      trainable ? adamKernel.pipeline(device, undefined) : undefined,
      trainable && split ? linearBackwardWeightSumKernel.pipeline(device, undefined) : undefined,
    ]);
    return new GpuMlp(device, sizes, maxBatch, label, trainable, maxStepsPerSubmit, plans, { adam, sum });
  }

  /** The plan of `batch` (throws for a batch the network was not created for). */
  plan(batch: number): MlpPlan {
    return this.built(batch).plan;
  }

  private built(batch: number): BuiltPlan {
    const b = this.plans.get(batch);
    if (!b) throw new RangeError(`${this.label}: batch ${batch} was not planned (planned: ${[...this.plans.keys()].join(', ')})`);
    return b;
  }

  /** Whether a forward of `batch` rows runs as one fused dispatch. */
  forwardIsFused(batch: number): boolean { return this.plan(batch).forward.kind === 'fused'; }

  /** Whether the input-gradient chain of a backward of `batch` rows runs as one fused dispatch. */
  backwardIsFused(batch: number): boolean { return this.plan(batch).backwardInput?.kind === 'fused'; }

  /** The last layer's output buffer (maxBatch, sizes[last]). */
  get output(): GPUBuffer { return this.activations[this.activations.length - 1]; }
  get inputs(): number { return this.sizes[0]; }
  get outputs(): number { return this.sizes[this.sizes.length - 1]; }

  private cached(key: string, build: () => Dispatch[]): Dispatch[] {
    let d = this.dispatches.get(key);
    if (!d) { d = build(); this.dispatches.set(key, d); }
    return d;
  }

  /** Checks that a (rows, columns) float buffer fits `batch` rows. */
  private checkBuffer(buffer: GPUBuffer, batch: number, columns: number, what: string): void {
    if (buffer.size < batch * columns * 4) throw new RangeError(`${this.label}: ${what} holds ${buffer.size} bytes, needs ${batch * columns * 4} for (${batch}, ${columns})`);
  }

  /** Records output = MLP(input). input: (batch, sizes[0]) row-major; result in `output` (batch, sizes[last]). */
  encodeForward(rec: Recorder, input: GPUBuffer, batch: number): void {
    const { plan, pipelines: p } = this.built(batch);
    this.checkBuffer(input, batch, this.inputs, 'input');
    const op = `${this.label}.forward`;
    const list = this.cached(`forward ${bufferId(input)} ${batch}`, () => {
      const layers = this.layout.layers;
      if (plan.forward.kind === 'fused') {
        const ys = [0, 1, 2, 3].map((l) => this.activations[l] ?? this.dummies[4 + l]);
        return [mlpForwardFusedDispatch(this.device, p.fusedForward!, plan.forward.rows, layers, batch, { x: input, weights: this.params, ys }, this.parameterCount, op)];
      }
      const { layers: variants, head } = plan.forward;
      const x = (l: number) => (l === 0 ? input : this.activations[l - 1]);
      const last = layers.length - 1;
      const list = layers.slice(0, head ? last - 1 : undefined).map((layer, l) => linearForwardDispatch(this.device, p.forward[l]!, variants[l], layer, batch,
        { x: x(l), weights: this.params, y: this.activations[l] }, `${op}${l}`));
      if (head) {
        list.push(linearForwardHeadDispatch(this.device, p.forwardHead!, head, layers[last - 1], layers[last], batch,
          { x: x(last - 1), weights: this.params, y: this.activations[last - 1], headY: this.activations[last] }, `${op}${last - 1}+head`));
      }
      return list;
    });
    for (const d of list) rec.dispatch(d);
    this.forwardInput = input;
    this.forwardBatch = batch;
  }

  /**
   * Records the backward pass of `input` (batch rows), whose encodeForward must be the latest of this network: the
   * hidden activations it reads are that forward's. dOutput: (batch, sizes[last]), the gradient of the objective with
   * respect to `output`. Writes the parameter gradient and, when given, dInput (batch, sizes[0]); returns the gradient
   * for encodeAdam. deferGradSum: when the batch is split for the weight gradient, the gradient is left as its split
   * partial sums for Adam to add up (one dispatch fewer; `grads` is then not written and readGrads() is stale).
   */
  encodeBackward(rec: Recorder, input: GPUBuffer, dOutput: GPUBuffer, batch: number,
                 options: { dInput?: GPUBuffer; deferGradSum?: boolean } = {}): Gradient {
    const plan = this.checkBackward(input, dOutput, batch, options.dInput);
    const split = plan.backwardWeight!;
    const defer = options.deferGradSum === true && split.splits > 1;
    this.recordBackward(rec, plan, input, dOutput, batch, options.dInput, false, defer);
    return defer ? { network: this, buffer: this.partials!, splits: split.splits } : this.gradient;
  }

  /**
   * Records only the input gradient dInput (batch, sizes[0]) of `input`'s latest forward for dOutput (e.g. dQ/da of a
   * critic); no parameter gradient.
   */
  encodeInputGradient(rec: Recorder, input: GPUBuffer, dOutput: GPUBuffer, batch: number, dInput: GPUBuffer): void {
    const plan = this.checkBackward(input, dOutput, batch, dInput);
    this.recordBackward(rec, plan, input, dOutput, batch, dInput, true, false);
  }

  /** The gradient in `grads` (written by a backward that did not defer its sum, or uploaded). */
  get gradient(): Gradient {
    if (!this.grads) throw new Error(`${this.label}: no gradients on a network created with trainable: false`);
    return { network: this, buffer: this.grads, splits: 1 };
  }

  private checkBackward(input: GPUBuffer, dOutput: GPUBuffer, batch: number, dInput: GPUBuffer | undefined): MlpPlan {
    if (!this.trainable) throw new Error(`${this.label}: backward on a network created with trainable: false`);
    const { plan } = this.built(batch);
    if (this.forwardInput !== input || this.forwardBatch !== batch) {
      throw new Error(`${this.label}: a backward of batch ${batch} needs the encodeForward of the same input and batch just before it`);
    }
    this.checkBuffer(dOutput, batch, this.outputs, 'dOutput');
    if (dInput) {
      this.checkBuffer(dInput, batch, this.inputs, 'dInput');
      if (dInput === input || dInput === dOutput) throw new RangeError(`${this.label}: dInput must be a buffer of its own`);
    }
    return plan;
  }

  private recordBackward(rec: Recorder, plan: MlpPlan, input: GPUBuffer, dOutput: GPUBuffer, batch: number, dInput: GPUBuffer | undefined,
                         skipParamGrads: boolean, defer: boolean): void {
    const key = `backward ${bufferId(input)} ${bufferId(dOutput)} ${dInput ? bufferId(dInput) : 0} ${skipParamGrads} ${defer} ${batch}`;
    const list = this.cached(key, () => this.backwardDispatches(plan, this.built(batch).pipelines, input, dOutput, batch, dInput, skipParamGrads, defer));
    for (const d of list) rec.dispatch(d);
  }

  private backwardDispatches(plan: MlpPlan, p: Pipelines, input: GPUBuffer, dOutput: GPUBuffer, batch: number,
                             dInput: GPUBuffer | undefined, skipParamGrads: boolean, defer: boolean): Dispatch[] {
    const device = this.device;
    const layers = this.layout.layers;
    const list: Dispatch[] = [];
    const chain = plan.backwardInput!;
    const split = plan.backwardWeight!;
    const gradTarget = split.splits > 1 ? this.partials! : this.grads!;
    const lowest = dInput ? 0 : 1;
    const fusedChain = chain.kind === 'fused' && layers.length > lowest;
    if (fusedChain) {
      // every input gradient (deltas, and dInput when asked) in one dispatch, then the weight gradients
      const [read, delta0, delta1, noInput] = this.dummies;
      const at = (buffers: GPUBuffer[], i: number, dummy: GPUBuffer) => (i < buffers.length ? buffers[i] : dummy);
      const hidden = this.activations.slice(0, -1);  // the ReLU outputs (masks of the layers above them)
      list.push(mlpBackwardInputFusedDispatch(device, p.fusedBackward!, chain.rows, layers, batch, lowest, {
        dOutput, weights: this.params, a0: at(hidden, 0, read), a1: at(hidden, 1, read),
        delta0: at(this.deltas, 0, delta0), delta1: at(this.deltas, 1, delta1), dInput: dInput ?? noInput,
      }, `${this.label}.dX`));
    }
    for (let l = layers.length - 1; l >= 0; l--) {
      const layer = layers[l];
      const dy = l === layers.length - 1 ? dOutput : this.deltas[l];
      const x = l === 0 ? input : this.activations[l - 1];
      if (!skipParamGrads) {
        list.push(linearBackwardWeightDispatch(device, p.backwardWeight[l]!, split.layers[l], layer, batch,
          { splits: split.splits, rowsPerSplit: split.rowsPerSplit, stride: split.splits > 1 ? this.parameterCount : 0 }, { x, dy, result: gradTarget }, `${this.label}.dW${l}`));
      }
      if (fusedChain || chain.kind !== 'layers') continue;
      if (l > 0) {
        list.push(linearBackwardInputDispatch(device, p.backwardInput[l]!, chain.layers[l], layer, batch,
          { dy, weights: this.params, below: this.activations[l - 1], dx: this.deltas[l - 1] }, true, `${this.label}.dX${l}`));
      } else if (dInput) {
        // no ReLU below the first layer: `below` is unused, bound to params (read-only here)
        list.push(linearBackwardInputDispatch(device, p.backwardInputUnmasked!, chain.layers[0], layer, batch,
          { dy, weights: this.params, below: this.params, dx: dInput }, false, `${this.label}.dX0`));
      }
    }
    if (!skipParamGrads && split.splits > 1 && !defer) {
      // one dispatch adds up the split partial sums of every layer (flat layout)
      list.push(linearBackwardWeightSumDispatch(device, this.pipelines.sum!, this.parameterCount, split.splits, { partials: this.partials!, grads: this.grads! }, `${this.label}.dWsum`));
    }
    return list;
  }

  /** Writes Adam hyperparameters for the next submit's updates: hypers[i] is used by encodeAdam(rec, i). */
  writeAdamSchedule(queue: GPUQueue, hypers: readonly AdamHyper[]): void {
    if (!this.schedule) throw new Error(`${this.label}: Adam on a network created with trainable: false`);
    this.schedule.write(queue, hypers);
  }

  /**
   * Records one Adam step on `gradient` (this network's, from encodeBackward: adding up its split partials when it has
   * them) with the hyperparameters of ring entry `entry` (see writeAdamSchedule). softUpdate: in the same dispatch,
   * then target.params = tau * this.params + (1 - tau) * target.params with the new params (what softUpdateDispatch
   * after Adam gives, one dispatch fewer).
   */
  encodeAdam(rec: Recorder, entry: number, gradient: Gradient, options: { softUpdate?: { target: GpuMlp; tau: number } } = {}): void {
    if (!this.schedule) throw new Error(`${this.label}: Adam on a network created with trainable: false`);
    if (gradient.network !== this) throw new RangeError(`${this.label}: Adam on the gradient of ${gradient.network.label}`);
    const soft = options.softUpdate;
    if (soft) this.checkSoftUpdateTarget(soft.target);
    const { splits } = gradient;
    const [d] = this.cached(`adam ${bufferId(gradient.buffer)} ${splits} ${soft ? `${bufferId(soft.target.params)} ${soft.tau}` : '-'}`, () => [adamDispatch(this.device, this.pipelines.adam!, this.schedule!, {
      params: this.params, gradients: gradient.buffer, m: this.adamM!, v: this.adamV!, unusedTarget: this.dummies[1],
    }, { splits, softUpdate: soft ? { target: soft.target.params, tau: soft.tau } : undefined }, `${this.label}.adam`)]);
    rec.dispatch(d, adamEntryOffset(this.schedule, entry));
  }

  private checkSoftUpdateTarget(target: GpuMlp): void {
    if (target.parameterCount !== this.parameterCount || target.sizes.join() !== this.sizes.join()) {
      throw new RangeError(`${this.label}: soft update target ${target.label} has sizes [${target.sizes}], not [${this.sizes}]`);
    }
  }

  /** The dispatch of target.params = tau * this.params + (1 - tau) * target.params (shaders/soft_update.wgsl). */
  async softUpdateDispatch(target: GpuMlp, tau: number): Promise<Dispatch> {
    this.checkSoftUpdateTarget(target);
    return softUpdateDispatch(this.device, await softUpdateKernel.pipeline(this.device, undefined), this.params, target.params, this.parameterCount, tau, `${this.label}.softUpdate`);
  }

  private writeFlat(buffer: GPUBuffer, values: Float32Array | Float64Array, what: string): void {
    if (values.length !== this.parameterCount) throw new RangeError(`${this.label}: ${what} has ${values.length} values, the network has ${this.parameterCount}`);
    const data = values instanceof Float32Array ? values : Float32Array.from(values);
    this.device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, data.byteLength);
  }

  /** Uploads parameters (flat layout; float64 values are rounded to float32). */
  writeParams(values: Float32Array | Float64Array): void { this.writeFlat(this.params, values, 'params'); }

  async readParams(): Promise<Float32Array> { return readFloat32(this.device, this.params, this.parameterCount); }

  async readGrads(): Promise<Float32Array> {
    if (!this.grads) throw new Error(`${this.label}: no gradients on a network created with trainable: false`);
    return readFloat32(this.device, this.grads, this.parameterCount);
  }

  /** Uploads Adam's first and second moments (checkpoint restore). */
  writeAdamMoments(m: Float32Array | Float64Array, v: Float32Array | Float64Array): void {
    if (!this.adamM || !this.adamV) throw new Error(`${this.label}: no Adam moments on a network created with trainable: false`);
    this.writeFlat(this.adamM, m, 'Adam m');
    this.writeFlat(this.adamV, v, 'Adam v');
  }

  async readAdamMoments(): Promise<{ m: Float32Array; v: Float32Array }> {
    if (!this.adamM || !this.adamV) throw new Error(`${this.label}: no Adam moments on a network created with trainable: false`);
    return { m: await readFloat32(this.device, this.adamM, this.parameterCount), v: await readFloat32(this.device, this.adamV, this.parameterCount) };
  }

  /** Frees every buffer this network owns (its dispatches' uniforms included). */
  destroy(): void {
    for (const list of this.dispatches.values()) releaseDispatches(list);
    for (const b of [this.params, this.grads, this.adamM, this.adamV, this.partials, this.schedule?.buffer, ...this.activations, ...this.deltas, ...this.dummies]) b?.destroy();
  }
}
