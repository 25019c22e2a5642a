// CPU reference of the generalised world in float64 (MODEL.md "Many users, several edge servers"): state sampling,
// association, per-user latencies, FRA and RRA, feasibility of an action, and rollout means. The per-user arithmetic is
// the letter's (rate, time, generation time of src/env/reference.ts), so the letter's shape gives its values bit for bit.
// Over 300 lines: it is the one CPU twin of the world's kernels (sampling, latency, FRA, RRA), kept together as the
// letter's src/env/reference.ts is, so that each kernel's reference is found in one place by its name.
import { UserError } from '../errors.js';
import { philox4x32, uniformFromU32 } from '../rng/philox.js';
import { Stream } from '../rng/streams.js';
import type { Scenario } from '../scenario.js';
import { pathGain, rate, time } from '../env/reference.js';
import { worldLayout, type WorldLayout } from './layout.js';
import { MIN_DISTANCE, type Placement, type World } from './world.js';

const layouts = new WeakMap<World, WorldLayout>();
/** worldLayout(world), computed once per world object. */
export function layoutOf(world: World): WorldLayout {
  let layout = layouts.get(world);
  if (!layout) { layout = worldLayout(world); layouts.set(world, layout); }
  return layout;
}

const u = uniformFromU32;

/**
 * Distances (m) of one user to every server, from its placement: fixed, drawn in [low, high] from u(a), or a position
 * (fixed, or drawn in the area as x from u(a), y from u(b)) at the Euclidean distance, at least MIN_DISTANCE.
 */
function distances(world: World, placement: Placement, index: number, a: number, b: number, out: Float64Array): void {
  const M = world.servers.length;
  if (placement.kind === 'distance') { out.fill(placement.distance, 0, M); return; }
  if (placement.kind === 'distanceRange') { out.fill(placement.low + (placement.high - placement.low) * u(a), 0, M); return; }
  let x: number, y: number;
  if (placement.kind === 'positions') [x, y] = placement.positions[index];
  else { x = placement.x[0] + (placement.x[1] - placement.x[0]) * u(a); y = placement.y[0] + (placement.y[1] - placement.y[0]) * u(b); }
  for (let m = 0; m < M; m++) {
    const dx = x - world.servers[m].position[0], dy = y - world.servers[m].position[1];
    out[m] = Math.max(MIN_DISTANCE, Math.sqrt(dx * dx + dy * dy));
  }
}

/** The server at the smallest distance (ties: the lowest index). */
function nearest(dist: Float64Array, M: number): number {
  let best = 0;
  for (let m = 1; m < M; m++) if (dist[m] < dist[best]) best = m;
  return best;
}

const ZERO4: [number, number, number, number] = [0, 0, 0, 0];

/**
 * g0 dist^-n |x|^2 for the Rician x of normals (n1, n2) = Box-Muller(u(a), u(b)): pathGain * ricianPower of
 * src/env/reference.ts and normalPair of src/rng/philox.ts, the same operations inlined (no arrays), so the same bits.
 */
function gain(pathGainValue: number, los: number, scatter: number, a: number, b: number): number {
  const r = Math.sqrt(-2 * Math.log(u(a)));
  const theta = 2 * Math.PI * u(b);
  const re = los + scatter * (r * Math.cos(theta));
  const im = scatter * (r * Math.sin(theta));
  return pathGainValue * (re * re + im * im);
}

/** Per-world constants and scratch of the sampler. */
interface Sampler { los: number; scatter: number; dComp: Float64Array; dAigc: Float64Array; dVe: Float64Array }
const samplers = new WeakMap<World, Sampler>();
function samplerOf(world: World): Sampler {
  let s = samplers.get(world);
  if (!s) {
    const K = world.scenario.channel.ricianK, M = world.servers.length;
    s = { los: Math.sqrt(K / (K + 1)), scatter: Math.sqrt(1 / (K + 1)) * Math.SQRT1_2, dComp: new Float64Array(M), dAigc: new Float64Array(M), dVe: new Float64Array(M) };
    samplers.set(world, s);
  }
  return s;
}

