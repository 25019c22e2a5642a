// The per-slot optimum of a world (docs/MODEL.md "The optimum of a world"): per server by solveServer for an
// association given by the scenario's rule; over associations chosen by the policy, exact by enumeration when
// M^(active users) <= ENUMERATION_LIMIT, else a Lagrangian lower bound beside the best association found; and the
// association baselines (strongest channel, random, Lagrangian), each finished by solveServer's allocation.
import { philox4x32, uniformFromU32 } from '../../rng/philox.js';
import { EVAL_SEED, Stream } from '../../rng/streams.js';
import { isActive, layoutOf } from '../reference.js';
import type { WorldLayout } from '../layout.js';
import type { ServiceType, World } from '../world.js';
import { solveServer, userDual, type ServerPrices, type ServerProblem, type ServerSolution } from './server.js';

/** Most associations enumerated per slot (M^(active users)); above, the Lagrangian bound and a local search. */
export const ENUMERATION_LIMIT = 10_000;
/** Subgradient steps on the Lagrangian prices. */
export const LAGRANGIAN_STEPS = 120;
/** Passes of single-user moves over all active users. */
export const MOVE_PASSES = 2;
/** Servers tried per user in a move pass: its best ones by its own Lagrangian term. */
export const MOVE_CANDIDATES = 3;
/** Most rounds of searchAssociation's local search (moves until none helps, then a pass of pair swaps). */
export const SEARCH_ROUNDS = 8;
/** Most passes of single-user moves in one round of searchAssociation. */
export const SEARCH_MOVE_PASSES = 16;
/** A swap pass tries users k and l only when each one's server is among the other's this many best servers to move to. */
export const SWAP_PARTNER_SERVERS = 2;

export interface SlotOptimum {
  /** (action.size) the allocation (and association where the policy associates). */
  action: Float64Array;
  /** L_total of the action, s. */
  total: number;
  /** A proven lower bound of the slot's optimum (of the association's allocation for an association baseline). */
  lowerBound: number;
  /** Whether total is the slot's optimum (to the per-server solver's precision); false when only bounded. */
  exact: boolean;
  /** Associations enumerated; 0 when the association was given or bounded. */
  associations: number;
}

/** An active user: data-order index, type, index within its type. */
interface SlotUser { j: number; type: ServiceType; i: number }

function activeUsers(layout: WorldLayout, state: ArrayLike<number>): SlotUser[] {
  const out: SlotUser[] = [];
  for (let i = 0; i < layout.comp; i++) if (isActive(layout, state, i)) out.push({ j: i, type: 'comp', i });
  for (let i = 0; i < layout.ve; i++) if (isActive(layout, state, layout.comp + i)) out.push({ j: layout.comp + i, type: 've', i });
  for (let i = 0; i < layout.aigc; i++) if (isActive(layout, state, layout.comp + layout.ve + i)) out.push({ j: layout.comp + layout.ve + i, type: 'aigc', i });
  return out;
}

/** User u's entry of a ServerProblem on server m. */
function problemUser(layout: WorldLayout, state: ArrayLike<number>, u: SlotUser, m: number): ServerProblem['users'][number] {
  const M = layout.servers, st = layout.state;
  const d = state[st.data + u.j];
  if (u.type === 'comp') return { type: 'comp', d, hOff: state[st.hOffComp + u.i * M + m], hBack: 0 };
  if (u.type === 'aigc') return { type: 'aigc', d, hOff: 0, hBack: state[st.hBackAigc + u.i * M + m] };
  return { type: 've', d, hOff: state[st.hOffVe + u.i * M + m], hBack: state[st.hBackVe + u.i * M + m] };
}

/** Solves servers for subsets of the active users, each subset once per slot. */
class ServerSolves {
  private cache = new Map<string, ServerSolution>();
  solves = 0;
  constructor(private world: World, private layout: WorldLayout, private state: ArrayLike<number>, private users: SlotUser[]) {}
  /** members: indices into users, ascending. */
  solve(m: number, members: number[]): ServerSolution {
    const key = `${m}:${members.join(',')}`;
    let sol = this.cache.get(key);
    if (!sol) {
      sol = solveServer(this.world.scenario, { resources: this.world.servers[m], users: members.map((k) => problemUser(this.layout, this.state, this.users[k], m)) });
      this.cache.set(key, sol);
      this.solves++;
    }
    return sol;
  }
  /** Total and bound of an association (server of each active user). */
  evaluate(assoc: Int32Array): { total: number; lowerBound: number } {
    let total = 0, lowerBound = 0;
    for (const [m, members] of groups(assoc, this.world.servers.length)) {
      const sol = this.solve(m, members);
      total += sol.total; lowerBound += sol.lowerBound;
    }
    return { total, lowerBound };
  }
}

