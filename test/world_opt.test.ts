// The world's optimum (src/world/opt): one server's allocation against the letter's OPT, scipy's SLSQP (fixtures),
// random feasible allocations and its own certified bound; the slot's optimum over associations and its baselines.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { evalWorld } from '../src/cli/evalWorld.js';
import { optAction } from '../src/env/opt.js';
import { rate, S, sampleStates, time } from '../src/env/reference.js';
import { DEFAULT_SCENARIO, parseScenario, type Scenario } from '../src/scenario.js';
import { associationBaseline, associationLowerBound, optWorldAction, solveServer, type ServerProblem, type ServerSolution } from '../src/world/opt/index.js';
import { layoutOf, rraWorldAction, sampleWorldStates, worldActionProblem, worldLatency } from '../src/world/reference.js';
import { worldOf, type Server } from '../src/world/world.js';

const sc = DEFAULT_SCENARIO;
const letterServer: Server = { position: [0, 0], bandwidth: { ...sc.bandwidth }, power: sc.power.es, fEs: sc.fEs };

/** L_total of a server's allocation by MODEL.md's formulas (lambda optimal for the shares: a / (a + b)). */
function latencySum(s: Scenario, p: ServerProblem, up: ArrayLike<number>, down: ArrayLike<number>, power: ArrayLike<number>, compute: ArrayLike<number>): number {
  const r = p.resources, N0 = s.noiseWattsPerHz, chi = s.cyclesPerBit;
  const gen = (bits: number, w: number) => time((s.xi * chi * bits + s.zeta) * s.genUnitCycles, w * r.fEs);
  let total = 0;
  p.users.forEach((u, i) => {
    if (u.type === 'comp') {
      const a = time(chi * u.d, s.fLocal), b = time(u.d, rate(up[i], s.power.comp, u.hOff, r.bandwidth.off, N0)) + time(chi * u.d, compute[i] * r.fEs);
      total += u.d === 0 ? 0 : b === Infinity ? a : (a * b) / (a + b);
    } else {
      const bits = u.type === 've' ? s.psi * u.d : u.d;
      total += gen(bits, compute[i]) + time(bits, rate(down[i], power[i] * r.power, u.hBack, r.bandwidth.back, N0));
      if (u.type === 've') total += time(u.d, rate(up[i], s.power.ve, u.hOff, r.bandwidth.off, N0));
    }
  });
  return total;
}

/** Every share in [0, 1], each resource's shares sum to at most 1 (+ rounding), types without a resource get 0. */
function expectFeasible(p: ServerProblem, sol: ServerSolution): void {
  const sums = { up: 0, down: 0, power: 0, compute: 0 };
  p.users.forEach((u, i) => {
    for (const r of ['up', 'down', 'power', 'compute'] as const) {
      expect(sol[r][i]).toBeGreaterThanOrEqual(0);
      expect(sol[r][i]).toBeLessThanOrEqual(1);
      sums[r] += sol[r][i];
    }
    if (u.type === 'aigc') expect(sol.up[i]).toBe(0);
    if (u.type === 'comp') { expect(sol.down[i]).toBe(0); expect(sol.power[i]).toBe(0); }
  });
  for (const r of ['up', 'down', 'power', 'compute'] as const) expect(sums[r]).toBeLessThanOrEqual(1 + 1e-12);   // normalised sums: rounding only
}

const letterProblem = (st: ArrayLike<number>): ServerProblem => ({
  resources: letterServer,
  users: [
    { type: 'comp', d: st[S.dComp], hOff: st[S.hCompOff], hBack: 0 },
    { type: 'aigc', d: st[S.dAigc], hOff: 0, hBack: st[S.hAigcBack] },
    { type: 've', d: st[S.dVe], hOff: st[S.hVeOff], hBack: st[S.hVeBack] },
  ],
});

