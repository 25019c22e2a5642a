// The evaluation table #results: one row per policy (data-policy, data-total = mean L_total in s, data-gap = fraction).
import type { LatencyMeans } from '../../src/env/evaluate.js';
import { POLICY_LABELS } from '../../src/figures/data.js';
import { POLICIES } from '../../src/figures/runTypes.js';
import type { PolicyResults } from './session.js';

const seconds = (x: number) => x.toFixed(4);

function cell(text: string): HTMLTableCellElement {
  const td = document.createElement('td');
  td.textContent = text;
  return td;
}

/** Fills the table's body with the four policies and their gap to OPT (mean L_total / mean L_total(OPT) - 1). */
export function showResults(table: HTMLTableElement, results: PolicyResults): void {
  const body = table.tBodies[0];
  const optTotal = results.opt.total;
  body.replaceChildren(...POLICIES.map((policy) => {
    const m: LatencyMeans = results[policy];
    const gap = m.total / optTotal - 1;
    const row = document.createElement('tr');
    row.dataset.policy = policy;
    row.dataset.total = String(m.total);
    row.dataset.gap = String(gap);
    row.append(cell(POLICY_LABELS[policy]), cell(seconds(m.comp)), cell(seconds(m.aigc)), cell(seconds(m.ve)), cell(seconds(m.total)),
      cell(policy === 'opt' ? '—' : `${(gap * 100).toFixed(2)}%`));
    return row;
  }));
}

export function clearResults(table: HTMLTableElement): void {
  table.tBodies[0].replaceChildren();
}
