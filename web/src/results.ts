// The evaluation table #results: one row per policy as `megc train` prints them (src/train/runEvaluation.ts:
// evaluationRows), each with data-policy (its key), data-total (mean L_total in s) and data-gap (a fraction).
import type { LatencyMeans } from '../../src/env/evaluate.js';
import { evaluationRows, type EvaluationResult } from '../../src/train/runEvaluation.js';

const seconds = (x: number) => x.toFixed(4);

function cell(text: string): HTMLTableCellElement {
  const td = document.createElement('td');
  td.textContent = text;
  return td;
}

/** Fills the table's body with the evaluation's policies and their gap to OPT (mean L_total / mean L_total(OPT) - 1). */
export function showResults(table: HTMLTableElement, evaluation: Pick<EvaluationResult, 'policies' | 'optExact'>): void {
  const body = table.tBodies[0];
  const optTotal = evaluation.policies.opt.total;
  body.replaceChildren(...evaluationRows(evaluation).map(({ policy, name, means }) => {
    const m: LatencyMeans = means;
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
