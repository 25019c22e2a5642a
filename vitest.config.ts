// GPU test files share one software GPU (lavapipe): run every file in one forked process, one after another. The
// tuner's cache lives in a folder of this test run (MEGC_CACHE_DIR), so tests never read a user's choices.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    fileParallelism: false,
    maxWorkers: 1,
    isolate: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    env: { XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp', MEGC_CACHE_DIR: mkdtempSync(join(tmpdir(), 'megc-test-cache-')) },
  },
});
