// The MEGC scenario (docs/MODEL.md "Scenario file"): defaults, zod validation, and loading from JSON.
import { z } from 'zod';
import { UserError } from './errors.js';
import { readTextFile } from './platform/host.js';

/** A fully resolved scenario, SI units (metres, watts, hertz, bits, cycles, seconds). */
export interface Scenario {
  distance: { comp: number; aigc: number; ve: number };
  power: { comp: number; ve: number; es: number };
  bandwidth: { off: number; back: number };
  noiseDbmPerHz: number;
  /** Derived: noise power spectral density N0 in W/Hz, 10^((noiseDbmPerHz - 30) / 10). */
  noiseWattsPerHz: number;
  channel: { g0: number; pathLossExponent: number; ricianK: number };
  /** Uniform intervals [low, high] of the task sizes, bits. */
  data: { comp: [number, number]; ve: [number, number]; aigc: [number, number] };
  cyclesPerBit: number;
  fLocal: number;
  fEs: number;
  xi: number;
  zeta: number;
  psi: number;
  genUnitCycles: number;
  slotsPerEpisode: number;
  rraFloor: number;
}

const finite = z.number({ error: (i) => `must be a number (got ${describe(i.input)})` });
const positive = finite.gt(0, { error: (i) => `must be > 0 (got ${describe(i.input)})` });
const nonNegative = finite.min(0, { error: (i) => `must be >= 0 (got ${describe(i.input)})` });
const interval = z
  .tuple([nonNegative, positive], { error: (i) => `must be an interval [low, high] of two numbers (got ${describe(i.input)})` })
  .refine(([low, high]) => low < high, { error: (i) => `must be an interval [low, high] with low < high (got ${describe(i.input)})` });

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'number') return String(value);
  try { return JSON.stringify(value) ?? String(value); } catch { return String(value); }
}

/** The MODEL.md defaults (the letter's values plus the assumptions MODEL.md states). */
const DEFAULTS = {
  distance: { comp: 100, aigc: 120, ve: 80 },
  power: { comp: 15, ve: 15, es: 15 },
  bandwidth: { off: 4e8, back: 4e8 },
  noiseDbmPerHz: -100,
  channel: { g0: 1e-3, pathLossExponent: 2, ricianK: 10 },
  data: { comp: [1e6, 8e6] as [number, number], ve: [1e6, 8e6] as [number, number], aigc: [2e6, 16e6] as [number, number] },
  cyclesPerBit: 100,
  fLocal: 1e9,
  fEs: 1e10,
  xi: 9.97e-14,
  zeta: 5.73,
  psi: 2,
  genUnitCycles: 1e9,
  slotsPerEpisode: 100,
  rraFloor: 0.05,
};

const group = <T extends z.ZodRawShape>(shape: T) =>
  z.strictObject(shape, { error: (i) => (i.code === 'invalid_type' ? `must be an object (got ${describe(i.input)})` : undefined) });

