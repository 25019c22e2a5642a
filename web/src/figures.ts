// Figures 3, 4 and 5 drawn in the page from the command line's own vega-lite specs (src/figures/specs.ts), as SVG.
import { parse, View } from 'vega';
import { compile } from 'vega-lite';
import { learningRateLabel, policyLatencyTable, rewardTable, shortNumber, userLatencyTable } from '../../src/figures/data.js';
import type { TrainingRun } from '../../src/figures/runTypes.js';
import { FIGURE_FONT, latencyTitles, policyLatencySpec, rewardSpec, userLatencySpec, worldCaptionLine } from '../../src/figures/specs.js';
import type { TrainConfig } from '../../src/train/config.js';

type Spec = Parameters<typeof compile>[0];

/** A visitor may not have DejaVu Sans: fall back to a font of the same build. */
const PAGE_FONT = `${FIGURE_FONT}, Verdana, sans-serif`;

/** One figure in a container: each draw replaces the previous drawing; draws are serialised and coalesced. */
export class Figure {
  private view: View | undefined;
  private latest: Spec | undefined;
  private drawing: Promise<void> | undefined;

  constructor(private readonly container: HTMLElement) {}

  /** Draws `spec` (the latest wins when draws come faster than they render). */
  draw(spec: Spec): Promise<void> {
    this.latest = spec;
    this.drawing ??= this.drawLatest().finally(() => { this.drawing = undefined; });
    return this.drawing;
  }

  private async drawLatest(): Promise<void> {
    while (this.latest) {
      const spec = this.latest;
      this.latest = undefined;
      const config = { ...(spec.config ?? {}), font: PAGE_FONT };
      const target = document.createElement('div');
      const view = new View(parse(compile({ ...spec, config } as Spec).spec), { renderer: 'svg', container: target, hover: false });
      await view.runAsync();
      this.container.replaceChildren(target);
      this.view?.finalize();
      this.view = view;
    }
  }

  clear(): void {
    this.latest = undefined;
    this.view?.finalize();
    this.view = undefined;
    this.container.replaceChildren();
  }
}

function setupLine(config: TrainConfig): string {
  return `LARA (${config.critic === 'model' ? 'model critic' : 'DDPG'}) trained on this GPU: ${config.envs} environments, batch ${config.batch}, ${config.iterations} iterations, `
    + `hidden ${config.hidden.join('×')}, ${config.updatesPerIteration} update${config.updatesPerIteration === 1 ? '' : 's'} per iteration, seed ${config.seed}`;
}

/** Fig. 3 (episode reward) and Fig. 4 (each user's latency; a world's: each type's) of a run in progress; `world` describes a world. */
export function trainingSpecs(run: TrainingRun, config: TrainConfig, slotsPerEpisode: number, world?: string): { reward: Spec; latency: Spec } {
  const setup = setupLine(config);
  const group = { scale: 1, lrActor: config.lrActor, lrCritic: config.lrCritic, runs: [run] };
  const subject = world === undefined ? 'users' : 'types';
  return {
    reward: rewardSpec(rewardTable([group]), {
      title: 'Fig. 3 — Episode reward during training',
      lines: [setup, `learning rate ${learningRateLabel(group)}`],
    }, slotsPerEpisode),
    latency: userLatencySpec(userLatencyTable([run]), {
      title: latencyTitles(subject).userLatency,
      lines: [...(world === undefined ? [] : [worldCaptionLine(world)]), setup, `lr actor ${shortNumber(config.lrActor)} / critic ${shortNumber(config.lrCritic)}`],
    }, slotsPerEpisode, subject),
  };
}

/** Fig. 5: mean latency per user (a world: per type) and in total of LARA, FRA, RRA and OPT on the evaluation set. */
export function evaluationSpec(run: TrainingRun, what: string, world?: string): Spec {
  const subject = world === undefined ? 'users' : 'types';
  return policyLatencySpec(policyLatencyTable([run]), {
    title: latencyTitles(subject).policyLatency,
    lines: [...(world === undefined ? [] : [worldCaptionLine(world, run.evaluation!.optExact)]),
      `${run.evaluation!.slots} evaluation slots, the same states for every policy`, what],
  }, subject);
}