/**
 * One state row at (env, slot) into out[offset ..]. Philox key (seed, stream), counter (env, slot, g + G m, k) for
 * triple g (the g-th user of each type) and server m (MODEL.md "Random numbers" of the generalised model):
 *   k = 0, each m: normals (w0, w1) -> comp_g's uplink fading to m, (w2, w3) -> aigc_g's downlink fading from m
 *   k = 1, each m: (w0, w1) -> ve_g's uplink, (w2, w3) -> ve_g's downlink
 *   k = 2, m = 0: w0, w1, w2 -> data sizes of comp_g, ve_g, aigc_g
 *   k = 3, m = 0: w0, w1, w2 -> activity of comp_g, ve_g, aigc_g (active when u < activity)
 *   k = 4, m = 0: (w0, w1) -> comp_g's position in its area, or w0 its distance; (w2, w3) -> aigc_g's
 *   k = 5, m = 0: (w0, w1) -> ve_g's
 * Draws a row does not use are not made. With one server and one user of each type this is sampleState's row.
 */
function writeWorldState(world: World, layout: WorldLayout, seed: number, stream: number, env: number, slot: number, out: Float64Array, offset: number): void {
  const sc = world.scenario;
  const M = layout.servers, G = layout.triples;
  const { comp, aigc, ve } = world.users;
  const st = layout.state;
  const { los, scatter, dComp, dAigc, dVe } = samplerOf(world);
  const drawn = (p: Placement) => p.kind === 'distanceRange' || p.kind === 'area';
  for (let g = 0; g < G; g++) {
    const hasComp = g < comp.count, hasAigc = g < aigc.count, hasVe = g < ve.count;
    const w4 = (hasComp && drawn(comp.placement)) || (hasAigc && drawn(aigc.placement)) ? philox4x32(env, slot, g, 4, seed, stream) : ZERO4;
    const w5 = hasVe && drawn(ve.placement) ? philox4x32(env, slot, g, 5, seed, stream) : ZERO4;
    if (hasComp) distances(world, comp.placement, g, w4[0], w4[1], dComp);
    if (hasAigc) distances(world, aigc.placement, g, w4[2], w4[3], dAigc);
    if (hasVe) distances(world, ve.placement, g, w5[0], w5[1], dVe);
    for (let m = 0; m < M; m++) {
      if (hasComp || hasAigc) {
        const w0 = philox4x32(env, slot, g + G * m, 0, seed, stream);
        if (hasComp) out[offset + st.hOffComp + g * M + m] = gain(pathGain(sc, dComp[m]), los, scatter, w0[0], w0[1]);
        if (hasAigc) out[offset + st.hBackAigc + g * M + m] = gain(pathGain(sc, dAigc[m]), los, scatter, w0[2], w0[3]);
      }
      if (hasVe) {
        const w1 = philox4x32(env, slot, g + G * m, 1, seed, stream);
        const path = pathGain(sc, dVe[m]);
        out[offset + st.hOffVe + g * M + m] = gain(path, los, scatter, w1[0], w1[1]);
        out[offset + st.hBackVe + g * M + m] = gain(path, los, scatter, w1[2], w1[3]);
      }
    }
    const iComp = g, iVe = layout.comp + g, iAigc = layout.comp + layout.ve + g;
    const w2 = philox4x32(env, slot, g, 2, seed, stream);
    const d = sc.data;
    if (hasComp) out[offset + st.data + iComp] = d.comp[0] + (d.comp[1] - d.comp[0]) * u(w2[0]);
    if (hasVe) out[offset + st.data + iVe] = d.ve[0] + (d.ve[1] - d.ve[0]) * u(w2[1]);
    if (hasAigc) out[offset + st.data + iAigc] = d.aigc[0] + (d.aigc[1] - d.aigc[0]) * u(w2[2]);
    if (st.active !== null) {
      const w3 = comp.activity < 1 || ve.activity < 1 || aigc.activity < 1 ? philox4x32(env, slot, g, 3, seed, stream) : ZERO4;
      if (hasComp) out[offset + st.active + iComp] = comp.activity === 1 || u(w3[0]) < comp.activity ? 1 : 0;
      if (hasVe) out[offset + st.active + iVe] = ve.activity === 1 || u(w3[1]) < ve.activity ? 1 : 0;
      if (hasAigc) out[offset + st.active + iAigc] = aigc.activity === 1 || u(w3[2]) < aigc.activity ? 1 : 0;
    }
    if (st.server !== null) {
      if (hasComp) out[offset + st.server + iComp] = nearest(dComp, M);
      if (hasVe) out[offset + st.server + iVe] = nearest(dVe, M);
      if (hasAigc) out[offset + st.server + iAigc] = nearest(dAigc, M);
    }
  }
}

