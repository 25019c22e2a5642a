// megc eval / latency / solve end to end on the CPU path: outputs, JSON shape, and infeasible actions rejected.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectClose } from './helpers/expectClose.js';
import { megc } from './helpers/cli.js';

const ROOT = resolve(import.meta.dirname, '..');
const GOLDEN = resolve(ROOT, 'test/fixtures/golden-latency.csv');

const parse = (text: string) => {
  const [header, ...rows] = text.trim().split(/\r?\n/);
  const names = header.split(',');
  return rows.map((r) => Object.fromEntries(r.split(',').map((v, i) => [names[i], Number(v)])));
};

describe('megc eval, latency, solve', () => {
  const dir = mkdtempSync(join(tmpdir(), 'megc-env-cli-'));

  it('latency reproduces golden-latency.csv', () => {
    const out = join(dir, 'golden-out.csv');
    const r = megc(['latency', '--input', GOLDEN, '--output', out, '--device', 'cpu']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const got = parse(readFileSync(out, 'utf8'));
    const want = parse(readFileSync(GOLDEN, 'utf8'));
    const cols = ['l_comp', 'l_aigc', 'l_ve', 'l_total'];
    // Same tolerance as test/env.test.ts (the golden file's log2(1 + x) at small x).
    expectClose(got.flatMap((row) => cols.map((c) => row[c])), want.flatMap((row) => cols.map((c) => row[c])), { atol: 0, rtol: 2e-12 }, 'latency CSV');
  });

  it('rejects infeasible actions naming row and column, exits non-zero, writes nothing', () => {
    const lines = readFileSync(GOLDEN, 'utf8').trim().split(/\r?\n/);
    const header = lines[0].split(',');
    const cases: [string, string, RegExp][] = [
      ['beta', '1.5', /row 2 \(line 3\), column "beta": 1.5 is outside \[0, 1\]/],
      ['omega_comp', '0.9', /row 2 \(line 3\), column "omega_ve": omega_comp \+ omega_aigc \+ omega_ve = .* must be 1 within 0.000001/],
      ['d_ve', '-4', /row 2 \(line 3\), column "d_ve"/],
    ];
    for (const [column, value, message] of cases) {
      const cells = lines[2].split(',');
      cells[header.indexOf(column)] = value;
      const input = join(dir, `bad-${column}.csv`);
      const output = join(dir, `bad-${column}-out.csv`);
      writeFileSync(input, [lines[0], lines[1], cells.join(','), lines[3]].join('\n') + '\n');
      const r = megc(['latency', '--input', input, '--output', output, '--device', 'cpu']);
      expect(r.status).toBe(2);
      expect(r.stderr.trim().split('\n')[0]).toMatch(message);
      expect(existsSync(output)).toBe(false);
    }
  });

  it('solve gives OPT actions that are feasible and beat the input actions', () => {
    const out = join(dir, 'solved.csv');
    const r = megc(['solve', '--input', GOLDEN, '--output', out]);
    // The golden file has action and latency columns too: solve accepts only state columns.
    expect(r.status).toBe(2);
    const states = readFileSync(GOLDEN, 'utf8').trim().split(/\r?\n/).map((l) => l.split(',').slice(0, 7).join(',')).join('\n') + '\n';
    writeFileSync(join(dir, 'states.csv'), states);
    expect(megc(['solve', '--input', join(dir, 'states.csv'), '--output', out]).status).toBe(0);
    const solved = parse(readFileSync(out, 'utf8'));
    const golden = parse(readFileSync(GOLDEN, 'utf8'));
    solved.forEach((row, i) => {
      expect(row.l_total).toBeLessThanOrEqual(golden[i].l_total);
      expect(Math.abs(row.omega_comp + row.omega_aigc + row.omega_ve - 1)).toBeLessThan(1e-12);
    });
  });

  it('eval --json prints one object with the documented keys, and --gap', () => {
    const r = megc(['eval', '--policy', 'fra', '--slots', '2000', '--device', 'cpu', '--gap', '--json']);
    expect(r.status).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(Object.keys(result)).toEqual(['policy', 'slots', 'seed', 'comp', 'aigc', 've', 'total', 'gap']);
    expect(result.policy).toBe('fra');
    expect(result.total).toBeCloseTo(result.comp + result.aigc + result.ve, 10);
    expect(result.gap).toBeGreaterThan(0);
  });
});
