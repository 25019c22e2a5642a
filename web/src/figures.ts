// Figures 3, 4 and 5 drawn in the page from the library's vega-lite specs (those of `megc figures`), as SVG.
import { parse, View } from 'vega';
import { compile } from 'vega-lite';
import {
  comparisonFigure, trainingFigures, type EpisodeMeans, type FigureSpec, type PolicyComparison, type Scenario, type TrainConfig,
} from '../../src/index.browser.js';

/** A visitor may not have the figures' font (DejaVu Sans): fall back to a font of the same build. */
const pageFont = (spec: FigureSpec) => `${spec.config?.font}, Verdana, sans-serif`;

/** One figure in a container: each draw replaces the previous drawing; draws are serialised and coalesced. */
export class Figure {
  private view: View | undefined;
  private latest: FigureSpec | undefined;
  private drawing: Promise<void> | undefined;

  constructor(private readonly container: HTMLElement) {}

  /** Draws `spec` (the latest wins when draws come faster than they render). */
  draw(spec: FigureSpec): Promise<void> {
    this.latest = spec;
    this.drawing ??= this.drawLatest().finally(() => { this.drawing = undefined; });
    return this.drawing;
  }

  private async drawLatest(): Promise<void> {
    while (this.latest) {
      const spec = this.latest;
      this.latest = undefined;
      const config = { ...(spec.config ?? {}), font: pageFont(spec) };
      const target = document.createElement('div');
      const view = new View(parse(compile({ ...spec, config } as FigureSpec).spec), { renderer: 'svg', container: target, hover: false });
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

/** Fig. 3 (episode reward) and Fig. 4 (each user's latency; a world's: each type's) of a run in progress. */
export function trainingSpecs(episodes: readonly EpisodeMeans[], config: TrainConfig, scenario: Scenario): { reward: FigureSpec; latency: FigureSpec } {
  return trainingFigures(episodes, config, { scenario, lines: [setupLine(config)] });
}

/** Fig. 5: mean latency per user (a world: per type) and in total of LARA, FRA, RRA and OPT on the evaluation set. */
export function evaluationSpec(comparison: PolicyComparison, scenario: Scenario, what: string): FigureSpec {
  return comparisonFigure(comparison, { scenario, lines: [what] });
}
