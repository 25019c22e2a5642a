// The state tuneFusedUpdate times the trainer's updates of one iteration from: initMlp's weights, zero Adam moments, a
// replay ring of random rows and Adam steps of learning rate 0 (the moments still take the gradients; the weights stay
// put); and tuneFusedAct, the choice of the fused path's act.
import { adamHyper } from '../nn/adamHyper.js';
import { initMlp } from '../nn/init.js';
import type { GpuMlp } from '../nn/mlp.js';
import type { Recorder } from '../gpu/kernel.js';
import type { AdamHyper } from '../nn/adamHyper.js';
import type { DerivedRun } from './derive.js';
import type { ReduceVariant } from '../gpu/reduce.js';
import type { Tuner } from '../gpu/tuner.js';
import { fusedActShape, fusedActUnfit } from './fusedAct.js';
import { describeFused, type FusedUpdateHarness, type FusedVariant } from './fusedUpdate.js';
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
  /** Writes Adam entries 0.. of the fused update's schedules (when it is in use). */
  schedules(actor: AdamHyper[], critic: AdamHyper[]): void;
}

/** The harness over the trainer's own networks and buffers; clear() empties the replay ring again. */
export function fusedUpdateHarness(device: GPUDevice, run: DerivedRun, deps: FusedHarnessDeps): FusedUpdateHarness & { clear(): void } {
  const { seed, replayCapacity, batch } = run.config;
  const rows = Math.min(replayCapacity, 4 * batch);
  let state = seed * 2654435761 >>> 0;
  const replay = Float32Array.from({ length: rows * REPLAY_STRIDE }, () => { state = (state * 1103515245 + 12345) >>> 0; return state / 2 ** 31 - 1; });
  const initial = { actor: initMlp(run.actorSizes, seed, 0), critic: initMlp(run.criticSizes, seed, 1) };
  return {
    use: deps.use,
    reset() {
      for (const [net, params] of [[deps.actor, initial.actor], [deps.critic, initial.critic]] as const) {
        net.writeParams(params);
        const zero = new Float32Array(net.parameterCount);
        net.writeAdamMoments(zero, zero);
      }
      device.queue.writeBuffer(deps.replay, 0, replay);
      deps.writeSteps(rows);
      const hyper = Array.from({ length: run.config.updatesPerIteration }, (_, u) => adamHyper(0, u + 1));
      deps.actor.writeAdamSchedule(device.queue, hyper);
      deps.critic.writeAdamSchedule(device.queue, hyper);
      deps.schedules(hyper, hyper);
    },
    record: (rec) => deps.encodeUpdates(rec),
    async output() {
      const [a, c] = [await deps.actor.readAdamMoments(), await deps.critic.readAdamMoments()];
      const out = new Float32Array(a.m.length + c.m.length);
      out.set(a.m);
      out.set(c.m, a.m.length);
      return out;
    },
    clear() {
      const encoder = device.createCommandEncoder();
      encoder.clearBuffer(deps.replay);
      device.queue.submit([encoder.finish()]);
    },
  };
}

/** What tuneFusedAct times: the trainer's act with a variant, from the envs' first slot. */
export interface FusedActHarness {
  /** Makes the variant the trainer's (its act with or without the actor's forward as prologue). */
  use(v: FusedVariant): Promise<void>;
  /** Puts back the state every candidate starts from (the envs at slot 0, an empty replay ring, the Step entry). */
  reset(): void;
  /** Records one act (with the actor's forward). */
  record(rec: Recorder): void;
  /** What it wrote: the replay rows of the envs. */
  output(): Promise<Float32Array>;
}

/**
 * Chooses, for the fused update's variant `v`, between the act with the actor's forward as its prologue (where it fits)
 * and the actor's forward dispatch with lara_act, by timing one act of each (the replay rows checked against the
 * latter's); the variant with the choice in `act`.
 */
export async function tuneFusedAct(tuner: Tuner, run: DerivedRun, v: FusedVariant, reduce: ReduceVariant, harness: FusedActHarness): Promise<FusedVariant> {
  const { act: _act, ...separate } = v;
  const candidates = fusedActUnfit(tuner.device, fusedActShape(run, v, reduce)) === null ? [separate, { ...v, act: true }] : [separate];
  const choice = await tuner.choose<FusedVariant>({
    name: 'lara.act', shape: `e${run.config.envs} hidden ${run.config.hidden.join('x')} ${describeFused(separate)}`, candidates, describe: describeFused,
    // The same fma chains: the rows agree bit for bit; 1e-5 leaves room for a device that contracts differently.
    tolerance: () => 1e-5,
    async harness(c) {
      await harness.use(c);
      harness.reset();
      return { record: (rec) => harness.record(rec), output: () => harness.output(), destroy: () => {} };
    },
  });
  await harness.use(choice);
  return choice;
}
