// `megc bench --peers`: the JAX CPU peer (lara_jax.py) and `megc train` one after the other, time to 1% of OPT for both.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { UserError } from '../../src/errors.js';
import { SHADER_DIR } from '../../src/gpu/shaders.js';
import { checkWritableFile, ensureDirectory, writeFileAtomic } from '../../src/io/atomic.js';
import { DEFAULT_SCENARIO, scenarioToJson } from '../../src/scenario.js';
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from '../../src/train/config.js';
import { EVALSET_FILE, writeEvaluationSet, type EvaluationSetFile } from './evalset.js';
import { evaluationsFromCsv, formatRace, summarizeRace, trainingSecondsFromMetrics, type JaxPeerResult, type MegcRun, type RaceSummary } from './raceReport.js';

const ROOT = dirname(SHADER_DIR);
const PEERS = join(ROOT, 'bench', 'peers');
const VENV = join(PEERS, '.venv');
const VENV_PYTHON = join(VENV, 'bin', 'python');

export interface RaceOptions {
  /** Where the JSON goes: a file, or true for stdout (then all progress goes to stderr). Default runs/peers.json (of the working directory). */
  json?: string | true;
  adapter?: string;
  /** The JAX peer's recipe: the baseline (lara_jax.py's defaults: 128x2, 1,024 envs = batch, 4 updates) or megc's default config. */
  peerRecipe?: PeerRecipe;
  /** Extra flags for lara_jax.py (e.g. ['--seed', '2']), after the recipe's. */
  jaxArgs?: string[];
}

export type PeerRecipe = 'baseline' | 'megc';

/**
 * Iterations between both programs' evaluations during training (lara_jax.py --eval-every, megc train --eval-every):
 * each one's time to the target is its training seconds at its first evaluation below it.
 */
export const RACE_EVAL_EVERY = 50;

/** lara_jax.py's flags for megc's default config (the same recipe in JAX). */
export function megcRecipeFlags(c: TrainConfig = DEFAULT_TRAIN_CONFIG): string[] {
  return ['--hidden', c.hidden.join(','), '--envs', `${c.envs}`, '--batch', `${c.batch}`, '--updates', `${c.updatesPerIteration}`,
    '--iterations', `${c.iterations}`, '--lr-actor', `${c.lrActor}`, '--lr-critic', `${c.lrCritic}`, '--lr-decay', `${c.lrDecay}`,
    '--noise-start', `${c.noiseStart}`, '--noise-end', `${c.noiseEnd}`, '--gamma', `${c.gamma}`, '--tau', `${c.tau}`,
    '--replay-capacity', `${c.replayCapacity}`, '--share-floor', `${c.shareFloor}`, '--seed', `${c.seed}`];
}

/**
 * Runs a child process to completion with its output on our stderr or stdout; rejects, naming `label`, on a non-zero
 * exit. The child is sent SIGTERM if this process exits first (megc exits at once on a signal): no peer or `megc train`
 * keeps running after the race is stopped.
 */
export function runChild(label: string, command: string, args: string[], toStderr: boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', toStderr ? 2 : 1, 2] });
    const stopChild = () => { child.kill('SIGTERM'); };
    process.on('exit', stopChild);
    child.on('error', (error) => { process.off('exit', stopChild); reject(new UserError(`${label}: cannot run ${command}: ${error.message}`)); });
    child.on('exit', (code, signal) => {
      process.off('exit', stopChild);
      if (code === 0) resolve(); else reject(new UserError(`${label} failed (${signal ?? `exit code ${code}`})`));
    });
  });
}

/** bench/peers/.venv with jax[cpu] (requirements.txt), created when missing. */
async function ensureVenv(log: (line: string) => void, toStderr: boolean): Promise<void> {
  if (existsSync(VENV_PYTHON) && spawnSync(VENV_PYTHON, ['-c', 'import jax'], { stdio: 'ignore' }).status === 0) return;
  if (spawnSync('python3', ['--version'], { stdio: 'ignore' }).status !== 0) {
    throw new UserError('python3 not found: the JAX peer needs Python 3.10 or later with the venv module');
  }
  log(`creating ${VENV} with jax[cpu] (once)…`);
  await runChild('python3 -m venv', 'python3', ['-m', 'venv', VENV], toStderr);
  await runChild('pip install jax[cpu]', VENV_PYTHON, ['-m', 'pip', 'install', '--quiet', '-r', join(PEERS, 'requirements.txt')], toStderr);
}

