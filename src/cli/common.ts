// Shared CLI plumbing: option parsers that reject bad numbers (the library's number texts, as the web page's fields),
// the scenario of --scenario, one-line errors, and the GPU/CPU device choice.
import { InvalidArgumentError, Option, type Command } from 'commander';
import { Interrupted } from '../errors.js';
import {
  DEFAULT_SCENARIO, GpuError, loadScenarioFile, NumberTextError, parseIntegerListText, parseIntegerText, parseNumberText,
  ShaderCompileError, UserError, type Scenario,
} from '../index.js';

/** A flag's parser from a number-text parser: its NumberTextError becomes commander's InvalidArgumentError. */
function flagParser<T>(parse: (value: string) => T) {
  return (value: string): T => {
    try {
      return parse(value);
    } catch (error) {
      if (error instanceof NumberTextError) throw new InvalidArgumentError(error.message);
      throw error;
    }
  };
}

/** An integer option in [min, max]; commander prints "option '--x <n>' argument 'abc' is invalid. …". */
export function integerOption(min: number, max = Number.MAX_SAFE_INTEGER) {
  return flagParser((value) => parseIntegerText(value, min, max));
}

/** A finite number option in [min, max]. */
export function numberOption(min: number, max = Infinity, { exclusiveMin = false } = {}) {
  return flagParser((value) => parseNumberText(value, min, max, { exclusiveMin }));
}

/** A comma-separated list of positive integers, e.g. "256,256". */
export const integerListOption = flagParser(parseIntegerListText);

export type DeviceKind = 'gpu' | 'cpu';

export function deviceOption(): Option {
  return new Option('--device <kind>', 'where to compute').choices(['gpu', 'cpu']).default('gpu');
}

export function adapterOption(): Option {
  return new Option('--adapter <name>', 'WebGPU adapter to use (substring of its name; env MEGC_ADAPTER)');
}

export function seedOption(): Option {
  return new Option('--seed <n>', 'random seed').argParser(integerOption(0, 2 ** 32 - 1)).default(1);
}

export function scenarioOption(): Option {
  return new Option('--scenario <file>', 'scenario JSON file (keys and defaults: docs/MODEL.md, scenarios/default.json)');
}

/** The scenario of `--scenario FILE` (loadScenarioFile), or the defaults without the flag. */
export function scenarioOf(path: string | undefined): Scenario {
  return path === undefined ? DEFAULT_SCENARIO : loadScenarioFile(path);
}

let verbose = false;
export function setVerbose(v: boolean): void { verbose = v; }

/** Prints an error as one line (the stack only with --verbose) and returns the exit code. */
export function reportError(error: unknown): number {
  if (verbose && error instanceof Error) console.error(error.stack);
  if (error instanceof Interrupted) { console.error(`megc: ${error.message}`); return error.exitCode; }
  if (error instanceof UserError) { console.error(`megc: error: ${error.message}`); return error.exitCode; }
  if (error instanceof ShaderCompileError || error instanceof GpuError) { console.error(`megc: ${error.message}`); return 3; }
  const message = error instanceof Error ? error.message : String(error);
  console.error(`megc: internal error: ${message.split('\n')[0]}${verbose ? '' : ' (run with --verbose for details)'}`);
  return 1;
}

/** Wraps a command action: errors become one line and a non-zero exit code. */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void> | void) {
  return async (...args: A): Promise<void> => {
    try {
      await fn(...args);
    } catch (error) {
      process.exitCode = reportError(error);
    }
  };
}

export type Register = (program: Command) => void;
