// GPU faults during training: losing the device mid-run ends with an error, never a hang or a silent success.
import { describe, expect, it } from 'vitest';
import { GpuError } from '../src/errors.js';
import { createGpu } from '../src/gpu/runtime.js';
import { DEFAULT_SCENARIO } from '../src/scenario.js';
import { parseTrainConfig } from '../src/train/config.js';
import { GpuTrainer } from '../src/train/gpuTrainer.js';

/** Resolves to 'hang' if `promise` has not settled after `ms`; otherwise to its value or its rejection reason. */
function settleWithin<T>(promise: Promise<T>, ms: number): Promise<T | unknown | 'hang'> {
  return Promise.race([
    promise.then((value) => value, (error: unknown) => error),
    new Promise<'hang'>((resolve) => setTimeout(() => resolve('hang'), ms).unref()),
  ]);
}

describe('device loss during training', () => {
  it('the device destroyed after the first chunk: run() rejects instead of hanging or finishing', async () => {
    // A device of its own: this test destroys it.
    const gpu = await createGpu();
    // A chunk left in flight must not turn into an unhandled rejection (in the CLI: a crash with a stack trace).
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => { unhandled.push(reason); };
    process.on('unhandledRejection', onUnhandled);
    const config = parseTrainConfig({ envs: 8, batch: 8, hidden: [8], iterations: 400, iterationsPerSubmit: 10, replayCapacity: 256, evalSlots: 16 });
    const trainer = await GpuTrainer.create(gpu, DEFAULT_SCENARIO, config);
    let chunks = 0;
    const run = trainer.run(400, () => {
      chunks++;
      if (chunks === 1) gpu.device.destroy();
    }).then(() => 'finished');
    // 60 s: far more than the remaining chunks take on lavapipe (a hang never settles at all).
    const outcome = await settleWithin(run, 60_000);
    expect(outcome).not.toBe('hang');
    expect(outcome, 'run() finished on a destroyed device').toBeInstanceOf(Error);
    // A GpuError, so the CLI prints one clear line (exit 3), not "internal error".
    expect(outcome, String(outcome)).toBeInstanceOf(GpuError);
    expect((outcome as Error).message).toMatch(/^GPU device lost: reading back the metrics of iterations \d+-\d+ failed \(/);
    expect(trainer.iteration).toBeLessThan(400);
    // Reading the state back fails too rather than returning garbage.
    const snapshot = await settleWithin(trainer.snapshot(), 60_000);
    expect(snapshot).not.toBe('hang');
    expect(snapshot).toBeInstanceOf(GpuError);
    expect((snapshot as Error).message).toMatch(/^GPU device lost: reading the trainer state back failed/);
    await new Promise((resolve) => setTimeout(resolve, 100));
    process.off('unhandledRejection', onUnhandled);
    expect(unhandled.map(String)).toEqual([]);
  });
});
