// CPU references (float64) of the fused update kernels (shaders/lara_critic_update_fused.wgsl, lara_actor_update_fused
// .wgsl): what their split-K gradient partials and loss partials add up to, from ReferenceTrainer.update's steps.
import { mlpBackward, mlpForward, mseLossBackward } from '../nn/reference/mlp.js';
import { criticFeaturesFromPreInto, criticFeaturesVjpInto, minibatchIndicesInto } from './features.js';
import { ACTION_SIZE, CRITIC_INPUT, OBSERVATION_SIZE, REPLAY_FEATURES, REPLAY_OBS, REPLAY_REWARD, REPLAY_STRIDE } from './layout.js';

/** The Step fields the fused kernels read. */
export interface FusedStep { seed: number; iteration: number; update: number; filled: number; batch: number; shareFloor: number }

/** The minibatch rows of `step` (lara_minibatch_index) gathered from replay (capacity, REPLAY_STRIDE). */
function gather(step: FusedStep, replay: ArrayLike<number>) {
  const { batch } = step;
  const indices = new Uint32Array(batch);
  minibatchIndicesInto(step.seed, step.iteration, step.update, step.filled, indices);
  const obs = new Float64Array(batch * OBSERVATION_SIZE);       // (B, 7)
  const criticInput = new Float64Array(batch * CRITIC_INPUT);   // (B, 14)
  const reward = new Float64Array(batch);                       // (B)
  for (let k = 0; k < batch; k++) {
    const row = indices[k] * REPLAY_STRIDE;
    for (let i = 0; i < OBSERVATION_SIZE; i++) {
      obs[k * OBSERVATION_SIZE + i] = criticInput[k * CRITIC_INPUT + i] = replay[row + REPLAY_OBS + i];
      criticInput[k * CRITIC_INPUT + OBSERVATION_SIZE + i] = replay[row + REPLAY_FEATURES + i];
    }
    reward[k] = replay[row + REPLAY_REWARD];
  }
  return { obs, criticInput, reward };
}

/** The critic's gradient of mean (Q - r)^2 over the minibatch (the sum of gradPartials) and the sum of (Q - r)^2. */
export function laraCriticUpdateFused(step: FusedStep, replay: ArrayLike<number>, weights: ArrayLike<number>, criticSizes: readonly number[]): { grad: Float64Array; loss: number } {
  const { criticInput, reward } = gather(step, replay);
  const q = mlpForward(weights, criticSizes, criticInput, step.batch);
  const mse = mseLossBackward(q.output, reward);
  return { grad: mlpBackward(weights, criticSizes, q.cache, mse.dq, step.batch).dParams, loss: mse.loss * step.batch };
}

/**
 * The actor's gradient of -mean Q(obs, features(actor(obs))) through the critic (the sum of gradPartials) and the sum
 * of -Q (ReferenceTrainer.actorLossGradient on the minibatch's obs).
 */
export function laraActorUpdateFused(step: FusedStep, replay: ArrayLike<number>, actor: ArrayLike<number>, actorSizes: readonly number[],
                                     critic: ArrayLike<number>, criticSizes: readonly number[]): { grad: Float64Array; loss: number } {
  const { batch, shareFloor } = step;
  const { obs } = gather(step, replay);
  const z = mlpForward(actor, actorSizes, obs, batch);                                   // (B, 7)
  const input = new Float64Array(batch * CRITIC_INPUT);                                  // (B, 14)
  for (let k = 0; k < batch; k++) {
    for (let i = 0; i < OBSERVATION_SIZE; i++) input[k * CRITIC_INPUT + i] = obs[k * OBSERVATION_SIZE + i];
    criticFeaturesFromPreInto(z.output, k * ACTION_SIZE, shareFloor, input, k * CRITIC_INPUT + OBSERVATION_SIZE);
  }
  const q = mlpForward(critic, criticSizes, input, batch);                               // (B, 1)
  let loss = 0;
  for (let k = 0; k < batch; k++) loss -= q.output[k];
  const dInput = mlpBackward(critic, criticSizes, q.cache, new Float64Array(batch).fill(-1 / batch), batch).dInput;
  const dz = new Float64Array(batch * ACTION_SIZE);                                      // (B, 7)
  for (let k = 0; k < batch; k++) criticFeaturesVjpInto(z.output, k * ACTION_SIZE, shareFloor, dInput, k * CRITIC_INPUT + OBSERVATION_SIZE, dz, k * ACTION_SIZE);
  return { grad: mlpBackward(actor, actorSizes, z.cache, dz, batch).dParams, loss };
}
