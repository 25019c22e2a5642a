// Float64 reference of the generalised world: the letter's shape bit for bit, draws, association, FRA/RRA feasibility,
// a hand-computed two-server latency, and the scenario keys' validation. Over 300 lines: one file per reference module,
// as test/env.test.ts is for the letter's.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UserError } from '../src/errors.js';
import { fraAction, latency, sampleStates } from '../src/env/reference.js';
import { philox4x32, uniformFromU32 } from '../src/rng/philox.js';
import { Stream } from '../src/rng/streams.js';
import { DEFAULT_SCENARIO, parseScenario, scenarioToJson } from '../src/scenario.js';
import { worldLayout } from '../src/world/layout.js';
import {
  fraWorldAction, rraWorldAction, sampleWorldStates, validateWorldAction, worldActionProblem, worldAssociation, worldLatency,
} from '../src/world/reference.js';
import { isLetter, requireLetter, worldOf, type World } from '../src/world/world.js';

/** The letter's action (7) as the world's (10): up (comp, ve), down (aigc, ve), power (aigc, ve), lambda, compute. */
const worldActionOfLetter = (a: ArrayLike<number>) => [a[0], 1 - a[0], a[1], 1 - a[1], a[2], 1 - a[2], a[3], a[4], a[5], a[6]];

/** A random letter action from stream 7 (every share in (0, 1), compute shares summing to 1 up to rounding). */
function randomLetterAction(i: number): number[] {
  const w = philox4x32(i, 0, 0, 0, 99, Stream.randomActions), v = philox4x32(i, 0, 0, 1, 99, Stream.randomActions);
  const e = [0, 1, 2].map((k) => -Math.log(uniformFromU32(v[k])));
  const s = e[0] + e[1] + e[2];
  return [uniformFromU32(w[0]), uniformFromU32(w[1]), uniformFromU32(w[2]), uniformFromU32(w[3]), e[0] / s, e[1] / s, 1 - e[0] / s - e[1] / s];
}

const world = (json: unknown): World => worldOf(parseScenario(json, 'test.json'));

