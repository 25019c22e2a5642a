// `megc figures --quick` end to end on the WebGPU trainer: real runs, nine figure files checked against the runs' data.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIGURE_FILES, FIGURE_PROFILES } from '../src/figures/pipeline.js';
import { readEvaluation, readMetrics } from '../src/figures/runs.js';
import { checkBarFigure, checkLineFigure, parseSvg, readTable, textsOf } from './figures-svg.js';

/* The CLI under test is the build (`npm test` builds it in pretest): node dist/src/cli/main.js. */
const ROOT = resolve(import.meta.dirname, '..');
const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');

function megc(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: ROOT, encoding: 'utf8', timeout: 900_000, env: { ...process.env, NO_COLOR: '1' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

// Two seeds and two learning rates keep this at four tiny runs (about 10 s each on lavapipe with 2 cores).
const ARGS = ['--quick', '--seeds', '1,2', '--lr-scales', '0.1,1'];

describe('megc figures --quick', () => {
  let out: string;
  let first: ReturnType<typeof megc>;

  beforeAll(() => {
    if (!existsSync(CLI)) {
      const build = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', ROOT], { encoding: 'utf8' });
      if (!existsSync(CLI)) throw new Error(`build failed: ${build.stdout}${build.stderr}`);
    }
    out = mkdtempSync(join(tmpdir(), 'megc-figures-cli-'));
    first = megc(['figures', '--out', out, ...ARGS]);
  }, 900_000);
  afterAll(() => { if (out) rmSync(out, { recursive: true, force: true }); });

  it('trains four runs and writes the nine files and the result table', () => {
    expect(first.stderr.split('\n').filter((l) => /error/i.test(l)), first.stderr).toEqual([]);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/4 run\(s\) trained .*, 0 reused/);
    expect(first.stdout).toMatch(/^LARA +\d/m);
    for (const name of Object.values(FIGURE_FILES)) {
      for (const ext of ['csv', 'svg', 'png']) expect(existsSync(join(out, `${name}.${ext}`)), `${name}.${ext}`).toBe(true);
    }
  });

  it('Fig. 3 and Fig. 4 carry the runs\' metrics (mean over seeds) as lines and bands', () => {
    const episodes = Math.ceil(FIGURE_PROFILES.quick.train.iterations! / 100);
    const reward = readTable(join(out, `${FIGURE_FILES.reward}.csv`));
    expect(reward.length).toBe(2 * episodes);
    const runs = [1, 2].map((seed) => readMetrics(join(out, 'runs', 'quick', 'lr-x0.1', `seed-${seed}`, 'metrics.csv')));
    const rows = reward.filter((r) => r.lr_scale === 0.1);
    rows.forEach((row, i) => expect(row.reward_mean).toBeCloseTo((runs[0].reward[i] + runs[1].reward[i]) / 2, 12));
    const fig3 = parseSvg(readFileSync(join(out, `${FIGURE_FILES.reward}.svg`), 'utf8'));
    checkLineFigure(fig3, reward, 'reward_mean', 'band_low', 'band_high');
    expect(textsOf(fig3, 'role-title-subtitle').join(' ')).toContain('seeds 1, 2');

    const latency = readTable(join(out, `${FIGURE_FILES.userLatency}.csv`));
    expect(latency.length).toBe(3 * episodes);
    const fig4 = parseSvg(readFileSync(join(out, `${FIGURE_FILES.userLatency}.svg`), 'utf8'));
    checkLineFigure(fig4, latency, 'latency_mean_s', 'band_low_s', 'band_high_s');
    expect(textsOf(fig4, 'role-axis-title')).toContain('Mean latency per slot (s)');
  });

  it('Fig. 5 carries the evaluations of the default-rate runs as bars', () => {
    const rows = readTable(join(out, `${FIGURE_FILES.policyLatency}.csv`));
    const evaluations = [1, 2].map((seed) => readEvaluation(join(out, 'runs', 'quick', 'lr-x1', `seed-${seed}`, 'evaluation.json')));
    for (const row of rows) {
      const policy = row.policy as 'lara' | 'fra' | 'rra' | 'opt';
      const user = row.user as 'comp' | 'aigc' | 've' | 'total';
      const mean = (evaluations[0].policies[policy][user] + evaluations[1].policies[policy][user]) / 2;
      expect(row.latency_mean_s, `${policy} ${user}`).toBeCloseTo(mean, 12);
    }
    // OPT is the lower bound of the total latency on the same evaluation states.
    const total = (policy: string) => Number(rows.find((r) => r.policy === policy && r.user === 'total')!.latency_mean_s);
    for (const policy of ['lara', 'fra', 'rra']) expect(total(policy)).toBeGreaterThanOrEqual(total('opt') * (1 - 1e-6));
    checkBarFigure(parseSvg(readFileSync(join(out, `${FIGURE_FILES.policyLatency}.svg`), 'utf8')), rows);
    // Runs at other learning rates are not evaluated (Fig. 5 does not use them).
    expect(existsSync(join(out, 'runs', 'quick', 'lr-x0.1', 'seed-1', 'evaluation.json'))).toBe(false);
  });

  it('a second call reuses every run', () => {
    const again = megc(['figures', '--out', out, ...ARGS]);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/0 run\(s\) trained \(none\), 4 reused/);
  }, 300_000);

  it('bad flags exit 2 with one line naming the flag', () => {
    const seeds = megc(['figures', '--out', out, '--quick', '--seeds', '1,x']);
    expect(seeds.status).toBe(2);
    expect(seeds.stderr).toMatch(/--seeds/);
    const scales = megc(['figures', '--out', out, '--quick', '--lr-scales', '0.1,3']);
    expect(scales.status).toBe(2);
    expect(scales.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^megc: error: --lr-scales: must include 1/)]);
  }, 300_000);
});
