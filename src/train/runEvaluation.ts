// The final evaluation of a run: LARA (the actor, no noise), FRA, RRA and OPT on the same evaluation states, and the
// result table that `megc train` prints (its rows also the library's comparisonRows). No Node modules: the browser
// entry runs it too.
import { evaluatePolicy, type LatencyMeans } from '../env/evaluate.js';
import type { Scenario } from '../scenario.js';
import { formatTextTable } from '../textTable.js';
import { actorSizes } from './derive.js';
import type { TrainConfig } from './config.js';
import { actorPolicy } from './actor.js';
import { describeWorld, isLetter, worldOf, type World } from '../world/world.js';
import { worldActorMeans, worldAssociationMeans, worldBaselineMeans, worldEvaluationStates, worldOptMeans } from './worldActor.js';
import { worldLayout } from '../world/layout.js';
import type { AssociationRule } from '../world/opt/index.js';

export interface EvaluationResult {
  slots: number;
  policies: { lara: LatencyMeans; fra: LatencyMeans; rra: LatencyMeans; opt: LatencyMeans }
    & Partial<Record<AssociationRule | 'hybrid' | 'searched', LatencyMeans>>;
  gap: number;
  /** A generalised world's OPT: false when some slot's optimum was only bounded (its association searched, not enumerated). */
  optExact?: boolean;
}

/**
 * OPT on a run's evaluation set (config.evalSlots states of set 1): the letter's means (on the GPU when given), or a
 * world's states and per-slot optimum (float64, on the CPU: minutes at 65,536 slots of a large world). Computed once
 * for the evaluations during training (periodicEvaluation.ts) and the final one.
 */
export type EvaluationOpt =
  | { world: false; means: LatencyMeans }
  | { world: true; states: Float64Array; means: ReturnType<typeof worldOptMeans> };

/** The letter's evaluation set of a run: config.evalSlots states of set 1. */
const letterSet = (scenario: Scenario, config: TrainConfig) => ({ scenario, count: config.evalSlots, seed: 1 });

export async function evaluationOpt(scenario: Scenario, config: TrainConfig, device: GPUDevice | undefined): Promise<EvaluationOpt> {
  const world = worldOf(scenario);
  if (isLetter(world)) return { world: false, means: await evaluatePolicy('opt', letterSet(scenario, config), device) };
  const states = worldEvaluationStates(world, config.evalSlots);
  return { world: true, states, means: worldOptMeans(world, states) };
}

/** The letter's LARA (the actor's params, no noise) on the run's evaluation set: float64, on the CPU. */
export function letterLaraMeans(scenario: Scenario, config: TrainConfig, actor: ArrayLike<number>): Promise<LatencyMeans> {
  const policy = actorPolicy({ source: 'run', sizes: actorSizes(config), actor: Float64Array.from(actor), config, scenario, iteration: config.iterations });
  return evaluatePolicy(policy, letterSet(scenario, config));
}

/**
 * LARA (the actor, no noise), FRA, RRA and OPT on the evaluation set; OPT and the baselines on the GPU when given; OPT
 * as `opt` gives it where the run computed it already.
 */
export async function evaluateRun(scenario: Scenario, config: TrainConfig, actor: ArrayLike<number>, device: GPUDevice | undefined,
                                  log: (line: string) => void = () => {}, opt?: EvaluationOpt): Promise<EvaluationResult> {
  const world = worldOf(scenario);
  if (!isLetter(world)) return evaluateWorldRun(world, config, actor, device, log, opt?.world ? opt : undefined);
  const ctx = letterSet(scenario, config);
  log(`evaluating on ${config.evalSlots} evaluation slots (LARA, FRA, RRA, OPT)…`);
  const policies = {
    lara: await letterLaraMeans(scenario, config, actor),
    fra: await evaluatePolicy('fra', ctx, device),
    rra: await evaluatePolicy('rra', ctx, device),
    opt: opt && !opt.world ? opt.means : await evaluatePolicy('opt', ctx, device),
  };
  return { slots: config.evalSlots, policies, gap: policies.lara.total / policies.opt.total - 1 };
}

