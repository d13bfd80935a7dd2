/**
 * Cold start: the Lambda bundle exactly as the stack builds it. The MonitorStack is synthesized
 * in-process (with cdk.json's context, so feature flags match `cdk synth`); the runner function's
 * code asset is found through the template's S3Key and the asset manifest. Its index.js is then
 * loaded (`require`) in fresh Node processes with the NODE_OPTIONS the function is deployed with,
 * and the median wall time of an empty process is subtracted: that is init.
 *
 * The runner loads its heavy parts on the first invocation instead (LAZY_CHUNKS: the probe of each
 * kind its shards run, the token store's SDK client, the CloudWatch client, and with an incident
 * table the DynamoDB client and the incident engine), each a file of the
 * asset resolved from index.js — the asset sits in a temp dir, so nothing comes from the project's
 * node_modules. So the report does not hide the moved cost, the chunks are required after index.js
 * in fresh processes, in the order a first invocation loads them, and timed one by one.
 *
 * To say what dominates, each runtime dependency is bundled alone the same way (esbuild, minified,
 * CJS, node24) and timed the same way; esbuild's metafile gives each package's share of index.js.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { App } from 'aws-cdk-lib';
import { build, type Format } from 'esbuild';
import type { MonitorConfig } from '../contracts/config';
import { HandlerEnvVar } from '../contracts/handler-env';
import { BACKSTOP_HANDLER } from '../contracts/backstop';
import { MonitorStack } from '../lib/monitor-stack';
import { HANDLER_ESBUILD_OPTIONS, LAZY_CHUNKS } from '../lib/runner';
import { median } from './stats';

export interface FunctionBundle {
  /** `runner-<location>` (the location label of its environment). */
  readonly name: string;
  readonly logicalId: string;
  readonly assetDir: string;
  /** index.js alone: what init compiles. */
  readonly bundleBytes: number;
  /** Every .js file of the asset (index.js and the lazy chunks): what is deployed. */
  readonly assetJsBytes: number;
  readonly sourceMapBytes: number;
  /** NODE_OPTIONS from the function's environment, applied when loading. */
  readonly nodeOptions: string;
  /** What the function's first invocation requires after init, in that order (LAZY_CHUNKS specifiers). */
  readonly lazySpecifiers: readonly string[];
}

/** One lazily loaded chunk, required after index.js in a fresh process. */
export interface ChunkTiming {
  readonly specifier: string;
  /** Its file in the asset. */
  readonly file: string;
  readonly bytes: number;
  /** Median time of its require() call. */
  readonly requireMs: number;
  /** Median CPU time (user + system) of its require() call. */
  readonly requireCpuMs: number;
}

/** The first invocation's module loading: what init no longer pays, paid once per container. */
export interface LazyLoadTiming {
  readonly chunks: readonly ChunkTiming[];
  /** Median of the per-process sum over the chunks. */
  readonly totalMs: number;
  readonly totalCpuMs: number;
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
  readonly functions: ReadonlyArray<FunctionBundle & { deployed: LoadTiming; withoutNodeOptions: LoadTiming; firstInvocation: LazyLoadTiming }>;
  /** Each runtime dependency bundled alone: bytes and load time, largest first. */
  readonly modules: ReadonlyArray<{ module: string; bytes: number } & LoadTiming>;
  /** index.js's bytes by package (esbuild metafile), largest first. */
  readonly bytesByPackage: ReadonlyArray<{ pkg: string; bytes: number }>;
}

const chunkOf = (specifier: string) => {
  const chunk = LAZY_CHUNKS.find((c) => c.specifier === specifier);
  if (!chunk) throw new Error(`${specifier} is not in LAZY_CHUNKS`);
  return chunk;
};

/**
 * The chunks a runner's first invocation requires, in the order it starts loading them: the
 * CloudWatch client (loaded at the start, for publishing), with an incident table the DynamoDB client
 * (the run claim, before probing), the token store's SDK client (every check with auth reads its
 * token before probing), the probe of each kind in the order the checks come, and with an incident
 * table the incident engine's chunk (`./incidents`, loaded beside the probes) when the bundle has one.
 */
