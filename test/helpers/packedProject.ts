// The package as a user gets it: `npm pack` of this checkout (dist/ as built, the browser bundle rebuilt), installed
// offline into a fresh project with `npm ci` from a lockfile derived from this repository's (so npm takes every
// dependency's tarball from the cache that `npm ci` of this repository filled), with examples/ copied in.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPOSITORY = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const TSC = join(REPOSITORY, 'node_modules/typescript/bin/tsc');
export const VITE = join(REPOSITORY, 'node_modules/vite/bin/vite.js');

interface LockEntry { version?: string; resolved?: string; integrity?: string; dev?: boolean; devOptional?: boolean; optional?: boolean;
  dependencies?: Record<string, string>; optionalDependencies?: Record<string, string>; peerDependencies?: Record<string, string>; [key: string]: unknown }

export interface PackedProject {
  /** The consumer project: node_modules/megc-webgpu installed from the tarball, node/ and browser/ from examples/. */
  dir: string;
  tarball: string;
  /** Paths in the tarball, relative to the package root. */
  files: string[];
}

function run(command: string, args: string[], cwd: string): string {
  try {
    return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_loglevel: 'error' } });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${command} ${args.join(' ')} (in ${cwd}) failed:\n${e.stdout ?? ''}${e.stderr ?? e.message}`);
  }
}

/** Where package `name` required from lock path `from` is installed (node's lookup: nested node_modules first). */
function lookup(packages: Record<string, LockEntry>, from: string, name: string): string | undefined {
  for (let dir = from; ; dir = dir.slice(0, Math.max(0, dir.lastIndexOf('/node_modules/')))) {
    const path = `${dir ? `${dir}/` : ''}node_modules/${name}`;
    if (packages[path]) return path;
    if (!dir) return undefined;
  }
}

/** Lock entries reachable from `roots` (lock paths), following dependencies and optional dependencies. */
function closure(packages: Record<string, LockEntry>, roots: string[]): Set<string> {
  const seen = new Set<string>();
  const queue = [...roots];
  while (queue.length > 0) {
    const path = queue.pop()!;
    if (seen.has(path)) continue;
    seen.add(path);
    const entry = packages[path];
    for (const name of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies, ...entry.peerDependencies })) {
      const found = lookup(packages, path, name);
      if (found) queue.push(found);
    }
  }
  return seen;
}

/**
 * package-lock.json of a project that depends on the tarball (and on the dev packages `devNames` for type-checking):
 * this repository's entries for the package's dependencies, at the same paths, so that `npm ci --offline` works.
 */
function consumerLock(tarballName: string, tarball: Buffer, devNames: string[]): { pkg: object; lock: object } {
  const repoLock = JSON.parse(readFileSync(join(REPOSITORY, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const repoPkg = JSON.parse(readFileSync(join(REPOSITORY, 'package.json'), 'utf8')) as { name: string; version: string; dependencies: Record<string, string>; bin: Record<string, string> };
  const packages = repoLock.packages;
  const prodRoots = Object.keys(repoPkg.dependencies).map((name) => `node_modules/${name}`);
  const prod = closure(packages, prodRoots);
  const dev = closure(packages, devNames.map((name) => `node_modules/${name}`));
  const spec = `file:../${tarballName}`;
  const devDependencies = Object.fromEntries(devNames.map((name) => [name, packages[`node_modules/${name}`].version!]));
  const entries: Record<string, LockEntry> = {
    '': { name: 'consumer', dependencies: { [repoPkg.name]: spec }, devDependencies },
    [`node_modules/${repoPkg.name}`]: {
      version: repoPkg.version, resolved: spec,
      integrity: `sha512-${createHash('sha512').update(tarball).digest('base64')}`,
      dependencies: repoPkg.dependencies, bin: repoPkg.bin,
    },
  };
  for (const path of [...new Set([...prod, ...dev])].sort()) {
    const { dev: _dev, devOptional, ...entry } = packages[path];
    const optional = entry.optional || devOptional;
    entries[path] = { ...entry, ...(prod.has(path) ? {} : { dev: true }), ...(optional ? { optional: true } : {}) };
  }
  const pkg = { name: 'consumer', private: true, type: 'module', dependencies: { [repoPkg.name]: spec }, devDependencies };
  return { pkg, lock: { name: 'consumer', lockfileVersion: 3, requires: true, packages: entries } };
}

/** Packs this checkout and installs the tarball into a new temporary project (offline); about 20-40 s. */
export function packedProject(): PackedProject {
  if (!existsSync(join(REPOSITORY, 'dist/src/index.d.ts'))) throw new Error('dist/src/index.d.ts is missing: build first (npx tsc -p tsconfig.json)');
  run(process.execPath, [VITE, 'build', '--config', 'web/vite.lib.config.ts', '--logLevel', 'warn'], REPOSITORY);
  const root = mkdtempSync(join(tmpdir(), 'megc-pack-'));
  const packed = JSON.parse(run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', root], REPOSITORY)) as { filename: string; files: { path: string }[] }[];
  const tarball = join(root, packed[0].filename);
  const dir = join(root, 'consumer');
  const { pkg, lock } = consumerLock(packed[0].filename, readFileSync(tarball), ['@types/node']);
  cpSync(join(REPOSITORY, 'examples'), dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg, null, 2));
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify(lock, null, 2));
  run('npm', ['ci', '--offline', '--no-audit', '--no-fund'], dir);
  return { dir, tarball, files: packed[0].files.map((f) => f.path) };
}

/** Runs a command of the consumer project; its output, or an Error with the output. */
export function inProject(project: PackedProject, command: string, args: string[], cwd = '.'): string {
  return run(command, args, join(project.dir, cwd));
}
