// LARA's shared pieces (float64): observation normalisation, action head, critic action features, their derivatives,
// schedules, learning reward and the RNG draws of the trainer; shaders/lib/lara.wgsl holds the f32 twins.
import { philox4x32, normalPair, uniformFromU32 } from '../rng/philox.js';
import { Stream } from '../rng/streams.js';
import { ACTION_SIZE, OBSERVATION_NORM_STRUCT, OBSERVATION_SIZE } from './layout.js';

/** The scenario fields the observation depends on (a structural subset of src/scenario.ts's Scenario). */
export interface ObservationScenario {
  distance: { comp: number; aigc: number; ve: number };
  channel: { g0: number; pathLossExponent: number };
  data: { comp: readonly [number, number] | number[]; ve: readonly [number, number] | number[]; aigc: readonly [number, number] | number[] };
}

export { ACTION_SIZE, OBSERVATION_SIZE } from './layout.js';

/** Number of ratio entries (alpha_off, alpha_back, beta, lambda); the last three action entries are the omegas. */
export const RATIO_COUNT = 4;

/**
 * Scale of the channel observations: obs = CHANNEL_SCALE * (ln h - ln(mean path gain)). With Rician K = 10 the
 * fading term ln|x|^2 has a standard deviation of about 0.44, so the scale of 2 brings it near 1.
 */
export const CHANNEL_SCALE = 2;

/**
 * Normalisation constants of the observation, the same numbers the GPU gets (see `observationNormParams`):
 * obs[k] = channelScale * (ln h_k - logMeanGain[k]) for the four channels (h_comp_off, h_aigc_back, h_ve_off,
 * h_ve_back), obs[4 + i] = 2 * (d_i - dataLow[i]) / dataSpan[i] - 1 for (d_comp, d_ve, d_aigc).
 */
export interface ObservationNorm {
  /** ln(g0 * distance^-exponent) of each channel: the log of its mean gain (E|x|^2 = 1). */
  logMeanGain: [number, number, number, number];
  dataLow: [number, number, number];
  /** high - low of each data interval; a zero span (a fixed size) maps the size to 0. */
  dataSpan: [number, number, number];
  channelScale: number;
}

export function observationNorm(scenario: ObservationScenario): ObservationNorm {
  const { g0, pathLossExponent } = scenario.channel;
  const logGain = (distance: number) => Math.log(g0) - pathLossExponent * Math.log(distance);
  const d = scenario.distance;
  const intervals = [scenario.data.comp, scenario.data.ve, scenario.data.aigc];
  return {
    logMeanGain: [logGain(d.comp), logGain(d.aigc), logGain(d.ve), logGain(d.ve)],
    dataLow: intervals.map((r) => r[0]) as [number, number, number],
    dataSpan: intervals.map((r) => r[1] - r[0]) as [number, number, number],
    channelScale: CHANNEL_SCALE,
  };
}

/** `struct LaraObservationNorm` of shaders/lib/lara.wgsl (OBSERVATION_NORM_STRUCT) as 16 f32 (64 bytes). */
export function observationNormParams(norm: ObservationNorm): Float32Array {
  return new Float32Array(OBSERVATION_NORM_STRUCT.pack(norm));
}

/** Smallest channel gain that enters the log (a zero gain would give -infinity). */
const MIN_GAIN = 1e-30;

/** obs (7) of one state (7, MODEL.md order) into out[outOffset..+7]. state: (7) at stateOffset. */
export function observationInto(norm: ObservationNorm, state: ArrayLike<number>, stateOffset: number, out: Float64Array, outOffset: number): void {
  for (let k = 0; k < 4; k++) {
    out[outOffset + k] = norm.channelScale * (Math.log(Math.max(state[stateOffset + k], MIN_GAIN)) - norm.logMeanGain[k]);
  }
  for (let i = 0; i < 3; i++) {
    const span = norm.dataSpan[i];
    out[outOffset + 4 + i] = span > 0 ? (2 * (state[stateOffset + 4 + i] - norm.dataLow[i])) / span - 1 : 0;
  }
}

/** Normalised observation (7) of one state (7). */
export function observation(scenario: ObservationScenario | ObservationNorm, state: ArrayLike<number>): Float64Array {
  const norm = 'logMeanGain' in scenario ? scenario : observationNorm(scenario);
  const out = new Float64Array(OBSERVATION_SIZE);
  observationInto(norm, state, 0, out, 0);
  return out;
}

