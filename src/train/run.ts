// A LARA training run, top to bottom: lock the run directory, resolve where the run starts (fresh, resumed, forked),
// build the trainer, train in segments between checkpoints while the episode log fills metrics.csv, stop on a signal or
// on divergence keeping the last good checkpoint, then evaluate and write evaluation.json.
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { GpuError, UserError } from '../errors.js';
import { createGpu, type Gpu } from '../gpu/runtime.js';
import { packageVersion } from '../version.js';
import { writeFileAtomic } from '../io/atomic.js';
import { scenarioToJson, type Scenario } from '../scenario.js';
import { ExitNotice, exitForSignal, StopRequest } from '../signals.js';
import { CHECKPOINT_FILE } from './checkpoint.js';
import type { TrainConfig } from './config.js';
import { checkCpuTrainerFits } from './cpuLimits.js';
import { createDriver, type Driver } from './drivers.js';
import { EpisodeLog } from './episodeLog.js';
import { RunCheckpoints } from './runCheckpoints.js';
import { CONFIG_FILE, EVALUATION_FILE, EVALUATIONS_FILE, isDirectory, LockedDirectory, METRICS_FILE, runFilesIn, sameDirectory } from './runDirectory.js';
import { evaluateRun, evaluationOpt, formatEvaluation, type EvaluationResult } from './runEvaluation.js';
import { freshStart, resumeStart, type Device, type RunStart } from './runStart.js';
import { trainInSegments, type ActorCopy, type TrainingProgress } from './trainLoop.js';
import { kernelChoices, type TuneChoice } from './kernelChoices.js';
import { recordedPlans, type KernelOptions } from './runPlan.js';
import { actorSizes, checkCriticFitsWorld, criticSizes } from './derive.js';
import { checkTrainerPlans } from './plans.js';
import { scenarioUniform } from '../env/scenarioUniform.js';
import { laraShapeOf } from './shape.js';
import { EvaluationLog, periodicEvaluator } from './periodicEvaluation.js';

export { METRICS_HEADER } from './episodeLog.js';
export { CONFIG_FILE, EVALUATION_FILE, METRICS_FILE } from './runDirectory.js';
export { evaluateRun, formatEvaluation, type EvaluationResult } from './runEvaluation.js';
export { firstNonFiniteTensor } from './runCheckpoints.js';
export type { TrainingProgress } from './trainLoop.js';

export interface RunTrainingOptions {
  /**
   * Where the GPU is opened here (no `gpu` given) on a CPU adapter, lower this thread's scheduling priority
   * (GpuOptions.yieldToCpuAdapter): for a process that only trains (`megc train`).
   */
  yieldToCpuAdapter?: boolean;
  /** Defaults to MODEL.md's; on resume, the checkpoint's (a given one must match it). */
  scenario?: Scenario;
  /** Required for a fresh run; on resume the checkpoint's config is used. */
  config?: TrainConfig;
  /** On resume: fields given on the command line. `iterations` may change (extend); any other must match. */
  overrides?: Partial<TrainConfig>;
  /**
   * Where to train. Fresh run: default 'gpu'. Resume: default the device the checkpoint was trained on (so the
   * continuation is exact); another one is allowed, with a note that the result is not bit-identical.
   */
  device?: Device;
  adapter?: string;
  /** Run directory: where the run is written (a resume in place: the directory holding the checkpoint). */
  out: string;
  resume?: boolean;
  /**
   * On resume: the run directory to continue from (default `out`). Another directory forks it: `out` gets the
   * continued run and `from` stays byte for byte as it was.
   */
  from?: string;
  /** Replace a run already in `out` (--force): its files are deleted once the new run is set up; other files never. */
  replace?: boolean;
  onProgress?: (p: TrainingProgress) => void;
  log?: (line: string) => void;
  /** Evaluate LARA, FRA, RRA and OPT at the end (default true). */
  evaluate?: boolean;
  /** Seconds between periodic checkpoints (default 300; 0: none); one is always written at the end or on a stop. */
  checkpointEverySeconds?: number;
  /**
   * Evaluate the actor every this many iterations during training (evaluations.csv: its means and gap to OPT on the
   * evaluation set), outside the run clock; default none. Training itself is unchanged, bit for bit.
   */
  evalEvery?: number;
  /** Stop at the next chunk on the first SIGINT/SIGTERM (default true). */
  handleSignals?: boolean;
  /** Reuse an open GPU (tests); otherwise one is created and destroyed. */
  gpu?: Gpu;
  /** Stop (as on SIGINT) once this many iterations are done in this call (tests of stop/resume). */
  stopAfterIterations?: number;
  /**
   * How the GPU trainer's kernel variants are chosen (kernelChoices.ts): off (the defaults), quick or full (timed on this
   * GPU, cached per adapter), or a run's recorded plans (`--tune FILE`). Default DEFAULT_TUNE (quick), as `megc train`
   * and trainLara; a resume on the GPU it was trained on reuses its plans (bit-exact), whatever this says.
   */
  tune?: TuneChoice;
  /** Also offer variants that round matmul inputs to f16 (f16 tiles, tensor cores); default false. */
  mixedPrecision?: boolean;
  /** Time every dispatch and print the per-kernel table after training (needs timestamp-query). */
  profile?: boolean;
}

