// Builds the CLI (and the benchmark runner) with the local esbuild: one CommonJS file per entry,
// dependencies left in node_modules. Runs from `npm ci` (prepare), so `npx synthmon` works at once.
import { build } from 'esbuild';
import { chmodSync, existsSync } from 'node:fs';

const entries = { synthmon: 'bin/synthmon.ts', bench: 'bench/run.ts' };
for (const [name, entry] of Object.entries(entries)) {
  if (!existsSync(entry)) continue;
  const outfile = `dist/${name}.js`;
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    packages: 'external',
    sourcemap: true,
    banner: name === 'synthmon' ? { js: '#!/usr/bin/env node' } : undefined,
    logLevel: 'warning',
  });
  chmodSync(outfile, 0o755);
}
