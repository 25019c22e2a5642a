// The GPU LARA trainer against the float64 ReferenceTrainer (same initial weights, same RNG counters), its determinism,
// exact resume from a snapshot (also with the fused update's half weights), the warm-up that leaves the run as it was, the fused act's and the persistent trainer's tuning, and the up-front refusal of configs the device cannot hold.
import { describe, expect, it } from 'vitest';
import { UserError } from '../src/errors.js';
import { DEFAULT_SCENARIO } from '../src/scenario.js';
import { parseTrainConfig, type TrainConfig } from '../src/train/config.js';
import { GpuTrainer, checkTrainerFits, type IterationMetrics } from '../src/train/gpuTrainer.js';
import { describeFused, type FusedVariant } from '../src/train/fusedUpdate.js';
import { MemoryTuneStore, Tuner } from '../src/gpu/tuner.js';
import { initMlp } from '../src/nn/init.js';
import { ReferenceTrainer } from '../src/train/reference.js';
import type { TrainerPlans } from '../src/train/tuning.js';
import { expectClose } from './helpers/expectClose.js';
import { testGpu } from './helpers/gpu.js';

const ITERATIONS = 6;

/**
 * Tiny but complete: 8 envs, batch 8, 16x16 networks, 2 updates per iteration, a warm-up iteration (noise only), a
 * ring of 24 rows that wraps after 3 iterations, and 4 iterations per submit so the 6 iterations take two chunks.
 */
function tinyConfig(gamma: number): TrainConfig {
  return parseTrainConfig({
    envs: 8, batch: 8, hidden: [16, 16], updatesPerIteration: 2, iterations: ITERATIONS, replayCapacity: 24,
    iterationsPerSubmit: 4, gamma, warmupIterations: 1, seed: 7,
  });
}

/**
 * The fused update's variants the parity test also runs (gamma 0): blocks of 4 rows, 2 workgroups for the batch of 8,
 * with work items of 1 column and of 4, the latter with the fused act (lara_act_forward; the former: the actor's
 * forward and lara_act); and the lane kernels with subgroup sums and the lane act (lara_act_lanes), 4 rows per
 * invocation, 8 invocations per workgroup (one slice; 6 invocations past the batch).
 */
type Update = 'fused' | 'fused c4' | 'fused lanes' | 'fused weight pass' | 'persistent' | 'persistent subgroups' | 'persistent slices'
  | 'fused lanes fold' | 'fused lanes fold slices' | 'fused lanes fold blocks';
const FUSED: Record<Update, FusedVariant> = {
  fused: { rows: 4, rowsPerWorkgroup: 4 }, 'fused c4': { rows: 4, rowsPerWorkgroup: 4, cols: 4, act: true },
  'fused lanes': { rows: 4, rowsPerWorkgroup: 32, lanes: true, subgroups: true, act: true },
  // The weight pass (mlp_weight_adam.wgsl): one workgroup of 2 blocks stores their inputs and deltas, and each
  // network's weight kernel takes the gradient over the batch with Adam.
  'fused weight pass': { rows: 4, rowsPerWorkgroup: 8, weightPass: true, act: true },
  // The persistent trainer (lara_persistent.wgsl), each submit one dispatch: one invocation of 4 rows, so the batch and
  // the envs take 2 passes each and the second adds to the first's slice; and 8 invocations with subgroup sums.
  persistent: { rows: 4, rowsPerWorkgroup: 4, lanes: true, act: true, persistent: true },
  'persistent subgroups': { rows: 4, rowsPerWorkgroup: 32, lanes: true, subgroups: true, act: true, persistent: true },
  // Run at batch 16 (BATCH_16): 2 invocations, so 2 slices for Adam to add and 2 passes, and a first iteration
  // without updates (8 rows filled).
  'persistent slices': { rows: 4, rowsPerWorkgroup: 8, lanes: true, act: true, persistent: true },
  // The Adam steps folded into the lane kernels (lara_update_fold_lanes.wgsl): one workgroup; and at batch 16 four
  // workgroups of one invocation, each taking the pending steps into its own copy, workgroup 0 writing them, and 4
  // slices for each step to add.
  'fused lanes fold': { rows: 4, rowsPerWorkgroup: 32, lanes: true, subgroups: true, act: true, foldAdam: true },
  'fused lanes fold slices': { rows: 4, rowsPerWorkgroup: 4, lanes: true, act: true, foldAdam: true },
  // At batch 16: one workgroup of 2 invocations with subgroup sums, each taking 2 blocks of 4 rows, each block its
  // own slice.
  'fused lanes fold blocks': { rows: 4, rowsPerWorkgroup: 16, lanes: true, subgroups: true, act: true, foldAdam: true, blocks: 2 },
};
const BATCH_16: readonly string[] = ['persistent slices', 'fused lanes fold slices', 'fused lanes fold blocks'];

