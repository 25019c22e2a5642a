// A run's kernel choices as JSON (config.json's `tuning.plans`, the checkpoint's `plans`): the schema every plan read
// from a file must pass, and checkTrainerPlans, the check against the networks, batches and adapter it will run on, so
// a forged or hand-edited plan is refused in one line naming the field instead of training wrongly or failing inside
// the GPU.
import { z } from 'zod';
import { UserError } from '../errors.js';
import { describeLinear, headFits, MATRIX_FEATURES, mixedPrecision, matrixTileBytes, matrixTileColumns, matrixTileRows, matrixWorkgroup, tileColumns, tileRows, validateTile,
  type LinearVariant, type TileShape } from '../nn/linear.js';
import { mlpLayout } from '../nn/layout.js';
import { FUSED_BACKWARD_MAX_LAYERS, FUSED_FORWARD_MAX_LAYERS, FUSED_MAX_WIDTH, fusible } from '../nn/mlpFused.js';
import { FUSED_BACKWARD_STORAGE_BINDINGS, FUSED_FORWARD_STORAGE_BINDINGS, type ChainPlan, type MlpPlan } from '../nn/mlpPlan.js';
import { fusedActShape, fusedActUnfit } from './fusedAct.js';
import { fusedUpdateUnfit, type FusedRun } from './fusedUpdate.js';
import type { TrainerPlans } from './tuning.js';

const count = (max: number) => z.number().int().min(1).max(max);
const tile = z.object({
  threadsX: count(1024), threadsY: count(1024), tileK: count(256),
  rowsPerThread: count(16).optional(), colsPerThread: count(16).optional(), f16: z.boolean().optional(),
}).strict();
const linear = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('tiled'), tile }).strict(),
  z.object({ kind: z.literal('register'), rows: count(64), cols: count(64), lanesOverRows: z.boolean(), workgroup: count(1024) }).strict(),
  z.object({
    kind: z.literal('matrix'), m: count(64), n: count(64), k: count(64), fragRows: count(16), fragCols: count(16),
    subgroupRows: count(16), subgroupCols: count(16), tileK: count(256), subgroupSize: count(1024), emulated: z.boolean().optional(),
  }).strict(),
]);
const chain = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('fused'), rows: count(64), stageK: z.number().int().min(0).max(256).optional() }).strict(),
  z.object({ kind: z.literal('layers'), layers: z.array(linear).min(1).max(64), head: tile.optional() }).strict(),
]);
const mlpPlan = z.object({
  batch: count(2 ** 31),
  forward: chain,
  backwardInput: chain.optional(),
  backwardWeight: z.object({ splits: count(4096), rowsPerSplit: count(2 ** 31), layers: z.array(linear).min(1).max(64) }).strict().optional(),
}).strict();
export const TrainerPlansSchema = z.object({
  actor: z.array(mlpPlan).min(1).max(2),
  critic: z.array(mlpPlan).min(1).max(1),
  reduce: z.object({ subgroups: z.boolean() }).strict(),
  fused: z.object({ rows: count(256), rowsPerWorkgroup: count(2 ** 31), cols: count(8).optional(), act: z.boolean().optional(), lanes: z.boolean().optional(), subgroups: z.boolean().optional(), persistent: z.boolean().optional(), weightPass: z.boolean().optional(), foldAdam: z.boolean().optional(), blocks: count(16).optional(), halfWeights: z.boolean().optional() }).strict().optional(),
}).strict();

