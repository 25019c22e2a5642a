// The web page: finds the visitor's GPU, trains LARA with the form's config and scenario (the letter's keys, or a world
// of many users and servers picked from the shipped scenario files; live Figs. 3 and 4), evaluates it against FRA, RRA
// and OPT as `megc train` does (table and Fig. 5), opens and saves checkpoints, benches the GPU. State for scripts:
// document.body.dataset.state = loading | no-webgpu | no-adapter | ready | training | evaluating | benching | done | stopped
// | error.
// Over 300 lines: the page's one flow (device, train, evaluate, checkpoints, bench) with its state; forms, figures,
// results and checkpoint files are in their own modules.
import {
  adapterOf, benchDevice, isLetter, listAdapters, openDevice, parseScenarioText, trainLara, UserError, worldOf, worldOptEvalSlots,
  type Scenario, type TrainConfig, type TrainedPolicy,
} from '../../src/index.browser.js';
import { openCheckpoint, saveCheckpoint } from './checkpointFiles.js';
import { EpisodeSeries } from './episodes.js';
import { evaluationSpec, Figure, trainingSpecs } from './figures.js';
import { ScenarioForm, TrainingForm } from './forms.js';
import { failureText } from './failures.js';
import { clearResults, showResults } from './results.js';
import { LETTER_FILE, ScenarioChoice } from './scenarioChoice.js';
import { checkEvaluationFits, evaluatePage } from './session.js';
import { SHIPPED_SCENARIOS } from './shippedScenarios.js';
import { textsFromParameters, trainingTexts } from './trainingKeys.js';

const NO_ADAPTER = 'This browser has WebGPU but offers no GPU adapter (it may be switched off or block this GPU): '
  + 'enable hardware acceleration, try a current Chrome or Edge, or run the same training with the megc command line.';

const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const ui = {
  message: byId<HTMLParagraphElement>('message'),
  adapter: byId<HTMLParagraphElement>('adapter'),
  bench: byId<HTMLButtonElement>('bench'),
  benchResult: byId<HTMLSpanElement>('bench-result'),
  setup: byId<HTMLFormElement>('setup'),
  start: byId<HTMLButtonElement>('start'),
  stop: byId<HTMLButtonElement>('stop'),
  status: byId<HTMLSpanElement>('status'),
  progress: byId<HTMLProgressElement>('progress'),
  results: byId<HTMLTableElement>('results'),
  resultsNote: byId<HTMLParagraphElement>('results-note'),
  scenarioFile: byId<HTMLSelectElement>('scenario-file'),
  open: byId<HTMLInputElement>('open'),
  dropZone: byId<HTMLDivElement>('drop-zone'),
  download: byId<HTMLButtonElement>('download'),
};
const figures = {
  reward: new Figure(byId('fig-reward')),
  latency: new Figure(byId('fig-latency')),
  policies: new Figure(byId('fig-policies')),
};
const parameters = new URLSearchParams(location.search);
const trainingForm = new TrainingForm(byId('training-fields'), textsFromParameters(parameters));
const scenarioForm = new ScenarioForm(byId<HTMLTableElement>('scenario-fields').tBodies[0]);
const scenarioChoice = new ScenarioChoice({
  select: ui.scenarioFile, heading: byId('scenario-heading'), table: byId('scenario-fields'), worldView: byId('world-keys'), worldJson: byId('world-json'),
  defaults: byId('scenario-defaults'),
}, scenarioForm, SHIPPED_SCENARIOS);

let gpu: GPUDevice | undefined;
let stop = new AbortController();
let lastCheckpoint: Uint8Array | undefined;

type State = 'loading' | 'no-webgpu' | 'no-adapter' | 'ready' | 'training' | 'evaluating' | 'benching' | 'done' | 'stopped' | 'error';

