// GPU limits: a training config beyond the adapter's buffer limits is refused up front, naming the limit and what fits.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UserError } from '../src/errors.js';
import { parseTrainConfig, type TrainConfig } from '../src/train/config.js';
import { checkTrainerFits } from '../src/train/gpuTrainer.js';

const LAVAPIPE = { maxStorageBufferBindingSize: 134_217_728, maxBufferSize: 4_294_967_295 };

/** The message of the UserError checkTrainerFits throws, or null when the config fits. */
function refusal(config: TrainConfig, limits = LAVAPIPE): string | null {
  try {
    checkTrainerFits(config, limits);
    return null;
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    return (error as Error).message;
  }
}

describe('checkTrainerFits', () => {
  it('refuses a replay ring beyond maxStorageBufferBindingSize, and the largest it names fits exactly', () => {
    const message = refusal(parseTrainConfig({ replayCapacity: 2_000_000, envs: 4, batch: 4 }));
    expect(message).toMatch(/replay ring.*needs \d+ bytes, more than this GPU's maxStorageBufferBindingSize of 134217728 bytes; the largest that fits is --replay-capacity (\d+)/);
    const largest = Number(/--replay-capacity (\d+)/.exec(message!)![1]);
    // 22 floats of 4 bytes per transition: floor(128 MiB / 88).
    expect(largest).toBe(Math.floor(134_217_728 / 88));
    expect(refusal(parseTrainConfig({ replayCapacity: largest, envs: 4, batch: 4 }))).toBeNull();
    expect(refusal(parseTrainConfig({ replayCapacity: largest + 1, envs: 4, batch: 4 }))).toMatch(/--replay-capacity/);
  });

  it('refuses envs/batch whose activations exceed the limit, naming the largest that fits', () => {
    const message = refusal(parseTrainConfig({ envs: 1 << 23, batch: 1024, replayCapacity: 1 << 18, hidden: [16] }));
    expect(message).toMatch(/maxStorageBufferBindingSize of 134217728 bytes; the largest that fits is max\(--envs, --batch\) (\d+)/);
    const largest = Number(/max\(--envs, --batch\) (\d+)/.exec(message!)![1]);
    // The suggestion must fit that buffer; one more must not (other buffers may still refuse on their own).
    // (replayCapacity stays small so that only the activation buffer can refuse.)
    const fitting = refusal(parseTrainConfig({ envs: largest, batch: 1024, replayCapacity: 1024, hidden: [16] }));
    expect(fitting === null || !/--envs/.test(fitting)).toBe(true);
    expect(refusal(parseTrainConfig({ envs: largest + 1, batch: 1024, replayCapacity: 1024, hidden: [16] }))).toMatch(/max\(--envs, --batch\)/);
  });

  it('refuses --eval-slots whose evaluation buffers exceed the limit, naming the largest that fits', () => {
    const small = { envs: 4, batch: 4, replayCapacity: 64, hidden: [4] };
    // OPT's evaluation holds the states and the actions of every slot: 7 floats of 4 bytes each.
    const largest = Math.floor(134_217_728 / 28);
    const message = refusal(parseTrainConfig({ ...small, evalSlots: largest + 1 }));
    expect(message).toBe(`the evaluation states (evalSlots ${largest + 1} x 7 floats) needs ${(largest + 1) * 28} bytes, more than this GPU's maxStorageBufferBindingSize of 134217728 bytes; the largest that fits is --eval-slots ${largest}`);
    expect(refusal(parseTrainConfig({ ...small, evalSlots: largest }))).toBeNull();
    // Without the final evaluation (--no-eval) the evaluation set allocates nothing on the GPU.
    expect(() => checkTrainerFits(parseTrainConfig({ ...small, evalSlots: largest + 1 }), LAVAPIPE, { evaluate: false })).not.toThrow();
  });

  it('property: any refusal names the limit in bytes and a concrete remedy; small configs always fit', () => {
    const config = fc.record({
      envs: fc.integer({ min: 1, max: 1 << 24 }),
      batch: fc.integer({ min: 1, max: 1 << 24 }),
      replayCapacity: fc.integer({ min: 1 << 24, max: 1 << 26 }),
      hidden: fc.array(fc.integer({ min: 1, max: 4096 }), { minLength: 1, maxLength: 3 }),
    }).filter((c) => c.batch <= c.replayCapacity && c.envs <= c.replayCapacity);
    const limit = fc.constantFrom(LAVAPIPE, { maxStorageBufferBindingSize: 2 ** 31, maxBufferSize: 2 ** 32 }, { maxStorageBufferBindingSize: 2 ** 27, maxBufferSize: 2 ** 26 });
    fc.assert(fc.property(config, limit, (c, limits) => {
      const message = refusal(parseTrainConfig(c), limits);
      if (message === null) return;
      const bytes = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
      expect(message).toContain(`of ${bytes} bytes`);
      expect(message).toMatch(/the largest that fits is (--replay-capacity \d+|max\(--envs, --batch\) \d+|smaller --hidden|--eval-slots \d+)$/);
    }), { numRuns: 500 });
    expect(refusal(parseTrainConfig({ envs: 1024, batch: 1024 }))).toBeNull();
  });
});

describe('megc train refuses an oversized request before anything runs', () => {
  const ROOT = resolve(import.meta.dirname, '..');
  const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');

  let limitsOfAdapter: typeof LAVAPIPE | undefined;
  /** The limits `megc info --json` reports for the default adapter. */
  function adapterLimits(): typeof LAVAPIPE {
    if (!limitsOfAdapter) {
      const info = spawnSync(process.execPath, [CLI, 'info', '--json'], { encoding: 'utf8', timeout: 60_000 });
      // Dawn prints warnings on stdout after the JSON; take the JSON object only.
      const json = info.stdout.slice(info.stdout.indexOf('{'), info.stdout.lastIndexOf('\n}') + 2);
      limitsOfAdapter = JSON.parse(json).limits as typeof LAVAPIPE;
    }
    return limitsOfAdapter;
  }

  it('replay ring beyond this adapter\'s maxStorageBufferBindingSize: one line, exit 2, no run directory', () => {
    const limits = adapterLimits();
    const limit = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
    const capacity = Math.floor(limit / 88) + 1;
    const out = join(mkdtempSync(join(tmpdir(), 'megc-limit-')), 'run');
    const result = spawnSync(process.execPath, [CLI, 'train', '--device', 'gpu', '--replay-capacity', String(capacity), '--envs', '4', '--batch', '4',
      '--hidden', '4', '--iterations', '1', '--eval-slots', '16', '--out', out], { encoding: 'utf8', timeout: 120_000 });
    const lines = result.stderr.trimEnd().split('\n').filter((l) => !l.startsWith('Warning: '));
    expect(result.status, result.stderr).toBe(2);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^megc: error: .*maxStorageBufferBindingSize of ${limit} bytes; the largest that fits is --replay-capacity ${capacity - 1}$`));
    expect(existsSync(out)).toBe(false);
  });

  it('--eval-slots beyond the limit: refused before training, naming the largest --eval-slots', () => {
    const limits = adapterLimits();
    const limit = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
    const slots = Math.floor(limit / 28) + 1;
    const out = join(mkdtempSync(join(tmpdir(), 'megc-limit-')), 'run');
    const result = spawnSync(process.execPath, [CLI, 'train', '--device', 'gpu', '--eval-slots', String(slots), '--envs', '4', '--batch', '4',
      '--hidden', '4', '--iterations', '1', '--replay-capacity', '64', '--no-progress', '--out', out], { encoding: 'utf8', timeout: 120_000 });
    const lines = result.stderr.trimEnd().split('\n').filter((l) => !l.startsWith('Warning: '));
    expect(result.status, result.stderr).toBe(2);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^megc: error: the evaluation states .*maxStorageBufferBindingSize of ${limit} bytes; the largest that fits is --eval-slots ${slots - 1}$`));
    expect(result.stdout).not.toMatch(/iteration \d+\//);
    expect(existsSync(out)).toBe(false);
  });
});
