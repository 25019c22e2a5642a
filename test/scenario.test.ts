// Scenario defaults, validation errors naming the key and the rule, and loading from a file.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SCENARIO, loadScenario, parseScenario } from '../src/scenario.js';
import { UserError } from '../src/errors.js';

const bad = (json: unknown) => () => parseScenario(json, 'scenario.json');

describe('scenario', () => {
  it('has MODEL.md defaults and the derived noise density', () => {
    expect(DEFAULT_SCENARIO.distance).toEqual({ comp: 100, aigc: 120, ve: 80 });
    expect(DEFAULT_SCENARIO.bandwidth.off).toBe(4e8);
    expect(DEFAULT_SCENARIO.data.aigc).toEqual([2e6, 16e6]);
    expect(DEFAULT_SCENARIO.noiseWattsPerHz).toBeCloseTo(1e-13, 25);
    expect(DEFAULT_SCENARIO.rraFloor).toBe(0.05);
  });

  it('ships scenarios/default.json equal to the defaults', () => {
    expect(loadScenario(new URL('../scenarios/default.json', import.meta.url).pathname)).toEqual(DEFAULT_SCENARIO);
  });

  it('fills missing keys with defaults', () => {
    const s = parseScenario({ distance: { comp: 50 }, noiseDbmPerHz: -90 }, 'x');
    expect(s.distance).toEqual({ comp: 50, aigc: 120, ve: 80 });
    expect(s.noiseWattsPerHz).toBeCloseTo(1e-12, 24);
  });

  it('rejects bad values naming the key and the rule', () => {
    expect(bad({ distance: { comp: -3 } })).toThrow(new UserError('scenario.json: distance.comp must be > 0 (got -3)'));
    expect(bad({ distance: { foo: 1 } })).toThrow('scenario.json: unknown key distance.foo');
    expect(bad({ bar: 1 })).toThrow('scenario.json: unknown key bar');
    expect(bad({ data: { comp: [5e6, 1e6] } })).toThrow('scenario.json: data.comp must be an interval [low, high] with low < high');
    expect(bad({ data: { ve: [1e6, 1e6] } })).toThrow('data.ve must be an interval [low, high] with low < high');
    expect(bad({ data: { aigc: [1] } })).toThrow('data.aigc must be an interval');
    expect(bad({ channel: { ricianK: -1 } })).toThrow('channel.ricianK must be >= 0 (got -1)');
    expect(bad({ xi: 'a' })).toThrow('xi must be a number (got "a")');
    expect(bad({ fEs: Infinity })).toThrow('fEs must be a number');
    expect(bad({ fEs: NaN })).toThrow('fEs must be a number');
    expect(bad({ slotsPerEpisode: 1.5 })).toThrow('slotsPerEpisode must be an integer');
    expect(bad({ rraFloor: 0.5 })).toThrow('rraFloor must be <= 1/3');
    expect(bad({ power: 5 })).toThrow('power must be an object');
    expect(bad([])).toThrow(UserError);
  });

  it('loads files and reports missing files and bad JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'megc-scenario-'));
    writeFileSync(join(dir, 'ok.json'), '{"fEs": 2e10}');
    writeFileSync(join(dir, 'broken.json'), '{"fEs": ');
    writeFileSync(join(dir, 'bad.json'), '{"distance": {"comp": 0}}');
    expect(loadScenario(join(dir, 'ok.json')).fEs).toBe(2e10);
    expect(() => loadScenario(join(dir, 'missing.json'))).toThrow(/missing.json: no such file/);
    expect(() => loadScenario(join(dir, 'broken.json'))).toThrow(/broken.json: not valid JSON/);
    expect(() => loadScenario(join(dir, 'bad.json'))).toThrow(/bad.json: distance.comp must be > 0 \(got 0\)/);
    expect(loadScenario()).toBe(DEFAULT_SCENARIO);
  });
});
