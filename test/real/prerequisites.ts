/**
 * vitest globalSetup of `npm run test:real`: the suite needs Debian's daphne, nginx and Django
 * packages. When any is missing it fails at once with one line naming the command that installs
 * them, and exits 1; nothing is skipped.
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { DAPHNE, INSTALL_COMMAND, NGINX, PYTHON } from './stack';

export default function setup(): void {
  const missing: string[] = [];
  for (const file of [PYTHON, DAPHNE, NGINX]) {
    try {
      accessSync(file, constants.X_OK);
    } catch {
      missing.push(file);
    }
  }
  if (!missing.includes(PYTHON)) {
    try {
      execFileSync(PYTHON, ['-c', 'import django, rest_framework, channels, daphne'], {
        stdio: 'pipe',
        timeout: 30_000,
        env: { PATH: '/usr/bin:/bin', PYTHONNOUSERSITE: '1' },
      });
    } catch {
      missing.push('the Python modules django, rest_framework, channels, daphne');
    }
  }
  if (missing.length) {
    // One line and a failing exit, before any test starts (a thrown error would come with vitest's banner and stack).
    process.stderr.write(`npm run test:real needs ${missing.join(', ')}: install them with: ${INSTALL_COMMAND}\n`);
    process.exit(1);
  }
}