export interface TrainingResult {
  out: string;
  config: TrainConfig;
  scenario: Scenario;
  /** The device it ran on (on a resume without `device`: the checkpoint's). */
  device: Device;
  /** Iterations completed (total, including those before a resume). */
  iterations: number;
  /** 'SIGINT' / 'SIGTERM' / 'requested' when stopped early; undefined when all iterations ran. */
  stopped?: 'SIGINT' | 'SIGTERM' | 'requested';
  evaluation?: EvaluationResult;
}

/** Refuses to start a fresh or forked run over another run (unless replacing it), or to replace a folder of other files. */
function refuseOverwrite(directory: LockedDirectory, out: string, replace: boolean): void {
  const present = runFilesIn(out);
  if (present.length > 0 && !replace) {
    const what = present.includes(CHECKPOINT_FILE) ? CHECKPOINT_FILE : `${present.join(', ')}; no checkpoint: it stopped before its first`;
    throw new UserError(`--out ${out} already holds a run (${what}); continue it with --resume ${out}, choose another --out, or pass --force to overwrite it`);
  }
  const foreign = directory.foreignFiles();
  if (replace && foreign.length > 0) {
    const shown = foreign.slice(0, 3).join(', ') + (foreign.length > 3 ? `, … (${foreign.length} in all)` : '');
    throw new UserError(`--force: ${out} holds files that are not part of a run (${shown}); --force deletes only a run's own files, so move them away or choose another --out`);
  }
}

