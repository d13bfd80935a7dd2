/**
 * Cold start: the Lambda bundles exactly as the stack builds them. The MonitorStack is synthesized
 * in-process (with cdk.json's context, so feature flags match `cdk synth`); each function's code
 * asset is found through the template's S3Key and the asset manifest. Every bundle is then loaded
 * (`require`) in fresh Node processes with the NODE_OPTIONS the function is deployed with, and the
 * median wall time of an empty process is subtracted. The bundle is self-contained (the stack sets
 * bundleAwsSDK), so nothing is resolved from node_modules.
 *
 * To say what dominates, each runtime dependency is bundled alone the same way (esbuild, minified,
 * CJS, node24) and timed the same way; esbuild's metafile gives each package's share of the bytes.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { App } from 'aws-cdk-lib';
import { build, type Format, type Plugin } from 'esbuild';
import type { MonitorConfig } from '../lambda/config';
import { MonitorStack } from '../lib/monitor-stack';
import { HANDLER_ESBUILD_OPTIONS } from '../lib/synthetic-monitor';
import { median } from './stats';

export interface FunctionBundle {
  /** The check the function probes (from its construct path). */
  readonly name: string;
  readonly logicalId: string;
  readonly assetDir: string;
  readonly bundleBytes: number;
  readonly sourceMapBytes: number;
  /** NODE_OPTIONS from the function's environment, applied when loading. */
  readonly nodeOptions: string;
}

export interface LoadTiming {
  /** Median process wall time minus the empty process's. */
  readonly initMs: number;
  /** Median time of the require() call itself, measured inside the process. */
  readonly requireMs: number;
  /** Median CPU time (user + system) of the require() call: less sensitive to a busy machine. */
  readonly requireCpuMs: number;
}

export interface ColdStartResult {
  readonly nodeVersion: string;
  readonly runs: number;
  readonly synthMs: number;
  readonly emptyProcessMs: number;
  readonly functions: ReadonlyArray<FunctionBundle & { deployed: LoadTiming; withoutNodeOptions: LoadTiming }>;
  /** Each runtime dependency bundled alone: bytes and load time, largest first. */
  readonly modules: ReadonlyArray<{ module: string; bytes: number } & LoadTiming>;
  /** The handler bundle's bytes by package (esbuild metafile), largest first. */
  readonly bytesByPackage: ReadonlyArray<{ pkg: string; bytes: number }>;
  /** The handler bundle with packages left out (stubbed): what a lazier design would load at init. */
  readonly whatIf: ReadonlyArray<{ label: string; without: readonly string[]; bytes: number } & LoadTiming>;
}

/** Design options for the report: which packages each would keep out of the init phase. */
export const WHAT_IF = [
  {
    label: 'no AWS SDK at init (metrics as EMF, token via the Secrets extension or a lazy import)',
    without: ['@aws-sdk/*', '@smithy/*', '@aws-crypto/*', '@aws/*'],
  },
  {
    label: '… and no undici (WebSocket function, probes loaded per kind)',
    without: ['@aws-sdk/*', '@smithy/*', '@aws-crypto/*', '@aws/*', 'undici'],
  },
  {
    label: '… and no zod (event validated by a hand check; the CDK app already validated it)',
    without: ['@aws-sdk/*', '@smithy/*', '@aws-crypto/*', '@aws/*', 'undici', 'zod'],
  },
] as const;

