import { defineConfig } from 'vitest/config';

// `npm run test:conformance`: the full seeded generator against headless Chromium
// (test/conformance/full.conformance.ts; CONFORMANCE_SEED, CONFORMANCE_CASES). The fixed core set
// runs in `npm test` (test/conformance/core.test.ts). One browser, one file, cases in sequence.
export default defineConfig({
  test: {
    include: ['test/conformance/**/*.conformance.ts'],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
