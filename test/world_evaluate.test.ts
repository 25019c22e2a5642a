// A world's evaluation set: the letter's shape scores as the letter's evaluation, chunking changes nothing, the shipped
// scenarios load, and `megc eval` on a world prints per-type means and the gap to OPT while letter-only commands refuse
// it in one line.
import { describe, expect, it, vi } from 'vitest';
import { evalWorld } from '../src/cli/evalWorld.js';
import { UserError } from '../src/errors.js';
import { evaluatePolicy } from '../src/env/evaluate.js';
import { EVAL_SEED, Stream } from '../src/rng/streams.js';
import { DEFAULT_SCENARIO, loadScenario } from '../src/scenario.js';
import { evaluateWorldPolicy, worldEvalSlots } from '../src/world/evaluate.js';
import { rolloutMeanWorld } from '../src/world/reference.js';
import { isLetter, worldOf } from '../src/world/world.js';
import { ensureBuilt, megc, ROOT } from './helpers/cli.js';

const SHIPPED = ['multi-users', 'multi-servers', 'association', 'large'];
const shipped = (name: string) => worldOf(loadScenario(`${ROOT}/scenarios/${name}.json`));

describe('evaluating a world', () => {
  it('the letter as a world scores FRA exactly as the letter\'s evaluation', async () => {
    const world = worldOf(DEFAULT_SCENARIO);
    const got = await evaluateWorldPolicy('fra', { world, count: 1500, seed: 2 });
    const want = await evaluatePolicy('fra', { scenario: DEFAULT_SCENARIO, count: 1500, seed: 2 });
    expect({ comp: got.comp, aigc: got.aigc, ve: got.ve, total: got.total }).toEqual(want);
    expect(got.requests).toEqual({ comp: 1500, aigc: 1500, ve: 1500 });
  });

  it('chunks change nothing, and the set is rolloutMeanWorld at the evaluation keys', async () => {
    const world = shipped('association');
    for (const policy of ['fra', 'rra'] as const) {
      const whole = await evaluateWorldPolicy(policy, { world, count: 300, seed: 1 });
      const chunked = await evaluateWorldPolicy(policy, { world, count: 300, seed: 1 }, 7);
      expect(chunked).toEqual(whole);
      const rollout = rolloutMeanWorld(world, policy, { envs: 300, slots: 1, firstEnv: 0, firstSlot: 0, stateSeed: EVAL_SEED, stateStream: Stream.evalStates, actionSeed: EVAL_SEED });
      expect(rollout).toEqual({ comp: whole.comp, aigc: whole.aigc, ve: whole.ve, total: whole.total });
    }
  });

  it('the shipped scenarios are worlds of the documented sizes, with the default set sizes', () => {
    const sizes = SHIPPED.map((name) => {
      const w = shipped(name);
      expect(isLetter(w)).toBe(false);
      return [w.servers.length, w.users.comp.count, w.users.aigc.count, w.users.ve.count, w.association, worldEvalSlots(w)];
    });
    expect(sizes).toEqual([[1, 4, 4, 4, 'nearest', 65536], [3, 4, 4, 4, 'nearest', 65536], [2, 2, 2, 2, 'policy', 65536], [8, 32, 32, 32, 'policy', 16384]]);
  });
});

describe('megc eval on a world', () => {
  ensureBuilt();
  it('prints per-type means (table and JSON) and refuses what it cannot do in one line', async () => {
    const json = megc(['eval', '--scenario', 'scenarios/multi-servers.json', '--policy', 'rra', '--slots', '100', '--json']);
    expect(json.stderr).toBe('');
    const r = JSON.parse(json.stdout) as Record<string, unknown>;
    expect(Object.keys(r)).toEqual(['policy', 'slots', 'seed', 'comp', 'aigc', 've', 'total', 'servers', 'users', 'requests']);
    expect(r.requests).toEqual({ comp: 400, aigc: 400, ve: 400 });
    expect(r.total).toBeGreaterThan(0);
    const latency = megc(['latency', '--scenario', 'scenarios/multi-users.json', '--input', 'none.csv', '--output', 'none-out.csv']);
    expect([latency.status, latency.stderr]).toEqual([2, 'megc: error: scenarios/multi-users.json: 12 users on 1 server: megc latency handles the letter\'s one server and three users only\n']);
    // The table and --gap in this process (each spawn costs seconds).
    const lines: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((line: string) => { lines.push(line); });
    try {
      const world = shipped('multi-servers');
      await evalWorld(world, { policy: 'fra', slots: 50, seed: 1, scenario: 'm.json' });
      expect(lines.join('\n')).toMatch(/^evaluation set 1, 50 slots, cpu \(float64\), scenario m.json: 12 users on 3 servers[^\n]*\npolicy +L_comp +L_aigc +L_ve +L_total\nfra +[\d.]+ +[\d.]+ +[\d.]+ +[\d.]+$/);
      lines.length = 0;
      await evalWorld(shipped('association'), { policy: 'fra', slots: 4, seed: 1, scenario: 'a.json', gap: true });
      expect(lines.slice(1).join('\n')).toMatch(/^policy +L_comp +L_aigc +L_ve +L_total\nfra( +[\d.]+){4}\nopt( +[\d.]+){4}\ngap to OPT \(exact\): [\d.]+%$/);
      await expect(evalWorld(world, { policy: 'bogus', slots: 50, seed: 1, scenario: 'm.json' })).rejects.toThrow('--policy bogus: unknown policy for this scenario\'s world (expected fra, rra, opt, maxsnr, random-assoc, lagrangian)');
      await expect(evalWorld(world, { policy: 'maxsnr', slots: 5, seed: 1, scenario: 'm.json' }))
        .rejects.toThrow(new UserError('--policy maxsnr: 12 users on 3 servers associated by the scenario\'s rule; an association baseline needs "association": "policy" and more than one server'));
    } finally { log.mockRestore(); }
  });
});
