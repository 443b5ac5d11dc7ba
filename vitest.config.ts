import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // Multi-process tests spawn real nodes; two cores are shared, so keep files from piling up.
    fileParallelism: true,
    maxWorkers: 2,
    minWorkers: 1,
  },
});
