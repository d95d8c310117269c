import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('..', import.meta.url));

export default defineConfig({
  root,
  resolve: {
    // Tests import the built package by its name, as a user would.
    alias: [
      { find: /^kvbm-sequence\/vllm$/, replacement: `${root}dist/vllm.js` },
      { find: /^kvbm-sequence$/, replacement: `${root}dist/index.js` },
    ],
  },
  test: {
    include: ['tests/**/*.test.ts'],
    pool: 'forks',
    poolOptions: { forks: { execArgv: ['--expose-gc'] } },
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
