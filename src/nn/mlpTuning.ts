// The MLP's tunable choices as ops the tuner times: each layer's matmul variant (forward, backward to the input, to the
// weights), the fused whole-network kernels against the per-layer ones, and the split-K of the weight gradient. The
// result is an MlpPlan per batch size (mlpPlan.ts); every candidate list starts with the default plan's choice.
import { createStorage, createStorageFrom, readFloat32 } from '../gpu/buffers.js';
import { releaseDispatches, type Dispatch } from '../gpu/kernel.js';
import type { Harness, TunableOp, Tuner } from '../gpu/tuner.js';
import { mlpLayout } from './layout.js';
import {
  describeLinear, linearBackwardInputDispatch, linearBackwardInputPipeline, linearBackwardWeightDispatch, linearBackwardWeightPipeline,
  headTile, linearBackwardWeightSumDispatch, linearBackwardWeightSumKernel, linearForwardDispatch, linearForwardHeadDispatch, linearForwardHeadKernel,
  linearForwardPipeline, MIXED_PRECISION_TOLERANCE, mixedPrecision, tileRows, validateTile, type LinearVariant,
} from './linear.js';
import { linearCandidates } from './linearCandidates.js';
import {
  FUSED_BACKWARD_MAX_LAYERS, FUSED_FORWARD_MAX_LAYERS, FUSED_STAGE_K, fusible, mlpBackwardInputFusedDispatch, mlpBackwardInputFusedKernel,
  mlpForwardFusedDispatch, mlpForwardFusedKernel,
} from './mlpFused.js';
import { defaultPlan, defaultSplits, describeChain, type ChainPlan, type MlpPlan, type SplitPlan } from './mlpPlan.js';

/** Deterministic data in [-1, 1) (values only steer the ReLU masks). */
function randomBuffer(device: GPUDevice, floats: number, seed: number, label: string): GPUBuffer {
  let state = seed >>> 0;
  const data = Float32Array.from({ length: Math.max(4, floats) }, () => { state = (state * 1103515245 + 12345) >>> 0; return state / 2 ** 31 - 1; });
  return createStorageFrom(device, data, label);
}

/** The buffers every harness of one (network, batch) records into. */
class Scratch {
  readonly all: GPUBuffer[] = [];
  readonly params: GPUBuffer;
  readonly input: GPUBuffer;
  readonly activations: GPUBuffer[];
  readonly deltas: GPUBuffer[];
  readonly dOutput: GPUBuffer;
  readonly dInput: GPUBuffer;
  readonly unused: GPUBuffer[];
  constructor(device: GPUDevice, sizes: readonly number[], batch: number) {
    const { layers, parameterCount } = mlpLayout(sizes);
    const keep = (b: GPUBuffer) => { this.all.push(b); return b; };
    this.params = keep(randomBuffer(device, parameterCount, 7, 'tune.params'));
    this.input = keep(randomBuffer(device, batch * sizes[0], 5, 'tune.input'));
    this.activations = layers.map((l, i) => keep(randomBuffer(device, batch * l.outputs, 11 + i, `tune.activation${i}`)));
    this.deltas = layers.slice(0, -1).map((l, i) => keep(randomBuffer(device, batch * l.outputs, 21 + i, `tune.delta${i}`)));
    this.dOutput = keep(randomBuffer(device, batch * sizes[sizes.length - 1], 3, 'tune.dOutput'));
    this.dInput = keep(createStorage(device, batch * sizes[0] * 4, 'tune.dInput'));
    this.unused = [0, 1, 2, 3, 4].map((i) => keep(createStorage(device, 16, `tune.unused${i}`)));
  }
  destroy(): void { for (const b of this.all) b.destroy(); }
}

