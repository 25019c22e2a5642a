// `megc figures` stopped by a signal: exits 130 / 143 like train; the next call resumes the stopped run (never draws
// from it as if it were finished) and reuses only complete runs.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readCsv } from '../src/io/csv.js';
import { loadCheckpoint } from '../src/train/checkpoint.js';
import { ensureBuilt, errorLines, megc, startMegc } from './helpers/cli.js';

/** Two tiny CPU runs: lr x0.1 (not evaluated) first, then lr x1 (evaluated); 1,000 iterations = 10 episodes each. */
const ARGS = ['--quick', '--device', 'cpu', '--seeds', '1', '--lr-scales', '0.1,1', '--envs', '8', '--batch', '8', '--hidden', '8',
  '--iterations', '1000', '--eval-slots', '64'];
const FIRST = join('runs', 'quick', 'lr-x0.1', 'seed-1');

let dir: string;
beforeAll(() => { ensureBuilt(); dir = mkdtempSync(join(tmpdir(), 'megc-figures-resume-')); });

/** Starts megc figures into `out` and sends `signal` once the first run reports progress. */
async function stopFigures(out: string, signal: 'SIGINT' | 'SIGTERM') {
  let sent = false;
  const run = startMegc(['figures', '--out', out, ...ARGS], (text, child) => {
    if (!sent && /\n {2}iteration \d+\/1000/.test(text)) { sent = true; child.kill(signal); }
  });
  const result = await run.done;
  expect(sent, result.stdout + result.stderr).toBe(true);
  return result;
}

describe('megc figures and signals', () => {
  it.each([['SIGINT', 130], ['SIGTERM', 143]] as const)('%s during a training run: exit %i, one line saying how to continue', async (signal, code) => {
    const out = join(dir, `stopped-${signal}`);
    const result = await stopFigures(out, signal);
    expect(result.code, result.stderr).toBe(code);
    expect(errorLines(result.stderr).filter((l) => !l.startsWith(`megc: ${signal}: finishing`))).toEqual([
      expect.stringMatching(new RegExp(`^megc: ${signal}: figures stopped; run megc figures again to continue \\(finished runs are reused, .*lr-x0\\.1/seed-1 resumes\\)$`)),
    ]);
    expect(loadCheckpoint(join(out, FIRST)).snapshot.iteration).toBeLessThan(1000);
  });

  it('the next call resumes the stopped run to its end, then reuses only complete runs', async () => {
    const out = join(dir, 'stopped-SIGINT');
    const stoppedAt = loadCheckpoint(join(out, FIRST)).snapshot.iteration;
    const again = megc(['figures', '--out', out, ...ARGS], { timeout: 600_000 });
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toMatch(new RegExp(`run 1/2 .*lr-x0\\.1/seed-1: resuming \\(stopped at iteration ${stoppedAt} of 1000\\)`));
    expect(again.stdout).toMatch(/run 2\/2 .*lr-x1\/seed-1: training/);
    const metrics = readCsv(join(out, FIRST, 'metrics.csv'), { required: ['episode', 'iteration'], allowUnknown: true, nonNegative: false, allowInfinity: true });
    expect([...metrics.columns.iteration]).toEqual([100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]);
    // Fig. 3's CSV has all ten episodes of the resumed run.
    const fig3 = readFileSync(join(out, 'fig3-reward-vs-episode.csv'), 'utf8').trim().split('\n');
    expect(fig3.filter((l) => l.split(',')[1] === '0.1').length).toBe(10);
    const third = megc(['figures', '--out', out, ...ARGS], { timeout: 600_000 });
    expect(third.status, third.stderr).toBe(0);
    expect(third.stdout).toMatch(/0 run\(s\) trained \(none\), 2 reused/);
  }, 600_000);
});
