// `megc bench` as a user runs it from another folder: the report records this package's version, and --peers writes
// its report relative to the working directory (checked before any work), never into the package.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { peersReportPath } from '../bench/peers/race.js';
import { ensureBuilt, megc, ROOT } from './helpers/cli.js';

const PACKAGE_VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

let cwd: string;
beforeAll(() => {
  ensureBuilt();
  cwd = mkdtempSync(join(tmpdir(), 'megc-bench-cli-'));
});

describe('megc bench', () => {
  it('--json records the package version (run from dist/, in another folder)', () => {
    const r = megc(['bench', '--quick', '--only', 'env', '--device', 'cpu', '--json'], { cwd });
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { versions: Record<string, string> };
    expect(report.versions.megc).toBe(PACKAGE_VERSION);
    expect(report.versions.node).toBe(process.version);
    expect(report.versions.webgpu).toMatch(/^\d+\.\d+/);
  });

  it('--peers writes runs/peers.json under the working directory, not the package', () => {
    expect(peersReportPath(undefined, cwd)).toBe(join(cwd, 'runs', 'peers.json'));
    expect(peersReportPath('out/race.json', cwd)).toBe(join(cwd, 'out', 'race.json'));
    expect(peersReportPath(true, cwd)).toBeUndefined();
    // A file named runs in the working directory blocks that place: refused at once, naming it, before any work.
    const blocked = mkdtempSync(join(tmpdir(), 'megc-bench-peers-'));
    writeFileSync(join(blocked, 'runs'), 'not a folder\n');
    const r = megc(['bench', '--peers'], { cwd: blocked, timeout: 60_000 });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(join(blocked, 'runs'));
    expect(readFileSync(join(blocked, 'runs'), 'utf8')).toBe('not a folder\n');
  });
});
