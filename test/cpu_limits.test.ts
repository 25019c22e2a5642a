// CPU limits: a config the float64 CPU trainer cannot hold is refused before anything is allocated, naming the limit and
// the largest value that fits (as checkTrainerFits does for a GPU).
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../src/errors.js';
import { checkCpuEvaluationFits, checkCpuTrainerFits, type CpuLimits } from '../src/train/cpuLimits.js';
import { parseTrainConfig, type TrainConfig } from '../src/train/config.js';
import { ensureBuilt, errorLines, megc } from './helpers/cli.js';

const SMALL: CpuLimits = { maxArrayElements: 1_000_000, memoryBytes: 400_000_000, memoryName: 'the test budget' };

/** The message of the UserError the check throws, or null when the config fits. */
function refusal(config: TrainConfig, limits = SMALL, evaluate = true): string | null {
  try {
    checkCpuTrainerFits(config, limits, { evaluate });
    return null;
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    return (error as Error).message;
  }
}

const largestOf = (message: string | null, flag: string) => Number(new RegExp(`the largest that fits is ${flag.replace(/[()]/g, '\\$&')} (\\d+)$`).exec(message ?? '')?.[1]);

describe('checkCpuTrainerFits', () => {
  const base = { envs: 4, batch: 4, hidden: [8], evalSlots: 16 };

  it('refuses a replay ring longer than a typed array, and the largest it names fits exactly', () => {
    const message = refusal(parseTrainConfig({ ...base, replayCapacity: 100_000 }));
    expect(message).toMatch(/^on the CPU, the replay ring \(replayCapacity 100000 x 22 values\) is an array of 2200000 values, more than the 1000000 a JavaScript typed array holds; the largest that fits is --replay-capacity \d+$/);
    const largest = largestOf(message, '--replay-capacity');
    expect(largest).toBe(Math.floor(1_000_000 / 22));
    expect(refusal(parseTrainConfig({ ...base, replayCapacity: largest }))).toBeNull();
    expect(refusal(parseTrainConfig({ ...base, replayCapacity: largest + 1 }))).toMatch(/--replay-capacity/);
  });

  it('refuses envs whose activations do not fit, naming max(--envs, --batch)', () => {
    const message = refusal(parseTrainConfig({ ...base, envs: 1_000_000, replayCapacity: 1_000_000 / 22 | 0 }));
    expect(message).toMatch(/the activations \(max\(envs, batch\) 1000000 x width 14\).*the largest that fits is max\(--envs, --batch\) \d+$/);
    const largest = largestOf(message, 'max(--envs, --batch)');
    expect(refusal(parseTrainConfig({ ...base, envs: largest, replayCapacity: 40_000 }))).toBeNull();
  });

  it('refuses what fits each array but not the memory together, naming the largest that fits', () => {
    const limits: CpuLimits = { maxArrayElements: 2 ** 32, memoryBytes: 50_000_000, memoryName: 'the test budget' };
    const message = refusal(parseTrainConfig({ ...base, replayCapacity: 1_000_000 }), limits);
    expect(message).toMatch(/^on the CPU, training needs about \d+ bytes, mostly the replay ring .* more than the test budget \(50000000 bytes\); the largest that fits is --replay-capacity \d+$/);
    const largest = largestOf(message, '--replay-capacity');
    expect(refusal(parseTrainConfig({ ...base, replayCapacity: largest }), limits)).toBeNull();
    expect(refusal(parseTrainConfig({ ...base, replayCapacity: largest + 1 }), limits)).not.toBeNull();
  });

  it('counts the evaluation set only when the run evaluates', () => {
    const config = parseTrainConfig({ ...base, replayCapacity: 64, evalSlots: 200_000 });
    expect(refusal(config)).toMatch(/the evaluation set \(evalSlots 200000 x 7 values\).*--eval-slots \d+$/);
    expect(refusal(config, SMALL, false)).toBeNull();
  });
});

describe('megc train --device cpu refuses 2e9 before allocating', () => {
  let dir: string;
  beforeAll(() => { ensureBuilt(); dir = mkdtempSync(join(tmpdir(), 'megc-cpu-limits-')); });

  it.each([
    [['--replay-capacity', '2000000000', '--envs', '4', '--batch', '4'], /the replay ring \(replayCapacity 2000000000 x 22 values\).*the largest that fits is --replay-capacity \d+$/],
    [['--envs', '2000000000', '--batch', '4', '--replay-capacity', '2000000000'], /.*the largest that fits is (max\(--envs, --batch\)|--replay-capacity) \d+$/],
    [['--envs', '2000000000', '--batch', '4', '--replay-capacity', '65536'], /the activations \(max\(envs, batch\) 2000000000 x width 64\).*the largest that fits is max\(--envs, --batch\) \d+$/],
  ])('megc train --device cpu %j: one line, exit 2, no run directory', (flags, message) => {
    const out = join(dir, `run-${flags.join('-')}`);
    const result = megc(['train', '--device', 'cpu', ...flags, '--hidden', '64', '--out', out]);
    expect(result.status, result.stderr).toBe(2);
    expect(errorLines(result.stderr)).toEqual([expect.stringMatching(new RegExp(`^megc: error: on the CPU, ${message.source}`))]);
    expect(existsSync(out)).toBe(false);
  });
});

describe('megc eval --device cpu checks --slots before allocating', () => {
  it('an evaluation set longer than a typed array or the memory is refused, naming the largest --slots that fits', () => {
    const refusalOf = (slots: number, limits: CpuLimits) => {
      try { checkCpuEvaluationFits(slots, limits); return null; } catch (error) { expect(error).toBeInstanceOf(UserError); return (error as Error).message; }
    };
    const byArray = refusalOf(1_000_000, SMALL);
    expect(byArray).toBe('on the CPU, the evaluation set (1000000 slots x 7 values) is an array of 7000000 values, more than the 1000000 a JavaScript typed array holds; the largest that fits is --slots 142857');
    expect(refusalOf(142_857, SMALL)).toBeNull();
    const byMemory = refusalOf(100_000, { ...SMALL, memoryBytes: 1_000_000 });
    expect(byMemory).toMatch(/^on the CPU, the evaluation needs about 28800000 bytes, .* the largest that fits is --slots 3472$/);
    expect(refusalOf(3472, { ...SMALL, memoryBytes: 1_000_000 })).toBeNull();
  });

  it('megc eval --slots 2147483648 --device cpu: one line, exit 2 (not an internal error)', () => {
    ensureBuilt();
    const result = megc(['eval', '--policy', 'fra', '--slots', '2147483648', '--device', 'cpu']);
    expect(result.status, result.stderr).toBe(2);
    expect(errorLines(result.stderr)).toEqual([expect.stringMatching(/^megc: error: on the CPU, the evaluation set \(2147483648 slots x 7 values\) is an array of 15032385536 values, .*the largest that fits is --slots \d+$/)]);
  });
});