/** States of environments firstEnv .. firstEnv + count - 1 at one slot. Returns (count, state.size). */
export function sampleWorldStates(world: World, seed: number, stream: number, firstEnv: number, count: number, slot: number): Float64Array {
  const layout = layoutOf(world);
  const out = new Float64Array(count * layout.state.size);
  for (let i = 0; i < count; i++) writeWorldState(world, layout, seed, stream, firstEnv + i, slot, out, i * layout.state.size);
  return out;
}

/** Whether user j (data order) is active in the state row. */
export function isActive(layout: WorldLayout, state: ArrayLike<number>, j: number): boolean {
  return layout.state.active === null || state[layout.state.active + j] !== 0;
}

/** Server of each user (data order): the state's (nearest association), the action's (by the policy), or 0 when M = 1. */
export function worldAssociation(world: World, state: ArrayLike<number>, action: ArrayLike<number>): Int32Array {
  const layout = layoutOf(world);
  const out = new Int32Array(layout.users);
  const from = layout.state.server !== null ? { row: state, at: layout.state.server } : layout.action.server !== null ? { row: action, at: layout.action.server } : null;
  if (from) for (let j = 0; j < layout.users; j++) out[j] = from.row[from.at + j];
  return out;
}

export interface WorldLatency {
  /** (K) data order, seconds; 0 for an inactive user. */
  perUser: Float64Array;
  /** Sums and counts over the active users of each type, type order comp, aigc, ve. */
  sums: [number, number, number];
  counts: [number, number, number];
  /** L_total = (sums[0] + sums[1]) + sums[2]: the letter's comp + aigc + ve with one user of each type. */
  total: number;
}

/** Generation time G_m(D, w) = (xi chi D + zeta) genUnitCycles / (w fEs_m), the letter's arithmetic. */
function generationTimeOn(scenario: Scenario, fEs: number, bits: number, share: number): number {
  const cycles = (scenario.xi * scenario.cyclesPerBit * bits + scenario.zeta) * scenario.genUnitCycles;
  return time(cycles, share * fEs);
}

/**
 * Per-user latencies of one state and action (MODEL.md "Latencies and the objective"), each the letter's formula with
 * the user's shares and its server's resources; inactive users are not counted.
 */
export function worldLatency(world: World, state: ArrayLike<number>, action: ArrayLike<number>): WorldLatency {
  const sc = world.scenario, layout = layoutOf(world);
  const { servers: M, comp: Kc, aigc: Ka, ve: Kv } = layout;
  const st = layout.state, ac = layout.action;
  const N0 = sc.noiseWattsPerHz, chi = sc.cyclesPerBit;
  const assoc = worldAssociation(world, state, action);
  const perUser = new Float64Array(layout.users);
  const sums: [number, number, number] = [0, 0, 0], counts: [number, number, number] = [0, 0, 0];
  for (let i = 0; i < Kc; i++) {
    const j = i;
    if (!isActive(layout, state, j)) continue;
    const m = assoc[j], server = world.servers[m], d = state[st.data + j], lambda = action[ac.lambda + i];
    const rUp = rate(action[ac.up + i], sc.power.comp, state[st.hOffComp + i * M + m], server.bandwidth.off, N0);
    const local = time((1 - lambda) * chi * d, sc.fLocal);
    const offload = time(lambda * d, rUp) + time(lambda * chi * d, action[ac.compute + i] * server.fEs);
    perUser[j] = Math.max(local, offload);
    sums[0] += perUser[j]; counts[0]++;
  }
  for (let i = 0; i < Ka; i++) {
    const j = Kc + Kv + i;
    if (!isActive(layout, state, j)) continue;
    const m = assoc[j], server = world.servers[m], d = state[st.data + j];
    const rDown = rate(action[ac.down + i], action[ac.power + i] * server.power, state[st.hBackAigc + i * M + m], server.bandwidth.back, N0);
    perUser[j] = generationTimeOn(sc, server.fEs, d, action[ac.compute + Kc + i]) + time(d, rDown);
    sums[1] += perUser[j]; counts[1]++;
  }
  for (let i = 0; i < Kv; i++) {
    const j = Kc + i;
    if (!isActive(layout, state, j)) continue;
    const m = assoc[j], server = world.servers[m], d = state[st.data + j];
    const rUp = rate(action[ac.up + Kc + i], sc.power.ve, state[st.hOffVe + i * M + m], server.bandwidth.off, N0);
    const rDown = rate(action[ac.down + Ka + i], action[ac.power + Ka + i] * server.power, state[st.hBackVe + i * M + m], server.bandwidth.back, N0);
    perUser[j] = time(d, rUp) + generationTimeOn(sc, server.fEs, sc.psi * d, action[ac.compute + Kc + Ka + i]) + time(sc.psi * d, rDown);
    sums[2] += perUser[j]; counts[2]++;
  }
  return { perUser, sums, counts, total: sums[0] + sums[1] + sums[2] };
}