/** An op over the scratch buffers: `build` makes a candidate's dispatches, `output` is the buffer (and floats) it writes. */
function op<V>(name: string, shape: string, candidates: V[], quick: V[], describe: (v: V) => string, build: (v: V) => Promise<Dispatch[]>,
               output: { device: GPUDevice; buffer: GPUBuffer; floats: number }, tolerance?: (v: V) => number): TunableOp<V> {
  return {
    name, shape, candidates, quick, describe, tolerance,
    async harness(v) {
      const dispatches = await build(v);
      const h: Harness = {
        record: (rec) => { for (const d of dispatches) rec.dispatch(d); },
        output: () => readFloat32(output.device, output.buffer, output.floats),
        destroy: () => releaseDispatches(dispatches),
      };
      return h;
    },
  };
}

/** f16 tiles and subgroup matrices round the inputs to 11 bits (MIXED_PRECISION_TOLERANCE); f32 variants within 1e-3. */
const linearTolerance = (v: LinearVariant) => (mixedPrecision(v) ? MIXED_PRECISION_TOLERANCE : 1e-3);

/** A chain of layers may take f16 layers (each within linearTolerance); the fused kernels are f32. */
const chainTolerance = (c: ChainPlan) => (c.kind === 'layers' ? Math.max(...c.layers.map(linearTolerance)) : 1e-3);
const describeSplit = (s: SplitPlan) => `split ${s.splits} x ${s.rowsPerSplit}`;

/**
 * Fused candidates (1 to 8 rows per workgroup; weights read straight or staged through workgroup memory) where the
 * network fits the fused kernel. One row per workgroup gives `batch` workgroups (256 at batch 256: two per SM of a
 * large GPU), each reading every weight once.
 */
function fusedCandidates(device: GPUDevice, sizes: readonly number[], maxLayers: number, bindings: number): ChainPlan[] {
  return [1, 2, 4, 8].flatMap((rows) => [0, FUSED_STAGE_K].filter((stageK) => fusible(device, sizes, rows, maxLayers, bindings, stageK))
    .map((stageK): ChainPlan => (stageK ? { kind: 'fused', rows, stageK } : { kind: 'fused', rows })));
}

/** Most splits the tuner tries: enough workgroups for two waves on a large GPU even with 128 x 128 tiles. */
const TUNE_MAX_SPLITS = 64;

/** Split-K candidates: the default, none, and powers of two up to TUNE_MAX_SPLITS with at least 64 rows each. */
function splitCandidates(batch: number): SplitPlan[] {
  const list: SplitPlan[] = [defaultSplits(batch), defaultSplits(batch, 1)];
  for (let s = 2; s <= TUNE_MAX_SPLITS && batch / s >= 64; s *= 2) {
    const rowsPerSplit = Math.ceil(Math.ceil(batch / s) / 16) * 16;
    list.push({ splits: Math.ceil(batch / rowsPerSplit), rowsPerSplit });
  }
  return list.filter((c, i) => list.findIndex((d) => d.splits === c.splits && d.rowsPerSplit === c.rowsPerSplit) === i);
}

