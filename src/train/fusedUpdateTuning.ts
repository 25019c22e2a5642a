// The state tuneFusedUpdate times the trainer's updates of one iteration from: initMlp's weights, zero Adam moments, a
// replay ring of random rows and Adam steps of learning rate 0 (the moments still take the gradients; the weights stay
// put).
import { adamHyper } from '../nn/adamHyper.js';
import { initMlp } from '../nn/init.js';
import type { GpuMlp } from '../nn/mlp.js';
import type { Recorder } from '../gpu/kernel.js';
import type { AdamHyper } from '../nn/adamHyper.js';
import type { DerivedRun } from './derive.js';
import type { FusedUpdateHarness, FusedVariant } from './fusedUpdate.js';
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
