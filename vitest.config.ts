import { defineConfig } from 'vitest/config';

// One config for every test level; browser and integration tests start real servers on port 0.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default', ['json', { outputFile: '.ci/test-results.json' }]],
  },
});