/**
 * `fused`: train with the fused update (src/train/fusedUpdate.ts) instead of the per-layer one; a lane variant with
 * subgroup sums with the reduction's subgroups too, so that its lane act shares its weight loads (fusedAct.ts).
 */
async function runGpu(config: TrainConfig, iterations = ITERATIONS, fused?: FusedVariant): Promise<{ rows: IterationMetrics[]; trainer: GpuTrainer }> {
  const gpu = await testGpu();
  let plans: TrainerPlans | undefined;
  if (fused) {
    const plain = await GpuTrainer.create(gpu, DEFAULT_SCENARIO, config, { evaluate: false });
    plans = { ...plain.plans, fused, ...(fused.lanes && fused.subgroups ? { reduce: { subgroups: true } } : {}) };
    plain.destroy();
  }
  const trainer = await GpuTrainer.create(gpu, DEFAULT_SCENARIO, config, { plans });
  const rows: IterationMetrics[] = [];
  await trainer.run(iterations, (chunk) => { rows.push(...chunk); });
  return { rows, trainer };
}

const column = (rows: IterationMetrics[], key: keyof IterationMetrics) => rows.map((r) => r[key] as number);

describe.each([
  [0, 'per-layer'], [0.9, 'per-layer'], [0, 'fused'], [0, 'fused c4'], [0, 'fused lanes'], [0, 'fused weight pass'], [0, 'persistent'], [0, 'persistent subgroups'],
  [0, 'persistent slices'], [0, 'fused lanes fold'], [0, 'fused lanes fold slices'], [0, 'fused lanes fold blocks'],
] as const)('GPU trainer vs float64 reference, gamma %s, %s update', (gamma, update) => {
  it(`gives the same metrics, weights, Adam moments and replay after ${ITERATIONS} iterations`, async () => {
    const config = BATCH_16.includes(update) ? { ...tinyConfig(gamma), batch: 16 } : tinyConfig(gamma);
    const fused = update === 'per-layer' ? undefined : FUSED[update];
    const { rows, trainer } = await runGpu(config, ITERATIONS, fused);
    if (fused) expect(trainer.plans.fused).toEqual(fused);
    const reference = new ReferenceTrainer(DEFAULT_SCENARIO, config);
    const referenceRows = Array.from({ length: ITERATIONS }, () => reference.step());
    try {
      expect(rows.map((r) => r.iteration)).toEqual(referenceRows.map((r) => r.iteration));
      expect(rows.map((r) => r.updates)).toEqual(referenceRows.map((r) => r.updates));
      // Latencies of the acting actions: float32 state sampling, network and latency formulas vs float64, about 1e-6
      // relative per operation; the actor has moved through 10 Adam steps by the last iteration, each step's f32
      // rounding adding ~1e-7 to the weights. 1e-4 relative is 100x what we see and 1000x below a wrong formula.
      for (const key of ['reward', 'lComp', 'lAigc', 'lVe', 'lTotal'] as const) {
        expectClose(column(rows, key), column(referenceRows, key), { atol: 1e-6, rtol: 1e-4 }, key);
      }
      // Losses: means over 8 samples of squares / critic outputs in f32 (sums of 8 terms, ~1e-6 relative); the actor
      // loss is -mean(Q) with Q near 0.2, so an absolute floor of 1e-5 covers its cancellation.
      expectClose(column(rows, 'criticLoss'), column(referenceRows, 'criticLoss'), { atol: 1e-5, rtol: 1e-4 }, 'critic loss');
      expectClose(column(rows, 'actorLoss'), column(referenceRows, 'actorLoss'), { atol: 1e-5, rtol: 1e-4 }, 'actor loss');

      const gpu = await trainer.snapshot();
      const ref = reference.snapshot();
      // Weights after 10 Adam steps of lr <= 1e-3: the observed f32-vs-f64 difference is ~1e-7. 1e-5 absolute is 100x
      // that, and 100x below one Adam step (lr 1e-3): a wrong gradient, a skipped update or a missing soft update
      // (tau x the drift = 5e-5) shows up.
      const weights = { atol: 1e-5, rtol: 1e-5 };
      expectClose(gpu.actor, ref.actor, weights, 'actor');
      expectClose(gpu.critic, ref.critic, weights, 'critic');
      expectClose(gpu.actorTarget, ref.actorTarget, weights, 'actor target');
      expectClose(gpu.criticTarget, ref.criticTarget, weights, 'critic target');
      // Adam moments: m ~ gradients (~1e-2), v ~ gradients^2; f32 rounding of the gradient sums, ~1e-6 relative.
      expectClose(gpu.actorAdam.m, ref.actorAdam.m, { atol: 1e-7, rtol: 1e-3 }, 'actor Adam m');
      expectClose(gpu.criticAdam.m, ref.criticAdam.m, { atol: 1e-7, rtol: 1e-3 }, 'critic Adam m');
      // The actor's v is small (gradients through the critic: at most ~6e-6, median ~5e-10), so its floor is 1e-13
      // (observed differences ~1e-12 on the largest entries, 1e-3 relative allowing 6e-9 there).
      expectClose(gpu.actorAdam.v, ref.actorAdam.v, { atol: 1e-13, rtol: 1e-3 }, 'actor Adam v');
      expectClose(gpu.criticAdam.v, ref.criticAdam.v, { atol: 1e-9, rtol: 1e-3 }, 'critic Adam v');
      expect([gpu.actorAdam.step, gpu.criticAdam.step]).toEqual([ref.actorAdam.step, ref.criticAdam.step]);
      // Replay rows: observations (|obs| up to ~5, f32 logs of f32 gains), log-share features and log rewards, each a
      // few f32 operations from its inputs: 1e-5 absolute + 1e-5 relative.
      expectClose(gpu.replay, ref.replay, { atol: 1e-5, rtol: 1e-5 }, 'replay ring');
    } finally {
      trainer.destroy();
    }
  }, 300_000);  // the fused update's first dispatch compiles its kernels (lavapipe: seconds idle, minutes when loaded)
});

