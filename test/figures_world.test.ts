// `megc figures --scenario` on a world of many users (scenarios/multi-users.json), end to end with tiny runs: the three
// figures, Fig. 5 per service type with LARA, FRA, RRA and OPT (the world's own, float64 on the CPU) from the run's
// evaluation, and Figs. 3 and 4 from its metrics.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIGURE_FILES } from '../src/figures/pipeline.js';
import { readEvaluation } from '../src/figures/runs.js';
import { checkBarFigure, parseSvg, readTable, textsOf } from './figures-svg.js';
import { ensureBuilt, megc } from './helpers/cli.js';

const SLOTS = 32;
/** One tiny run (one seed, the default learning rate): 20 iterations of 16 envs, OPT on 32 slots. */
const ARGS = ['--scenario', 'scenarios/multi-users.json', '--quick', '--seeds', '1', '--lr-scales', '1', '--iterations', '20',
  '--envs', '16', '--batch', '16', '--hidden', '16', '--eval-slots', String(SLOTS)];

describe('megc figures on a world', () => {
  let out: string;
  let run: ReturnType<typeof megc>;

  beforeAll(() => {
    ensureBuilt();
    out = mkdtempSync(join(tmpdir(), 'megc-figures-world-'));
    run = megc(['figures', '--out', out, ...ARGS], { timeout: 600_000 });
  }, 600_000);
  afterAll(() => { if (out) rmSync(out, { recursive: true, force: true }); });

  it('writes the three figures (CSV, SVG, PNG) and the result table', () => {
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/1 run\(s\) trained .*, 0 reused/);
    for (const name of Object.values(FIGURE_FILES)) {
      for (const ext of ['csv', 'svg', 'png']) expect(existsSync(join(out, `${name}.${ext}`)), `${name}.${ext}`).toBe(true);
    }
    expect(run.stdout).toMatch(/^OPT( +[\d.]+){4} +—$/m);
  });

  it('Fig. 5 has LARA, FRA, RRA and OPT per type and in total, finite, from the run\'s evaluation', () => {
    const rows = readTable(join(out, `${FIGURE_FILES.policyLatency}.csv`));
    expect([...new Set(rows.map((r) => r.policy))]).toEqual(['lara', 'fra', 'rra', 'opt']);
    expect(rows.length).toBe(16);
    for (const row of rows) expect(Number.isFinite(row.latency_mean_s) && Number(row.latency_mean_s) > 0, `${row.policy} ${row.user}`).toBe(true);
    const evaluation = readEvaluation(join(out, 'runs', 'quick', 'lr-x1', 'seed-1', 'evaluation.json'));
    expect(evaluation.slots).toBe(SLOTS);
    expect(evaluation.optExact).toBe(true);
    for (const row of rows) {
      const policy = row.policy as 'lara' | 'fra' | 'rra' | 'opt';
      expect(row.latency_mean_s, `${policy} ${row.user}`).toBe(evaluation.policies[policy][row.user as 'comp' | 'aigc' | 've' | 'total']);
    }
    const total = (policy: string) => Number(rows.find((r) => r.policy === policy && r.user === 'total')!.latency_mean_s);
    for (const policy of ['lara', 'fra', 'rra']) expect(total(policy)).toBeGreaterThanOrEqual(total('opt') * (1 - 1e-6));
    // The world's OPT (float64 on the CPU), as `megc eval --policy opt` computes it on the same states.
    const opt = megc(['eval', '--scenario', 'scenarios/multi-users.json', '--policy', 'opt', '--slots', String(SLOTS), '--json']);
    expect(opt.status, opt.stderr).toBe(0);
    expect((JSON.parse(opt.stdout) as { total: number }).total).toBeCloseTo(total('opt'), 9);
    const svg = parseSvg(readFileSync(join(out, `${FIGURE_FILES.policyLatency}.svg`), 'utf8'));
    checkBarFigure(svg, rows, 'Mean latency (s)');
    expect(textsOf(svg, 'role-title-subtitle').join(' ')).toContain('12 users on 1 server: per type the mean latency of an active user');
  });

  it('Figs. 3 and 4 carry the run\'s metrics', () => {
    expect(readTable(join(out, `${FIGURE_FILES.reward}.csv`)).length).toBe(1);
    const latency = readTable(join(out, `${FIGURE_FILES.userLatency}.csv`));
    expect(latency.map((r) => r.user)).toEqual(['comp', 'aigc', 've']);
    for (const row of latency) expect(Number.isFinite(row.latency_mean_s)).toBe(true);
    const fig4 = parseSvg(readFileSync(join(out, `${FIGURE_FILES.userLatency}.svg`), 'utf8'));
    expect(textsOf(fig4, 'role-axis-title')).toContain('Mean latency of an active user (s)');
  });
});
