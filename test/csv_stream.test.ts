// CSV commands in constant memory: the chunked reader holds one block and at most K rows, gives the tables parseCsv
// gives, and names file lines in later chunks; latency / solve / act in chunks equal one whole-file pass; a large file
// runs under a small heap; Ctrl-C leaves nothing; states outside the model's range are refused, not computed as Infinity.
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { runAct } from '../src/cli/act.js';
import { runLatency } from '../src/cli/latency.js';
import { runSolve } from '../src/cli/solve.js';
import { UserError } from '../src/errors.js';
import { parseCsv, type CsvReadOptions } from '../src/io/csv.js';
import { CsvChunkReader } from '../src/io/csvStream.js';
import { DEFAULT_SCENARIO } from '../src/scenario.js';
import { writeCheckpoint } from '../src/train/checkpoint.js';
import { parseTrainConfig } from '../src/train/config.js';
import { ReferenceTrainer } from '../src/train/reference.js';
import { ensureBuilt, errorLines, megc, ROOT, startMegc, waitFor } from './helpers/cli.js';

const GOLDEN = resolve(ROOT, 'test/fixtures/golden-latency.csv');
const STATE_COLUMNS = ['h_comp_off', 'h_aigc_back', 'h_ve_off', 'h_ve_back', 'd_comp', 'd_ve', 'd_aigc'];
let dir: string;

/** The chunks of `path` read with these sizes, as one table's columns (plain arrays). */
function readInChunks(path: string, options: CsvReadOptions, chunkRows: number, blockBytes: number): Record<string, number[]> {
  const columns: Record<string, number[]> = {};
  for (const chunk of new CsvChunkReader(path, options, { chunkRows, blockBytes })) {
    for (const [name, values] of Object.entries(chunk.columns)) (columns[name] ??= []).push(...values);
  }
  return columns;
}

const plain = (columns: Record<string, Float64Array>) => Object.fromEntries(Object.entries(columns).map(([k, v]) => [k, [...v]]));

/** A states-and-actions CSV of `rows` rows (golden row 2 repeated, d_comp made unique per row). */
function bigInput(path: string, rows: number): void {
  const [header, , second] = readFileSync(GOLDEN, 'utf8').split('\n');
  const names = header.split(',').slice(0, 14);
  const cells = second.split(',').slice(0, 14);
  const lines = [names.join(',')];
  for (let r = 0; r < rows; r++) { cells[4] = String(1e6 + r); lines.push(cells.join(',')); }
  writeFileSync(path, lines.join('\n') + '\n');
}

beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'megc-csv-stream-'));
  // A trained actor for megc act (3 iterations of the CPU reference).
  const config = parseTrainConfig({ envs: 4, batch: 4, hidden: [6], updatesPerIteration: 1, iterations: 5, replayCapacity: 12, seed: 3 });
  const trainer = new ReferenceTrainer(DEFAULT_SCENARIO, config);
  for (let i = 0; i < 3; i++) trainer.step();
  writeCheckpoint(join(dir, 'policy.safetensors'), trainer.snapshot(), { config, scenario: DEFAULT_SCENARIO, device: 'cpu', progress: null });
});

