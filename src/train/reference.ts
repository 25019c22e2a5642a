// CPU reference of the LARA trainer (DDPG, float64), CleanRL-like and readable top to bottom; the GPU trainer matches it.
// Over 300 lines: one class, one step() and one update() to read in one go, as CleanRL's single-file DDPG.
import { initMlp } from '../nn/init.js';
import { mlpLayout } from '../nn/layout.js';
import { linearBackwardInput } from '../nn/reference/linear.js';
import { adam, mlpBackward, mlpForward, mseLossBackward, softUpdate, type MlpCache } from '../nn/reference/mlp.js';
import { adamHyper } from '../nn/adamHyper.js';
import { Stream } from '../rng/streams.js';
import type { Scenario } from '../scenario.js';
import type { TrainConfig } from './config.js';
import type { TrainerSnapshot } from './checkpointFormat.js';
import { deriveRun, type DerivedRun } from './derive.js';
import { learningReward, minibatchIndicesInto, observationNorm, type ObservationNorm } from './features.js';
import { laraShapeOf } from './shape.js';
import { trainerOps, type TrainerOps } from './trainerOps.js';

/** What training measures: the acting actions' true reward and latencies, and the update losses. */
export interface TrainingMeasures {
  /** True reward -L_total of the acting (noisy) actions. */
  reward: number;
  lComp: number;
  lAigc: number;
  lVe: number;
  lTotal: number;
  /** NaN when no update ran (replay still below one batch). */
  criticLoss: number;
  actorLoss: number;
}

/**
 * What one iteration measured: the acting actions' true latencies (means over envs) and the update losses (means over
 * this iteration's updates).
 */
export interface IterationMetrics extends TrainingMeasures {
  /** The iteration (slot) just run, 0-based. */
  iteration: number;
  /** Gradient updates run in this iteration (0 or updatesPerIteration). */
  updates: number;
}

/** Optional starting weights (targets default to copies of actor and critic). */
export interface InitialWeights {
  actor?: ArrayLike<number>;
  critic?: ArrayLike<number>;
  actorTarget?: ArrayLike<number>;
  criticTarget?: ArrayLike<number>;
}

/** One network with its Adam state. */
interface Network {
  sizes: number[];
  params: Float64Array;
  target: Float64Array;
  m: Float64Array;
  v: Float64Array;
  /** Adam updates applied so far. */
  step: number;
}

function makeNetwork(sizes: number[], init: Float64Array, target?: ArrayLike<number>): Network {
  const count = mlpLayout(sizes).parameterCount;
  const check = (what: string, a: ArrayLike<number>) => {
    if (a.length !== count) throw new RangeError(`${what} has ${a.length} parameters, the network [${sizes.join(', ')}] needs ${count}`);
  };
  check('initial weights', init);
  if (target) check('initial target weights', target);
  return {
    sizes, params: init, target: target ? Float64Array.from(target) : Float64Array.from(init),
    m: new Float64Array(count), v: new Float64Array(count), step: 0,
  };
}

/** Gradient of sum(dOutput * output) with respect to the MLP's input only (the parameters are not touched). */
function mlpInputGradient(params: Float64Array, sizes: number[], cache: MlpCache, dOutput: Float64Array, batch: number): Float64Array {
  const { layers } = mlpLayout(sizes);
  let dy: Float64Array = dOutput;
  for (let l = layers.length - 1; l >= 0; l--) {
    const layer = layers[l];
    dy = linearBackwardInput(params, layer.weightOffset, dy, batch, layer.inputs, layer.outputs, l === 0 ? null : cache.activations[l - 1]);
  }
  return dy;
}

/**
 * DDPG on the MEGC environment (docs/RECIPE.md). Per iteration t, every env e in [0, envs) steps slot t:
 *   1. s = sampleState(seed, trainStates, e, t), obs = observation(s)
 *   2. z = actor(obs) (z = 0 during warm-up) + sigma_t n, n from (seed, explorationNoise) counter (e, t, 0, 0..1);
 *      action = head(z)
 *   3. L = latency(s, action), r = -ln L_total (or -L_total)
 *   4. ring row (t envs + e) mod C <- obs | features(z) | r | obs(s at t + 1)
 *   5. updatesPerIteration times, once the ring holds a batch: minibatch from (seed, minibatch) counter (t, u, k >> 2, 0),
 *      critic step on (Q - y)^2 with y = r + gamma Q'(obs', features(mu'(obs'))), actor step on -mean Q(obs,
 *      features(mu(obs))), soft update of both targets.
 */
