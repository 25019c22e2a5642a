// Property tests of the scenario validator: random bad scenario JSON gives a one-line UserError naming the key, nothing else.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SCENARIO, loadScenario, parseScenario, scenarioToJson, type Scenario } from '../src/scenario.js';
import { UserError } from '../src/errors.js';

const GROUPS: Record<string, string[]> = {
  distance: ['comp', 'aigc', 've'],
  power: ['comp', 've', 'es'],
  bandwidth: ['off', 'back'],
  channel: ['g0', 'pathLossExponent', 'ricianK'],
  data: ['comp', 've', 'aigc'],
};
const SCALARS = ['noiseDbmPerHz', 'cyclesPerBit', 'fLocal', 'fEs', 'xi', 'zeta', 'psi', 'genUnitCycles', 'slotsPerEpisode', 'rraFloor'];

/** Values that are sometimes right and often wrong: numbers of every kind, strings, nulls, arrays, objects. */
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.double(),
  fc.constantFrom(0, -1, 1, 0.5, 1e6, 1e30, -1e-9, NaN, Infinity, -Infinity, 2 ** 31 + 1, 1.5),
  fc.integer(),
  fc.constantFrom('1', '', 'abc', null, true, false, undefined),
  fc.array(fc.oneof(fc.double(), fc.constantFrom('x', null, -1, 1e6, 8e6)), { maxLength: 3 }),
  fc.jsonValue({ maxDepth: 2 }),
);

/** A scenario-shaped object: known keys (some with wrong values), sometimes unknown keys at either level. */
const scenarioLike: fc.Arbitrary<Record<string, unknown>> = fc.record({
  groups: fc.array(fc.tuple(
    fc.constantFrom(...Object.keys(GROUPS)),
    fc.oneof(
      anyValue,
      fc.dictionary(fc.oneof(fc.constantFrom('comp', 'aigc', 've', 'es', 'off', 'back', 'g0', 'pathLossExponent', 'ricianK'), fc.string({ maxLength: 5 })), anyValue, { maxKeys: 4 }),
    ),
  ), { maxLength: 3 }),
  scalars: fc.array(fc.tuple(fc.constantFrom(...SCALARS), anyValue), { maxLength: 4 }),
  unknown: fc.array(fc.tuple(fc.string({ maxLength: 6 }), anyValue), { maxLength: 1 }),
}).map(({ groups, scalars, unknown }) => {
  const out: Record<string, unknown> = {};
  for (const [k, v] of [...groups, ...scalars, ...unknown]) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  return out;
});

function numbersOf(s: Scenario): number[] {
  return JSON.stringify(scenarioToJson(s)).match(/-?[\d.]+(e[+-]?\d+)?/gi)!.map(Number);
}

/** Checks the outcome of parseScenario on `input`: a valid scenario, or a UserError naming a key of the input. */
function checkOutcome(input: unknown): void {
  let scenario: Scenario;
  try {
    scenario = parseScenario(input, 'my.json');
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    expect(message.startsWith('my.json: ')).toBe(true);
    const rest = message.slice('my.json: '.length);
    const keys = typeof input === 'object' && input !== null ? Object.keys(input) : [];
    if (rest.startsWith('unknown key')) {
      // Unknown keys may be any string (even empty or blank), so only check that a key of the input is named.
      expect(keys.some((k) => rest.includes(k)), `"${message}" names a key of ${JSON.stringify(input)}`).toBe(true);
      return;
    }
    const named = rest.split(' ')[0];
    if (named === '(root)') {
      expect(typeof input === 'object' && input !== null && !Array.isArray(input)).toBe(false);
      return;
    }
    // The first path segment is a key the input really has.
    expect(keys.some((k) => named === k || named.startsWith(`${k}.`)), `"${message}" names a key of ${JSON.stringify(input)}`).toBe(true);
    return;
  }
  // Accepted: every value is finite and the documented ranges hold.
  for (const x of numbersOf(scenario)) expect(Number.isFinite(x)).toBe(true);
  for (const [low, high] of Object.values(scenario.data)) expect(low < high && low >= 0).toBe(true);
  for (const group of [scenario.distance, scenario.power, scenario.bandwidth]) for (const v of Object.values(group)) expect(v > 0).toBe(true);
  expect(Number.isInteger(scenario.slotsPerEpisode) && scenario.slotsPerEpisode >= 1).toBe(true);
  expect(scenario.rraFloor >= 0 && scenario.rraFloor <= 1 / 3).toBe(true);
  expect(scenario.channel.ricianK >= 0).toBe(true);
}

describe('property: parseScenario on random input', () => {
  it('scenario-shaped objects with random values and keys', () => {
    fc.assert(fc.property(scenarioLike, checkOutcome), { numRuns: 2000 });
  });

  it('arbitrary JSON values', () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 3 }), checkOutcome), { numRuns: 1000 });
  });

  it('one wrong value at a known key is always rejected with that key named', () => {
    const wrong = fc.constantFrom(-1, 0, NaN, Infinity, -Infinity, '1', null, [], {}, true);
    const leaf = fc.constantFrom(
      ...Object.entries(GROUPS).flatMap(([g, keys]) => keys.map((k) => [g, k] as const)),
    );
    fc.assert(fc.property(leaf, wrong, ([group, key], value) => {
      if (group === 'channel' && key !== 'g0' && value === 0) return; // pathLossExponent 0 and ricianK 0 are legal
      try {
        parseScenario({ [group]: { [key]: value } }, 'my.json');
      } catch (error) {
        expect(error).toBeInstanceOf(UserError);
        expect((error as Error).message).toMatch(new RegExp(`^my\\.json: ${group}\\.${key}(\\.\\d)? `));
        return;
      }
      throw new Error(`accepted ${group}.${key} = ${JSON.stringify(value)}`);
    }), { numRuns: 300 });
  });

  it('the defaults pass and reproduce DEFAULT_SCENARIO', () => {
    expect(parseScenario(scenarioToJson(DEFAULT_SCENARIO), 'x')).toEqual(DEFAULT_SCENARIO);
  });
});

describe('property: loadScenario on random file contents', () => {
  it('never throws anything but a UserError naming the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'megc-scenario-'));
    const path = join(dir, 's.json');
    const text = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)),
      scenarioLike.map((v) => JSON.stringify(v) ?? ''),
      fc.constantFrom('', '{', '{"distance": {"comp": 1e999}}', '{"psi": NaN}', '\ufeff{}', 'null'),
    );
    fc.assert(fc.property(text, (contents) => {
      writeFileSync(path, contents);
      try {
        loadScenario(path);
      } catch (error) {
        expect(error).toBeInstanceOf(UserError);
        expect((error as Error).message).toContain(path);
        expect((error as Error).message).not.toContain('\n');
      }
    }), { numRuns: 500 });
    expect(() => loadScenario(join(dir, 'missing.json'))).toThrow(UserError);
  });
});
