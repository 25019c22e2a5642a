// Checkpoints whose checksum is valid but whose content is not sound: NaN or infinite weights, forged progress or
// counters, sizes beyond the limits. Every loader (act, eval --policy, --resume, figures) refuses them with one line,
// exit 2, before allocating or writing anything.
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../src/errors.js';
import { FIGURE_PROFILES, runConfig } from '../src/figures/pipeline.js';
import { readSafetensors, writeSafetensors } from '../src/io/safetensorsFile.js';
import { DEFAULT_SCENARIO, parseScenario } from '../src/scenario.js';
import { loadCheckpoint, loadPolicy } from '../src/train/checkpoint.js';
import { parseTrainConfig } from '../src/train/config.js';
import { runTraining } from '../src/train/run.js';
import { ensureBuilt, errorLines, megc } from './helpers/cli.js';
import { directoryContents } from './helpers/runs.js';

let dir: string;
/** A stopped CPU run (iteration 6 of 20, 4-slot episodes: 1 finished episode and one in progress). */
let run: string;
const scenario = parseScenario({ slotsPerEpisode: 4 }, 'test');
const config = parseTrainConfig({ envs: 4, batch: 8, hidden: [8], updatesPerIteration: 2, iterations: 20, replayCapacity: 64, evalSlots: 32, seed: 4, iterationsPerSubmit: 2 });
const quiet = () => {};
const STATES = 'h_comp_off,h_aigc_back,h_ve_off,h_ve_back,d_comp,d_ve,d_aigc\n1e-7,7e-8,1.5e-7,1.6e-7,4e6,5e6,9e6\n';

const contents = directoryContents;

/** A copy of `source` whose checkpoint is changed by `edit` and written back with a valid checksum. */
function forged(name: string, edit: (tensors: ReturnType<typeof readSafetensors>['tensors'], metadata: Record<string, string>) => void, source = run): string {
  const copy = join(dir, name);
  cpSync(source, copy, { recursive: true });
  const path = join(copy, 'checkpoint.safetensors');
  const file = readSafetensors(path);
  edit(file.tensors, file.metadata);
  writeSafetensors(path, file.tensors, file.metadata);
  return copy;
}

/** Kernel plans for this run's networks (2 layers each) at its batches (training 8, acting 4), with `change` applied. */
const plansMeta = (change: (p: Record<string, any>) => void) => (_t: unknown, metadata: Record<string, string>) => {
  const layers = () => [0, 1].map(() => ({ kind: 'tiled', tile: { threadsX: 16, threadsY: 16, tileK: 16 } }));
  const plan = (batch: number, trainable: boolean) => ({ batch, forward: { kind: 'layers', layers: layers() },
    ...(trainable ? { backwardInput: { kind: 'layers', layers: layers() }, backwardWeight: { splits: 1, rowsPerSplit: batch, layers: layers() } } : {}) });
  const plans = { actor: [plan(8, true), plan(4, false)], critic: [plan(8, true)], reduce: { subgroups: false } };
  change(plans);
  metadata.plans = JSON.stringify(plans);
};

/** Edits the JSON of the checkpoint's progress metadata. */
const progress = (change: (p: Record<string, any>) => void) => (_t: unknown, metadata: Record<string, string>) => {
  const p = JSON.parse(metadata.progress);
  change(p);
  metadata.progress = JSON.stringify(p);
};

beforeAll(async () => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'megc-integrity-'));
  run = join(dir, 'run');
  const stopped = await runTraining({ scenario, config, device: 'cpu', out: run, log: quiet, handleSignals: false, evaluate: false, stopAfterIterations: 6 });
  expect(stopped.iterations).toBe(6);
  writeFileSync(join(dir, 'states.csv'), STATES);
});