const ScenarioSchema = z.strictObject({
  distance: group({ comp: positive.default(DEFAULTS.distance.comp), aigc: positive.default(DEFAULTS.distance.aigc), ve: positive.default(DEFAULTS.distance.ve) }).prefault({}),
  power: group({ comp: positive.default(DEFAULTS.power.comp), ve: positive.default(DEFAULTS.power.ve), es: positive.default(DEFAULTS.power.es) }).prefault({}),
  bandwidth: group({ off: positive.default(DEFAULTS.bandwidth.off), back: positive.default(DEFAULTS.bandwidth.back) }).prefault({}),
  noiseDbmPerHz: finite
    .min(-300, { error: (i) => `must be >= -300 (got ${describe(i.input)})` })
    .max(100, { error: (i) => `must be <= 100 (got ${describe(i.input)})` })
    .default(DEFAULTS.noiseDbmPerHz),
  channel: group({
    g0: positive.default(DEFAULTS.channel.g0),
    pathLossExponent: nonNegative.default(DEFAULTS.channel.pathLossExponent),
    ricianK: nonNegative.default(DEFAULTS.channel.ricianK),
  }).prefault({}),
  data: group({ comp: interval.default(DEFAULTS.data.comp), ve: interval.default(DEFAULTS.data.ve), aigc: interval.default(DEFAULTS.data.aigc) }).prefault({}),
  cyclesPerBit: positive.default(DEFAULTS.cyclesPerBit),
  fLocal: positive.default(DEFAULTS.fLocal),
  fEs: positive.default(DEFAULTS.fEs),
  xi: nonNegative.default(DEFAULTS.xi),
  zeta: nonNegative.default(DEFAULTS.zeta),
  psi: positive.default(DEFAULTS.psi),
  genUnitCycles: positive.default(DEFAULTS.genUnitCycles),
  slotsPerEpisode: finite
    .int({ error: (i) => `must be an integer (got ${describe(i.input)})` })
    .min(1, { error: (i) => `must be >= 1 (got ${describe(i.input)})` })
    .max(2 ** 31, { error: (i) => `must be <= 2147483648 (got ${describe(i.input)})` })
    .default(DEFAULTS.slotsPerEpisode),
  rraFloor: nonNegative.max(1 / 3, { error: (i) => `must be <= 1/3 so three compute shares fit (got ${describe(i.input)})` }).default(DEFAULTS.rraFloor),
}, { error: (i) => (i.code === 'invalid_type' ? `must be a JSON object (got ${describe(i.input)})` : undefined) });

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * A key path as error messages show it: segments joined by dots; an array index as its number; a key that is not an
 * identifier JSON-quoted, so that blank, empty and odd keys stay visible: `data.comp.0`, `distance." "`, `"a.b"`.
 */
export function formatKeyPath(path: readonly PropertyKey[]): string {
  return path.map((segment) => (typeof segment === 'number' ? String(segment)
    : typeof segment === 'symbol' ? String(segment)
    : IDENTIFIER.test(segment) ? segment : JSON.stringify(segment))).join('.');
}

function issueMessage(source: string, issue: z.core.$ZodIssue): string {
  const path = formatKeyPath(issue.path);
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => formatKeyPath([...issue.path, k]));
    return `${source}: unknown key${keys.length > 1 ? 's' : ''} ${keys.join(', ')}`;
  }
  // Interval elements report as data.comp.0; name the interval, whose message already shows the value.
  return `${source}: ${path || '(root)'} ${issue.message}`;
}

/** Validates a scenario object (every key optional); the UserError names the key path and the rule broken. */
export function parseScenario(json: unknown, source: string): Scenario {
  const result = ScenarioSchema.safeParse(json === undefined ? {} : json);
  if (!result.success) throw new UserError(issueMessage(source, result.error.issues[0]));
  const s = result.data;
  const scenario: Scenario = {
    ...s,
    distance: { ...s.distance },
    power: { ...s.power },
    bandwidth: { ...s.bandwidth },
    channel: { ...s.channel },
    data: { comp: [...s.data.comp], ve: [...s.data.ve], aigc: [...s.data.aigc] },
    noiseWattsPerHz: Math.pow(10, (s.noiseDbmPerHz - 30) / 10),
  };
  return scenario;
}

/** The defaults of MODEL.md, also shipped as scenarios/default.json. */
export const DEFAULT_SCENARIO: Scenario = parseScenario({}, 'defaults');

/** Largest scenario file read: a valid one (a few dozen keys) is a few kilobytes however it is formatted. */
export const MAX_SCENARIO_FILE_BYTES = 1 << 20;

/** Reads and validates a scenario JSON file; without a path, the defaults. Missing file or bad JSON -> UserError. */
export function loadScenario(path?: string): Scenario {
  if (path === undefined) return DEFAULT_SCENARIO;
  if (path.trim() === '') throw new UserError('--scenario: the path is empty');
  // A regular file no larger than any valid scenario (a few hundred bytes of keys): a device or fifo is refused at once.
  const text = readTextFile(path, `--scenario ${path}`, MAX_SCENARIO_FILE_BYTES);
  let json: unknown;
  try {
    json = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);  // a UTF-8 byte order mark is not JSON
  } catch (error) {
    throw new UserError(`${path}: not valid JSON (${(error as Error).message.split('\n')[0]})`);
  }
  return parseScenario(json, path);
}

/** The scenario as a JSON object in the file format (no derived keys), e.g. to record it beside results. */
export function scenarioToJson(s: Scenario): Record<string, unknown> {
  const { noiseWattsPerHz: _derived, ...rest } = s;
  return structuredClone(rest);
}
