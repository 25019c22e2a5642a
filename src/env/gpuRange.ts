// Where the float32 GPU path matches the float64 reference (docs/MODEL.md "Float32 range of the GPU path"): the
// scenario's derived values (mean channel gains, received powers, SNRs, the time of each latency term at full share)
// and the values of state rows read from a file, each held to a range; outside it the GPU path refuses in one line
// naming the key (or column) and the range, before anything runs, and --device cpu computes it in float64.
import { UserError } from '../errors.js';
import type { Scenario } from '../scenario.js';
import { pathGain, rate } from './reference.js';
import { FLOAT32_MAX } from './validate.js';

export { FLOAT32_MAX };

/** The smallest positive normal float32: below it a value is subnormal (flushed to 0 by many GPUs) or 0. */
export const FLOAT32_MIN_NORMAL = 1.1754943508222875e-38;

/**
 * Range of the scenario's derived values (mean gains, received powers, SNRs at full bandwidth): 8 decades inside
 * float32's normal range, so that fading (|x|^2 down to ~6e-8 and up to ~40), shares down to ~1e-7 (the golden
 * sections' first points) and the products the kernels form from them stay normal.
 */
export const GPU_VALUE_RANGE = { low: 1e-30, high: 1e30 } as const;
/**
 * Range of each latency term at full share (s): its sums over 2^32 slots and 7 terms, at the shares of FRA and RRA,
 * stay finite in float32 (below 3.4e38), and no term is subnormal.
 */
export const GPU_TIME_RANGE = { low: 1e-20, high: 1e20 } as const;

/** A number in 3 significant digits: 0.125, 4e+08 as 4e8, 1.0e-43 as 1e-43. */
function show(x: number): string {
  if (x === 0 || !Number.isFinite(x)) return String(x);
  const exponent = Math.floor(Math.log10(Math.abs(x)));
  return exponent >= -4 && exponent < 6 ? String(Number(x.toPrecision(3))) : x.toPrecision(3).replace(/\.?0+e/, 'e').replace('e+', 'e');
}

interface Quantity {
  /** The scenario key it is named by (the one a user changes). */
  key: string;
  /** What it is, with its value: "a mean channel gain of 1e-43". */
  what: string;
  value: number;
  range: { low: number; high: number };
  unit: string;
}

/** The derived values of `s` the float32 kernels compute with, each with the key that names it and its range. */
function scenarioQuantities(s: Scenario): Quantity[] {
  const N0 = s.noiseWattsPerHz;
  const gain = { comp: pathGain(s, s.distance.comp), aigc: pathGain(s, s.distance.aigc), ve: pathGain(s, s.distance.ve) };
  const links = [
    { key: 'power.comp', name: 'comp uplink', power: s.power.comp, gain: gain.comp, bandwidth: s.bandwidth.off, bits: s.data.comp[1], bitsKey: 'data.comp' },
    { key: 'power.ve', name: 've uplink', power: s.power.ve, gain: gain.ve, bandwidth: s.bandwidth.off, bits: s.data.ve[1], bitsKey: 'data.ve' },
    { key: 'power.es', name: 'aigc downlink', power: s.power.es, gain: gain.aigc, bandwidth: s.bandwidth.back, bits: s.data.aigc[1], bitsKey: 'data.aigc' },
    { key: 'power.es', name: 've downlink', power: s.power.es, gain: gain.ve, bandwidth: s.bandwidth.back, bits: s.psi * s.data.ve[1], bitsKey: 'psi' },
  ];
  const V = GPU_VALUE_RANGE, T = GPU_TIME_RANGE;
  const quantities: Quantity[] = [
    ...(['comp', 'aigc', 've'] as const).map((u) => ({ key: `distance.${u}`, what: `${show(s.distance[u])} m gives a mean channel gain of ${show(gain[u])}`, value: gain[u], range: V, unit: '' })),
    ...links.flatMap((l) => [
      { key: l.key, what: `${show(l.power)} W gives a mean received power on the ${l.name} of ${show(l.power * l.gain)} W`, value: l.power * l.gain, range: V, unit: ' W' },
      { key: l.key, what: `${show(l.power)} W gives a mean SNR on the whole ${l.name} of ${show(l.power * l.gain / (l.bandwidth * N0))}`, value: l.power * l.gain / (l.bandwidth * N0), range: V, unit: '' },
    ]),
  ];
  // Each latency term at full share, for the largest data size (smaller sizes are at most 2^24 times smaller, still normal).
  const time = (key: string, what: string, seconds: number) => ({ key, what: `${what} takes ${show(seconds)} s`, value: seconds, range: T, unit: ' s' });
  const chi = s.cyclesPerBit;
  const generation = (bits: number) => (s.xi * chi * bits + s.zeta) * s.genUnitCycles / s.fEs;
  const generationKey = (bits: number) => (s.xi * chi * bits >= s.zeta ? 'xi' : 'zeta');
  quantities.push(
    time('fLocal', `the largest comp task (data.comp ${show(s.data.comp[1])} bits) computed on the device`, chi * s.data.comp[1] / s.fLocal),
    time('fEs', `the largest comp task computed on the whole ES`, chi * s.data.comp[1] / s.fEs),
    ...links.map((l) => time(l.bitsKey, `the largest ${l.name} transfer (${show(l.bits)} bits) at full bandwidth and power`, l.bits / rate(1, l.power, l.gain, l.bandwidth, N0))),
  );
  // A generation load of 0 (xi = zeta = 0) is exact: no time to hold to a range.
  if (generation(s.data.aigc[1]) > 0) quantities.push(time(generationKey(s.data.aigc[1]), 'generating the largest aigc result on the whole ES', generation(s.data.aigc[1])));
  const veBits = s.psi * s.data.ve[1];
  if (generation(veBits) > 0) quantities.push(time(generationKey(veBits), 'generating the largest ve result on the whole ES', generation(veBits)));
  return quantities;
}