describe('CsvChunkReader', () => {
  it('holds one block and at most K rows at a time: every chunk has <= K rows and is handed on before the next block is read', () => {
    const path = join(dir, 'rows.csv');
    const lines = ['a,b', ...Array.from({ length: 5000 }, (_, i) => `${i},${i * 0.5}`)];
    writeFileSync(path, lines.join('\n') + '\n');
    const K = 64, block = 512;
    const reader = new CsvChunkReader(path, { required: ['a', 'b'] }, { chunkRows: K, blockBytes: block });
    let rowsSeen = 0;
    let bytesOfRowsSeen = lines[0].length + 1;
    for (const chunk of reader) {
      expect(chunk.rows).toBeLessThanOrEqual(K);
      expect(chunk.firstRow).toBe(rowsSeen + 1);
      expect(chunk.columns.a[0]).toBe(rowsSeen);
      rowsSeen += chunk.rows;
      bytesOfRowsSeen += lines.slice(chunk.firstRow, chunk.firstRow + chunk.rows).reduce((n, l) => n + l.length + 1, 0);
      // What the reader has read beyond the rows it handed on: less than one block.
      expect(reader.bytesRead - bytesOfRowsSeen).toBeLessThan(block);
    }
    expect(rowsSeen).toBe(5000);
    expect(reader.bytesRead).toBe(reader.totalBytes);
  });

  it('gives the table parseCsv gives, for any block and chunk sizes (CRLF, CR, BOM, multi-byte characters split)', () => {
    const options: CsvReadOptions = { required: ['a', 'b'], allowUnknown: true };
    const text = '\ufeffa,b,ü名\r\n1,2,é\r3,4e-3,名\n5,6,x\r\n\r\n';
    const path = join(dir, 'endings.csv');
    writeFileSync(path, text);
    const whole = plain(parseCsv(text, path, options).columns);
    fc.assert(fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 40 }), (chunkRows, blockBytes) => {
      expect(readInChunks(path, options, chunkRows, blockBytes)).toEqual(whole);
    }), { numRuns: 200 });
  });

  it.each([
    ['a,b\n' + '1,2\n'.repeat(700) + '1,x\n', 'row 701 (line 702), column "b": "x" is not a number'],
    ['a,b\n' + '1,2\n'.repeat(300) + '\n' + '1,2\n', 'row 301 (line 302) is empty; blank lines are only allowed at the end'],
    ['a,b\n', 'has a header but 0 data rows; at least 1 needed'],
    ['', 'the file is empty; expected a header row with columns a, b'],
    ['a,b\n1,2\n' + '1,2\n'.repeat(400) + '3,\0\n', 'not a text CSV file (contains NUL bytes)'],
  ])('errors name the file line wherever the chunk boundaries fall (%#)', (text, message) => {
    const path = join(dir, 'bad.csv');
    writeFileSync(path, text);
    expect(() => readInChunks(path, { required: ['a', 'b'] }, 50, 100)).toThrow(new UserError(`${path}: ${message}`));
    expect(() => parseCsv(text, path, { required: ['a', 'b'] })).toThrow(`${path}: ${message}`);
  });

  it('refuses a line longer than the limit instead of holding it', () => {
    const path = join(dir, 'one-line.csv');
    writeFileSync(path, 'a,b\n' + '1'.repeat(5000));
    const reader = new CsvChunkReader(path, { required: ['a', 'b'] }, { blockBytes: 256, maxLine: 1000 });
    expect(() => [...reader]).toThrow(`${path}: line 2 is longer than 1000 characters; not a CSV of numbers`);
  });
});