/** The evaluation set and OPT's mean for the default scenario, cached under bench/peers/.cache (about 20 s to build). */
function ensureEvaluationSet(log: (line: string) => void): { path: string; file: EvaluationSetFile } {
  const key = createHash('sha256').update(JSON.stringify(scenarioToJson(DEFAULT_SCENARIO))).digest('hex').slice(0, 12);
  const dir = join(PEERS, '.cache', `evalset-${key}`);
  const path = join(dir, EVALSET_FILE);
  if (existsSync(path)) return { path, file: JSON.parse(readFileSync(path, 'utf8')) as EvaluationSetFile };
  log('computing the evaluation set and OPT on it (float64, once)…');
  mkdirSync(dir, { recursive: true });
  return { path, file: writeEvaluationSet(dir, DEFAULT_SCENARIO) };
}

/** The report's file: `json`, or runs/peers.json, relative to where megc runs (`cwd`), not to the package; undefined for stdout. */
export function peersReportPath(json: string | true | undefined, cwd = process.cwd()): string | undefined {
  return json === true ? undefined : resolve(cwd, json ?? join('runs', 'peers.json'));
}

export async function runPeerRace(options: RaceOptions = {}): Promise<RaceSummary> {
  const toStderr = options.json === true;
  const log = (line: string) => (toStderr ? console.error(line) : console.log(line));
  // The report's place is checked before the minutes of work, not after.
  const reportPath = peersReportPath(options.json);
  if (reportPath) {
    ensureDirectory(dirname(reportPath));
    checkWritableFile(reportPath);
  }
  if (!existsSync(join(PEERS, 'lara_jax.py'))) throw new UserError(`--peers needs the repository checkout (${join(PEERS, 'lara_jax.py')} is missing)`);
  await ensureVenv(log, toStderr);
  const evalset = ensureEvaluationSet(log);
  const work = mkdtempSync(join(tmpdir(), 'megc-peers-'));
  try {
    const recipe = options.peerRecipe ?? 'baseline';
    log(`== JAX peer (bench/peers/lara_jax.py, ${recipe === 'megc' ? "megc's default config" : "the baseline recipe"})`);
    const jaxJson = join(work, 'jax.json');
    const recipeFlags = recipe === 'megc' ? megcRecipeFlags() : [];
    await runChild('the JAX peer', VENV_PYTHON, [join(PEERS, 'lara_jax.py'), '--evalset', evalset.path, '--json', jaxJson,
      '--eval-every', `${RACE_EVAL_EVERY}`, ...recipeFlags, ...(options.jaxArgs ?? [])], toStderr);
    const jax = JSON.parse(readFileSync(jaxJson, 'utf8')) as JaxPeerResult;

    log('== megc train (default config)');
    const out = join(work, 'megc');
    const cli = join(ROOT, 'dist', 'src', 'cli', 'main.js');
    await runChild('megc train', process.execPath, [cli, 'train', '--out', out, '--no-progress', '--eval-every', `${RACE_EVAL_EVERY}`,
      ...(options.adapter ? ['--adapter', options.adapter] : [])], toStderr);
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')) as { train: MegcRun['config'] };
    const evaluation = JSON.parse(readFileSync(join(out, 'evaluation.json'), 'utf8')) as { slots: number; policies: { lara: { total: number } } };
    if (evaluation.slots !== evalset.file.slots) throw new Error(`megc evaluated on ${evaluation.slots} slots, the peer on ${evalset.file.slots}`);
    const megc: MegcRun = {
      config: config.train,
      trainSeconds: trainingSecondsFromMetrics(readFileSync(join(out, 'metrics.csv'), 'utf8')),
      laraLTotal: evaluation.policies.lara.total,
      evaluations: evaluationsFromCsv(readFileSync(join(out, 'evaluations.csv'), 'utf8')),
    };

    const summary = summarizeRace(jax, megc, evalset.file.opt.total, evalset.file.slots);
    log('');
    log(formatRace(summary));
    const report = JSON.stringify({ date: new Date().toISOString(), ...summary, jaxResult: jax, megcEvaluation: evaluation }, null, 2) + '\n';
    if (!reportPath) process.stdout.write(report);
    else {
      writeFileAtomic(reportPath, report);
      log(`wrote ${reportPath}`);
    }
    return summary;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
