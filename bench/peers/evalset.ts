// Writes the project's evaluation set (states, float64) and OPT's mean latencies for the Python peers to read.
//
// Usage: npx tsx bench/peers/evalset.ts --out DIR [--slots 65536] [--scenario FILE]
// DIR/evalset.json: {format, version, slots, set, stateColumns, scenario, opt: {comp, aigc, ve, total}, states}
// DIR/states.npy:   (slots, 7) little-endian float64 in docs/MODEL.md's state column order (numpy.load reads it).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { EVAL_SLOTS, evaluateActions, evaluationStates, type LatencyMeans } from '../../src/env/evaluate.js';
import { STATE_COLUMNS, STATE_SIZE } from '../../src/env/layout.js';
import { optActions } from '../../src/env/opt.js';
import { loadScenario, scenarioToJson, type Scenario } from '../../src/scenario.js';
import { writeFileAtomic } from '../../src/io/atomic.js';
import { UserError } from '../../src/errors.js';

export const EVALSET_FILE = 'evalset.json';
export const STATES_FILE = 'states.npy';

export interface EvaluationSetFile {
  format: 'megc-evalset';
  version: 1;
  slots: number;
  /** Evaluation set index (1 = the standard set of `megc eval` and `megc train`). */
  set: number;
  stateColumns: string[];
  scenario: Record<string, unknown>;
  /** OPT's mean latencies on these states, float64 CPU solver (src/env/opt.ts), seconds. */
  opt: LatencyMeans;
  /** File name of the states, beside this file. */
  states: string;
}

/** A .npy (format 1.0) file of a row-major float64 matrix. */
export function npyFloat64(values: Float64Array, rows: number, columns: number): Buffer {
  if (values.length !== rows * columns) throw new RangeError(`npyFloat64: ${values.length} values is not ${rows} x ${columns}`);
  let header = `{'descr': '<f8', 'fortran_order': False, 'shape': (${rows}, ${columns}), }`;
  // magic (6) + version (2) + header length (2) + header, padded with spaces to a multiple of 64, ending in '\n'.
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const prefix = Buffer.alloc(10);
  prefix.write('\x93NUMPY', 0, 'latin1');
  prefix[6] = 1; prefix[7] = 0;
  prefix.writeUInt16LE(header.length, 8);
  const data = Buffer.alloc(values.length * 8);
  for (let i = 0; i < values.length; i++) data.writeDoubleLE(values[i], i * 8);
  return Buffer.concat([prefix, Buffer.from(header, 'latin1'), data]);
}

/** Computes the evaluation set and OPT's means (about 20 s for 65,536 slots on one core) and writes both into dir. */
export function writeEvaluationSet(dir: string, scenario: Scenario, slots = EVAL_SLOTS): EvaluationSetFile {
  const states = evaluationStates(scenario, slots, 1);
  const opt = evaluateActions(scenario, states, optActions(scenario, states).actions);
  mkdirSync(dir, { recursive: true });
  writeFileAtomic(join(dir, STATES_FILE), npyFloat64(states, slots, STATE_SIZE));
  const file: EvaluationSetFile = {
    format: 'megc-evalset', version: 1, slots, set: 1, stateColumns: [...STATE_COLUMNS],
    scenario: scenarioToJson(scenario), opt, states: STATES_FILE,
  };
  writeFileAtomic(join(dir, EVALSET_FILE), JSON.stringify(file, null, 2) + '\n');
  return file;
}

function main(argv: string[]): void {
  const flag = (name: string) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : undefined; };
  const out = flag('--out');
  const slots = Number(flag('--slots') ?? EVAL_SLOTS);
  if (!out || !Number.isInteger(slots) || slots < 1) {
    console.error('usage: npx tsx bench/peers/evalset.ts --out DIR [--slots N] [--scenario FILE]');
    process.exit(2);
  }
  let scenario: Scenario;
  try { scenario = loadScenario(flag('--scenario')); } catch (error) {
    if (!(error instanceof UserError)) throw error;
    console.error(`evalset: ${error.message}`);
    process.exit(error.exitCode);
  }
  const file = writeEvaluationSet(out, scenario, slots);
  console.log(`wrote ${join(out, EVALSET_FILE)} and ${join(out, STATES_FILE)}: ${slots} states, OPT mean L_total ${file.opt.total.toFixed(6)} s`);
}

if (/evalset\.[jt]s$/.test(process.argv[1] ?? '')) main(process.argv.slice(2));
