// The float32 GPU path against the float64 reference over the whole scenario space (property tests): a scenario the GPU
// accepts gives states, latencies and FRA/RRA means within tolerance of the CPU, all finite where the CPU's are;
// one it refuses is refused in one line naming the key. State and action rows read from files likewise.
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UserError } from '../src/errors.js';
import { rolloutMeanGpu, sampleStatesGpu, latenciesGpu } from '../src/env/gpu.js';
import { checkGpuActions, checkGpuStates } from '../src/env/gpuRange.js';
import { fraAction, latencies, latency, pathGain, rraAction, sampleStates } from '../src/env/reference.js';
import { gpuAccepts, scenarioUniform } from '../src/env/scenarioUniform.js';
import { parseScenario, type Scenario } from '../src/scenario.js';
import { parseTrainConfig } from '../src/train/config.js';
import { runTraining } from '../src/train/run.js';
import { runLatency } from '../src/cli/latency.js';
import { runSolve } from '../src/cli/solve.js';
import { drawnScenarios } from './helpers/scenarios.js';
import { expectClose } from './helpers/expectClose.js';
import { testGpu } from './helpers/gpu.js';

const STATES = 24;

/** Rows of FRA, RRA and random feasible actions for `n` states: (n, 7). */
function actionsFor(s: Scenario, n: number, seed: number): Float64Array {
  const out = new Float64Array(n * 7);
  for (let i = 0; i < n; i++) {
    if (i % 3 === 0) out.set(fraAction(), i * 7);
    else out.set(rraAction(s, seed, i, i % 3 === 1 ? 0 : 1), i * 7);
  }
  return out;
}