function setState(state: State): void {
  document.body.dataset.state = state;
  const usable = !['loading', 'no-webgpu', 'no-adapter', 'training', 'evaluating', 'benching'].includes(state);
  ui.start.disabled = !usable;
  ui.bench.disabled = !usable;
  ui.open.disabled = !usable;
  ui.stop.disabled = state !== 'training';
  ui.download.disabled = !usable || !lastCheckpoint;
}

function showMessage(text: string): void {
  ui.message.textContent = text;
  ui.message.hidden = false;
}

function clearMessage(): void {
  ui.message.hidden = true;
  ui.message.textContent = '';
}

function showStatus(text: string, iteration?: number): void {
  ui.status.textContent = text;
  if (iteration !== undefined) ui.status.dataset.iteration = String(iteration);
}

const duration = (s: number) => (!Number.isFinite(s) ? '…' : s < 90 ? `${Math.ceil(s)} s` : `${Math.round(s / 60)} min`);
const rateText = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toPrecision(2));

/** The device, opened once and again after a loss; the loss of an idle device is reported too. */
async function device(): Promise<GPUDevice> {
  if (gpu) return gpu;
  const opened = await openDevice();
  gpu = opened;
  ui.adapter.textContent = adapterOf(opened).name;
  void opened.lost.then((info) => {
    if (gpu === opened) gpu = undefined;
    if (info.reason === 'destroyed') return;
    // A run in progress reports the loss itself, where it stopped.
    if (!['training', 'evaluating', 'benching'].includes(document.body.dataset.state ?? '')) {
      showMessage(`The GPU device was lost (${info.message || 'no reason given'}); the next Start opens it again.`);
      setState('error');
    }
  });
  return opened;
}

/** Opens the scenario table at the key a `scenario: KEY …` message names. */
function showScenarioKey(message: string): void {
  const key = /^scenario: (\S+)/.exec(message)?.[1];
  const input = key && (scenarioForm.input(key) ?? scenarioForm.input(`${key}.0`));
  if (!input) return;
  byId<HTMLDetailsElement>('scenario').open = true;
  input.focus();
}

/** A world's own suggestions for the training form: OPT's default evaluation set (the letter's: the recipe's). */
function suggestFor(scenario: Scenario): void {
  const world = worldOf(scenario);
  trainingForm.suggest('evalSlots', isLetter(world) ? trainingTexts().evalSlots : String(worldOptEvalSlots(world)));
}

/**
 * A scenario given as the URL parameter `scenario`: a shipped file's name (`multi-users`), or JSON with the keys of a
 * scenario file (the letter's or a world's), checked as a file is.
 */
function scenarioFromParameter(): boolean {
  const text = parameters.get('scenario');
  if (text === null) return true;
  try {
    const shipped = scenarioChoice.shipped(text);
    if (shipped !== undefined) {
      suggestFor(scenarioChoice.pick(shipped));
      return true;
    }
    const scenario = parseScenarioText(text, 'scenario');
    scenarioChoice.show(scenario, 'scenario parameter');
    suggestFor(scenario);
    return true;
  } catch (error) {
    showMessage(failureText(error));
    showScenarioKey(failureText(error));
    return false;
  }
}

/** How the kernels are chosen: the URL parameter `tune` (off, quick or full), else trainLara's default (quick). */
function tuneFromParameter(): 'off' | 'quick' | 'full' | undefined {
  const text = parameters.get('tune');
  if (text === null) return undefined;
  if (text === 'off' || text === 'quick' || text === 'full') return text;
  throw new UserError(`tune parameter: '${text}' is not one of off, quick, full`);
}

/**
 * Whether the tuner may offer the mixed-precision kernels (trainLara's mixedPrecision): the URL parameter `precision`,
 * mixed or f32 (the default).
 */
function mixedPrecisionFromParameter(): boolean {
  const text = parameters.get('precision');
  if (text === null || text === 'f32') return false;
  if (text === 'mixed') return true;
  throw new UserError(`precision parameter: '${text}' is not one of f32, mixed`);
}

