/**
 * vitest globalSetup: build dist/ once per run with the project's own build script, so the CLI tests
 * spawn exactly what `npx synthmon` runs (the bundled dist/synthmon.js), not the TypeScript sources,
 * and every synth deploys the runner bundle of the current sources (dist/runner). The library's tsc
 * emit is left out: only test/package uses it, and it packs (and so builds) a copy of its own.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  execFileSync(process.execPath, ['scripts/build.mjs', 'cli', 'runner'], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    stdio: 'inherit',
    timeout: 120_000,
  });
}
