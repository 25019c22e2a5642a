// Strict numeric CSV parsing, one line at a time, so that a whole text and a file streamed in blocks are read by the
// same rules: header row, columns in any order, blank lines only at the end, one-line errors naming file/row/column.
import { UserError } from '../errors.js';

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
/** Line breaks: \r\n, \n or a lone \r. */
export const LINE_BREAK = /\r?\n|\r/;

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

/** The columns of a header line: which file column holds which known column, and the rules for each. */
class CsvHeader {
  readonly width: number;
  readonly names: (string | null)[] = [];
  readonly infinityOk: boolean[];
  readonly nonNegative: boolean[];

  constructor(line: string, source: string, options: CsvReadOptions) {
    const { required } = options;
    const known = new Set([...required, ...(options.optional ?? [])]);
    const expected = `expected a header row with columns ${required.join(', ')}`;
    const fields = line.split(',').map(unquote);
    if (fields.every((f) => DECIMAL.test(f) || INFINITY.test(f))) {
      throw new UserError(`${source}: header (line 1): the first line looks like data; ${expected}`);
    }
    const seen = new Map<string, number>();
    for (let i = 0; i < fields.length; i++) {
      const name = fields[i];
      if (name === '') throw new UserError(`${source}: header (line 1): column ${i + 1} has no name; ${expected}`);
      if (seen.has(name)) throw new UserError(`${source}: header (line 1): duplicate column "${name}" (columns ${seen.get(name)! + 1} and ${i + 1})`);
      seen.set(name, i);
      if (known.has(name)) this.names.push(name);
      else if (options.allowUnknown) this.names.push(null);
      else throw new UserError(`${source}: header (line 1): unknown column ${show(name)}; known columns: ${[...known].join(', ')}`);
    }
    const missing = required.filter((name) => !seen.has(name));
    if (missing.length > 0) throw new UserError(`${source}: header (line 1): missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
    const infinityAllowed = columnSet(options.allowInfinity, false);
    const mustBeNonNegative = columnSet(options.nonNegative, true);
    this.width = fields.length;
    this.infinityOk = this.names.map((name) => name !== null && infinityAllowed(name));
    this.nonNegative = this.names.map((name) => name !== null && mustBeNonNegative(name));
  }

  /** Parses data row `row` (1-based; file line row + 1) into `columns` at index `at`. */
  parseRow(line: string, row: number, source: string, columns: Record<string, Float64Array>, at: number): void {
    const where = `row ${row} (line ${row + 1})`;
    const fields = line.split(',');
    if (fields.length !== this.width) {
      throw new UserError(`${source}: ${where} has ${fields.length} field${fields.length === 1 ? '' : 's'}, the header has ${this.width}`);
    }
    for (let c = 0; c < this.width; c++) {
      const name = this.names[c];
      if (name === null) continue;
      const field = unquote(fields[c]);
      const at_ = `${source}: ${where}, column "${name}"`;
      let value: number;
      if (DECIMAL.test(field)) {
        value = Number(field);
        if (!Number.isFinite(value)) throw new UserError(`${at_}: ${show(field)} is out of the float64 range`);
        // Too small as well as too large: a non-zero number that float64 rounds to 0 (1e-400) is not read as 0.
        if (value === 0 && /[1-9]/.test(field.split(/[eE]/)[0])) throw new UserError(`${at_}: ${show(field)} is out of the float64 range (it would be read as 0)`);
      } else if (INFINITY.test(field)) {
        if (!this.infinityOk[c]) throw new UserError(`${at_}: Infinity is not allowed here`);
        value = Infinity;
      } else if (NEGATIVE_INFINITY.test(field)) {
        throw new UserError(`${at_}: -Infinity is not allowed`);
      } else if (NOT_A_NUMBER.test(field)) {
        throw new UserError(`${at_}: NaN is not allowed`);
      } else if (field === '') {
        throw new UserError(`${at_}: the cell is empty`);
      } else {
        throw new UserError(`${at_}: ${show(field)} is not a number`);
      }
      if (value < 0 && this.nonNegative[c]) throw new UserError(`${at_}: ${field} is negative`);
      columns[name][at] = value === 0 ? 0 : value; // no -0
    }
  }
}

/**
 * Takes a CSV's lines in order and gathers its data rows into tables of at most `capacity` rows: the first line is
 * the header; a blank line is an error once a non-blank line follows it (blank lines may only end the file).
 */
export class CsvLineReader {
  private header: CsvHeader | null = null;
  private lines = 0;
  private rows = 0;
  /** Blank lines not yet known to be trailing: count, and the file line of the first. */
  private blanks = 0;
  private firstBlank = 0;
  private table: CsvTable | null = null;

  constructor(private readonly source: string, private readonly options: CsvReadOptions, private readonly capacity: number) {}

  /** Data rows read so far. */
  get rowsRead(): number { return this.rows; }
  /** Rows gathered and not yet taken. */
  get pending(): number { return this.table?.rows ?? 0; }

  /** Adds the next line (without its line break). */
  add(line: string): void {
    this.lines++;
    if (line.trim() === '') {
      if (this.blanks++ === 0) this.firstBlank = this.lines;
      return;
    }
    if (this.blanks > 0) {
      // A blank line with more after it: before the header it is the header; after it, an empty row.
      if (this.header === null) new CsvHeader('', this.source, this.options);
      const row = this.firstBlank - 1;
      throw new UserError(`${this.source}: row ${row} (line ${this.firstBlank}) is empty; blank lines are only allowed at the end`);
    }
    if (this.header === null) {
      this.header = new CsvHeader(line, this.source, this.options);
      return;
    }
    if (this.table === null) {
      const columns: Record<string, Float64Array> = {};
      for (const name of this.header.names) if (name !== null) columns[name] = new Float64Array(this.capacity);
      this.table = { rows: 0, columns };
    }
    this.rows++;
    this.header.parseRow(line, this.rows, this.source, this.table.columns, this.table.rows++);
  }

  /** The rows gathered since the last take (their columns trimmed to length); null when there are none. */
  take(): CsvTable | null {
    const table = this.table;
    this.table = null;
    if (table === null || table.rows === 0) return null;
    const columns: Record<string, Float64Array> = {};
    for (const [name, column] of Object.entries(table.columns)) columns[name] = table.rows === column.length ? column : column.subarray(0, table.rows);
    return { rows: table.rows, columns };
  }

  /** A table of no rows with the header's known columns (a header-only file where minRows allows it). */
  emptyTable(): CsvTable {
    const columns: Record<string, Float64Array> = {};
    for (const name of this.header?.names ?? []) if (name !== null) columns[name] = new Float64Array(0);
    return { rows: 0, columns };
  }

  /** At the end of the file: an empty file or too few rows is an error. */
  finish(): void {
    const required = this.options.required;
    if (this.header === null) throw new UserError(`${this.source}: the file is empty; expected a header row with columns ${required.join(', ')}`);
    const minRows = this.options.minRows ?? 1;
    if (this.rows < minRows) {
      throw new UserError(`${this.source}: has a header but ${this.rows} data row${this.rows === 1 ? '' : 's'}; at least ${minRows} needed`);
    }
  }
}

/**
 * Cuts text arriving in pieces into lines at \r\n, \n or \r (a \r at the end of a piece waits for the next one);
 * a line longer than `maxLine` characters is an error, so that memory stays bounded on a file without line breaks.
 */
export class LineSplitter {
  private pending = '';
  private lines = 0;

  constructor(private readonly source: string, private readonly maxLine = Infinity) {}

  /** The complete lines of `piece` (with what came before it). */
  push(piece: string): string[] {
    const text = this.pending + piece;
    const parts = text.split(LINE_BREAK);
    if (text.endsWith('\r')) parts.pop();  // '' after a \r that may be the first half of \r\n
    this.pending = parts.pop()! + (text.endsWith('\r') ? '\r' : '');
    this.lines += parts.length;
    if (this.pending.length > this.maxLine) {
      throw new UserError(`${this.source}: line ${this.lines + 1} is longer than ${this.maxLine} characters; not a CSV of numbers`);
    }
    return parts;
  }

  /** The last lines, at the end of the text. */
  end(): string[] {
    const parts = this.pending.split(LINE_BREAK);
    this.pending = '';
    return parts;
  }
}
