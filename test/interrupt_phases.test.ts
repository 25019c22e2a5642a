// SIGINT / SIGTERM in every phase of a command, not only training: set-up, tuning, the final evaluation, `megc eval`
// on the CPU (OPT, a large set) and `megc solve` writing its CSV each end with 130 / 143 soon after the signal, keep what
// is complete, and leave no partial output; a CPU evaluation streams its set instead of holding it.
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluationStates } from '../src/env/evaluate.js';
import { STATE_COLUMNS } from '../src/env/layout.js';
import { formatCsv } from '../src/io/csv.js';
import { DEFAULT_SCENARIO } from '../src/scenario.js';
import { loadCheckpoint } from '../src/train/checkpoint.js';
import { childrenOf, ensureBuilt, startMegc, type Finished } from './helpers/cli.js';

/**
 * Seconds a command may take to end after the signal. Generous for a loaded machine (the commands below end within a
 * second or so), and far below what each takes when it finishes its work instead (a minute or more).
 */
const BOUND_SECONDS = 20;
/** Seconds to wait for the phase to begin. */
const PHASE_SECONDS = 120;

type Outcome = Finished & { hung: boolean; fired: boolean };

/**
 * Runs megc, sends `signal` once `phase(stdout, stderr)` holds (checked on output and every 50 ms), and waits at most
 * BOUND_SECONDS for it to end; a command still running then is killed with its children and reported as hung.
 */
async function interruptIn(args: string[], signal: 'SIGINT' | 'SIGTERM', phase: (stdout: string, stderr: string) => boolean,
                           options: { env?: NodeJS.ProcessEnv; onSent?: (pid: number) => void; boundSeconds?: number } = {}): Promise<Outcome> {
  let out = '', err = '';
  let fired = false;
  let sent: (() => void) | undefined;
  const sentSignal = new Promise<void>((resolve) => { sent = resolve; });
  const run = startMegc(args, (text) => { out = text; check(); }, (text) => { err = text; check(); }, { env: options.env });
  function check(): void {
    if (fired || !phase(out, err)) return;
    fired = true;
    options.onSent?.(run.child.pid!);
    run.child.kill(signal);
    sent!();
  }
  const poll = setInterval(check, 50);
  const ended = await Promise.race([run.done, sentSignal.then(() => null), new Promise<null>((r) => setTimeout(() => r(null), PHASE_SECONDS * 1000))]);
  clearInterval(poll);
  if (ended) return { ...ended, hung: false, fired };
  const bounded = await Promise.race([run.done, new Promise<null>((r) => setTimeout(() => r(null), (fired ? options.boundSeconds ?? BOUND_SECONDS : 0) * 1000))]);
  if (bounded) return { ...bounded, hung: false, fired };
  for (const pid of [...childrenOf(run.child.pid!), run.child.pid!]) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
  return { ...(await run.done), hung: true, fired };
}

const EXIT = { SIGINT: 130, SIGTERM: 143 } as const;
let dir: string;
let scenario: string;

function trainArgs(out: string, extra: string[]): string[] {
  return ['train', '--scenario', scenario, '--envs', '8', '--batch', '8', '--hidden', '8,8', '--updates', '1', '--iterations', '20',
    '--iterations-per-submit', '10', '--replay-capacity', '256', '--seed', '11', '--no-progress', '--out', out, ...extra];
}

beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'megc-interrupt-phases-'));
  scenario = join(dir, 'short_episodes.json');
  writeFileSync(scenario, JSON.stringify({ slotsPerEpisode: 10 }));
});

