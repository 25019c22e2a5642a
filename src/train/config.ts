// LARA training configuration: every choice of the recipe is a field with a documented default.
import { z } from 'zod';
import { UserError } from '../errors.js';
import { ACTION_SIZE, OBSERVATION_SIZE } from './features.js';

/** Most hidden layers a network may have. */
export const MAX_HIDDEN_LAYERS = 16;
/** Most parameters (weights and biases) one network may have: 2^26, 256 MiB as float32, 512 MiB as float64. */
export const MAX_NETWORK_PARAMETERS = 2 ** 26;
/** Most iterations of a run: the trainers count iterations (the time slot of the random streams) in 32 bits. */
export const MAX_ITERATIONS = 2 ** 32 - 1;

/** Parameters of the critic (the larger network: observation and action features in, the hidden widths, 1 out). */
export function criticParameterCount(hidden: readonly number[]): number {
  const sizes = [OBSERVATION_SIZE + ACTION_SIZE, ...hidden, 1];
  let count = 0;
  for (let l = 1; l < sizes.length; l++) count += sizes[l - 1] * sizes[l] + sizes[l];
  return count;
}

export const TrainConfigSchema = z.object({
  // Defaults: the recipe of docs/RECIPE.md (within 1% of OPT on seeds 1-5 of the default scenario).
  /** Parallel environments stepped per iteration (one slot each). */
  envs: z.number().int().min(1).default(256),
  /** Minibatch size per gradient update. */
  batch: z.number().int().min(1).default(256),
  /** Training iterations (one environment step of all envs + `updatesPerIteration` updates each). */
  iterations: z.number().int().min(1).max(MAX_ITERATIONS).default(1200),
  /** Hidden layer widths of actor and critic (ReLU); sizes are checked before anything is allocated. */
  hidden: z.array(z.number().int().min(1).max(4096))
    .min(1)
    .max(MAX_HIDDEN_LAYERS, { error: (i) => `${(i.input as unknown[]).length} hidden layers, more than the ${MAX_HIDDEN_LAYERS} megc supports` })
    .refine((h) => criticParameterCount(h) <= MAX_NETWORK_PARAMETERS, {
      error: (i) => `the critic would have ${criticParameterCount(i.input as number[])} parameters, more than the ${MAX_NETWORK_PARAMETERS} megc supports`,
    })
    .default([128]),
  /** Gradient updates (critic, actor, targets) per iteration. */
  updatesPerIteration: z.number().int().min(1).default(2),
  /** Adam learning rates at the start; decayed by `lrDecay` (final = start * lrDecay) along a cosine. */
  lrActor: z.number().positive().default(3e-3),
  lrCritic: z.number().positive().default(3e-2),
  lrDecay: z.number().positive().max(1).default(0.1),
  /** Discount. The action does not change the next state, so gamma = 0 is exact for P1 (Q = E[r]). */
  gamma: z.number().min(0).max(0.999).default(0),
  /** Soft target update rate. */
  tau: z.number().min(0).max(1).default(0.005),
  /** Exploration: Gaussian noise on the actor's pre-activations, decaying from start to end along a cosine. */
  noiseStart: z.number().min(0).default(0.5),
  noiseEnd: z.number().min(0).default(0.1),
  /** Iterations that act with random pre-activations (N(0, noiseStart)) before the actor is used. */
  warmupIterations: z.number().int().min(0).default(0),
  /** Replay ring capacity in transitions (must hold at least one batch); 2^15 = the last 128 iterations of 256 envs. */
  replayCapacity: z.number().int().min(1).default(1 << 15),
  /** Lower bound of every share (sigmoid ratios and softmax omegas), keeps latencies finite. */
  shareFloor: z.number().min(0).max(0.1).default(1e-3),
  /**
   * What the actor learns through: 'learned', DDPG's critic network; 'model', on a generalised world, the world's own
   * latency (Q(s, a) = r(s, a) exactly, since slots are independent at gamma 0), no critic network trained.
   */
  critic: z.enum(['learned', 'model']).default('learned'),
  /**
   * Where the policy associates users with servers (model critic only): the weight w of the channel prior added to
   * the association scores, w ln(the user's gain to the server; ve: uplink + downlink). At w > 0 an untrained actor
   * takes each user's strongest server (the max-SNR rule) and the network learns the departures from it; 0: none.
   */
  channelPrior: z.number().min(0).max(100).default(0),
  /**
   * Model critic only: the weight w of the share prior added to the share scores, w/2 ln(the user's work on the
   * resource) (the square-root rule of the optimum: cycles for compute, bits over the whole band's spectral efficiency
   * for bandwidth and power); at w = 1 an untrained actor shares each server as that rule does; 0: none.
   */
  sharePrior: z.number().min(0).max(100).default(0),
  /**
   * Model critic where the policy associates: at most this many users per minibatch row get a move as their
   * association label, those whose best single move lowers L_total most (users whose best response is to stay are
   * labelled to stay; the other movers get no association gradient in that row); 0: every user's best response.
   */
  associationMoves: z.number().int().min(0).default(0),
  /** Reward used for learning: -log(L_total) ('log') or -L_total ('linear'); reported latencies are always true. */
  reward: z.enum(['log', 'linear']).default('log'),
  /** Iterations per GPU submit (metrics are read back asynchronously once per chunk). */
  iterationsPerSubmit: z.number().int().min(1).default(25),
  seed: z.number().int().min(0).max(2 ** 32 - 1).default(1),
  /** Evaluation set size (MODEL.md: 65,536). */
  evalSlots: z.number().int().min(1).default(65536),
}).strict();

export type TrainConfig = z.infer<typeof TrainConfigSchema>;

export const DEFAULT_TRAIN_CONFIG: TrainConfig = TrainConfigSchema.parse({});

/**
 * Validates a (partial) config; the error names the field and the rule broken: "SOURCE: field: rule", or, with
 * `nameOf` (e.g. the flag that set the field), "NAME: rule".
 */
export function parseTrainConfig(input: unknown, source = 'config', nameOf?: (field: string) => string | undefined): TrainConfig {
  const result = TrainConfigSchema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue.path.join('.') || '(root)';
    const name = nameOf?.(String(issue.path[0]));
    throw new UserError(`${name ?? `${source}: ${field}`}: ${issue.message}`);
  }
  const config = result.data;
  if (config.batch > config.replayCapacity) {
    throw new UserError(`${source}: batch (${config.batch}) is larger than the replay buffer (replayCapacity ${config.replayCapacity})`);
  }
  for (const field of ['channelPrior', 'sharePrior', 'associationMoves'] as const) {
    if (config[field] > 0 && config.critic !== 'model') {
      const name = nameOf?.(field) ?? `${source}: ${field}`;
      throw new UserError(`${name} ${config[field]} needs critic 'model' (the learned critic's chain has no priors or labels)`);
    }
  }
  if (config.critic === 'model' && config.gamma > 0) {
    throw new UserError(`${source}: critic 'model' is the exact one-slot value, which needs gamma 0 (got ${config.gamma})`);
  }
  return config;
}
