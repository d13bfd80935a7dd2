/**
 * Builds the runner's code bundle into dist/runner/ (docs/DESIGN.md#packaging), run by
 * scripts/build.mjs: index.js with HANDLER_ESBUILD_OPTIONS (every LAZY_CHUNKS specifier external),
 * then each lazy chunk as its own minified CommonJS file where require() from index.js finds it in
 * the asset: "./probes/http" → probes/http.js, "./incidents" → incidents.js (a chunk from the sources
 * leaves the SDK clients external: SOURCE_CHUNK_EXTERNALS), "@aws-sdk/client-cloudwatch" →
 * node_modules/@aws-sdk/client-cloudwatch/index.js (stored under modules/ in the package, see
 * packagedPath). A chunk that is a package is resolved from this project's node_modules, so the
 * deployed SDK is the version the tests ran against, never the Lambda runtime's.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { build as esbuildBuild } from 'esbuild';
import {
  BACKSTOP_BUNDLE_FILE,
  BACKSTOP_ENTRY,
  HANDLER_ESBUILD_OPTIONS,
  LAZY_CHUNKS,
  PACKAGE_ROOT,
  packagedPath,
  RUNNER_BUNDLE_DIR,
  RUNNER_BUNDLE_FILES,
  RUNNER_BUNDLE_STAMP,
  sha256,
  SOURCE_CHUNK_EXTERNALS,
  type RunnerBundleStamp,
} from '../lib/runner-bundle';

/**
 * Build the bundle into a fresh directory beside `outdir`, stamp it, then swap it in: a build that
 * fails half-way leaves the previous bundle in place, never half of one. `build` is esbuild's, passed
 * in by scripts/build.mjs: esbuild imported through tsx's loader looks for its binary at a path
 * with tsx's query string appended.
 */
export async function buildRunnerBundle(build: typeof esbuildBuild, outdir: string = RUNNER_BUNDLE_DIR): Promise<RunnerBundleStamp> {
  const staging = `${outdir}.tmp-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    const results = await Promise.all([
      build({
        ...HANDLER_ESBUILD_OPTIONS,
        entryPoints: [...HANDLER_ESBUILD_OPTIONS.entryPoints],
        external: [...HANDLER_ESBUILD_OPTIONS.external],
        outfile: path.join(staging, 'index.js'),
        metafile: true,
        logLevel: 'warning',
      }),
      // The backstop notifier: the same options, its own entry; the lazy chunks below serve both.
      build({
        ...HANDLER_ESBUILD_OPTIONS,
        entryPoints: [BACKSTOP_ENTRY],
        external: [...HANDLER_ESBUILD_OPTIONS.external],
        outfile: path.join(staging, BACKSTOP_BUNDLE_FILE),
        metafile: true,
        logLevel: 'warning',
      }),
      ...LAZY_CHUNKS.map(({ entry, file }) =>
        build({
          ...(path.isAbsolute(entry)
            ? { entryPoints: [entry], external: [...SOURCE_CHUNK_EXTERNALS] }
            : // require(), not `export *`: the chunk's exports are then exactly the package's CJS exports.
              {
                stdin: {
                  contents: `module.exports = require(${JSON.stringify(entry)});`,
                  resolveDir: PACKAGE_ROOT,
                  sourcefile: `${entry}.chunk.js`,
                  loader: 'js' as const,
                },
              }),
          outfile: path.join(staging, packagedPath(file)),
          bundle: true,
          platform: 'node',
          format: HANDLER_ESBUILD_OPTIONS.format,
          target: HANDLER_ESBUILD_OPTIONS.target,
          minify: HANDLER_ESBUILD_OPTIONS.minify,
          sourcemap: HANDLER_ESBUILD_OPTIONS.sourcemap,
          // As in index.js: an import() left in place would go through the ESM loader, which neither
          // resolves extensionless paths nor sees a minified chunk's names.
          supported: HANDLER_ESBUILD_OPTIONS.supported,
          metafile: true,
          logLevel: 'warning',
        }),
      ),
    ]);
    const hash = createHash('sha256');
    for (const file of RUNNER_BUNDLE_FILES)
      hash
        .update(file)
        .update('\0')
        .update(readFileSync(path.join(staging, packagedPath(file))));
    // The project's own inputs (esbuild's metafile paths are relative to the working directory), so
    // a synth in a checkout can tell a bundle older than an edit (readRunnerBundleStamp).
    const sources = [...new Set(results.flatMap((r) => Object.keys(r.metafile.inputs)))]
      .map((input) => path.resolve(input))
      .filter((file) => file.startsWith(PACKAGE_ROOT + path.sep) && !file.includes(`${path.sep}node_modules${path.sep}`) && existsSync(file))
      .map((file) => path.relative(PACKAGE_ROOT, file).split(path.sep).join('/'))
      .sort();
    const stamp: RunnerBundleStamp = {
      version: (JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version,
      sha256: hash.digest('hex'),
      sources: Object.fromEntries(sources.map((f) => [f, sha256(readFileSync(path.join(PACKAGE_ROOT, f)))])),
    };
    writeFileSync(path.join(staging, RUNNER_BUNDLE_STAMP), `${JSON.stringify(stamp, null, 2)}\n`);
    // rename() replaces only an empty directory: move the old one aside first, then drop it.
    const old = `${outdir}.old-${process.pid}`;
    rmSync(old, { recursive: true, force: true });
    try {
      renameSync(outdir, old);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    renameSync(staging, outdir);
    rmSync(old, { recursive: true, force: true });
    return stamp;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
