// The web page's form model and episode series in Node: every scenario key offered and read back exactly, the
// training fields and URL parameters read by the CLI's own number parser, the CLI's messages for bad values, one-line
// failures, the evaluation size checked against the GPU, per-episode means as metrics.csv has them, and the shipped
// scenario files the page lists.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../src/errors.js';
import { DEFAULT_SCENARIO, parseScenario } from '../src/scenario.js';
import { DEFAULT_TRAIN_CONFIG } from '../src/train/config.js';
import type { IterationMetrics } from '../src/train/gpuTrainer.js';
import { EpisodeSeries } from '../web/src/episodes.js';
import { describedButMissing, formatNumber, SCENARIO_KEYS, scenarioFromTexts, scenarioText } from '../web/src/scenarioKeys.js';
import { configFromTexts, textsFromParameters, TRAINING_FIELDS, trainingTexts } from '../web/src/trainingKeys.js';
import { failureText } from '../web/src/failures.js';
import { scenarioSummary, shippedScenario } from '../web/src/scenarioChoice.js';
import { ROOT } from './helpers/cli.js';
import { checkEvaluationFits } from '../web/src/session.js';
import { integerListOption, integerOption, numberOption } from '../src/cli/common.js';
import { positiveNumberList } from '../src/cli/figures.js';

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
    expect(trainingTexts()).toEqual({ envs: '256', batch: '256', hidden: '128', updates: '2', iterations: '1200', seed: '1', evalSlots: '65536', critic: 'learned' });
    expect(configFromTexts(trainingTexts())).toEqual(DEFAULT_TRAIN_CONFIG);
  });

  it('takes envs, batch, hidden, updates, iterations, seed, evalSlots and critic from URL parameters', () => {
    const texts = textsFromParameters(new URLSearchParams('envs=64&batch=32&hidden=16,16&updates=2&iterations=300&seed=7&evalSlots=4096&critic=model&autostart=1'));
    expect(configFromTexts(texts)).toEqual({
      ...DEFAULT_TRAIN_CONFIG, envs: 64, batch: 32, hidden: [16, 16], updatesPerIteration: 2, iterations: 300, seed: 7, evalSlots: 4096, critic: 'model',
    });
  });

  it('offers the critic as a choice of learned and model, the note suggesting model for a world', () => {
    const critic = TRAINING_FIELDS.find((f) => f.name === 'critic')!;
    expect(critic.choices).toEqual(['learned', 'model']);
    expect(critic.note).toMatch(/model: .*world/);
    // A value the select does not offer reads back as '': refused naming the field.
    expect(() => configFromTexts({ ...trainingTexts(), critic: '' })).toThrow(/^training: critic: /);
  });

  it('names the field of a bad value', () => {
    expect(() => configFromTexts({ ...trainingTexts(), envs: '0' })).toThrow(/^training: envs: /);
    expect(() => configFromTexts({ ...trainingTexts(), hidden: '64,x' })).toThrow(new UserError('training: hidden: expected comma-separated positive integers, got "64,x"'));
    expect(() => configFromTexts({ ...trainingTexts(), hidden: '64,0' })).toThrow(/^training: hidden: /);
    expect(() => configFromTexts({ ...trainingTexts(), updates: '0' })).toThrow(/^training: updates: /);
    expect(() => configFromTexts({ ...trainingTexts(), batch: '300000' })).toThrow('training: batch (300000) is larger than the replay buffer (replayCapacity 32768)');
  });
});

describe('numbers read as megc reads its flags', () => {
  /** What a parser makes of a text: its value, or its message. */
  const outcome = (parse: () => unknown) => { try { return parse(); } catch (error) { return (error as Error).message; } };
  const TEXTS = ['16', ' 16 ', '+16', '0x10', '0b10', '0o20', '1e3', '16.0', '1.5', '-1', '0', '', ' ', 'Infinity', 'NaN', '16abc', '99999999999999999999'];

  it('a training field takes exactly what the same megc train flag takes, with the same message', () => {
    const flags: [string, (text: string) => unknown][] = [['envs', integerOption(1)], ['seed', integerOption(0, 2 ** 32 - 1)], ['hidden', integerListOption]];
    for (const [name, flag] of flags) {
      for (const text of [...TEXTS, '8,8', '8,,8', '8,0x8']) {
        const page = outcome(() => TRAINING_FIELDS.find((f) => f.name === name)!.parse(text));
        expect(page, `${name}=${JSON.stringify(text)}`).toEqual(outcome(() => flag(text)));
      }
    }
  });

  it('number flags take decimal numbers only: no hexadecimal, nothing that overflows or reads as 0', () => {
    const lr = numberOption(0, Infinity, { exclusiveMin: true });
    expect(lr('3e-3')).toBe(3e-3);
    expect(lr(' .5 ')).toBe(0.5);
    expect(outcome(() => lr('0x10'))).toBe('expected a number, got "0x10"');
    expect(outcome(() => lr('1e-400'))).toBe('"1e-400" is below the smallest number (about 5e-324): it would read as 0');
    expect(outcome(() => lr('1e400'))).toBe('"1e400" is beyond the largest number (about 1.8e308)');
    expect(outcome(() => lr('0e5'))).toBe('expected a number in (0, Infinity], got 0');
    // megc figures --lr-scales: a list of such numbers.
    expect(positiveNumberList('0.1, 1,3e0')).toEqual([0.1, 1, 3]);
    for (const list of ['0x10', '1,0x2', '1,1e-400', '1,', '1,0', '1,Infinity']) {
      expect(outcome(() => positiveNumberList(list)), list).toBe(`expected comma-separated positive numbers, got "${list}"`);
    }
  });

  it('URL parameters that megc refuses are refused in one line naming the field (envs=0x10 is not 16 environments)', () => {
    for (const [parameter, message] of [
      ['envs=0x10', 'training: envs: expected an integer, got "0x10"'],
      ['batch=1e3', 'training: batch: expected an integer, got "1e3"'],
      ['iterations=12.5', 'training: iterations: expected an integer, got "12.5"'],
      ['seed=-1', 'training: seed: expected an integer, got "-1"'],
      ['evalSlots=', 'training: evalSlots: expected an integer, got ""'],
      ['updates=Infinity', 'training: updates: expected an integer, got "Infinity"'],
    ]) {
      expect(() => configFromTexts(textsFromParameters(new URLSearchParams(parameter))), parameter).toThrow(new UserError(message));
    }
  });

  it('a scenario field takes a number as a scenario file writes one: 0x10 and Infinity are refused, 1e-400 too', () => {
    const at = (name: string, text: string) => {
      const texts = defaultTexts();
      texts[SCENARIO_KEYS.findIndex((k) => k.path.join('.') === name)] = text;
      return texts;
    };
    expect(scenarioFromTexts(at('distance.comp', ' 25 ')).distance.comp).toBe(25);
    expect(scenarioFromTexts(at('distance.comp', '2.5e1')).distance.comp).toBe(25);
    for (const text of ['0x10', '0b11', 'Infinity', '1e999']) {
      expect(() => scenarioFromTexts(at('distance.comp', text)), text).toThrow(/^scenario: distance\.comp (must be a number \(got "(0x10|0b11|Infinity)"\)|is out of range: "1e999" is beyond the largest number \(about 1\.8e308\))$/);
    }
    expect(() => scenarioFromTexts(at('data.ve.1', '1e-400'))).toThrow(new UserError('scenario: data.ve.1 is out of range: "1e-400" is below the smallest number (about 5e-324): it would read as 0'));
  });
});

