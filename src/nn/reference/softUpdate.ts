// CPU reference (float64) of shaders/soft_update.wgsl.

/** target <- tau * source + (1 - tau) * target, in place. source, target: (count,) */
export function softUpdate(source: ArrayLike<number>, target: Float64Array, tau: number): void {
  for (let i = 0; i < target.length; i++) target[i] = tau * source[i] + (1 - tau) * target[i];
}
