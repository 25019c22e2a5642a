// The model critic on a generalised world (float64): Q(s, a) = the learning reward of the world's own latency, exact
// because slots are independent (gamma 0), and its gradient with respect to the actor's pre-activations z; the f32 twin
// is `lw_model_reward_gradient` in shaders/lib/lara_world.wgsl (the kernel shaders/lara_world_model_gradient.wgsl).
// docs/RECIPE.md "The model critic" describes it.
import { sigmoid } from './features.js';
import type { RewardKind } from './features.js';
import type { World } from '../world/world.js';
import {
  groupOf, groupSoftmax, shareGroups, shareIndex, userLinks, worldGroupsFromObs, type WorldGroups, type WorldLaraLayout,
  type WorldObservationNorm,
} from './worldFeatures.js';
import { ratioHead } from './features.js';

/** A user's channel gain on `link` (0 up, 1 down) to its server, recovered from the row's observation. */
function observedGain(wl: WorldLaraLayout, norm: WorldObservationNorm, obs: ArrayLike<number>, oOff: number, i: number, link: 0 | 1, server: number): number {
  const G = wl.gainsPerLink;
  const s = G > 1 ? server : 0;
  const k = (i * 2 + link) * G + s;
  return Math.exp(obs[oOff + i * wl.userStride + link * G + s] / norm.invScale[k] + norm.logMean[k]);
}

/** A user's data size (bits), recovered from the row's observation. */
function observedData(wl: WorldLaraLayout, norm: WorldObservationNorm, obs: ArrayLike<number>, oOff: number, i: number): number {
  const g = groupOf(wl.world, i);
  return norm.dataLow[g] + ((obs[oOff + i * wl.userStride + wl.obs.data] + 1) / 2) * norm.dataSpan[g];
}

/** Rate r = w B log2(1 + P h / (w B N0)) and its derivatives in the share w and the power P. */
export function rateWithGradient(w: number, P: number, h: number, B: number, N0: number): { r: number; dw: number; dP: number } {
  const x = (P * h) / (w * B * N0);
  const log2 = Math.log1p(x) / Math.LN2;
  const k = 1 / ((1 + x) * Math.LN2);
  return { r: w * B * log2, dw: B * (log2 - x * k), dP: (w * B * x * k) / P };
}

/** Latency of the head's action for `groups`, and (when dA is given) dL_total/d(action entries at z's offsets) into dA. */
function modelLatency(world: World, wl: WorldLaraLayout, norm: WorldObservationNorm, obs: ArrayLike<number>, oOff: number,
                      z: ArrayLike<number>, zOff: number, floor: number, groups: WorldGroups, dA: Float64Array | null) {
  const layout = wl.world, sc = world.scenario, N0 = sc.noiseWattsPerHz, chi = sc.cyclesPerBit;
  const g = shareGroups(layout, groups);
  // The action's shares (z's share offsets) and lambdas.
  const a = new Float64Array(wl.z.size);
  const soft = [0, 1, 2, 3].map((r) => g[r].map((members) => (members.length ? groupSoftmax(layout, members, r, z, zOff, floor) : null)));
  for (let r = 0; r < 4; r++) g[r].forEach((members, m) => members.forEach((i, k) => { a[shareIndex(layout, i, r)] = soft[r][m]!.floor + soft[r][m]!.span * soft[r][m]!.p[k]; }));
  for (let i = 0; i < layout.comp; i++) a[layout.action.lambda + i] = ratioHead(z[zOff + layout.action.lambda + i], floor);

  // Per user: its latency and dL/d(its action entries).
  const d_ = dA ?? new Float64Array(wl.z.size);
  let lTotal = 0;
  const cyclesOf = (bits: number) => (sc.xi * chi * bits + sc.zeta) * sc.genUnitCycles;
  for (let i = 0; i < layout.users; i++) {
    if (!groups.active[i]) continue;
    const m = groups.server[i], server = world.servers[m], d = observedData(wl, norm, obs, oOff, i);
    const type = groupOf(layout, i);
    const [up, down] = userLinks(layout, i);
    const iUp = shareIndex(layout, i, 0), iDown = shareIndex(layout, i, 1), iPower = shareIndex(layout, i, 2), iCompute = shareIndex(layout, i, 3);
    const c = a[iCompute];
    if (type === 0) {
      const iLambda = layout.action.lambda + i, lambda = a[iLambda];
      const R = rateWithGradient(a[iUp], sc.power.comp, observedGain(wl, norm, obs, oOff, i, 0, m), server.bandwidth.off, N0);
      const local = ((1 - lambda) * chi * d) / sc.fLocal;
      const offUp = (lambda * d) / R.r, offCompute = (lambda * chi * d) / (c * server.fEs);
      if (local >= offUp + offCompute) {
        lTotal += local;
        d_[iLambda] += (-chi * d) / sc.fLocal;
      } else {
        lTotal += offUp + offCompute;
        d_[iLambda] += d / R.r + (chi * d) / (c * server.fEs);
        d_[iUp] += (-offUp / R.r) * R.dw;
        d_[iCompute] += -offCompute / c;
      }
      continue;
    }
    // aigc: G(d, w) + d / r_down; ve: d / r_up + G(psi d, w) + psi d / r_down.
    const bitsDown = type === 1 ? sc.psi * d : d;
    const gen = cyclesOf(bitsDown) / (c * server.fEs);
    lTotal += gen;
    d_[iCompute] += -gen / c;
    if (up) {
      const R = rateWithGradient(a[iUp], sc.power.ve, observedGain(wl, norm, obs, oOff, i, 0, m), server.bandwidth.off, N0);
      lTotal += d / R.r;
      d_[iUp] += (-d / (R.r * R.r)) * R.dw;
    }
    if (down) {
      const p = a[iPower];
      const R = rateWithGradient(a[iDown], p * server.power, observedGain(wl, norm, obs, oOff, i, 1, m), server.bandwidth.back, N0);
      const t = bitsDown / R.r;
      lTotal += t;
      d_[iDown] += (-t / R.r) * R.dw;
      d_[iPower] += (-t / R.r) * R.dP * server.power;
    }
  }
  return { lTotal, groupsByResource: g, soft };
}

