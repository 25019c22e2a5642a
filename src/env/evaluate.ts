// Policy evaluation on the fixed evaluation set (MODEL.md "Evaluation protocol"): mean latencies on CPU or GPU.
import { UserError } from '../errors.js';
import { createStorage, readFloat32 } from '../gpu/buffers.js';
import { EVAL_SEED, Stream } from '../rng/streams.js';
import type { Scenario } from '../scenario.js';
import { releaseDispatches, submitPass, type Dispatch } from '../gpu/kernel.js';
import { TREE_REDUCE } from '../gpu/reduce.js';
import { envSampleDispatch, envSampleKernel, optDispatch, optKernel, rolloutMeanGpu, scenarioBuffer, vec4SumDispatch, vec4SumKernel } from './gpu.js';
import { ACTION_SIZE, LATENCY_SIZE, STATE_SIZE } from './layout.js';
import { optActions } from './opt.js';
import { fraAction, latency, rraAction, sampleStates } from './reference.js';
import { yieldToEvents } from '../yieldToEvents.js';

/** Default size of the evaluation set. */
export const EVAL_SLOTS = 65536;

/** Mean latencies in seconds. */
export interface LatencyMeans { comp: number; aigc: number; ve: number; total: number }

const means = (v: ArrayLike<number>, n: number): LatencyMeans => ({ comp: v[0] / n, aigc: v[1] / n, ve: v[2] / n, total: v[3] / n });

/**
 * States per step of a CPU evaluation: it holds one step's states and actions whatever the set's size, and yields to
 * signals between steps. OPT, about 0.25 ms a state, takes steps of OPT_CPU_STEP (about 60 ms).
 */
export const CPU_EVALUATION_STEP = 1024;
export const OPT_CPU_STEP = 256;

/** Where the evaluation set of (count, seed) comes from: env i is `firstEnv + i` at `slot` with key (EVAL_SEED, evalStates). */
export function evaluationSetKey(seed: number): { stateSeed: number; stateStream: number; slot: number } {
  if (!Number.isInteger(seed) || seed < 1 || seed > 2 ** 32) throw new UserError(`--seed must be an integer in [1, 2^32], got ${seed}`);
  return { stateSeed: EVAL_SEED, stateStream: Stream.evalStates, slot: seed - 1 };
}

/** The evaluation set: sampleStates(scenario, EVAL_SEED, Stream.evalStates, 0, count, seed - 1). Returns (count, 7). */
export function evaluationStates(scenario: Scenario, count = EVAL_SLOTS, seed = 1): Float64Array {
  const key = evaluationSetKey(seed);
  return sampleStates(scenario, key.stateSeed, key.stateStream, 0, count, key.slot);
}

/** Adds the latencies of actions (n, 7) on states (n, 7) to `sums` (comp, aigc, ve, total), float64, row by row. */
function addLatencySums(sums: number[], scenario: Scenario, states: ArrayLike<number>, actions: ArrayLike<number>): void {
  const n = states.length / STATE_SIZE;
  if (!Number.isInteger(n) || actions.length !== n * ACTION_SIZE) throw new RangeError('states and actions must both be (n, 7)');
  const s = new Array<number>(STATE_SIZE), a = new Array<number>(ACTION_SIZE);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < STATE_SIZE; k++) s[k] = states[i * STATE_SIZE + k];
    for (let k = 0; k < ACTION_SIZE; k++) a[k] = actions[i * ACTION_SIZE + k];
    const l = latency(scenario, s, a);
    for (let k = 0; k < LATENCY_SIZE; k++) sums[k] += l[k];
  }
}

/** Mean latencies of actions (n, 7) on states (n, 7), float64. */
export function evaluateActions(scenario: Scenario, states: ArrayLike<number>, actions: ArrayLike<number>): LatencyMeans {
  const sums = [0, 0, 0, 0];
  addLatencySums(sums, scenario, states, actions);
  return means(sums, states.length / STATE_SIZE);
}

export interface EvaluationContext {
  scenario: Scenario;
  /** Size of the evaluation set. */
  count: number;
  /** Evaluation set index (default 1 = the standard set). */
  seed: number;
}

/** A policy the evaluator can score; the trainer registers its actor as one through registerPolicyResolver. */
export interface PolicyProvider {
  name: string;
  /** Actions (n, 7) for states (n, 7) of the evaluation set on the CPU: its states firstEnv, firstEnv + 1, …. */
  actionsCpu(ctx: EvaluationContext, states: Float64Array, firstEnv: number): Float64Array | Promise<Float64Array>;
  /** States per CPU step when fewer than CPU_EVALUATION_STEP keep a step short (a large network). */
  cpuStep?: number;
  /** Mean latencies over the evaluation set on the GPU (states from the same draws as evaluationStates). */
  evaluateGpu?(device: GPUDevice, ctx: EvaluationContext): Promise<LatencyMeans>;
}

