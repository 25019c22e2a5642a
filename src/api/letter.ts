// The letter's environment (one edge server, one user of each service): states, latencies of actions, the FRA, RRA and
// OPT baselines, and evaluation with the gap to OPT; float64 on the CPU, or float32 on a given GPUDevice. A trained
// policy's evaluation also takes a world of many users and servers, as `megc train` evaluates a run on one.
import { evaluatePolicy as evaluateProvider, evaluationStates, resolvePolicy, EVAL_SLOTS } from '../env/evaluate.js';
import { latenciesGpu, solveOptGpu } from '../env/gpu.js';
import { ACTION_SIZE, STATE_SIZE } from '../env/layout.js';
import { optActions } from '../env/opt.js';
import { latencies as referenceLatencies } from '../env/reference.js';
import { UserError } from '../errors.js';
import type { Scenario } from '../scenario.js';
import { actorPolicy } from '../train/actor.js';
import { evaluateRun } from '../train/runEvaluation.js';
import { worldActorPolicy } from '../train/worldActor.js';
import { evaluateWorldPolicy } from '../world/evaluate.js';
import { isLetter, requireLetter, worldOf } from '../world/world.js';
import { onDevice } from './device.js';
import type { Baseline, DeviceOption, EvaluationSetOptions, LatencyMeans, PolicyComparison, TrainedPolicy } from './types.js';

/** Rows of `values` as (n, width), or a UserError naming `what`. */
export function rowsOf(values: ArrayLike<number>, width: number, what: string): number {
  const n = values.length / width;
  if (!Number.isInteger(n)) throw new UserError(`${what}: ${values.length} values are not whole rows of ${width}`);
  return n;
}

function checkPairs(states: ArrayLike<number>, actions: ArrayLike<number>): number {
  const n = rowsOf(states, STATE_SIZE, 'states');
  if (rowsOf(actions, ACTION_SIZE, 'actions') !== n) throw new UserError(`actions: ${actions.length / ACTION_SIZE} rows for ${n} states`);
  return n;
}

function evaluationSet(options: EvaluationSetOptions, slots: number): { count: number; seed: number } {
  const count = options.slots ?? slots;
  if (!Number.isInteger(count) || count < 1) throw new UserError(`slots must be an integer >= 1, got ${count}`);
  return { count, seed: options.seed ?? 1 };
}

/**
 * The first `count` states of evaluation set `seed` (the states evaluateBaseline and evaluateLara score), float64,
 * (count, 7) row-major: h_comp_off, h_aigc_back, h_ve_off, h_ve_back, d_comp, d_ve, d_aigc.
 */
export function sampleStates(scenario: Scenario, count: number, options: { seed?: number } = {}): Float64Array {
  requireLetter(scenario, 'scenario', 'sampleStates');
  const set = evaluationSet({ slots: count, seed: options.seed }, count);
  return evaluationStates(scenario, set.count, set.seed);
}

/**
 * Latencies of actions (n, 7) on states (n, 7), (n, 4) row-major: l_comp, l_aigc, l_ve, l_total in seconds. Float64
 * on the CPU, or float32 on `options.device`.
 */
export async function latencies(scenario: Scenario, states: ArrayLike<number>, actions: ArrayLike<number>, options: DeviceOption = {}): Promise<Float64Array> {
  requireLetter(scenario, 'scenario', 'latencies');
  const n = checkPairs(states, actions);
  const { device } = options;
  if (device) return onDevice(device, 'latencies', async () => Float64Array.from(await latenciesGpu(device, scenario, states, actions)));
  return referenceLatencies(scenario, Float64Array.from(states), actions, n);
}

/**
 * A baseline's actions (n, 7) for states (n, 7): FRA's equal shares; RRA's random shares as drawn for row i of
 * evaluation set `seed`; OPT's per-state optimum (float64 on the CPU, or float32 on `options.device`).
 */