/** For user j (data order): which resources it uses, and its columns in the action row. */
interface UserSlots { type: 'comp' | 'aigc' | 've'; up: number; down: number; power: number; compute: number; lambda: number }

function userSlots(layout: WorldLayout): UserSlots[] {
  const { comp: Kc, aigc: Ka, ve: Kv } = layout, ac = layout.action;
  const out: UserSlots[] = [];
  for (let i = 0; i < Kc; i++) out.push({ type: 'comp', up: ac.up + i, down: -1, power: -1, compute: ac.compute + i, lambda: ac.lambda + i });
  for (let i = 0; i < Kv; i++) out.push({ type: 've', up: ac.up + Kc + i, down: ac.down + Ka + i, power: ac.power + Ka + i, compute: ac.compute + Kc + Ka + i, lambda: -1 });
  for (let i = 0; i < Ka; i++) out.push({ type: 'aigc', up: -1, down: ac.down + i, power: ac.power + i, compute: ac.compute + Kc + i, lambda: -1 });
  return out;
}
const slotsCache = new WeakMap<WorldLayout, UserSlots[]>();
function slotsOf(layout: WorldLayout): UserSlots[] {
  let s = slotsCache.get(layout);
  if (!s) { s = userSlots(layout); slotsCache.set(layout, s); }
  return s;
}

/** The server of the largest gain to user j (comp: uplink, aigc: downlink, ve: uplink + downlink; ties: lowest index). */
function strongestServer(layout: WorldLayout, state: ArrayLike<number>, type: 'comp' | 'aigc' | 've', i: number): number {
  const M = layout.servers, st = layout.state;
  let best = 0, bestGain = -Infinity;
  for (let m = 0; m < M; m++) {
    const gain = type === 'comp' ? state[st.hOffComp + i * M + m]
      : type === 'aigc' ? state[st.hBackAigc + i * M + m]
      : state[st.hOffVe + i * M + m] + state[st.hBackVe + i * M + m];
    if (gain > bestGain) { best = m; bestGain = gain; }
  }
  return best;
}

const RESOURCES = ['up', 'down', 'power', 'compute'] as const;

/**
 * Splits each server's resources among its active users: user j of a resource with n users on its server gets
 * share(weight_j, total weight, n); inactive users get 0. association: (K) data order.
 */
function splitShares(layout: WorldLayout, state: ArrayLike<number>, association: Int32Array, weights: (j: number, r: number) => number,
  share: (weight: number, total: number, n: number) => number, out: Float64Array): void {
  const slots = slotsOf(layout), M = layout.servers;
  const n = new Float64Array(4 * M), total = new Float64Array(4 * M);
  for (let j = 0; j < layout.users; j++) {
    if (!isActive(layout, state, j)) continue;
    for (let r = 0; r < 4; r++) if (slots[j][RESOURCES[r]] >= 0) { n[r * M + association[j]]++; total[r * M + association[j]] += weights(j, r); }
  }
  for (let j = 0; j < layout.users; j++) {
    const active = isActive(layout, state, j);
    for (let r = 0; r < 4; r++) {
      const col = slots[j][RESOURCES[r]];
      if (col < 0) continue;
      const k = r * M + association[j];
      out[col] = active ? share(weights(j, r), total[k], n[k]) : 0;
    }
  }
}

