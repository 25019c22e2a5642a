// The outputs one invocation of a register-blocked kernel computes (no workgroup memory, no barriers): a block of
// ROWS_PER_THREAD x COLS_PER_THREAD of a (rows, columns) result. LANES_OVER_ROWS: consecutive invocations take
// consecutive row blocks (so a SIMD group shares its column operand's loads); otherwise consecutive column blocks.
// Declares `override WORKGROUP_SIZE` and needs the defines ROWS_PER_THREAD, COLS_PER_THREAD, LANES_OVER_ROWS.

#include "lib/grid.wgsl"
const ROWS_PER_THREAD = ${ROWS_PER_THREAD}u;
const COLS_PER_THREAD = ${COLS_PER_THREAD}u;
const LANES_OVER_ROWS = ${LANES_OVER_ROWS};

// (row0, col0, 1) of invocation i; (0, 0, 0) past the last block.
fn register_block(i: u32, rows: u32, columns: u32) -> vec3<u32> {
  let row_blocks = (rows + ROWS_PER_THREAD - 1u) / ROWS_PER_THREAD;
  let col_blocks = (columns + COLS_PER_THREAD - 1u) / COLS_PER_THREAD;
  if (i >= row_blocks * col_blocks) { return vec3<u32>(0u); }
  if (LANES_OVER_ROWS) { return vec3<u32>((i % row_blocks) * ROWS_PER_THREAD, (i / row_blocks) * COLS_PER_THREAD, 1u); }
  return vec3<u32>((i / col_blocks) * ROWS_PER_THREAD, (i % col_blocks) * COLS_PER_THREAD, 1u);
}