describe('non-finite values with a valid checksum', () => {
  it.each([
    ['actor.0.weight', NaN, 'NaN'],
    ['critic.2.weight', Infinity, 'Infinity'],
    ['optimizer.actor.exp_avg_sq', -Infinity, '-Infinity'],
  ])('%s = %s: act, eval --policy and --resume refuse it with one line, exit 2', (tensor, value, shown) => {
    const bad = forged(`nonfinite-${tensor}`, (tensors) => { tensors[tensor].data[1] = value; });
    const message = new RegExp(`^megc: error: .*checkpoint\\.safetensors: tensor "${tensor.replace(/\./g, '\\.')}" holds ${shown} at index 1`);
    const output = join(dir, `act-${tensor}.csv`);
    const act = megc(['act', '--policy', bad, '--input', join(dir, 'states.csv'), '--output', output]);
    expect(act.status, act.stderr).toBe(2);
    expect(errorLines(act.stderr)).toEqual([expect.stringMatching(message)]);
    expect(existsSync(output)).toBe(false);
    const evaluation = megc(['eval', '--policy', bad, '--slots', '16', '--device', 'cpu']);
    expect(evaluation.status, evaluation.stderr).toBe(2);
    expect(errorLines(evaluation.stderr)).toEqual([expect.stringMatching(message)]);
    const before = contents(bad);
    const resume = megc(['train', '--resume', bad, '--no-progress']);
    expect(resume.status, resume.stderr).toBe(2);
    expect(errorLines(resume.stderr)).toEqual([expect.stringMatching(message)]);
    expect(contents(bad)).toEqual(before);
  });

  it('megc figures refuses a stopped run whose checkpoint holds NaN instead of resuming or reusing it', async () => {
    const out = join(dir, 'figures');
    const runDir = join(out, 'runs', 'quick', 'lr-x1', 'seed-1');
    const figureConfig = runConfig(FIGURE_PROFILES.quick, { iterations: 12, evalSlots: 64 }, 1, 1);
    // Trained, not yet evaluated: the figures would resume it (to evaluate it).
    await runTraining({ scenario: DEFAULT_SCENARIO, config: figureConfig, device: 'cpu', out: runDir, log: quiet, handleSignals: false, evaluate: false });
    forged('unused', (tensors) => { tensors['actor_target.0.weight'].data[0] = NaN; }, runDir);
    cpSync(join(dir, 'unused', 'checkpoint.safetensors'), join(runDir, 'checkpoint.safetensors'));
    const result = megc(['figures', '--out', out, '--quick', '--seeds', '1', '--lr-scales', '1', '--iterations', '12', '--eval-slots', '64', '--device', 'cpu']);
    expect(result.status, result.stderr).toBe(2);
    expect(errorLines(result.stderr)).toEqual([expect.stringMatching(/checkpoint\.safetensors: tensor "actor_target\.0\.weight" holds NaN at index 0/)]);
    expect(readSafetensors(join(runDir, 'checkpoint.safetensors')).metadata.iteration).toBe('12');
    expect(existsSync(join(runDir, 'evaluation.json'))).toBe(false);
  });
});

