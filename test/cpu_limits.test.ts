// CPU limits: a config the float64 CPU trainer cannot hold is refused before anything is allocated, naming the limit and
// the largest value that fits (as checkTrainerFits does for a GPU).
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../src/errors.js';
import { checkCpuTrainerFits, type CpuLimits } from '../src/train/cpuLimits.js';
import { parseTrainConfig, type TrainConfig } from '../src/train/config.js';
import { ensureBuilt, errorLines, megc } from './helpers/cli.js';

const SMALL: CpuLimits = { maxArrayElements: 1_000_000, memoryBytes: 400_000_000, memoryName: 'the test budget' };

/** The message of the UserError the check throws, or null when the config fits. */
function refusal(config: TrainConfig, limits = SMALL): string | null {
  try {
    checkCpuTrainerFits(config, limits);
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

  it('does not count the evaluation set: the evaluation streams it', () => {
    expect(refusal(parseTrainConfig({ ...base, replayCapacity: 64, evalSlots: 2 ** 40 }))).toBeNull();
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

describe('megc eval --device cpu checks --slots up front', () => {
  // The CPU evaluation streams the set (test/interrupt_phases.test.ts measures its memory at 2^31 slots): --slots is
  // bounded by the evaluation counter's range, checked before any work.
  it('megc eval --slots 4294967296 --device cpu: one line, exit 2 (not an internal error)', () => {
    ensureBuilt();
    const result = megc(['eval', '--policy', 'fra', '--slots', '4294967296', '--device', 'cpu']);
    expect(result.status, result.stderr).toBe(2);
    expect(errorLines(result.stderr)[0]).toMatch(/^megc: error: option '--slots <n>' argument '4294967296' is invalid\. expected an integer in \[1, 2147483648\]/);
  });
});