export function lazySpecifiersFor(config: MonitorConfig, options: { readonly incidentTable: boolean }): string[] {
  const used = new Set(config.checks.flatMap((c) => (c.auth ? [c.auth.token] : [])));
  const tokens = Object.values(config.tokens).filter((t) => used.has(t.name));
  const kinds = [...new Set(config.checks.map((c) => c.kind))];
  const engineChunk = LAZY_CHUNKS.find((c) => c.specifier === './incidents');
  return [
    chunkOf('@aws-sdk/client-cloudwatch').specifier,
    ...(options.incidentTable ? [chunkOf('@aws-sdk/client-dynamodb').specifier] : []),
    ...(tokens.some((t) => t.parameter) ? [chunkOf('@aws-sdk/client-ssm').specifier] : []),
    ...(tokens.some((t) => t.secret) ? [chunkOf('@aws-sdk/client-secrets-manager').specifier] : []),
    ...kinds.map((k) => chunkOf(k === 'websocket' ? './probes/websocket' : './probes/http').specifier),
    ...(options.incidentTable && engineChunk ? [engineChunk.specifier] : []),
  ];
}

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
  type FnResource = {
    Type: string;
    Metadata?: Record<string, string>;
    Properties: { Handler?: string; Code: { S3Key?: string }; Environment?: { Variables?: Record<string, string> } };
  };
  for (const [logicalId, resource] of Object.entries(stack.template.Resources as Record<string, FnResource>)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const key = resource.Properties.Code.S3Key;
    const hash = key?.replace(/\.zip$/, '');
    const asset = hash ? manifest.files[hash] : undefined;
    if (!asset) continue; // inline or custom-resource code, not a probe bundle
    // The backstop notifier (lib/backstop.ts) runs on alarm transitions, never on a probe's path.
    if (resource.Properties.Handler === BACKSTOP_HANDLER) continue;
    const location = resource.Properties.Environment?.Variables?.[HandlerEnvVar.LOCATION];
    if (!location)
      throw new Error(`function ${logicalId} (${resource.Metadata?.['aws:cdk:path'] ?? logicalId}) has no ${HandlerEnvVar.LOCATION}: not a runner`);
    const name = `runner-${location}`;
    const assetDir = join(outdir, asset.source.path);
    const map = join(assetDir, 'index.js.map');
    bundles.push({
      name,
      logicalId,
      assetDir,
      bundleBytes: statSync(join(assetDir, 'index.js')).size,
      assetJsBytes: jsBytes(assetDir),
      sourceMapBytes: safeSize(map),
      nodeOptions: resource.Properties.Environment?.Variables?.NODE_OPTIONS ?? '',
      lazySpecifiers: lazySpecifiersFor(config, {
        incidentTable: Boolean(resource.Properties.Environment?.Variables?.[HandlerEnvVar.INCIDENT_TABLE]),
      }),
    });
  }
  if (!bundles.length) throw new Error('the synthesized stack has no Lambda function with a code asset');
  return bundles;
}

