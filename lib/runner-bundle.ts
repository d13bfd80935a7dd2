/**
 * The runner's code bundle (docs/DESIGN.md#packaging): what is built, where it lives in the package,
 * and where each file goes in the function's asset. Built once, by `scripts/build.mjs` when the package
 * is installed for development or packed (`prepare`), into dist/runner/; a synth only copies it and
 * writes the fleet file beside it (lib/runner.ts). So synthesizing needs neither esbuild nor the
 * project's lock file, and an installed package deploys exactly the code that was packed.
 *
 * No imports of aws-cdk-lib or esbuild: the build script and the construct both load this.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CHECK_KINDS } from '../contracts/kinds';

/** The package's root: the nearest directory above this module holding synthmon's package.json (lib/ in the repo, dist/lib/ when installed). */
export const PACKAGE_ROOT = packageRoot(__dirname);

/** The handler the runner function runs (a source file: only the build reads it). */
export const HANDLER_ENTRY = path.join(PACKAGE_ROOT, 'lambda', 'handler.ts');

const LAMBDA_DIR = path.dirname(HANDLER_ENTRY);

/** Where the built bundle lives in the package. */
export const RUNNER_BUNDLE_DIR = path.join(PACKAGE_ROOT, 'dist', 'runner');

/**
 * Modules the handler loads with `await import()` on first use, not at init: each probe kind (ws /
 * undici), the incident engine and the AWS SDK clients. They are left out of index.js and shipped as their own minified
 * CJS files where require() from /var/task/index.js resolves them, so init parses and compiles only
 * what it runs. `specifier` is the import as written in lambda/ (every importer lives in lambda/
 * itself, next to handler.ts); `entry` is a source file or a package resolved from this project's
 * node_modules (the deployed SDK is the version the tests ran against); `file` is the path in the asset.
 */
export const LAZY_CHUNKS: ReadonlyArray<{ readonly specifier: string; readonly entry: string; readonly file: string }> = [
  // The probe of each kind (lambda/probe-loaders.ts imports `./probes/<kind>`): a new kind needs no entry here.
  ...CHECK_KINDS.map((kind) => ({ specifier: `./probes/${kind}`, entry: path.join(LAMBDA_DIR, 'probes', `${kind}.ts`), file: `probes/${kind}.js` })),
  // The incident engine with what only it uses (the page, the notification channels, the store's
  // calls), loaded beside the first invocation's probes when the function has an incident table
  // (lambda/handler.ts); the run claim before probing stays in index.js (lambda/run-claim.ts).
  { specifier: './incidents', entry: path.join(LAMBDA_DIR, 'incidents', 'index.ts'), file: 'incidents.js' },
  { specifier: '@aws-sdk/client-cloudwatch', entry: '@aws-sdk/client-cloudwatch', file: 'node_modules/@aws-sdk/client-cloudwatch/index.js' },
  { specifier: '@aws-sdk/client-ssm', entry: '@aws-sdk/client-ssm', file: 'node_modules/@aws-sdk/client-ssm/index.js' },
  { specifier: '@aws-sdk/client-dynamodb', entry: '@aws-sdk/client-dynamodb', file: 'node_modules/@aws-sdk/client-dynamodb/index.js' },
  { specifier: '@aws-sdk/client-sns', entry: '@aws-sdk/client-sns', file: 'node_modules/@aws-sdk/client-sns/index.js' },
  {
    specifier: '@aws-sdk/client-secrets-manager',
    entry: '@aws-sdk/client-secrets-manager',
    file: 'node_modules/@aws-sdk/client-secrets-manager/index.js',
  },
];

/**
 * What a chunk built from the project's sources (a probe, the incident engine) leaves external: the
 * SDK clients, each loaded from its own chunk as index.js loads it. Module state is per chunk (each
 * bundles its own copy of what it imports), so a chunk and index.js share only these clients, and an
 * error class crossing the boundary is recognised by a brand, never instanceof (lambda/token-hygiene.ts isTokenError).
 */
export const SOURCE_CHUNK_EXTERNALS: readonly string[] = LAZY_CHUNKS.filter((c) => !c.specifier.startsWith('.')).map((c) => c.specifier);

/** What a runner's asset holds: index.js and the lazy chunks (the fleet file is added per runner). */
export const RUNNER_ASSET_FILES: readonly string[] = ['index.js', ...LAZY_CHUNKS.map((c) => c.file)];

/**
 * The backstop notifier's handler (docs/DESIGN.md#backstop-deployment), a second entry of the same
 * bundle: built with HANDLER_ESBUILD_OPTIONS into backstop.js beside index.js, so it shares the lazy
 * chunks (the SDK clients) instead of bundling its own copy of them.
 */
