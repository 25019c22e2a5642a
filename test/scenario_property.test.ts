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

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*/;

/**
 * Reads a key path as messages print it from the start of `text`: identifiers and array indices bare, any other key
 * JSON-quoted, segments joined by dots. Returns the segments (keys as strings) and the text after the path, or null.
 */
function readKeyPath(text: string): { segments: string[]; rest: string } | null {
  const segments: string[] = [];
  let i = 0;
  for (;;) {
    const tail = text.slice(i);
    let segment: string;
    let length: number;
    const word = IDENTIFIER.exec(tail) ?? /^\d+/.exec(tail);
    if (word) {
      segment = word[0];
      length = word[0].length;
    } else if (tail.startsWith('"')) {
      // The shortest prefix that is a whole JSON string.
      let end = 1;
      for (; end < tail.length; end++) if (tail[end] === '\\') end++; else if (tail[end] === '"') break;
      if (end >= tail.length) return null;
      segment = JSON.parse(tail.slice(0, end + 1)) as string;
      // Quoted only when it has to be: a key that is an identifier or a number would have been printed bare.
      if (IDENTIFIER.test(segment) && IDENTIFIER.exec(segment)![0] === segment) return null;
      length = end + 1;
    } else {
      return null;
    }
    segments.push(segment);
    i += length;
    if (text[i] !== '.') return { segments, rest: text.slice(i) };
    i++;
  }
}

/** The value at `segments` in `input`, or undefined when some key is missing. */
function has(input: unknown, segments: string[]): boolean {
  let node: unknown = input;
  for (const key of segments) {
    if (typeof node !== 'object' || node === null || !Object.prototype.hasOwnProperty.call(node, key)) return false;
    node = (node as Record<string, unknown>)[key];
  }
  return true;
}

/** Checks the outcome of parseScenario on `input`: a valid scenario, or a UserError naming a key path of the input. */
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
    const unknown = /^unknown keys? /.exec(rest);
    if (unknown) {
      // Every unknown key is named by its whole path (odd keys JSON-quoted), the paths separated by ", ".
      let list = rest.slice(unknown[0].length);
      const named: string[][] = [];
      for (;;) {
        const path = readKeyPath(list);
        expect(path, `"${message}": a key path at "${list}"`).not.toBeNull();
        named.push(path!.segments);
        if (path!.rest === '') break;
        expect(path!.rest.startsWith(', '), `"${message}": ", " after a key path`).toBe(true);
        list = path!.rest.slice(2);
      }
      expect(named.length > 1).toBe(unknown[0] === 'unknown keys ');
      for (const segments of named) expect(has(input, segments), `"${message}" names ${JSON.stringify(segments)}, a key path of ${JSON.stringify(input)}`).toBe(true);
      return;
    }
    if (rest.startsWith('(root) ')) {
      expect(typeof input === 'object' && input !== null && !Array.isArray(input)).toBe(false);
      return;
    }
    // The message starts with a key path the input really has, then a space and the rule broken.
    const path = readKeyPath(rest);
    expect(path, `"${message}" starts with a key path`).not.toBeNull();
    expect(path!.rest.startsWith(' must ') || path!.rest.startsWith(' '), message).toBe(true);
    expect(has(input, path!.segments.slice(0, 1)), `"${message}" names a key of ${JSON.stringify(input)}`).toBe(true);
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

  it('odd keys are JSON-quoted in the key path, identifiers and indices are not', () => {
    const message = (input: unknown) => {
      try { parseScenario(input, 'my.json'); } catch (error) { return (error as Error).message; }
      return 'accepted';
    };
    expect(message({ distance: { ' ': 1 } })).toBe('my.json: unknown key distance." "');
    expect(message({ distance: { '': 1 } })).toBe('my.json: unknown key distance.""');
    expect(message({ 'a.b': 1, '0': 2 })).toBe('my.json: unknown keys "0", "a.b"');
    expect(message({ 'x y': 1 })).toBe('my.json: unknown key "x y"');
    expect(message({ power: { 'es\n': 1 } })).toBe('my.json: unknown key power."es\\n"');
    expect(message({ foo_1: 1 })).toBe('my.json: unknown key foo_1');
    expect(message({ data: { ve: [1, 'x'] } })).toBe('my.json: data.ve.1 must be a number (got "x")');
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