describe('latency, solve and act stream their input', () => {
  it('in chunks of 7 rows and 64-byte blocks they write exactly what one pass writes (CPU; latency on the GPU too)', async () => {
    const states = join(dir, 'states.csv');
    writeFileSync(states, readFileSync(GOLDEN, 'utf8').trim().split('\n').map((l) => l.split(',').slice(0, 7).join(',')).join('\n') + '\n');
    const small = { chunkRows: 7, blockBytes: 64 };
    const pairs: [string, (output: string, chunk?: typeof small) => Promise<void>][] = [
      ['latency-cpu', (output, chunk) => runLatency({ input: GOLDEN, output, device: 'cpu' }, chunk)],
      ['latency-gpu', (output, chunk) => runLatency({ input: GOLDEN, output, device: 'gpu' }, chunk)],
      ['solve', (output, chunk) => runSolve({ input: states, output, device: 'cpu' }, chunk)],
      ['act', (output, chunk) => runAct({ policy: join(dir, 'policy.safetensors'), input: states, output }, chunk)],
    ];
    for (const [name, run] of pairs) {
      await run(join(dir, `${name}-whole.csv`));
      await run(join(dir, `${name}-chunked.csv`), small);
      const whole = readFileSync(join(dir, `${name}-whole.csv`), 'utf8');
      expect(whole.trim().split('\n').length, name).toBe(50);
      expect(readFileSync(join(dir, `${name}-chunked.csv`), 'utf8'), name).toBe(whole);
    }
  });

  it('a bad row in a later chunk: one line naming its file line, and no output file', () => {
    const input = join(dir, 'late-bad.csv');
    bigInput(input, 3000);
    const lines = readFileSync(input, 'utf8').split('\n');
    lines[2500] = lines[2500].replace(/^[^,]+/, 'NaN');
    writeFileSync(input, lines.join('\n'));
    const output = join(dir, 'late-bad.out.csv');
    const result = megc(['latency', '--input', input, '--output', output, '--device', 'cpu']);
    expect(result.status).toBe(2);
    expect(errorLines(result.stderr)).toEqual([`megc: error: ${input}: row 2500 (line 2501), column "h_comp_off": NaN is not allowed`]);
    expect(readdirSync(dir).filter((f) => f.startsWith('late-bad.out') || f.includes('.tmp-'))).toEqual([]);
  });

  it('250,000 rows through megc latency under a 36 MB heap (a whole-file read needs more): every row written', () => {
    const input = join(dir, 'large.csv');
    bigInput(input, 250_000);
    const output = join(dir, 'large.out.csv');
    const result = megc(['latency', '--input', input, '--output', output, '--device', 'cpu'], { execArgv: ['--max-old-space-size=36'], timeout: 300_000 });
    expect(result.status, result.stderr.slice(0, 2000)).toBe(0);
    const text = readFileSync(output, 'utf8');
    const lines = text.trimEnd().split('\n');
    expect(lines.length).toBe(250_001);
    const last = lines[250_000].split(',');
    expect(Number(last[4])).toBe(1e6 + 249_999);
    expect(Number(last[17])).toBeCloseTo(Number(last[14]) + Number(last[15]) + Number(last[16]), 10);
  }, 300_000);

  it('SIGINT during a long megc latency: exit 130, no output, no temporary left', async () => {
    const input = join(dir, 'large.csv');
    if (!existsSync(input)) bigInput(input, 250_000);
    const output = join(dir, 'interrupted.csv');
    const temporary = () => readdirSync(dir).some((f) => f.startsWith('.interrupted.csv.tmp-'));
    const run = startMegc(['latency', '--input', input, '--output', output, '--device', 'cpu']);
    expect(await waitFor(temporary)).toBe(true);
    run.child.kill('SIGINT');
    const result = await run.done;
    expect(result.code, result.stderr).toBe(130);
    expect(existsSync(output)).toBe(false);
    expect(temporary()).toBe(false);
  });
});

describe('states outside the model\'s range', () => {
  it.each(['solve', 'latency', 'act'])('megc %s with d_comp = 1e308: refused naming row, column and limit (not Infinity)', (command) => {
    const states = join(dir, `huge-${command}.csv`);
    const golden = readFileSync(GOLDEN, 'utf8').trim().split('\n');
    const keep = command === 'latency' ? 14 : 7;
    const rows = golden.slice(0, 3).map((l) => l.split(',').slice(0, keep));
    rows[2][STATE_COLUMNS.indexOf('d_comp')] = '1e308';
    writeFileSync(states, rows.map((r) => r.join(',')).join('\n') + '\n');
    const output = join(dir, `huge-${command}.out.csv`);
    const extra = command === 'act' ? ['--policy', join(dir, 'policy.safetensors')] : command === 'latency' ? ['--device', 'cpu'] : [];
    const result = megc([command, '--input', states, '--output', output, ...extra]);
    expect(result.status, result.stderr).toBe(2);
    expect(errorLines(result.stderr)).toEqual([expect.stringMatching(/^megc: error: .*: row 2 \(line 3\), column "d_comp": 1e\+308 bits is outside the model's range \(at most 3\.40282e\+36 for this scenario/)]);
    expect(existsSync(output)).toBe(false);
  });

  it('the largest d_comp in range gives finite latencies', () => {
    const states = join(dir, 'edge.csv');
    const golden = readFileSync(GOLDEN, 'utf8').trim().split('\n').slice(0, 2).map((l) => l.split(',').slice(0, 7));
    golden[1][STATE_COLUMNS.indexOf('d_comp')] = String(3.4028234663852886e38 / 100);
    writeFileSync(states, golden.map((r) => r.join(',')).join('\n') + '\n');
    const output = join(dir, 'edge.out.csv');
    expect(megc(['solve', '--input', states, '--output', output]).status).toBe(0);
    const values = readFileSync(output, 'utf8').trim().split('\n')[1].split(',').map(Number);
    expect(values.slice(14).every(Number.isFinite)).toBe(true);
  });
});