export const BACKSTOP_ENTRY = path.join(LAMBDA_DIR, 'backstop', 'handler.ts');
/** Its file in the bundle and in the notifier's asset (contracts/backstop.ts BACKSTOP_HANDLER: `backstop.handler`). */
export const BACKSTOP_BUNDLE_FILE = 'backstop.js';
/**
 * What the notifier's asset holds: backstop.js and the lazy chunks that are packages (the SDK
 * clients). The source-file chunks are the runner's (the probes: their specifiers are relative to
 * handler.ts, which the notifier does not import); test/lib/backstop.test.ts checks that every
 * chunk backstop.js requires is in its asset.
 */
export const BACKSTOP_ASSET_FILES: readonly string[] = [
  BACKSTOP_BUNDLE_FILE,
  ...LAZY_CHUNKS.filter((c) => !path.isAbsolute(c.entry)).map((c) => c.file),
];

/** Every file of the bundle, as a path in the asset: both entries and the lazy chunks. */
export const RUNNER_BUNDLE_FILES: readonly string[] = ['index.js', BACKSTOP_BUNDLE_FILE, ...LAZY_CHUNKS.map((c) => c.file)];

/**
 * A bundle file's path in the package. A `node_modules` folder is renamed `modules`: package
 * managers treat a nested node_modules folder as their own (some leave it out of a packed tarball or
 * prune it on install), so the package never ships one; the copy into the asset renames it back.
 */
export function packagedPath(assetFile: string): string {
  return assetFile.replace(/^node_modules\//, 'modules/');
}

/**
 * How index.js is bundled (local esbuild, never Docker): every LAZY_CHUNKS specifier external, and
 * the chunks then built with the same target and minification. No source maps: nothing reads them
 * at run time (--enable-source-maps costs ~40 ms of every cold start), and they were 2.7 MB of the
 * asset. Exported so the benchmark and the tests check this very artifact.
 */
export const HANDLER_ESBUILD_OPTIONS = {
  entryPoints: [HANDLER_ENTRY],
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'cjs',
  minify: true,
  sourcemap: false,
  external: LAZY_CHUNKS.map((c) => c.specifier),
  // esbuild keeps an external import() as is, which Node would run through the ESM loader: that
  // resolves no package directory without package.json and may find no named exports in a
  // minified CJS chunk. Lowered: Promise.resolve().then(() => require()).
  supported: { 'dynamic-import': false },
} as const;

/** The bundle's stamp, written last by the build: what it was built from. */
export interface RunnerBundleStamp {
  /** synthmon's version. */
  readonly version: string;
  /** SHA-256 of every bundle file, in RUNNER_BUNDLE_FILES order. */
  readonly sha256: string;
  /** The project's own source files bundled (package-relative, `/`-separated; not node_modules), each with its SHA-256. */
  readonly sources: Readonly<Record<string, string>>;
}

/** The stamp's file in RUNNER_BUNDLE_DIR. */
export const RUNNER_BUNDLE_STAMP = 'bundle.json';

/**
 * The built bundle's directory, checked complete; throws naming what is missing and how to build
 * it (a packed synthmon always ships it; a clone builds it on `npm ci`).
 */
export function runnerBundleDir(dir: string = RUNNER_BUNDLE_DIR): string {
  const missing = [RUNNER_BUNDLE_STAMP, ...RUNNER_BUNDLE_FILES.map(packagedPath)].filter((f) => !existsSync(path.join(dir, f)));
  if (missing.length) {
    throw new Error(
      `synthmon's runner bundle is incomplete in ${dir} (missing ${missing.join(', ')}): run \`npm run build\` in the synthmon checkout ` +
        '(npm ci and npm pack run it; an installed synthmon package ships it)',
    );
  }
  return dir;
}

/**
 * The stamp of the built bundle (runnerBundleDir first). In a checkout, where the sources it was
 * built from are present, it must match them: a bundle older than an edit of lambda/ would deploy
 * the old runner, so that throws, naming the changed files. An installed package ships no sources
 * and is used as packed.
 */
export function readRunnerBundleStamp(dir: string = RUNNER_BUNDLE_DIR, root: string = PACKAGE_ROOT): RunnerBundleStamp {
  const stamp = JSON.parse(readFileSync(path.join(runnerBundleDir(dir), RUNNER_BUNDLE_STAMP), 'utf8')) as RunnerBundleStamp;
  const files = Object.keys(stamp.sources ?? {});
  if (files.some((f) => existsSync(path.join(root, f)))) {
    const changed = files.filter((f) => !existsSync(path.join(root, f)) || sha256(readFileSync(path.join(root, f))) !== stamp.sources[f]);
    if (changed.length) {
      throw new Error(
        `synthmon's runner bundle in ${dir} is older than its sources (${changed.slice(0, 5).join(', ')}${changed.length > 5 ? `, and ${changed.length - 5} more` : ''} changed): ` +
          'run `npm run build` (or `node scripts/build.mjs runner`) before synthesizing',
      );
    }
  }
  return stamp;
}

/** Hex SHA-256 of a file's bytes (the stamp's `sources`). */
export function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

function packageRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'synthmon') return dir;
    if (path.dirname(dir) === dir) throw new Error(`synthmon's package.json was not found above ${from}`);
  }
}
