// Scenarios drawn around the defaults, each key `width` decades either way: from ordinary to far beyond float32 (for
// property tests of the GPU path's range).
import fc from 'fast-check';
import { parseScenario, type Scenario } from '../../src/scenario.js';

/** default x 10^k, k uniform in [-width, width]: scenarios from ordinary to far beyond float32. */
const scaled = (value: number, width: number) => fc.double({ min: -width, max: width, noNaN: true }).map((k) => value * 10 ** k);
/** [low, high]: high around `high`, low a fraction of it (0 included). */
const interval = (high: number, width: number) =>
  fc.tuple(scaled(high, width), fc.constantFrom(0, 1e-3, 0.125, 0.5, 0.99)).map(([h, f]) => [h * f, h] as [number, number]);

/** Scenario JSON with every key drawn around its default, `width` decades either way. */
const scenarioJson = (width: number) => fc.record({
  distance: fc.record({ comp: scaled(100, width), aigc: scaled(120, width), ve: scaled(80, width) }),
  power: fc.record({ comp: scaled(15, width), ve: scaled(15, width), es: scaled(15, width) }),
  bandwidth: fc.record({ off: scaled(4e8, width), back: scaled(4e8, width) }),
  noiseDbmPerHz: fc.double({ min: -300, max: 100, noNaN: true }),
  channel: fc.record({ g0: scaled(1e-3, width), pathLossExponent: fc.double({ min: 0, max: 6, noNaN: true }), ricianK: fc.oneof(fc.constant(0), scaled(10, width)) }),
  data: fc.record({ comp: interval(8e6, width), ve: interval(8e6, width), aigc: interval(16e6, width) }),
  cyclesPerBit: scaled(100, width), fLocal: scaled(1e9, width), fEs: scaled(1e10, width),
  xi: fc.oneof(fc.constant(0), scaled(9.97e-14, width)), zeta: fc.oneof(fc.constant(0), scaled(5.73, width)),
  psi: scaled(2, width), genUnitCycles: scaled(1e9, width), rraFloor: fc.double({ min: 0, max: 1 / 3, noNaN: true }),
}, { requiredKeys: [] });

export const drawnScenarios = (width: number) => scenarioJson(width).map((json) => {
  try { return parseScenario(json, 'drawn'); } catch { return null; }
}).filter((s): s is Scenario => s !== null);

