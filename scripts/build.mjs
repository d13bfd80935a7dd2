// Builds what the package ships (docs/DESIGN.md#packaging). Runs from `npm ci` and `npm pack`
// (prepare), so `npx synthmon` works at once and a packed tarball holds everything. Parts, all by
// default, or the ones named as arguments (`node scripts/build.mjs cli runner`):
//   cli     the CLI (and the benchmark runner) with the local esbuild: one CommonJS file per entry,
//           dependencies left in node_modules
//   runner  the runner function's code bundle, dist/runner/ (scripts/build-runner.ts)
//   lib     the library: lib/index.ts and what it imports, compiled by tsc to CommonJS with .d.ts
//           under dist/ (tsconfig.build.json)
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { build } from 'esbuild';
import { tsImport } from 'tsx/esm/api';

const PARTS = ['cli', 'runner', 'lib'];
const wanted = process.argv.slice(2);
const unknown = wanted.filter((p) => !PARTS.includes(p));
if (unknown.length) {
  process.stderr.write(`build: unknown part ${unknown.join(', ')}; the parts are ${PARTS.join(', ')}\n`);
  process.exit(2);
}
const parts = new Set(wanted.length ? wanted : PARTS);

if (parts.has('cli')) {
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
}

if (parts.has('runner')) {
  // TypeScript, so the bundle is defined once (lib/runner-bundle.ts) for the build, the construct and the tests.
  const { buildRunnerBundle } = await tsImport('./build-runner.ts', import.meta.url);
  await buildRunnerBundle(build);
}

if (parts.has('lib')) {
  // A fresh emit: a module deleted from the sources must not linger in the package.
  for (const dir of ['dist/lib', 'dist/contracts', 'dist/lambda']) rmSync(dir, { recursive: true, force: true });
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
}
