// LARA on a generalised world (float64): the observation, the action head that keeps every share feasible, the critic's
// action features in log-share coordinates and their vector-Jacobian product, the exploration normals; the f32 twins
// are in shaders/lib/lara_world.wgsl. Sizes come from worldLaraLayout(); docs/RECIPE.md describes the design.
// Over 300 lines: the float64 twin of shaders/lib/lara_world.wgsl, function for function, kept in one file as its WGSL is.
import { philox4x32, normalPair, uniformFromU32 } from '../rng/philox.js';
import { Stream } from '../rng/streams.js';
import { worldLayout, type WorldLayout } from '../world/layout.js';
import { sampleWorldStates } from '../world/reference.js';
import type { World } from '../world/world.js';
import { ratioHead } from './features.js';

/**
 * The world's observation and pre-activation rows. Observation: one block of `userStride` values per user (data
 * order): its normalised log gains to the servers it may use (uplink, then downlink; `gainsPerLink` each: every
 * server where the policy associates, else its own server), its normalised data size, its active flag (when users
 * may be inactive) and its server one-hot (when the rule associates with M > 1); an inactive user's block is 0.
 * Pre-activations z: a score per share (the action's up, down, power, lambda, compute entries at the action's
 * offsets) and, where the policy associates, M association scores per user (data order, servers inner).
 */
export interface WorldLaraLayout {
  world: WorldLayout;
  gainsPerLink: number;
  userStride: number;
  obs: { size: number; data: number; active: number | null; server: number | null };
  /** z and the critic's action features: `size` entries; association scores at `association` (null: none). */
  z: { size: number; association: number | null };
  criticInput: number;
}

/** Smallest observation and pre-activation row. */
const MIN_ROW = 8;

export function worldLaraLayout(world: World | WorldLayout): WorldLaraLayout {
  const layout = 'state' in world ? world : worldLayout(world);
  const M = layout.servers;
  const policy = layout.action.server !== null;
  const gainsPerLink = policy ? M : 1;
  let next = 2 * gainsPerLink;
  const data = next++;
  const active = layout.state.active !== null ? next++ : null;
  const server = layout.state.server !== null ? next : null;
  if (server !== null) next += M;
  const userStride = next;
  const shares = layout.action.compute + layout.users;
  const association = policy ? shares : null;
  // At least MIN_ROW entries each (the tail is 0): lib/lara.wgsl, which the shared kernels include, reads 7.
  const obsSize = Math.max(MIN_ROW, layout.users * userStride);
  const zSize = Math.max(MIN_ROW, shares + (policy ? layout.users * M : 0));
  return {
    world: layout, gainsPerLink, userStride,
    obs: { size: obsSize, data, active, server }, z: { size: zSize, association },
    criticInput: obsSize + zSize,
  };
}

/** Links a user may use: uplink (comp, ve), downlink (aigc, ve). Data order index i. */
export function userLinks(layout: WorldLayout, i: number): [boolean, boolean] {
  if (i < layout.comp) return [true, false];
  if (i < layout.comp + layout.ve) return [true, true];
  return [false, true];
}

/** Offset in the state row of user i's gains on link (0 up, 1 down) to server 0 (servers follow), or -1. */
export function gainOffset(layout: WorldLayout, i: number, link: 0 | 1): number {
  const M = layout.servers, s = layout.state;
  if (i < layout.comp) return link === 0 ? s.hOffComp + i * M : -1;
  if (i < layout.comp + layout.ve) return (link === 0 ? s.hOffVe : s.hBackVe) + (i - layout.comp) * M;
  return link === 1 ? s.hBackAigc + (i - layout.comp - layout.ve) * M : -1;
}

/** ln of a user's channel gain on `link` (0 up, 1 down) to `server`, recovered from the row's observation. */
export function observedLogGain(wl: WorldLaraLayout, norm: WorldObservationNorm, obs: ArrayLike<number>, oOff: number, i: number, link: 0 | 1, server: number): number {
  const G = wl.gainsPerLink;
  const s = G > 1 ? server : 0;
  const k = (i * 2 + link) * G + s;
  return obs[oOff + i * wl.userStride + link * G + s] / norm.invScale[k] + norm.logMean[k];
}

