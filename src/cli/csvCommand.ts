// The loop of the CSV commands (latency, solve, act): read the input in chunks, check and compute each one, append its
// rows to the output's temporary, and rename that into place at the end; constant memory for any number of rows, a
// progress bar on a terminal (stderr), and on any error no output file.
import cliProgress from 'cli-progress';
import { createGpu, type Gpu } from '../gpu/runtime.js';
import type { CsvReadOptions } from '../io/csvParse.js';
import { CsvChunkReader, CsvChunkWriter, type CsvChunk, type CsvChunkOptions } from '../io/csvStream.js';
import { checkOutputFile, refuseOutputOverInput, type NamedPath } from '../io/outputs.js';
import { yieldToEvents } from '../yieldToEvents.js';

export interface CsvTransform {
  input: string;
  output: string;
  read: CsvReadOptions;
  /** Output columns, in order. */
  header: readonly string[];
  /** Names the work on the progress bar, e.g. "latency". */
  label: string;
  /** Reader sizes (tests use small chunks). */
  chunk?: CsvChunkOptions;
  /**
   * Compute on a GPU (this adapter, if named): it is opened once the first chunk has been read (so that a bad input is
   * refused before), passed to `compute`, checked for errors after each chunk and destroyed at the end.
   */
  gpu?: { adapter?: string };
  /** The output columns of one chunk (`header` names), after checking it (errors name rows from chunk.firstRow). */
  compute(chunk: CsvChunk, gpu: Gpu | undefined): Promise<Record<string, ArrayLike<number>>> | Record<string, ArrayLike<number>>;
}

/** A progress bar of bytes read on a terminal's stderr; nothing otherwise. */
function progressBar(label: string, total: number): { update: (bytes: number, rows: number) => void; stop: () => void } {
  if (!process.stderr.isTTY || total === 0) return { update: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar({
    format: `${label} [{bar}] {percentage}% | {rows} rows | ETA {eta_formatted}`, stream: process.stderr, hideCursor: true, etaBuffer: 50,
  }, cliProgress.Presets.shades_classic);
  bar.start(total, 0, { rows: 0 });
  return { update: (bytes, rows) => bar.update(bytes, { rows }), stop: () => bar.stop() };
}

/**
 * Checks a CSV command's --output before any work (read or computed): a file that can be written, a device, or `-`
 * (stdout); never one of its `inputs` (the same file however it is named). One line, exit 2.
 */
export function checkCsvOutput(output: string, inputs: readonly (NamedPath | undefined)[]): void {
  checkOutputFile('--output', output, { stdout: true });
  refuseOutputOverInput([{ flag: '--output', path: output }], inputs);
}

/** Runs `transform` over the input; returns the rows written (`-` as the output: stdout). */
export async function transformCsv(transform: CsvTransform): Promise<number> {
  const reader = new CsvChunkReader(transform.input, transform.read, transform.chunk);
  let writer: CsvChunkWriter | undefined;
  const progress = progressBar(transform.label, reader.totalBytes);
  let rows = 0;
  let gpu: Gpu | undefined;
  try {
    writer = new CsvChunkWriter(transform.output, transform.header, { stdout: true });
    if (writer.swept.length > 0) process.stderr.write(`megc: note: removed ${writer.swept.length} temporary file(s) left beside ${transform.output} by killed writers\n`);
    for (const chunk of reader) {
      if (transform.gpu && !gpu) gpu = await createGpu({ adapter: transform.gpu.adapter });
      const columns = await transform.compute(chunk, gpu);
      gpu?.checkErrors();
      writer.write(columns);
      rows += chunk.rows;
      progress.update(reader.bytesRead, rows);
      await yieldToEvents();  // let signals in (Ctrl-C ends the command between chunks)
    }
    writer.commit();
    return rows;
  } catch (error) {
    writer?.abort();
    throw error;
  } finally {
    progress.stop();
    reader.close();
    gpu?.destroy();
  }
}

/**
 * Calls `each(first, count)` over rows [0, rows) in slices of at most `slice` rows, yielding to signals between slices:
 * a chunk's CPU work (OPT, a large actor) stays interruptible at once.
 */
export async function inSlices(rows: number, slice: number, each: (first: number, count: number) => void): Promise<void> {
  const step = Math.max(1, Math.floor(slice));
  for (let first = 0; first < rows; first += step) {
    each(first, Math.min(step, rows - first));
    if (first + step < rows) await yieldToEvents();
  }
}

/** Packs named columns into a row-major (rows, names.length) array. */
export function packColumns(columns: Record<string, ArrayLike<number>>, names: readonly string[], rows: number): Float64Array {
  const out = new Float64Array(rows * names.length);
  names.forEach((name, c) => { const col = columns[name]; for (let r = 0; r < rows; r++) out[r * names.length + c] = col[r]; });
  return out;
}

/** Unpacks a row-major (rows, names.length) array into named columns (the inverse of packColumns). */
export function unpackColumns(packed: ArrayLike<number>, names: readonly string[], rows: number): Record<string, Float64Array> {
  const out: Record<string, Float64Array> = {};
  names.forEach((name, c) => {
    const col = new Float64Array(rows);
    for (let r = 0; r < rows; r++) col[r] = packed[r * names.length + c];
    out[name] = col;
  });
  return out;
}