export async function runTraining(options: RunTrainingOptions): Promise<TrainingResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const { out } = options;
  const evaluate = options.evaluate ?? true;
  const from = options.resume ? options.from ?? out : undefined;
  const inPlace = from !== undefined && sameDirectory(from, out);
  if (inPlace && !isDirectory(out)) {
    throw new UserError(`--resume ${out}: ${existsSync(out) ? 'not a run directory (to continue a checkpoint file, give --out DIR)' : 'no such run directory'}`);
  }

  // 1. The run directory, locked for this command (a refused start removes what it created). A signal before training
  // ends the command at once (nothing is complete yet: the lock is released, a directory it created removed).
  const directory = LockedDirectory.open(out, { log });
  const handleSignals = options.handleSignals ?? true;
  let stop: StopRequest | null = null;
  let notice: ExitNotice | null = null;
  let written = false;
  let driver: Driver | undefined;
  let gpu: Gpu | undefined = options.gpu;
  const ownGpu = !options.gpu;
  try {
    // 2. Where the run starts, checked before anything is allocated.
    const start: RunStart = from === undefined ? freshStart(options) : resumeStart(from, options, log);
    const { config, scenario, device } = start;
    // Plans given (--tune FILE) or resumed are checked against this run's networks and batches, then this GPU's limits.
    const shape = laraShapeOf(scenario);
    checkCriticFitsWorld(config, shape);
    const planRun = {
      actorSizes: actorSizes(config, shape), criticSizes: criticSizes(config, shape), batch: config.batch, envs: config.envs, gamma: config.gamma, world: shape.world !== undefined,
      iterationsPerSubmit: config.iterationsPerSubmit, updatesPerIteration: config.updatesPerIteration,
    };
    const givenPlans = typeof options.tune === 'object' ? options.tune : undefined;
    // Plans given for this run round to f16 only where it allows mixed precision (a resumed run keeps its own plans).
    if (givenPlans) checkTrainerPlans(givenPlans.plans, { ...planRun, mixedPrecision: options.mixedPrecision ?? false }, undefined, `--tune ${givenPlans.source}`);
    // A scenario outside the float32 GPU path's range is refused before the GPU is opened or tuned (MODEL.md).
    if (device === 'gpu') scenarioUniform(scenario);
    if (!inPlace) refuseOverwrite(directory, out, options.replace ?? false);
    if (device === 'cpu') checkCpuTrainerFits(config, undefined, { shape });
    if (from !== undefined) log(`resuming ${from}${inPlace ? '' : ` into ${out}`} at iteration ${start.snapshot!.iteration} of ${config.iterations} on the ${device}`);

    // 3. The trainer, its kernels chosen; only then is anything written (a replaced run's files go first). A signal
    // while the kernels are timed and built waits for that GPU work (ending the process under Dawn's pipeline builds
    // can crash it), then ends the command as before it.
    if (device === 'gpu') gpu ??= await createGpu({ adapter: options.adapter, yieldToCpuAdapter: options.yieldToCpuAdapter });
    if (handleSignals && device === 'gpu') stop = new StopRequest('finishing the kernel timing in flight, then exiting');
    let resumedPlans = start.plans;
    if (device === 'gpu' && givenPlans) checkTrainerPlans(givenPlans.plans, { ...planRun, mixedPrecision: options.mixedPrecision ?? false }, gpu!.device, `--tune ${givenPlans.source}`);
    else if (device === 'gpu' && resumedPlans) {
      try {
        checkTrainerPlans(resumedPlans, planRun, gpu!.device, 'the resumed run');
      } catch (error) {
        if (!(error instanceof UserError)) throw error;
        // A plan of another GPU (larger limits) is not forged: this GPU runs the default kernels.
        log(`note: ${error.message} on this GPU; using the default kernels (not bit-identical)`);
        resumedPlans = undefined;
      }
    }
    const choice = device === 'gpu' ? await kernelChoices(gpu!, options, resumedPlans, log) : undefined;
    const create = (kernels?: KernelOptions) =>
      createDriver(scenario, config, device === 'gpu' ? gpu : undefined, { snapshot: start.snapshot, evaluate, kernels, profiler: choice?.profiler });
    driver = await create(choice?.kernels).catch(async (error: unknown) => {
      // The resumed run's plans may not build on another GPU (a feature it lacks): its default kernels then.
      if (!(choice?.resumed && error instanceof GpuError)) throw error;
      log(`note: the resumed run's kernel plans do not build on this GPU (${error.message}); using the default kernels (not bit-identical)`);
      return create({ ...choice.kernels, plans: undefined });
    });
    if (stop) {
      const signal = stop.signal;
      stop.close();
      stop = null;
      if (signal) {
        await gpu!.device.queue.onSubmittedWorkDone();
        exitForSignal(signal);  // 128 + its number; the 'exit' handlers remove the directory this command created
      }
    }
    if (options.replace && !inPlace && runFilesIn(out).length > 0) {
      log(`note: replacing the run in ${out} (--force)`);
      directory.clearRun();
    }
    if (inPlace && driver.iteration < config.iterations && existsSync(join(out, EVALUATION_FILE))) {
      log(`note: removing ${join(out, EVALUATION_FILE)}: it evaluated iteration ${driver.iteration}, the run continues`);
      rmSync(join(out, EVALUATION_FILE), { force: true });
    }
    written = true;
    // config.json and the checkpoint record the run plan's kernel choices.
    const plan = driver.plan;
    const tuning = plan?.choice ? { ...plan.choice, plans: recordedPlans(plan) } : undefined;
    const configJson = { train: config, scenario: scenarioToJson(scenario), device, adapter: driver.adapter, version: packageVersion(), tuning };
    writeFileAtomic(join(out, CONFIG_FILE), JSON.stringify(configJson, null, 2) + '\n');

    // 4. Train in segments between periodic checkpoints, evaluating the actor's copies before each where asked (off the
    // run clock: OPT's means first, then each evaluation's time is added to the clock's start).
    const opt = options.evalEvery ? await evaluationOpt(scenario, config, device === 'gpu' ? gpu!.device : undefined) : undefined;
    const evaluator = opt ? periodicEvaluator(scenario, config, opt) : undefined;
    let wallStart = performance.now() / 1000 - (start.progress?.wallSeconds ?? 0);
    const wall = () => performance.now() / 1000 - wallStart;
    const episodes = new EpisodeLog(config, scenario, start.progress);
    const evaluationRows = start.progress?.evaluations;
    const evaluations = evaluator || evaluationRows ? new EvaluationLog(evaluationRows) : undefined;
    const evaluation = evaluator && evaluations ? {
      every: options.evalEvery!, log: evaluations,
      evaluate: async (copies: ActorCopy[]) => {
        const paused = performance.now() / 1000;
        for (const { iteration, wallSeconds, actor } of copies) {
          const e = await evaluator(actor);
          // A latency that is not finite gets no row (a resume would refuse it as not a measure).
          if (!Number.isFinite(e.means.total)) {
            log(`evaluation at iteration ${iteration}: LARA's mean L_total is ${e.means.total}; no row in evaluations.csv`);
            continue;
          }
          evaluations.add(iteration, wallSeconds, e);
          log(`evaluation at iteration ${iteration}: L_total ${e.means.total.toFixed(4)}, gap to OPT ${(100 * e.gap).toFixed(2)}%`);
        }
        wallStart += performance.now() / 1000 - paused;
      },
    } : undefined;
    const checkpoints = new RunCheckpoints(out, { config, scenario, device, plans: plan ? recordedPlans(plan) : undefined }, inPlace ? driver.iteration : null, wall());
    const startIteration = driver.iteration;
    const stopAfter = options.stopAfterIterations;
    // While training, the first signal stops at the next chunk and saves the checkpoint and metrics.
    if (handleSignals) stop = new StopRequest('finishing the chunk in flight, then writing the checkpoint and metrics');
    await trainInSegments({
      driver, config, scenario, episodes, checkpoints, wall, onProgress: options.onProgress,
      checkpointEverySeconds: options.checkpointEverySeconds ?? 300, evaluation,
      stopRequested: () => stop?.signal != null || (stopAfter !== undefined && driver!.iteration - startIteration >= stopAfter),
      checkErrors: device === 'gpu' ? () => gpu!.checkErrors() : undefined,
    });
    // A fresh or forked run stopped before its first segment still gets its checkpoint.
    if (checkpoints.saves === 0 && !inPlace) await checkpoints.save(driver, episodes, wall, evaluations);
    // From here on the checkpoint and metrics are complete: a signal ends the command at once and keeps them.
    stop?.close();
    if (handleSignals) notice = new ExitNotice(`stopped; the checkpoint and metrics in ${out} are kept, no evaluation is written (megc train --resume ${out} evaluates it)`);

    if (choice?.profiler) log(await choice.report(driver.iteration - startIteration));

    // 5. Stopped, or evaluate.
    const stopped: TrainingResult['stopped'] = stop?.signal ?? (driver.iteration < config.iterations ? 'requested' : undefined);
    const result: TrainingResult = { out, config, scenario, device, iterations: driver.iteration, stopped };
    if (stopped) {
      log(`stopped at iteration ${driver.iteration} of ${config.iterations}; checkpoint and metrics written to ${out} (continue with --resume ${out})`);
      return result;
    }
    if (evaluate) {
      const snap = await driver.snapshot();
      result.evaluation = await evaluateRun(scenario, config, snap.actor, device === 'gpu' ? gpu!.device : undefined, log, opt);
      writeFileAtomic(join(out, EVALUATION_FILE), JSON.stringify(result.evaluation, null, 2) + '\n');
      log(formatEvaluation(result.evaluation));
    }
    const files = [METRICS_FILE, CHECKPOINT_FILE, CONFIG_FILE, ...(evaluations ? [EVALUATIONS_FILE] : []), ...(result.evaluation ? [EVALUATION_FILE] : [])];
    log(`wrote ${files.map((file) => join(out, file)).join(', ')}`);
    return result;
  } finally {
    stop?.close();
    notice?.close();
    driver?.destroy();
    if (ownGpu) gpu?.destroy();
    directory.close({ discardIfEmpty: !written });
  }
}
