// Waits on a timer for most of a submit's expected GPU time before its readback is asked for. dawn.node settles a
// pending mapAsync by polling the device from setImmediate ticks, a busy loop on the JS thread for as long as the GPU
// works; on a CPU adapter (lavapipe) that loop takes a core from the adapter's own threads. Asked for once the work is
// nearly done, the readback spins for a moment instead of the whole submit.

/**
 * The share of a submit's expected time slept before its readback: below 1, so that an estimate that is too long
 * shrinks by it every submit. Waking a little late costs nothing while the next submit still runs (two are in flight);
 * at 0.95 and more the timers' own lateness pushed the estimate up and lavapipe's rate collapsed in some runs.
 */
export const SLEEP_SHARE = 0.9;
/** Shorter waits are not slept (a timer's own granularity). */
export const MIN_SLEEP_MS = 2;
/**
 * Submits whose rates the estimate takes the median of: a submit found done late (a timer that fired late, a pause of
 * the JS thread) seems slow, and sleeping by it alone would leave the GPU idle for several submits.
 */
export const RATE_WINDOW = 8;

/** A submitted piece of work: when it was submitted and its items (a chunk's iterations). */
export interface PacedSubmit { readonly at: number; readonly items: number }

/** Submits that the GPU runs one after the other, collected in order. */
export class SubmitPacer {
  /** GPU milliseconds per item of the last RATE_WINDOW submits collected. */
  private readonly rates: number[] = [];
  /** When the last collected submit was found done. */
  private lastDone = 0;
  /** Whether a submit was collected yet: the first pays for first use (pipelines, caches) and gives no rate. */
  private warm = false;

  constructor(private readonly now: () => number = () => performance.now(),
              private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms))) {}

  submitted(items: number): PacedSubmit { return { at: this.now(), items }; }

  /** Sleeps SLEEP_SHARE of the time `s` is expected to take still, at the median recent rate (nothing before one is seen). */
  async beforeReadback(s: PacedSubmit): Promise<void> {
    if (this.rates.length === 0) return;
    const wait = Math.max(s.at, this.lastDone) + SLEEP_SHARE * s.items * median(this.rates) - this.now();
    if (wait >= MIN_SLEEP_MS) await this.sleep(wait);
  }

  /**
   * Records that `s` was found done now: it ran from when it was submitted or its predecessor was done (the first
   * submit's rate is not recorded: slept by, a first submit 3x slower than the rest kept a run oversleeping for a third
   * of its submits).
   */
  done(s: PacedSubmit): void {
    const t = this.now();
    if (s.items > 0 && this.warm) {
      this.rates.push((t - Math.max(s.at, this.lastDone)) / s.items);
      if (this.rates.length > RATE_WINDOW) this.rates.shift();
    }
    this.lastDone = t;
    this.warm = true;
  }
}

/** The median of `xs` (the lower middle of an even count). */
function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[(sorted.length - 1) >> 1];
}
