// What the float64 CPU reference trainer allocates for a config, checked before anything is allocated: every array
// within the longest typed array JavaScript allows, all of them within this machine's memory; a refusal names the
// largest value that fits (as checkTrainerFits does for a GPU's buffer limits).
import { totalmem } from 'node:os';
import { LimitError } from '../errors.js';
import type { TrainConfig } from './config.js';
import { LETTER_SHAPE, type LaraShape } from './shape.js';

export interface CpuLimits {
  /** Most elements of one typed array (V8: 2^32). */
  maxArrayElements: number;
  /** Bytes the trainer may use in all. */
  memoryBytes: number;
  /** How messages name memoryBytes, e.g. "3/4 of this machine's memory". */
  memoryName: string;
}

/** This machine: V8's typed-array length limit, and three quarters of the memory (the rest for Node and the system). */
export function hostCpuLimits(): CpuLimits {
  return { maxArrayElements: 2 ** 32, memoryBytes: Math.floor(totalmem() * 0.75), memoryName: "3/4 of this machine's memory" };
}

/** One thing the CPU trainer allocates, in proportion to one config value. */
interface CpuNeed {
  what: string;
  /** The flag that sets `value`, as the suggestion names it. */
  flag: string;
  value: number;
  /** float64 elements of the largest single array, per unit of value. */
  arrayPerUnit: number;
  /** float64 elements of all arrays together, per unit of value. */
  totalPerUnit: number;
}

/**
 * What the CPU trainer (src/train/reference.ts) allocates, per config value, on a world of `shape`. Its final
 * evaluation streams the set in steps of CPU_EVALUATION_STEP states (src/env/evaluate.ts): evalSlots takes no memory in
 * proportion.
 */
export function cpuTrainerNeeds(config: TrainConfig, { shape = LETTER_SHAPE }: { shape?: LaraShape } = {}): CpuNeed[] {
  const rows = Math.max(config.envs, config.batch);
  // 7, 7, 14 and 22 in the letter's world.
  const { observation: OBSERVATION_SIZE, action: ACTION_SIZE, criticInput, replayStride: REPLAY_STRIDE } = shape;
  const widest = Math.max(criticInput, ...config.hidden);
  const widths = config.hidden.reduce((sum, w) => sum + w, 0);
  return [
    { what: `the replay ring (replayCapacity ${config.replayCapacity} x ${REPLAY_STRIDE} values)`, flag: '--replay-capacity',
      value: config.replayCapacity, arrayPerUnit: REPLAY_STRIDE, totalPerUnit: REPLAY_STRIDE },
    // Per row of an iteration (envs) or minibatch (batch): states, observations, actions, critic inputs, and the forward
    // caches and gradients of actor and critic (about three arrays per layer).
    { what: `the activations (max(envs, batch) ${rows} x width ${widest})`, flag: 'max(--envs, --batch)',
      value: rows, arrayPerUnit: widest, totalPerUnit: 6 * OBSERVATION_SIZE + 2 * criticInput + 6 * (widths + ACTION_SIZE + 1) },
  ];
}

/**
 * Throws a LimitError, before anything is allocated, when the CPU trainer cannot hold `config`: an array longer than a
 * typed array may be, or more memory than `limits` allow; it names the need, the limit and the largest value that fits.
 */
export function checkCpuTrainerFits(config: TrainConfig, limits: CpuLimits = hostCpuLimits(), { shape = LETTER_SHAPE }: { shape?: LaraShape } = {}): void {
  checkCpuNeedsFit(cpuTrainerNeeds(config, { shape }), limits, 'training');
}

/** The check of checkCpuTrainerFits for any list of needs; `activity` names what needs the memory ("training"). */
function checkCpuNeedsFit(needs: CpuNeed[], limits: CpuLimits, activity: string): void {
  const bytesOf = (n: CpuNeed) => 8 * n.totalPerUnit * n.value;
  const totalBytes = needs.reduce((sum, n) => sum + bytesOf(n), 0);
  /** The largest value of `need` that fits the memory beside the others as they are (0: the others alone do not). */
  const byMemory = (need: CpuNeed) => Math.max(0, Math.floor((limits.memoryBytes - (totalBytes - bytesOf(need))) / (8 * need.totalPerUnit)));
  for (const need of needs) {
    const elements = need.arrayPerUnit * need.value;
    if (elements <= limits.maxArrayElements) continue;
    const byArray = Math.floor(limits.maxArrayElements / need.arrayPerUnit);
    // Where another need alone overflows the memory too, that one is refused next; this one names its array limit.
    const largest = byMemory(need) >= 1 ? Math.min(byArray, byMemory(need)) : byArray;
    throw new LimitError(`on the CPU, ${need.what} is an array of ${elements} values, more than the ${limits.maxArrayElements} a JavaScript typed array holds; the largest that fits is ${need.flag} ${largest}`);
  }
  if (totalBytes > limits.memoryBytes) {
    const biggestFirst = [...needs].sort((a, b) => bytesOf(b) - bytesOf(a));
    const fixable = biggestFirst.find((n) => byMemory(n) >= 1);
    const remedy = fixable ? `the largest that fits is ${fixable.flag} ${byMemory(fixable)}` : `reduce ${needs.map((n) => n.flag).join(', ')}`;
    throw new LimitError(`on the CPU, ${activity} needs about ${totalBytes} bytes, mostly ${biggestFirst[0].what}, more than ${limits.memoryName} (${limits.memoryBytes} bytes); ${remedy}`);
  }
}