/** Logistic sigmoid without overflow for any finite x. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/**
 * One ratio of the action head: floor + (1 - 2 floor) sigmoid(z), each side from its own end, so that a saturated
 * sigmoid lands exactly on floor or 1 - floor (the letter's four ratios, a world's lambdas).
 */
export function ratioHead(z: number, floor: number): number {
  const ratioSpan = 1 - 2 * floor;
  return z >= 0 ? (1 - floor) - ratioSpan * sigmoid(-z) : floor + ratioSpan * sigmoid(z);
}

/**
 * Action head: pre-activations z (7) -> feasible action (7).
 * ratios a_i = floor + (1 - 2 floor) * sigmoid(z_i), i < 4; omega = floor + (1 - 3 floor) * softmax(z_4..6).
 * Every ratio lies in [floor, 1 - floor] and the omegas sum to 1 (up to rounding).
 */
export function actionHeadInto(z: ArrayLike<number>, zOffset: number, floor: number, action: Float64Array, actionOffset: number): void {
  for (let i = 0; i < RATIO_COUNT; i++) action[actionOffset + i] = ratioHead(z[zOffset + i], floor);
  const z4 = z[zOffset + 4], z5 = z[zOffset + 5], z6 = z[zOffset + 6];
  const m = Math.max(z4, z5, z6);
  const e4 = Math.exp(z4 - m), e5 = Math.exp(z5 - m), e6 = Math.exp(z6 - m);
  const omegaSpan = (1 - 3 * floor) / (e4 + e5 + e6);
  action[actionOffset + 4] = floor + omegaSpan * e4;
  action[actionOffset + 5] = floor + omegaSpan * e5;
  action[actionOffset + 6] = floor + omegaSpan * e6;
}

export function actionHead(z: ArrayLike<number>, floor: number): Float64Array {
  const out = new Float64Array(ACTION_SIZE);
  actionHeadInto(z, 0, floor, out, 0);
  return out;
}

/**
 * Critic action features from the pre-activations z (7): the log-share coordinates of the action head(z).
 * Ratios: logit((a_i - floor) / (1 - 2 floor)) = z_i exactly (taken as z_i, which stays exact where the sigmoid
 * saturates). Omegas: the centred log ln(w_i) - mean_j ln(w_j) of w = head(z)'s omegas (with the floor).
 */
export function criticFeaturesFromPreInto(z: ArrayLike<number>, zOffset: number, floor: number, out: Float64Array, outOffset: number): void {
  for (let i = 0; i < RATIO_COUNT; i++) out[outOffset + i] = z[zOffset + i];
  const z4 = z[zOffset + 4], z5 = z[zOffset + 5], z6 = z[zOffset + 6];
  const m = Math.max(z4, z5, z6);
  const e4 = Math.exp(z4 - m), e5 = Math.exp(z5 - m), e6 = Math.exp(z6 - m);
  const omegaSpan = (1 - 3 * floor) / (e4 + e5 + e6);
  let l4: number, l5: number, l6: number;
  if (floor > 0) {
    l4 = Math.log(floor + omegaSpan * e4); l5 = Math.log(floor + omegaSpan * e5); l6 = Math.log(floor + omegaSpan * e6);
  } else {
    // ln softmax_i = (z_i - m) - ln(sum): exact even where a share underflows to 0.
    const logSum = Math.log(e4 + e5 + e6);
    l4 = z4 - m - logSum; l5 = z5 - m - logSum; l6 = z6 - m - logSum;
  }
  const mean = (l4 + l5 + l6) / 3;
  out[outOffset + 4] = l4 - mean;
  out[outOffset + 5] = l5 - mean;
  out[outOffset + 6] = l6 - mean;
}

export function criticFeaturesFromPre(z: ArrayLike<number>, floor: number): Float64Array {
  const out = new Float64Array(ACTION_SIZE);
  criticFeaturesFromPreInto(z, 0, floor, out, 0);
  return out;
}

/** Bound of the features computed from an action, where a share sits exactly on its floor (logit = +-infinity). */
export const FEATURE_CLAMP = 30;

