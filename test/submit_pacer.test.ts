// SubmitPacer (src/gpu/submitPacer.ts): how long it sleeps before a readback, on a clock the test moves by hand.
import { describe, expect, it } from 'vitest';
import { MIN_SLEEP_MS, SLEEP_SHARE, SubmitPacer } from '../src/gpu/submitPacer.js';

function pacer() {
  let clock = 0;
  const slept: number[] = [];
  const p = new SubmitPacer(() => clock, async (ms) => { slept.push(ms); clock += ms; });
  return { p, slept, at: (t: number) => { clock = t; } };
}

describe('SubmitPacer', () => {
  it('asks at once before it has seen a submit done, then sleeps SLEEP_SHARE of the time left by the last submit\'s rate', async () => {
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
    at(90);
    p.done(second);  // 20 ms for 2 items from 70: 10 ms per item
    const third = p.submitted(3);
    await p.beforeReadback(third);
    expect(slept).toEqual([SLEEP_SHARE * 30]);
    expect(SLEEP_SHARE * 30).toBeGreaterThan(MIN_SLEEP_MS);
  });
});
