// The scenario form's rows: every key of the model (the scenario file, docs/MODEL.md) with a label, its SI unit and its
// default, and the conversion between a form's texts and the scenario JSON that parseScenario checks, as `--scenario
// FILE` is checked.
import {
  DEFAULT_SCENARIO, isNumberText, NumberTextError, parseNumberText, parseScenario, scenarioToJson, UserError, type Scenario,
} from '../../src/index.browser.js';

/** One number of the scenario: its key path in the JSON file (an interval's ends as index 0 and 1). */
export interface ScenarioKey {
  path: (string | number)[];
  label: string;
  unit: string;
}

/** Labels and units of the keys, in the order of MODEL.md's scenario file. */
const DESCRIPTIONS: Record<string, { label: string; unit: string }> = {
  'distance.comp': { label: 'Distance of the computing user', unit: 'm' },
  'distance.aigc': { label: 'Distance of the AIGC user', unit: 'm' },
  'distance.ve': { label: 'Distance of the vision-enhancement user', unit: 'm' },
  'power.comp': { label: 'Transmit power of the computing user', unit: 'W' },
  'power.ve': { label: 'Transmit power of the vision-enhancement user', unit: 'W' },
  'power.es': { label: 'Edge server transmit power P', unit: 'W' },
  'bandwidth.off': { label: 'Offloading bandwidth B_off', unit: 'Hz' },
  'bandwidth.back': { label: 'Backhaul (downlink) bandwidth B_back', unit: 'Hz' },
  noiseDbmPerHz: { label: 'Noise power spectral density N0', unit: 'dBm/Hz' },
  'channel.g0': { label: 'Path gain at 1 m, g0', unit: 'linear' },
  'channel.pathLossExponent': { label: 'Path-loss exponent', unit: '—' },
  'channel.ricianK': { label: 'Rician K factor', unit: 'linear' },
  'data.comp': { label: 'Computing task size d_comp', unit: 'bits' },
  'data.ve': { label: 'Vision-enhancement upload size d_ve', unit: 'bits' },
  'data.aigc': { label: 'AIGC result size d_aigc', unit: 'bits' },
  cyclesPerBit: { label: 'CPU cycles per bit χ', unit: 'cycles/bit' },
  fLocal: { label: 'Computing user CPU frequency f_comp', unit: 'cycles/s' },
  fEs: { label: 'Edge server CPU frequency f_ES', unit: 'cycles/s' },
  xi: { label: 'Generation workload per task cycle ξ', unit: 'gen. units/cycle' },
  zeta: { label: 'Generation workload offset ζ', unit: 'gen. units' },
  psi: { label: 'VE result / upload size ratio ψ', unit: '—' },
  genUnitCycles: { label: 'Cycles per generation unit', unit: 'cycles/gen. unit' },
  slotsPerEpisode: { label: 'Time slots per episode', unit: 'slots' },
  rraFloor: { label: 'RRA share floor ε', unit: 'share' },
};

const dotted = (path: readonly (string | number)[]) => path.filter((p) => typeof p === 'string').join('.');

function leaves(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value)) return value.map((_, i) => [...path, i]);
  if (typeof value === 'object' && value !== null) return Object.entries(value).flatMap(([k, v]) => leaves(v, [...path, k]));
  return [path];
}

/** Every number of the default scenario file; a key without a description still gets a row (named by its path). */
export const SCENARIO_KEYS: ScenarioKey[] = leaves(scenarioToJson(DEFAULT_SCENARIO)).map((path) => ({
  path, ...(DESCRIPTIONS[dotted(path)] ?? { label: dotted(path), unit: '' }),
}));

/** Keys that DESCRIPTIONS names but the model does not have (a stale table), for the tests. */
export function describedButMissing(): string[] {
  const present = new Set(SCENARIO_KEYS.map((k) => dotted(k.path)));
  return Object.keys(DESCRIPTIONS).filter((k) => !present.has(k));
}

/** A number as a form shows it: short, exact when read back (4e8, 9.97e-14, 100). */
export function formatNumber(x: number): string {
  if (x !== 0 && (Math.abs(x) >= 1e5 || Math.abs(x) < 1e-3)) return x.toExponential().replace('e+', 'e');
  return String(x);
}

/** The value at `path` of a scenario as a form shows it. */
export function scenarioText(scenario: Scenario, path: readonly (string | number)[]): string {
  let value: unknown = scenarioToJson(scenario);
  for (const p of path) value = (value as Record<string | number, unknown>)[p];
  return formatNumber(value as number);
}

/**
 * A form's text as a JSON value: a number where it is written as a scenario file writes one (isNumberText: not
 * 0x10, Infinity or ''), otherwise the text itself, which parseScenario then refuses naming the key. A number that
 * overflows or rounds to 0 is a NumberTextError.
 */
export function textValue(text: string): number | string {
  return isNumberText(text) ? parseNumberText(text) : text;
}

/** textValue, its errors as a UserError naming the key as parseScenario does (`scenario: data.ve.1 is out of range: …`). */
function keyValue(text: string, path: readonly (string | number)[], source = 'scenario'): number | string {
  try {
    return textValue(text);
  } catch (error) {
    if (error instanceof NumberTextError) throw new UserError(`${source}: ${path.join('.')} is out of range: ${error.message}`);
    throw error;
  }
}

/** The scenario of the form's texts (one per SCENARIO_KEYS entry), checked by parseScenario; messages name `source`. */
export function scenarioFromTexts(texts: readonly string[], source = 'scenario'): Scenario {
  const json: Record<string, unknown> = {};
  SCENARIO_KEYS.forEach((key, i) => {
    let node = json as Record<string | number, unknown>;
    key.path.forEach((part, depth) => {
      if (depth === key.path.length - 1) { node[part] = keyValue(texts[i], key.path, source); return; }
      node[part] ??= typeof key.path[depth + 1] === 'number' ? [] : {};
      node = node[part] as Record<string | number, unknown>;
    });
  });
  return parseScenario(json, source);
}