/**
 * Critic action features of a feasible action (7) (for actions that do not come from the head, e.g. a policy file):
 * logit((a_i - floor) / (1 - 2 floor)) for the ratios (clamped to +-FEATURE_CLAMP), and ln(w_i) - mean_j ln(w_j)
 * for the omegas. For a = head(z) this equals criticFeaturesFromPre(z) up to rounding.
 */
export function criticActionFeatures(action: ArrayLike<number>, floor: number): Float64Array {
  const out = new Float64Array(ACTION_SIZE);
  const ratioSpan = 1 - 2 * floor;
  for (let i = 0; i < RATIO_COUNT; i++) {
    const p = (action[i] - floor) / ratioSpan;
    const logit = Math.log(p) - Math.log(1 - p);
    out[i] = Math.min(FEATURE_CLAMP, Math.max(-FEATURE_CLAMP, Number.isNaN(logit) ? 0 : logit));
  }
  const tiny = Math.exp(-FEATURE_CLAMP);
  const l = [4, 5, 6].map((i) => Math.log(Math.max(action[i], tiny)));
  const mean = (l[0] + l[1] + l[2]) / 3;
  for (let i = 0; i < 3; i++) out[4 + i] = l[i] - mean;
  return out;
}

/**
 * Vector-Jacobian product of criticFeaturesFromPre: given dL/dfeatures (7), writes dL/dz (7).
 * Ratios: d feat_i / d z_i = 1. Omegas (p = softmax(z_4..6), w = floor + (1 - 3 floor) p, g = dfeat - mean(dfeat)):
 * dz_k = (1 - 3 floor) * (c_k - p_k * sum_i c_i), c_i = g_i * p_i / w_i.
 */
export function criticFeaturesVjpInto(
  z: ArrayLike<number>, zOffset: number, floor: number,
  dFeatures: ArrayLike<number>, dOffset: number, dz: Float64Array, dzOffset: number,
): void {
  for (let i = 0; i < RATIO_COUNT; i++) dz[dzOffset + i] = dFeatures[dOffset + i];
  const z4 = z[zOffset + 4], z5 = z[zOffset + 5], z6 = z[zOffset + 6];
  const m = Math.max(z4, z5, z6);
  const e4 = Math.exp(z4 - m), e5 = Math.exp(z5 - m), e6 = Math.exp(z6 - m);
  const sum = e4 + e5 + e6;
  const p4 = e4 / sum, p5 = e5 / sum, p6 = e6 / sum;
  const omegaSpan = 1 - 3 * floor;
  const g4 = dFeatures[dOffset + 4], g5 = dFeatures[dOffset + 5], g6 = dFeatures[dOffset + 6];
  const gMean = (g4 + g5 + g6) / 3;
  // p / w = 1 / (floor / p + omegaSpan): finite even where p underflows to 0 (and 1 when floor = 0).
  const c4 = (g4 - gMean) / ((floor > 0 ? floor / p4 : 0) + omegaSpan);
  const c5 = (g5 - gMean) / ((floor > 0 ? floor / p5 : 0) + omegaSpan);
  const c6 = (g6 - gMean) / ((floor > 0 ? floor / p6 : 0) + omegaSpan);
  const cSum = c4 + c5 + c6;
  dz[dzOffset + 4] = omegaSpan * (c4 - p4 * cSum);
  dz[dzOffset + 5] = omegaSpan * (c5 - p5 * cSum);
  dz[dzOffset + 6] = omegaSpan * (c6 - p6 * cSum);
}

export function criticFeaturesVjp(z: ArrayLike<number>, floor: number, dFeatures: ArrayLike<number>): Float64Array {
  const out = new Float64Array(ACTION_SIZE);
  criticFeaturesVjpInto(z, 0, floor, dFeatures, 0, out, 0);
  return out;
}

/**
 * Vector-Jacobian product of the action head (for gradients through the action itself, e.g. a latency gradient):
 * dz_i = (1 - 2 floor) s_i (1 - s_i) da_i for the ratios, dz_k = (1 - 3 floor) p_k (da_k - sum_j p_j da_j) for omegas.
 */