/** Plans from JSON (a config.json's or a checkpoint's), checked; a UserError names the field. */
export function parseTrainerPlans(input: unknown, source: string): TrainerPlans {
  const result = TrainerPlansSchema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new UserError(`${source}: kernel plans: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return result.data as TrainerPlans;
}

/** What config.json records of the kernel choices: how they were chosen, on which adapter, and the plans themselves. */
export interface TuningRecord {
  mode: string;
  adapter: string;
  mixedPrecision: boolean;
  plans: TrainerPlans;
}

/** What a run's plans must fit: its networks' widths (input, hidden..., output) and the batches it runs them at. */
export interface PlanRun {
  actorSizes: readonly number[];
  criticSizes: readonly number[];
  /** The minibatch: both networks train at it. */
  batch: number;
  /** The environments: the actor also acts on all of them at once (forward only) when envs != batch. */
  envs: number;
  /** false: refuse variants that round the matmul inputs to f16 (the run did not allow mixed precision). Default: allowed. */
  mixedPrecision?: boolean;
  /** The run's discount and whether it trains on a generalised world (the fused update runs at gamma 0 on the letter's). */
  gamma?: number; world?: boolean;
  /** Iterations per submit and updates per iteration: the Step ring the persistent trainer binds whole (and the folded update's even count). */
  iterationsPerSubmit?: number; updatesPerIteration?: number;
}

/** The adapter's side of a plan: its limits and features (a GPUDevice is one). */
export interface PlanLimits {
  limits: GPUSupportedLimits;
  features: ReadonlySet<string>;
}

/**
 * Checks plans (already shape-checked by parseTrainerPlans) against the networks and batches of `run`: a plan for each
 * batch each network runs and none other, every chain with one variant per layer, the weight-gradient split covering
 * the batch with no empty split, fused kernels only where the network fits them; with `limits`, also every workgroup,
 * tile, grid and buffer against the adapter's limits and features, and the fused update and act where they run. Throws a UserError `source: kernel plans: FIELD: why`.
 */
export function checkTrainerPlans(plans: TrainerPlans, run: PlanRun, limits?: PlanLimits, source = 'kernel plans'): void {
  const refuse = (field: string, why: string) => new UserError(`${source}: kernel plans: ${field}: ${why}`);
  const device = limits as GPUDevice | undefined;  // the helpers below read only .limits and .features
  const l = limits?.limits;
  const fitsGrid = (field: string, groups: number, what: string) => {
    if (l && groups > l.maxComputeWorkgroupsPerDimension) {
      throw refuse(field, `${groups} workgroups along one dimension (${what}), more than this GPU's ${l.maxComputeWorkgroupsPerDimension}`);
    }
  };
  const tile = (field: string, t: TileShape, rows: number, columns: number) => {
    if (!device) return;
    try { validateTile(device, t); } catch (error) { throw refuse(field, (error as Error).message); }
    if (t.threadsX > l!.maxComputeWorkgroupSizeX || t.threadsY > l!.maxComputeWorkgroupSizeY) {
      throw refuse(field, `a ${t.threadsX} x ${t.threadsY} workgroup exceeds this GPU's ${l!.maxComputeWorkgroupSizeX} x ${l!.maxComputeWorkgroupSizeY}`);
    }
    fitsGrid(field, Math.ceil(rows / tileRows(t)), `${rows} rows in tiles of ${tileRows(t)}`);
    fitsGrid(field, Math.ceil(columns / tileColumns(t)), `${columns} columns in tiles of ${tileColumns(t)}`);
  };
  const variant = (field: string, v: LinearVariant, rows: number, columns: number) => {
    if (run.mixedPrecision === false && mixedPrecision(v)) {
      throw refuse(field, `${describeLinear(v)} rounds its inputs to f16, and this run does not allow mixed precision (--mixed-precision)`);
    }
    if (v.kind === 'tiled') return tile(`${field}.tile`, v.tile, rows, columns);
    if (!device) return;
    const workgroup = v.kind === 'register' ? v.workgroup : matrixWorkgroup(v);
    if (workgroup > l!.maxComputeInvocationsPerWorkgroup || workgroup > l!.maxComputeWorkgroupSizeX) {
      throw refuse(field, `a workgroup of ${workgroup} invocations exceeds this GPU's ${Math.min(l!.maxComputeInvocationsPerWorkgroup, l!.maxComputeWorkgroupSizeX)}`);
    }
    if (v.kind === 'matrix') {
      const missing = (v.emulated ? ['shader-f16'] : MATRIX_FEATURES).find((f) => !limits!.features.has(f));
      if (missing) throw refuse(field, `needs the feature ${missing}, which this GPU lacks`);
      if (matrixTileBytes(v) > l!.maxComputeWorkgroupStorageSize) {
        throw refuse(field, `${matrixTileBytes(v)} bytes of workgroup memory exceed this GPU's ${l!.maxComputeWorkgroupStorageSize}`);
      }
      fitsGrid(field, Math.ceil(rows / matrixTileRows(v)), `${rows} rows in tiles of ${matrixTileRows(v)}`);
      fitsGrid(field, Math.ceil(columns / matrixTileColumns(v)), `${columns} columns in tiles of ${matrixTileColumns(v)}`);
    }
  };
  const chain = (field: string, c: ChainPlan, sizes: readonly number[], batch: number, backward: boolean) => {
    const layers = mlpLayout(sizes).layers;
    if (c.kind === 'fused') {
      const maxLayers = backward ? FUSED_BACKWARD_MAX_LAYERS : FUSED_FORWARD_MAX_LAYERS;
      if (layers.length > maxLayers) throw refuse(`${field}.kind`, `the fused kernel runs at most ${maxLayers} layers, the network has ${layers.length}`);
      const widest = Math.max(...sizes);
      if (widest > FUSED_MAX_WIDTH) throw refuse(`${field}.kind`, `the fused kernel runs layers at most ${FUSED_MAX_WIDTH} wide, the network has one ${widest} wide`);
      if (device && !fusible(device, sizes, c.rows, maxLayers, backward ? FUSED_BACKWARD_STORAGE_BINDINGS : FUSED_FORWARD_STORAGE_BINDINGS, c.stageK ?? 0)) {
        throw refuse(`${field}.rows`, `${c.rows} rows${c.stageK ? ` with stageK ${c.stageK}` : ''} do not fit this GPU's workgroup limits`);
      }
      return;
    }
    if (c.layers.length !== layers.length) throw refuse(`${field}.layers`, `${c.layers.length} variants for a network of ${layers.length} layers`);
    // forward: a (batch, outputs) result per layer; backward to the input: (batch, inputs).
    c.layers.forEach((v, i) => variant(`${field}.layers.${i}`, v, batch, backward ? layers[i].inputs : layers[i].outputs));
    if (c.head) {
      if (backward) throw refuse(`${field}.head`, 'only a forward chain has a head');
      if (layers.length < 2) throw refuse(`${field}.head`, 'a head needs a network of 2 layers or more');
      const width = layers[layers.length - 2].outputs;
      if (!headFits(c.head, width)) throw refuse(`${field}.head`, `the tile ${JSON.stringify(c.head)} cannot carry the head after a layer ${width} wide (every column in one tile, rows <= tileK, f32)`);
      tile(`${field}.head`, c.head, batch, width);
    }
  };
  const network = (name: 'actor' | 'critic', list: MlpPlan[], sizes: readonly number[], wanted: { batch: number; trainable: boolean }[]) => {
    const batches = wanted.map((w) => `${w.batch}${w.trainable ? ' (training)' : ' (acting)'}`).join(', ');
    list.forEach((plan, i) => {
      if (!wanted.some((w) => w.batch === plan.batch)) throw refuse(`${name}.${i}.batch`, `${plan.batch} is not a batch this run runs the ${name} at (${batches})`);
      const first = list.findIndex((p) => p.batch === plan.batch);
      if (first !== i) throw refuse(`${name}.${i}.batch`, `a second plan for batch ${plan.batch} (also ${name}.${first})`);
    });
    for (const { batch, trainable } of wanted) {
      const i = list.findIndex((p) => p.batch === batch);
      if (i < 0) throw refuse(name, `no plan for batch ${batch}, which this run runs the ${name} at (${batches})`);
      const plan = list[i];
      const field = `${name}.${i}`;
      chain(`${field}.forward`, plan.forward, sizes, batch, false);
      if (!trainable) continue;
      if (!plan.backwardInput) throw refuse(`${field}.backwardInput`, `missing: the ${name} trains at batch ${batch}`);
      if (!plan.backwardWeight) throw refuse(`${field}.backwardWeight`, `missing: the ${name} trains at batch ${batch}`);
      chain(`${field}.backwardInput`, plan.backwardInput, sizes, batch, true);
      const { splits, rowsPerSplit, layers } = plan.backwardWeight;
      const layout = mlpLayout(sizes);
      if (splits * rowsPerSplit < batch) {
        throw refuse(`${field}.backwardWeight.rowsPerSplit`, `${splits} splits x ${rowsPerSplit} rows cover ${splits * rowsPerSplit} of the batch's ${batch} rows`);
      }
      if ((splits - 1) * rowsPerSplit >= batch) {
        throw refuse(`${field}.backwardWeight.splits`, `${splits} splits of ${rowsPerSplit} rows leave split ${splits} empty at batch ${batch} (at most ${Math.ceil(batch / rowsPerSplit)})`);
      }
      if (layers.length !== layout.layers.length) throw refuse(`${field}.backwardWeight.layers`, `${layers.length} variants for a network of ${layout.layers.length} layers`);
      // the weight gradient of layer i: an (inputs [+ 1 bias row], outputs) result, split over the batch.
      layers.forEach((v, k) => variant(`${field}.backwardWeight.layers.${k}`, v, layout.layers[k].inputs + 1, layout.layers[k].outputs));
      if (l) {
        fitsGrid(`${field}.backwardWeight.splits`, splits, 'one per split');
        const bytes = splits * layout.parameterCount * 4;
        const most = Math.min(l.maxStorageBufferBindingSize, l.maxBufferSize);
        if (splits > 1 && bytes > most) throw refuse(`${field}.backwardWeight.splits`, `${splits} partial gradients need ${bytes} bytes in one buffer, more than this GPU's ${most}`);
      }
    }
  };
  network('actor', plans.actor, run.actorSizes, [{ batch: run.batch, trainable: true }, ...(run.envs !== run.batch ? [{ batch: run.envs, trainable: false }] : [])]);
  network('critic', plans.critic, run.criticSizes, [{ batch: run.batch, trainable: true }]);
  if (plans.reduce.subgroups && limits && !limits.features.has('subgroups')) throw refuse('reduce.subgroups', 'this GPU lacks the feature subgroups');
  const f = plans.fused;
  if (f && f.rowsPerWorkgroup % f.rows !== 0) throw refuse('fused.rowsPerWorkgroup', `${f.rowsPerWorkgroup} rows per workgroup are not blocks of ${f.rows}`);
  if (f?.halfWeights && run.mixedPrecision === false) {
    throw refuse('fused.halfWeights', 'streams the weights as f16, and this run does not allow mixed precision (--mixed-precision)');
  }
  if (f && device) {
    const fusedRun: FusedRun = { actorSizes: run.actorSizes, criticSizes: run.criticSizes, config: {
      gamma: run.gamma ?? 0, batch: run.batch, envs: run.envs, iterationsPerSubmit: run.iterationsPerSubmit, updatesPerIteration: run.updatesPerIteration,
    }, shape: { world: run.world } };
    const unfit = fusedUpdateUnfit(device, fusedRun, f);
    if (unfit) throw refuse('fused', unfit);
    const actUnfit = f.act ? fusedActUnfit(device, fusedActShape(fusedRun, f, plans.reduce)) : null;
    if (actUnfit) throw refuse('fused.act', actUnfit);
  }
}
