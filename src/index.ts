// The library's Node entry (package.json exports "." conditions "node" and "default"): the shared surface of
// src/api/index.ts and reading a scenario file by path.
import { loadScenario, type Scenario } from './scenario.js';

export * from './api/index.js';

/**
 * Reads and validates the scenario JSON file at `path` (e.g. the package's scenarios/default.json); every key is
 * optional (MODEL.md "Scenario file"). A UserError names the file and the key path and rule broken.
 */
export function loadScenarioFile(path: string): Scenario {
  return loadScenario(path);
}
