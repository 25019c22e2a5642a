// A world run's trained actor through the CLI: `megc train --critic model` on a world (float64 trainer), then
// `megc eval --policy DIR` scores that actor on the world's evaluation set exactly as worldActorMeans does, takes the
// actor's scenario when --scenario is not given, finishes its association as the final evaluation's hybrids do
// (--finish), and refuses another world in one line.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPolicy } from '../src/train/checkpoint.js';
import { worldActorMeans, worldEvaluationStates, worldOptMeans } from '../src/train/worldActor.js';
import { worldOf } from '../src/world/world.js';
import { ensureBuilt, errorLines, megc } from './helpers/cli.js';

describe('a world actor through the CLI', () => {
  let dir: string;
  const run = () => join(dir, 'run');
  beforeAll(() => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'megc-world-actor-'));
    const r = megc(['train', '--scenario', 'scenarios/association.json', '--device', 'cpu', '--critic', 'model', '--iterations', '6',
      '--envs', '16', '--batch', '16', '--hidden', '16', '--no-eval', '--no-progress', '--out', run()]);
    expect(r.status, r.stderr).toBe(0);
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('evaluates the actor on its own world and the numbers are worldActorMeans\'', () => {
    const r = megc(['eval', '--policy', run(), '--slots', '40', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const got = JSON.parse(r.stdout) as { policy: string; total: number; comp: number; servers: number };
    const policy = loadPolicy(run());
    expect(policy.config.critic).toBe('model');
    const states = worldEvaluationStates(worldOf(policy.scenario), 40);
    const want = worldActorMeans(policy.scenario, policy.config, policy.actor, states).lara;
    expect(got.policy).toBe('lara');
    expect(got.servers).toBe(2);
    // Both are the float64 actor on the same 40 states: the same numbers, JSON-printed.
    expect(got.total).toBe(want.total);
    expect(got.comp).toBe(want.comp);
  });

  it('finishes the actor\'s association with OPT\'s allocation, and after a local search, as worldActorMeans\' hybrids', () => {
    const policy = loadPolicy(run());
    const want = worldActorMeans(policy.scenario, policy.config, policy.actor, worldEvaluationStates(worldOf(policy.scenario), 24));
    const got = (finish: string) => {
      const r = megc(['eval', '--policy', run(), '--finish', finish, '--slots', '24', '--json']);
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as { policy: string; total: number };
    };
    const opt = got('opt'), search = got('search');
    expect([opt.policy, search.policy]).toEqual(['lara assoc. + opt', 'lara assoc. + search + opt']);
    // The same float64 solves on the same 24 states: the same numbers.
    expect(opt.total).toBe(want.hybrid!.total);
    expect(search.total).toBe(want.searched!.total);
    expect(search.total).toBeLessThanOrEqual(opt.total);
    const r = megc(['eval', '--policy', 'fra', '--scenario', 'scenarios/association.json', '--finish', 'search', '--slots', '4']);
    expect(r.status).toBe(2);
    expect(errorLines(r.stderr)).toEqual(['megc: error: --finish search: needs a trained actor (--policy DIR) of a world where the policy associates users with servers; --policy fra is not one']);
  });

  it('resumes a world run of several users per type (its per-type means are not parts of L_total)', () => {
    const r = megc(['train', '--resume', run(), '--iterations', '9', '--out', join(dir, 'resumed'), '--no-eval', '--no-progress']);
    expect(r.status, r.stderr).toBe(0);
    expect(loadPolicy(join(dir, 'resumed')).iteration).toBe(9);
  });

  it('--eval-every on a world: evaluations.csv scores the actor as worldActorMeans does, against the world\'s OPT, which the final evaluation shares', () => {
    const out = join(dir, 'evaluated');
    const r = megc(['train', '--scenario', 'scenarios/association.json', '--device', 'cpu', '--critic', 'model', '--iterations', '6',
      '--envs', '16', '--batch', '16', '--hidden', '16', '--eval-slots', '24', '--eval-every', '3', '--no-progress', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    const rows = readFileSync(join(out, 'evaluations.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
    expect(rows.map((row) => row[0])).toEqual([3, 6]);
    const policy = loadPolicy(out);
    const world = worldOf(policy.scenario);
    const states = worldEvaluationStates(world, 24);
    const lara = worldActorMeans(policy.scenario, policy.config, policy.actor, states).lara;
    // The float64 actor of iteration 6 on the same 24 states: the same numbers, as printed.
    expect(rows[1].slice(2, 6)).toEqual([lara.comp, lara.aigc, lara.ve, lara.total]);
    const opt = worldOptMeans(world, states);
    expect(rows[1][6]).toBe(lara.total / opt.total - 1);
    // The final evaluation takes the same OPT (computed once for both) and gives the same LARA.
    const evaluation = JSON.parse(readFileSync(join(out, 'evaluation.json'), 'utf8'));
    expect(evaluation.policies.opt.total).toBe(opt.total);
    expect(evaluation.optExact).toBe(opt.exact);
    expect(evaluation.policies.lara.total).toBe(lara.total);
  });

  it('refuses another world, and the letter, in one line', () => {
    for (const scenario of ['scenarios/multi-users.json', 'scenarios/default.json']) {
      const r = megc(['eval', '--policy', run(), '--scenario', scenario, '--slots', '4']);
      expect(r.status).toBe(2);
      expect(errorLines(r.stderr)).toHaveLength(1);
      expect(r.stderr).toMatch(/the actor was trained on 6 users on 2 servers, not on/);
    }
  });

  it('refuses the model critic on the letter\'s world, and with gamma > 0, in one line', () => {
    for (const args of [['--device', 'cpu'], ['--device', 'cpu', '--scenario', 'scenarios/multi-users.json', '--gamma', '0.5']]) {
      const r = megc(['train', '--critic', 'model', '--iterations', '2', '--no-eval', '--no-progress', '--out', join(dir, 'refused'), ...args]);
      expect(r.status).toBe(2);
      expect(errorLines(r.stderr)).toHaveLength(1);
      expect(r.stderr).toMatch(/critic/);
    }
  });
});
