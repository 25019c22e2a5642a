// Recipe search (docs/RECIPE.md): trains configs on the GPU trainer with tuned kernels and prints the actor's gap to OPT
// along the way (CPU float64 evaluation), the training wall time and the dispatches per iteration. Not part of the CLI.
//   node dist/bench/recipeSearch.js --config '{"iterations":600}' --seeds 1,2 --eval-every 100 [--eval-slots 8192]
//     [--final-slots 65536] [--scenario FILE] [--label NAME] [--device gpu|cpu]
// One JSON line per seed on stdout (gap along the way and at the end, wall and CPU seconds); progress on stderr.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluateActions, evaluationStates, type LatencyMeans } from '../src/env/evaluate.js';
import { optActions } from '../src/env/opt.js';
import { createGpu, type Gpu } from '../src/gpu/runtime.js';
import { Tuner, tunerKeys } from '../src/gpu/tuner.js';
import { FileTuneStore } from '../src/gpu/tuneStore.js';
import { loadScenario, type Scenario } from '../src/scenario.js';
import { actorActions } from '../src/train/actor.js';
import { parseTrainConfig, type TrainConfig } from '../src/train/config.js';
import { GpuTrainer } from '../src/train/gpuTrainer.js';
import { ReferenceTrainer } from '../src/train/reference.js';
import { dispatchesPerIteration } from './countDispatches.js';

function flag(name: string, fallback?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

/** OPT's mean L_total on the first `count` states of evaluation set 1, cached on disk (OPT is slow on the CPU). */
function optMean(scenario: Scenario, scenarioName: string, count: number): number {
  const cache = join(tmpdir(), `megc-recipe-opt-${scenarioName.replace(/\W/g, '_')}-${count}.json`);
  if (existsSync(cache)) return JSON.parse(readFileSync(cache, 'utf8')).total;
  const states = evaluationStates(scenario, count, 1);
  const total = evaluateActions(scenario, states, optActions(scenario, states).actions).total;
  writeFileSync(cache, JSON.stringify({ total }));
  return total;
}

function meansOf(scenario: Scenario, config: TrainConfig, actor: ArrayLike<number>, states: Float64Array): LatencyMeans {
  return evaluateActions(scenario, states, actorActions(scenario, [7, ...config.hidden, 7], actor, config.shareFloor, states));
}

function gapOf(scenario: Scenario, config: TrainConfig, actor: ArrayLike<number>, states: Float64Array, opt: number): number {
  return meansOf(scenario, config, actor, states).total / opt - 1;
}

/** The GPU trainer (tuned kernels) or the float64 CPU reference behind one interface. */
interface SearchTrainer {
  iteration(): number;
  run(iterations: number): Promise<void>;
  params(): Promise<{ actor: ArrayLike<number>; actorTarget: ArrayLike<number> }>;
  dispatches?: number;
  destroy(): void;
}

async function makeTrainer(gpu: Gpu | undefined, tuner: Tuner | undefined, scenario: Scenario, config: TrainConfig): Promise<SearchTrainer> {
  if (!gpu) {
    const reference = new ReferenceTrainer(scenario, config);
    return {
      iteration: () => reference.iteration,
      async run(iterations) { for (let i = 0; i < iterations && reference.iteration < config.iterations; i++) reference.step(); },
      async params() { return { actor: reference.actorParams, actorTarget: reference.actorTargetParams }; },
      destroy() {},
    };
  }
  const trainer = await GpuTrainer.create(gpu, scenario, config, { tuner, evaluate: false });
  return {
    iteration: () => trainer.iteration,
    async run(iterations) { await trainer.run(iterations); await gpu.device.queue.onSubmittedWorkDone(); },
    params: () => trainer.readParams(),
    dispatches: dispatchesPerIteration(trainer).total,
    destroy: () => trainer.destroy(),
  };
}

async function main(): Promise<void> {
  const scenarioFile = flag('scenario');
  const scenario = loadScenario(scenarioFile);
  const scenarioName = scenarioFile ?? 'default';
  const overrides = JSON.parse(flag('config', '{}')!);
  const seeds = flag('seeds', '1')!.split(',').map(Number);
  const evalEvery = Number(flag('eval-every', '0'));
  const evalSlots = Number(flag('eval-slots', '8192'));
  const finalSlots = Number(flag('final-slots', '65536'));
  const label = flag('label', JSON.stringify(overrides));
  const smallStates = evaluationStates(scenario, evalSlots, 1);
  const smallOpt = optMean(scenario, scenarioName, evalSlots);
  const finalStates = evaluationStates(scenario, finalSlots, 1);
  const finalOpt = optMean(scenario, scenarioName, finalSlots);
  const device = flag('device', 'gpu');
  const gpu = device === 'gpu' ? await createGpu() : undefined;
  const tuner = gpu && new Tuner(gpu.device, { mode: 'quick', ...tunerKeys(gpu), store: new FileTuneStore() });
  for (const seed of seeds) {
    const config = parseTrainConfig({ ...overrides, seed });
    const createStart = performance.now();
    const trainer = await makeTrainer(gpu, tuner, scenario, config);
    const createSeconds = (performance.now() - createStart) / 1000;
    const trajectory: { iteration: number; wall: number; gap: number }[] = [];
    let wall = 0;
    let cpu = 0;
    while (trainer.iteration() < config.iterations) {
      const step = evalEvery > 0 ? evalEvery - (trainer.iteration() % evalEvery) : config.iterations;
      const start = performance.now();
      const cpuStart = process.cpuUsage();
      await trainer.run(step);
      wall += (performance.now() - start) / 1000;
      const used = process.cpuUsage(cpuStart);
      cpu += (used.user + used.system) / 1e6;
      if (trainer.iteration() < config.iterations) {
        const { actor } = await trainer.params();
        trajectory.push({ iteration: trainer.iteration(), wall: Number(wall.toFixed(2)), gap: Number((100 * gapOf(scenario, config, actor, smallStates, smallOpt)).toFixed(3)) });
        process.stderr.write(`${label} seed ${seed}: it ${trainer.iteration()} wall ${wall.toFixed(1)} s gap ${trajectory.at(-1)!.gap}%\n`);
      }
    }
    const { actor, actorTarget } = await trainer.params();
    trainer.destroy();
    const targetGap = 100 * gapOf(scenario, config, actorTarget, finalStates, finalOpt);
    const final = meansOf(scenario, config, actor, finalStates);
    const finalGap = 100 * (final.total / finalOpt - 1);
    const smallGap = 100 * gapOf(scenario, config, actor, smallStates, smallOpt);
    const row = {
      label, device, scenario: scenarioName, seed, iterations: config.iterations, dispatchesPerIteration: trainer.dispatches,
      createSeconds: Number(createSeconds.toFixed(2)), trainSeconds: Number(wall.toFixed(2)), cpuSeconds: Number(cpu.toFixed(2)),
      iterationsPerSecond: Number((config.iterations / wall).toFixed(1)), load: readFileSync('/proc/loadavg', 'utf8').split(' ')[0],
      gapSmall: Number(smallGap.toFixed(3)), gapFinal: Number(finalGap.toFixed(3)), gapTargetActor: Number(targetGap.toFixed(3)),
      means: Object.fromEntries(Object.entries(final).map(([k, v]) => [k, Number(v.toFixed(4))])), trajectory,
    };
    console.log(JSON.stringify(row));
  }
  gpu?.destroy();
}

main().catch((error) => { console.error(error); process.exit(1); });