/** Synthesize the stack and return its function bundles. */
export function synthesizeBundles(config: MonitorConfig, projectRoot: string, outdir: string): FunctionBundle[] {
  const cdkJson = JSON.parse(readFileSync(join(projectRoot, 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> };
  const app = new App({ outdir, context: { ...cdkJson.context, 'aws:cdk:enable-path-metadata': true } });
  new MonitorStack(app, 'SyntheticMonitor', { config });
  const assembly = app.synth();
  const stack = assembly.getStackByName('SyntheticMonitor');
  const manifest = JSON.parse(readFileSync(join(outdir, 'SyntheticMonitor.assets.json'), 'utf8')) as {
    files: Record<string, { source: { path: string; packaging: string } }>;
  };
  const bundles: FunctionBundle[] = [];
  type FnResource = { Type: string; Metadata?: Record<string, string>; Properties: { Code: { S3Key?: string }; Environment?: { Variables?: Record<string, string> } } };
  for (const [logicalId, resource] of Object.entries(stack.template.Resources as Record<string, FnResource>)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const key = resource.Properties.Code.S3Key;
    const hash = key?.replace(/\.zip$/, '');
    const asset = hash ? manifest.files[hash] : undefined;
    if (!asset) continue; // inline or custom-resource code, not a probe bundle
    const path = resource.Metadata?.['aws:cdk:path'] ?? logicalId;
    // SyntheticMonitor/Monitor/<check>/Function/Resource
    const name = /\/Monitor\/([^/]+)\/Function\//.exec(path)?.[1] ?? logicalId;
    const assetDir = join(outdir, asset.source.path);
    const map = join(assetDir, 'index.js.map');
    bundles.push({
      name,
      logicalId,
      assetDir,
      bundleBytes: statSync(join(assetDir, 'index.js')).size,
      sourceMapBytes: safeSize(map),
      nodeOptions: resource.Properties.Environment?.Variables?.NODE_OPTIONS ?? '',
    });
  }
  if (!bundles.length) throw new Error('the synthesized stack has no Lambda function with a code asset');
  return bundles;
}

function safeSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

// Runs in the fresh process: time require() in wall and CPU time, report on stdout.
const LOADER = `
const t0 = performance.now(); const c0 = process.cpuUsage();
require(process.argv[1]);
const c = process.cpuUsage(c0);
process.stdout.write(JSON.stringify({ ms: performance.now() - t0, cpuMs: (c.user + c.system) / 1000 }));
`;

interface Sample {
  readonly wallMs: number;
  readonly ms: number;
  readonly cpuMs: number;
}

function spawnTimed(args: string[], env: NodeJS.ProcessEnv): Sample {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { env, encoding: 'utf8', timeout: 30_000 });
  const wallMs = performance.now() - t0;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr.slice(-1000)}`);
  const parsed = r.stdout ? (JSON.parse(r.stdout) as { ms: number; cpuMs: number }) : { ms: 0, cpuMs: 0 };
  return { wallMs, ...parsed };
}

/** A clean environment: no NODE_OPTIONS of ours leaking into the measured process. */
function childEnv(nodeOptions: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '' };
  if (nodeOptions) env.NODE_OPTIONS = nodeOptions;
  return env;
}

/** Time `files` (and an empty process) `runs` times each, interleaved. */
function timeLoads(files: ReadonlyArray<{ id: string; file: string; nodeOptions: string }>, runs: number) {
  const empty: number[] = [];
  const samples = new Map<string, Sample[]>(files.map((f) => [f.id, []]));
  for (let i = 0; i < runs; i++) {
    empty.push(spawnTimed(['-e', ''], childEnv('')).wallMs);
    for (const f of files) samples.get(f.id)!.push(spawnTimed(['-e', LOADER, f.file], childEnv(f.nodeOptions)));
  }
  const emptyMs = median(empty);
  const timing = (id: string): LoadTiming => {
    const s = samples.get(id)!;
    return {
      initMs: median(s.map((x) => x.wallMs)) - emptyMs,
      requireMs: median(s.map((x) => x.ms)),
      requireCpuMs: median(s.map((x) => x.cpuMs)),
    };
  };
  return { emptyMs, timing };
}

/** Which package a bundled input belongs to (`node_modules/@aws-sdk/x/...` → `@aws-sdk/x`). */
function packageOf(input: string): string {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
  if (!m) return '(synthmon)';
  const pkg = m[1]!;
  return pkg.startsWith('@aws-sdk/') || pkg.startsWith('@smithy/') || pkg.startsWith('@aws-crypto/') ? `${pkg.split('/')[0]}/*` : pkg;
}

/** Handler bundle bytes by package, from esbuild's metafile (same options as the stack). */
async function bytesByPackage(): Promise<Array<{ pkg: string; bytes: number }>> {
  const result = await build({
    ...HANDLER_ESBUILD_OPTIONS,
    entryPoints: [...HANDLER_ESBUILD_OPTIONS.entryPoints],
    format: FORMAT,
    external: [...HANDLER_ESBUILD_OPTIONS.external],
    sourcemap: false,
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const totals = new Map<string, number>();
  for (const output of Object.values(result.metafile?.outputs ?? {})) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      totals.set(packageOf(input), (totals.get(packageOf(input)) ?? 0) + bytesInOutput);
    }
  }
  return [...totals].map(([pkg, bytes]) => ({ pkg, bytes })).sort((a, b) => b.bytes - a.bytes);
}

/** The handler bundled like the stack does, with `without` packages replaced by an inert stub. */
async function bundleWithout(without: readonly string[], file: string, projectRoot: string): Promise<number> {
  const patterns = without.map((w) => (w.endsWith('/*') ? new RegExp(`^${w.slice(0, -1).replace(/[/.]/g, '\\$&')}`) : new RegExp(`^${w}(/|$)`)));
  const requireFromProject = createRequire(join(projectRoot, 'package.json'));
  const stub: Plugin = {
    name: 'stub',
    setup(b) {
      b.onResolve({ filter: /^[@a-z]/ }, (args) => (patterns.some((re) => re.test(args.path)) ? { path: args.path, namespace: 'stub' } : undefined));
      // The stub exports the real package's names; any property, call or `new` on one gives the
      // stub again, so module-level wiring (zod schemas built at load) runs without the package.
      b.onLoad({ filter: /.*/, namespace: 'stub' }, (args) => {
        let names: string[] = [];
        try {
          names = Object.keys(requireFromProject(args.path) as object);
        } catch {
          // an optional dependency that is not installed: nothing to export
        }
        return {
          contents:
            'const p = new Proxy(function () {}, { get: (_, k) => (k === Symbol.toPrimitive ? () => "" : p), apply: () => p, construct: () => p });\n' +
            `module.exports = { ${names.map((n) => `${JSON.stringify(n)}: p`).join(', ')} };`,
          loader: 'js',
        };
      });
    },
  };
  await build({
    ...HANDLER_ESBUILD_OPTIONS,
    entryPoints: [...HANDLER_ESBUILD_OPTIONS.entryPoints],
    format: FORMAT,
    external: [...HANDLER_ESBUILD_OPTIONS.external],
    sourcemap: false,
    outfile: file,
    plugins: [stub],
    logLevel: 'silent',
  });
  return statSync(file).size;
}

/** The CDK's OutputFormat enum holds esbuild's format names. */
const FORMAT = String(HANDLER_ESBUILD_OPTIONS.format) as Format;

/** The handler's runtime dependencies, each bundled alone like the handler. */
export const RUNTIME_MODULES = ['@aws-sdk/client-cloudwatch', '@aws-sdk/client-secrets-manager', 'undici', 'ws', 'zod'] as const;

async function bundleModule(module: string, dir: string, projectRoot: string): Promise<{ file: string; bytes: number }> {
  const file = join(dir, `${module.replace(/[@/]/g, '_')}.js`);
  await build({
    stdin: { contents: `module.exports = require(${JSON.stringify(module)});`, resolveDir: projectRoot, loader: 'js' },
    bundle: true,
    platform: 'node',
    target: HANDLER_ESBUILD_OPTIONS.target,
    format: FORMAT,
    minify: HANDLER_ESBUILD_OPTIONS.minify,
    outfile: file,
    logLevel: 'silent',
  });
  return { file, bytes: statSync(file).size };
}

/** Synthesize, then time every distinct bundle as deployed and without NODE_OPTIONS, and each dependency alone. */
export async function measureColdStart(config: MonitorConfig, opts: { projectRoot: string; runs: number; moduleRuns: number }): Promise<ColdStartResult> {
  const projectRoot = resolve(opts.projectRoot);
  const work = mkdtempSync(join(tmpdir(), 'synthmon-bench-'));
  try {
    const t0 = performance.now();
    const bundles = synthesizeBundles(config, projectRoot, join(work, 'cdk.out'));
    const synthMs = performance.now() - t0;

    // Functions sharing an asset and NODE_OPTIONS load the same bytes the same way: time them once.
    const variants = new Map<string, { id: string; file: string; nodeOptions: string }>();
    for (const b of bundles) {
      for (const nodeOptions of [b.nodeOptions, '']) {
        const id = `${b.assetDir}|${nodeOptions}`;
        variants.set(id, { id, file: join(b.assetDir, 'index.js'), nodeOptions });
      }
    }
    const loads = timeLoads([...variants.values()], opts.runs);

    const moduleDir = join(work, 'modules');
    const modules = [];
    const built = [];
    for (const m of RUNTIME_MODULES) built.push({ module: m, ...(await bundleModule(m, moduleDir, projectRoot)) });
    const moduleLoads = timeLoads(built.map((b) => ({ id: b.module, file: b.file, nodeOptions: '' })), opts.moduleRuns);
    for (const b of built) modules.push({ module: b.module, bytes: b.bytes, ...moduleLoads.timing(b.module) });
    modules.sort((a, b) => b.requireCpuMs - a.requireCpuMs);

    const variantsDir = join(work, 'what-if');
    const whatIfBuilt = [];
    for (const [i, w] of WHAT_IF.entries()) {
      const file = join(variantsDir, `handler-${i}.js`);
      whatIfBuilt.push({ ...w, id: String(i), file, bytes: await bundleWithout(w.without, file, projectRoot) });
    }
    const whatIfLoads = timeLoads(whatIfBuilt.map((w) => ({ id: w.id, file: w.file, nodeOptions: '' })), opts.moduleRuns);

    return {
      nodeVersion: process.version,
      runs: opts.runs,
      synthMs,
      emptyProcessMs: loads.emptyMs,
      functions: bundles.map((b) => ({
        ...b,
        deployed: loads.timing(`${b.assetDir}|${b.nodeOptions}`),
        withoutNodeOptions: loads.timing(`${b.assetDir}|`),
      })),
      modules,
      bytesByPackage: await bytesByPackage(),
      whatIf: whatIfBuilt.map((w) => ({ label: w.label, without: w.without, bytes: w.bytes, ...whatIfLoads.timing(w.id) })),
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