/** Active-user indices per server, ascending; servers without users left out. */
function groups(assoc: Int32Array, M: number): [number, number[]][] {
  const out: number[][] = Array.from({ length: M }, () => []);
  assoc.forEach((m, k) => out[m].push(k));
  return out.map((members, m) => [m, members] as [number, number[]]).filter(([, members]) => members.length > 0);
}

/** The action of an association with each server's optimal allocation. */
function writeAction(world: World, layout: WorldLayout, solves: ServerSolves, users: SlotUser[], assoc: Int32Array): Float64Array {
  const ac = layout.action, { comp: Kc, aigc: Ka } = layout;
  const action = new Float64Array(ac.size);
  for (const [m, members] of groups(assoc, world.servers.length)) {
    const sol = solves.solve(m, members);
    members.forEach((k, p) => {
      const u = users[k];
      if (u.type === 'comp') {
        action[ac.up + u.i] = sol.up[p]; action[ac.lambda + u.i] = sol.lambda[p]; action[ac.compute + u.i] = sol.compute[p];
      } else if (u.type === 'aigc') {
        action[ac.down + u.i] = sol.down[p]; action[ac.power + u.i] = sol.power[p]; action[ac.compute + Kc + u.i] = sol.compute[p];
      } else {
        action[ac.up + Kc + u.i] = sol.up[p]; action[ac.down + Ka + u.i] = sol.down[p]; action[ac.power + Ka + u.i] = sol.power[p];
        action[ac.compute + Kc + Ka + u.i] = sol.compute[p];
      }
    });
  }
  if (ac.server !== null) users.forEach((u, k) => { action[ac.server! + u.j] = assoc[k]; });
  return action;
}

function slotContext(world: World, state: ArrayLike<number>) {
  const layout = layoutOf(world);
  const users = activeUsers(layout, state);
  return { layout, users, solves: new ServerSolves(world, layout, state, users) };
}

/** The association the state or the scenario fixes (nearest server, or the only one). */
function givenAssociation(layout: WorldLayout, state: ArrayLike<number>, users: SlotUser[]): Int32Array {
  const assoc = new Int32Array(users.length);
  if (layout.state.server !== null) users.forEach((u, k) => { assoc[k] = state[layout.state.server! + u.j]; });
  return assoc;
}

/** The slot's optimum: exact when the association is given or enumerable, else bounded (exact: false). */
export function optWorldAction(world: World, state: ArrayLike<number>): SlotOptimum {
  const { layout, users, solves } = slotContext(world, state);
  const M = world.servers.length;
  if (layout.action.server === null) {
    const assoc = givenAssociation(layout, state, users);
    const { total, lowerBound } = solves.evaluate(assoc);
    return { action: writeAction(world, layout, solves, users, assoc), total, lowerBound, exact: true, associations: 0 };
  }
  if (Math.pow(M, users.length) <= ENUMERATION_LIMIT) {
    // Every association; the bound is the least of the associations' bounds.
    const count = Math.pow(M, users.length);
    const assoc = new Int32Array(users.length);
    let best: Int32Array = new Int32Array(users.length), bestTotal = Infinity, lowerBound = Infinity;
    for (let code = 0; code < count; code++) {
      for (let k = 0, c = code; k < users.length; k++, c = Math.floor(c / M)) assoc[k] = c % M;
      const r = solves.evaluate(assoc);
      if (r.total < bestTotal) { bestTotal = r.total; best = assoc.slice(); }
      lowerBound = Math.min(lowerBound, r.lowerBound);
    }
    return { action: writeAction(world, layout, solves, users, best), total: bestTotal, lowerBound, exact: true, associations: count };
  }
  const lagrangian = lagrangianBound(world, layout, state, users, solves);
  let assoc: Int32Array = lagrangian.association;
  const snr = strongestAssociation(layout, state, users);
  if (solves.evaluate(snr).total < solves.evaluate(assoc).total) assoc = snr;
  assoc = improveByMoves(solves, assoc, lagrangian.candidates);
  const { total } = solves.evaluate(assoc);
  return { action: writeAction(world, layout, solves, users, assoc), total, lowerBound: Math.min(lagrangian.bound, total), exact: false, associations: 0 };
}