describe('megc train', () => {
  // OPT on the CPU over 500,000 slots takes minutes: a run that finished its evaluation instead would be far past the bound.
  it.each(['SIGINT', 'SIGTERM'] as const)('%s during the final evaluation: exits at once, keeps checkpoint and metrics, writes no evaluation', async (signal) => {
    const out = join(dir, `evaluation-${signal}`);
    const r = await interruptIn(trainArgs(out, ['--device', 'cpu', '--eval-slots', '500000']), signal, (stdout) => /\nevaluating on 500000/.test(stdout));
    expect(r.fired, r.stdout + r.stderr).toBe(true);
    expect(r.hung, `still evaluating ${BOUND_SECONDS} s after ${signal}: ${r.stderr}`).toBe(false);
    expect(r.code, r.stderr).toBe(EXIT[signal]);
    expect(r.stderr).toContain(`megc: ${signal}: stopped; the checkpoint and metrics in ${out} are kept, no evaluation is written`);
    expect(readdirSync(out).sort()).toEqual(['checkpoint.safetensors', 'config.json', 'metrics.csv']);
    expect(loadCheckpoint(out).snapshot.iteration).toBe(20);
  });

  it('SIGINT while setting up the GPU trainer: exit 130, the run directory it created is gone', async () => {
    const out = join(dir, 'setup');
    const r = await interruptIn(trainArgs(out, ['--device', 'gpu', '--tune', 'off']), 'SIGINT', () => existsSync(join(out, '.megc.lock')));
    expect(r.fired, r.stdout + r.stderr).toBe(true);
    expect(r.hung).toBe(false);
    expect(r.code, r.stderr).toBe(130);
    expect(r.stdout).not.toMatch(/iteration \d+\//);
    expect(existsSync(out), `left behind: ${existsSync(out) ? readdirSync(out) : ''}`).toBe(false);
  });

  it('SIGTERM while tuning the kernels: exit 143, no run directory, the tuning cache whole', async () => {
    const out = join(dir, 'tuning');
    const cache = mkdtempSync(join(dir, 'tune-cache-'));
    const tuned = join(cache, 'tune.json');
    // A fresh cache: the first kernel timed writes it, so the signal lands while the others are timed.
    const r = await interruptIn(trainArgs(out, ['--device', 'gpu', '--tune', 'quick']), 'SIGTERM', () => existsSync(tuned), { env: { MEGC_CACHE_DIR: cache } });
    expect(r.fired, r.stdout + r.stderr).toBe(true);
    expect(r.hung).toBe(false);
    expect(r.code, r.stderr).toBe(143);
    expect(r.stdout).not.toMatch(/iteration \d+\//);
    expect(existsSync(out), `left behind: ${existsSync(out) ? readdirSync(out) : ''}`).toBe(false);
    expect(Object.keys((JSON.parse(readFileSync(tuned, 'utf8')) as { entries: object }).entries).length).toBeGreaterThan(0);
    expect(readdirSync(cache)).toEqual(['tune.json']);
  });
});

describe('megc eval --device cpu', () => {
  it('SIGINT during OPT on the CPU (500,000 slots, minutes of work): exit 130, no result printed', async () => {
    const r = await interruptIn(['eval', '--policy', 'opt', '--slots', '500000', '--device', 'cpu'], 'SIGINT', (stdout) => /^evaluation set 1, 500000 slots/.test(stdout));
    expect(r.fired, r.stdout + r.stderr).toBe(true);
    expect(r.hung).toBe(false);
    expect(r.code, r.stderr).toBe(130);
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(1);
  });

  it('streams the evaluation set: RRA over 2^31 slots (more states than one typed array holds) runs in a small memory', async () => {
    let peakKiB = 0;
    const peakOf = (pid: number) => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    let seen = 0;
    const r = await interruptIn(['eval', '--policy', 'rra', '--slots', String(2 ** 31), '--device', 'cpu'], 'SIGTERM', (stdout) => {
      // A second of polls after the heading: the states are being drawn and scored by then.
      if (/^evaluation set 1, 2147483648 slots/.test(stdout)) seen++;
      return seen >= 20;
    }, { onSent: (pid) => { for (const worker of [pid, ...childrenOf(pid)]) peakKiB = Math.max(peakKiB, peakOf(worker)); } });
    expect(r.fired, r.stdout + r.stderr).toBe(true);
    expect(r.hung).toBe(false);
    expect(r.code, r.stderr).toBe(143);
    // Node itself takes about 60 MB; one step of 1,024 states a few hundred kB.
    expect(peakKiB).toBeGreaterThan(0);
    expect(peakKiB).toBeLessThan(400 * 1024);
  });
});

describe('megc solve --device cpu', () => {
  it('SIGTERM while OPT solves the first chunk of rows: exit 143, no output, no temporary', async () => {
    // 70,000 states: the first chunk, 65,536 rows, is 15 s of OPT or more; a slice of it well under the 10 s allowed here.
    const input = join(dir, 'states.csv');
    const states = evaluationStates(DEFAULT_SCENARIO, 70_000, 2);
    const rows = Array.from({ length: 70_000 }, (_, i) => Array.from(states.subarray(i * 7, i * 7 + 7)));
    writeFileSync(input, formatCsv(STATE_COLUMNS, rows));
    const output = join(dir, 'solved.csv');
    const temporary = () => readdirSync(dir).some((f) => f.startsWith('.solved.csv.tmp-'));
    const r = await interruptIn(['solve', '--input', input, '--output', output, '--device', 'cpu'], 'SIGTERM', temporary, { boundSeconds: 10 });
    expect(r.fired, r.stdout + r.stderr).toBe(true);
    expect(r.hung).toBe(false);
    expect(r.code, r.stderr).toBe(143);
    expect(existsSync(output)).toBe(false);
    expect(temporary()).toBe(false);
  });
});
