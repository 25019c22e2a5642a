// Kernel plans checked against the networks, batches and adapter they will run on (checkTrainerPlans): the plans the
// trainer makes pass; every forged field is refused in one line naming it, by the check and by `megc train --tune FILE`.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../src/errors.js';
import { defaultPlan, type MlpPlan } from '../src/nn/mlpPlan.js';
import { checkTrainerPlans, type PlanLimits, type PlanRun } from '../src/train/plans.js';
import { parseTrainConfig } from '../src/train/config.js';
import { actorSizes, criticSizes } from '../src/train/derive.js';
import { runTraining } from '../src/train/run.js';
import type { TrainerPlans } from '../src/train/tuning.js';
import { testGpu } from './helpers/gpu.js';

const config = parseTrainConfig({ envs: 16, batch: 32, hidden: [8, 8], iterations: 4, replayCapacity: 64, evalSlots: 32 });
const run: PlanRun = { actorSizes: actorSizes(config), criticSizes: criticSizes(config), batch: config.batch, envs: config.envs };

/** The trainer's default plans for `run` on `device`, as a run with --tune off records them (fused or per layer). */
function defaults(device: GPUDevice, fusedMaxBatch?: number): TrainerPlans {
  const max = Math.max(run.envs, run.batch);
  return {
    actor: [defaultPlan(device, run.actorSizes, run.batch, max, true, { fusedMaxBatch }), defaultPlan(device, run.actorSizes, run.envs, max, false, { fusedMaxBatch })],
    critic: [defaultPlan(device, run.criticSizes, run.batch, run.batch, true, { fusedMaxBatch })],
    reduce: { subgroups: false },
  };
}

const forge = (plans: TrainerPlans, change: (p: any) => void): TrainerPlans => { const copy = structuredClone(plans); change(copy); return copy; };
const perLayer = (device: GPUDevice) => defaults(device, 0);