/** Each active user's server of the strongest channel (comp: uplink gain, aigc: downlink, ve: their sum). */
function strongestAssociation(layout: WorldLayout, state: ArrayLike<number>, users: SlotUser[]): Int32Array {
  const M = layout.servers, st = layout.state;
  return Int32Array.from(users, (u) => {
    let best = 0, bestGain = -Infinity;
    for (let m = 0; m < M; m++) {
      const gain = u.type === 'comp' ? state[st.hOffComp + u.i * M + m] : u.type === 'aigc' ? state[st.hBackAigc + u.i * M + m]
        : state[st.hOffVe + u.i * M + m] + state[st.hBackVe + u.i * M + m];
      if (gain > bestGain) { best = m; bestGain = gain; }
    }
    return best;
  });
}

/**
 * The Lagrangian dual of the association problem: prices on each server's four resources; for fixed prices every
 * user independently takes the server of its least term (userDual), and
 *   L(prices) = sum over users of min over m of term(user, m) - sum over servers and resources of the prices
 * is a lower bound of the slot's optimum over all associations and allocations (weak duality). Prices start from
 * each server's solve with all active users scaled by 1 / M^2 (a resource's price grows like the square of its
 * users), then LAGRANGIAN_STEPS multiplicative subgradient steps price ← price exp(step clamp(use - 1, -1, 1)).
 * Returns the best L, the association of its prices, and each user's best servers by its term.
 */
function lagrangianBound(world: World, layout: WorldLayout, state: ArrayLike<number>, users: SlotUser[], solves: ServerSolves) {
  const M = world.servers.length, K = users.length, sc = world.scenario;
  const everyone = users.map((_, k) => k);
  const prices: ServerPrices[] = world.servers.map((_, m) => {
    const p = solves.solve(m, everyone).prices;
    return { up: p.up / (M * M), down: p.down / (M * M), power: p.power / (M * M), compute: p.compute / (M * M) };
  });
  const entries = users.map((u) => world.servers.map((_, m) => problemUser(layout, state, u, m)));
  let bound = -Infinity, association = new Int32Array(K), terms = new Float64Array(K * M);
  for (let step = 0; step <= LAGRANGIAN_STEPS; step++) {
    const use = world.servers.map(() => ({ up: 0, down: 0, power: 0, compute: 0 }));
    const assoc = new Int32Array(K), t = new Float64Array(K * M);
    let value = 0;
    for (let k = 0; k < K; k++) {
      let best = 0, bestDual: ReturnType<typeof userDual> | null = null;
      for (let m = 0; m < M; m++) {
        const d = userDual(sc, world.servers[m], entries[k][m], prices[m]);
        t[k * M + m] = d.value;
        if (!bestDual || d.value < bestDual.value) { best = m; bestDual = d; }
      }
      assoc[k] = best; value += bestDual!.value;
      use[best].up += bestDual!.up; use[best].down += bestDual!.down; use[best].power += bestDual!.power; use[best].compute += bestDual!.compute;
    }
    for (const p of prices) value -= p.up + p.down + p.power + p.compute;
    if (value > bound) { bound = value; association = assoc; terms = t; }
    const rate = 1 / (1 + step / 8);
    const clamp = (x: number) => Math.max(-1, Math.min(1, x));
    prices.forEach((p, m) => {
      for (const r of ['up', 'down', 'power', 'compute'] as const) if (p[r] > 0) p[r] *= Math.exp(rate * clamp(use[m][r] - 1));
    });
  }
  const candidates = users.map((_, k) => Array.from({ length: M }, (_, m) => m).sort((a, b) => terms[k * M + a] - terms[k * M + b]).slice(0, MOVE_CANDIDATES));
  return { bound, association, candidates };
}

/** MOVE_PASSES passes of single-user moves: each user to the candidate server that lowers the total most, if any. */
function improveByMoves(solves: ServerSolves, start: Int32Array, candidates: number[][]): Int32Array {
  const assoc = start.slice();
  movePasses(solves, assoc, candidates, MOVE_PASSES);
  return assoc;
}

