// MEGC_DAWN_FLAGS that Dawn cannot parse, or that hide every adapter, are one line naming the variable (exit 2), not
// an internal error or a bare "no adapter".
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, ensureBuilt, errorLines, ROOT } from './helpers/cli.js';

beforeAll(() => ensureBuilt());

function evalWithFlags(flags: string) {
  const r = spawnSync(process.execPath, [CLI, 'eval', '--policy', 'fra', '--slots', '8'], {
    cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: { ...process.env, MEGC_DAWN_FLAGS: flags },
  });
  return { status: r.status, lines: errorLines(r.stderr) };
}

describe('MEGC_DAWN_FLAGS', () => {
  it('that Dawn cannot parse: one line naming the variable and its value', () => {
    const result = evalWithFlags('garbage');
    expect(result.status).toBe(2);
    expect(result.lines).toEqual(['megc: error: MEGC_DAWN_FLAGS="garbage": Dawn cannot use these flags (Flags expected argument format is <key>=<value>); give key=value flags separated by spaces, or unset it']);
  });

  it('that hide every adapter: the refusal names the variable', () => {
    const result = evalWithFlags('backend=d3d12');
    expect(result.status).toBe(2);
    expect(result.lines).toEqual([expect.stringMatching(/^megc: error: no WebGPU adapter found with MEGC_DAWN_FLAGS="backend=d3d12" \(its Dawn flags may hide every adapter: unset it to check\); /)]);
  });
});