/** A user's channel gain on `link` (0 up, 1 down) to `server`, recovered from the row's observation. */
export function observedGain(wl: WorldLaraLayout, norm: WorldObservationNorm, obs: ArrayLike<number>, oOff: number, i: number, link: 0 | 1, server: number): number {
  return Math.exp(observedLogGain(wl, norm, obs, oOff, i, link, server));
}

/** A user's data size (bits), recovered from the row's observation. */
export function observedData(wl: WorldLaraLayout, norm: WorldObservationNorm, obs: ArrayLike<number>, oOff: number, i: number): number {
  const g = groupOf(wl.world, i);
  return norm.dataLow[g] + ((obs[oOff + i * wl.userStride + wl.obs.data] + 1) / 2) * norm.dataSpan[g];
}

/** Normalisation of the observation: per (user, link, observed server) the mean and 1 / std of ln h; data intervals. */
export interface WorldObservationNorm {
  /** (K, 2, gainsPerLink) */
  logMean: Float64Array;
  invScale: Float64Array;
  /** Data order groups comp, ve, aigc. */
  dataLow: [number, number, number];
  dataSpan: [number, number, number];
}

/** States drawn for the normalisation: key (0, Stream.trainStates) at the last slot, which no run reaches before. */
export const NORM_STATES = 4096;
const NORM_SLOT = 0xffffffff;
const MIN_GAIN = 1e-30;
/** Smallest standard deviation the log gains are divided by. */
const MIN_LOG_STD = 0.05;

/** Server of user i in a state (the rule's), or 0; the policy's comes from z (worldAssociation). */
function stateServer(layout: WorldLayout, state: ArrayLike<number>, sOff: number, i: number): number {
  return layout.state.server !== null ? Math.round(state[sOff + layout.state.server + i]) : 0;
}

function stateActive(layout: WorldLayout, state: ArrayLike<number>, sOff: number, i: number): boolean {
  return layout.state.active === null || state[sOff + layout.state.active + i] > 0.5;
}

/** ln h of user i on link `link` to its s-th observed server. */
export function logGain(wl: WorldLaraLayout, state: ArrayLike<number>, sOff: number, i: number, link: 0 | 1, s: number): number {
  const m = wl.gainsPerLink > 1 ? s : stateServer(wl.world, state, sOff, i);
  return Math.log(Math.max(state[sOff + gainOffset(wl.world, i, link) + m], MIN_GAIN));
}

/** Mean and standard deviation of each observed log gain over NORM_STATES states of the world (float64). */
export function worldObservationNorm(world: World): WorldObservationNorm {
  const wl = worldLaraLayout(world);
  const { users } = wl.world;
  const G = wl.gainsPerLink;
  const size = wl.world.state.size;
  const states = sampleWorldStates(world, 0, Stream.trainStates, 0, NORM_STATES, NORM_SLOT);
  const logMean = new Float64Array(users * 2 * G);
  const invScale = new Float64Array(users * 2 * G);
  for (let i = 0; i < users; i++) {
    const links = userLinks(wl.world, i);
    for (const link of [0, 1] as const) {
      if (!links[link]) continue;
      for (let s = 0; s < G; s++) {
        let sum = 0, sumSq = 0;
        for (let n = 0; n < NORM_STATES; n++) {
          const x = logGain(wl, states, n * size, i, link, s);
          sum += x; sumSq += x * x;
        }
        const mean = sum / NORM_STATES;
        const std = Math.sqrt(Math.max(0, sumSq / NORM_STATES - mean * mean));
        logMean[(i * 2 + link) * G + s] = mean;
        invScale[(i * 2 + link) * G + s] = 1 / Math.max(std, MIN_LOG_STD);
      }
    }
  }
  const d = world.scenario.data;
  const intervals = [d.comp, d.ve, d.aigc];
  return {
    logMean, invScale,
    dataLow: intervals.map((r) => r[0]) as [number, number, number],
    dataSpan: intervals.map((r) => r[1] - r[0]) as [number, number, number],
  };
}