describe('the float32 GPU path over the scenario space', () => {
  it('refuses a scenario outside its range in one line naming the key, and accepts the default', () => {
    expect(gpuAccepts(parseScenario({}, 'default'))).toBe(true);
    fc.assert(fc.property(drawnScenarios(40), (s) => {
      if (gpuAccepts(s)) { expect(() => scenarioUniform(s)).not.toThrow(); return; }
      let message = '';
      try { scenarioUniform(s); } catch (error) { expect(error).toBeInstanceOf(UserError); message = (error as Error).message; }
      expect(message).toMatch(/^scenario: (distance|power|bandwidth|channel|data)\.[a-zA-Z0-9]+: .*|^scenario: (noiseDbmPerHz|cyclesPerBit|fLocal|fEs|xi|zeta|psi|genUnitCycles|rraFloor): /);
      expect(message).toMatch(/use --device cpu/);
      expect(message).not.toMatch(/#|\n/);
    }), { numRuns: 300 });
  });

  it('names the key and the range (the examples: a far comp user, a slow device, tiny powers, subnormal values)', () => {
    const refused = (json: object) => { try { scenarioUniform(parseScenario(json, 's')); return ''; } catch (error) { return (error as Error).message; } };
    expect(refused({ distance: { comp: 1e20 } })).toBe('scenario: distance.comp: 1e20 m gives a mean channel gain of 1e-43, below the 1e-30 the float32 GPU path computes accurately (range [1e-30, 1e30]); use --device cpu');
    expect(refused({ fLocal: 1e-30 })).toMatch(/^scenario: fLocal: the largest comp task .* computed on the device takes 8e38 s, above the 1e20 s the float32 GPU path computes accurately/);
    expect(refused({ power: { comp: 1e-40 } })).toMatch(/^scenario: power\.comp: 1e-40 W gives a mean received power on the comp uplink of 1e-47 W, below/);
    expect(refused({ psi: 1e-40 })).toMatch(/^scenario: psi: /);
    expect(refused({ channel: { ricianK: 1e80 } })).toMatch(/^scenario: channel\.ricianK: gives the GPU kernels the value 7\.07e-41, outside float32's normal range .* \(it would compute as a subnormal\)/);
  });

  it('an accepted scenario: states, latencies and FRA/RRA means within tolerance of the float64 reference, finite where it is', async () => {
    const { device } = await testGpu();
    let accepted = 0;
    await fc.assert(fc.asyncProperty(fc.constantFrom(3, 12, 20).chain(drawnScenarios), fc.integer({ min: 0, max: 1000 }), async (s, seed) => {
      if (!gpuAccepts(s)) return;
      accepted++;
      const p = { count: STATES, seed, stream: 1, firstEnv: 0, slot: 0 };
      const gpuStates = await sampleStatesGpu(device, s, p);
      // Sampling: float32 Box-Muller and path gain, 2e-5 as env-gpu.test.ts; a gain far below its mean (a deep fade,
      // common without line of sight) also 1e-6 of the mean gain: float32's log(u) near u = 1 is accurate absolutely.
      const cpuStates = sampleStates(s, seed, 1, 0, STATES, 0);
      const meanGain = [pathGain(s, s.distance.comp), pathGain(s, s.distance.aigc), pathGain(s, s.distance.ve), pathGain(s, s.distance.ve), 0, 0, 0];
      for (let k = 0; k < 7; k++) {
        const column = (x: ArrayLike<number>) => Array.from({ length: STATES }, (_, i) => x[i * 7 + k]);
        expectClose(column(gpuStates), column(cpuStates), { atol: 1e-6 * meanGain[k], rtol: 2e-5 }, `state column ${k}`);
      }
      const states = Float64Array.from(gpuStates);
      const actions = Float64Array.from(Float32Array.from(actionsFor(s, STATES, seed)));
      const cpu = latencies(s, states, actions);
      const gpu = await latenciesGpu(device, s, states, actions);
      // Latencies: float32 rates and quotients (1e-4 as env-gpu.test.ts); never Infinity or NaN where the CPU is finite.
      expectClose(gpu, cpu, { atol: 0, rtol: 1e-4 }, 'latencies');
      for (const policy of ['fra', 'rra'] as const) {
        const m = await rolloutMeanGpu(device, s, policy, { envs: 32, slots: 2, stateSeed: seed, stateStream: 1, actionSeed: seed });
        // The reference on the GPU's own draws (a deep fade's float32 gain may differ by 1e-6 of the mean gain, see above,
        // which at a low SNR moves that state's latency by as much relative: the draws are tested above).
        const sums = [0, 0, 0, 0];
        for (let slot = 0; slot < 2; slot++) {
          const drawn = await sampleStatesGpu(device, s, { count: 32, seed, stream: 1, firstEnv: 0, slot });
          for (let env = 0; env < 32; env++) {
            const l = latency(s, drawn.subarray(env * 7, env * 7 + 7), policy === 'fra' ? fraAction() : rraAction(s, seed, env, slot));
            for (let k = 0; k < 4; k++) sums[k] += l[k] / 64;
          }
        }
        // Means of float32 latencies (1e-4 as the latencies).
        expectClose(m, sums, { atol: 0, rtol: 1e-4 }, `${policy} means`);
      }
    }), { numRuns: 60, seed: 20261206 });
    // A fixed seed: how many of the 60 drawn scenarios the GPU accepts (about a quarter) is then fixed, so this floor
    // cannot flake.
    expect(accepted).toBeGreaterThan(8);
  });

  it('state and action rows from a file: accepted rows within tolerance of the float64 reference, others refused in one line', async () => {
    const { device } = await testGpu();
    const s = parseScenario({}, 'default');
    const names = ['h_comp_off', 'h_aigc_back', 'h_ve_off', 'h_ve_back', 'd_comp', 'd_ve', 'd_aigc', 'alpha_off', 'alpha_back', 'beta', 'lambda', 'omega_comp', 'omega_aigc', 'omega_ve'];
    // Mostly ordinary values, sometimes extreme ones (each row is accepted or refused as a whole).
    const decades = (min: number, max: number) => fc.double({ min, max, noNaN: true }).map((k) => 10 ** k);
    const mostly = <T>(ordinary: fc.Arbitrary<T>, ...extreme: fc.Arbitrary<T>[]) => fc.oneof({ arbitrary: ordinary, weight: 40 }, ...extreme.map((arbitrary) => ({ arbitrary, weight: 1 })));
    const gain = mostly(decades(-12, -3), fc.constant(0), decades(-46, 10));
    const bits = mostly(decades(3, 8), fc.constant(0), decades(-45, 9));
    const share = mostly(fc.double({ min: 0.01, max: 0.99, noNaN: true }), fc.constant(0), fc.constant(1), decades(-45, 0), decades(-14, -0.5).map((x) => 1 - x));
    const fraction = fc.double({ min: 0.01, max: 0.99, noNaN: true });
    const row = fc.tuple(gain, gain, gain, gain, bits, bits, bits, share, share, share, share, fraction, fraction)
      .map((v) => { const aigc = (1 - v[11]) * v[12]; return [...v.slice(0, 12), aigc, 1 - v[11] - aigc]; });
    let accepted = 0;
    await fc.assert(fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 3 }), async (rows) => {
      const columns = Object.fromEntries(names.map((name, k) => [name, rows.map((r) => r[k])]));
      let message = '';
      try { checkGpuStates(columns, rows.length, 'rows.csv', s); checkGpuActions(columns, rows.length, 'rows.csv'); } catch (error) {
        expect(error).toBeInstanceOf(UserError);
        message = (error as Error).message;
      }
      if (message) { expect(message).toMatch(/^rows\.csv: row \d+ \(line \d+\), column "[a-z_]+": .*use --device cpu$/); return; }
      accepted++;
      const states = rows.flatMap((r) => r.slice(0, 7));
      const actions = rows.flatMap((r) => r.slice(7, 14));
      const gpu = await latenciesGpu(device, s, states, actions);
      // The GPU reads float32 inputs: the reference scores the same float32 values (1e-4 as env-gpu.test.ts).
      const cpu = latencies(s, Float64Array.from(Float32Array.from(states)), Float32Array.from(actions));
      expectClose(gpu, cpu, { atol: 0, rtol: 1e-4 }, 'latencies of accepted rows');
    }), { numRuns: 60 });
    expect(accepted).toBeGreaterThan(5);
    const refused = (column: string, value: number) => {
      const columns = Object.fromEntries(names.map((name) => [name, [name.startsWith('h_') ? 1e-7 : name.startsWith('d_') ? 4e6 : name.startsWith('omega') ? 1 / 3 : 0.5]]));
      columns[column][0] = value;
      try { checkGpuStates(columns, 1, 'rows.csv', s); checkGpuActions(columns, 1, 'rows.csv'); return ''; } catch (error) { return (error as Error).message; }
    };
    expect(refused('h_comp_off', 1e-44)).toMatch(/^rows\.csv: row 1 \(line 2\), column "h_comp_off": 1e-44 is outside \[[0-9.e-]+, [0-9.e+]+\], the range the float32 GPU path computes accurately for this scenario; use --device cpu$/);
    expect(refused('d_ve', 1e-40)).toMatch(/column "d_ve": 1e-40 is outside/);
    expect(refused('beta', 1e-40)).toMatch(/column "beta": 1e-40 is a positive share below 1e-30/);
    expect(refused('alpha_off', 1 - 1e-11)).toMatch(/column "alpha_off": 0\.99999999999 leaves the other user a share of 1e-11, which float32 .* holds as 0; use --device cpu/);
    expect(refused('h_comp_off', 0)).toBe('');
  });

  it('megc train on the GPU refuses a scenario outside the range before opening the GPU, writing nothing', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'megc-gpu-range-')), 'run');
    const config = parseTrainConfig({ envs: 4, batch: 8, hidden: [8], iterations: 4, replayCapacity: 16, evalSlots: 16 });
    await expect(runTraining({ scenario: parseScenario({ fLocal: 1e-30 }, 'slow.json'), config, out, device: 'gpu', log: () => {}, handleSignals: false, evaluate: false }))
      .rejects.toThrow(/^scenario: fLocal: .* above the 1e20 s the float32 GPU path computes accurately .*; use --device cpu$/);
    expect(existsSync(out)).toBe(false);
  });

  it('megc solve and latency on the GPU name the scenario file and refuse before reading or writing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'megc-gpu-range-'));
    writeFileSync(join(dir, 'far.json'), '{"distance": {"comp": 1e20}}');
    writeFileSync(join(dir, 'states.csv'), 'h_comp_off,h_aigc_back,h_ve_off,h_ve_back,d_comp,d_ve,d_aigc\n1e-7,7e-8,1.5e-7,1.6e-7,4e6,5e6,9e6\n');
    const far = join(dir, 'far.json');
    const output = join(dir, 'out.csv');
    const message = new RegExp(`^${far.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: distance\\.comp: 1e20 m gives a mean channel gain of 1e-43, below the 1e-30`);
    await expect(runSolve({ input: join(dir, 'states.csv'), output, scenario: far, device: 'gpu' })).rejects.toThrow(message);
    await expect(runLatency({ input: join(dir, 'states.csv'), output, scenario: far, device: 'gpu' })).rejects.toThrow(message);
    expect(existsSync(output)).toBe(false);
  });
});