export async function baselineActions(scenario: Scenario, baseline: Baseline, states: ArrayLike<number>,
                                      options: DeviceOption & { seed?: number } = {}): Promise<Float64Array> {
  requireLetter(scenario, 'scenario', 'baselineActions');
  const n = rowsOf(states, STATE_SIZE, 'states');
  const rows = Float64Array.from(states);
  if (baseline === 'opt') {
    const { device } = options;
    if (device) return onDevice(device, 'OPT', async () => Float64Array.from((await solveOptGpu(device, scenario, rows)).actions));
    return optActions(scenario, rows).actions;
  }
  const provider = await resolvePolicy(baseline);
  return Float64Array.from(await provider.actionsCpu({ scenario, count: n, seed: options.seed ?? 1 }, rows, 0));
}

/**
 * Mean latencies of a baseline over an evaluation set: float64 on the CPU, or on `options.device` (float32, summed
 * on the device).
 */
export async function evaluateBaseline(scenario: Scenario, baseline: Baseline, options: EvaluationSetOptions & DeviceOption = {}): Promise<LatencyMeans> {
  requireLetter(scenario, 'scenario', 'evaluateBaseline');
  const ctx = { scenario, ...evaluationSet(options, EVAL_SLOTS) };
  return onDevice(options.device, `evaluating ${baseline}`, () => evaluateProvider(baseline, ctx, options.device));
}

/**
 * Mean latencies of a trained policy (its actor, float64 on the CPU, no noise) over an evaluation set (default: the
 * policy's config.evalSlots states of set 1). On a world: per type the mean latency of an active user, and the mean
 * L_total per slot (the world's WorldEvaluation, with the slots and requests it averaged over).
 */
export async function evaluatePolicy(policy: TrainedPolicy, options: EvaluationSetOptions = {}): Promise<LatencyMeans> {
  const world = worldOf(policy.scenario);
  const set = evaluationSet(options, policy.config.evalSlots);
  if (!isLetter(world)) return evaluateWorldPolicy(worldActorPolicy(policy), { world, ...set });
  return evaluateProvider(actorPolicy(policy), { scenario: policy.scenario, ...set });
}

/**
 * LARA (the policy's actor, float64 on the CPU, no noise), FRA, RRA and OPT on the same evaluation set (default:
 * the policy's config.evalSlots states of set 1), and LARA's gap to OPT, as `megc train` reports a run. The baselines
 * run on `options.device` when given. On a world, as `megc train` ends a run there: set 1 only; OPT (src/world/opt)
 * and LARA in float64 on the CPU, FRA and RRA on the device; per type the mean latency of an active user and the mean
 * L_total per slot; where the policy associates, also the association baselines and the two hybrids.
 */
export async function evaluateLara(policy: TrainedPolicy, options: EvaluationSetOptions & DeviceOption = {}): Promise<PolicyComparison> {
  const { scenario } = policy;
  if (!isLetter(worldOf(scenario))) return evaluateLaraOnWorld(policy, options);
  const ctx = { scenario, ...evaluationSet(options, policy.config.evalSlots) };
  const lara = await evaluateProvider(actorPolicy(policy), ctx);
  const baseline = (name: Baseline) => onDevice(options.device, `evaluating ${name}`, () => evaluateProvider(name, ctx, options.device));
  const fra = await baseline('fra');
  const rra = await baseline('rra');
  const opt = await baseline('opt');
  return { slots: ctx.count, lara, fra, rra, opt, gap: lara.total / opt.total - 1 };
}

/** evaluateLara on a world: evaluateRun, the final evaluation of `megc train`, on the first `slots` states of set 1. */
async function evaluateLaraOnWorld(policy: TrainedPolicy, options: EvaluationSetOptions & DeviceOption): Promise<PolicyComparison> {
  const set = evaluationSet(options, policy.config.evalSlots);
  if (set.seed !== 1) throw new UserError(`seed ${set.seed}: evaluateLara compares on a world's standard evaluation set (seed 1) only, as megc train does`);
  const e = await onDevice(options.device, 'evaluating LARA', () => evaluateRun(policy.scenario, { ...policy.config, evalSlots: set.count }, policy.actor, options.device));
  const { lara, fra, rra, opt, maxSnr, random, lagrangian, hybrid, searched } = e.policies;
  return {
    slots: e.slots, lara, fra, rra, opt, gap: e.gap, optExact: e.optExact,
    ...(maxSnr && random && lagrangian ? { associations: { maxSnr, random, lagrangian } } : {}), ...(hybrid ? { hybrid } : {}),
    ...(searched ? { searched } : {}),
  };
}
