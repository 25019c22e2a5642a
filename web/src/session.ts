// The page's evaluation of a trained policy as `megc train` evaluates a run, through the library: the letter's policy by
// policy (evaluatePolicy, evaluateBaseline), so that the status names each one, a world's at once (evaluateLara).
import {
  ACTION_COLUMNS, describeWorld, evaluateBaseline, evaluateLara, evaluatePolicy, isLetter, LATENCY_COLUMNS, STATE_COLUMNS, UserError, worldOf,
  type LatencyMeans, type PolicyComparison, type TrainedPolicy,
} from '../../src/index.browser.js';

/**
 * Refuses, before any policy runs, an evaluation set larger than this GPU evaluates: OPT holds the set's states,
 * actions and latencies in one buffer each (a checkpoint's evalSlots may say anything).
 */
export function checkEvaluationFits(count: number, limits: Pick<GPUSupportedLimits, 'maxStorageBufferBindingSize' | 'maxBufferSize'>): void {
  const bytesPerSlot = 4 * Math.max(STATE_COLUMNS.length, ACTION_COLUMNS.length, LATENCY_COLUMNS.length);
  const most = Math.floor(Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize) / bytesPerSlot);
  if (!Number.isSafeInteger(count) || count < 1 || count > most) {
    throw new UserError(`evaluation slots ${count}: this GPU evaluates at most ${most} (its maxStorageBufferBindingSize holds ${bytesPerSlot} bytes per slot)`);
  }
}

/**
 * The evaluation of `policy` on the first `count` slots of its scenario's evaluation set, as `megc train` ends a run:
 * the letter's LARA (the actor on the CPU, float64, no noise), FRA, RRA and OPT (on the GPU), checked against the GPU's
 * limits first; a world's by evaluateLara (LARA and OPT in float64 on the CPU, FRA and RRA on the GPU, and where the
 * policy associates the association baselines and the two hybrids). `onStatus` is told what runs before it starts.
 */
export async function evaluatePage(policy: TrainedPolicy, count: number, device: GPUDevice,
                                   onStatus: (text: string) => Promise<void> | void): Promise<PolicyComparison> {
  const world = worldOf(policy.scenario);
  if (!isLetter(world)) {
    await onStatus(`Evaluating LARA, FRA, RRA and OPT on ${count} evaluation slots of ${describeWorld(world)} (OPT on the CPU)…`);
    return evaluateLara(policy, { slots: count, device });
  }
  checkEvaluationFits(count, device.limits);
  const set = { slots: count, seed: 1 };
  const step = async (name: string, run: () => Promise<LatencyMeans>) => {
    await onStatus(`Evaluating ${name} on ${count} evaluation slots…`);
    return run();
  };
  const lara = await step('LARA', () => evaluatePolicy(policy, set));
  const fra = await step('FRA', () => evaluateBaseline(policy.scenario, 'fra', { ...set, device }));
  const rra = await step('RRA', () => evaluateBaseline(policy.scenario, 'rra', { ...set, device }));
  const opt = await step('OPT', () => evaluateBaseline(policy.scenario, 'opt', { ...set, device }));
  return { slots: count, lara, fra, rra, opt, gap: lara.total / opt.total - 1 };
}