function baseAssociation(world: World, layout: WorldLayout, state: ArrayLike<number>): Int32Array {
  const out = new Int32Array(layout.users);
  if (layout.state.server !== null) for (let j = 0; j < layout.users; j++) out[j] = state[layout.state.server + j];
  return out;
}

/**
 * FRA: each of a server's n active users of a resource gets 1 / n of it, lambda = 0.5; where the policy associates,
 * each user goes to the server of its largest channel gain (the state has no positions). (action.size)
 */
export function fraWorldAction(world: World, state: ArrayLike<number>): Float64Array {
  const layout = layoutOf(world);
  const out = new Float64Array(layout.action.size);
  const association = baseAssociation(world, layout, state);
  const slots = slotsOf(layout);
  if (layout.action.server !== null) {
    for (let j = 0; j < layout.users; j++) {
      const i = slots[j].type === 'comp' ? j : slots[j].type === 've' ? j - layout.comp : j - layout.comp - layout.ve;
      association[j] = strongestServer(layout, state, slots[j].type, i);
      out[layout.action.server + j] = association[j];
    }
  }
  for (let i = 0; i < layout.comp; i++) out[layout.action.lambda + i] = 0.5;
  splitShares(layout, state, association, () => 1, (_w, _t, n) => 1 / n, out);
  return out;
}

/**
 * RRA with floor eps = rraFloor. Key (seed, Stream.rraActions), counter (env, slot, j, k) for user j (data order):
 *   k = 0: e = -ln u(w0..w3) for its uplink, downlink, power and compute shares
 *   k = 1: lambda = eps + (1 - 2 eps) u(w0) (comp users); server floor(u(w1) M) where the policy associates and M > 1.
 * On each server, a resource's n active users get eps_n + (1 - n eps_n) e_j / sum e with eps_n = min(eps, 1 / (2 n)).
 */
export function rraWorldAction(world: World, seed: number, env: number, slot: number, state: ArrayLike<number>): Float64Array {
  const layout = layoutOf(world), slots = slotsOf(layout);
  const eps = world.scenario.rraFloor, M = layout.servers;
  const out = new Float64Array(layout.action.size);
  const association = baseAssociation(world, layout, state);
  const e = new Float64Array(4 * layout.users);
  for (let j = 0; j < layout.users; j++) {
    const w0 = philox4x32(env, slot, j, 0, seed, Stream.rraActions);
    for (let r = 0; r < 4; r++) e[4 * j + r] = -Math.log(u(w0[r]));
    const needLambda = slots[j].type === 'comp', needServer = layout.action.server !== null;
    if (needLambda || needServer) {
      const w1 = philox4x32(env, slot, j, 1, seed, Stream.rraActions);
      if (needLambda) out[slots[j].lambda] = eps + (1 - 2 * eps) * u(w1[0]);
      if (needServer) { association[j] = Math.floor(u(w1[1]) * M); out[layout.action.server! + j] = association[j]; }
    }
  }
  splitShares(layout, state, association, (j, r) => e[4 * j + r], (w, total, n) => {
    const floor = Math.min(eps, 1 / (2 * n));
    return floor + (1 - n * floor) * (w / total);
  }, out);
  return out;
}

/** Largest amount by which a server's shares of one resource may exceed 1. */
export const SHARE_SUM_TOLERANCE = 1e-6;

const RESOURCE_NAMES = { up: 'uplink bandwidth', down: 'downlink bandwidth', power: 'transmit power', compute: 'compute' } as const;

/**
 * The first way the action is infeasible for the state (MODEL.md "Action"), as one line naming the column and the
 * rule, or null: shares and lambda in [0, 1]; a server index an integer in [0, M); for each server and resource, the
 * shares of its active users sum to at most 1 within SHARE_SUM_TOLERANCE.
 */