describe('the folded Adam steps', () => {
  // The same sums and steps as the lane update's Adam dispatches, only taken in other dispatches: the same bits, at
  // batch 16 over 4 workgroups (each taking the pending steps into its own copy) and 2 chunks, so that the act takes the
  // step the iteration before left and each chunk's last iteration takes its own. And with 2 blocks of rows per
  // invocation on 2 workgroups, each block the slice a workgroup of its own wrote: the same bits again.
  it('give the lane update\'s metrics, weights, moments and replay bit for bit, and so do two blocks per invocation', async () => {
    const config = { ...tinyConfig(0), batch: 16 };
    const { foldAdam: _fold, ...lanes } = FUSED['fused lanes fold slices'];
    const blocks: FusedVariant = { ...FUSED['fused lanes fold slices'], rowsPerWorkgroup: 8, blocks: 2 };
    const runs = [];
    for (const fused of [lanes, FUSED['fused lanes fold slices'], blocks]) {
      const { rows, trainer } = await runGpu(config, ITERATIONS, fused);
      runs.push({ rows, snapshot: await trainer.snapshot() });
      trainer.destroy();
    }
    for (const run of runs.slice(1)) {
      expect(run.rows).toEqual(runs[0].rows);
      expect(run.snapshot).toEqual(runs[0].snapshot);
    }
  }, 300_000);
});