describe('the letter as a world', () => {
  const letter = worldOf(DEFAULT_SCENARIO);
  const layout = worldLayout(letter);

  it('has the letter layout: seven state columns, the mapped action', () => {
    expect(isLetter(letter)).toBe(true);
    expect(layout.stateColumns).toEqual(['h_off_comp1_es1', 'h_back_aigc1_es1', 'h_off_ve1_es1', 'h_back_ve1_es1', 'd_comp1', 'd_ve1', 'd_aigc1']);
    expect(layout.actionColumns).toEqual(['up_comp1', 'up_ve1', 'down_aigc1', 'down_ve1', 'power_aigc1', 'power_ve1', 'lambda_comp1', 'compute_comp1', 'compute_aigc1', 'compute_ve1']);
    expect([layout.state.active, layout.state.server, layout.action.server]).toEqual([null, null, null]);
  });

  it('samples the letter states bit for bit (two scenarios, two streams, several slots)', () => {
    for (const scenario of [DEFAULT_SCENARIO, parseScenario({ distance: { comp: 37, aigc: 250, ve: 5 }, channel: { ricianK: 0.5, pathLossExponent: 3.1 }, data: { ve: [0, 3e6] } }, 'x')]) {
      const w = worldOf(scenario);
      for (const [seed, stream, slot] of [[1, Stream.trainStates, 0], [0x5eede7a1, Stream.evalStates, 0], [7, Stream.trainStates, 123456]]) {
        expect(Array.from(sampleWorldStates(w, seed, stream, 10, 300, slot))).toEqual(Array.from(sampleStates(scenario, seed, stream, 10, 300, slot)));
      }
    }
  });

  it('gives latency() bit for bit over random states and actions and the golden rows', () => {
    const states = sampleStates(DEFAULT_SCENARIO, 5, Stream.trainStates, 0, 2000, 3);
    const rows: [number[], number[]][] = [];
    for (let i = 0; i < 2000; i++) rows.push([Array.from(states.subarray(7 * i, 7 * i + 7)), randomLetterAction(i)]);
    const golden = readFileSync(new URL('./fixtures/golden-latency.csv', import.meta.url), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
    for (const g of golden) rows.push([g.slice(0, 7), g.slice(7, 14)]);  // includes the edge rows: zero shares, lambda 0 and 1, beta 1
    for (const [state, action] of rows) {
      const want = latency(DEFAULT_SCENARIO, state, action);
      const got = worldLatency(letter, state, worldActionOfLetter(action));
      expect([got.perUser[0], got.perUser[2], got.perUser[1], got.total]).toEqual(want);
      expect(got.counts).toEqual([1, 1, 1]);
    }
  });

  it('FRA is the letter FRA', () => {
    const state = sampleStates(DEFAULT_SCENARIO, 1, Stream.trainStates, 4, 1, 0);
    expect(Array.from(fraWorldAction(letter, state))).toEqual(worldActionOfLetter(fraAction()));
  });

  it('a scenario of the letter shape written with the world keys is folded into the letter keys', () => {
    const s = parseScenario({ servers: [{ fEs: 2e10, bandwidth: { off: 1e8 } }], users: { comp: { distance: 50 } }, association: 'policy' }, 'x');
    expect(scenarioToJson(s)).toEqual(scenarioToJson(parseScenario({ fEs: 2e10, bandwidth: { off: 1e8 }, distance: { comp: 50 } }, 'x')));
    expect(scenarioToJson(DEFAULT_SCENARIO)).not.toHaveProperty('servers');
  });
});

describe('draws of the generalised world', () => {
  const base = {
    servers: [{ position: [0, 0] }, { position: [200, 0], fEs: 2e10 }],
    users: { comp: { count: 3, area: { x: [-100, 300], y: [-50, 50] }, activity: 0.6 }, aigc: { count: 2, distance: [20, 150] }, ve: { count: 1, positions: [[150, 10]] } },
  };
  const columnsOf = (w: World, states: Float64Array) => {
    const l = worldLayout(w), out: Record<string, number[]> = {};
    l.stateColumns.forEach((name, c) => { out[name] = Array.from({ length: states.length / l.state.size }, (_, i) => states[i * l.state.size + c]); });
    return out;
  };

  it('a user added to a type keeps every other draw; a moved server changes only its own gains and the association', () => {
    const a = world(base);
    const sa = columnsOf(a, sampleWorldStates(a, 3, 1, 0, 50, 2));
    const more = world({ ...base, users: { ...base.users, aigc: { count: 3, distance: [20, 150] } } });  // G stays 3
    const sm = columnsOf(more, sampleWorldStates(more, 3, 1, 0, 50, 2));
    for (const [name, values] of Object.entries(sa)) expect(sm[name], name).toEqual(values);
    const moved = world({ ...base, servers: [{ position: [0, 0] }, { position: [-200, 0] }] });
    const sv = columnsOf(moved, sampleWorldStates(moved, 3, 1, 0, 50, 2));
    for (const [name, values] of Object.entries(sa)) {
      if (name.endsWith('_es2') && !name.includes('aigc')) expect(sv[name], name).not.toEqual(values);  // aigc: a distance to every server
      else if (!name.startsWith('server_')) expect(sv[name], name).toEqual(values);
    }
  });

  it('activity: u < p of word k = 3, and activity 1 is always active', () => {
    const w = world(base), l = worldLayout(w);
    const states = sampleWorldStates(w, 3, 1, 0, 400, 9);
    let active = 0;
    for (let e = 0; e < 400; e++) {
      for (let g = 0; g < 3; g++) {
        const u = uniformFromU32(philox4x32(e, 9, g, 3, 3, 1)[0]);
        expect(states[e * l.state.size + l.state.active! + g]).toBe(u < 0.6 ? 1 : 0);
        active += states[e * l.state.size + l.state.active! + g];
      }
      for (let j = 3; j < 6; j++) expect(states[e * l.state.size + l.state.active! + j]).toBe(1);  // ve, aigc: activity 1
    }
    expect(active / 1200).toBeGreaterThan(0.5);  // about 0.6: the rule is u < p, not u > p
    expect(active / 1200).toBeLessThan(0.7);
  });

  it('nearest association against the positions, ties to the lowest index', () => {
    const servers = [[0, 0], [100, 0], [0, 100]];
    const positions = [[10, 10], [90, 40], [40, 90], [50, 0], [-5, 300], [100, 0]];
    const w = world({ servers: servers.map((p) => ({ position: p })), users: { comp: { count: 6, positions }, aigc: { count: 0 }, ve: { count: 1, area: { x: [95, 105], y: [-5, 5] } } } });
    const l = worldLayout(w);
    const states = sampleWorldStates(w, 1, 1, 0, 20, 0);
    const want = positions.map(([x, y]) => {
      const d = servers.map(([sx, sy]) => Math.hypot(x - sx, y - sy));
      return d.indexOf(Math.min(...d));
    });
    expect(want).toEqual([0, 1, 2, 0, 2, 1]);  // [50, 0] is a tie between servers 1 and 2
    for (let e = 0; e < 20; e++) {
      const row = states.subarray(e * l.state.size, (e + 1) * l.state.size);
      expect(Array.from(row.subarray(l.state.server!, l.state.server! + 7))).toEqual([...want, 1]);
      expect(Array.from(worldAssociation(w, row, fraWorldAction(w, row)))).toEqual([...want, 1]);
    }
  });
});

describe('FRA and RRA are feasible on every server', () => {
  const worlds = [
    { servers: [{}, { position: [300, 0] }, { position: [0, 300] }], users: { comp: { count: 4, area: { x: [0, 300], y: [0, 300] }, activity: 0.5 }, aigc: { count: 5, area: { x: [0, 300], y: [0, 300] } }, ve: { count: 3, area: { x: [0, 300], y: [0, 300] }, activity: 0.9 } } },
    { servers: [{}, { position: [100, 0] }], users: { comp: { count: 2, distance: [30, 90] }, aigc: { count: 2, positions: [[0, 5], [90, 0]] }, ve: { count: 2, activity: 0.3 } }, association: 'policy' },
    { users: { comp: { count: 4 }, aigc: { count: 4 }, ve: { count: 4 } } },
  ].map(world);

  it('shares in [0, 1], per-server sums at most 1 (FRA: exactly the users\' 1 / n, RRA: at least the floor)', () => {
    for (const w of worlds) {
      const l = worldLayout(w), states = sampleWorldStates(w, 2, 1, 0, 200, 0);
      for (let e = 0; e < 200; e++) {
        const s = states.subarray(e * l.state.size, (e + 1) * l.state.size);
        const fra = fraWorldAction(w, s), rra = rraWorldAction(w, 5, e, 0, s);
        expect(worldActionProblem(w, s, fra)).toBeNull();
        expect(worldActionProblem(w, s, rra)).toBeNull();
        // Compute: each server's active users' FRA shares sum to 1 (within rounding) when it has any.
        const assoc = worldAssociation(w, s, fra), sums = new Float64Array(l.servers), n = new Int32Array(l.servers);
        const computeOf = (j: number) => (j < l.comp ? j : j < l.comp + l.ve ? l.comp + l.aigc + (j - l.comp) : l.comp + (j - l.comp - l.ve));
        for (let j = 0; j < l.users; j++) {
          if (l.state.active !== null && s[l.state.active + j] === 0) { expect(fra[l.action.compute + computeOf(j)]).toBe(0); continue; }
          sums[assoc[j]] += fra[l.action.compute + computeOf(j)]; n[assoc[j]]++;
        }
        const rraAssoc = worldAssociation(w, s, rra), nRra = new Int32Array(l.servers);
        const active = (j: number) => l.state.active === null || s[l.state.active + j] === 1;
        for (let j = 0; j < l.users; j++) if (active(j)) nRra[rraAssoc[j]]++;
        for (let j = 0; j < l.users; j++) {
          if (active(j)) expect(rra[l.action.compute + computeOf(j)]).toBeGreaterThanOrEqual(Math.min(0.05, 1 / (2 * nRra[rraAssoc[j]])) - 1e-15);
        }
        for (let m = 0; m < l.servers; m++) if (n[m] > 0) expect(Math.abs(sums[m] - 1)).toBeLessThan(1e-12);
        const lat = worldLatency(w, s, fra);
        expect(Number.isFinite(lat.total)).toBe(true);
      }
    }
  });

  it('an infeasible action is refused in one line naming the column and the rule', () => {
    const w = worlds[1], l = worldLayout(w);
    const s = sampleWorldStates(w, 2, 1, 0, 1, 0);
    const a = fraWorldAction(w, s);
    a[l.action.compute] = 1.5;
    expect(() => validateWorldAction(w, s, a, 'actions.csv: row 1')).toThrow(new UserError('actions.csv: row 1, column "compute_comp1": 1.5 is outside [0, 1]'));
    const b = fraWorldAction(w, s);
    b[l.action.server!] = 2;
    expect(worldActionProblem(w, s, b)).toBe('column "server_comp1": 2 is not a server index (an integer in [0, 2))');
    const one = worlds[2], sOne = sampleWorldStates(one, 2, 1, 0, 1, 0);
    const c = fraWorldAction(one, sOne);
    c[worldLayout(one).action.compute] = 1;  // comp1 takes all the compute the 11 others share
    expect(worldActionProblem(one, sOne, c)).toMatch(/^column "compute_\w+": the compute shares of server 1's active users sum to [\d.]+, must be at most 1 within 0.000001$/);
  });
});

describe('latency of a two-server world, by hand', () => {
  it('comp on server 2 and aigc on server 1 with the policy association', () => {
    const w = world({
      servers: [{ position: [0, 0], bandwidth: { off: 1e8, back: 2e8 }, power: 10, fEs: 5e9 }, { position: [100, 0], bandwidth: { off: 3e8, back: 1e8 }, power: 20, fEs: 2e10 }],
      users: { comp: { count: 1, positions: [[90, 0]] }, aigc: { count: 1, positions: [[5, 0]] }, ve: { count: 0 } },
      association: 'policy',
    });
    const l = worldLayout(w);
    expect(l.stateColumns).toEqual(['h_off_comp1_es1', 'h_off_comp1_es2', 'h_back_aigc1_es1', 'h_back_aigc1_es2', 'd_comp1', 'd_aigc1']);
    expect(l.actionColumns).toEqual(['up_comp1', 'down_aigc1', 'power_aigc1', 'lambda_comp1', 'compute_comp1', 'compute_aigc1', 'server_comp1', 'server_aigc1']);
    const state = [1e-9, 2e-7, 3e-8, 1e-10, 4e6, 10e6];
    const action = [0.8, 0.5, 0.25, 0.4, 0.6, 0.7, 1, 0];
    const N0 = 1e-13;
    // comp on server 2: B_off 3e8, p_comp 15, h 2e-7, f_ES 2e10
    const rUp = 0.8 * 3e8 * Math.log2(1 + (15 * 2e-7) / (0.8 * 3e8 * N0));
    const comp = Math.max(0.6 * 100 * 4e6 / 1e9, 0.4 * 4e6 / rUp + 0.4 * 100 * 4e6 / (0.6 * 2e10));
    // aigc on server 1: B_back 2e8, power 0.25 * 10 W, h 3e-8, f_ES 5e9
    const rDown = 0.5 * 2e8 * Math.log2(1 + (0.25 * 10 * 3e-8) / (0.5 * 2e8 * N0));
    const aigc = (9.97e-14 * 100 * 10e6 + 5.73) * 1e9 / (0.7 * 5e9) + 10e6 / rDown;
    const got = worldLatency(w, state, action);
    // 1e-14: the same formulas in another order of operations.
    expect(Math.abs(got.perUser[0] / comp - 1)).toBeLessThan(1e-14);
    expect(Math.abs(got.perUser[1] / aigc - 1)).toBeLessThan(1e-14);
    expect(got.counts).toEqual([1, 1, 0]);
    expect(got.total).toBe(got.perUser[0] + got.perUser[1]);
    // Both users on server 1 instead: comp now sees server 1's gain and compute.
    const moved = worldLatency(w, state, [...action.slice(0, 6), 0, 0]);
    const rUp1 = 0.8 * 1e8 * Math.log2(1 + (15 * 1e-9) / (0.8 * 1e8 * N0));
    expect(Math.abs(moved.perUser[0] / Math.max(0.24, 0.4 * 4e6 / rUp1 + 0.4 * 100 * 4e6 / (0.6 * 5e9)) - 1)).toBeLessThan(1e-14);
  });
});

describe('scenario keys of the generalised world', () => {
  const bad = (json: unknown) => () => parseScenario(json, 's.json');
  it('refuses bad values in one line naming the key path and the rule with its limits', () => {
    expect(bad({ users: { comp: { count: 65 } } })).toThrow(new UserError('s.json: users.comp.count must be an integer in [0, 64] (got 65)'));
    expect(bad({ users: { comp: { count: 1.5 } } })).toThrow('s.json: users.comp.count must be an integer in [0, 64] (got 1.5)');
    expect(bad({ users: { comp: { count: 0 }, aigc: { count: 0 }, ve: { count: 0 } } })).toThrow('s.json: users must have between 1 and 192 users in all (got 0)');
    expect(bad({ users: { comp: { count: 64 }, aigc: { count: 64 }, ve: { count: 65 } } })).toThrow('s.json: users.ve.count must be an integer in [0, 64] (got 65)');
    expect(bad({ servers: [] })).toThrow('s.json: servers must list 1 to 16 servers (got 0)');
    expect(bad({ servers: Array.from({ length: 17 }, () => ({})) })).toThrow('s.json: servers must list 1 to 16 servers (got 17)');
    expect(bad({ servers: [{ fEs: -1 }] })).toThrow('s.json: servers.0.fEs must be > 0 (got -1)');
    expect(bad({ servers: [{ cpu: 1 }] })).toThrow('s.json: unknown key servers.0.cpu');
    expect(bad({ servers: [{ position: [0] }] })).toThrow('s.json: servers.0.position must be a position [x, y] of two numbers, metres (got [0])');
    expect(bad({ users: { ve: { count: 2, positions: [[0, 0]] } } })).toThrow('s.json: users.ve.positions must list one [x, y] per user, count = 2 (got 1)');
    expect(bad({ users: { ve: { distance: 10, area: { x: [0, 1], y: [0, 1] } } } })).toThrow('s.json: users.ve must give one of distance, positions, area (got distance, area)');
    expect(bad({ users: { aigc: { distance: [50, 10] } } })).toThrow('s.json: users.aigc.distance must be a distance > 0 (m) or an interval [low, high] with 0 < low < high (got [50,10])');
    expect(bad({ users: { aigc: { distance: 0 } } })).toThrow('users.aigc.distance must be a distance > 0');
    expect(bad({ users: { comp: { area: { x: [5, 1], y: [0, 1] } } } })).toThrow('s.json: users.comp.area.x must be an interval [low, high] with low < high (got [5,1])');
    expect(bad({ users: { comp: { activity: 0 } } })).toThrow('s.json: users.comp.activity must be in (0, 1] (got 0)');
    expect(bad({ users: { comp: { activity: 1.1 } } })).toThrow('users.comp.activity must be in (0, 1] (got 1.1)');
    expect(bad({ users: { cars: {} } })).toThrow('s.json: unknown key users.cars');
    expect(bad({ association: 'closest' })).toThrow('s.json: association must be "nearest" or "policy" (got "closest")');
    for (const f of [bad({ users: { comp: { count: 65 } } }), bad({ servers: 3 })]) {
      try { f(); } catch (error) { expect((error as Error).message).not.toContain('\n'); }
    }
  });

  it('resolves servers and groups from the letter keys, round trips, and is refused by letter-only commands', () => {
    const s = parseScenario({ bandwidth: { off: 2e8 }, servers: [{}, { position: [10, 0], power: 3 }], users: { comp: { count: 2 } } }, 'x');
    expect(s.servers).toEqual([
      { position: [0, 0], bandwidth: { off: 2e8, back: 4e8 }, power: 15, fEs: 1e10 },
      { position: [10, 0], bandwidth: { off: 2e8, back: 4e8 }, power: 3, fEs: 1e10 },
    ]);
    expect(s.users).toEqual({ comp: { count: 2, distance: 100, activity: 1 }, aigc: { count: 1, distance: 120, activity: 1 }, ve: { count: 1, distance: 80, activity: 1 } });
    expect(s.association).toBe('nearest');
    expect(parseScenario(scenarioToJson(s), 'y')).toEqual(s);
    expect(() => requireLetter(s, 'x.json', 'megc latency')).toThrow(new UserError('x.json: 4 users on 2 servers: megc latency handles the letter\'s one server and three users only'));
    expect(() => requireLetter(DEFAULT_SCENARIO, 'd.json', 'megc latency')).not.toThrow();
  });
});

describe('property: random world keys', () => {
  const num = fc.oneof(fc.double({ min: -500, max: 500, noNaN: true }), fc.constantFrom(0, 1, -1, 65, 0.5, NaN, Infinity, '3', null));
  const pair = fc.oneof(fc.tuple(num, num), fc.array(num, { maxLength: 3 }), num);
  const coordinate = fc.double({ min: -300, max: 300, noNaN: true });
  const interval = fc.tuple(coordinate, fc.double({ min: 1, max: 200, noNaN: true })).map(([low, width]) => [low, low + width]);
  const validGroup = fc.integer({ min: 0, max: 5 }).chain((count) => fc.record({
    count: fc.constant(count),
    placement: fc.oneof(
      fc.constant({}),
      fc.double({ min: 1, max: 300, noNaN: true }).map((distance) => ({ distance })),
      fc.tuple(fc.double({ min: 1, max: 100, noNaN: true }), fc.double({ min: 1, max: 100, noNaN: true })).map(([a, b]) => ({ distance: [a, a + b] })),
      fc.array(fc.tuple(coordinate, coordinate), { minLength: count, maxLength: count }).map((positions) => ({ positions })),
      fc.record({ x: interval, y: interval }).map((area) => ({ area })),
    ),
    activity: fc.double({ min: 0.01, max: 1, noNaN: true }),
  }).map(({ placement, ...rest }) => ({ ...rest, ...placement })));
  const anyGroup = fc.record({
    count: fc.oneof(fc.integer({ min: 0, max: 6 }), num),
    distance: pair, positions: fc.array(fc.tuple(num, num), { maxLength: 5 }),
    area: fc.record({ x: pair, y: pair }, { requiredKeys: [] }), activity: fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), num),
  }, { requiredKeys: [] });
  const group = fc.oneof(validGroup, validGroup, anyGroup);
  const worldKeys = fc.record({
    servers: fc.oneof(fc.array(fc.record({ position: fc.tuple(coordinate, coordinate) }), { minLength: 1, maxLength: 4 }), fc.array(fc.record({ position: pair, power: num, fEs: num, bandwidth: fc.record({ off: num, back: num }, { requiredKeys: [] }) }, { requiredKeys: [] }), { maxLength: 4 }), num),
    users: fc.record({ comp: group, aigc: group, ve: group }, { requiredKeys: [] }),
    association: fc.constantFrom('nearest', 'policy', 'best', 3),
  }, { requiredKeys: [] });

  it('a world that samples finite states and feasible FRA and RRA, or one line naming a world key', () => {
    let accepted = 0;
    fc.assert(fc.property(worldKeys, (json) => {
      let scenario;
      try { scenario = parseScenario(json, 's.json'); accepted++; } catch (error) {
        expect(error).toBeInstanceOf(UserError);
        expect((error as Error).message).toMatch(/^s\.json: (unknown keys? )?(servers|users|association)[^\n]* [^\n]+$/);
        return;
      }
      const w = worldOf(scenario), l = worldLayout(w);
      const states = sampleWorldStates(w, 1, 1, 0, 3, 0);
      expect(states.every(Number.isFinite)).toBe(true);
      for (let e = 0; e < 3; e++) {
        const s = states.subarray(e * l.state.size, (e + 1) * l.state.size);
        for (const a of [fraWorldAction(w, s), rraWorldAction(w, 1, e, 0, s)]) {
          expect(worldActionProblem(w, s, a)).toBeNull();
          const lat = worldLatency(w, s, a);
          expect(lat.total >= 0 && Number.isFinite(lat.total)).toBe(true);
        }
      }
    }), { numRuns: 300, seed: 17 });
    expect(accepted).toBeGreaterThan(30);  // the valid side is exercised too
  });
});
