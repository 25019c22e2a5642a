// The evaluation table #results: one row per policy as `megc train` prints them (comparisonRows), each with
// data-policy (its key), data-total (mean L_total in s) and data-gap (a fraction).
import { comparisonRows, type PolicyComparison } from '../../src/index.browser.js';

const seconds = (x: number) => x.toFixed(4);

function cell(text: string): HTMLTableCellElement {
  const td = document.createElement('td');
  td.textContent = text;
  return td;
}

/** Fills the table's body with the evaluation's policies and their gap to OPT (mean L_total / mean L_total(OPT) - 1). */
export function showResults(table: HTMLTableElement, comparison: PolicyComparison): void {
  const body = table.tBodies[0];
  const optTotal = comparison.opt.total;
  body.replaceChildren(...comparisonRows(comparison).map(({ policy, name, means: m }) => {
    const gap = m.total / optTotal - 1;
    const row = document.createElement('tr');
    row.dataset.policy = policy;
    row.dataset.total = String(m.total);
    row.dataset.gap = String(gap);
    row.append(cell(name), cell(seconds(m.comp)), cell(seconds(m.aigc)), cell(seconds(m.ve)), cell(seconds(m.total)),
      cell(policy === 'opt' ? '—' : `${(gap * 100).toFixed(2)}%`));
    return row;
  }));
}

export function clearResults(table: HTMLTableElement): void {
  table.tBodies[0].replaceChildren();
}
