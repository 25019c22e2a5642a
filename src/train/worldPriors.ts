// The priors of LARA's pre-activations on a generalised world (float64): fixed functions of the observation added to
// the actor's output z, so that an untrained actor starts from a known heuristic and the network learns the departures
// from it. The f32 twins are lw_add_channel_prior and lw_add_share_prior in shaders/lib/lara_world.wgsl; docs/RECIPE.md
// "Priors" says why. Nothing is added at weight 0, so a run without priors is unchanged bit for bit.
import type { TrainConfig } from './config.js';
import type { World } from '../world/world.js';
import {
  groupOf, observedData, observedGain, observedLogGain, shareIndex, userLinks, worldGroupsFromObs, type WorldGroups, type WorldLaraLayout,
  type WorldObservationNorm,
} from './worldFeatures.js';

/** The two weights (TrainConfig.channelPrior, TrainConfig.sharePrior). */
export type WorldPriorWeights = Pick<TrainConfig, 'channelPrior' | 'sharePrior'>;

/** The offload fraction the share prior assumes for a comp user (the ratio head's value at z = 0). */
export const PRIOR_LAMBDA = 0.5;

/**
 * The channel prior added to z's association scores in place: for each active user and server m, weight ln g(m), with
 * g the user's gain to m recovered from the observation (comp: uplink, aigc: downlink, ve: uplink + downlink, as the
 * max-SNR rule ranks them). With the network's output 0 the scores' argmax is the strongest server. Nothing at weight
 * 0 or where the policy does not associate.
 */
export function addChannelPriorInto(wl: WorldLaraLayout, norm: WorldObservationNorm, obs: ArrayLike<number>, oOff: number, weight: number,
                                    z: Float64Array, zOff: number): void {
  if (weight === 0 || wl.z.association === null) return;
  const layout = wl.world, M = layout.servers;
  for (let i = 0; i < layout.users; i++) {
    if (wl.obs.active !== null && !(obs[oOff + i * wl.userStride + wl.obs.active] > 0.5)) continue;
    const links = userLinks(layout, i);
    for (let m = 0; m < M; m++) {
      // ln h of each link the user has, as the observation normalised it (worldObservationInto).
      const logs: number[] = [];
      for (const link of [0, 1] as const) if (links[link]) logs.push(observedLogGain(wl, norm, obs, oOff, i, link, m));
      const top = Math.max(...logs);
      const logGainSum = top + Math.log(logs.reduce((sum, x) => sum + Math.exp(x - top), 0));
      z[zOff + wl.z.association + i * M + m] += weight * logGainSum;
    }
  }
}

/**
 * The share prior added to z's share scores in place, for the groups in place: each active user's score of each
 * resource of its server m gets weight x 1/2 ln(work), the work being what the square-root rule of the optimum shares
 * by (MODEL.md "The optimum"): compute, the user's cycles (comp: PRIOR_LAMBDA^2 chi d; aigc and ve: the generation's
 * cycles of d and psi d); uplink, its bits over the spectral efficiency of the whole band, PRIOR_LAMBDA d (comp) or d
 * (ve) / log2(1 + P_user h_up B_off^-1 N0^-1); downlink and power, psi d (ve) or d (aigc) / log2(1 + P_m h_down
 * B_back^-1 N0^-1). The softmax of each group then shares in proportion to sqrt(work). Gains and data are recovered
 * from the observation. Nothing at weight 0.
 */
export function addSharePriorInto(world: World, wl: WorldLaraLayout, norm: WorldObservationNorm, obs: ArrayLike<number>, oOff: number,
                                  groups: WorldGroups, weight: number, z: Float64Array, zOff: number): void {
  if (weight === 0) return;
  const layout = wl.world, sc = world.scenario, N0 = sc.noiseWattsPerHz, chi = sc.cyclesPerBit;
  const generationCycles = (bits: number) => (sc.xi * chi * bits + sc.zeta) * sc.genUnitCycles;
  const add = (i: number, r: number, work: number) => { z[zOff + shareIndex(layout, i, r)] += weight * 0.5 * Math.log(work); };
  for (let i = 0; i < layout.users; i++) {
    if (!groups.active[i]) continue;
    const m = groups.server[i], server = world.servers[m], type = groupOf(layout, i);  // 0 comp, 1 ve, 2 aigc
    const d = observedData(wl, norm, obs, oOff, i);
    const [up, down] = userLinks(layout, i);
    add(i, 3, type === 0 ? PRIOR_LAMBDA * PRIOR_LAMBDA * chi * d : generationCycles(type === 1 ? sc.psi * d : d));
    if (up) {
      const snr = ((type === 0 ? sc.power.comp : sc.power.ve) * observedGain(wl, norm, obs, oOff, i, 0, m)) / (server.bandwidth.off * N0);
      add(i, 0, ((type === 0 ? PRIOR_LAMBDA : 1) * d) / Math.log2(1 + snr));
    }
    if (down) {
      const snr = (server.power * observedGain(wl, norm, obs, oOff, i, 1, m)) / (server.bandwidth.back * N0);
      const work = (type === 1 ? sc.psi * d : d) / Math.log2(1 + snr);
      add(i, 1, work);
      add(i, 2, work);
    }
  }
}

/**
 * Both priors of one row in place: the channel prior on the association scores, then (the groups now being the
 * scores' argmax or the rule's) the share prior on the share scores. Returns the groups.
 */
export function addWorldPriorsInto(world: World, wl: WorldLaraLayout, norm: WorldObservationNorm, obs: ArrayLike<number>, oOff: number,
                                   weights: WorldPriorWeights, z: Float64Array, zOff: number): WorldGroups {
  addChannelPriorInto(wl, norm, obs, oOff, weights.channelPrior, z, zOff);
  const groups = worldGroupsFromObs(wl, obs, oOff, z, zOff);
  addSharePriorInto(world, wl, norm, obs, oOff, groups, weights.sharePrior, z, zOff);
  return groups;
}