/** Active-user indices on server m, ascending. */
function membersOf(assoc: Int32Array, m: number): number[] {
  const out: number[] = [];
  assoc.forEach((s, k) => { if (s === m) out.push(k); });
  return out;
}

/** L_total of server m's members (0 without any). */
function serverTotal(solves: ServerSolves, m: number, members: number[]): number {
  return members.length > 0 ? solves.solve(m, members).total : 0;
}

/** What L_total loses when user k leaves its server (that server's total with k minus without). */
function leavingGain(solves: ServerSolves, assoc: Int32Array, k: number): number {
  const fromMembers = membersOf(assoc, assoc[k]);
  return serverTotal(solves, assoc[k], fromMembers) - serverTotal(solves, assoc[k], fromMembers.filter((q) => q !== k));
}

/** How much L_total falls when user k alone moves to server `to` (leaving: leavingGain of k). */
function moveGain(solves: ServerSolves, assoc: Int32Array, k: number, to: number, leaving: number): number {
  const toMembers = membersOf(assoc, to);
  return leaving + serverTotal(solves, to, toMembers) - solves.solve(to, insertSorted(toMembers, k)).total;
}

/**
 * Up to `passes` passes of single-user moves in place: each user in turn to the candidate server that lowers L_total
 * most, if any; stops after a pass without a move.
 */
function movePasses(solves: ServerSolves, assoc: Int32Array, candidates: number[][], passes: number): void {
  for (let pass = 0; pass < passes; pass++) {
    let moved = false;
    for (let k = 0; k < assoc.length; k++) {
      const from = assoc[k], leaving = leavingGain(solves, assoc, k);
      let bestGain = 0, bestTo = from;
      for (const to of candidates[k]) {
        if (to === from) continue;
        const gain = moveGain(solves, assoc, k, to, leaving);
        if (gain > bestGain) { bestGain = gain; bestTo = to; }
      }
      if (bestTo !== from) { assoc[k] = bestTo; moved = true; }
    }
    if (!moved) break;
  }
}

/**
 * One pass of pair swaps in place: users k < l on different servers trade servers where that lowers L_total. A pair
 * is tried only when each user's server is among the other's SWAP_PARTNER_SERVERS best servers to move to (by the
 * single move's change of L_total at the pass's start): the trades a move-optimal association can still gain by.
 */
function swapPass(world: World, solves: ServerSolves, assoc: Int32Array): boolean {
  const M = world.servers.length;
  const partners = Array.from(assoc, (from, k) => {
    const leaving = leavingGain(solves, assoc, k);
    const gains: [number, number][] = [];
    for (let to = 0; to < M; to++) if (to !== from) gains.push([to, moveGain(solves, assoc, k, to, leaving)]);
    return new Set(gains.sort((a, b) => b[1] - a[1]).slice(0, SWAP_PARTNER_SERVERS).map(([to]) => to));
  });
  let swapped = false;
  for (let k = 0; k < assoc.length; k++) {
    for (let l = k + 1; l < assoc.length; l++) {
      const x = assoc[k], y = assoc[l];
      if (x === y || !partners[k].has(y) || !partners[l].has(x)) continue;
      const X = membersOf(assoc, x), Y = membersOf(assoc, y);
      const gain = solves.solve(x, X).total + solves.solve(y, Y).total
        - solves.solve(x, insertSorted(X.filter((q) => q !== k), l)).total - solves.solve(y, insertSorted(Y.filter((q) => q !== l), k)).total;
      if (gain > 0) { assoc[k] = y; assoc[l] = x; swapped = true; }
    }
  }
  return swapped;
}

/** members with k inserted, ascending. */
function insertSorted(members: number[], k: number): number[] {
  const out = members.slice(), at = out.findIndex((q) => q > k);
  out.splice(at < 0 ? out.length : at, 0, k);
  return out;
}

/**
 * Local search from an association, in place: rounds of single-user moves to any server until none lowers L_total,
 * then one pass of pair swaps (swapPass); stops after a round without a swap or after SEARCH_ROUNDS rounds. The result
 * is never worse than the start and, when it stops for want of a swap, no single move and no swap swapPass tries lowers
 * it (every swap where M <= SWAP_PARTNER_SERVERS + 1).
 */
