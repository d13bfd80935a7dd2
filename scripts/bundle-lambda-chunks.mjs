// Builds the modules the probe handler loads lazily (`await import()` on its first run) as separate
// minified CommonJS files next to the handler bundle, where require() from <outdir>/index.js finds
// them: "./config" → <outdir>/config.js, "@aws-sdk/client-cloudwatch" →
// <outdir>/node_modules/@aws-sdk/client-cloudwatch/index.js. The handler bundle leaves exactly these
// specifiers external, so Lambda's init compiles only the small index.js.
//
// Run by NodejsFunction's afterBundling hook (lib/synthetic-monitor.ts), with one argument: a JSON
// object { outdir, chunks: [{ entry, file }], target, minify, sourcemap, sourcesContent }. An entry
// that is an absolute path is bundled as is; anything else is a package, resolved from this project's
// node_modules, so the deployed SDK is the version the tests ran against, never the runtime's.
import { build } from 'esbuild';
import { isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const projectRoot = fileURLToPath(new URL('..', import.meta.url));

/** @param {{ outdir: string; chunks: Array<{ entry: string; file: string }>; target: string; minify: boolean; sourcemap: boolean; sourcesContent: boolean }} spec */
async function buildChunks(spec) {
  if (!spec?.outdir || !Array.isArray(spec.chunks)) throw new Error('expected {"outdir": ..., "chunks": [...]}');
  await Promise.all(
    spec.chunks.map(({ entry, file }) =>
      build({
        ...(isAbsolute(entry)
          ? { entryPoints: [entry] }
          : // require(), not `export *`: the chunk's exports are then exactly the package's CJS exports.
            { stdin: { contents: `module.exports = require(${JSON.stringify(entry)});`, resolveDir: projectRoot, sourcefile: `${entry}.chunk.js`, loader: 'js' } }),
        outfile: join(spec.outdir, file),
        bundle: true,
        platform: 'node',
        format: 'cjs',
        target: spec.target,
        minify: spec.minify,
        sourcemap: spec.sourcemap,
        sourcesContent: spec.sourcesContent,
        // As in the handler bundle: an import() that is left in place would go through the ESM
        // loader, which neither resolves extensionless paths nor sees a minified chunk's names.
        supported: { 'dynamic-import': false },
        logLevel: 'warning',
      }),
    ),
  );
}

try {
  await buildChunks(JSON.parse(process.argv[2] ?? 'null'));
} catch (err) {
  process.stderr.write(`bundle-lambda-chunks: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}