export class ReferenceTrainer {
  readonly scenario: Scenario;
  readonly config: TrainConfig;
  /** Derived sizes and the per-iteration schedule (derive.ts), shared with the GPU trainer. */
  readonly derived: DerivedRun;
  readonly norm: ObservationNorm;
  /** The world's per-row work (sampling, observation, head, latencies, features): trainerOps.ts. */
  readonly ops: TrainerOps;
  readonly actorSizes: number[];
  readonly criticSizes: number[];
  private readonly actor: Network;
  private readonly critic: Network;
  /** Replay ring: (capacity, REPLAY_STRIDE) rows obs | critic action features | learning reward | next obs. */
  private readonly replay: Float64Array;
  private filled = 0;
  /** Iterations completed (the next slot to run). */
  private t = 0;
  /** Observations of the current slot t, (envs, 7), and the states behind them. */
  private states: Float64Array;

  constructor(scenario: Scenario, config: TrainConfig, init: InitialWeights = {}) {
    this.derived = deriveRun(config, undefined, laraShapeOf(scenario));
    this.scenario = scenario;
    this.config = config;
    this.norm = observationNorm(scenario);
    this.ops = trainerOps(scenario);
    this.actorSizes = this.derived.actorSizes;
    this.criticSizes = this.derived.criticSizes;
    this.actor = makeNetwork(this.actorSizes, init.actor ? Float64Array.from(init.actor) : initMlp(this.actorSizes, config.seed, 0), init.actorTarget);
    this.critic = makeNetwork(this.criticSizes, init.critic ? Float64Array.from(init.critic) : initMlp(this.criticSizes, config.seed, 1), init.criticTarget);
    this.replay = new Float64Array(config.replayCapacity * this.ops.shape.replayStride);
    this.states = this.ops.sample(config.seed, Stream.trainStates, 0, config.envs, 0);
  }

  /** Iterations completed so far (the slot the next step() runs). */
  get iteration(): number { return this.t; }
  /** Replay rows filled. */
  get replayFilled(): number { return this.filled; }
  get actorParams(): Float64Array { return this.actor.params; }
  get criticParams(): Float64Array { return this.critic.params; }
  get actorTargetParams(): Float64Array { return this.actor.target; }
  get criticTargetParams(): Float64Array { return this.critic.target; }
  get actorAdam(): { m: Float64Array; v: Float64Array; step: number } { return { m: this.actor.m, v: this.actor.v, step: this.actor.step }; }
  get criticAdam(): { m: Float64Array; v: Float64Array; step: number } { return { m: this.critic.m, v: this.critic.v, step: this.critic.step }; }
  /** The replay ring, (replayCapacity, REPLAY_STRIDE); rows >= replayFilled are zero. */
  get replayBuffer(): Float64Array { return this.replay; }

  /** Everything needed to continue (checkpoint.ts). Copies. */
  snapshot(): TrainerSnapshot {
    return {
      iteration: this.t,
      actor: this.actor.params.slice(), critic: this.critic.params.slice(),
      actorTarget: this.actor.target.slice(), criticTarget: this.critic.target.slice(),
      actorAdam: { m: this.actor.m.slice(), v: this.actor.v.slice(), step: this.actor.step },
      criticAdam: { m: this.critic.m.slice(), v: this.critic.v.slice(), step: this.critic.step },
      replay: this.replay.slice(0, this.filled * this.ops.shape.replayStride),
    };
  }

  /** Continues from a snapshot taken with the same scenario and config (the constructor's RNG state is recomputed). */
  static fromSnapshot(scenario: Scenario, config: TrainConfig, snap: TrainerSnapshot): ReferenceTrainer {
    const trainer = new ReferenceTrainer(scenario, config, {
      actor: snap.actor, critic: snap.critic, actorTarget: snap.actorTarget, criticTarget: snap.criticTarget,
    });
    trainer.actor.m.set(snap.actorAdam.m); trainer.actor.v.set(snap.actorAdam.v); trainer.actor.step = snap.actorAdam.step;
    trainer.critic.m.set(snap.criticAdam.m); trainer.critic.v.set(snap.criticAdam.v); trainer.critic.step = snap.criticAdam.step;
    trainer.replay.set(snap.replay);
    trainer.filled = snap.replay.length / trainer.ops.shape.replayStride;
    trainer.t = snap.iteration;
    trainer.states = trainer.ops.sample(config.seed, Stream.trainStates, 0, config.envs, snap.iteration);
    return trainer;
  }