/** The norm as the f32 storage of shaders/lib/lara_world.wgsl: logMean (K*2*G), invScale (K*2*G), dataLow (4), dataSpan (4). */
export function worldObservationNormParams(norm: WorldObservationNorm): Float32Array {
  const n = norm.logMean.length;
  const out = new Float32Array(2 * n + 8);
  out.set(norm.logMean, 0);
  out.set(norm.invScale, n);
  out.set(norm.dataLow, 2 * n);
  out.set(norm.dataSpan, 2 * n + 4);
  return out;
}

export const groupOf = (layout: WorldLayout, i: number): number => (i < layout.comp ? 0 : i < layout.comp + layout.ve ? 1 : 2);

/** Observation (obs.size) of one state into out[oOff..]. */
export function worldObservationInto(wl: WorldLaraLayout, norm: WorldObservationNorm, state: ArrayLike<number>, sOff: number, out: Float64Array, oOff: number): void {
  const layout = wl.world;
  const G = wl.gainsPerLink;
  out.fill(0, oOff, oOff + wl.obs.size);
  for (let i = 0; i < layout.users; i++) {
    if (!stateActive(layout, state, sOff, i)) continue;
    const base = oOff + i * wl.userStride;
    const links = userLinks(layout, i);
    for (const link of [0, 1] as const) {
      if (!links[link]) continue;
      for (let s = 0; s < G; s++) {
        const k = (i * 2 + link) * G + s;
        out[base + link * G + s] = (logGain(wl, state, sOff, i, link, s) - norm.logMean[k]) * norm.invScale[k];
      }
    }
    const g = groupOf(layout, i);
    const span = norm.dataSpan[g];
    out[base + wl.obs.data] = span > 0 ? (2 * (state[sOff + layout.state.data + i] - norm.dataLow[g])) / span - 1 : 0;
    if (wl.obs.active !== null) out[base + wl.obs.active] = 1;
    if (wl.obs.server !== null) out[base + wl.obs.server + stateServer(layout, state, sOff, i)] = 1;
  }
}

/** Who is where: each user's server and whether it is active (data order). */
export interface WorldGroups { server: Int32Array; active: Uint8Array }

/**
 * Groups of a row from its observation and pre-activations: active from the obs flag, the server from the obs one-hot
 * (the rule's), the argmax of the user's association scores in z (the policy's, ties: the lowest index), or 0.
 */
export function worldGroupsFromObs(wl: WorldLaraLayout, obs: ArrayLike<number>, oOff: number, z: ArrayLike<number>, zOff: number): WorldGroups {
  const { users, servers: M } = wl.world;
  const server = new Int32Array(users), active = new Uint8Array(users);
  for (let i = 0; i < users; i++) {
    const base = oOff + i * wl.userStride;
    active[i] = wl.obs.active === null || obs[base + wl.obs.active] > 0.5 ? 1 : 0;
    let best = 0;
    if (wl.obs.server !== null) {
      for (let m = 1; m < M; m++) if (obs[base + wl.obs.server + m] > obs[base + wl.obs.server + best]) best = m;
    } else if (wl.z.association !== null) {
      const a = zOff + wl.z.association + i * M;
      for (let m = 1; m < M; m++) if (z[a + m] > z[a + best]) best = m;
    }
    server[i] = best;
  }
  return { server, active };
}

/** Index in the action row (and z) of user i's share of resource r (0 up, 1 down, 2 power, 3 compute), or -1. */
export function shareIndex(layout: WorldLayout, i: number, r: number): number {
  const g = groupOf(layout, i);
  const a = layout.action;
  if (r === 3) return g === 0 ? a.compute + i : g === 2 ? a.compute + layout.comp + (i - layout.comp - layout.ve) : a.compute + layout.comp + layout.aigc + (i - layout.comp);
  if (r === 0) return g === 2 ? -1 : a.up + i;
  if (g === 0) return -1;
  const base = r === 1 ? a.down : a.power;
  return g === 2 ? base + (i - layout.comp - layout.ve) : base + layout.aigc + (i - layout.comp);
}

