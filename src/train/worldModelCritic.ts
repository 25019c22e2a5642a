// The model critic on a generalised world (float64): Q(s, a) = the learning reward of the world's own latency, exact
// because slots are independent (gamma 0), and its gradient with respect to the actor's pre-activations z; the f32 twin
// is `lw_model_reward_gradient` in shaders/lib/lara_world.wgsl (the kernel shaders/lara_world_model_gradient.wgsl).
// docs/RECIPE.md "The model critic" describes it.
import { sigmoid } from './features.js';
import type { RewardKind } from './features.js';
import type { World } from '../world/world.js';
import {
  groupOf, groupSoftmax, observedData, observedGain, shareIndex, userLinks, worldGroupsFromObs, type WorldGroups,
  type WorldLaraLayout, type WorldObservationNorm,
} from './worldFeatures.js';
import { ratioHead } from './features.js';

/** Rate r = w B log2(1 + P h / (w B N0)) and its derivatives in the share w and the power P. */
export function rateWithGradient(w: number, P: number, h: number, B: number, N0: number): { r: number; dw: number; dP: number } {
  const x = (P * h) / (w * B * N0);
  const log2 = Math.log1p(x) / Math.LN2;
  const k = 1 / ((1 + x) * Math.LN2);
  return { r: w * B * log2, dw: B * (log2 - x * k), dP: (w * B * x * k) / P };
}

/** What every server's latency of one row needs: the world, the row's observation and pre-activations. */
interface ModelRow {
  world: World; wl: WorldLaraLayout; norm: WorldObservationNorm; obs: ArrayLike<number>; oOff: number;
  z: ArrayLike<number>; zOff: number; floor: number;
  /** Scratch: the action's entries at z's offsets. */
  a: Float64Array;
}

/** One (resource, server) group's softmax of the head: its members, their probabilities and the span. */
interface GroupSoftmax { r: number; group: number[]; p: number[]; span: number }

/**
 * Latency sum of one server's users `members` (active users on server m) under the head's shares for that group of
 * users, and (when dA is given) dL/d(their action entries at z's offsets) added into dA; each group's softmax is
 * pushed onto `softmaxes` when given (the head's VJP reuses them). Moving a user between two
 * servers changes only those two servers' sums, which is what makes a best response cost O(users) per move.
 */
function serverLatency(row: ModelRow, m: number, members: readonly number[], dA: Float64Array | null, softmaxes?: GroupSoftmax[]): number {
  const { world, wl, norm, obs, oOff, z, zOff, floor, a } = row;
  const layout = wl.world, sc = world.scenario, N0 = sc.noiseWattsPerHz, chi = sc.cyclesPerBit, server = world.servers[m];
  for (let r = 0; r < 4; r++) {
    const group = members.filter((i) => shareIndex(layout, i, r) >= 0);
    if (group.length === 0) continue;
    const s = groupSoftmax(layout, group, r, z, zOff, floor);
    group.forEach((i, k) => { a[shareIndex(layout, i, r)] = s.floor + s.span * s.p[k]; });
    softmaxes?.push({ r, group, p: s.p, span: s.span });
  }
  let sum = 0;
  const cyclesOf = (bits: number) => (sc.xi * chi * bits + sc.zeta) * sc.genUnitCycles;
  const dA_ = dA ?? a.subarray(0, 0);
  const add = (j: number, x: number) => { if (dA) dA_[j] += x; };
  for (const i of members) {
    const d = observedData(wl, norm, obs, oOff, i);
    const type = groupOf(layout, i);
    const [up, down] = userLinks(layout, i);
    const iUp = shareIndex(layout, i, 0), iDown = shareIndex(layout, i, 1), iPower = shareIndex(layout, i, 2), iCompute = shareIndex(layout, i, 3);
    const c = a[iCompute];
    if (type === 0) {
      // comp: max((1 - lambda) chi d / f_local, lambda d / r_up + lambda chi d / (w f_ES)).
      const iLambda = layout.action.lambda + i, lambda = ratioHead(z[zOff + iLambda], floor);
      const R = rateWithGradient(a[iUp], sc.power.comp, observedGain(wl, norm, obs, oOff, i, 0, m), server.bandwidth.off, N0);
      const local = ((1 - lambda) * chi * d) / sc.fLocal;
      const offUp = (lambda * d) / R.r, offCompute = (lambda * chi * d) / (c * server.fEs);
      if (local >= offUp + offCompute) {
        sum += local;
        add(iLambda, (-chi * d) / sc.fLocal);
      } else {
        sum += offUp + offCompute;
        add(iLambda, d / R.r + (chi * d) / (c * server.fEs));
        add(iUp, (-offUp / R.r) * R.dw);
        add(iCompute, -offCompute / c);
      }
      continue;
    }
    // aigc: G(d, w) + d / r_down; ve: d / r_up + G(psi d, w) + psi d / r_down.
    const bitsDown = type === 1 ? sc.psi * d : d;
    const gen = cyclesOf(bitsDown) / (c * server.fEs);
    sum += gen;
    add(iCompute, -gen / c);
    if (up) {
      const R = rateWithGradient(a[iUp], sc.power.ve, observedGain(wl, norm, obs, oOff, i, 0, m), server.bandwidth.off, N0);
      sum += d / R.r;
      add(iUp, (-d / (R.r * R.r)) * R.dw);
    }
    if (down) {
      const R = rateWithGradient(a[iDown], a[iPower] * server.power, observedGain(wl, norm, obs, oOff, i, 1, m), server.bandwidth.back, N0);
      const t = bitsDown / R.r;
      sum += t;
      add(iDown, (-t / R.r) * R.dw);
      add(iPower, (-t / R.r) * R.dP * server.power);
    }
  }
  return sum;
}