/**
 * A generalised world's run: LARA (float64), FRA and RRA (on the GPU when given) and the per-slot optimum (float64, on
 * the CPU) on the world's evaluation set of evalSlots states.
 */
async function evaluateWorldRun(world: World, config: TrainConfig, actor: ArrayLike<number>, device: GPUDevice | undefined,
                                log: (line: string) => void, given?: Extract<EvaluationOpt, { world: true }>): Promise<EvaluationResult> {
  const slots = config.evalSlots;
  log(`evaluating on ${slots} evaluation slots of ${describeWorld(world)} (LARA, FRA, RRA, OPT; where the policy associates, the association baselines and LARA's association finished by OPT, with and without a local search)…`);
  const states = given?.states ?? worldEvaluationStates(world, slots);
  const { exact, lowerBound: _bound, ...opt } = given?.means ?? worldOptMeans(world, states);
  const { lara, hybrid, searched } = worldActorMeans(world.scenario, config, actor, states);
  const policies: EvaluationResult['policies'] = {
    lara,
    fra: await worldBaselineMeans(world, 'fra', slots, device),
    rra: await worldBaselineMeans(world, 'rra', slots, device),
    opt,
  };
  // Where the policy associates: the three associations finished by OPT's allocation.
  if (worldLayout(world).action.server !== null) {
    for (const rule of ['maxSnr', 'random', 'lagrangian'] as const) policies[rule] = worldAssociationMeans(world, states, rule);
  }
  if (hybrid) policies.hybrid = hybrid;
  if (searched) policies.searched = searched;
  return { slots, policies, gap: policies.lara.total / policies.opt.total - 1, optExact: exact };
}

/** The association baselines' rows: the rule's association, OPT's allocation. */
const ASSOCIATION_ROWS: [AssociationRule, string][] = [['maxSnr', 'max-SNR + OPT'], ['random', 'random + OPT'], ['lagrangian', 'Lagrangian + OPT']];

/** One row of the result table: the policy's key in EvaluationResult.policies, its name, its means. */
export interface EvaluationRow { policy: keyof EvaluationResult['policies']; name: string; means: LatencyMeans }

/**
 * The result table's rows in order: LARA, the hybrids (where the policy associates), FRA, RRA, the association
 * baselines (where the policy associates), OPT ("OPT (searched)" where some slot's optimum was only bounded).
 */
export function evaluationRows(e: Pick<EvaluationResult, 'policies' | 'optExact'>): EvaluationRow[] {
  const p = e.policies;
  const row = (policy: EvaluationRow['policy'], name: string): EvaluationRow[] => (p[policy] ? [{ policy, name, means: p[policy]! }] : []);
  return [
    ...row('lara', 'LARA'), ...row('hybrid', 'LARA assoc. + OPT'), ...row('searched', 'LARA assoc. + search + OPT'), ...row('fra', 'FRA'), ...row('rra', 'RRA'),
    ...ASSOCIATION_ROWS.flatMap(([rule, name]) => row(rule, name)),
    ...row('opt', e.optExact === false ? 'OPT (searched)' : 'OPT'),
  ];
}

/** The result table: mean latencies per user and in total, and each policy's gap to OPT. */
export function formatEvaluation(e: EvaluationResult): string {
  const row = ({ name, means: m }: EvaluationRow) => [name, m.comp.toFixed(4), m.aigc.toFixed(4), m.ve.toFixed(4), m.total.toFixed(4),
    `${((m.total / e.policies.opt.total - 1) * 100).toFixed(2)}%`];
  const table = formatTextTable([
    ['policy', 'L_comp (s)', 'L_aigc (s)', 'L_ve (s)', 'L_total (s)', 'gap to OPT'], ...evaluationRows(e).map(row),
  ], [false, true, true, true, true, true]);
  return [`evaluation on ${e.slots} slots:`, table, `LARA's gap to OPT: ${(e.gap * 100).toFixed(2)}%`].join('\n');
}