/**
 * Learning reward of the row's action under the world's latency, and the actor's ascent direction into dz[dzOff ..]
 * (z.size entries). The state's gains, data and activity are recovered from the observation (it inverts exactly up to
 * its normalisation); the action is the head of z for the row's groups.
 * - Shares and lambdas: dReward/dz through each user's latency (a comp user's max of local and offloaded time takes the
 *   larger branch), the reward transform and the head (per group softmax, ratio sigmoid).
 * - Association scores (where the policy associates): each active user's best response, the server that gives the
 *   lowest L_total when that user alone moves there (the head's shares for the moved groups; ties: its server now),
 *   is a label; the direction is that of the cross-entropy, onehot(best) - softmax(scores).
 */
export function worldModelRewardGradientInto(world: World, wl: WorldLaraLayout, norm: WorldObservationNorm, obs: ArrayLike<number>, oOff: number,
                                            z: ArrayLike<number>, zOff: number, floor: number, reward: RewardKind,
                                            dz: Float64Array, dzOff: number): { reward: number; lTotal: number } {
  const layout = wl.world;
  const groups: WorldGroups = worldGroupsFromObs(wl, obs, oOff, z, zOff);
  const dA = new Float64Array(wl.z.size);
  const { lTotal, groupsByResource: g, soft } = modelLatency(world, wl, norm, obs, oOff, z, zOff, floor, groups, dA);
  const r = reward === 'log' ? -Math.log(lTotal) : -lTotal;
  const dL = reward === 'log' ? -1 / lTotal : -1;

  // Through the head: dz_j = span p_j (g_j - sum_k p_k g_k) per group; lambda: (1 - 2 floor) s (1 - s).
  dz.fill(0, dzOff, dzOff + wl.z.size);
  for (let res = 0; res < 4; res++) {
    g[res].forEach((members, m) => {
      const s = soft[res][m];
      if (!s) return;
      let dot = 0;
      members.forEach((i, k) => { dot += s.p[k] * dA[shareIndex(layout, i, res)]; });
      members.forEach((i, k) => { dz[dzOff + shareIndex(layout, i, res)] = dL * s.span * s.p[k] * (dA[shareIndex(layout, i, res)] - dot); });
    });
  }
  for (let i = 0; i < layout.comp; i++) {
    if (!groups.active[i]) continue;
    const j = layout.action.lambda + i, sg = sigmoid(z[zOff + j]);
    dz[dzOff + j] = dL * (1 - 2 * floor) * sg * (1 - sg) * dA[j];
  }
  if (wl.z.association !== null) {
    const M = layout.servers;
    const moved: WorldGroups = { server: groups.server.slice(), active: groups.active };
    for (let i = 0; i < layout.users; i++) {
      if (!groups.active[i]) continue;
      const now = groups.server[i];
      let best = now, bestL = lTotal;
      for (let m = 0; m < M; m++) {
        if (m === now) continue;
        moved.server[i] = m;
        const l = modelLatency(world, wl, norm, obs, oOff, z, zOff, floor, moved, null).lTotal;
        if (l < bestL) { best = m; bestL = l; }
      }
      moved.server[i] = now;
      const a = zOff + wl.z.association + i * M;
      let top = -Infinity;
      for (let m = 0; m < M; m++) top = Math.max(top, z[a + m]);
      let sum = 0;
      for (let m = 0; m < M; m++) sum += Math.exp(z[a + m] - top);
      for (let m = 0; m < M; m++) dz[dzOff + wl.z.association + i * M + m] = (m === best ? 1 : 0) - Math.exp(z[a + m] - top) / sum;
    }
  }
  return { reward: r, lTotal };
}
