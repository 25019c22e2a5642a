// The web page in a real browser for tests: Debian's chromium (npm run setup installs it) driven by playwright-core,
// headless with WebGPU on SwiftShader; the page built by vite into a scratch folder and served over HTTP from it.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { ROOT } from './cli.js';

export const CHROMIUM = '/usr/bin/chromium';

/** Flags: WebGPU on the software adapter, root without a sandbox, and no attempts to reach the (closed) network. */
const CHROMIUM_FLAGS = [
  '--enable-unsafe-webgpu', '--no-sandbox', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic',
];

/** Starts headless chromium with a fresh profile (playwright makes one per launch). */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: run \`npm run setup\` (bash scripts/setup-chromium.sh installs Debian's chromium)`);
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
}

/** Builds the page (npm run build:web's vite build) into `outDir`. */
export function buildPage(outDir: string): void {
  const vite = join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  const r = spawnSync(process.execPath, [vite, 'build', '--config', join(ROOT, 'web', 'vite.config.ts'), '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'],
    { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0 || !existsSync(join(outDir, 'index.html'))) throw new Error(`vite build failed (${r.status}): ${r.stdout}${r.stderr}`);
}

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.png': 'image/png', '.svg': 'image/svg+xml' };

/** A static file server for `dir` on 127.0.0.1 (a free port); `url` ends with a slash. */
export async function serveDirectory(dir: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((request, response) => {
    let path = normalize(join(dir, decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname)));
    if (path.endsWith(sep)) path = join(path, 'index.html');
    if (!path.startsWith(dir) || !existsSync(path) || !statSync(path).isFile()) { response.statusCode = 404; response.end(); return; }
    response.setHeader('content-type', TYPES[extname(path)] ?? 'application/octet-stream');
    response.end(readFileSync(path));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { url: `http://127.0.0.1:${address.port}/`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