async function showEvaluation(policy: TrainedPolicy, count: number, what: string): Promise<void> {
  setState('evaluating');
  const comparison = await evaluatePage(policy, count, await device(), async (text) => {
    showStatus(text);
    await new Promise((resolve) => setTimeout(resolve, 0));  // let the status paint before a CPU-bound policy
  });
  showResults(ui.results, comparison);
  ui.resultsNote.hidden = isLetter(worldOf(policy.scenario));
  await figures.policies.draw(evaluationSpec(comparison, policy.scenario, what));
}

async function start(): Promise<void> {
  clearMessage();
  let config: TrainConfig;
  let scenario: Scenario;
  let tune: ReturnType<typeof tuneFromParameter>;
  let mixedPrecision: boolean;
  try {
    config = trainingForm.config();
    scenario = scenarioChoice.scenario();
    tune = tuneFromParameter();
    mixedPrecision = mixedPrecisionFromParameter();
  } catch (error) {
    showMessage(failureText(error));
    showScenarioKey(failureText(error));
    return;
  }
  stop = new AbortController();
  lastCheckpoint = undefined;
  clearResults(ui.results);
  ui.resultsNote.hidden = true;
  for (const figure of Object.values(figures)) figure.clear();
  setState('training');
  ui.progress.hidden = false;
  ui.progress.value = 0;
  showStatus(tune === 'off' ? 'Building the kernels…' : 'Choosing the kernels (timed once per adapter, then cached) and building them…', 0);
  const series = new EpisodeSeries(scenario.slotsPerEpisode);
  let iteration = 0;
  try {
    const outcome = await trainLara(scenario, {
      device: await device(), config, signal: stop.signal, tune, mixedPrecision,
      onProgress: (p) => {
        iteration = p.iteration;
        series.add(p.rows);
        ui.progress.value = p.iteration / p.total;
        const eta = (p.total - p.iteration) / p.iterationsPerSecond;
        showStatus(`Iteration ${p.iteration} of ${p.total} · ${rateText(p.iterationsPerSecond)} it/s · ETA ${duration(eta)}`, p.iteration);
        const specs = trainingSpecs(series.episodes(), config, scenario);
        void figures.reward.draw(specs.reward);
        void figures.latency.draw(specs.latency);
      },
    });
    iteration = outcome.iterations;
    lastCheckpoint = outcome.checkpoint();
    if (outcome.stopped) {
      showStatus(`Stopped at iteration ${iteration} of ${config.iterations}; download its checkpoint, or Start again.`, iteration);
      setState('stopped');
      return;
    }
    await showEvaluation({ ...outcome.policy, source: 'this page' }, config.evalSlots,
      `LARA trained here: ${config.envs} environments, batch ${config.batch}, ${config.iterations} iterations, hidden ${config.hidden.join('×')}`);
    showStatus(`Done: ${config.iterations} iterations trained and evaluated on ${config.evalSlots} slots.`, iteration);
    setState('done');
  } catch (error) {
    showMessage(`${failureText(error).replace(/\.$/, '')}; training stopped at iteration ${iteration} of ${config.iterations} (the plots are kept).`);
    showStatus(`Stopped by an error at iteration ${iteration}.`, iteration);
    setState('error');
  }
}

async function evaluateFile(file: File): Promise<void> {
  clearMessage();
  setState('evaluating');
  try {
    const policy = await openCheckpoint(file);
    // A checkpoint refused here leaves the forms as they were (Start would otherwise train with its config). A world's
    // evaluation holds no set of states on the GPU (FRA and RRA draw theirs there, LARA and OPT run on the CPU).
    const opened = await device();
    if (isLetter(worldOf(policy.scenario))) checkEvaluationFits(policy.config.evalSlots, opened.limits);
    trainingForm.fill(policy.config);
    scenarioChoice.show(policy.scenario, file.name);
    clearResults(ui.results);
    ui.resultsNote.hidden = true;
    for (const figure of Object.values(figures)) figure.clear();
    ui.progress.hidden = true;
    const count = policy.config.evalSlots;
    await showEvaluation(policy, count, `${file.name}: LARA after ${policy.iteration} iterations, hidden ${policy.config.hidden.join('×')}, seed ${policy.config.seed}`);
    showStatus(`${file.name}: ${policy.iteration} iterations, evaluated on ${count} slots of its scenario.`);
    setState('done');
  } catch (error) {
    showMessage(failureText(error));
    // The status must not say "Evaluating …" on a page that is back to ready.
    showStatus(`${file.name}: not evaluated (see the message above).`);
    setState(gpu ? 'ready' : 'error');
  }
}

