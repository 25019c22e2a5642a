// Strict JSON: the same values as JSON.parse, and a key repeated in one object refused (scenario files, plans files,
// config.json, checkpoint metadata all parse through it).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsonError, parseJson, repeatedKey } from '../src/json.js';
import { loadScenario } from '../src/scenario.js';
import { decodeSafetensors } from '../src/io/safetensors.js';

describe('parseJson', () => {
  it('gives what JSON.parse gives for any JSON text without repeated keys', () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => {
      const text = JSON.stringify(value);
      expect(parseJson(text)).toEqual(JSON.parse(text));
    }), { numRuns: 100 });
  });

  it('refuses a key repeated in any object, at any depth, naming its path', () => {
    fc.assert(fc.property(fc.dictionary(fc.string(), fc.jsonValue(), { minKeys: 1 }), fc.nat(), fc.jsonValue(), (object, pick, value) => {
      const keys = Object.keys(object);
      const key = keys[pick % keys.length];
      const text = JSON.stringify(object);
      // the same key added again at the end of the object, and inside an array of an outer object
      const repeated = `${text.slice(0, -1)},${JSON.stringify(key)}:${JSON.stringify(value)}}`;
      expect(() => parseJson(repeated)).toThrow(JsonError);
      expect(() => parseJson(`{"outer": [1, ${repeated}]}`)).toThrow(/key outer\.1\./);
    }), { numRuns: 100 });
  });

  it('compares keys after unescaping and ignores braces inside strings', () => {
    expect(repeatedKey('{"a": 1, "\\u0061": 2}')).toBe('a');
    expect(repeatedKey('{"a": "{\\"a\\": 1, \\"a\\": 2}", "b": {"a": 1}, "c": [{"a": 1}, {"a": 2}]}')).toBeNull();
    expect(repeatedKey('{"data": {"comp": [1, 2], "ve": [1, 2], "comp": [3, 4]}}')).toBe('data.comp');
  });

  it('a scenario file with a repeated key is refused in one line, not read last-wins', () => {
    const dir = mkdtempSync(join(tmpdir(), 'megc-json-'));
    writeFileSync(join(dir, 'twice.json'), '{"psi": 2, "distance": {"comp": 100, "comp": 1e20}}');
    expect(() => loadScenario(join(dir, 'twice.json'))).toThrow(/twice\.json: not valid JSON \(key distance\.comp appears twice in one object/);
  });

  it('a checkpoint header whose metadata repeats a key is refused', () => {
    const header = new TextEncoder().encode('{"__metadata__":{"progress":"a","progress":"b"},"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}');
    const forged = new Uint8Array(8 + header.length + 4);
    new DataView(forged.buffer).setBigUint64(0, BigInt(header.length), true);
    forged.set(header, 8);
    expect(() => decodeSafetensors(forged, 'forged.safetensors', { verifyChecksum: false })).toThrow(/bad header JSON: key __metadata__\.progress appears twice/);
  });
});