function localSearch(world: World, solves: ServerSolves, assoc: Int32Array): void {
  const everyServer = Array.from(assoc, () => world.servers.map((_, m) => m));
  for (let round = 0; round < SEARCH_ROUNDS; round++) {
    movePasses(solves, assoc, everyServer, SEARCH_MOVE_PASSES);
    if (!swapPass(world, solves, assoc)) break;
  }
}

export type AssociationRule = 'maxSnr' | 'random' | 'lagrangian';

/**
 * An association by a rule, finished by solveServer's allocation: the strongest channel; random (the server RRA
 * draws: key (seed, Stream.rraActions), counter (env, slot, j, 1), word 1, floor(u M)); or the Lagrangian bound's
 * association (its prices' choice, before any move). lowerBound bounds that association's allocation; exact: false.
 */
export function associationBaseline(world: World, state: ArrayLike<number>, rule: AssociationRule, seed = EVAL_SEED, env = 0, slot = 0): SlotOptimum {
  const { layout, users, solves } = slotContext(world, state);
  const M = world.servers.length;
  let assoc: Int32Array;
  if (layout.action.server === null) assoc = givenAssociation(layout, state, users);
  else if (rule === 'maxSnr') assoc = strongestAssociation(layout, state, users);
  else if (rule === 'random') assoc = Int32Array.from(users, (u) => Math.floor(uniformFromU32(philox4x32(env, slot, u.j, 1, seed, Stream.rraActions)[1]) * M));
  else assoc = lagrangianBound(world, layout, state, users, solves).association;
  const { total, lowerBound } = solves.evaluate(assoc);
  return { action: writeAction(world, layout, solves, users, assoc), total, lowerBound, exact: false, associations: 0 };
}

/**
 * The Lagrangian lower bound of the slot's optimum over all associations (where the policy associates), whatever
 * the number of users: what optWorldAction reports above ENUMERATION_LIMIT, also computable below it.
 */
export function associationLowerBound(world: World, state: ArrayLike<number>): number {
  const { layout, users, solves } = slotContext(world, state);
  return lagrangianBound(world, layout, state, users, solves).bound;
}

/** Marks an inactive user in an association row of worldOpt / shaders/world_opt.wgsl. */
export const INACTIVE = 0xffffffff;

/**
 * The float64 reference of shaders/world_opt.wgsl: every server of every environment solved for a given association.
 * states: (count, state.size), association: (count, K) server of each user in data order or INACTIVE ->
 * actions: (count, action.size) shares and lambda (server columns left 0), totals: (count, M) each server's L_total.
 */
export function worldOpt(world: World, states: Float64Array, association: Uint32Array): { actions: Float64Array; totals: Float64Array } {
  const layout = layoutOf(world), K = layout.users, M = layout.servers, count = states.length / layout.state.size;
  const actions = new Float64Array(count * layout.action.size), totals = new Float64Array(count * M);
  for (let e = 0; e < count; e++) {
    const state = states.subarray(e * layout.state.size, (e + 1) * layout.state.size);
    const users = activeUsers(layout, state).filter((u) => association[e * K + u.j] !== INACTIVE);
    const solves = new ServerSolves(world, layout, state, users);
    const assoc = Int32Array.from(users, (u) => association[e * K + u.j]);
    const action = writeAction(world, layout, solves, users, assoc);
    if (layout.action.server !== null) action.fill(0, layout.action.server, layout.action.server + K);
    actions.set(action, e * layout.action.size);
    for (const [m, members] of groups(assoc, M)) totals[e * M + m] = solves.solve(m, members).total;
  }
  return { actions, totals };
}

/**
 * A given association finished by solveServer's allocation (the hybrid of a learnt association and the optimal
 * allocation, as DROO): server[j] is the server of user j (data order); inactive users are ignored. With search, the
 * association is first improved by localSearch (single-user moves and pair swaps, as DROO's candidates around the
 * actor's choice). exact: false.
 */
export function finishAssociation(world: World, state: ArrayLike<number>, server: ArrayLike<number>, search = false): SlotOptimum {
  const { layout, users, solves } = slotContext(world, state);
  const assoc = Int32Array.from(users, (u) => server[u.j]);
  if (search && layout.action.server !== null) localSearch(world, solves, assoc);
  const { total, lowerBound } = solves.evaluate(assoc);
  return { action: writeAction(world, layout, solves, users, assoc), total, lowerBound, exact: false, associations: 0 };
}
