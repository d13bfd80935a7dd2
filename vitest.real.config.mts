import { defineConfig } from 'vitest/config';

// `npm run test:real`: the probe against a real Django + DRF + Channels backend (daphne) behind a
// real nginx, on loopback (test/real). Needs Debian's packages; test/real/prerequisites.ts names
// the apt-get command when they are missing. The CLI's dist/ is built as for `npm test`.
export default defineConfig({
  test: {
    include: ['test/real/**/*.test.ts'],
    globalSetup: ['test/real/prerequisites.ts', 'test/global-setup.ts'],
    // Each file runs its own daphne and nginx; one file at a time keeps the two shared cores calm.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
