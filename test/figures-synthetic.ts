// Synthetic training run folders (metrics.csv, config.json, evaluation.json) for testing the figures without a trainer.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TrainRequest } from '../src/figures/pipeline.js';
import { DEFAULT_TRAIN_CONFIG } from '../src/train/config.js';

/** Deterministic pseudo-random numbers in [-1, 1) (a small LCG: the test needs variety, not quality). */
function noise(seed: number) {
  let state = (seed * 2654435761) >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 31 - 1;
  };
}

/** Episodes in a synthetic run: iterations / 10, at least 3. */
export function syntheticEpisodes(iterations: number): number {
  return Math.max(3, Math.round(iterations / 10));
}

/**
 * Writes a plausible finished run for `request` into request.out: latencies fall from FRA-like values towards
 * LARA's final ones, faster for a larger learning rate, with seed-dependent noise; config.json records the
 * request as the trainer does.
 */
export function writeSyntheticRun(request: TrainRequest): void {
  const { config, out } = request;
  mkdirSync(out, { recursive: true });
  const random = noise(config.seed * 7919 + Math.round(config.lrActor * 1e7));
  const episodes = syntheticEpisodes(config.iterations);
  const speed = Math.min(1, config.lrActor / DEFAULT_TRAIN_CONFIG.lrActor) * 4 / episodes;
  const start = { comp: 0.6, aigc: 2.0, ve: 3.2 };
  const end = { comp: 0.12, aigc: 0.95, ve: 1.45 };
  const lines = ['episode,iteration,reward,l_comp,l_aigc,l_ve,l_total,critic_loss,actor_loss,wall_s,samples_per_s'];
  for (let episode = 1; episode <= episodes; episode++) {
    const progress = 1 - Math.exp(-speed * episode);
    const latency = (user: keyof typeof start) => end[user] + (start[user] - end[user]) * (1 - progress) * (1 + 0.05 * random());
    const comp = latency('comp');
    const aigc = latency('aigc');
    const ve = latency('ve');
    const total = comp + aigc + ve;
    lines.push([episode, episode * 10, -total, comp, aigc, ve, total, 0.1, -1, episode * 0.01, 5000].join(','));
  }
  writeFileSync(join(out, 'metrics.csv'), lines.join('\n') + '\n');
  writeFileSync(join(out, 'config.json'), JSON.stringify({
    train: config, scenario: request.scenario, device: request.device, adapter: null, version: 'synthetic',
  }, null, 2));
  const jitter = 1 + 0.02 * random();
  if (!request.evaluate) return;
  writeFileSync(join(out, 'evaluation.json'), JSON.stringify({
    slots: config.evalSlots,
    policies: {
      lara: { comp: 0.12 * jitter, aigc: 0.95 * jitter, ve: 1.45 * jitter, total: 2.52 * jitter },
      fra: { comp: 0.31, aigc: 1.87, ve: 2.9, total: 5.08 },
      rra: { comp: 0.52, aigc: 2.41, ve: 3.77, total: 6.7 },
      opt: { comp: 0.1, aigc: 0.88, ve: 1.3, total: 2.28 },
    },
    gap: 2.52 * jitter / 2.28 - 1,
  }, null, 2));
}
