// The web page's form model and episode series in Node: every scenario key offered and read back exactly, the
// training fields and URL parameters, the CLI's messages for bad values, and per-episode means as metrics.csv has them.
import { describe, expect, it } from 'vitest';
import { UserError } from '../src/errors.js';
import { DEFAULT_SCENARIO, parseScenario } from '../src/scenario.js';
import { DEFAULT_TRAIN_CONFIG } from '../src/train/config.js';
import type { IterationMetrics } from '../src/train/gpuTrainer.js';
import { EpisodeSeries } from '../web/src/episodes.js';
import { describedButMissing, formatNumber, SCENARIO_KEYS, scenarioFromTexts, scenarioText } from '../web/src/scenarioKeys.js';
import { configFromTexts, textsFromParameters, trainingTexts } from '../web/src/trainingKeys.js';

const defaultTexts = () => SCENARIO_KEYS.map((k) => scenarioText(DEFAULT_SCENARIO, k.path));

describe('the scenario form', () => {
  it('has a described row with a unit for every number of the scenario file, and no stale description', () => {
    expect(SCENARIO_KEYS.map((k) => k.path.join('.'))).toContain('data.aigc.1');
    for (const key of SCENARIO_KEYS) {
      expect(key.label, key.path.join('.')).not.toBe(key.path.join('.'));
      expect(key.unit, key.path.join('.')).not.toBe('');
    }
    expect(describedButMissing()).toEqual([]);
  });

  it('reads the defaults back as the default scenario, exactly', () => {
    expect(scenarioFromTexts(defaultTexts())).toEqual(DEFAULT_SCENARIO);
    for (const x of [4e8, 9.97e-14, 1e-3, 100, -100, 0.05, 1.6e7, 123456.789]) expect(Number(formatNumber(x))).toBe(x);
  });

  it('rejects a bad value with the message parseScenario gives a scenario file', () => {
    const cases: [string, string, unknown][] = [
      ['distance.comp', '-5', { distance: { comp: -5 } }],
      ['data.ve.1', 'abc', { data: { ve: [1e6, 'abc'] } }],
      ['data.comp.0', '9e6', { data: { comp: [9e6, 8e6] } }],
      ['rraFloor', '0.5', { rraFloor: 0.5 }],
      ['noiseDbmPerHz', '', { noiseDbmPerHz: '' }],
    ];
    for (const [name, text, json] of cases) {
      const texts = defaultTexts();
      texts[SCENARIO_KEYS.findIndex((k) => k.path.join('.') === name)] = text;
      let expected = '';
      try { parseScenario(json, 'scenario'); } catch (error) { expected = (error as Error).message; }
      expect(expected, name).not.toBe('');
      expect(() => scenarioFromTexts(texts), name).toThrow(new UserError(expected));
    }
  });
});

describe('the training form', () => {
  it('shows the recipe\'s defaults and reads them back', () => {
    expect(trainingTexts()).toEqual({ envs: '256', batch: '256', hidden: '128', updates: '2', iterations: '1200', seed: '1', evalSlots: '65536' });
    expect(configFromTexts(trainingTexts())).toEqual(DEFAULT_TRAIN_CONFIG);
  });

  it('takes envs, batch, hidden, updates, iterations, seed and evalSlots from URL parameters', () => {
    const texts = textsFromParameters(new URLSearchParams('envs=64&batch=32&hidden=16,16&updates=2&iterations=300&seed=7&evalSlots=4096&autostart=1'));
    expect(configFromTexts(texts)).toEqual({ ...DEFAULT_TRAIN_CONFIG, envs: 64, batch: 32, hidden: [16, 16], updatesPerIteration: 2, iterations: 300, seed: 7, evalSlots: 4096 });
  });

  it('names the field of a bad value', () => {
    expect(() => configFromTexts({ ...trainingTexts(), envs: '0' })).toThrow(/^training: envs: /);
    expect(() => configFromTexts({ ...trainingTexts(), hidden: '64,x' })).toThrow(/^training: hidden\.1: /);
    expect(() => configFromTexts({ ...trainingTexts(), batch: '300000' })).toThrow('training: batch (300000) is larger than the replay buffer (replayCapacity 32768)');
  });
});

describe('the episode series of the live plots', () => {
  const row = (iteration: number, lTotal: number): IterationMetrics => ({
    iteration, reward: -lTotal, lComp: lTotal / 4, lAigc: lTotal / 2, lVe: lTotal / 4, lTotal, criticLoss: 0, actorLoss: 0, updates: 1,
  });

  it('averages each episode, the one in progress included, across chunk boundaries', () => {
    const series = new EpisodeSeries(4);
    series.add([1, 2, 3].map((x, i) => row(i, x)));
    series.add([5, 10, 20].map((x, i) => row(i + 3, x)));
    const m = series.metrics();
    expect([...m.episode]).toEqual([1, 2]);
    expect([...m.l_total]).toEqual([(1 + 2 + 3 + 5) / 4, (10 + 20) / 2]);
    expect([...m.reward]).toEqual([-(1 + 2 + 3 + 5) / 4, -(10 + 20) / 2]);
    expect([...m.l_aigc]).toEqual([(1 + 2 + 3 + 5) / 8, (10 + 20) / 4]);
    series.add([row(6, 30), row(7, 40)]);
    expect([...series.metrics().l_total]).toEqual([(1 + 2 + 3 + 5) / 4, (10 + 20 + 30 + 40) / 4]);
  });
});