export function actionHeadVjp(z: ArrayLike<number>, floor: number, dAction: ArrayLike<number>): Float64Array {
  const out = new Float64Array(ACTION_SIZE);
  for (let i = 0; i < RATIO_COUNT; i++) {
    const s = sigmoid(z[i]);
    out[i] = (1 - 2 * floor) * s * (1 - s) * dAction[i];
  }
  const m = Math.max(z[4], z[5], z[6]);
  const e = [Math.exp(z[4] - m), Math.exp(z[5] - m), Math.exp(z[6] - m)];
  const sum = e[0] + e[1] + e[2];
  const p = e.map((x) => x / sum);
  const dot = p[0] * dAction[4] + p[1] * dAction[5] + p[2] * dAction[6];
  for (let k = 0; k < 3; k++) out[4 + k] = (1 - 3 * floor) * p[k] * (dAction[4 + k] - dot);
  return out;
}

/** Cosine schedule from `start` (t = 0) to `end` (t = total - 1). */
export function cosineSchedule(start: number, end: number, t: number, total: number): number {
  const progress = total > 1 ? Math.min(1, t / (total - 1)) : 1;
  return end + (start - end) * 0.5 * (1 + Math.cos(Math.PI * progress));
}

/** The config fields the schedules read. */
export interface ScheduleConfig { iterations: number; noiseStart: number; noiseEnd: number; lrDecay: number }

/** Exploration noise scale sigma_t at iteration t: cosine from noiseStart to noiseEnd over the iterations. */
export function noiseScale(config: ScheduleConfig, t: number): number {
  return cosineSchedule(config.noiseStart, config.noiseEnd, t, config.iterations);
}

/** Adam learning rate at iteration t: cosine from base to base * lrDecay over the iterations. */
export function learningRate(config: ScheduleConfig, t: number, base: number): number {
  return cosineSchedule(base, base * config.lrDecay, t, config.iterations);
}

export type RewardKind = 'log' | 'linear';

/** Reward used for learning from the true total latency: -ln(L_total) ('log') or -L_total ('linear'). */
export function learningReward(lTotal: number, kind: RewardKind): number {
  return kind === 'log' ? -Math.log(lTotal) : -lTotal;
}

/** High 32 bits of the 64-bit product of two u32 (exact: every partial product stays below 2^53). */
export function mulhiU32(a: number, b: number): number {
  a >>>= 0; b >>>= 0;
  const a0 = a & 0xffff, a1 = a >>> 16, b0 = b & 0xffff, b1 = b >>> 16;
  const t = a1 * b0 + ((a0 * b0) >>> 16);
  const w1 = (t & 0xffff) + a0 * b1;
  return (a1 * b1 + Math.floor(t / 65536) + Math.floor(w1 / 65536)) >>> 0;
}

/**
 * Exploration normals of env e at iteration t into out[offset..+7]: Philox key (seed, Stream.explorationNoise),
 * counters (e, t, 0, 0) and (e, t, 0, 1); Box-Muller on words (0, 1), (2, 3) of each gives 8 normals, the first 7 used.
 */
export function explorationNormalsInto(seed: number, env: number, t: number, out: Float64Array, offset: number): void {
  for (let call = 0; call < 2; call++) {
    const w = philox4x32(env, t, 0, call, seed, Stream.explorationNoise);
    const [n0, n1] = normalPair(uniformFromU32(w[0]), uniformFromU32(w[1]));
    const [n2, n3] = normalPair(uniformFromU32(w[2]), uniformFromU32(w[3]));
    const base = offset + 4 * call;
    out[base] = n0; out[base + 1] = n1; out[base + 2] = n2;
    if (call === 0) out[base + 3] = n3;
  }
}

/**
 * Minibatch row indices of update u at iteration t: Philox key (seed, Stream.minibatch), counter (t, u, k >> 2, 0),
 * word k & 3 -> index = mulhi(word, filled) = floor(word * filled / 2^32), uniform over [0, filled).
 */
export function minibatchIndicesInto(seed: number, t: number, u: number, filled: number, out: Uint32Array): void {
  let w: [number, number, number, number] = [0, 0, 0, 0];
  for (let k = 0; k < out.length; k++) {
    if ((k & 3) === 0) w = philox4x32(t, u, k >>> 2, 0, seed, Stream.minibatch);
    out[k] = mulhiU32(w[k & 3], filled);
  }
}