/** The members of every (resource, server) group: active users on that server that use the resource. */
export function shareGroups(layout: WorldLayout, groups: WorldGroups): number[][][] {
  const out: number[][][] = [0, 1, 2, 3].map(() => Array.from({ length: layout.servers }, () => [] as number[]));
  for (let i = 0; i < layout.users; i++) {
    if (!groups.active[i]) continue;
    for (let r = 0; r < 4; r++) if (shareIndex(layout, i, r) >= 0) out[r][groups.server[i]].push(i);
  }
  return out;
}

/** The share floor of a group of n users: min(floor, 1 / (2 n)), so n floors never exceed half the resource. */
export const groupFloor = (floor: number, n: number): number => Math.min(floor, 1 / (2 * n));

/** Softmax of z over a group's share entries: p (member order) and the group's floor and span. */
export function groupSoftmax(layout: WorldLayout, members: number[], r: number, z: ArrayLike<number>, zOff: number, floor: number) {
  const n = members.length;
  const f = groupFloor(floor, n);
  let m = -Infinity;
  for (const i of members) m = Math.max(m, z[zOff + shareIndex(layout, i, r)]);
  const e = members.map((i) => Math.exp(z[zOff + shareIndex(layout, i, r)] - m));
  const sum = e.reduce((a, b) => a + b, 0);
  return { p: e.map((x) => x / sum), e, sum, m, floor: f, span: 1 - n * f };
}

/**
 * Action head: z (z.size) -> a feasible action (action.size). Each (resource, server) group's active users share it as
 * floor_n + (1 - n floor_n) softmax(z) (floor_n = groupFloor); an inactive user's shares are 0; lambda =
 * floor + (1 - 2 floor) sigmoid(z) (the letter's ratio head); the action's server entries are the groups' servers.
 */
export function worldActionHeadInto(wl: WorldLaraLayout, z: ArrayLike<number>, zOff: number, groups: WorldGroups, floor: number,
                                    action: Float64Array, aOff: number): void {
  const layout = wl.world;
  action.fill(0, aOff, aOff + layout.action.size);
  const g = shareGroups(layout, groups);
  for (let r = 0; r < 4; r++) {
    for (const members of g[r]) {
      if (members.length === 0) continue;
      const s = groupSoftmax(layout, members, r, z, zOff, floor);
      members.forEach((i, k) => { action[aOff + shareIndex(layout, i, r)] = s.floor + s.span * s.p[k]; });
    }
  }
  for (let i = 0; i < layout.comp; i++) action[aOff + layout.action.lambda + i] = ratioHead(z[zOff + layout.action.lambda + i], floor);
  if (layout.action.server !== null) for (let i = 0; i < layout.users; i++) action[aOff + layout.action.server + i] = groups.server[i];
}

/**
 * Critic action features (z.size): per share the centred log of the shares of its group, ln w_i - mean_group ln w
 * (exact log-softmax at floor 0); per lambda z; per association score the softmax over the user's servers (the
 * relaxation of the argmax); 0 for an inactive user.
 */
export function worldCriticFeaturesInto(wl: WorldLaraLayout, z: ArrayLike<number>, zOff: number, groups: WorldGroups, floor: number,
                                        out: Float64Array, fOff: number): void {
  const layout = wl.world;
  out.fill(0, fOff, fOff + wl.z.size);
  const g = shareGroups(layout, groups);
  for (let r = 0; r < 4; r++) {
    for (const members of g[r]) {
      if (members.length === 0) continue;
      const s = groupSoftmax(layout, members, r, z, zOff, floor);
      const logs = members.map((i, k) => (s.floor > 0 ? Math.log(s.floor + s.span * s.p[k])
        : z[zOff + shareIndex(layout, i, r)] - s.m - Math.log(s.sum)));
      const mean = logs.reduce((a, b) => a + b, 0) / logs.length;
      members.forEach((i, k) => { out[fOff + shareIndex(layout, i, r)] = logs[k] - mean; });
    }
  }
  for (let i = 0; i < layout.comp; i++) if (groups.active[i]) out[fOff + layout.action.lambda + i] = z[zOff + layout.action.lambda + i];
  if (wl.z.association !== null) {
    const M = layout.servers;
    for (let i = 0; i < layout.users; i++) {
      if (!groups.active[i]) continue;
      const a = wl.z.association + i * M;
      let m = -Infinity;
      for (let s = 0; s < M; s++) m = Math.max(m, z[zOff + a + s]);
      let sum = 0;
      for (let s = 0; s < M; s++) sum += Math.exp(z[zOff + a + s] - m);
      for (let s = 0; s < M; s++) out[fOff + a + s] = Math.exp(z[zOff + a + s] - m) / sum;
    }
  }
}

