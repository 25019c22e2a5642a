// Vite config of the package's browser entry (npm run build:browser): src/index.browser.ts bundled as one ES module,
// dist/browser/index.js, with the page's platform rule (*.browser.ts twins, shaders/ inlined as text) and the
// package's dependencies left as imports for the application's bundler.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { browserPlatform } from './vite.config.js';

const REPOSITORY = fileURLToPath(new URL('..', import.meta.url));

export default defineConfig({
  root: REPOSITORY,
  plugins: [browserPlatform()],
  build: {
    outDir: 'dist/browser',
    emptyOutDir: true,
    target: 'es2022',
    minify: false,
    sourcemap: true,
    lib: { entry: 'src/index.browser.ts', formats: ['es'], fileName: () => 'index.js' },
    rolldownOptions: { external: (id: string) => /^[@a-z]/.test(id) && !id.startsWith('/') },
  },
});