const outside = (q: Quantity) => !(q.value >= q.range.low && q.value <= q.range.high);

/**
 * Throws a UserError naming the first derived value of `s` outside the range where the float32 GPU path matches the
 * float64 reference (GPU_VALUE_RANGE, GPU_TIME_RANGE): `source: distance.comp: 1e20 m gives a mean channel gain of
 * 1e-43, outside [1e-30, 1e30] where the float32 GPU path computes accurately; use --device cpu`.
 */
export function checkGpuScenario(s: Scenario, source = 'scenario'): void {
  const q = scenarioQuantities(s).find(outside);
  if (q) {
    throw new UserError(`${source}: ${q.key}: ${q.what}, ${q.value < q.range.low ? 'below' : 'above'} the ${show(q.value < q.range.low ? q.range.low : q.range.high)}${q.unit} ` +
      `the float32 GPU path computes accurately (range [${show(q.range.low)}, ${show(q.range.high)}]${q.unit}); use --device cpu`);
  }
}


/**
 * The range of each gain column of a state row on the GPU path: its received power (gain x link power) and SNR at full
 * bandwidth in GPU_VALUE_RANGE (0 is exact: no rate). Data sizes are held by validateStates' limits, and a positive
 * one below float32's normal range is refused here.
 */
export function gpuStateRanges(s: Scenario): Record<string, { low: number; high: number }> {
  const N0 = s.noiseWattsPerHz;
  const gainRange = (power: number, bandwidth: number) => {
    const snrPerGain = power / (bandwidth * N0);
    return { low: Math.max(GPU_VALUE_RANGE.low / power, GPU_VALUE_RANGE.low / snrPerGain), high: Math.min(GPU_VALUE_RANGE.high / power, GPU_VALUE_RANGE.high / snrPerGain) };
  };
  const data = { low: FLOAT32_MIN_NORMAL, high: Infinity };
  return {
    h_comp_off: gainRange(s.power.comp, s.bandwidth.off),
    h_aigc_back: gainRange(s.power.es, s.bandwidth.back),
    h_ve_off: gainRange(s.power.ve, s.bandwidth.off),
    h_ve_back: gainRange(s.power.es, s.bandwidth.back),
    d_comp: data, d_ve: data, d_aigc: data,
  };
}

/**
 * Checks every state row for the GPU path (gpuStateRanges; exact zeros pass); a UserError naming the source, row (file
 * line = row + 1), column and range otherwise.
 */
export function checkGpuStates(columns: Record<string, ArrayLike<number>>, rows: number, source: string, s: Scenario, firstRow = 1): void {
  for (const [name, range] of Object.entries(gpuStateRanges(s))) {
    const column = columns[name];
    for (let r = 0; r < rows; r++) {
      const v = column[r];
      if (v !== 0 && !(v >= range.low && v <= range.high)) {
        throw new UserError(`${source}: row ${firstRow + r} (line ${firstRow + r + 1}), column "${name}": ${v} is outside [${show(range.low)}, ${show(range.high)}], ` +
          `the range the float32 GPU path computes accurately for this scenario; use --device cpu`);
      }
    }
  }
}

/**
 * Largest relative error float32 may leave in a share's complement (1 - share, the other user's share) on the GPU path:
 * the GPU latencies' tolerance against the float64 reference (the term it divides changes by as much).
 */
export const GPU_COMPLEMENT_TOLERANCE = 1e-4;

/**
 * Checks every action row for the GPU path: a positive share at least GPU_VALUE_RANGE.low (smaller ones are subnormal
 * or make terms beyond float32), and, for the four splits whose complement is the other user's share, a complement that
 * float32 holds within GPU_COMPLEMENT_TOLERANCE (alpha_off = 1 - 1e-11 would leave ve a share of 0 in float32).
 */
export function checkGpuActions(columns: Record<string, ArrayLike<number>>, rows: number, source: string, firstRow = 1): void {
  const splits = new Set(['alpha_off', 'alpha_back', 'beta', 'lambda']);
  for (const name of ['alpha_off', 'alpha_back', 'beta', 'lambda', 'omega_comp', 'omega_aigc', 'omega_ve']) {
    const column = columns[name];
    for (let r = 0; r < rows; r++) {
      const v = column[r];
      const where = `${source}: row ${firstRow + r} (line ${firstRow + r + 1}), column "${name}"`;
      if (v !== 0 && v < GPU_VALUE_RANGE.low) {
        throw new UserError(`${where}: ${v} is a positive share below ${show(GPU_VALUE_RANGE.low)}, the smallest the float32 GPU path computes accurately; use --device cpu`);
      }
      const complement = 1 - v;
      if (splits.has(name) && complement !== 0 && !(Math.abs((1 - Math.fround(v)) - complement) <= GPU_COMPLEMENT_TOLERANCE * complement)) {
        throw new UserError(`${where}: ${v} leaves the other user a share of ${show(complement)}, which float32 (the GPU path's precision) holds as ${show(1 - Math.fround(v))}; use --device cpu`);
      }
    }
  }
}