describe('the page\'s messages', () => {
  it('shows a failure as one line, never a raw RangeError', () => {
    expect(failureText(new RangeError('Invalid typed array length: 15032385536'))).toBe('internal error: Invalid typed array length: 15032385536');
    expect(failureText(new UserError('scenario: psi: too large'))).toBe('scenario: psi: too large');
    expect(failureText(new Error('first line\n    at somewhere'))).toBe('internal error: first line');
  });

  it('refuses a checkpoint\'s evaluation size that this GPU cannot hold before evaluating anything', () => {
    const limits = { maxStorageBufferBindingSize: 128 * 2 ** 20, maxBufferSize: 256 * 2 ** 20 };
    expect(() => checkEvaluationFits(65536, limits)).not.toThrow();
    const most = Math.floor(128 * 2 ** 20 / 28);
    expect(() => checkEvaluationFits(most, limits)).not.toThrow();
    expect(() => checkEvaluationFits(most + 1, limits)).toThrow(new UserError(`evaluation slots ${most + 1}: this GPU evaluates at most ${most} (its maxStorageBufferBindingSize holds 28 bytes per slot)`));
    expect(() => checkEvaluationFits(2 ** 40, limits)).toThrow(UserError);
  });
});

describe('the shipped scenario files the page lists', () => {
  const text = (name: string) => readFileSync(join(ROOT, 'scenarios', `${name}.json`), 'utf8');

  it('describes the letter and each world in one line', () => {
    expect(scenarioSummary(shippedScenario({ name: 'default', text: text('default') }))).toBe("the letter's world: 3 users on 1 server");
    expect(scenarioSummary(shippedScenario({ name: 'multi-users', text: text('multi-users') }))).toBe('12 users on 1 server');
    expect(scenarioSummary(shippedScenario({ name: 'multi-servers', text: text('multi-servers') }))).toBe('12 users on 3 servers, each user served by its nearest');
    expect(scenarioSummary(shippedScenario({ name: 'association', text: text('association') }))).toBe("6 users on 2 servers, the policy picks each user's server");
    expect(scenarioSummary(shippedScenario({ name: 'large', text: text('large') })))
      .toBe("96 users on 8 servers, the policy picks each user's server, each user active in a slot with probability 0.8");
  });

  it('bundles every world of scenarios/ (web/src/shippedScenarios.ts), the letter first', () => {
    const bundled = readFileSync(join(ROOT, 'web', 'src', 'shippedScenarios.ts'), 'utf8');
    const names = [...bundled.matchAll(/scenarios\/([\w-]+)\.json\?raw/g)].map((m) => m[1]);
    const worlds = readdirSync(join(ROOT, 'scenarios')).filter((f) => f.endsWith('.json') && !f.startsWith('example-')).map((f) => f.slice(0, -5));
    expect(new Set(names)).toEqual(new Set(worlds));
    expect([...bundled.matchAll(/\{ name: ([^,]+),/g)].map((m) => m[1])[0]).toBe('LETTER_FILE');
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
    const m = series.episodes();
    expect(m.map((e) => e.episode)).toEqual([1, 2]);
    expect(m.map((e) => e.lTotal)).toEqual([(1 + 2 + 3 + 5) / 4, (10 + 20) / 2]);
    expect(m.map((e) => e.reward)).toEqual([-(1 + 2 + 3 + 5) / 4, -(10 + 20) / 2]);
    expect(m.map((e) => e.lAigc)).toEqual([(1 + 2 + 3 + 5) / 8, (10 + 20) / 4]);
    series.add([row(6, 30), row(7, 40)]);
    expect(series.episodes().map((e) => e.lTotal)).toEqual([(1 + 2 + 3 + 5) / 4, (10 + 20 + 30 + 40) / 4]);
  });
});
