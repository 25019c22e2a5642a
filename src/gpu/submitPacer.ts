// Waits on a timer for most of a submit's expected GPU time before its readback is asked for. dawn.node settles a
// pending mapAsync by polling the device from setImmediate ticks, a busy loop on the JS thread for as long as the GPU
// works; on a CPU adapter (lavapipe) that loop takes a core from the adapter's own threads. Asked for once the work is
// nearly done, the readback spins for a moment instead of the whole submit. Where each submit's own GPU time is known
// (timestamps around its pass), the pacer predicts when it ends from those times and asks just after.

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
/**
 * With GPU times, the share of a submit's expected time after its predicted start at which its readback is asked for:
 * a little past its end, so that the readback rarely spins (waking late costs nothing while the next submit runs).
 */
export const TIMED_WAKE_SHARE = 1.05;
/** A readback that took longer than this after the wake spun: the submit ended then, which anchors the predictions. */
export const SPUN_MS = 1;

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
  /** With GPU times: when the last collected submit ended, as predicted from them (or seen, where its readback spun). */
  private endedAt: number | null = null;
  /** When the last wait ended (the readback was asked for). */
  private wokeAt = 0;

  constructor(private readonly now: () => number = () => performance.now(),
              private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms))) {}

  submitted(items: number): PacedSubmit { return { at: this.now(), items }; }

  /**
   * Takes `msPerItem` as a first rate, measured before the submits it paces (a warm-up of the same work): the first
   * readbacks then sleep by it instead of polling from their submit on, which on a CPU adapter takes a core from the
   * adapter's threads while the first submits run. The submits' own rates replace it as they come in.
   */
  seed(msPerItem: number): void {
    if (Number.isFinite(msPerItem) && msPerItem > 0) this.rates.push(msPerItem);
  }

  /**
   * Sleeps SLEEP_SHARE of the time `s` is expected to take still, at the median recent rate (nothing before one is
   * seen); with GPU times, until TIMED_WAKE_SHARE of its expected time after its predicted start.
   */
  async beforeReadback(s: PacedSubmit): Promise<void> {
    if (this.rates.length > 0) {
      const expected = s.items * median(this.rates);
      const wait = this.endedAt === null
        ? Math.max(s.at, this.lastDone) + SLEEP_SHARE * expected - this.now()
        : Math.max(s.at, this.endedAt) + TIMED_WAKE_SHARE * expected - this.now();
      if (wait >= MIN_SLEEP_MS) await this.sleep(wait);
    }
    this.wokeAt = this.now();
  }

  /**
   * Records that `s` was found done now, and `gpuMs`, its own GPU time where known. Without it, `s` ran from when it was
   * submitted or its predecessor was found done, which is when a readback asked early finds it (one asked late makes it
   * seem as long as the sleep, so that SLEEP_SHARE below 1 shrinks such an estimate). With it, that is the rate, and
   * `s` ended its GPU time after its predicted start (after when it was submitted or its predecessor ended), or now
   * where its readback spun. The first submit's rate is not recorded: slept by, a first submit 3x slower than the rest
   * kept a run oversleeping for a third of its submits.
   */
  done(s: PacedSubmit, gpuMs?: number): void {
    const t = this.now();
    if (gpuMs !== undefined) {
      const start = Math.max(s.at, this.endedAt ?? this.lastDone);
      this.endedAt = t - this.wokeAt > SPUN_MS ? t : Math.min(t, start + gpuMs);
    }
    if (s.items > 0 && this.warm) {
      this.rates.push((gpuMs ?? t - Math.max(s.at, this.lastDone)) / s.items);
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
