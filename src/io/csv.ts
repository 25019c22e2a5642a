// Strict numeric CSV reading (header row, columns in any order, one-line errors naming file/row/column) and atomic writing.
import { readFileSync, statSync } from 'node:fs';
import { UserError } from '../errors.js';
import { writeFileAtomic } from './atomic.js';

export interface CsvReadOptions {
  /** Columns that must be present. */
  required: readonly string[];
  /** Columns that may be present; absent ones are missing from the result. */
  optional?: readonly string[];
  /** Accept `Infinity` (not `-Infinity`) in every column (true) or in the named columns. Default false. */
  allowInfinity?: boolean | readonly string[];
  /** Reject negative values in every column (true, the default), none (false) or the named columns. */
  nonNegative?: boolean | readonly string[];
  /** Ignore columns that are neither required nor optional instead of rejecting them. Default false. */
  allowUnknown?: boolean;
  /** Fewest data rows accepted (default 1: a header alone is an empty CSV). */
  minRows?: number;
}

export interface CsvTable {
  /** Number of data rows. */
  rows: number;
  /** One array per known column present in the file, `rows` long, in file row order. */
  columns: Record<string, Float64Array>;
}

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INFINITY = /^\+?(?:Infinity|inf)$/i;
const NEGATIVE_INFINITY = /^-(?:Infinity|inf)$/i;
const NOT_A_NUMBER = /^[+-]?nan$/i;

function columnSet(option: boolean | readonly string[] | undefined, fallback: boolean): (name: string) => boolean {
  if (option === undefined) return () => fallback;
  if (typeof option === 'boolean') return () => option;
  const names = new Set(option);
  return (name) => names.has(name);
}