describe('checkTrainerPlans', () => {
  it('passes the plans the trainer makes, fused and per layer', async () => {
    const { device } = await testGpu();
    for (const plans of [defaults(device), perLayer(device)]) {
      expect(() => checkTrainerPlans(plans, run)).not.toThrow();
      expect(() => checkTrainerPlans(plans, run, device)).not.toThrow();
    }
    expect(perLayer(device).actor[0].backwardWeight!.splits).toBe(1);
  });

  it.each<[string, (p: any) => void, RegExp]>([
    ['a weight-gradient split covering 1 row of 32', (p) => { p.actor[0].backwardWeight.rowsPerSplit = 1; }, /^x: kernel plans: actor\.0\.backwardWeight\.rowsPerSplit: 1 splits x 1 rows cover 1 of the batch's 32 rows$/],
    ['an empty split', (p) => { p.critic[0].backwardWeight.splits = 3; p.critic[0].backwardWeight.rowsPerSplit = 16; }, /critic\.0\.backwardWeight\.splits: 3 splits of 16 rows leave split 3 empty at batch 32/],
    ['fewer forward variants than layers', (p) => { p.actor[0].forward.layers.pop(); }, /actor\.0\.forward\.layers: 2 variants for a network of 3 layers/],
    ['more weight-gradient variants than layers', (p) => { p.critic[0].backwardWeight.layers.push(p.critic[0].backwardWeight.layers[0]); }, /critic\.0\.backwardWeight\.layers: 4 variants for a network of 3 layers/],
    ['a plan for a batch the run does not run', (p) => { p.critic[0].batch = 64; }, /critic\.0\.batch: 64 is not a batch this run runs the critic at \(32 \(training\)\)/],
    ['two plans for one batch', (p) => { p.actor[1] = structuredClone(p.actor[0]); }, /actor\.1\.batch: a second plan for batch 32 \(also actor\.0\)/],
    ['no plan for the acting batch', (p) => { p.actor.pop(); }, /actor: no plan for batch 16, which this run runs the actor at/],
    ['a training plan without its input gradient', (p) => { delete p.actor[0].backwardInput; }, /actor\.0\.backwardInput: missing: the actor trains at batch 32/],
    ['a head on a backward chain', (p) => { p.critic[0].backwardInput.head = { threadsX: 4, threadsY: 4, tileK: 16 }; }, /critic\.0\.backwardInput\.head: only a forward chain has a head/],
    ['a head tile narrower than the layer before it', (p) => { p.actor[0].forward.head = { threadsX: 1, threadsY: 4, tileK: 16 }; }, /actor\.0\.forward\.head: the tile .* cannot carry the head after a layer 8 wide/],
  ])('refuses %s, naming the field (no adapter needed)', async (_name, change, message) => {
    const { device } = await testGpu();
    const forged = forge(perLayer(device), change);
    expect(() => checkTrainerPlans(forged, run, undefined, 'x')).toThrow(UserError);
    expect(() => checkTrainerPlans(forged, run, undefined, 'x')).toThrow(message);
  });

  it('refuses f16 variants for a run that does not allow mixed precision', async () => {
    const { device } = await testGpu();
    const f16 = forge(perLayer(device), (p) => { p.critic[0].forward.layers[1].tile = { ...p.critic[0].forward.layers[1].tile, f16: true }; });
    expect(() => checkTrainerPlans(f16, { ...run, mixedPrecision: true })).not.toThrow();
    expect(() => checkTrainerPlans(f16, { ...run, mixedPrecision: false })).toThrow(/critic\.0\.forward\.layers\.1: tiled .* f16 rounds its inputs to f16, and this run does not allow mixed precision/);
  });

  it('refuses the fused update\'s half weights without mixed precision, and without the weight pass that keeps them', async () => {
    const { device } = await testGpu();
    const gamma0 = { ...run, gamma: 0 };
    const half = { ...perLayer(device), fused: { rows: 4, rowsPerWorkgroup: 8, weightPass: true, halfWeights: true } };
    expect(() => checkTrainerPlans(half, { ...gamma0, mixedPrecision: true }, device)).not.toThrow();
    expect(() => checkTrainerPlans(half, { ...gamma0, mixedPrecision: false })).toThrow(/fused\.halfWeights: streams the weights as f16, and this run does not allow mixed precision/);
    const unkept = forge(half, (p) => { delete p.fused.weightPass; });
    expect(() => checkTrainerPlans(unkept, { ...gamma0, mixedPrecision: true }, device)).toThrow(/fused: half weights without the weight pass/);
  });

  it('refuses fused kernels for a network they cannot run', async () => {
    const { device } = await testGpu();
    const deep = { ...run, actorSizes: [run.actorSizes[0], 8, 8, 8, 8, 7], criticSizes: [run.criticSizes[0], 8, 8, 8, 8, 1] };
    const fused = forge(perLayer(device), (p) => { p.actor[0].forward = { kind: 'fused', rows: 1 }; p.actor[0].backwardInput = { kind: 'fused', rows: 1 }; });
    expect(() => checkTrainerPlans(fused, deep)).toThrow(/actor\.0\.forward\.kind: the fused kernel runs at most 4 layers, the network has 5/);
  });

  it.each<[string, (p: any) => void, RegExp]>([
    ['a tile of more threads than the adapter allows', (p) => { p.actor[0].forward.layers[1].tile = { threadsX: 64, threadsY: 64, tileK: 16 }; }, /actor\.0\.forward\.layers\.1\.tile: .*4096 threads exceed this GPU's/],
    ['a tile of more workgroup memory than the adapter has', (p) => { p.critic[0].backwardWeight.layers[0].tile = { threadsX: 16, threadsY: 16, tileK: 256, rowsPerThread: 16, colsPerThread: 16 }; }, /critic\.0\.backwardWeight\.layers\.0\.tile: .*bytes of workgroup memory exceed this GPU's/],
    ['a register block of more invocations than the adapter allows', (p) => { p.critic[0].forward.layers[0] = { kind: 'register', rows: 1, cols: 1, lanesOverRows: true, workgroup: 1024 * 64 }; }, /critic\.0\.forward\.layers\.0: a workgroup of 65536 invocations exceeds/],
    ['fused rows beyond the workgroup memory', (p) => { p.actor[1].forward = { kind: 'fused', rows: 64, stageK: 256 }; }, /actor\.1\.forward\.rows: 64 rows with stageK 256 do not fit this GPU's workgroup limits/],
    ['a subgroup reduction on an adapter without subgroups', (p) => { p.reduce.subgroups = true; }, /reduce\.subgroups: this GPU lacks the feature subgroups/],
  ])('refuses %s against the adapter', async (_name, change, message) => {
    const { device } = await testGpu();
    const noSubgroups: PlanLimits = { limits: device.limits, features: new Set([...device.features].filter((f) => f !== 'subgroups')) };
    const forged = forge(perLayer(device), change);
    expect(() => checkTrainerPlans(forged, run)).not.toThrow();
    expect(() => checkTrainerPlans(forged, run, noSubgroups)).toThrow(message);
  });

  it('megc train --tune FILE refuses forged plans before anything is written', async () => {
    const { device } = await testGpu();
    const out = join(mkdtempSync(join(tmpdir(), 'megc-plans-')), 'run');
    const plans = forge(perLayer(device), (p: { actor: MlpPlan[] }) => { p.actor[0].backwardWeight!.rowsPerSplit = 1; });
    await expect(runTraining({ config, out, device: 'gpu', tune: { plans, source: 'forged.json' }, log: () => {}, handleSignals: false, evaluate: false }))
      .rejects.toThrow(/^--tune forged\.json: kernel plans: actor\.0\.backwardWeight\.rowsPerSplit: 1 splits x 1 rows cover 1 of the batch's 32 rows$/);
    expect(existsSync(out)).toBe(false);
  });
});