describe('solveServer', () => {
  it('agrees with the letter\'s OPT on the default scenario\'s evaluation states', () => {
    const n = 100, states = sampleStates(sc, 0x5eede7a1, 2, 0, n, 0);
    let interior = 0;
    for (let i = 0; i < n; i++) {
      const st = states.subarray(i * 7, (i + 1) * 7), p = letterProblem(st);
      const opt = optAction(sc, st).latency[3], sol = solveServer(sc, p);
      expectFeasible(p, sol);
      expect(sol.total).toBeCloseTo(latencySum(sc, p, sol.up, sol.down, sol.power, sol.compute), 12);
      // Never above the golden-section OPT, and its certified bound never above it either.
      expect(sol.total).toBeLessThanOrEqual(opt * (1 + 1e-12));
      expect(sol.lowerBound).toBeLessThanOrEqual(opt);
      if (sol.lambda[0] > 0) {
        // Interior optimum: both solvers converge (golden sections to ~1e-13).
        expect(Math.abs(sol.total / opt - 1)).toBeLessThan(1e-9);
        interior++;
      } else {
        // The comp user keeps its task (lambda = 0 exactly); golden sections stop ~1e-7 inside [0, 1], up to 1e-7 above.
        expect(sol.total).toBeGreaterThan(opt * (1 - 1e-7));
      }
    }
    expect(interior).toBeGreaterThan(n / 2);
  });

  it('is at or below scipy SLSQP on random servers with up to 16 users of each type, with a certified gap', () => {
    const fixture = JSON.parse(readFileSync(new URL('./fixtures/world-opt-slsqp.json', import.meta.url), 'utf8')) as { problems: { problem: ServerProblem; slsqpTotal: number }[] };
    expect(fixture.problems.length).toBeGreaterThanOrEqual(20);
    for (const { problem, slsqpTotal } of fixture.problems) {
      const sol = solveServer(sc, problem);
      expectFeasible(problem, sol);
      expect(sol.total).toBeLessThanOrEqual(slsqpTotal * (1 + 1e-7));    // SLSQP stops ~1e-9 above the optimum
      expect(sol.lowerBound).toBeLessThanOrEqual(slsqpTotal);
      expect((sol.total - sol.lowerBound) / sol.total).toBeLessThan(1e-9);  // converged: the bound is within 1e-9
    }
  });

  it('handles zero loads, a user alone on its resources, tiny and huge gains, and no users', () => {
    const st = sampleStates(sc, 0x5eede7a1, 2, 0, 1, 0);
    const base = letterProblem(st);
    // A comp user with no task costs nothing and takes nothing.
    const zeroComp = { ...base, users: [{ ...base.users[0], d: 0 }, base.users[1], base.users[2]] };
    const z = solveServer(sc, zeroComp);
    expect([z.latency[0], z.up[0], z.compute[0], z.lambda[0]]).toEqual([0, 0, 0, 0]);
    expect(z.up[2]).toBe(1);
    expect(z.lowerBound).toBeLessThanOrEqual(z.total);
    // An aigc request of 0 bits still generates (zeta > 0): compute, no downlink.
    const zeroAigc = { ...base, users: [base.users[0], { ...base.users[1], d: 0 }, base.users[2]] };
    const za = solveServer(sc, zeroAigc);
    expect([za.down[1], za.power[1], za.down[2], za.power[2]]).toEqual([0, 0, 1, 1]);
    expect(za.compute[1]).toBeGreaterThan(0);
    // A ve user alone takes everything.
    const alone = solveServer(sc, { resources: letterServer, users: [base.users[2]] });
    expect([alone.up[0], alone.down[0], alone.power[0], alone.compute[0]]).toEqual([1, 1, 1, 1]);
    expect(alone.total).toBeCloseTo(latencySum(sc, { resources: letterServer, users: [base.users[2]] }, [1], [1], [1], [1]), 12);
    // Gains 1e-12 and 1e6 times the default beside default users: finite, feasible, certified.
    const users: ServerProblem['users'] = [
      ...base.users,
      { type: 'comp', d: 4e6, hOff: base.users[0].hOff * 1e-12, hBack: 0 }, { type: 've', d: 4e6, hOff: base.users[2].hOff * 1e6, hBack: base.users[2].hBack * 1e-12 },
      { type: 'aigc', d: 8e6, hOff: 0, hBack: base.users[1].hBack * 1e6 },
    ];
    const wide = solveServer(sc, { resources: letterServer, users });
    expectFeasible({ resources: letterServer, users }, wide);
    expect(Number.isFinite(wide.total)).toBe(true);
    expect(wide.lowerBound).toBeLessThanOrEqual(wide.total);
    expect((wide.total - wide.lowerBound) / wide.total).toBeLessThan(1e-9);
    expect(wide.lambda[3]).toBe(0);                                 // a hopeless uplink keeps the task local
    expect(solveServer(sc, { resources: letterServer, users: [] }).total).toBe(0);
  });

  it('a truncated solve is feasible and its bound still holds', () => {
    const fixture = JSON.parse(readFileSync(new URL('./fixtures/world-opt-slsqp.json', import.meta.url), 'utf8')) as { problems: { problem: ServerProblem }[] };
    for (const { problem } of fixture.problems.slice(4, 10)) {
      const full = solveServer(sc, problem);
      const cut = solveServer(sc, problem, { computePrice: 2, uplinkPrice: 2, downlinkRatio: 2, newton: 2 });
      expectFeasible(problem, cut);
      expect(cut.total).toBeGreaterThanOrEqual(full.total * (1 - 1e-12));
      expect(cut.lowerBound).toBeLessThanOrEqual(full.total);
      expect(cut.total - cut.lowerBound).toBeGreaterThan(full.total - full.lowerBound);   // a real, larger gap
    }
  });

  it('property: the bound is below the total and random feasible allocations never beat it', () => {
    const user = fc.record({
      type: fc.constantFrom('comp' as const, 'aigc' as const, 've' as const),
      d: fc.oneof(fc.double({ min: 1e5, max: 2e7, noNaN: true }), fc.constant(0)),
      distanceOff: fc.double({ min: 5, max: 2000, noNaN: true }),
      distanceBack: fc.double({ min: 5, max: 2000, noNaN: true }),
    });
    const share = (n: number) => fc.array(fc.double({ min: 0.01, max: 1, noNaN: true }), { minLength: n, maxLength: n });
    fc.assert(fc.property(fc.array(user, { minLength: 1, maxLength: 9 }), fc.double({ min: 0.3, max: 3, noNaN: true }), share(36), (us, scale, raw) => {
      const problem: ServerProblem = {
        resources: { position: [0, 0], bandwidth: { off: 4e8 * scale, back: 4e8 / scale }, power: 15 * scale, fEs: 1e10 / scale },
        users: us.map((u) => ({ type: u.type, d: u.d, hOff: u.type === 'aigc' ? 0 : 1e-3 * u.distanceOff ** -2, hBack: u.type === 'comp' ? 0 : 1e-3 * u.distanceBack ** -2 })),
      };
      const sol = solveServer(sc, problem);
      expect(sol.lowerBound).toBeLessThanOrEqual(sol.total);
      // A random feasible allocation: each resource split among its users in proportion to random weights.
      const n = problem.users.length;
      const split = (uses: (t: string) => boolean, offset: number) => {
        const w = problem.users.map((u, i) => (uses(u.type) ? raw[offset + i] : 0));
        const sum = w.reduce((a, b) => a + b, 0);
        return w.map((x) => (sum > 0 ? x / sum : 0));
      };
      const random = latencySum(sc, problem, split((t) => t !== 'aigc', 0), split((t) => t !== 'comp', 9), split((t) => t !== 'comp', 18), split(() => true, 27));
      expect(random).toBeGreaterThanOrEqual(sol.total * (1 - 1e-12));
      expect(n).toBeLessThanOrEqual(9);
    }), { numRuns: 60, seed: 7 });
  });
});