/** Removes one pair of surrounding double quotes and surrounding spaces. */
function unquote(field: string): string {
  const trimmed = field.trim();
  if (trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"')) return trimmed.slice(1, -1).trim();
  return trimmed;
}

function show(text: string): string {
  const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  return JSON.stringify(shown);
}

/**
 * Parses CSV text; `source` names the file in messages. Every problem is a UserError of one line naming the
 * source, the row (1-based data row and file line) and the column.
 */
export function parseCsv(text: string, source: string, options: CsvReadOptions): CsvTable {
  const required = options.required;
  const optional = options.optional ?? [];
  const known = new Set([...required, ...optional]);
  const infinityAllowed = columnSet(options.allowInfinity, false);
  const mustBeNonNegative = columnSet(options.nonNegative, true);
  const minRows = options.minRows ?? 1;
  const expected = `expected a header row with columns ${required.join(', ')}`;

  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.includes('\0')) throw new UserError(`${source}: not a text CSV file (contains NUL bytes)`);
  const lines = text.split(/\r?\n|\r/);
  while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
  if (lines.length === 0) throw new UserError(`${source}: the file is empty; ${expected}`);

  // Header.
  const headerFields = lines[0].split(',').map(unquote);
  if (headerFields.every((f) => DECIMAL.test(f) || INFINITY.test(f))) {
    throw new UserError(`${source}: header (line 1): the first line looks like data; ${expected}`);
  }
  const seen = new Map<string, number>();
  const fileColumnNames: (string | null)[] = [];
  for (let i = 0; i < headerFields.length; i++) {
    const name = headerFields[i];
    if (name === '') throw new UserError(`${source}: header (line 1): column ${i + 1} has no name; ${expected}`);
    if (seen.has(name)) throw new UserError(`${source}: header (line 1): duplicate column "${name}" (columns ${seen.get(name)! + 1} and ${i + 1})`);
    seen.set(name, i);
    if (known.has(name)) fileColumnNames.push(name);
    else if (options.allowUnknown) fileColumnNames.push(null);
    else {
      const all = [...required, ...optional].join(', ');
      throw new UserError(`${source}: header (line 1): unknown column ${show(name)}; known columns: ${all}`);
    }
  }
  const missing = required.filter((name) => !seen.has(name));
  if (missing.length > 0) {
    throw new UserError(`${source}: header (line 1): missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
  }

  const rows = lines.length - 1;
  if (rows < minRows) {
    throw new UserError(`${source}: has a header but ${rows} data row${rows === 1 ? '' : 's'}; at least ${minRows} needed`);
  }
  const columns: Record<string, Float64Array> = {};
  const targets: (Float64Array | null)[] = fileColumnNames.map((name) => {
    if (name === null) return null;
    const array = new Float64Array(rows);
    columns[name] = array;
    return array;
  });
  const infinityOk = fileColumnNames.map((name) => name !== null && infinityAllowed(name));
  const nonNegativeRequired = fileColumnNames.map((name) => name !== null && mustBeNonNegative(name));
  const width = headerFields.length;

  for (let row = 0; row < rows; row++) {
    const line = lines[row + 1];
    const where = `row ${row + 1} (line ${row + 2})`;
    if (line.trim() === '') throw new UserError(`${source}: ${where} is empty; blank lines are only allowed at the end`);
    const fields = line.split(',');
    if (fields.length !== width) {
      throw new UserError(`${source}: ${where} has ${fields.length} field${fields.length === 1 ? '' : 's'}, the header has ${width}`);
    }
    for (let c = 0; c < width; c++) {
      const target = targets[c];
      if (target === null) continue;
      const name = fileColumnNames[c]!;
      const field = unquote(fields[c]);
      const at = `${source}: ${where}, column "${name}"`;
      let value: number;
      if (DECIMAL.test(field)) {
        value = Number(field);
        if (!Number.isFinite(value)) throw new UserError(`${at}: ${show(field)} is out of the float64 range`);
      } else if (INFINITY.test(field)) {
        if (!infinityOk[c]) throw new UserError(`${at}: Infinity is not allowed here`);
        value = Infinity;
      } else if (NEGATIVE_INFINITY.test(field)) {
        throw new UserError(`${at}: -Infinity is not allowed`);
      } else if (NOT_A_NUMBER.test(field)) {
        throw new UserError(`${at}: NaN is not allowed`);
      } else if (field === '') {
        throw new UserError(`${at}: the cell is empty`);
      } else {
        throw new UserError(`${at}: ${show(field)} is not a number`);
      }
      if (value < 0 && nonNegativeRequired[c]) throw new UserError(`${at}: ${field} is negative`);
      target[row] = value === 0 ? 0 : value; // no -0
    }
  }
  return { rows, columns };
}

/** Reads and validates a numeric CSV file (see CsvReadOptions); a UserError naming file, row and column. */
export function readCsv(path: string, options: CsvReadOptions): CsvTable {
  let text: string;
  try {
    if (statSync(path).isDirectory()) throw new UserError(`${path}: is a directory, expected a CSV file`);
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (error instanceof UserError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UserError(`${path}: no such file`);
    const reason = error instanceof Error ? error.message : String(error);
    throw new UserError(`cannot read ${path}: ${reason}`);
  }
  return parseCsv(text, path, options);
}

/** Formats one number with full float64 precision: `String(x)` (round-trips exactly), `Infinity` for +infinity. */
export function formatCsvNumber(x: number): string {
  return String(x);
}

/** CSV text of a header and rows (as row arrays, or as columns keyed by header name). */
export function formatCsv(header: readonly string[], data: readonly (readonly number[])[] | Record<string, ArrayLike<number>>): string {
  for (const name of header) {
    if (name === '' || /[,"\r\n]/.test(name)) throw new Error(`formatCsv: bad column name ${JSON.stringify(name)}`);
  }
  const out: string[] = [header.join(',')];
  if (Array.isArray(data)) {
    for (let r = 0; r < data.length; r++) {
      const row = data[r];
      if (row.length !== header.length) throw new Error(`formatCsv: row ${r + 1} has ${row.length} values, the header has ${header.length}`);
      out.push(row.map(formatCsvNumber).join(','));
    }
  } else {
    const columns = header.map((name) => {
      const column = (data as Record<string, ArrayLike<number>>)[name];
      if (column === undefined) throw new Error(`formatCsv: no data for column "${name}"`);
      return column;
    });
    const rows = columns.length > 0 ? columns[0].length : 0;
    for (const [i, column] of columns.entries()) {
      if (column.length !== rows) throw new Error(`formatCsv: column "${header[i]}" has ${column.length} values, "${header[0]}" has ${rows}`);
    }
    const cells = new Array<string>(columns.length);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < columns.length; c++) cells[c] = formatCsvNumber(columns[c][r]);
      out.push(cells.join(','));
    }
  }
  return out.join('\n') + '\n';
}

/** Writes a CSV atomically (temporary file, fsync, rename): readers never see a partial file. */
export function writeCsvAtomic(path: string, header: readonly string[], data: readonly (readonly number[])[] | Record<string, ArrayLike<number>>): void {
  writeFileAtomic(path, formatCsv(header, data));
}
