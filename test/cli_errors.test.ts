// End-to-end CLI errors: bad flags, CSVs and checkpoints exit non-zero with one line naming the problem, no stack, no output.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeCheckpoint, type TrainerSnapshot } from '../src/train/checkpoint.js';
import { actorSizes, criticSizes, filledRows } from '../src/train/checkpoint.js';
import { parseTrainConfig } from '../src/train/config.js';
import { REPLAY_STRIDE } from '../src/train/layout.js';
import { mlpLayout } from '../src/nn/layout.js';
import { DEFAULT_SCENARIO } from '../src/scenario.js';
import { ensureBuilt } from './helpers/cli.js';
import { directoryContents } from './helpers/runs.js';

/*
 * The CLI under test is the build (`npm test` runs the build in pretest): node dist/src/cli/main.js. Commands that
 * are not there yet fail here with "unknown command" until they land.
 */
const ROOT = resolve(import.meta.dirname, '..');
const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');

interface Result { status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

function megc(args: string[], cwd = ROOT): Result {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout: 120_000, env: { ...process.env, NO_COLOR: '1' } });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Asserts a user error: exit code 2, the first stderr line "megc: error: ..." matches `pattern`, at most one more line
 * (commander's usage hint), no stack trace, and none of `absent` exists afterwards.
 */
function expectUserError(result: Result, pattern: RegExp, absent: string[] = []): void {
  const lines = result.stderr.trimEnd().split('\n');
  const context = `stderr: ${result.stderr}\nstdout: ${result.stdout}`;
  expect(result.signal, context).toBeNull();
  expect(result.status, context).toBe(2);
  expect(lines[0], context).toMatch(/^megc: error: /);
  expect(lines[0], context).toMatch(pattern);
  expect(lines.length, context).toBeLessThanOrEqual(2);
  if (lines.length === 2) expect(lines[1]).toMatch(/^\(run megc --help for usage\)$/);
  expect(result.stderr, context).not.toMatch(/\n\s+at /);
  for (const path of absent) expect(existsSync(path), `${path} must not be created`).toBe(false);
}

let dir: string;
const STATE = 'h_comp_off,h_aigc_back,h_ve_off,h_ve_back,d_comp,d_ve,d_aigc';
const ACTION = 'alpha_off,alpha_back,beta,lambda,omega_comp,omega_aigc,omega_ve';
const GOOD_STATE_ROW = '1e-7,7e-8,1.5e-7,1.6e-7,4e6,5e6,9e6';
const GOOD_ACTION_ROW = '0.5,0.5,0.5,0.5,0.3333333333333333,0.3333333333333333,0.3333333333333334';
const TINY = { envs: 2, batch: 2, iterations: 10, hidden: [4], replayCapacity: 8, evalSlots: 16, seed: 3 };

/** A valid checkpoint of a tiny config (hidden [4]) after 2 iterations, written with the trainer's own writer. */
function writeTinyCheckpoint(runDir: string): void {
  mkdirSync(runDir, { recursive: true });
  const config = parseTrainConfig(TINY);
  const actorCount = mlpLayout(actorSizes(config)).parameterCount;
  const criticCount = mlpLayout(criticSizes(config)).parameterCount;
  const filled = (n: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i + 1) * 0.1);
  const iteration = 2;
  // Both iterations ran updates (batch 2 = envs 2): 2 x the default updates per iteration.
  const steps = 2 * config.updatesPerIteration;
  const snapshot: TrainerSnapshot = {
    iteration,
    actor: filled(actorCount), critic: filled(criticCount), actorTarget: filled(actorCount), criticTarget: filled(criticCount),
    actorAdam: { m: filled(actorCount), v: filled(actorCount).map(Math.abs), step: steps },
    criticAdam: { m: filled(criticCount), v: filled(criticCount).map(Math.abs), step: steps },
    replay: filled(filledRows(config, iteration) * REPLAY_STRIDE),
  };
  writeCheckpoint(join(runDir, 'checkpoint.safetensors'), snapshot, { config, scenario: DEFAULT_SCENARIO, device: 'cpu', progress: null });
  writeFileSync(join(runDir, 'metrics.csv'), 'episode,iteration,reward,l_comp,l_aigc,l_ve,l_total,critic_loss,actor_loss,wall_s,samples_per_s\n');
}