  /** Deterministic actions (no noise) of the actor for states (n, state) -> (n, action): (n, 7) -> (n, 7) in the letter's world. */
  actorAction(states: Float64Array, n = states.length / this.ops.shape.state): Float64Array {
    const { observation: O, action: Z, state: S } = this.ops.shape;
    const A = this.ops.actionSize;
    const actions = new Float64Array(n * A);
    const action = new Float64Array(A);
    const chunk = 4096;
    for (let first = 0; first < n; first += chunk) {
      const rows = Math.min(chunk, n - first);
      const obs = new Float64Array(rows * O);
      for (let r = 0; r < rows; r++) this.ops.observe(states, (first + r) * S, obs, r * O);
      const z = mlpForward(this.actor.params, this.actorSizes, obs, rows).output;
      for (let r = 0; r < rows; r++) {
        this.ops.priors(obs, r * O, this.config, z, r * Z);
        this.ops.head(z, r * Z, obs, r * O, this.config.shareFloor, action);
        actions.set(action, (first + r) * A);
      }
    }
    return actions;
  }

  /** Runs iteration t: act in every env, store the transitions, then the gradient updates. */
  step(): IterationMetrics {
    const { config, ops } = this;
    const { envs, seed, shareFloor } = config;
    const t = this.t;
    // Sizes: 7, 7, 7 and a replay row of 22 in the letter's world.
    const { observation: O, action: Z, state: S, replayStride: R } = ops.shape;
    const REPLAY_OBS = 0, REPLAY_FEATURES = O, REPLAY_REWARD = O + Z, REPLAY_NEXT_OBS = O + Z + 1;

    // 1-2. Observe and act: z = actor(obs) + priors(obs) + sigma_t n (actor 0 during warm-up; worldPriors.ts), action = head(z).
    const obs = new Float64Array(envs * O);
    for (let e = 0; e < envs; e++) ops.observe(this.states, e * S, obs, e * O);
    const schedule = this.derived.schedule(t);
    const z = schedule.useActor ? mlpForward(this.actor.params, this.actorSizes, obs, envs).output : new Float64Array(envs * Z);
    const sigma = schedule.sigma;
    const normals = new Float64Array(Z);
    const action = new Float64Array(ops.actionSize);
    const nextStates = ops.sample(seed, Stream.trainStates, 0, envs, t + 1);
    let lComp = 0, lAigc = 0, lVe = 0, lTotal = 0;
    for (let e = 0; e < envs; e++) {
      ops.priors(obs, e * O, config, z, e * Z);
      ops.normals(seed, e, t, normals);
      for (let i = 0; i < Z; i++) z[e * Z + i] += sigma * normals[i];
      ops.head(z, e * Z, obs, e * O, shareFloor, action);

      // 3. Latencies and the learning reward.
      const l = ops.latency(this.states.subarray(e * S, (e + 1) * S), action);
      lComp += l[0]; lAigc += l[1]; lVe += l[2]; lTotal += l[3];

      // 4. Replay row (t envs + e) mod C.
      const row = ((schedule.writeRow + e) % config.replayCapacity) * R;
      for (let i = 0; i < O; i++) this.replay[row + REPLAY_OBS + i] = obs[e * O + i];
      ops.features(z, e * Z, obs, e * O, shareFloor, this.replay, row + REPLAY_FEATURES);
      this.replay[row + REPLAY_REWARD] = learningReward(l[3], config.reward);
      ops.observe(nextStates, e * S, this.replay, row + REPLAY_NEXT_OBS);
    }
    this.filled = schedule.filled;
    this.states = nextStates;

    // 5. Gradient updates.
    let criticLoss = 0, actorLoss = 0, updates = 0;
    if (schedule.updates) {
      const { lrActor, lrCritic } = schedule;
      for (let u = 0; u < config.updatesPerIteration; u++) {
        const losses = this.update(t, u, lrActor, lrCritic);
        criticLoss += losses.critic; actorLoss += losses.actor; updates++;
      }
    }
    this.t = t + 1;
    const n = envs;
    return {
      iteration: t, reward: -lTotal / n, lComp: lComp / n, lAigc: lAigc / n, lVe: lVe / n, lTotal: lTotal / n,
      criticLoss: updates > 0 ? criticLoss / updates : NaN, actorLoss: updates > 0 ? actorLoss / updates : NaN, updates,
    };
  }

