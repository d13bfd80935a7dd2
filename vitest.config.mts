import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The real Django/nginx stack runs apart: `npm run test:real` (vitest.real.config.mts).
    exclude: [...configDefaults.exclude, 'test/real/**'],
    globalSetup: ['test/global-setup.ts'],
    // Network tests bind loopback servers and measure deadlines; two cores are shared, so keep
    // file-level parallelism modest and generous per-test limits (deadlines are asserted, not speed).
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
