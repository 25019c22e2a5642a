// The state tuneFusedUpdate times the trainer's updates of one iteration from: initMlp's weights, zero Adam moments, a
// replay ring of random rows and Adam steps of learning rate 0 (the moments still take the gradients; the weights stay
// put); tuneFusedAct, the choice of the fused path's act; and tuneIterations, whether the Adam steps are folded in or one
// workgroup runs whole submits.
import { adamHyper } from '../nn/adamHyper.js';
import { MIXED_PRECISION_TOLERANCE } from '../nn/linear.js';
import { initMlp } from '../nn/init.js';
import type { GpuMlp } from '../nn/mlp.js';
import type { Recorder } from '../gpu/kernel.js';
import type { AdamHyper } from '../nn/adamHyper.js';
import type { DerivedRun } from './derive.js';
import type { ReduceVariant } from '../gpu/reduce.js';
import { chooseInPlace, type InPlaceHarness, type Tuner } from '../gpu/tuner.js';
import { fusedActShape, fusedActUnfit } from './fusedAct.js';
import { describeFused, fusedUpdateUnfit, type FusedUpdateHarness, type FusedVariant } from './fusedUpdate.js';
import { persistentCandidates } from './persistent.js';
import { REPLAY_STRIDE } from './layout.js';

export interface FusedHarnessDeps {
  actor: GpuMlp;
  critic: GpuMlp;
  replay: GPUBuffer;
  use(v: FusedVariant | null): Promise<void>;
  /** Writes Step ring entries 0.. of iteration 0's updates 0.., with `filled` replay rows. */
  writeSteps(filled: number): void;
  /** Records iteration 0's updates (config.updatesPerIteration) from Step entry 0 and Adam entry 0 on. */
  encodeUpdates(rec: Recorder): void;
  /** Runs, in a submit of its own, what a submit records before its iterations (FusedUpdate.encodeSubmitStart), untimed. */
  submitStart(): void;
  /** Writes Adam entries 0.. of the fused update's schedules (when it is in use). */
  schedules(actor: AdamHyper[], critic: AdamHyper[]): void;
}

/**
 * The start every timed candidate shares: initMlp's weights, zero Adam moments and `rows` random replay rows (reset),
 * and what the candidates are compared on, both networks' Adam first moments (output).
 */
export function tuningStart(device: GPUDevice, run: DerivedRun, nets: { actor: GpuMlp; critic: GpuMlp; replay: GPUBuffer }, rows: number) {
  // Made on the first reset: a tuning whose choice is cached times nothing.
  let start: { replay: Float32Array<ArrayBuffer>; actor: Float64Array; critic: Float64Array } | undefined;
  const made = () => {
    let state = run.config.seed * 2654435761 >>> 0;
    return {
      replay: Float32Array.from({ length: rows * REPLAY_STRIDE }, () => { state = (state * 1103515245 + 12345) >>> 0; return state / 2 ** 31 - 1; }),
      actor: initMlp(run.actorSizes, run.config.seed, 0), critic: initMlp(run.criticSizes, run.config.seed, 1),
    };
  };
  return {
    reset(): void {
      const initial = start ??= made();
      for (const [net, params] of [[nets.actor, initial.actor], [nets.critic, initial.critic]] as const) {
        net.writeParams(params);
        const zero = new Float32Array(net.parameterCount);
        net.writeAdamMoments(zero, zero);
      }
      device.queue.writeBuffer(nets.replay, 0, initial.replay);
    },
    async output(): Promise<Float32Array> {
      const [a, c] = [await nets.actor.readAdamMoments(), await nets.critic.readAdamMoments()];
      const out = new Float32Array(a.m.length + c.m.length);
      out.set(a.m);
      out.set(c.m, a.m.length);
      return out;
    },
  };
}

/** Adam steps 1.. of learning rate 0, `count` of them: the moments take the gradients, the weights stay put. */
export const stillHypers = (count: number): AdamHyper[] => Array.from({ length: count }, (_, u) => adamHyper(0, u + 1));

/** The harness over the trainer's own networks and buffers; clear() empties the replay ring again. */
export function fusedUpdateHarness(device: GPUDevice, run: DerivedRun, deps: FusedHarnessDeps): FusedUpdateHarness & { clear(): void } {
  const { replayCapacity, batch } = run.config;
  const rows = Math.min(replayCapacity, 4 * batch);
  const start = tuningStart(device, run, deps, rows);
  return {
    use: deps.use,
    reset() {
      start.reset();
      deps.submitStart();
      deps.writeSteps(rows);
      const hyper = stillHypers(run.config.updatesPerIteration);
      deps.actor.writeAdamSchedule(device.queue, hyper);
      deps.critic.writeAdamSchedule(device.queue, hyper);
      deps.schedules(hyper, hyper);
    },
    record: (rec) => deps.encodeUpdates(rec),
    output: () => start.output(),
    clear() {
      const encoder = device.createCommandEncoder();
      encoder.clearBuffer(deps.replay);
      device.queue.submit([encoder.finish()]);
    },
  };
}