  /** One gradient update (u of iteration t): critic, actor through the critic, soft targets. Returns both losses. */
  private update(t: number, u: number, lrActor: number, lrCritic: number): { critic: number; actor: number } {
    const { config, ops } = this;
    const { batch, shareFloor } = config;
    const actor = this.actor, critic = this.critic;
    // Sizes: OBSERVATION_SIZE = 7, ACTION_SIZE = 7, CRITIC_INPUT = 14 in the letter's world.
    const { observation: OBSERVATION_SIZE, action: ACTION_SIZE, criticInput: CRITIC_INPUT, replayStride: REPLAY_STRIDE } = ops.shape;
    const REPLAY_OBS = 0, REPLAY_FEATURES = OBSERVATION_SIZE, REPLAY_REWARD = OBSERVATION_SIZE + ACTION_SIZE, REPLAY_NEXT_OBS = REPLAY_REWARD + 1;

    // Minibatch rows, uniform over the filled part of the ring.
    const indices = new Uint32Array(batch);
    minibatchIndicesInto(config.seed, t, u, this.filled, indices);
    const obs = new Float64Array(batch * OBSERVATION_SIZE);          // (B, 7)
    const criticInput = new Float64Array(batch * CRITIC_INPUT);      // (B, 14): obs | features
    const reward = new Float64Array(batch);                          // (B)
    const nextObs = new Float64Array(batch * OBSERVATION_SIZE);      // (B, 7)
    for (let k = 0; k < batch; k++) {
      const row = indices[k] * REPLAY_STRIDE;
      for (let i = 0; i < OBSERVATION_SIZE; i++) {
        obs[k * OBSERVATION_SIZE + i] = this.replay[row + REPLAY_OBS + i];
        criticInput[k * CRITIC_INPUT + i] = this.replay[row + REPLAY_OBS + i];
        nextObs[k * OBSERVATION_SIZE + i] = this.replay[row + REPLAY_NEXT_OBS + i];
      }
      for (let i = 0; i < ACTION_SIZE; i++) criticInput[k * CRITIC_INPUT + OBSERVATION_SIZE + i] = this.replay[row + REPLAY_FEATURES + i];
      reward[k] = this.replay[row + REPLAY_REWARD];
    }

    // a. Critic target y = r + gamma Q'(obs', features(mu'(obs'))); skipped when gamma = 0.
    const target = reward.slice();
    if (config.gamma > 0) {
      const zNext = mlpForward(actor.target, this.actorSizes, nextObs, batch).output;   // (B, 7)
      const nextInput = new Float64Array(batch * CRITIC_INPUT);
      for (let k = 0; k < batch; k++) {
        for (let i = 0; i < OBSERVATION_SIZE; i++) nextInput[k * CRITIC_INPUT + i] = nextObs[k * OBSERVATION_SIZE + i];
        ops.features(zNext, k * ACTION_SIZE, nextObs, k * OBSERVATION_SIZE, shareFloor, nextInput, k * CRITIC_INPUT + OBSERVATION_SIZE);
      }
      const qNext = mlpForward(critic.target, this.criticSizes, nextInput, batch).output;  // (B, 1)
      for (let k = 0; k < batch; k++) target[k] += config.gamma * qNext[k];
    }

    // b. Critic: loss mean (Q - y)^2, backward, Adam (the model critic is exact: nothing to learn, loss 0).
    let criticLoss = 0;
    if (config.critic === 'learned') {
      const q = mlpForward(critic.params, this.criticSizes, criticInput, batch);
      const mse = mseLossBackward(q.output, target);
      const criticGrad = mlpBackward(critic.params, this.criticSizes, q.cache, mse.dq, batch).dParams;
      critic.step++;
      adam(critic.params, criticGrad, critic.m, critic.v, adamHyper(lrCritic, critic.step));
      criticLoss = mse.loss;
    }

    // c. Actor step through the updated critic (or the world's latency).
    const { loss: actorLoss, grad: actorGrad } = config.critic === 'model' ? this.actorModelLossGradient(obs, batch) : this.actorLossGradient(obs, batch);
    actor.step++;
    adam(actor.params, actorGrad, actor.m, actor.v, adamHyper(lrActor, actor.step));

    // d. Soft update of both targets.
    softUpdate(actor.params, actor.target, config.tau);
    if (config.critic === 'learned') softUpdate(critic.params, critic.target, config.tau);
    return { critic: criticLoss, actor: actorLoss };
  }

