// Variants chosen by measurement on the GPU in use: an op declares its candidates (the first is today's default) and a
// harness that records it; on first use of a shape on an adapter the tuner times every candidate and keeps the fastest,
// cached per adapter, driver, code and shape (TuneStore), and lists its choices for the run's config.json.
import type { Recorder } from './kernel.js';
import { SubmitPacer } from './submitPacer.js';
import { median, timePass, TIMING_METHOD } from './timing.js';
import { describeAdapter, type Gpu } from './runtime.js';
import { allShaderSources, cpuAdapterThreads, tuneStore } from '../platform/host.js';

/** off: the defaults; quick: the short candidate lists, few samples; full: every candidate, more samples. */
export type TuneMode = 'off' | 'quick' | 'full';
export const TUNE_MODES: readonly TuneMode[] = ['off', 'quick', 'full'];
/**
 * How the kernels are chosen when nobody says: `megc train`, runTraining, trainLara and the web page all default to it.
 * quick times the likely variants of each op on this adapter once and keeps the fastest (cached per adapter).
 */
export const DEFAULT_TUNE: TuneMode = 'quick';

/**
 * Recorded work of one candidate: `record` puts its dispatches into a pass; `output` reads what it computed (checked
 * against the default candidate's before a candidate may win); `destroy` frees what the harness owns.
 */
export interface Harness {
  record(rec: Recorder): void;
  output?(): Promise<Float32Array>;
  destroy(): void;
}

export interface TunableOp<V> {
  /** The op, e.g. 'linear.forward'. */
  name: string;
  /** Its shape, e.g. 'b256 14x64 relu': one choice per (adapter, op, shape). */
  shape: string;
  /** Candidates that run on this device; [0] is the default (tuning off). */
  candidates: readonly V[];
  /** The quick mode's subset (default: all). */
  quick?: readonly V[];
  /** A stable name of a candidate (what the cache and config.json hold). */
  describe(v: V): string;
  harness(v: V): Promise<Harness>;
  /** Largest difference from the default's output, relative to its largest magnitude, a candidate may show (default 1e-3). */
  tolerance?(v: V): number;
}

/** One measured choice. */
export interface TuneChoice {
  variant: string;
  /** Median microseconds of every candidate timed. */
  microseconds: Record<string, number>;
}

/** Where choices persist between runs (a JSON file under the user's cache directory; memory in tests and browsers). */
export interface TuneStore {
  get(key: string): TuneChoice | undefined;
  set(key: string, choice: TuneChoice): void;
}

export class MemoryTuneStore implements TuneStore {
  readonly entries = new Map<string, TuneChoice>();
  get(key: string) { return this.entries.get(key); }
  set(key: string, choice: TuneChoice) { this.entries.set(key, choice); }
}

export interface TunerOptions {
  mode: TuneMode;
  /** Identifies the adapter and driver (vendor, architecture, device, description). */
  adapterKey: string;
  store?: TuneStore;
  /** Progress lines ("tuning linear.forward b256 14x64: 5 candidates"). */
  log?: (line: string) => void;
  /** Hash of the code the choices depend on (shader sources); a change invalidates the cache. */
  codeVersion?: string;
}

export class Tuner {
  /** Every choice made in this process: `op shape` -> variant name (what config.json records). */
  readonly choices: Record<string, string> = {};
  constructor(readonly device: GPUDevice, readonly options: TunerOptions) {}

  get mode(): TuneMode { return this.options.mode; }

  /** The candidate to use for `op` (the default when tuning is off). */
  async choose<V>(op: TunableOp<V>): Promise<V> {
    const id = `${op.name} ${op.shape}`;
    const pick = (name: string) => op.candidates.find((c) => op.describe(c) === name);
    if (this.mode === 'off' || op.candidates.length === 1) return this.record(id, op, op.candidates[0]);
    const key = `${this.options.adapterKey}|${this.options.codeVersion ?? ''}|${this.mode}|${id}`;
    const cached = this.options.store?.get(key);
    const hit = cached && pick(cached.variant);
    if (hit !== undefined) return this.record(id, op, hit);
    const candidates = this.mode === 'quick' ? op.quick ?? op.candidates : op.candidates;
    this.options.log?.(`tune: ${id}: timing ${candidates.length} variants`);
    const reject = (name: string, why: string) => this.options.log?.(`tune: ${id}: ${name} rejected: ${why}`);
    // Each candidate is first run once (its repetitions sized, its output checked against the default's), then the ones
    // kept are timed in rounds, one sample of each per round in turn: where the machine's speed drifts over seconds (a
    // shared CPU), every candidate's samples move alike, which timing each candidate whole before the next did not.
    const kept: { v: V; name: string; repetitions: number; pacer: SubmitPacer; samples: number[] }[] = [];
    let reference: Float32Array | undefined;
    for (const v of [op.candidates[0], ...candidates.filter((c) => c !== op.candidates[0])]) {
      const name = op.describe(v);
      try {
        const pacer = new SubmitPacer();
        const { repetitions, output } = await this.probe(op, v, pacer);
        if (v === op.candidates[0]) reference = output;
        else if (reference && output) {
          const error = relativeDifference(output, reference);
          if (!(error <= (op.tolerance?.(v) ?? 1e-3))) { reject(name, `its result differs from the default's by ${error.toExponential(1)}`); continue; }
        }
        kept.push({ v, name, repetitions, pacer, samples: [] });
      } catch (error) {
        if (v === op.candidates[0]) throw error;
        reject(name, (error as Error).message.split('\n')[0]);
      }
    }
    const rounds = this.mode === 'full' ? 7 : 3;
    for (let round = 0; round < rounds; round++) {
      for (const k of kept) {
        if (k.samples.length < round) continue;  // failed in an earlier round
        try {
          k.samples.push(await this.sample(op, k.v, k.repetitions, k.pacer));
        } catch (error) {
          if (k.v === op.candidates[0]) throw error;
          reject(k.name, (error as Error).message.split('\n')[0]);
        }
      }
    }
    const microseconds: Record<string, number> = {};
    let best = op.candidates[0];
    let bestTime = Infinity;
    for (const k of kept.filter((k) => k.samples.length === rounds)) {
      const seconds = median(k.samples);
      microseconds[k.name] = seconds * 1e6;
      if (seconds < bestTime) { bestTime = seconds; best = k.v; }
    }
    this.options.store?.set(key, { variant: op.describe(best), microseconds });
    return this.record(id, op, best);
  }

