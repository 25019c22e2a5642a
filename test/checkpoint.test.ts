// Checkpoints: round trip of every tensor, PyTorch layer names/shapes (a Linear/ReLU stack on the stored tensors gives the
// actor's output), validation that names the offending tensor or field, and the trained-actor policy.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../src/errors.js';
import { readSafetensors, writeSafetensors } from '../src/io/safetensorsFile.js';
import { mlpForward } from '../src/nn/reference/mlp.js';
import { DEFAULT_SCENARIO, parseScenario } from '../src/scenario.js';
import { actorSizes, loadCheckpoint, loadPolicy, writeCheckpoint, CHECKPOINT_FILE } from '../src/train/checkpoint.js';
import { parseTrainConfig } from '../src/train/config.js';
import { actorActions } from '../src/train/policy.js';
import { ReferenceTrainer } from '../src/train/reference.js';

const dir = mkdtempSync(join(tmpdir(), 'megc-checkpoint-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const config = parseTrainConfig({ envs: 4, batch: 4, hidden: [6, 5], updatesPerIteration: 1, iterations: 5, replayCapacity: 12, seed: 3 });

/** A reference trainer after 3 iterations: every tensor non-trivial (Adam moments, targets, a partly filled ring). */
function trainedSnapshot() {
  const trainer = new ReferenceTrainer(DEFAULT_SCENARIO, config);
  for (let i = 0; i < 3; i++) trainer.step();
  return trainer;
}

describe('checkpoint file', () => {
  it('round-trips every tensor and counter exactly (float64 from the CPU, float32 from the GPU)', () => {
    const trainer = trainedSnapshot();
    const snap = trainer.snapshot();
    const path = join(dir, 'f64.safetensors');
    writeCheckpoint(path, snap, { config, scenario: DEFAULT_SCENARIO, device: 'cpu', progress: { any: [1, 2] } });
    const loaded = loadCheckpoint(path);
    expect(loaded.snapshot).toEqual(snap);
    expect(loaded.config).toEqual(config);
    expect(loaded.scenario).toEqual(DEFAULT_SCENARIO);
    expect(loaded.progress).toEqual({ any: [1, 2] });
    expect(loaded.device).toBe('cpu');

    const f32 = Object.fromEntries(Object.entries(snap).map(([k, v]) => [k, v instanceof Float64Array ? Float32Array.from(v)
      : typeof v === 'object' ? { m: Float32Array.from(v.m), v: Float32Array.from(v.v), step: v.step } : v])) as unknown as typeof snap;
    writeCheckpoint(join(dir, CHECKPOINT_FILE), f32, { config, scenario: DEFAULT_SCENARIO, device: 'gpu', progress: null });
    // a run directory is accepted in place of the file
    expect(loadCheckpoint(dir).snapshot).toEqual(f32);
  });

  it('stores PyTorch nn.Sequential(Linear, ReLU, Linear, ReLU, Linear) names and (out, in) shapes', () => {
    const trainer = trainedSnapshot();
    const path = join(dir, 'names.safetensors');
    writeCheckpoint(path, trainer.snapshot(), { config, scenario: DEFAULT_SCENARIO, device: 'cpu', progress: null });
    const file = readSafetensors(path);
    const shapes = Object.fromEntries(Object.entries(file.tensors).map(([k, t]) => [k, t.shape]));
    expect(shapes).toMatchObject({
      'actor.0.weight': [6, 7], 'actor.0.bias': [6], 'actor.2.weight': [5, 6], 'actor.2.bias': [5], 'actor.4.weight': [7, 5], 'actor.4.bias': [7],
      'critic.0.weight': [6, 14], 'critic.4.weight': [1, 5], 'actor_target.0.weight': [6, 7], 'critic_target.4.bias': [1],
      'optimizer.actor.exp_avg': [trainer.actorParams.length], 'replay': [12, 22], 'counters': [3],
    });
    // y = x W^T + b layer by layer, as torch.nn.Linear computes it, equals the trainer's actor output.
    const x = Float64Array.from({ length: 3 * 7 }, (_, i) => Math.sin(i));
    let h: number[][] = [0, 1, 2].map((r) => Array.from(x.subarray(r * 7, r * 7 + 7)));
    for (const [l, relu] of [[0, true], [2, true], [4, false]] as const) {
      const W = file.tensors[`actor.${l}.weight`];
      const b = file.tensors[`actor.${l}.bias`].data;
      const [outs, ins] = W.shape;
      h = h.map((row) => Array.from({ length: outs }, (_, o) => {
        let y = b[o];
        for (let i = 0; i < ins; i++) y += W.data[o * ins + i] * row[i];
        return relu ? Math.max(0, y) : y;
      }));
    }
    const expected = mlpForward(trainer.actorParams, actorSizes(config), x, 3).output;
    expect(h.flat().map((v, i) => Math.abs(v - expected[i])).every((d) => d < 1e-12)).toBe(true);
  });

  it('names the offending tensor, field or scenario when a checkpoint does not match', () => {
    const trainer = trainedSnapshot();
    const path = join(dir, 'bad.safetensors');
    writeCheckpoint(path, trainer.snapshot(), { config, scenario: DEFAULT_SCENARIO, device: 'cpu', progress: null });
    const file = readSafetensors(path);
    // the config in the metadata says hidden 6,5; a tensor of another shape is named
    const broken = { ...file.tensors, 'critic.2.weight': { dtype: 'F64' as const, shape: [4, 6], data: new Float64Array(24) } };
    writeSafetensors(join(dir, 'shape.safetensors'), broken, file.metadata);
    expect(() => loadCheckpoint(join(dir, 'shape.safetensors'))).toThrow(/tensor "critic\.2\.weight" has shape \[4, 6\], expected \[5, 6\]/);
    const { 'optimizer.actor.exp_avg': _dropped, ...missing } = file.tensors;
    writeSafetensors(join(dir, 'missing.safetensors'), missing, file.metadata);
    expect(() => loadCheckpoint(join(dir, 'missing.safetensors'))).toThrow(/no tensor "optimizer\.actor\.exp_avg"/);
    const nan = { ...file.tensors, 'actor.0.bias': { ...file.tensors['actor.0.bias'], data: Float64Array.from([0, NaN, 0, 0, 0, 0]) } };
    writeSafetensors(join(dir, 'nan.safetensors'), nan, file.metadata);
    expect(() => loadCheckpoint(join(dir, 'nan.safetensors'))).toThrow(/tensor "actor\.0\.bias" holds NaN at index 1/);
    expect(() => loadCheckpoint(path, { config: { hidden: [8, 8] } })).toThrow(/trained with hidden = \[6,5\], not \[8,8\]/);
    const other = parseScenario({ distance: { comp: 50 } }, 'test');
    expect(() => loadCheckpoint(path, { scenario: other })).toThrow(/another scenario/);
    expect(() => loadCheckpoint(join(dir, 'nothing-here'))).toThrow(UserError);
    writeSafetensors(join(dir, 'foreign.safetensors'), { x: { dtype: 'F32', shape: [1], data: new Float32Array(1) } }, {});
    expect(() => loadCheckpoint(join(dir, 'foreign.safetensors'))).toThrow(/metadata has no "format"/);
  });

  it('loads the actor as a policy that acts like the trainer (no noise)', () => {
    const trainer = trainedSnapshot();
    const path = join(dir, 'policy.safetensors');
    writeCheckpoint(path, trainer.snapshot(), { config, scenario: DEFAULT_SCENARIO, device: 'cpu', progress: null });
    const policy = loadPolicy(path);
    expect(policy.sizes).toEqual([7, 6, 5, 7]);
    const states = Float64Array.from([1e-7, 5e-8, 2e-7, 1e-7, 3e6, 4e6, 8e6, 3e-7, 1e-8, 1e-7, 4e-7, 7e6, 2e6, 3e6]);
    expect(actorActions(policy.scenario, policy.sizes, policy.actor, config.shareFloor, states)).toEqual(trainer.actorAction(states));
  });
});
