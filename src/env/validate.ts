// Feasibility of actions read from files: shares in [0, 1], compute shares summing to 1 within 1e-6 (MODEL.md, eq. 18).
import { UserError } from '../errors.js';
import { ACTION_COLUMNS } from './layout.js';

/** Largest |omega_comp + omega_aigc + omega_ve - 1| accepted. */
export const OMEGA_SUM_TOLERANCE = 1e-6;

/**
 * Checks every action row; the first problem is a UserError naming the source, row (1-based, file line = row + 1)
 * and column. columns: the seven action columns, each `rows` long.
 */
export function validateActions(columns: Record<string, ArrayLike<number>>, rows: number, source: string): void {
  for (let row = 0; row < rows; row++) {
    const where = `${source}: row ${row + 1} (line ${row + 2})`;
    for (const name of ACTION_COLUMNS) {
      const v = columns[name][row];
      if (!(v >= 0 && v <= 1)) throw new UserError(`${where}, column "${name}": ${v} is outside [0, 1]`);
    }
    const sum = columns.omega_comp[row] + columns.omega_aigc[row] + columns.omega_ve[row];
    if (!(Math.abs(sum - 1) <= OMEGA_SUM_TOLERANCE)) {
      throw new UserError(`${where}, column "omega_ve": omega_comp + omega_aigc + omega_ve = ${sum}, must be 1 within ${OMEGA_SUM_TOLERANCE}`);
    }
  }
}
