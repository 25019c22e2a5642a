// CSV files of any length in constant memory: a reader that reads blocks and hands the data rows on in tables of at
// most `chunkRows` rows (by csvParse.ts's rules, errors naming the file line), and a writer that appends rows to a
// temporary that replaces the output only when all is written.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { UserError } from '../errors.js';
import { AtomicFileWriter } from './atomic.js';
import { checkCsvHeader, formatCsvRows, refuseUnreadable } from './csv.js';
import { CsvLineReader, LineSplitter, type CsvReadOptions, type CsvTable } from './csvParse.js';

export interface CsvChunk extends CsvTable {
  /** 1-based data row of the chunk's first row (its file line is firstRow + 1). */
  firstRow: number;
}

export interface CsvChunkOptions {
  /** Most data rows per chunk (default 65,536). */
  chunkRows?: number;
  /** Bytes read from the file at a time (default 1 MiB). */
  blockBytes?: number;
  /** Longest line accepted, in characters (default 1 MiB): a file without line breaks is refused, not held. */
  maxLine?: number;
}

/**
 * Reads a numeric CSV file chunk by chunk: iterate it for tables of at most chunkRows rows. It holds one block of the
 * file and the rows of one chunk at a time, whatever the file's length. Errors are UserErrors naming file, row, column.
 */
export class CsvChunkReader implements Iterable<CsvChunk> {
  readonly totalBytes: number;
  private fd: number | undefined;
  private read = 0;
  readonly chunkRows: number;
  private readonly blockBytes: number;
  private readonly maxLine: number;

  /** Opens `path` (a missing file or a directory is a UserError at once). */
  constructor(readonly path: string, private readonly options: CsvReadOptions, chunk: CsvChunkOptions = {}) {
    this.chunkRows = chunk.chunkRows ?? 65536;
    this.blockBytes = chunk.blockBytes ?? 1 << 20;
    this.maxLine = chunk.maxLine ?? 1 << 20;
    try {
      this.fd = openSync(path, 'r');
      const stat = fstatSync(this.fd);
      if (stat.isDirectory()) throw new UserError(`${path}: is a directory, expected a CSV file`);
      this.totalBytes = stat.size;
    } catch (error) {
      this.close();
      refuseUnreadable(path, error);
    }
  }

  /** Bytes of the file read so far. */
  get bytesRead(): number { return this.read; }

  *[Symbol.iterator](): Iterator<CsvChunk> {
    const source = this.path;
    const rows = new CsvLineReader(source, this.options, this.chunkRows);
    const lines = new LineSplitter(source, this.maxLine);
    const decoder = new StringDecoder('utf8');
    const block = Buffer.alloc(this.blockBytes);
    const chunkRows = this.chunkRows;
    let first = true;
    let firstRow = 1;
    function* add(list: string[]): Generator<CsvChunk> {
      for (const line of list) {
        rows.add(line);
        if (rows.pending === chunkRows) {
          const table = rows.take()!;
          yield { ...table, firstRow };
          firstRow += table.rows;
        }
      }
    }
    try {
      for (;;) {
        if (this.fd === undefined) throw new Error('CsvChunkReader: read after close');
        let count: number;
        try { count = readSync(this.fd, block, 0, block.length, null); } catch (error) { refuseUnreadable(source, error); }
        if (count === 0) break;
        this.read += count;
        if (block.subarray(0, count).includes(0)) throw new UserError(`${source}: not a text CSV file (contains NUL bytes)`);
        let text = decoder.write(block.subarray(0, count));
        if (first && text.length > 0) { first = false; if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); }
        yield* add(lines.push(text));
      }
      yield* add(lines.push(decoder.end()));
      yield* add(lines.end());
      rows.finish();
      const last = rows.take();
      if (last) yield { ...last, firstRow };
    } finally {
      this.close();
    }
  }

  close(): void {
    if (this.fd !== undefined) { try { closeSync(this.fd); } catch { /* closed */ } }
    this.fd = undefined;
  }
}

/** Rows formatted into one string before it is written (bounds the text held at once). */
const WRITE_ROWS = 4096;

/** A CSV output written chunk by chunk into a temporary beside `path`; commit() puts it in place, abort() drops it. */
export class CsvChunkWriter {
  private readonly file: AtomicFileWriter;

  /**
   * Creates the temporary at once, so that an output that cannot be written is refused before any work; `-` is stdout
   * where `stdout` allows it (a device, fifo or stdout is written as the rows come).
   */
  constructor(path: string, private readonly header: readonly string[], { stdout = false } = {}) {
    checkCsvHeader(header);
    this.file = new AtomicFileWriter(path, { stdout });
    this.file.write(header.join(',') + '\n');
  }

  /** Appends the rows of `columns` (one array per header name, all of one length), a few thousand at a time. */
  write(columns: Record<string, ArrayLike<number>>): void {
    const rows = columns[this.header[0]]?.length ?? 0;
    for (let from = 0; from < rows; from += WRITE_ROWS) this.file.write(formatCsvRows(this.header, columns, from, from + WRITE_ROWS));
  }

  /** Temporaries that killed writers had left beside the output, removed when it was opened. */
  get swept(): string[] { return this.file.swept; }

  commit(): void { this.file.commit(); }
  abort(): void { this.file.abort(); }
}
