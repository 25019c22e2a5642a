// The training form's fields (envs, batch, hidden, updates, iterations, seed, evaluation slots, critic): URL parameters of the
// same names, defaults from DEFAULT_TRAIN_CONFIG, read as `megc train` reads the same flags (parseIntegerText: "0x10"
// or "1e3" is no integer there either), and the config they make, checked by parseTrainConfig.
import {
  DEFAULT_TRAIN_CONFIG, NumberTextError, parseIntegerListText, parseIntegerText, parseTrainConfig, UserError, type TrainConfig,
} from '../../src/index.browser.js';

export interface TrainingField {
  /** URL parameter and form field name. */
  name: string;
  label: string;
  /** The config field it sets. */
  field: keyof TrainConfig;
  /** The config value as the field shows it. */
  text(config: TrainConfig): string;
  /** The value of the field's text, parsed as the flag of `megc train` is (a NumberTextError otherwise). */
  parse(text: string): number | number[] | string;
  /** The values a choice field offers (the page shows a select); a text field has none. */
  choices?: readonly string[];
  /** A line the page shows under the field. */
  note?: string;
}

/** A positive integer, as --envs, --batch, --updates, --iterations and --eval-slots take one. */
const positive = (text: string) => parseIntegerText(text, 1);

export const TRAINING_FIELDS: TrainingField[] = [
  { name: 'envs', field: 'envs', label: 'Parallel environments', text: (c) => String(c.envs), parse: positive },
  { name: 'batch', field: 'batch', label: 'Minibatch size', text: (c) => String(c.batch), parse: positive },
  { name: 'hidden', field: 'hidden', label: 'Hidden layer widths', text: (c) => c.hidden.join(','), parse: parseIntegerListText },
  { name: 'updates', field: 'updatesPerIteration', label: 'Gradient updates per iteration', text: (c) => String(c.updatesPerIteration), parse: positive },
  { name: 'iterations', field: 'iterations', label: 'Training iterations', text: (c) => String(c.iterations), parse: positive },
  { name: 'seed', field: 'seed', label: 'Seed', text: (c) => String(c.seed), parse: (text) => parseIntegerText(text, 0, 2 ** 32 - 1) },
  { name: 'evalSlots', field: 'evalSlots', label: 'Evaluation slots', text: (c) => String(c.evalSlots), parse: positive },
  {
    name: 'critic', field: 'critic', label: 'Critic', text: (c) => c.critic, parse: (text) => text, choices: ['learned', 'model'],
    note: "learned: DDPG's critic network (the letter's recipe); model: the world's own latency, for a world of many "
      + 'users (within about 1-3% of OPT there, where the learned critic is 3-70% off)',
  },
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

/**
 * The training config of the fields' texts; the other settings keep the recipe's defaults. A UserError `SOURCE: NAME:
 * what is wrong` for the first field that is not a number of its kind, or a config parseTrainConfig refuses.
 */
export function configFromTexts(texts: Record<string, string>, source = 'training'): TrainConfig {
  const given: Partial<Record<keyof TrainConfig, unknown>> = {};
  for (const f of TRAINING_FIELDS) {
    try {
      given[f.field] = f.parse(texts[f.name] ?? '');
    } catch (error) {
      if (error instanceof NumberTextError) throw new UserError(`${source}: ${f.name}: ${error.message}`);
      throw error;
    }
  }
  // Errors name the page's field (updates, not updatesPerIteration).
  const nameOf = (field: string) => {
    const f = TRAINING_FIELDS.find((t) => t.field === field);
    return f && f.name !== field ? `${source}: ${f.name}` : undefined;
  };
  return parseTrainConfig(given, source, nameOf);
}
