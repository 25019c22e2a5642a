// The training form's fields (envs, batch, hidden, updates, iterations, seed, evaluation slots): URL parameters of the
// same names, defaults from src/train/config.ts, and the config they make, checked by parseTrainConfig.
import { DEFAULT_TRAIN_CONFIG, parseTrainConfig, type TrainConfig } from '../../src/train/config.js';
import { textValue } from './scenarioKeys.js';

export interface TrainingField {
  /** URL parameter and form field name. */
  name: string;
  label: string;
  /** The config value as the field shows it. */
  text(config: TrainConfig): string;
}

export const TRAINING_FIELDS: TrainingField[] = [
  { name: 'envs', label: 'Parallel environments', text: (c) => String(c.envs) },
  { name: 'batch', label: 'Minibatch size', text: (c) => String(c.batch) },
  { name: 'hidden', label: 'Hidden layer widths', text: (c) => c.hidden.join(',') },
  { name: 'updates', label: 'Gradient updates per iteration', text: (c) => String(c.updatesPerIteration) },
  { name: 'iterations', label: 'Training iterations', text: (c) => String(c.iterations) },
  { name: 'seed', label: 'Seed', text: (c) => String(c.seed) },
  { name: 'evalSlots', label: 'Evaluation slots', text: (c) => String(c.evalSlots) },
];

/** The fields' texts for `config` (default: the recipe's defaults), by field name. */
export function trainingTexts(config: TrainConfig = DEFAULT_TRAIN_CONFIG): Record<string, string> {
  return Object.fromEntries(TRAINING_FIELDS.map((f) => [f.name, f.text(config)]));
}

/** Texts given as URL parameters (`?envs=64&hidden=16,16`) over `base`; other parameters are ignored. */
export function textsFromParameters(parameters: URLSearchParams, base = trainingTexts()): Record<string, string> {
  const texts = { ...base };
  for (const f of TRAINING_FIELDS) {
    const value = parameters.get(f.name);
    if (value !== null) texts[f.name] = value;
  }
  return texts;
}

/** The training config of the fields' texts; the other settings keep the recipe's defaults. Messages name `source`. */
export function configFromTexts(texts: Record<string, string>, source = 'training'): TrainConfig {
  return parseTrainConfig({
    envs: textValue(texts.envs),
    batch: textValue(texts.batch),
    hidden: texts.hidden.split(',').map(textValue),
    updatesPerIteration: textValue(texts.updates),
    iterations: textValue(texts.iterations),
    seed: textValue(texts.seed),
    evalSlots: textValue(texts.evalSlots),
  }, source);
}
