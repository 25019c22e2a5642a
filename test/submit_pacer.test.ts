// SubmitPacer (src/gpu/submitPacer.ts): how long it sleeps before a readback, on a clock the test moves by hand.
import { describe, expect, it } from 'vitest';
import { MIN_SLEEP_MS, RATE_WINDOW, SLEEP_SHARE, SubmitPacer, TIMED_WAKE_SHARE } from '../src/gpu/submitPacer.js';

/** A pacer on a clock the test sets, past its first submit (done at 0, which gives no rate). */
function pacer() {
  let clock = 0;
  const slept: number[] = [];
  const p = new SubmitPacer(() => clock, async (ms) => { slept.push(ms); clock += ms; });
  p.done(p.submitted(1));
  return { p, slept, at: (t: number) => { clock = t; } };
}

describe('SubmitPacer', () => {
  it('sleeps by a seeded rate before the first submit gives one, and ignores a seed that is not a positive number', async () => {
    let clock = 0;
    const slept: number[] = [];
    const seeded = new SubmitPacer(() => clock, async (ms) => { slept.push(ms); clock += ms; });
    seeded.seed(NaN);
    seeded.seed(0);
    const unseeded = seeded.submitted(25);
    await seeded.beforeReadback(unseeded);
    expect(slept).toEqual([]);  // no rate yet: asks at once
    seeded.seed(4);
    const first = seeded.submitted(25);
    await seeded.beforeReadback(first);
    expect(slept).toEqual([SLEEP_SHARE * 100]);  // 25 items at 4 ms from its submit at 0
  });

  it('asks at once before it has seen a submit done, then sleeps SLEEP_SHARE of the time left at the submits\' rate', async () => {
    const { p, slept, at } = pacer();
    const first = p.submitted(25);
    const second = p.submitted(25);
    await p.beforeReadback(first);
    expect(slept).toEqual([]);
    at(100);
    p.done(first);  // 25 items in 100 ms: 4 ms each
    // The second ran from the first's end: done at 200 by that rate, so the pacer sleeps until 100 + 0.9 x 100.
    at(110);
    await p.beforeReadback(second);
    expect(slept).toEqual([100 + SLEEP_SHARE * 100 - 110]);
  });

  it('measures a submit from when it was submitted where the one before was done earlier, and skips waits below MIN_SLEEP_MS', async () => {
    const { p, slept, at } = pacer();
    const first = p.submitted(10);
    at(50);
    p.done(first);  // 5 ms per item
    at(70);
    const second = p.submitted(2);  // submitted after the first was done: runs from 70, expected done at 80
    at(79);
    await p.beforeReadback(second);  // 70 + 0.9 x 10 - 79 = 0 ms: not slept
    expect(slept).toEqual([]);
    at(80);
    p.done(second);  // 10 ms for 2 items from 70: 5 ms per item
    const third = p.submitted(4);
    await p.beforeReadback(third);
    expect(slept).toEqual([SLEEP_SHARE * 20]);
    expect(SLEEP_SHARE * 20).toBeGreaterThan(MIN_SLEEP_MS);
  });

  it('sleeps by the median rate of the last RATE_WINDOW submits, so that one found done late does not idle the GPU', async () => {
    const { p, slept, at } = pacer();
    // Rates 4, 5 and 40 ms per item (the last found 8x late), each submitted when the one before was done.
    let t = 0;
    for (const rate of [4, 5, 40]) {
      const s = p.submitted(10);
      t += 10 * rate;
      at(t);
      p.done(s);
    }
    const next = p.submitted(10);
    await p.beforeReadback(next);
    expect(slept.at(-1)).toBeCloseTo(SLEEP_SHARE * 10 * 5, 9);
    // RATE_WINDOW fast submits later the slow one has left the window: the median is the fast rate whatever came before.
    for (let i = 0; i < RATE_WINDOW; i++) {
      const s = p.submitted(10);
      t += 20;
      at(t);
      p.done(s);
    }
    await p.beforeReadback(p.submitted(10));
    expect(slept.at(-1)).toBeCloseTo(SLEEP_SHARE * 10 * 2, 9);
  });

  it('takes no rate from the first submit, which pays for first use', async () => {
    let clock = 0;
    const slept: number[] = [];
    const p = new SubmitPacer(() => clock, async (ms) => { slept.push(ms); clock += ms; });
    const first = p.submitted(25);
    const second = p.submitted(25);
    clock = 1000;
    p.done(first);  // 40 ms per item, were it counted
    await p.beforeReadback(second);
    expect(slept).toEqual([]);
    clock = 1100;
    p.done(second);  // 4 ms per item
    const third = p.submitted(25);
    await p.beforeReadback(third);
    expect(slept).toEqual([SLEEP_SHARE * 100]);
  });

  it('with each submit\'s GPU time, asks just after the end those times predict, anchored where a readback spun', async () => {
    const { p, slept, at } = pacer();
    const first = p.submitted(25);
    const second = p.submitted(25);
    await p.beforeReadback(first);  // no rate yet: asked at once, so it spins until the first ends
    at(100);
    p.done(first, 80);  // 80 ms of GPU time (3.2 ms per item); it spun, so it ended at 100
    at(150);
    const third = p.submitted(25);
    await p.beforeReadback(second);  // the second started at 100: asked at 100 + 1.05 x 80
    expect(slept).toEqual([100 + TIMED_WAKE_SHARE * 80 - 150]);
    p.done(second, 70);  // found done at once (at 184): it ended 70 ms after its start, at 170
    // The third started at 170, not when the second was found done: asked at 170 + 1.05 x 25 x 2.8 (the median rate
    // of 3.2 and 2.8 ms per item, the lower middle).
    await p.beforeReadback(third);
    expect(slept.at(-1)).toBeCloseTo(170 + TIMED_WAKE_SHARE * 25 * 2.8 - (100 + TIMED_WAKE_SHARE * 80), 9);
  });
});