describe('the warm-up before the first iteration', () => {
  // It runs a submit's iterations on the tuner's start state (every pipeline dispatched once, so that lavapipe compiles
  // them before the run's clock starts) and the trainer then writes its start over it: the run is the one without it,
  // bit for bit, here with the folded Adam steps, whose second states and slices the warm-up leaves written.
  it('leaves the metrics, weights, moments and replay bit for bit as without it', async () => {
    const gpu = await testGpu();
    const config = { ...tinyConfig(0), batch: 16 };
    const plain = await GpuTrainer.create(gpu, DEFAULT_SCENARIO, config, { evaluate: false, warmUp: false });
    const plans: TrainerPlans = { ...plain.plans, fused: FUSED['fused lanes fold'], reduce: { subgroups: true } };
    plain.destroy();
    const runs = [];
    for (const warmUp of [false, true]) {
      const trainer = await GpuTrainer.create(gpu, DEFAULT_SCENARIO, config, { plans, warmUp });
      const rows: IterationMetrics[] = [];
      await trainer.run(ITERATIONS, (chunk) => { rows.push(...chunk); });
      runs.push({ rows, snapshot: await trainer.snapshot() });
      trainer.destroy();
    }
    expect(runs[1].rows).toEqual(runs[0].rows);
    expect(runs[1].snapshot).toEqual(runs[0].snapshot);
  }, 300_000);
});

describe('the fused act\'s tuning', () => {
  // The update's choice seeded as a fused variant in the tuner's store (a GPU would pick it; lavapipe keeps the
  // per-layer update), so the act's choice is timed for real: both candidates timed means their replay rows agreed.
  it('times the act with and without the actor\'s forward, and leaves the trainer as a recorded run of its choice starts', async () => {
    const gpu = await testGpu();
    const config = { ...tinyConfig(0), iterations: 3 };
    const store = new MemoryTuneStore();
    const log: string[] = [];
    const tuner = () => new Tuner(gpu.device, { mode: 'quick', adapterKey: 'test', store, log: (l) => log.push(l) });
    (await GpuTrainer.create(gpu, DEFAULT_SCENARIO, config, { evaluate: false, tuner: tuner() })).destroy();
    const updateKey = [...store.entries.keys()].find((k) => k.includes('|lara.update '))!;
    store.set(updateKey, { variant: describeFused(FUSED.fused), microseconds: {} });
    const tuned = await GpuTrainer.create(gpu, DEFAULT_SCENARIO, config, { tuner: tuner() });
    const act = [...store.entries].find(([k]) => k.includes('|lara.act ') && k.endsWith(` ${describeFused(FUSED.fused)}`))![1];
    expect(Object.keys(act.microseconds).sort(), log.join('\n')).toEqual([describeFused(FUSED.fused), `${describeFused(FUSED.fused)} act`]);
    // The trainer runs the act's choice, or the persistent trainer where a submit's iterations timed faster with it.
    const iterations = [...store.entries].find(([k]) => k.includes('|lara.iterations ') && k.endsWith(` ${act.variant}`))![1];
    expect(Object.keys(iterations.microseconds)).toContain(act.variant);
    expect(describeFused(tuned.plans.fused!)).toBe(iterations.variant);
    const recorded = await GpuTrainer.create(gpu, DEFAULT_SCENARIO, config, { plans: tuned.plans });
    for (const t of [tuned, recorded]) await t.run(3, () => {});
    const [a, b] = [await tuned.snapshot(), await recorded.snapshot()];
    expect(Array.from(a.actor)).toEqual(Array.from(b.actor));
    expect(Array.from(a.replay)).toEqual(Array.from(b.replay));
    tuned.destroy();
    recorded.destroy();
  }, 300_000);
});