/**
 * The labels of a row's association scores, under the head's shares of z: each active user's best response, the
 * server that gives the lowest L_total when that user alone moves there (ties: its server now), or -1 for no label.
 * With `moves` > 0 only the `moves` users whose best response lowers L_total most keep a move as their label (ties:
 * the lower index); the other movers get -1, users whose best response is to stay keep it.
 */
function associationLabels(row: ModelRow, groups: WorldGroups, members: number[][], perServer: number[], lTotal: number, moves: number): Int32Array {
  const layout = row.wl.world, M = layout.servers;
  const label = Int32Array.from(groups.server, (m, i) => (groups.active[i] ? m : -1));
  const gain = new Float64Array(layout.users);
  for (let i = 0; i < layout.users; i++) {
    if (!groups.active[i]) continue;
    const now = groups.server[i];
    const without = serverLatency(row, now, members[now].filter((j) => j !== i), null) - perServer[now];
    let bestL = lTotal;
    for (let m = 0; m < M; m++) {
      if (m === now) continue;
      const l = lTotal + without + serverLatency(row, m, [...members[m], i], null) - perServer[m];
      if (l < bestL) { label[i] = m; bestL = l; }
    }
    gain[i] = lTotal - bestL;
  }
  if (moves > 0) {
    const movers = [...label.keys()].filter((i) => groups.active[i] && label[i] !== groups.server[i]);
    movers.sort((a, b) => gain[b] - gain[a] || a - b);
    for (const i of movers.slice(moves)) label[i] = -1;
  }
  return label;
}

/**
 * Learning reward of the row's action under the world's latency, and the actor's ascent direction into dz[dzOff ..]
 * (z.size entries). The state's gains, data and activity are recovered from the observation (it inverts exactly up to
 * its normalisation); the action is the head of z for the row's groups.
 * - Shares and lambdas: dReward/dz through each user's latency (a comp user's max of local and offloaded time takes the
 *   larger branch), the reward transform and the head (per group softmax, ratio sigmoid).
 * - Association scores (where the policy associates): each active user's best response under the head's shares
 *   (associationLabels; with `moves` > 0 only the `moves` most helpful moves) is its label; the direction is that of
 *   the cross-entropy, onehot(label) - softmax(scores); a user without a label gets 0.
 */
export function worldModelRewardGradientInto(world: World, wl: WorldLaraLayout, norm: WorldObservationNorm, obs: ArrayLike<number>, oOff: number,
                                            z: ArrayLike<number>, zOff: number, floor: number, reward: RewardKind,
                                            dz: Float64Array, dzOff: number, moves = 0): { reward: number; lTotal: number } {
  const layout = wl.world, M = layout.servers;
  const groups: WorldGroups = worldGroupsFromObs(wl, obs, oOff, z, zOff);
  const row: ModelRow = { world, wl, norm, obs, oOff, z, zOff, floor, a: new Float64Array(wl.z.size) };
  const members: number[][] = Array.from({ length: M }, () => []);
  for (let i = 0; i < layout.users; i++) if (groups.active[i]) members[groups.server[i]].push(i);
  const dA = new Float64Array(wl.z.size);
  const softmaxes: GroupSoftmax[] = [];
  const perServer = members.map((users, m) => serverLatency(row, m, users, dA, softmaxes));
  const lTotal = perServer.reduce((x, y) => x + y, 0);
  const r = reward === 'log' ? -Math.log(lTotal) : -lTotal;
  const dL = reward === 'log' ? -1 / lTotal : -1;

  // Through the head: dz_j = span p_j (g_j - sum_k p_k g_k) per group; lambda: (1 - 2 floor) s (1 - s).
  dz.fill(0, dzOff, dzOff + wl.z.size);
  for (const { r: res, group, p, span } of softmaxes) {
    let dot = 0;
    group.forEach((i, k) => { dot += p[k] * dA[shareIndex(layout, i, res)]; });
    group.forEach((i, k) => { dz[dzOff + shareIndex(layout, i, res)] = dL * span * p[k] * (dA[shareIndex(layout, i, res)] - dot); });
  }
  for (let i = 0; i < layout.comp; i++) {
    if (!groups.active[i]) continue;
    const j = layout.action.lambda + i, sg = sigmoid(z[zOff + j]);
    dz[dzOff + j] = dL * (1 - 2 * floor) * sg * (1 - sg) * dA[j];
  }
  if (wl.z.association !== null) {
    const label = associationLabels(row, groups, members, perServer, lTotal, moves);
    for (let i = 0; i < layout.users; i++) {
      if (label[i] < 0) continue;
      const a = zOff + wl.z.association + i * M;
      let top = -Infinity;
      for (let m = 0; m < M; m++) top = Math.max(top, z[a + m]);
      let sum = 0;
      for (let m = 0; m < M; m++) sum += Math.exp(z[a + m] - top);
      for (let m = 0; m < M; m++) dz[dzOff + wl.z.association + i * M + m] = (m === label[i] ? 1 : 0) - Math.exp(z[a + m] - top) / sum;
    }
  }
  return { reward: r, lTotal };
}
