// Strict numeric CSV reading of a whole file (the rules in csvParse.ts) and atomic writing; csvStream.ts streams large files.
import { readFileSync, statSync } from 'node:fs';
import { UserError } from '../errors.js';
import { writeFileAtomic } from './atomic.js';
import { CsvLineReader, LINE_BREAK, type CsvReadOptions, type CsvTable } from './csvParse.js';

export type { CsvReadOptions, CsvTable } from './csvParse.js';

/**
 * Parses CSV text; `source` names the file in messages. Every problem is a UserError of one line naming the
 * source, the row (1-based data row and file line) and the column.
 */
export function parseCsv(text: string, source: string, options: CsvReadOptions): CsvTable {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.includes('\0')) throw new UserError(`${source}: not a text CSV file (contains NUL bytes)`);
  const lines = text.split(LINE_BREAK);
  const reader = new CsvLineReader(source, options, lines.length);
  for (const line of lines) reader.add(line);
  reader.finish();
  return reader.take() ?? reader.emptyTable();
}

/** Throws the UserError for a CSV input that cannot be read: a missing file, a directory, another failure. */
export function refuseUnreadable(path: string, error: unknown): never {
  if (error instanceof UserError) throw error;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') throw new UserError(`${path}: no such file`);
  if (code === 'EISDIR') throw new UserError(`${path}: is a directory, expected a CSV file`);
  const reason = error instanceof Error ? error.message : String(error);
  throw new UserError(`cannot read ${path}: ${reason}`);
}

/** Reads and validates a numeric CSV file (see CsvReadOptions); a UserError naming file, row and column. */
export function readCsv(path: string, options: CsvReadOptions): CsvTable {
  let text: string;
  try {
    if (statSync(path).isDirectory()) throw new UserError(`${path}: is a directory, expected a CSV file`);
    text = readFileSync(path, 'utf8');
  } catch (error) {
    refuseUnreadable(path, error);
  }
  return parseCsv(text, path, options);
}

/** Formats one number with full float64 precision: `String(x)` (round-trips exactly), `Infinity` for +infinity. */
export function formatCsvNumber(x: number): string {
  return String(x);
}

/** Throws when a header name cannot be written as a CSV column. */
export function checkCsvHeader(header: readonly string[]): void {
  for (const name of header) {
    if (name === '' || /[,"\r\n]/.test(name)) throw new Error(`formatCsv: bad column name ${JSON.stringify(name)}`);
  }
}

/** CSV lines (no header, each ending in \n) of rows [from, to) of the columns named by `header`, all of one length. */
export function formatCsvRows(header: readonly string[], data: Record<string, ArrayLike<number>>, from = 0, to = Infinity): string {
  const columns = header.map((name) => {
    const column = data[name];
    if (column === undefined) throw new Error(`formatCsv: no data for column "${name}"`);
    return column;
  });
  const rows = columns.length > 0 ? columns[0].length : 0;
  for (const [i, column] of columns.entries()) {
    if (column.length !== rows) throw new Error(`formatCsv: column "${header[i]}" has ${column.length} values, "${header[0]}" has ${rows}`);
  }
  const out: string[] = [];
  const cells = new Array<string>(columns.length);
  for (let r = from; r < Math.min(rows, to); r++) {
    for (let c = 0; c < columns.length; c++) cells[c] = formatCsvNumber(columns[c][r]);
    out.push(cells.join(',') + '\n');
  }
  return out.join('');
}

/** CSV text of a header and rows (as row arrays, or as columns keyed by header name). */
export function formatCsv(header: readonly string[], data: readonly (readonly number[])[] | Record<string, ArrayLike<number>>): string {
  checkCsvHeader(header);
  if (!Array.isArray(data)) return header.join(',') + '\n' + formatCsvRows(header, data as Record<string, ArrayLike<number>>);
  const out: string[] = [header.join(',')];
  for (let r = 0; r < data.length; r++) {
    const row = data[r];
    if (row.length !== header.length) throw new Error(`formatCsv: row ${r + 1} has ${row.length} values, the header has ${header.length}`);
    out.push(row.map(formatCsvNumber).join(','));
  }
  return out.join('\n') + '\n';
}

/** Writes a CSV atomically (temporary file, fsync, rename): readers never see a partial file. */
export function writeCsvAtomic(path: string, header: readonly string[], data: readonly (readonly number[])[] | Record<string, ArrayLike<number>>): void {
  writeFileAtomic(path, formatCsv(header, data));
}