describe('the iterations\' tuning', () => {
  // The update's choice seeded as the lane update with its act in the tuner's store, so the folded Adam steps and the
  // persistent trainer are timed for real against it: all timed means their Adam moments agreed after a submit's
  // iterations.
  it('times a submit\'s iterations with the Adam steps folded in and with the persistent trainer, and leaves the trainer as a recorded run of its choice starts', async () => {
    const gpu = await testGpu();
    const config = { ...tinyConfig(0), iterations: 5 };
    const store = new MemoryTuneStore();
    const log: string[] = [];
    const tuner = () => new Tuner(gpu.device, { mode: 'quick', adapterKey: 'test', store, log: (l) => log.push(l) });
    (await GpuTrainer.create(gpu, DEFAULT_SCENARIO, config, { evaluate: false, tuner: tuner() })).destroy();
    const lanes = FUSED['fused lanes'];
    const { act: _act, ...update } = lanes;
    const updateKey = [...store.entries.keys()].find((k) => k.includes('|lara.update '))!;
    store.set(updateKey, { variant: describeFused(update), microseconds: {} });
    store.set(`${updateKey.split('|lara.update ')[0]}|lara.act e8 hidden 16x16 ${describeFused(update)}`, { variant: describeFused(lanes), microseconds: {} });
    const tuned = await GpuTrainer.create(gpu, DEFAULT_SCENARIO, config, { tuner: tuner() });
    const timed = [...store.entries].find(([k]) => k.includes('|lara.iterations ') && k.endsWith(` ${describeFused(lanes)}`))![1];
    // The quick list: the trainer's path so far, the same with its Adam steps folded in, and the first persistent
    // variant that fits (its lane rows, 8 invocations with subgroup sums).
    expect(Object.keys(timed.microseconds).sort(), log.join('\n')).toEqual(
      [describeFused(lanes), describeFused({ ...lanes, foldAdam: true }), 'fused lanes subgroups persistent r4 w32 act'].sort());
    expect(describeFused(tuned.plans.fused!)).toBe(timed.variant);
    const recorded = await GpuTrainer.create(gpu, DEFAULT_SCENARIO, config, { plans: tuned.plans });
    for (const t of [tuned, recorded]) await t.run(5, () => {});
    const [a, b] = [await tuned.snapshot(), await recorded.snapshot()];
    expect(Array.from(a.actor)).toEqual(Array.from(b.actor));
    expect(Array.from(a.criticAdam.m)).toEqual(Array.from(b.criticAdam.m));
    expect(Array.from(a.replay)).toEqual(Array.from(b.replay));
    tuned.destroy();
    recorded.destroy();
  }, 300_000);
});

describe('the fused update with half weights', () => {
  // The weight pass's row kernels stream f16 copies of both networks' weights (halfWeights.ts), made at each submit's
  // start and kept by the weight pass beside each Adam step. Against the same weight pass streaming f32 weights, and a
  // resume from a snapshot mid-run, whose first submit makes the copies from the restored weights (copies the weight
  // pass did not keep would show there: the resumed run's copies are fresher than the whole run's).
  it('trains as the f32 weight pass does within f16 rounding, and continues exactly from a snapshot', async () => {
    const config = tinyConfig(0);
    const half: FusedVariant = { ...FUSED['fused weight pass'], halfWeights: true };
    const f32 = await runGpu(config, ITERATIONS, FUSED['fused weight pass']);
    const whole = await runGpu(config, ITERATIONS, half);
    const part = await runGpu(config, 3, half);
    const snapshot = await part.trainer.snapshot();
    const plans = part.trainer.plans;
    part.trainer.destroy();
    const resumed = await GpuTrainer.create(await testGpu(), DEFAULT_SCENARIO, config, { snapshot, plans });
    const resumedRows: IterationMetrics[] = [...part.rows];
    await resumed.run(ITERATIONS, (chunk) => { resumedRows.push(...chunk); });
    try {
      expect(whole.trainer.plans.fused).toEqual(half);
      const [a, b, c] = [await f32.trainer.snapshot(), await whole.trainer.snapshot(), await resumed.snapshot()];
      expect(resumedRows).toEqual(whole.rows);
      expect(c).toEqual(b);
      // Acting latencies: the act reads the actor's f16 copy, its actions rounded by ~5e-4 relative before the heads'
      // softmax shares (observed 1.2e-5 relative on L_total).
      expectClose(column(whole.rows, 'lTotal'), column(f32.rows, 'lTotal'), { atol: 0, rtol: 1e-4 }, 'L_total');
      // Losses: each weight rounded to f16 (2^-11 relative) moves Q by ~5e-4 relative (observed 5.4e-4); 5e-3 is 10x.
      expectClose(column(whole.rows, 'criticLoss'), column(f32.rows, 'criticLoss'), { atol: 0, rtol: 5e-3 }, 'critic loss');
      expectClose(column(whole.rows, 'actorLoss'), column(f32.rows, 'actorLoss'), { atol: 1e-5, rtol: 5e-3 }, 'actor loss');
      // Weights, as a share of how far the f32 run moved them from initMlp's: the critic by 0.02% (its steps from
      // gradients of O(1)); the actor by 2.3% (Adam divides by sqrt(v), and the actor's gradients through the critic
      // are small, so the critic's f16 rounding moves its steps by a larger share). Copies one submit stale moved
      // the losses by O(1) here.
      const norm = (x: ArrayLike<number>, y: ArrayLike<number>) => Math.sqrt(Array.from(x).reduce((t, v, i) => t + (v - y[i]) ** 2, 0));
      const moved = (key: 'actor' | 'critic', salt: number) => norm(a[key], initMlp(key === 'actor' ? whole.trainer.actorSizes : whole.trainer.criticSizes, config.seed, salt));
      expect(norm(b.critic, a.critic) / moved('critic', 1)).toBeLessThan(2e-3);
      expect(norm(b.actor, a.actor) / moved('actor', 0)).toBeLessThan(0.1);
    } finally {
      for (const t of [f32.trainer, whole.trainer, resumed]) t.destroy();
    }
  }, 300_000);
});

