// The page's two forms as DOM: the training fields and the scenario table (every key, its unit and default), filled
// from texts and read back as texts; parseScenario and parseTrainConfig check what they hold.
import { DEFAULT_SCENARIO, type Scenario, type TrainConfig } from '../../src/index.browser.js';
import { SCENARIO_KEYS, scenarioFromTexts, scenarioText } from './scenarioKeys.js';
import { configFromTexts, TRAINING_FIELDS, trainingTexts } from './trainingKeys.js';

function textInput(name: string, value: string, label: string): HTMLInputElement {
  const input = document.createElement('input');
  input.type = 'text';
  input.name = name;
  input.value = value;
  input.spellcheck = false;
  input.setAttribute('aria-label', label);
  return input;
}

/** A select of `choices` holding `value` (a value it does not offer reads back as '', which the config refuses). */
function choiceInput(name: string, choices: readonly string[], value: string, label: string): HTMLSelectElement {
  const select = document.createElement('select');
  select.name = name;
  select.append(...choices.map((choice) => new Option(choice, choice)));
  select.value = value;
  select.setAttribute('aria-label', label);
  return select;
}

export class TrainingForm {
  private readonly inputs = new Map<string, HTMLInputElement | HTMLSelectElement>();
  /** Per field, the value a scenario last suggested (suggest replaces only a value the visitor left as suggested). */
  private readonly suggested = new Map<string, string>();

  constructor(container: HTMLElement, texts: Record<string, string>) {
    for (const field of TRAINING_FIELDS) {
      const label = document.createElement('label');
      const input = field.choices ? choiceInput(field.name, field.choices, texts[field.name], field.label) : textInput(field.name, texts[field.name], field.label);
      label.append(field.label, input);
      if (field.note) {
        const note = document.createElement('small');
        note.textContent = field.note;
        label.append(note);
        label.classList.add('with-note');
      }
      container.append(label);
      this.inputs.set(field.name, input);
    }
  }

  /** The config the fields hold (UserError `training: …` when a value is wrong). */
  config(): TrainConfig {
    return configFromTexts(Object.fromEntries([...this.inputs].map(([name, input]) => [name, input.value])));
  }

  fill(config: TrainConfig): void {
    const texts = trainingTexts(config);
    for (const [name, input] of this.inputs) input.value = texts[name];
  }

  /**
   * Sets field `name` to `value` unless the visitor changed it from what was suggested before (at first: the
   * recipe's default).
   */
  suggest(name: string, value: string): void {
    const input = this.inputs.get(name);
    if (!input) return;
    const before = this.suggested.get(name) ?? trainingTexts()[name];
    if (input.value === before) input.value = value;
    this.suggested.set(name, value);
  }
}

export class ScenarioForm {
  /** Per SCENARIO_KEYS entry, its input. */
  private readonly inputs: HTMLInputElement[] = [];

  constructor(body: HTMLTableSectionElement) {
    // An interval's two ends share one row.
    let row: HTMLTableRowElement | undefined;
    SCENARIO_KEYS.forEach((key, i) => {
      const name = key.path.join('.');
      const end = key.path[key.path.length - 1];
      const input = textInput(name, scenarioText(DEFAULT_SCENARIO, key.path), `${key.label}${end === 0 ? ' (low)' : end === 1 ? ' (high)' : ''}`);
      this.inputs[i] = input;
      if (end === 1 && row) { row.cells[1].append(input); row.cells[3].textContent += ` – ${scenarioText(DEFAULT_SCENARIO, key.path)}`; return; }
      row = body.insertRow();
      const cells = [key.label, '', key.unit, scenarioText(DEFAULT_SCENARIO, key.path)].map((text) => {
        const cell = row!.insertCell();
        cell.textContent = text;
        return cell;
      });
      cells[0].title = key.path.filter((p) => typeof p === 'string').join('.');
      cells[1].append(input);
    });
  }

  /** The scenario the table holds, checked as `--scenario FILE` is (UserError `scenario: KEY …` otherwise). */
  scenario(): Scenario {
    return scenarioFromTexts(this.inputs.map((input) => input.value));
  }

  fill(scenario: Scenario): void {
    SCENARIO_KEYS.forEach((key, i) => { this.inputs[i].value = scenarioText(scenario, key.path); });
  }

  /** The input of key path `name` (e.g. "distance.comp", "data.ve.1"). */
  input(name: string): HTMLInputElement | undefined {
    return this.inputs.find((input) => input.name === name);
  }
}
