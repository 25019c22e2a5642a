// Vite config of the web page (npm run web, npm run build:web): web/ is the root, the repository's src/, bench/ and
// shaders/ are imported as they are, *.browser.ts files replace their Node twins, and Node-only modules fail the build.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const WEB = fileURLToPath(new URL('.', import.meta.url));
const REPOSITORY = fileURLToPath(new URL('..', import.meta.url));

/** The platform boundary at bundle time: X.browser.ts beside X.ts wins; node:* and webgpu (Dawn) are refused. */
export function browserPlatform(): Plugin {
  return {
    name: 'megc-browser-platform',
    enforce: 'pre',
    async resolveId(source, importer, options) {
      if (source.startsWith('node:') || source === 'webgpu') {
        this.error(`${importer ?? 'the page'} imports ${source}, which only Node has: reach it through src/platform/host.ts`);
      }
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
      if (!resolved || resolved.external || !resolved.id.endsWith('.ts')) return resolved;
      const twin = resolved.id.replace(/\.ts$/, '.browser.ts');
      return existsSync(twin) ? { ...resolved, id: twin } : resolved;
    },
  };
}

export default defineConfig({
  root: WEB,
  base: './',
  plugins: [browserPlatform()],
  server: { fs: { allow: [REPOSITORY] } },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 2048 },
});