/** Bytes of every .js file below dir (source maps excluded). */
function jsBytes(dir: string): number {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.js'))
    .reduce((sum, e) => sum + statSync(join(e.parentPath, e.name)).size, 0);
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

// Runs in the fresh process: require index.js (init, not timed here), then each chunk the way the
// handler's first run does (resolved from index.js), timing every require() on its own.
const LAZY_LOADER = `
const index = process.argv[1];
require(index);
const req = require('node:module').createRequire(index);
const out = [];
for (const specifier of JSON.parse(process.argv[2])) {
  const t0 = performance.now(); const c0 = process.cpuUsage();
  req(specifier);
  const c = process.cpuUsage(c0);
  out.push({ ms: performance.now() - t0, cpuMs: (c.user + c.system) / 1000 });
}
process.stdout.write(JSON.stringify(out));
`;

/** Time a function's first-invocation chunk loads, `runs` fresh processes. */
function timeLazyLoads(bundle: FunctionBundle, runs: number): LazyLoadTiming {
  const index = join(bundle.assetDir, 'index.js');
  const samples: Array<Array<{ ms: number; cpuMs: number }>> = [];
  for (let i = 0; i < runs; i++) {
    const r = spawnSync(process.execPath, ['-e', LAZY_LOADER, index, JSON.stringify(bundle.lazySpecifiers)], {
      env: childEnv(bundle.nodeOptions),
      encoding: 'utf8',
      timeout: 30_000,
    });
    if (r.status !== 0) throw new Error(`loading the lazy chunks of ${bundle.name} failed (${r.status ?? r.signal}): ${r.stderr.slice(-1000)}`);
    samples.push(JSON.parse(r.stdout) as Array<{ ms: number; cpuMs: number }>);
  }
  const chunks = bundle.lazySpecifiers.map((specifier, i) => {
    const file = chunkOf(specifier).file;
    return {
      specifier,
      file,
      bytes: statSync(join(bundle.assetDir, file)).size,
      requireMs: median(samples.map((s) => s[i]!.ms)),
      requireCpuMs: median(samples.map((s) => s[i]!.cpuMs)),
    };
  });
  const sum = (s: Array<{ ms: number; cpuMs: number }>, key: 'ms' | 'cpuMs') => s.reduce((acc, x) => acc + x[key], 0);
  return { chunks, totalMs: median(samples.map((s) => sum(s, 'ms'))), totalCpuMs: median(samples.map((s) => sum(s, 'cpuMs'))) };
}

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

/** index.js bytes by package, from esbuild's metafile (same options as the stack; the lazy chunks are external). */
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

/** The CDK's OutputFormat enum holds esbuild's format names. */
const FORMAT = String(HANDLER_ESBUILD_OPTIONS.format) as Format;

/** The handler's runtime dependencies, each bundled alone like the handler. */
export const RUNTIME_MODULES = ['@aws-sdk/client-cloudwatch', '@aws-sdk/client-ssm', '@aws-sdk/client-secrets-manager', 'undici', 'ws'] as const;

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

/**
 * Synthesize, then time every distinct index.js as deployed and without NODE_OPTIONS, each
 * function's first-invocation chunk loads, and each dependency alone.
 */
export async function measureColdStart(
  config: MonitorConfig,
  opts: { projectRoot: string; runs: number; moduleRuns: number },
): Promise<ColdStartResult> {
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
    const moduleLoads = timeLoads(
      built.map((b) => ({ id: b.module, file: b.file, nodeOptions: '' })),
      opts.moduleRuns,
    );
    for (const b of built) modules.push({ module: b.module, bytes: b.bytes, ...moduleLoads.timing(b.module) });
    modules.sort((a, b) => b.requireCpuMs - a.requireCpuMs);

    // Functions with the same asset, NODE_OPTIONS and chunks load the same way: time them once.
    const lazy = new Map<string, LazyLoadTiming>();
    const lazyKey = (b: FunctionBundle) => `${b.assetDir}|${b.nodeOptions}|${b.lazySpecifiers.join(',')}`;
    for (const b of bundles) if (!lazy.has(lazyKey(b))) lazy.set(lazyKey(b), timeLazyLoads(b, opts.runs));

    return {
      nodeVersion: process.version,
      runs: opts.runs,
      synthMs,
      emptyProcessMs: loads.emptyMs,
      functions: bundles.map((b) => ({
        ...b,
        deployed: loads.timing(`${b.assetDir}|${b.nodeOptions}`),
        withoutNodeOptions: loads.timing(`${b.assetDir}|`),
        firstInvocation: lazy.get(lazyKey(b))!,
      })),
      modules,
      bytesByPackage: await bytesByPackage(),
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