  private record<V>(id: string, op: TunableOp<V>, v: V): V {
    this.choices[id] = op.describe(v);
    return v;
  }

  /**
   * A first run of `v`: the repetitions that make a sample take a few milliseconds, and its output; `pacer` learns its
   * rate, so that its samples wait on a timer from the first.
   */
  private probe<V>(op: TunableOp<V>, v: V, pacer: SubmitPacer): Promise<{ repetitions: number; output?: Float32Array }> {
    return withHarness(op, v, async (harness) => {
      const probe = median((await timePass(this.device, (rec) => harness.record(rec), { samples: 2, warmup: 1, pacer })).samples);
      const output = await harness.output?.();
      const target = this.mode === 'full' ? 0.01 : 0.003;
      return { repetitions: Math.max(1, Math.min(200, Math.round(target / Math.max(probe, 1e-6)))), output };
    });
  }

  /** Seconds of one run of `v`, from a sample of `repetitions` runs. */
  private sample<V>(op: TunableOp<V>, v: V, repetitions: number, pacer: SubmitPacer): Promise<number> {
    return withHarness(op, v, async (harness) =>
      (await timePass(this.device, (rec) => harness.record(rec), { samples: 1, warmup: 0, repetitions, pacer })).samples[0]);
  }
}

/** `use` on candidate `v`'s harness, destroyed after. */
async function withHarness<V, T>(op: TunableOp<V>, v: V, use: (harness: Harness) => Promise<T>): Promise<T> {
  const harness = await op.harness(v);
  try {
    return await use(harness);
  } finally {
    harness.destroy();
  }
}

/** A live object whose candidates are timed in place: each made current (use), from the same start (reset). */
export interface InPlaceHarness<V> {
  use(v: V): Promise<void>;
  reset(): void;
  record(rec: Recorder): void;
  output(): Promise<Float32Array>;
}

/** tuner.choose over candidates that each become the live object's current one; the choice is current after. */
export async function chooseInPlace<V>(tuner: Tuner, op: Omit<TunableOp<V>, 'harness'>, h: InPlaceHarness<V>): Promise<V> {
  const choice = await tuner.choose<V>({
    ...op,
    async harness(v) {
      await h.use(v);
      h.reset();
      return { record: (rec) => h.record(rec), output: () => h.output(), destroy: () => {} };
    },
  });
  await h.use(choice);
  return choice;
}

/** max |a - b| / max |b| (NaN or a length mismatch: Infinity). */
function relativeDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let worst = 0, scale = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (Number.isNaN(d)) return Infinity;
    worst = Math.max(worst, d);
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return worst / Math.max(scale, 1e-30);
}

/** A short hash (64-bit FNV-1a) of the sources the choices depend on (e.g. the WGSL of the tuned kernels). */
export function codeVersion(sources: readonly string[]): string {
  let h = 0xcbf29ce484222325n;
  for (const s of sources) {
    for (let i = 0; i < s.length; i++) h = ((h ^ BigInt(s.charCodeAt(i))) * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, '0');
}

/** The hash of every shader's path and text and of the timing method, once per process: new kernels or variants, or a new way of timing them, are timed again. */
let shadersVersion: string | undefined;

/** What a tuner's choices on `gpu` are keyed by: the adapter (a CPU adapter with its count of threads) and the shaders' version. */
export function tunerKeys(gpu: Gpu): { adapterKey: string; codeVersion: string } {
  shadersVersion ??= codeVersion([TIMING_METHOD, ...allShaderSources()]);
  // A CPU adapter's choices hold for its count of threads (each workgroup runs on one).
  const threads = gpu.info.isSoftware ? cpuAdapterThreads() : undefined;
  return { adapterKey: describeAdapter(gpu.info) + (threads ? ` / ${threads} threads` : ''), codeVersion: shadersVersion };
}

/** A tuner of `mode` on `gpu`, keeping its choices in the host's store (a cache file in Node, localStorage on a page) by tunerKeys. */
export function tunerOf(gpu: Gpu, mode: TuneMode, log: (line: string) => void = () => {}): Tuner {
  return new Tuner(gpu.device, { mode, ...tunerKeys(gpu), store: tuneStore(log) });
}
