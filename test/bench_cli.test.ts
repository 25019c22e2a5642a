// `megc bench` as a user runs it from another folder: the report records this package's version, and --peers writes
// its report relative to the working directory (checked before any work), never into the package.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { peersReportPath } from '../bench/peers/race.js';
import { BENCH_SECTIONS, defaultBenchSections, type BenchReport } from '../bench/suite.js';
import { ensureBuilt, megc, ROOT } from './helpers/cli.js';

const PACKAGE_VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

let cwd: string;
beforeAll(() => {
  ensureBuilt();
  cwd = mkdtempSync(join(tmpdir(), 'megc-bench-cli-'));
});

describe('megc bench', () => {
  it('--json records the package version (run from dist/, in another folder)', () => {
    const r = megc(['bench', '--quick', '--only', 'env', '--device', 'cpu', '--json'], { cwd });
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { versions: Record<string, string> };
    expect(report.versions.megc).toBe(PACKAGE_VERSION);
    expect(report.versions.node).toBe(process.version);
    expect(report.versions.webgpu).toMatch(/^\d+\.\d+/);
  });

  it('runs the world section by default on a hardware adapter only', () => {
    expect(BENCH_SECTIONS).toContain('world');
    expect(defaultBenchSections(false)).toEqual([...BENCH_SECTIONS]);
    expect(defaultBenchSections(true)).toEqual(['peaks', 'env', 'nn', 'train']);
    expect(defaultBenchSections(null)).toEqual(['peaks', 'env', 'nn', 'train']);
  });

  it('--only world --world FILE: rollout env-steps/s and user-steps/s, GPU and CPU; training iterations with the model critic', () => {
    // A small world (6 users on 2 servers, association by the policy): its kernels build in seconds.
    const world = join(cwd, 'tiny.json');
    writeFileSync(world, JSON.stringify({ servers: [{}, { position: [100, 0] }], users: { comp: { count: 2, distance: [30, 90] },
      aigc: { count: 2, positions: [[0, 5], [90, 0]] }, ve: { count: 2, activity: 0.5 } }, association: 'policy' }));
    const r = megc(['bench', '--only', 'world', '--world', world, '--tune', 'off', '--json'], { cwd, timeout: 300_000 });
    expect(r.status, r.stderr).toBe(0);
    const { rows } = JSON.parse(r.stdout) as BenchReport;
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row.section).toBe('world');
      expect(row.params.world).toBe('tiny');
      expect(Number.isFinite(row.value.median) && row.value.min > 0, `${row.name} ${row.unit}`).toBe(true);
      expect(row.value.min <= row.value.median && row.value.median <= row.value.max).toBe(true);
    }
    const find = (name: string, device: string, unit: string, params: Record<string, number | string>) =>
      rows.filter((x) => x.name === name && x.device === device && x.unit === unit && Object.entries(params).every(([k, v]) => x.params[k] === v));
    // The rollouts at their sizes, each once per unit; user-steps are env-steps x 6 users.
    for (const [name, device, sizes] of [['rollout', 'gpu', [1e3, 1e4]], ['reference', 'cpu', [100, 1000]]] as const) {
      for (const policy of ['fra', 'rra']) {
        for (const n of sizes) {
          const env = find(`${name} ${policy}`, device, 'env-steps/s', { n, users: 6 });
          const user = find(`${name} ${policy}`, device, 'user-steps/s', { n, users: 6 });
          expect(env, `${name} ${policy} ${n}`).toHaveLength(1);
          expect(user).toHaveLength(1);
          expect(user[0].value.median).toBeCloseTo(env[0].value.median * 6, 6);
        }
      }
    }
    // Training: the GPU trainer at (256, 256) and the CPU reference at (1, 16), hidden 256x2, 1 update.
    for (const [device, envs, batch] of [['gpu', 256, 256], ['cpu', 1, 16]] as const) {
      const params = { envs, batch, hidden: '256,256', updates: 1 };
      const name = `train ${envs}x${batch}, model critic`;
      const iterations = find(name, device, 'iterations/s', params);
      const samples = find(name, device, 'samples/s', params);
      expect(iterations, name).toHaveLength(1);
      expect(samples).toHaveLength(1);
      expect(samples[0].value.median).toBeCloseTo(iterations[0].value.median * batch, 6);
    }
    // The GPU iteration's dispatches: a whole number, at least the model gradient's and the actor's forward, backward and Adam.
    const [dispatches] = find('train 256x256, model critic', 'gpu', 'dispatches/iteration', {});
    expect(Number.isInteger(dispatches.value.median) && dispatches.value.median >= 4).toBe(true);
    expect(find('train 1x16, model critic', 'cpu', 'dispatches/iteration', {})).toHaveLength(0);
    expect(rows).toHaveLength(2 * 2 * 2 * 2 + 2 + 3);
  }, 300_000);

  it('--world refuses the letter\'s world, and a world without its section, in one line', () => {
    const letter = megc(['bench', '--only', 'world', '--world', join(ROOT, 'scenarios', 'default.json')], { cwd });
    expect(letter.status, letter.stderr).toBe(2);
    expect(letter.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(letter.stderr).toContain("the letter's world");
    const unselected = megc(['bench', '--only', 'env', '--device', 'cpu', '--world', join(ROOT, 'scenarios', 'multi-users.json')], { cwd });
    expect(unselected.status, unselected.stderr).toBe(2);
    expect(unselected.stderr).toContain('--world: the world section is not selected');
  });

  it('--peers writes runs/peers.json under the working directory, not the package', () => {
    expect(peersReportPath(undefined, cwd)).toBe(join(cwd, 'runs', 'peers.json'));
    expect(peersReportPath('out/race.json', cwd)).toBe(join(cwd, 'out', 'race.json'));
    expect(peersReportPath(true, cwd)).toBeUndefined();
    // A file named runs in the working directory blocks that place: refused at once, naming it, before any work.
    const blocked = mkdtempSync(join(tmpdir(), 'megc-bench-peers-'));
    writeFileSync(join(blocked, 'runs'), 'not a folder\n');
    const r = megc(['bench', '--peers'], { cwd: blocked, timeout: 60_000 });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(join(blocked, 'runs'));
    expect(readFileSync(join(blocked, 'runs'), 'utf8')).toBe('not a folder\n');
  });
});