  /**
   * Actor objective through the model critic on observations (B, obs): loss = -mean_k r(obs_k, head(mu(obs_k))) with
   * r the learning reward of the world's latency, and its gradient (worldModelCritic.ts, then the actor's backward).
   */
  actorModelLossGradient(obs: Float64Array, batch: number): { loss: number; grad: Float64Array } {
    const { observation: O, action: Z } = this.ops.shape;
    const z = mlpForward(this.actor.params, this.actorSizes, obs, batch);            // (B, Z)
    const scores = Float64Array.from(z.output);                                       // (B, Z): z plus the priors
    const dz = new Float64Array(batch * Z);                                           // (B, Z)
    let loss = 0;
    for (let k = 0; k < batch; k++) {
      this.ops.priors(obs, k * O, this.config, scores, k * Z);
      loss -= this.ops.modelReward(scores, k * Z, obs, k * O, this.config.shareFloor, this.config.reward, dz, k * Z, this.config.associationMoves);
    }
    for (let i = 0; i < dz.length; i++) dz[i] /= -batch;
    return { loss: loss / batch, grad: mlpBackward(this.actor.params, this.actorSizes, z.cache, dz, batch).dParams };
  }

  /**
   * Actor objective on observations (B, 7): loss = -mean_k Q(obs_k, features(mu(obs_k))) and its gradient with respect
   * to the actor's parameters (flat layout). dQ/dfeatures comes from the critic's input gradient (critic untouched),
   * chained through the features to z = mu(obs), then the actor's backward.
   */
  actorLossGradient(obs: Float64Array, batch: number): { loss: number; grad: Float64Array } {
    const actor = this.actor, critic = this.critic, shareFloor = this.config.shareFloor, ops = this.ops;
    const { observation: OBSERVATION_SIZE, action: ACTION_SIZE, criticInput: CRITIC_INPUT } = ops.shape;
    const z = mlpForward(actor.params, this.actorSizes, obs, batch);                  // (B, 7)
    const criticInput = new Float64Array(batch * CRITIC_INPUT);                       // (B, 14)
    for (let k = 0; k < batch; k++) {
      for (let i = 0; i < OBSERVATION_SIZE; i++) criticInput[k * CRITIC_INPUT + i] = obs[k * OBSERVATION_SIZE + i];
      ops.features(z.output, k * ACTION_SIZE, obs, k * OBSERVATION_SIZE, shareFloor, criticInput, k * CRITIC_INPUT + OBSERVATION_SIZE);
    }
    const q = mlpForward(critic.params, this.criticSizes, criticInput, batch);        // (B, 1)
    let loss = 0;
    for (let k = 0; k < batch; k++) loss -= q.output[k];
    loss /= batch;
    const dq = new Float64Array(batch).fill(-1 / batch);
    const dCriticInput = mlpInputGradient(critic.params, this.criticSizes, q.cache, dq, batch);  // (B, 14)
    const dz = new Float64Array(batch * ACTION_SIZE);                                  // (B, 7)
    for (let k = 0; k < batch; k++) {
      ops.featuresVjp(z.output, k * ACTION_SIZE, obs, k * OBSERVATION_SIZE, shareFloor, dCriticInput, k * CRITIC_INPUT + OBSERVATION_SIZE, dz, k * ACTION_SIZE);
    }
    return { loss, grad: mlpBackward(actor.params, this.actorSizes, z.cache, dz, batch).dParams };
  }
}
