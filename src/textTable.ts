// Plain-text tables whose column widths come from their cells, so that no value (1e300 included) runs into the next.

/**
 * `rows` (the header first) as lines: each column as wide as its widest cell, columns `gap` spaces apart, text
 * columns padded on the right and `right`-aligned ones (numbers) on the left; trailing spaces trimmed.
 */
export function formatTextTable(rows: readonly (readonly string[])[], right: readonly boolean[] = [], gap = 2): string {
  const columns = Math.max(0, ...rows.map((r) => r.length));
  const widths = Array.from({ length: columns }, (_, c) => Math.max(0, ...rows.map((r) => (r[c] ?? '').length)));
  return rows
    .map((cells) => cells.map((cell, c) => (right[c] ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join(' '.repeat(gap)).trimEnd())
    .join('\n');
}