const snapshotDir = directoryContents;

beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'megc-cli-'));
  writeFileSync(join(dir, 'empty.csv'), '');
  writeFileSync(join(dir, 'header_only.csv'), `${STATE},${ACTION}\n`);
  writeFileSync(join(dir, 'wrong_header.csv'), `${STATE.replace('d_ve', 'd_vee')},${ACTION}\n${GOOD_STATE_ROW},${GOOD_ACTION_ROW}\n`);
  writeFileSync(join(dir, 'nan.csv'), `${STATE},${ACTION}\n${GOOD_STATE_ROW},${GOOD_ACTION_ROW}\n${GOOD_STATE_ROW.replace('5e6', 'NaN')},${GOOD_ACTION_ROW}\n`);
  writeFileSync(join(dir, 'text.csv'), `${STATE},${ACTION}\n${GOOD_STATE_ROW.replace('4e6', 'four')},${GOOD_ACTION_ROW}\n`);
  writeFileSync(join(dir, 'states_empty.csv'), '');
  writeFileSync(join(dir, 'states_wrong_header.csv'), `${STATE.replace('h_comp_off', 'h_comp')}\n${GOOD_STATE_ROW}\n`);
  writeFileSync(join(dir, 'states_nan.csv'), `${STATE}\n${GOOD_STATE_ROW.replace('1e-7', 'nan')}\n`);
  writeFileSync(join(dir, 'states_good.csv'), `${STATE}\n${GOOD_STATE_ROW}\n`);
  writeFileSync(join(dir, 'other_scenario.json'), JSON.stringify({ distance: { comp: 50 } }));
  writeFileSync(join(dir, 'bad_scenario.json'), JSON.stringify({ distance: { comp: -5 } }));
  // Run directories: a good one, a truncated checkpoint, a corrupted (one flipped byte) checkpoint.
  writeTinyCheckpoint(join(dir, 'good'));
  for (const name of ['truncated', 'corrupted']) writeTinyCheckpoint(join(dir, name));
  const truncated = readFileSync(join(dir, 'truncated', 'checkpoint.safetensors'));
  writeFileSync(join(dir, 'truncated', 'checkpoint.safetensors'), truncated.subarray(0, truncated.length - 100));
  const corrupted = readFileSync(join(dir, 'corrupted', 'checkpoint.safetensors'));
  corrupted[corrupted.length - 50] ^= 0x40;
  writeFileSync(join(dir, 'corrupted', 'checkpoint.safetensors'), corrupted);
});

