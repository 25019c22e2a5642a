// Checks of states and actions read from files: actions feasible (shares in [0, 1], compute shares summing to 1 within
// 1e-6, MODEL.md eq. 18), states inside the model's range (the loads they make fit the GPU kernels' float32).
import { UserError } from '../errors.js';
import type { Scenario } from '../scenario.js';
import { ACTION_COLUMNS } from './layout.js';

/** Largest |omega_comp + omega_aigc + omega_ve - 1| accepted. */
export const OMEGA_SUM_TOLERANCE = 1e-6;

/** The largest finite float32: every load the kernels form from a state (bits, cycles) must stay below it. */
export const FLOAT32_MAX = 3.4028234663852886e38;

const where = (source: string, row: number) => `${source}: row ${row} (line ${row + 1})`;

/**
 * Checks every action row; the first problem is a UserError naming the source, row (1-based: the table's first row is
 * `firstRow`; file line = row + 1) and column. columns: the seven action columns, each `rows` long.
 */
export function validateActions(columns: Record<string, ArrayLike<number>>, rows: number, source: string, firstRow = 1): void {
  for (let r = 0; r < rows; r++) {
    for (const name of ACTION_COLUMNS) {
      const v = columns[name][r];
      if (!(v >= 0 && v <= 1)) throw new UserError(`${where(source, firstRow + r)}, column "${name}": ${v} is outside [0, 1]`);
    }
    const sum = columns.omega_comp[r] + columns.omega_aigc[r] + columns.omega_ve[r];
    if (!(Math.abs(sum - 1) <= OMEGA_SUM_TOLERANCE)) {
      throw new UserError(`${where(source, firstRow + r)}, column "omega_ve": omega_comp + omega_aigc + omega_ve = ${sum}, must be 1 within ${OMEGA_SUM_TOLERANCE}`);
    }
  }
}

/**
 * The largest value of each data-size column inside the model's range for `scenario`: the loads the latency formulas
 * form from it (cyclesPerBit x d_comp cycles, psi x d_ve bits, generation cycles xi chi D genUnitCycles) must fit float32,
 * the precision of the GPU kernels, so that a finite latency is never computed as infinity (nor 1e308 overflow float64).
 */
export function dataSizeLimits(scenario: Scenario): { d_comp: number; d_aigc: number; d_ve: number } {
  const generation = scenario.xi * scenario.cyclesPerBit * scenario.genUnitCycles;
  return {
    d_comp: FLOAT32_MAX / Math.max(1, scenario.cyclesPerBit, generation),
    d_aigc: FLOAT32_MAX / Math.max(1, generation),
    d_ve: FLOAT32_MAX / Math.max(1, scenario.psi, scenario.psi * generation),
  };
}

/** Checks every state row's data sizes against dataSizeLimits; a UserError naming the row, the column and the limit. */
export function validateStates(columns: Record<string, ArrayLike<number>>, rows: number, source: string, scenario: Scenario, firstRow = 1): void {
  const limits = dataSizeLimits(scenario);
  for (const [name, limit] of Object.entries(limits)) {
    const column = columns[name];
    for (let r = 0; r < rows; r++) {
      if (column[r] > limit) {
        throw new UserError(`${where(source, firstRow + r)}, column "${name}": ${column[r]} bits is outside the model's range (at most ${limit.toPrecision(6)} for this scenario: the loads it makes must fit the float32 the GPU kernels compute in)`);
      }
    }
  }
}