async function bench(): Promise<void> {
  clearMessage();
  let config: TrainConfig;
  try { config = trainingForm.config(); } catch (error) { showMessage(failureText(error)); return; }
  const before = document.body.dataset.state as State;
  setState('benching');
  ui.benchResult.textContent = 'Measuring…';
  try {
    const r = await benchDevice({ device: await device(), config });
    ui.benchResult.dataset.envSteps = String(r.envSteps.stepsPerSecond);
    ui.benchResult.dataset.iterations = String(r.training.iterationsPerSecond);
    ui.benchResult.textContent = `${(r.envSteps.stepsPerSecond / 1e6).toPrecision(3)} million environment steps/s (${r.envSteps.envs} envs, FRA); `
      + `${rateText(r.training.iterationsPerSecond)} training iterations/s (${r.training.envs} envs, batch ${r.training.batch}, hidden ${r.training.hidden.join(',')}, ${r.training.updates} updates each)`;
    setState(before);
  } catch (error) {
    ui.benchResult.textContent = '';
    showMessage(failureText(error));
    setState('error');
  }
}

function wire(): void {
  ui.setup.addEventListener('submit', (event) => { event.preventDefault(); void start(); });
  ui.stop.addEventListener('click', () => {
    stop.abort();
    ui.stop.disabled = true;
    showStatus(`${ui.status.textContent} · stopping after the iterations in flight…`);
  });
  byId('scenario-defaults').addEventListener('click', () => suggestFor(scenarioChoice.pick(LETTER_FILE)));
  ui.scenarioFile.addEventListener('change', () => { clearMessage(); suggestFor(scenarioChoice.pick(ui.scenarioFile.value)); });
  ui.bench.addEventListener('click', () => void bench());
  ui.download.addEventListener('click', () => { if (lastCheckpoint) saveCheckpoint(lastCheckpoint); });
  ui.open.addEventListener('change', () => {
    const file = ui.open.files?.[0];
    ui.open.value = '';
    if (file) void evaluateFile(file);
  });
  // Drops anywhere on the page open the file (a drop outside the zone would otherwise navigate away from the page).
  document.addEventListener('dragover', (event) => { event.preventDefault(); ui.dropZone.classList.add('over'); });
  document.addEventListener('dragleave', () => ui.dropZone.classList.remove('over'));
  document.addEventListener('drop', (event) => {
    event.preventDefault();
    ui.dropZone.classList.remove('over');
    const file = event.dataTransfer?.files[0];
    if (file && !ui.open.disabled) void evaluateFile(file);
  });
}

async function init(): Promise<void> {
  wire();
  const scenarioGiven = scenarioFromParameter();
  try {
    if ((await listAdapters()).length === 0) {
      ui.adapter.textContent = NO_ADAPTER;
      showMessage(NO_ADAPTER);
      setState('no-adapter');
      return;
    }
    await device();
  } catch (error) {
    // A browser without WebGPU: the library's UserError says in one sentence what to use instead.
    const noWebgpu = !('gpu' in navigator) || !navigator.gpu;
    if (noWebgpu) ui.adapter.textContent = failureText(error);
    showMessage(failureText(error));
    setState(noWebgpu ? 'no-webgpu' : 'error');
    return;
  }
  setState('ready');
  if (scenarioGiven && parameters.get('autostart') === '1') void start();
}

void init();