/** The plan of an MLP at `batch` (with its backward when trainable), chosen by `tuner`; the default plan with tuning off. */
export async function tuneMlpPlan(tuner: Tuner, sizes: readonly number[], batch: number, maxBatch: number, trainable: boolean,
                                  { f16 = false }: { f16?: boolean } = {}): Promise<MlpPlan> {
  const device = tuner.device;
  const base = defaultPlan(device, sizes, batch, maxBatch, trainable);
  if (tuner.mode === 'off') return base;
  const layered = defaultPlan(device, sizes, batch, maxBatch, trainable, { fusedMaxBatch: 0 });
  const layeredLayers = (c: ChainPlan | undefined) => (c as { layers: LinearVariant[] }).layers;
  const { layers, parameterCount } = mlpLayout(sizes);
  const last = layers.length - 1;
  const s = new Scratch(device, sizes, batch);
  const shape = (l: number) => `b${batch} ${layers[l].inputs}x${layers[l].outputs}`;
  const linear = (name: string, l: number, suffix: string, defaultVariant: LinearVariant, resultRows: number, resultColumns: number,
                  build: (v: LinearVariant) => Promise<Dispatch>, out: GPUBuffer, outFloats: number) => {
    const { all, quick } = linearCandidates(device, defaultVariant, resultRows, resultColumns, { f16 });
    return tuner.choose(op(name, `${shape(l)}${suffix}`, all, quick, describeLinear, async (v) => [await build(v)], { device, buffer: out, floats: outFloats }, linearTolerance));
  };
  const forwardLayer = async (l: number, v: LinearVariant) => linearForwardDispatch(device, await linearForwardPipeline(device, v, l < last), v, layers[l], batch,
    { x: l === 0 ? s.input : s.activations[l - 1], weights: s.params, y: s.activations[l] });
  const dy = (l: number) => (l === last ? s.dOutput : s.deltas[l]);
  const inputLayer = async (l: number, v: LinearVariant) => linearBackwardInputDispatch(device, await linearBackwardInputPipeline(device, v, l > 0), v, layers[l], batch,
    { dy: dy(l), weights: s.params, below: l > 0 ? s.activations[l - 1] : s.params, dx: l > 0 ? s.deltas[l - 1] : s.dInput }, l > 0);
  try {
    // Forward: each layer's variant, then the fused kernel against the tuned layers.
    const forwardLayers: LinearVariant[] = [];
    for (let l = 0; l < layers.length; l++) {
      forwardLayers.push(await linear('linear.forward', l, l < last ? ' relu' : '', layeredLayers(layered.forward)[l], batch, layers[l].outputs, (v) => forwardLayer(l, v),
        s.activations[l], batch * layers[l].outputs));
    }
    // Quick: the default against the tuned layers; full: every rows-per-workgroup of the fused kernel too.
    // The tuned layers with the last one as the epilogue of the one before (narrow heads after hidden layers <= 256 wide).
    const head = layers.length >= 2 && layers[last].outputs <= 16 ? headTile(layers[last].inputs) : undefined;
    const headFitsHere = head && tileRows(head) * device.limits.maxComputeWorkgroupsPerDimension >= batch && (() => {
      try { validateTile(device, head); return true; } catch { return false; }
    })();
    const withHead: ChainPlan[] = headFitsHere ? [{ kind: 'layers', layers: forwardLayers, head }] : [];
    const forwardQuick: ChainPlan[] = unique([base.forward, { kind: 'layers', layers: forwardLayers }, ...withHead], describeChain);
    const forwardAll = unique([...forwardQuick, ...fusedCandidates(device, sizes, FUSED_FORWARD_MAX_LAYERS, 6)], describeChain);
    const forward = await tuner.choose(op('mlp.forward', `b${batch} ${sizes.join('-')}`, forwardAll, forwardQuick, describeChain,
      async (c) => (c.kind === 'fused'
        ? [mlpForwardFusedDispatch(device, await mlpForwardFusedKernel.pipeline(device, { rows: c.rows, stageK: c.stageK }), c.rows, layers, batch,
          { x: s.input, weights: s.params, ys: [0, 1, 2, 3].map((i) => s.activations[i] ?? s.unused[i]) }, parameterCount)]
        : c.head ? Promise.all([...layers.slice(0, last - 1).map((_, l) => forwardLayer(l, c.layers[l])), linearForwardHeadDispatch(device,
          await linearForwardHeadKernel.pipeline(device, c.head), c.head, layers[last - 1], layers[last], batch,
          { x: last >= 2 ? s.activations[last - 2] : s.input, weights: s.params, y: s.activations[last - 1], headY: s.activations[last] })])
        : Promise.all(layers.map((_, l) => forwardLayer(l, c.layers[l])))),
      { device, buffer: s.activations[last], floats: batch * sizes[sizes.length - 1] }, chainTolerance));
    if (!trainable) return { batch, forward };

    // Backward to the input (deltas and dInput), the same way.
    const inputLayers: LinearVariant[] = [];
    for (let l = 0; l < layers.length; l++) {
      inputLayers.push(await linear('linear.backwardInput', l, l > 0 ? ' masked' : '', layeredLayers(layered.backwardInput)[l], batch, layers[l].inputs, (v) => inputLayer(l, v),
        l > 0 ? s.deltas[l - 1] : s.dInput, batch * layers[l].inputs));
    }
    const inputQuick: ChainPlan[] = unique([base.backwardInput!, { kind: 'layers', layers: inputLayers }], describeChain);
    const inputAll = unique([...inputQuick, ...fusedCandidates(device, sizes, FUSED_BACKWARD_MAX_LAYERS, 7)], describeChain);
    const backwardInput = await tuner.choose(op('mlp.backwardInput', `b${batch} ${sizes.join('-')}`, inputAll, inputQuick, describeChain,
      async (c) => (c.kind === 'fused'
        ? [mlpBackwardInputFusedDispatch(device, await mlpBackwardInputFusedKernel.pipeline(device, { rows: c.rows, stageK: c.stageK }), c.rows, layers, batch, 0, {
          dOutput: s.dOutput, weights: s.params, a0: s.activations[0], a1: layers.length > 2 ? s.activations[1] : s.unused[0],
          delta0: s.deltas[0] ?? s.unused[1], delta1: s.deltas[1] ?? s.unused[2], dInput: s.dInput,
        })]
        : Promise.all(layers.map((_, l) => inputLayer(l, c.layers[l])))),
      { device, buffer: s.dInput, floats: batch * sizes[0] }, chainTolerance));

    // Weight gradients: the split-K (with the default variants and the sum of the partials), then each layer's variant.
    const partials = createStorage(device, Math.max(...splitCandidates(batch).map((c) => c.splits)) * parameterCount * 4, 'tune.partials');
    const grads = createStorage(device, parameterCount * 4, 'tune.grads');
    s.all.push(partials, grads);
    const baseWeights = base.backwardWeight!;
    const weightLayer = async (l: number, v: LinearVariant, split: SplitPlan) => linearBackwardWeightDispatch(device, await linearBackwardWeightPipeline(device, v), v, layers[l], batch,
      { ...split, stride: split.splits > 1 ? parameterCount : 0 }, { x: l === 0 ? s.input : s.activations[l - 1], dy: dy(l), result: split.splits > 1 ? partials : grads });
    const splits = splitCandidates(batch);
    const split = await tuner.choose(op('mlp.weightSplits', `b${batch} ${sizes.join('-')}`, splits, splits.slice(0, 2), describeSplit, async (c) => {
      const list = await Promise.all(layers.map((_, l) => weightLayer(l, baseWeights.layers[l], c)));
      if (c.splits > 1) list.push(linearBackwardWeightSumDispatch(device, await linearBackwardWeightSumKernel.pipeline(device, undefined), parameterCount, c.splits, { partials, grads }));
      return list;
    }, { device, buffer: grads, floats: parameterCount }));
    const weightLayers: LinearVariant[] = [];
    for (let l = 0; l < layers.length; l++) {
      weightLayers.push(await linear('linear.backwardWeight', l, ` split ${split.splits}`, baseWeights.layers[l], layers[l].inputs + 1, layers[l].outputs, (v) => weightLayer(l, v, split),
        split.splits > 1 ? partials : grads, (split.splits > 1 ? split.splits : 1) * parameterCount));
    }
    return { batch, forward, backwardInput, backwardWeight: { ...split, layers: weightLayers } };
  } finally {
    await device.queue.onSubmittedWorkDone();
    s.destroy();
  }
}

/** The list without later entries of the same name. */
function unique<V>(list: V[], describe: (v: V) => string): V[] {
  return list.filter((v, i) => list.findIndex((w) => describe(w) === describe(v)) === i);
}