function fixedPolicy(name: 'fra' | 'rra'): PolicyProvider {
  return {
    name,
    actionsCpu(ctx, states, firstEnv) {
      const n = states.length / STATE_SIZE;
      const out = new Float64Array(n * ACTION_SIZE);
      const { slot } = evaluationSetKey(ctx.seed);
      for (let i = 0; i < n; i++) out.set(name === 'fra' ? fraAction() : rraAction(ctx.scenario, EVAL_SEED, firstEnv + i, slot), i * ACTION_SIZE);
      return out;
    },
    async evaluateGpu(device, ctx) {
      const key = evaluationSetKey(ctx.seed);
      const m = await rolloutMeanGpu(device, ctx.scenario, name, { envs: ctx.count, slots: 1, firstEnv: 0, firstSlot: key.slot, stateSeed: key.stateSeed, stateStream: key.stateStream, actionSeed: EVAL_SEED });
      return { comp: m[0], aigc: m[1], ve: m[2], total: m[3] };
    },
  };
}

/** OPT on the GPU: sample the evaluation set, solve, and sum the latencies, all on the device; the host reads 4 numbers. */
async function evaluateOptGpu(device: GPUDevice, ctx: EvaluationContext): Promise<LatencyMeans> {
  const key = evaluationSetKey(ctx.seed);
  const n = ctx.count;
  const scenario = scenarioBuffer(device, ctx.scenario);
  const states = createStorage(device, n * STATE_SIZE * 4, 'eval.states');
  const actions = createStorage(device, n * ACTION_SIZE * 4, 'eval.actions');
  const latencies = createStorage(device, n * LATENCY_SIZE * 4, 'eval.latencies');
  const total = createStorage(device, 16, 'eval.total');
  const dispatches: Dispatch[] = [];
  const made = <D extends Dispatch>(d: D): D => { dispatches.push(d); return d; };
  try {
    // OPT is heavy per state: submit in chunks so no single dispatch runs for long (watchdogs, software adapters).
    const sample = made(envSampleDispatch(device, await envSampleKernel.pipeline(device, undefined), scenario, states, { count: n, seed: key.stateSeed, stream: key.stateStream, firstEnv: 0, slot: key.slot }));
    submitPass(device, (rec) => rec.dispatch(sample));
    const chunk = 16384;
    const optPipeline = await optKernel.pipeline(device, undefined);
    for (let first = 0; first < n; first += chunk) {
      const count = Math.min(chunk, n - first);
      const view = (buffer: GPUBuffer, width: number) => ({ buffer, offset: first * width * 4, size: count * width * 4 });
      const opt = made(optDispatch(device, optPipeline, scenario, { states: view(states, STATE_SIZE), actions: view(actions, ACTION_SIZE), latencies: view(latencies, LATENCY_SIZE) }, count));
      submitPass(device, (rec) => rec.dispatch(opt));
      await device.queue.onSubmittedWorkDone();
    }
    const sum = made(vec4SumDispatch(device, await vec4SumKernel.pipeline(device, TREE_REDUCE), latencies, n, total));
    submitPass(device, (rec) => rec.dispatch(sum));
    return means(await readFloat32(device, total, 4), n);
  } finally {
    releaseDispatches(dispatches);
    for (const b of [scenario, states, actions, latencies, total]) b.destroy();
  }
}

const BUILT_IN: Record<string, PolicyProvider> = {
  fra: fixedPolicy('fra'),
  rra: fixedPolicy('rra'),
  opt: { name: 'opt', actionsCpu: (ctx, states) => optActions(ctx.scenario, states).actions, cpuStep: OPT_CPU_STEP, evaluateGpu: evaluateOptGpu },
};

export type PolicyResolver = (name: string) => PolicyProvider | undefined | Promise<PolicyProvider | undefined>;
const resolvers: PolicyResolver[] = [];

/** Lets another module accept more `--policy` values (e.g. a trained actor's directory). */
export function registerPolicyResolver(resolver: PolicyResolver): void {
  resolvers.push(resolver);
}

/** fra, rra, opt, or whatever a registered resolver accepts; otherwise a UserError naming --policy. */
export async function resolvePolicy(name: string): Promise<PolicyProvider> {
  const builtIn = BUILT_IN[name.toLowerCase()];
  if (builtIn) return builtIn;
  for (const resolve of resolvers) {
    const p = await resolve(name);
    if (p) return p;
  }
  throw new UserError(`--policy ${name}: unknown policy (expected fra, rra, opt${resolvers.length ? ', or a trained actor directory' : ''})`);
}

/**
 * Mean latencies of a policy over the evaluation set (count states of set `seed`), on the CPU (float64) or the GPU.
 * The CPU streams the set in steps (a running sum, the same as one pass over every state), yielding between steps.
 */
export async function evaluatePolicy(policy: string | PolicyProvider, ctx: EvaluationContext, device?: GPUDevice): Promise<LatencyMeans> {
  const provider = typeof policy === 'string' ? await resolvePolicy(policy) : policy;
  if (device && provider.evaluateGpu) return provider.evaluateGpu(device, ctx);
  const key = evaluationSetKey(ctx.seed);
  const step = Math.max(1, Math.min(CPU_EVALUATION_STEP, provider.cpuStep ?? CPU_EVALUATION_STEP));
  const sums = [0, 0, 0, 0];
  for (let first = 0; first < ctx.count; first += step) {
    const count = Math.min(step, ctx.count - first);
    const states = sampleStates(ctx.scenario, key.stateSeed, key.stateStream, first, count, key.slot);
    addLatencySums(sums, ctx.scenario, states, await provider.actionsCpu(ctx, states, first));
    await yieldToEvents();
  }
  return means(sums, ctx.count);
}
