// One shared closeness check: |gpu - ref| <= atol + rtol * |ref| elementwise, reporting the worst index.
import { expect } from 'vitest';

export interface Tolerance {
  atol: number;
  rtol: number;
}

export function worstMismatch(gpu: ArrayLike<number>, ref: ArrayLike<number>, { atol, rtol }: Tolerance) {
  let worst = -1;
  let worstExcess = -Infinity;
  for (let i = 0; i < ref.length; i++) {
    const g = gpu[i];
    const r = ref[i];
    let excess: number;
    if (Number.isNaN(r) || Number.isNaN(g)) excess = Number.isNaN(r) && Number.isNaN(g) ? -1 : Infinity;
    else if (!Number.isFinite(r) || !Number.isFinite(g)) excess = g === r ? -1 : Infinity;
    else excess = Math.abs(g - r) - (atol + rtol * Math.abs(r));
    if (excess > worstExcess) { worstExcess = excess; worst = i; }
  }
  return { index: worst, excess: worstExcess };
}

/** Fails with the worst element (index, both values, allowed error) when any element is outside tolerance. */
export function expectClose(gpu: ArrayLike<number>, ref: ArrayLike<number>, tol: Tolerance, what = 'values'): void {
  expect(gpu.length, `${what}: length`).toBe(ref.length);
  const { index, excess } = worstMismatch(gpu, ref, tol);
  if (excess > 0) {
    const g = gpu[index];
    const r = ref[index];
    const allowed = tol.atol + tol.rtol * Math.abs(r);
    expect.fail(`${what}: worst mismatch at index ${index} of ${ref.length}: gpu ${g}, reference ${r}, ` +
      `|diff| ${Math.abs(g - r)} > allowed ${allowed} (atol ${tol.atol}, rtol ${tol.rtol})`);
  }
}
