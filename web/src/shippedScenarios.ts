// The scenario files of scenarios/ that the page offers, bundled into it (the page works offline): the letter's first,
// then the worlds of many users and several edge servers.
import association from '../../scenarios/association.json?raw';
import letter from '../../scenarios/default.json?raw';
import large from '../../scenarios/large.json?raw';
import multiServers from '../../scenarios/multi-servers.json?raw';
import multiUsers from '../../scenarios/multi-users.json?raw';
import { LETTER_FILE, type ScenarioFile } from './scenarioChoice.js';

export const SHIPPED_SCENARIOS: readonly ScenarioFile[] = [
  { name: LETTER_FILE, text: letter },
  { name: 'multi-users', text: multiUsers },
  { name: 'multi-servers', text: multiServers },
  { name: 'association', text: association },
  { name: 'large', text: large },
];