export function worldActionProblem(world: World, state: ArrayLike<number>, action: ArrayLike<number>): string | null {
  const layout = layoutOf(world), slots = slotsOf(layout), cols = layout.actionColumns, M = layout.servers;
  const ac = layout.action;
  for (let c = 0; c < ac.compute + layout.users; c++) {
    const v = action[c];
    if (!(v >= 0 && v <= 1)) return `column "${cols[c]}": ${v} is outside [0, 1]`;
  }
  if (ac.server !== null) {
    for (let j = 0; j < layout.users; j++) {
      const v = action[ac.server + j];
      if (!(Number.isInteger(v) && v >= 0 && v < M)) return `column "${cols[ac.server + j]}": ${v} is not a server index (an integer in [0, ${M}))`;
    }
  }
  const association = worldAssociation(world, state, action);
  for (let r = 0; r < 4; r++) {
    const sum = new Float64Array(M), last = new Int32Array(M).fill(-1);
    for (let j = 0; j < layout.users; j++) {
      const col = slots[j][RESOURCES[r]];
      if (col < 0 || !isActive(layout, state, j)) continue;
      sum[association[j]] += action[col];
      last[association[j]] = col;
    }
    for (let m = 0; m < M; m++) {
      if (sum[m] > 1 + SHARE_SUM_TOLERANCE) {
        return `column "${cols[last[m]]}": the ${RESOURCE_NAMES[RESOURCES[r]]} shares of server ${m + 1}'s active users sum to ${sum[m]}, must be at most 1 within ${SHARE_SUM_TOLERANCE}`;
      }
    }
  }
  return null;
}

/** Throws a UserError `${where}: ${problem}` when the action is infeasible for the state. */
export function validateWorldAction(world: World, state: ArrayLike<number>, action: ArrayLike<number>, where = 'action'): void {
  const problem = worldActionProblem(world, state, action);
  if (problem) throw new UserError(`${where}, ${problem}`);
}

/** Running sums of a world's latencies: per type over active users, L_total over slots. */
export class WorldLatencySums {
  sums: [number, number, number] = [0, 0, 0];
  counts: [number, number, number] = [0, 0, 0];
  total = 0;
  slots = 0;
  add(l: WorldLatency): void {
    for (let t = 0; t < 3; t++) { this.sums[t] += l.sums[t]; this.counts[t] += l.counts[t]; }
    this.total += l.total;
    this.slots++;
  }
  /** Per type, the mean latency of an active user (NaN when no user of the type was active); the mean L_total per slot. */
  means(): WorldMeans {
    const mean = (t: number) => (this.counts[t] > 0 ? this.sums[t] / this.counts[t] : NaN);
    return { comp: mean(0), aigc: mean(1), ve: mean(2), total: this.total / this.slots };
  }
}

export interface WorldMeans { comp: number; aigc: number; ve: number; total: number }

export interface WorldRollout { envs: number; slots: number; firstEnv: number; firstSlot: number; stateSeed: number; stateStream: number; actionSeed: number }

/**
 * FRA or RRA over envs x slots states (env firstEnv + e at slot firstSlot + t, key (stateSeed, stateStream)); RRA's
 * actions keyed by (actionSeed, Stream.rraActions) at the same (env, slot). Means as MODEL.md reports them.
 */
export function rolloutMeanWorld(world: World, policy: 'fra' | 'rra', r: WorldRollout): WorldMeans {
  const layout = layoutOf(world), sums = new WorldLatencySums();
  for (let t = 0; t < r.slots; t++) {
    const states = sampleWorldStates(world, r.stateSeed, r.stateStream, r.firstEnv, r.envs, r.firstSlot + t);
    for (let e = 0; e < r.envs; e++) {
      const state = states.subarray(e * layout.state.size, (e + 1) * layout.state.size);
      const action = policy === 'fra' ? fraWorldAction(world, state) : rraWorldAction(world, r.actionSeed, r.firstEnv + e, r.firstSlot + t, state);
      sums.add(worldLatency(world, state, action));
    }
  }
  return sums.means();
}