describe('flags: unknown, non-numeric, out of range', () => {
  const out = () => join(dir, 'flags-out');
  it.each([
    [['--bogus'], /unknown option '--bogus'/],
    [['train', '--bogus'], /unknown option '--bogus'/],
    [['train', '--envs', 'abc'], /--envs.*'abc' is invalid.*expected an integer/],
    [['train', '--envs', '1.5'], /--envs.*'1\.5' is invalid/],
    [['train', '--envs', '0'], /--envs.*'0' is invalid.*\[1, /],
    [['train', '--batch', '-4'], /--batch.*'-4' is invalid/],
    [['train', '--lr-actor', 'NaN'], /--lr-actor.*'NaN' is invalid.*expected a number/],
    [['train', '--lr-actor', '0'], /--lr-actor.*'0' is invalid.*\(0, /],
    [['train', '--gamma', '1'], /--gamma.*'1' is invalid.*\[0, 0\.999\]/],
    [['train', '--hidden', '16,x'], /--hidden.*'16,x' is invalid/],
    [['train', '--seed', '4294967296'], /--seed.*'4294967296' is invalid/],
    [['train', '--device', 'tpu'], /--device.*'tpu' is invalid/],
    [['train', '--iterations', '5', '--episodes', '1'], /--iterations.*cannot be used with.*--episodes/],
    [['train', '--checkpoint-every', '-1'], /--checkpoint-every.*'-1' is invalid.*\[0, /],
    [['train', '--checkpoint-every', 'often'], /--checkpoint-every.*'often' is invalid.*expected a number/],
    [['train', '--eval-every', '0'], /--eval-every.*'0' is invalid/],
    [['train', '--eval-every', '2.5'], /--eval-every.*'2\.5' is invalid/],
    [['eval', '--policy', 'fra', '--slots', '0'], /--slots.*'0' is invalid/],
    [['eval', '--policy', 'fra', '--slots', 'many'], /--slots.*'many' is invalid/],
    [['latency', '--input', 'a.csv', '--output', 'b.csv', '--bogus'], /unknown option '--bogus'/],
    [['solve', '--input', 'a.csv', '--output', 'b.csv', '--device', 'tpu'], /--device.*'tpu' is invalid/],
  ])('megc %j', (args, pattern) => {
    expectUserError(megc([...args, ...(args[0] === 'train' ? ['--out', out()] : [])]), pattern, [out(), join(ROOT, 'b.csv')]);
  });

  it('batch larger than the replay buffer is refused before anything runs', () => {
    const out = join(dir, 'batch-out');
    expectUserError(megc(['train', '--batch', '64', '--replay-capacity', '32', '--envs', '4', '--out', out]),
      /batch \(64\) is larger than the replay buffer \(replayCapacity 32\)/, [out]);
  });

  it.each(['gpu', 'cpu'])('the model critic on the letter\'s world is refused before anything runs (--device %s)', (device) => {
    const out = join(dir, `letter-model-${device}`);
    expectUserError(megc(['train', '--critic', 'model', '--device', device, '--out', out]),
      /critic 'model': the model critic is implemented for generalised worlds; this scenario is the letter's world.*learned critic/, [out]);
  });

  it('a second run into a directory that holds a run is refused, and the run is kept byte for byte', () => {
    const out = join(dir, 'existing-run');
    const tiny = ['train', '--device', 'cpu', '--iterations', '3', '--envs', '4', '--batch', '4', '--hidden', '4,4', '--no-eval', '--out', out];
    expect(megc(tiny).status).toBe(0);
    const checkpoint = join(out, 'checkpoint.safetensors');
    const before = readFileSync(checkpoint);
    expectUserError(megc([...tiny, '--seed', '2']), /already holds a run .*--resume .*--force/);
    expect(readFileSync(checkpoint).equals(before)).toBe(true);
    expect(megc([...tiny, '--seed', '2', '--force']).status).toBe(0);
    expect(readFileSync(checkpoint).equals(before)).toBe(false);
  });

  it('a bad scenario file names the key and runs nothing', () => {
    const out = join(dir, 'scenario-out');
    expectUserError(megc(['train', '--scenario', join(dir, 'bad_scenario.json'), '--out', out]), /distance\.comp/, [out]);
    expectUserError(megc(['eval', '--policy', 'fra', '--scenario', join(dir, 'missing.json')]), /missing\.json/);
  });

  it('an eval policy that is neither a baseline nor a run directory is named', () => {
    expectUserError(megc(['eval', '--policy', join(dir, 'nothing-here')]), /nothing-here/);
  });

  it('--verbose adds the stack trace', () => {
    const result = megc(['--verbose', 'latency', '--input', join(dir, 'missing.csv'), '--output', join(dir, 'v.csv')]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/missing\.csv/);
    expect(result.stderr).toMatch(/\n\s+at /);
    expect(existsSync(join(dir, 'v.csv'))).toBe(false);
  });
});

describe('CSV input: empty, header only, wrong header, NaN, text; no output file', () => {
  const cases: [string, string, RegExp][] = [
    ['latency', 'empty.csv', /empty\.csv: the file is empty/],
    ['latency', 'header_only.csv', /header_only\.csv: has a header but 0 data rows/],
    ['latency', 'wrong_header.csv', /wrong_header\.csv: header \(line 1\): (unknown column "d_vee"|missing column d_ve)/],
    ['latency', 'nan.csv', /nan\.csv: row 2 \(line 3\), column "d_ve": NaN is not allowed/],
    ['latency', 'text.csv', /text\.csv: row 1 \(line 2\), column "d_comp": "four" is not a number/],
    ['latency', 'missing.csv', /missing\.csv: no such file/],
    ['solve', 'states_empty.csv', /states_empty\.csv: the file is empty/],
    ['solve', 'states_wrong_header.csv', /states_wrong_header\.csv: header \(line 1\): (unknown column "h_comp"|missing column h_comp_off)/],
    ['solve', 'states_nan.csv', /states_nan\.csv: row 1 \(line 2\), column "h_comp_off": NaN is not allowed/],
  ];
  it.each(cases)('megc %s --input %s', (command, file, pattern) => {
    const output = join(dir, `${command}-${file}.out.csv`);
    expectUserError(megc([command, '--input', join(dir, file), '--output', output]), pattern, [output]);
  });

  it.each([
    ['states_empty.csv', /states_empty\.csv: the file is empty/],
    ['states_nan.csv', /states_nan\.csv: row 1 \(line 2\), column "h_comp_off": NaN is not allowed/],
  ])('megc act --input %s', (file, pattern) => {
    const output = join(dir, `act-${file}.out.csv`);
    expectUserError(megc(['act', '--policy', join(dir, 'good'), '--input', join(dir, file), '--output', output]), pattern, [output]);
  });
});

describe('checkpoints: truncated, corrupted, shapes or scenario not matching the flags', () => {
  it.each(['truncated', 'corrupted'])('megc eval --policy <%s run>', (name) => {
    expectUserError(megc(['eval', '--policy', join(dir, name)]), new RegExp(`${name}/checkpoint\\.safetensors: .*(checksum mismatch|truncated)`));
  });

  it.each(['truncated', 'corrupted'])('megc act --policy <%s run> writes nothing', (name) => {
    const output = join(dir, `act-${name}.csv`);
    expectUserError(megc(['act', '--policy', join(dir, name), '--input', join(dir, 'states_good.csv'), '--output', output]),
      /checkpoint\.safetensors: .*(checksum mismatch|truncated)/, [output]);
  });

  it.each(['truncated', 'corrupted'])('megc train --resume <%s run> leaves the run directory untouched', (name) => {
    const before = snapshotDir(join(dir, name));
    expectUserError(megc(['train', '--resume', join(dir, name), '--device', 'cpu']), /checkpoint\.safetensors: .*(checksum mismatch|truncated)/);
    expect(snapshotDir(join(dir, name))).toEqual(before);
  });

  it('megc train --resume with other hidden sizes names the mismatch', () => {
    const before = snapshotDir(join(dir, 'good'));
    expectUserError(megc(['train', '--resume', join(dir, 'good'), '--hidden', '8,8', '--device', 'cpu']), /hidden/);
    expect(snapshotDir(join(dir, 'good'))).toEqual(before);
  });

  it('megc train --resume with another scenario names the mismatch', () => {
    const before = snapshotDir(join(dir, 'good'));
    expectUserError(megc(['train', '--resume', join(dir, 'good'), '--scenario', join(dir, 'other_scenario.json'), '--device', 'cpu']), /scenario/);
    expect(snapshotDir(join(dir, 'good'))).toEqual(before);
  });

  it('a safetensors file that is not a checkpoint is named', () => {
    const path = join(dir, 'foreign.safetensors');
    const header = '{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}    ';
    const bytes = Buffer.alloc(8 + header.length + 4);
    bytes.writeBigUInt64LE(BigInt(header.length));
    bytes.write(header, 8);
    writeFileSync(path, bytes);
    expectUserError(megc(['eval', '--policy', path]), /foreign\.safetensors: /);
  });
});