/**
 * What tuneFusedAct times: the trainer's act with a variant (use: its act with or without the actor's forward as
 * prologue) from the envs' first slot (reset: the envs at slot 0, an empty replay ring, the Step entry); record: one
 * act; output: the replay rows of the envs.
 */
export type FusedActHarness = InPlaceHarness<FusedVariant>;

/**
 * Chooses, for the fused update's variant `v`, between the act with the actor's forward as its prologue (where it fits)
 * and the actor's forward dispatch with lara_act, by timing one act of each (the replay rows checked against the
 * latter's); the variant with the choice in `act`.
 */
export async function tuneFusedAct(tuner: Tuner, run: DerivedRun, v: FusedVariant, reduce: ReduceVariant, harness: FusedActHarness): Promise<FusedVariant> {
  const { act: _act, ...separate } = v;
  const candidates = fusedActUnfit(tuner.device, fusedActShape(run, v, reduce)) === null ? [separate, { ...v, act: true }] : [separate];
  return chooseInPlace<FusedVariant>(tuner, {
    name: 'lara.act', shape: `e${run.config.envs} hidden ${run.config.hidden.join('x')} ${describeFused(separate)}`, candidates, describe: describeFused,
    // The same fma chains: the rows agree bit for bit; 1e-5 leaves room for a device that contracts differently. With
    // half weights the fused act reads the actor's f16 copy, the separate one its f32 weights.
    tolerance: (c) => (c.act && c.halfWeights ? MIXED_PRECISION_TOLERANCE : 1e-5),
  }, harness);
}

/**
 * What tuneIterations times: a submit's iterations of the trainer with a variant (use: null, the per-layer path), from
 * a fixed state (reset: initMlp's weights, zero moments, the envs, a filled replay ring, the rings); record: the
 * submit's iterations, each with its act and updates; output: both networks' Adam first moments.
 */
export type IterationsHarness = InPlaceHarness<FusedVariant | null>;

/**
 * Chooses between the trainer's path so far (`current`: the tuned update and act, null: per-layer), the same lane path
 * with its Adam steps folded in or not (foldAdam toggled: the update's timing takes one iteration's updates, with the
 * folded path's last step that a submit's next act takes instead, so only a submit's iterations weigh it), and the
 * persistent trainer (persistent.ts), by timing a submit's iterations of each at learning rate 0 (the moments take
 * every gradient, the weights stay put), the moments checked against `current`'s; the choice is the trainer's after.
 * The persistent trainer is offered at configs the lane update fits, up to PERSISTENT_MAX_ROWS envs and rows; nothing
 * is timed where nothing is offered beside `current`.
 */
export async function tuneIterations(tuner: Tuner, run: DerivedRun, current: FusedVariant | null, harness: IterationsHarness): Promise<FusedVariant | null> {
  const toggled = current?.lanes && !current.persistent ? withFold(current, !current.foldAdam) : null;
  const fits = (v: FusedVariant | null): v is FusedVariant => v !== null && fusedUpdateUnfit(tuner.device, run, v) === null;
  const sibling = fits(toggled) ? [toggled] : [];
  const offered = [...sibling, ...persistentCandidates(current, run.config).filter(fits)];
  if (offered.length === 0) return current;
  const { batch, envs, hidden, updatesPerIteration, iterationsPerSubmit } = run.config;
  const candidates = [current, ...offered];
  return chooseInPlace<FusedVariant | null>(tuner, {
    name: 'lara.iterations', shape: `e${envs} b${batch} hidden ${hidden.join('x')} u${updatesPerIteration} i${iterationsPerSubmit} ${describeFused(current)}`,
    // quick: the folded sibling and the first persistent variant that fits (workgroups of 8 with subgroups, where they
    // hold them).
    candidates, quick: candidates.slice(0, 2 + sibling.length), describe: describeFused,
    // Other split-K counts sum the gradients in another order, over the submit's updates: ~1e-6 relative on the moments.
    tolerance: () => 1e-4,
  }, harness);
}

/** `v` with its Adam steps folded in (fusedFold.ts) or not. */
const withFold = (v: FusedVariant, fold: boolean): FusedVariant => {
  const { foldAdam: _fold, ...plain } = v;
  return fold ? { ...plain, foldAdam: true } : plain;
};