describe('optWorldAction', () => {
  const world = (json: object) => worldOf(parseScenario(json, 'test'));
  const states = (w: ReturnType<typeof world>, n: number) => {
    const all = sampleWorldStates(w, 0x5eede7a1, 2, 0, n, 0), size = all.length / n;
    return Array.from({ length: n }, (_, i) => all.subarray(i * size, (i + 1) * size));
  };

  it('nearest association: per server, exact; its action is feasible and scores its total', () => {
    const w = worldOf(parseScenario(JSON.parse(readFileSync(new URL('../scenarios/multi-servers.json', import.meta.url), 'utf8')), 'multi-servers'));
    for (const st of states(w, 2)) {
      const o = optWorldAction(w, st);
      expect(o.exact).toBe(true);
      expect(worldActionProblem(w, st, o.action)).toBeNull();
      expect(worldLatency(w, st, o.action).total).toBeCloseTo(o.total, 9);
      expect(o.lowerBound).toBeLessThanOrEqual(o.total);
    }
  });

  it('association by the policy, enumerable: the best association, below every baseline, above the Lagrangian bound', () => {
    const w = world({
      servers: [{ position: [0, 0] }, { position: [150, 0], bandwidth: { off: 2e8, back: 2e8 }, power: 8, fEs: 5e9 }],
      users: { comp: { count: 2, area: { x: [-50, 200], y: [-50, 50] } }, aigc: { count: 1, area: { x: [-50, 200], y: [-50, 50] } }, ve: { count: 2, area: { x: [-50, 200], y: [-50, 50] } } },
      association: 'policy',
    });
    for (const [env, st] of states(w, 2).entries()) {
      const o = optWorldAction(w, st);
      expect([o.exact, o.associations]).toEqual([true, 32]);
      expect(worldActionProblem(w, st, o.action)).toBeNull();
      expect(worldLatency(w, st, o.action).total).toBeCloseTo(o.total, 9);
      for (const rule of ['maxSnr', 'random', 'lagrangian'] as const) {
        const b = associationBaseline(w, st, rule, 0x5eede7a1, env, 0);
        expect(worldActionProblem(w, st, b.action)).toBeNull();
        expect(b.total).toBeGreaterThanOrEqual(o.total * (1 - 1e-12));
      }
      // The random association is RRA's (the same draws), finished by OPT's allocation.
      const server = layoutOf(w).action.server!;
      expect(Array.from(associationBaseline(w, st, 'random', 0x5eede7a1, env, 0).action.subarray(server)))
        .toEqual(Array.from(rraWorldAction(w, 0x5eede7a1, env, 0, st).subarray(server)));
      const bound = associationLowerBound(w, st);
      expect(bound).toBeLessThanOrEqual(o.total);
      expect(bound).toBeGreaterThan(0.8 * o.total);   // not vacuous (with five users the duality gap of the association is ~10%)
    }
  });

  it('association by the policy, too many to enumerate: bounded, reported as not exact', async () => {
    const w = world({
      servers: [{ position: [0, 0] }, { position: [200, 0] }, { position: [100, 170] }],
      users: { comp: { count: 3, area: { x: [-50, 250], y: [-50, 220] } }, aigc: { count: 3, area: { x: [-50, 250], y: [-50, 220] } }, ve: { count: 3, area: { x: [-50, 250], y: [-50, 220] } } },
      association: 'policy',
    });
    const [st] = states(w, 1);
    const o = optWorldAction(w, st);
    expect([o.exact, o.associations]).toEqual([false, 0]);
    expect(worldActionProblem(w, st, o.action)).toBeNull();
    expect(worldLatency(w, st, o.action).total).toBeCloseTo(o.total, 9);
    expect(o.lowerBound).toBeLessThanOrEqual(o.total);
    expect(o.lowerBound).toBeGreaterThan(0.9 * o.total);
    for (const rule of ['maxSnr', 'lagrangian'] as const) expect(associationBaseline(w, st, rule).total).toBeGreaterThanOrEqual(o.total * (1 - 1e-12));
    // megc eval --gap measures against the bound here, and says so.
    const lines: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((line: string) => { lines.push(line); });
    try {
      await evalWorld(w, { policy: 'maxsnr', slots: 1, seed: 1, scenario: 'w.json', gap: true, json: true });
      const r = JSON.parse(lines[0]) as { gap: number; gapTo: string; total: number; opt: number; lowerBound: number; optExact: boolean };
      expect([r.gapTo, r.optExact]).toEqual(['bound', false]);
      expect(r.lowerBound).toBeLessThanOrEqual(r.opt);
      expect(r.gap).toBeCloseTo(r.total / r.lowerBound - 1, 12);
      await evalWorld(w, { policy: 'maxsnr', slots: 1, seed: 1, scenario: 'w.json', gap: true });
      expect(lines.at(-1)).toMatch(/^gap to the lower bound \(OPT not exact here: the association is bounded, not enumerated\): [\d.]+% \(to OPT's best found: [\d.]+%\)$/);
    } finally { log.mockRestore(); }
  });
});
