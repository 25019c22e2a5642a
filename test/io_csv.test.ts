// Tests of the strict CSV reader/writer: every bad input is a one-line UserError naming file, row and column.
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatCsv, parseCsv, readCsv, writeCsvAtomic, type CsvReadOptions } from '../src/io/csv.js';
import { UserError } from '../src/errors.js';

const STATE = ['h_comp_off', 'h_aigc_back', 'h_ve_off', 'h_ve_back', 'd_comp', 'd_ve', 'd_aigc'];
const LATENCY = ['l_comp', 'l_aigc', 'l_ve', 'l_total'];
const options: CsvReadOptions = { required: ['a', 'b'], optional: ['c'] };

function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'megc-csv-'));
}

/** The UserError message parse throws (fails the test if it throws nothing or something else). */
function errorOf(text: string, opts: CsvReadOptions = options): string {
  try {
    parseCsv(text, 'in.csv', opts);
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error(`no error for ${JSON.stringify(text)}`);
}

describe('parseCsv accepts good input', () => {
  it('reads columns in any order, CRLF, BOM, spaces, quotes, trailing blank lines; optional columns', () => {
    const table = parseCsv('\ufeffb, "a"\r\n2,1\r\n4.5e-3,  3\r\n\r\n', 'x.csv', options);
    expect(table.rows).toBe(2);
    expect([...table.columns.a]).toEqual([1, 3]);
    expect([...table.columns.b]).toEqual([2, 0.0045]);
    expect(table.columns.c).toBeUndefined();
    const withC = parseCsv('a,b,c\n1,2,3\n', 'x.csv', options);
    expect([...withC.columns.c]).toEqual([3]);
  });

  it('reads every float64 exactly as written by the writer (round trip)', () => {
    const values = [0, 1, 0.1, 1 / 3, Math.PI * 1e-300, 5e-324, 1.7976931348623157e308, 123456789.123456789, 2 ** -1074];
    const text = formatCsv(['a', 'b'], values.map((v, i) => [v, values[values.length - 1 - i]]));
    const table = parseCsv(text, 'x.csv', options);
    expect([...table.columns.a]).toEqual(values);
    // A zero written with any exponent is zero (only a non-zero number that would round to 0 is out of range).
    expect([...parseCsv('a,b\n0e-400,0.000e-9999\n', 'x.csv', options).columns.b]).toEqual([0]);
  });

  it('accepts Infinity only where allowed, negatives only where allowed', () => {
    const table = parseCsv('a,b\nInfinity,-2\n', 'x.csv', { required: ['a', 'b'], allowInfinity: ['a'], nonNegative: ['a'] });
    expect(table.columns.a[0]).toBe(Infinity);
    expect(table.columns.b[0]).toBe(-2);
    expect(errorOf('a,b\n1,Infinity\n', { required: ['a', 'b'], allowInfinity: ['a'] })).toBe('in.csv: row 1 (line 2), column "b": Infinity is not allowed here');
  });

  it('ignores unknown columns only with allowUnknown', () => {
    const table = parseCsv('a,zzz,b\n1,x,2\n', 'x.csv', { ...options, allowUnknown: true });
    expect(Object.keys(table.columns).sort()).toEqual(['a', 'b']);
  });
});

describe('parseCsv rejects bad input with a message naming the problem', () => {
  it.each([
    ['', 'in.csv: the file is empty; expected a header row with columns a, b'],
    ['\n\n  \n', 'in.csv: the file is empty; expected a header row with columns a, b'],
    ['a,b\n', 'in.csv: has a header but 0 data rows; at least 1 needed'],
    ['1,2\n3,4\n', 'in.csv: header (line 1): the first line looks like data; expected a header row with columns a, b'],
    ['a\n1\n', 'in.csv: header (line 1): missing column b'],
    ['x,y\n1,2\n', 'in.csv: header (line 1): unknown column "x"; known columns: a, b, c'],
    ['a,b,a\n1,2,3\n', 'in.csv: header (line 1): duplicate column "a" (columns 1 and 3)'],
    ['a,,b\n1,2,3\n', 'in.csv: header (line 1): column 2 has no name; expected a header row with columns a, b'],
    ['a,b\n1,2,3\n', 'in.csv: row 1 (line 2) has 3 fields, the header has 2'],
    ['a,b\n1,2\n5\n', 'in.csv: row 2 (line 3) has 1 field, the header has 2'],
    ['a,b\n1,2\n\n3,4\n', 'in.csv: row 2 (line 3) is empty; blank lines are only allowed at the end'],
    ['a,b\n1,abc\n', 'in.csv: row 1 (line 2), column "b": "abc" is not a number'],
    ['a,b\n1,0x10\n', 'in.csv: row 1 (line 2), column "b": "0x10" is not a number'],
    ['a,b\n1,\n', 'in.csv: row 1 (line 2), column "b": the cell is empty'],
    ['a,b\nNaN,1\n', 'in.csv: row 1 (line 2), column "a": NaN is not allowed'],
    ['a,b\n1,nan\n', 'in.csv: row 1 (line 2), column "b": NaN is not allowed'],
    ['a,b\n1,2\n-1,2\n', 'in.csv: row 2 (line 3), column "a": -1 is negative'],
    ['a,b\nInfinity,2\n', 'in.csv: row 1 (line 2), column "a": Infinity is not allowed here'],
    ['a,b\n-Infinity,2\n', 'in.csv: row 1 (line 2), column "a": -Infinity is not allowed'],
    ['a,b\n1e999,2\n', 'in.csv: row 1 (line 2), column "a": "1e999" is out of the float64 range'],
    ['a,b\n1,1e-400\n', 'in.csv: row 1 (line 2), column "b": "1e-400" is out of the float64 range (it would be read as 0)'],
    ['a,b\n0.25E-999,2\n', 'in.csv: row 1 (line 2), column "a": "0.25E-999" is out of the float64 range (it would be read as 0)'],
    ['a,b\n1\0,2\n', 'in.csv: not a text CSV file (contains NUL bytes)'],
  ])('%j', (text, message) => {
    expect(errorOf(text)).toBe(message);
  });
});

describe('readCsv and writeCsvAtomic', () => {
  it('names a missing file and a directory', () => {
    const dir = scratch();
    expect(() => readCsv(join(dir, 'none.csv'), options)).toThrow(`${join(dir, 'none.csv')}: no such file`);
    expect(() => readCsv(dir, options)).toThrow(UserError);
  });

  it('writes rows or columns atomically with full precision and Infinity, and reads them back', () => {
    const dir = scratch();
    const path = join(dir, 'lat.csv');
    const columns = { l_comp: [0.1, 1 / 3], l_aigc: [Infinity, 2], l_ve: [3, 4], l_total: [Infinity, 1e-17] };
    writeCsvAtomic(path, LATENCY, columns);
    expect(readFileSync(path, 'utf8')).toBe('l_comp,l_aigc,l_ve,l_total\n0.1,Infinity,3,Infinity\n0.3333333333333333,2,4,1e-17\n');
    const table = readCsv(path, { required: LATENCY, allowInfinity: true });
    for (const name of LATENCY) expect([...table.columns[name]]).toEqual(columns[name as keyof typeof columns]);
    writeCsvAtomic(path, ['a', 'b'], [[1, 2], [3, 4]]);
    expect(readFileSync(path, 'utf8')).toBe('a,b\n1,2\n3,4\n');
    expect(readdirSync(dir)).toEqual(['lat.csv']);
  });

  it('reads the golden latency file of the spec', () => {
    const golden = join(import.meta.dirname, 'fixtures', 'golden-latency.csv');
    let text: string;
    try { text = readFileSync(golden, 'utf8'); } catch { return; } // the spec lives beside the repository
    const table = parseCsv(text, golden, {
      required: [...STATE, 'alpha_off', 'alpha_back', 'beta', 'lambda', 'omega_comp', 'omega_aigc', 'omega_ve', ...LATENCY],
      allowInfinity: LATENCY,
    });
    expect(table.rows).toBe(49);
  });
});

describe('property: random bad input only ever gives a one-line UserError naming the place', () => {
  const cell = fc.oneof(
    fc.double({ noNaN: false }).map(String),
    fc.integer().map(String),
    fc.constantFrom('', ' ', 'NaN', 'nan', 'Infinity', '-Infinity', 'inf', '1e999', '"1"', '"', 'abc', '0x1', '1,5', '1e', '.', '-', '+1', '\r', '\t'),
    fc.string({ maxLength: 6 }),
  );
  const headerName = fc.oneof(fc.constantFrom('a', 'b', 'c', 'a ', '"b"', '', 'A', 'zz'), fc.string({ maxLength: 4 }));
  const csvText = fc.tuple(
    fc.array(headerName, { minLength: 0, maxLength: 4 }),
    fc.array(fc.array(cell, { minLength: 0, maxLength: 4 }), { maxLength: 5 }),
    fc.constantFrom('\n', '\r\n', '\r'),
  ).map(([header, rows, eol]) => [header.join(','), ...rows.map((r) => r.join(','))].join(eol));

  it('structured random CSV', () => {
    fc.assert(fc.property(csvText, (text) => {
      try {
        const table = parseCsv(text, 'in.csv', { ...options, allowInfinity: ['c'] });
        // Success: every value is a finite non-negative number (or Infinity in c), rows as declared.
        for (const [name, column] of Object.entries(table.columns)) {
          expect(column.length).toBe(table.rows);
          for (const v of column) {
            expect(Number.isNaN(v)).toBe(false);
            expect(v >= 0).toBe(true);
            if (name !== 'c') expect(Number.isFinite(v)).toBe(true);
          }
        }
      } catch (error) {
        expect(error).toBeInstanceOf(UserError);
        const message = (error as Error).message;
        expect(message.startsWith('in.csv: ')).toBe(true);
        expect(message).not.toMatch(/[\n]/);
        // A data problem names row and line; a header problem names the header; else the file as a whole.
        expect(message).toMatch(/row \d+ \(line \d+\)|header \(line 1\)|the file is empty|data rows|NUL bytes/);
        if (/, column "/.test(message)) expect(message).toMatch(/row \d+ \(line \d+\), column "(a|b|c)"/);
      }
    }), { numRuns: 3000 });
  });

  it('arbitrary strings', () => {
    fc.assert(fc.property(fc.string({ maxLength: 60, unit: 'binary' }), (text) => {
      try {
        parseCsv(text, 'in.csv', options);
      } catch (error) {
        expect(error).toBeInstanceOf(UserError);
        expect((error as Error).message).toMatch(/^in\.csv: /);
      }
    }), { numRuns: 3000 });
  });
});