/**
 * Vector-Jacobian product of worldCriticFeaturesInto for fixed groups: dL/dfeatures -> dL/dz. A share group (p its
 * softmax, w = floor_n + span p, g = dfeat - mean_group dfeat, c_i = g_i p_i / w_i): dz_k = span (c_k - p_k sum_i c_i);
 * lambda: identity; association (f the softmax): dz_k = f_k (df_k - sum_j f_j df_j); inactive users: 0.
 */
export function worldCriticFeaturesVjpInto(wl: WorldLaraLayout, z: ArrayLike<number>, zOff: number, groups: WorldGroups, floor: number,
                                           dF: ArrayLike<number>, dOff: number, dz: Float64Array, dzOff: number): void {
  const layout = wl.world;
  dz.fill(0, dzOff, dzOff + wl.z.size);
  const g = shareGroups(layout, groups);
  for (let r = 0; r < 4; r++) {
    for (const members of g[r]) {
      if (members.length === 0) continue;
      const s = groupSoftmax(layout, members, r, z, zOff, floor);
      const gs = members.map((i) => dF[dOff + shareIndex(layout, i, r)]);
      const gMean = gs.reduce((a, b) => a + b, 0) / gs.length;
      const c = members.map((_, k) => (gs[k] - gMean) / ((s.floor > 0 ? s.floor / s.p[k] : 0) + s.span));
      const cSum = c.reduce((a, b) => a + b, 0);
      members.forEach((i, k) => { dz[dzOff + shareIndex(layout, i, r)] = s.span * (c[k] - s.p[k] * cSum); });
    }
  }
  for (let i = 0; i < layout.comp; i++) if (groups.active[i]) dz[dzOff + layout.action.lambda + i] = dF[dOff + layout.action.lambda + i];
  if (wl.z.association !== null) {
    const M = layout.servers;
    for (let i = 0; i < layout.users; i++) {
      if (!groups.active[i]) continue;
      const a = wl.z.association + i * M;
      let m = -Infinity;
      for (let s = 0; s < M; s++) m = Math.max(m, z[zOff + a + s]);
      const e = Array.from({ length: M }, (_, s) => Math.exp(z[zOff + a + s] - m));
      const sum = e.reduce((x, y) => x + y, 0);
      let dot = 0;
      for (let s = 0; s < M; s++) dot += (e[s] / sum) * dF[dOff + a + s];
      for (let s = 0; s < M; s++) dz[dzOff + a + s] = (e[s] / sum) * (dF[dOff + a + s] - dot);
    }
  }
}

/**
 * Exploration normals of env e at iteration t (count of them) into out[offset..]: Philox key (seed, explorationNoise),
 * counters (e, t, 0, c) for c = 0, 1, ...; Box-Muller on words (0, 1) and (2, 3) of each gives 4 normals (the
 * letter's draws for its 7).
 */
export function worldExplorationNormalsInto(seed: number, env: number, t: number, count: number, out: Float64Array, offset: number): void {
  for (let c = 0; 4 * c < count; c++) {
    const w = philox4x32(env, t, 0, c, seed, Stream.explorationNoise);
    const [n0, n1] = normalPair(uniformFromU32(w[0]), uniformFromU32(w[1]));
    const [n2, n3] = normalPair(uniformFromU32(w[2]), uniformFromU32(w[3]));
    [n0, n1, n2, n3].forEach((n, k) => { if (4 * c + k < count) out[offset + 4 * c + k] = n; });
  }
}
