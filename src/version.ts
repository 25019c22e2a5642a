// The package's own version, read from its package.json (beside shaders/, found from src/ or dist/src/); Node only.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SHADER_DIR } from './gpu/shaders.js';

let version: string | undefined;

/** package.json's "version" of this package (what config.json and `megc bench --json` record). */
export function packageVersion(): string {
  version ??= String((JSON.parse(readFileSync(join(dirname(SHADER_DIR), 'package.json'), 'utf8')) as { version: unknown }).version);
  return version;
}