describe('forged metadata is refused on --resume before anything is written', () => {
  const resume = (out: string) => runTraining({ out, resume: true, log: quiet, handleSignals: false, evaluate: false });

  it.each([
    ['a NaN sum (JSON null)', progress((p) => { p.episode.reward = null; }), /metadata progress: episode\.reward: /],
    ['a negative count', progress((p) => { p.episodesWritten = -1; }), /metadata progress: episodesWritten: /],
    ['episodes that do not fit the iteration', progress((p) => { p.episodesWritten = 0; }), /episodesWritten is 0, but 6 iterations of 4 slots make 1 episodes/],
    ['rows not matching the episodes', progress((p) => { p.rows = []; }), /0 rows for 1 finished episodes/],
    ['a row that is not a measure', progress((p) => { p.rows[0] = p.rows[0].replace(/^1,4,[^,]+/, '1,4,NaN'); }), /row 1 holds a reward or latency that is not a finite measure/],
    ['a row numbered wrongly', progress((p) => { p.rows[0] = p.rows[0].replace(/^1,4,/, '2,4,'); }), /row 1 is numbered episode 2, expected 1/],
    ['an episode in progress of the wrong length', progress((p) => { p.episode.iterations = 1; }), /the episode in progress has 1 iterations, expected 2/],
    ['Adam steps that the iterations did not make', (_t: unknown, m: Record<string, string>) => { m.actor_step = '999'; }, /metadata actor_step is "999" but the counters tensor says/],
    ['counters the iterations did not make', (t: Record<string, { data: { [i: number]: number } }>, m: Record<string, string>) => { t.counters.data[1] = 7; m.actor_step = '7'; }, /Adam steps are 7 \(actor\) and \d+ \(critic\), but 6 iterations of this config make \d+/],
    ['a seed other than the config\'s', (_t: unknown, m: Record<string, string>) => { m.seed = '5'; }, /metadata seed is "5", the config's is 4/],
    ['totals that are not the sums of their parts', progress((p) => { p.episode.reward = -1e300; p.episode.lTotal = 1e300; }),
      /metadata progress: the sums of the episode in progress are not their own sums: L_total 1e\+300 is not L_comp \+ L_aigc \+ L_ve = /],
    ['a reward that is not -L_total', progress((p) => { p.episode.reward = -1e-3; }), /reward -0\.001 is not -L_total = /],
    ['a finished row whose L_total is not its parts', progress((p) => { const f = p.rows[0].split(','); f[6] = String(Number(f[6]) * 2); f[2] = String(-Number(f[6])); p.rows[0] = f.join(','); }),
      /row 1 holds measures that are not their own sums: L_total/],
    ['an evaluation after the checkpoint\'s iteration', progress((p) => { p.evaluations = ['4,0,0.3,2.4,2.1,4.8,0.01', '7,0,0.3,2.4,2.1,4.8,0.01']; }),
      /metadata progress: evaluation row 2 evaluates iteration 7, not after 4 and at most 6/],
    ['an evaluation that is not a measure', progress((p) => { p.evaluations = ['4,0,0.3,2.4,NaN,4.8,0.01']; }), /evaluation row 1 holds a field that is not a number/],
    ['evaluations against two OPTs', progress((p) => { p.evaluations = ['2,0,0.3,2.4,2.1,4.8,0.01', '4,0,0.3,2.4,2.1,4.8,0.5']; }),
      /evaluation row 2's gap is against OPT 3\.2, the rows before against 4\.75248;/],
    ['plans whose weight gradient covers 1 row of the batch of 8', plansMeta((p) => { p.actor[0].backwardWeight.rowsPerSplit = 1; }),
      /metadata plans: kernel plans: actor\.0\.backwardWeight\.rowsPerSplit: 1 splits x 1 rows cover 1 of the batch's 8 rows; .*forged or corrupted/],
    ['plans with fewer layers than the network', plansMeta((p) => { p.critic[0].forward.layers.pop(); }),
      /metadata plans: kernel plans: critic\.0\.forward\.layers: 1 variants for a network of 2 layers/],
    ['plans for another batch', plansMeta((p) => { p.actor[1].batch = 5; }), /kernel plans: actor\.1\.batch: 5 is not a batch this run runs the actor at \(8 \(training\), 4 \(acting\)\)/],
    ['plans without the training batch\'s weight gradient', plansMeta((p) => { delete p.critic[0].backwardWeight; }), /kernel plans: critic\.0\.backwardWeight: missing/],
  ])('%s', async (name, edit, message) => {
    const bad = forged(`progress-${name.replace(/\W+/g, '-')}`, edit as Parameters<typeof forged>[1]);
    const before = contents(bad);
    await expect(resume(bad)).rejects.toThrow(UserError);
    await expect(resume(bad)).rejects.toThrow(message);
    expect(contents(bad)).toEqual(before);
  });

  it('the CLI: one line, exit 2, no NaN row written', () => {
    const bad = forged('cli-progress', progress((p) => { p.episode.lTotal = null; }));
    const before = contents(bad);
    const result = megc(['train', '--resume', bad, '--no-progress']);
    expect(result.status, result.stderr).toBe(2);
    expect(errorLines(result.stderr)).toEqual([expect.stringMatching(/^megc: error: .*checkpoint\.safetensors: metadata progress: episode\.lTotal: .*forged or corrupted/)]);
    expect(contents(bad)).toEqual(before);
  });

  it('the untouched run resumes, and its metrics hold no NaN measure', async () => {
    const good = join(dir, 'good-copy');
    cpSync(run, good, { recursive: true });
    const result = await resume(good);
    expect(result.iterations).toBe(20);
    const rows = readFileSync(join(good, 'metrics.csv'), 'utf8').trim().split('\n').slice(1);
    expect(rows.length).toBe(5);
    for (const row of rows) expect(row.split(',').slice(2, 7).every((v) => Number.isFinite(Number(v)))).toBe(true);
  });
});

describe('sizes beyond the limits are refused before anything is allocated', () => {
  it.each([
    ['200 hidden layers of 4,096', Array(200).fill(4096), /hidden: 200 hidden layers, more than the 16 megc supports/],
    ['8 hidden layers of 4,096', Array(8).fill(4096), /hidden: the critic would have \d+ parameters, more than the 67108864 megc supports/],
  ])('%s in a checksum-valid checkpoint', (name, hidden, message) => {
    const big = forged(`sizes-${hidden.length}`, (_t, metadata) => {
      metadata.config = JSON.stringify({ ...JSON.parse(metadata.config), hidden });
    });
    expect(() => loadPolicy(big)).toThrow(message);
    expect(() => loadCheckpoint(big)).toThrow(message);
    const output = join(dir, `act-sizes-${hidden.length}.csv`);
    const result = megc(['act', '--policy', big, '--input', join(dir, 'states.csv'), '--output', output]);
    expect(result.status, result.stderr).toBe(2);
    expect(errorLines(result.stderr)).toEqual([expect.stringMatching(message)]);
    expect(existsSync(output)).toBe(false);
  });

  it('--hidden beyond the limits is refused as a flag', () => {
    const result = megc(['train', '--hidden', Array(17).fill(8).join(','), '--out', join(dir, 'never')]);
    expect(result.status).toBe(2);
    expect(errorLines(result.stderr)).toEqual([expect.stringMatching(/^megc: error: --hidden: 17 hidden layers, more than the 16 megc supports$/)]);
    expect(existsSync(join(dir, 'never'))).toBe(false);
  });
});
