// The page's scenario: a shipped scenario file picked from a list (the letter's, whose keys the table edits, or a
// world of many users and servers, shown read-only as its JSON), or one that the URL parameter or an opened checkpoint
// brings. Training, evaluation and the checkpoint use the scenario this holds.
import { DEFAULT_SCENARIO, isLetter, parseScenarioText, scenarioToJson, worldOf, worldSummary, type Scenario } from '../../src/index.browser.js';
import type { ScenarioForm } from './forms.js';

/** A scenario file of scenarios/: its name without .json and its text. */
export interface ScenarioFile { name: string; text: string }

/** The letter's file: the first entry of the list, the one whose keys the table holds. */
export const LETTER_FILE = 'default';
/** The list's entry for a world that no shipped file describes (from the URL or a checkpoint). */
const OTHER = '(other)';

/** One line for a scenario: `the letter's world: 3 users on 1 server`, or the world's summary (worldSummary). */
export function scenarioSummary(scenario: Scenario): string {
  const world = worldOf(scenario);
  return isLetter(world) ? "the letter's world: 3 users on 1 server" : worldSummary(world);
}

/** A shipped file's scenario, checked as `--scenario scenarios/NAME.json` is. */
export function shippedScenario(file: ScenarioFile): Scenario {
  return parseScenarioText(file.text, `scenarios/${file.name}.json`);
}

const sameScenario = (a: Scenario, b: Scenario) => JSON.stringify(scenarioToJson(a)) === JSON.stringify(scenarioToJson(b));

export interface ScenarioChoiceElements {
  select: HTMLSelectElement;
  /** The details' summary text (the letter's table or the world's JSON). */
  heading: HTMLElement;
  /** The letter's key table. */
  table: HTMLTableElement;
  /** The world's block: a note and the JSON. */
  worldView: HTMLElement;
  /** The letter's Defaults button (hidden while a world is shown). */
  defaults: HTMLElement;
  worldJson: HTMLElement;
}

export class ScenarioChoice {
  /** The world the page trains; undefined while the letter's table is the scenario. */
  private world: Scenario | undefined;
  private readonly files: { file: ScenarioFile; scenario: Scenario }[];
  private readonly letterHeading: string;

  constructor(private readonly ui: ScenarioChoiceElements, private readonly form: ScenarioForm, files: readonly ScenarioFile[]) {
    this.files = files.map((file) => ({ file, scenario: shippedScenario(file) }));
    this.letterHeading = ui.heading.textContent ?? '';
    ui.select.append(...this.files.map(({ file, scenario }) => new Option(`${file.name}.json: ${scenarioSummary(scenario)}`, file.name)));
    ui.select.value = LETTER_FILE;
  }

  /** The scenario to train: the world picked, or the letter's table (UserError `scenario: KEY …` when a key is wrong). */
  scenario(): Scenario {
    return this.world ?? this.form.scenario();
  }

  /** The list's file name, or undefined for a world that no shipped file describes. */
  get name(): string | undefined {
    return this.ui.select.value === OTHER ? undefined : this.ui.select.value;
  }

  /** Loads shipped file `name` (the letter's: its values into the table); returns its scenario. */
  pick(name: string): Scenario {
    const entry = this.files.find((f) => f.file.name === name) ?? this.files[0];
    this.ui.select.value = entry.file.name;
    this.removeOther();
    if (entry.file.name === LETTER_FILE) this.showLetter(DEFAULT_SCENARIO);
    else this.showWorld(entry.scenario, entry.file.text, `scenarios/${entry.file.name}.json`);
    return entry.scenario;
  }

  /** The shipped file named `text` (`multi-users` or `multi-users.json`), if there is one. */
  shipped(text: string): string | undefined {
    return this.files.find((f) => text === f.file.name || text === `${f.file.name}.json`)?.file.name;
  }

  /**
   * Shows a scenario from elsewhere (`source`: the URL parameter, a checkpoint's name): the letter's into the table;
   * a world as the shipped file it equals, or as an entry of its own.
   */
  show(scenario: Scenario, source: string): void {
    this.removeOther();
    if (isLetter(worldOf(scenario))) {
      this.ui.select.value = LETTER_FILE;
      this.showLetter(scenario);
      return;
    }
    const shipped = this.files.find((f) => f.file.name !== LETTER_FILE && sameScenario(f.scenario, scenario));
    if (shipped) {
      this.ui.select.value = shipped.file.name;
      this.showWorld(scenario, shipped.file.text, `scenarios/${shipped.file.name}.json`);
      return;
    }
    this.ui.select.append(new Option(`${source}: ${scenarioSummary(scenario)}`, OTHER));
    this.ui.select.value = OTHER;
    this.showWorld(scenario, `${JSON.stringify(scenarioToJson(scenario), null, 2)}\n`, source);
  }

  private removeOther(): void {
    for (const option of [...this.ui.select.options]) if (option.value === OTHER) option.remove();
  }

  private showLetter(scenario: Scenario): void {
    this.world = undefined;
    this.form.fill(scenario);
    this.ui.heading.textContent = this.letterHeading;
    this.ui.table.hidden = false;
    this.ui.defaults.hidden = false;
    this.ui.worldView.hidden = true;
    this.ui.worldJson.textContent = '';
  }

  private showWorld(scenario: Scenario, text: string, source: string): void {
    this.world = scenario;
    this.ui.heading.textContent = `Scenario: ${source}, ${scenarioSummary(scenario)} (read-only)`;
    this.ui.table.hidden = true;
    this.ui.defaults.hidden = true;
    this.ui.worldView.hidden = false;
    this.ui.worldJson.textContent = text;
  }
}