describe('GPU trainer determinism and resume', () => {
  it('gives bit-identical metrics and weights for the same seed, and continues exactly from a snapshot', async () => {
    const config = tinyConfig(0.9);
    const first = await runGpu(config);
    const second = await runGpu(config);
    // Resumed: 3 iterations, snapshot, a fresh trainer from the snapshot, 3 more.
    const gpu = await testGpu();
    const part = await runGpu(config, 3);
    const snapshot = await part.trainer.snapshot();
    part.trainer.destroy();
    const resumed = await GpuTrainer.create(gpu, DEFAULT_SCENARIO, config, { snapshot });
    const resumedRows: IterationMetrics[] = [...part.rows];
    await resumed.run(ITERATIONS, (chunk) => { resumedRows.push(...chunk); });
    try {
      expect(second.rows).toEqual(first.rows);
      expect(resumedRows).toEqual(first.rows);
      const a = await first.trainer.snapshot();
      const b = await second.trainer.snapshot();
      const c = await resumed.snapshot();
      expect(b).toEqual(a);
      expect(c).toEqual(a);
    } finally {
      for (const t of [first.trainer, second.trainer, resumed]) t.destroy();
    }
  });

  it('stops at a chunk boundary when asked (the chunk in flight finishes) and runs no further than config.iterations', async () => {
    const config = { ...tinyConfig(0), iterationsPerSubmit: 2 };
    const gpu = await testGpu();
    const trainer = await GpuTrainer.create(gpu, DEFAULT_SCENARIO, config);
    try {
      const rows: IterationMetrics[] = [];
      await trainer.run(ITERATIONS, (chunk) => { rows.push(...chunk); return false; });
      // chunk [0, 2) asked to stop when its metrics landed; chunk [2, 4) was already submitted and completes
      expect(rows.map((r) => r.iteration)).toEqual([0, 1, 2, 3]);
      expect(trainer.iteration).toBe(4);
      await trainer.run(100, (chunk) => { rows.push(...chunk); });
      expect(trainer.iteration).toBe(ITERATIONS);
      expect(rows.map((r) => r.iteration)).toEqual([0, 1, 2, 3, 4, 5]);
    } finally {
      trainer.destroy();
    }
  });
});

describe('device limits', () => {
  const limits = { maxStorageBufferBindingSize: 128 * 2 ** 20, maxBufferSize: 2 ** 31 };
  it('refuses a replay ring larger than maxStorageBufferBindingSize, naming the limit and the largest that fits', () => {
    const config = parseTrainConfig({ replayCapacity: 2_000_000 });
    expect(() => checkTrainerFits(config, limits)).toThrow(UserError);
    expect(() => checkTrainerFits(config, limits)).toThrow(/maxStorageBufferBindingSize of 134217728 bytes; the largest that fits is --replay-capacity 1525201/);
  });
  it('refuses envs whose activations do not fit, and a ring smaller than one iteration of envs', () => {
    expect(() => checkTrainerFits(parseTrainConfig({ envs: 200_000, batch: 256, hidden: [256, 256], replayCapacity: 1_000_000 }), limits))
      .toThrow(/largest that fits is max\(--envs, --batch\) 131072/);
    expect(() => checkTrainerFits(parseTrainConfig({ envs: 4096, batch: 256, replayCapacity: 1024 }), limits)).toThrow(/replayCapacity \(1024\)/);
    expect(() => checkTrainerFits(parseTrainConfig({}), limits)).not.toThrow();
  });
});
