/**
 * synthmon as a CDK user gets it (docs/DESIGN.md#packaging): `npm pack` of a copy of this working
 * tree (so its prepare, the whole build, runs there and not in the dist/ other test files read), then
 * a fresh app made by the real `cdk init app --language typescript` of the CLI in this repo, the
 * tarball installed into it beside aws-cdk-lib and constructs, the README's "Use as a library"
 * snippet as its stack, and `tsc --noEmit` and `cdk synth` run there as a user would.
 *
 * Fast and offline-friendly: the app's toolchain (aws-cdk-lib, constructs, the CDK CLI, TypeScript,
 * tsx, @types/node) is linked from this repo's node_modules (`file:` dependencies, which npm links),
 * so npm really installs only the tarball and its dependencies, from the cache `npm ci` filled
 * (`--prefer-offline`; the registry is asked only for what is missing). Linked or not, the app has
 * one aws-cdk-lib and npm checks synthmon's peer ranges against it. The synth runs with no AWS
 * credentials, shared config files that do not exist, instance metadata, telemetry, notices and
 * version reporting off: no account is used (the one thing that cannot exist here).
 */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLEET_FILE } from '../../contracts/handler-env';
import { RUNNER_ASSET_FILES, RUNNER_BUNDLE_FILES } from '../../lib/runner-bundle';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const requireHere = createRequire(import.meta.url);
/** The app's name, as `cdk init` derives it from its directory: class ShopMonitorStack in lib/shop-monitor-stack.ts. */
const APP_NAME = 'shop-monitor';
const STACK = 'ShopMonitorStack';
/** Top-level entries of the working tree that packing does not need (the rest is copied as is, uncommitted files included). */
const NOT_COPIED = new Set(['node_modules', 'dist', 'cdk.out', '.git', 'test', 'bench', '.scratch', '.cdk.staging']);
/** Every child gets a deadline: a hung install or synth fails the test instead of holding CI. */
const CHILD_TIMEOUT_MS = 300_000;

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(command: string, args: readonly string[], options: SpawnSyncOptions & { cwd: string }): Run {
  const r = spawnSync(command, args, { encoding: 'utf8', timeout: CHILD_TIMEOUT_MS, killSignal: 'SIGKILL', ...options });
  if (r.error) throw new Error(`${command} ${args.join(' ')}: ${r.error.message}`);
  return { status: r.status, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** Runs and requires exit status 0, else fails with the command's own output. */
function ok(command: string, args: readonly string[], options: SpawnSyncOptions & { cwd: string }): Run {
  const r = run(command, args, options);
  if (r.status !== 0)
    throw new Error(`${command} ${args.join(' ')} exited ${r.status} in ${options.cwd}:\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-4000)}`);
  return r;
}

/** The first ```ts block of the README's "Use as a library" section: what the app compiles. */
export function librarySnippet(readme: string): string {
  const section = readme.split(/^## /m).find((s) => s.startsWith('Use as a library\n'));
  if (!section) throw new Error('README.md has no "## Use as a library" section');
  const block = /^```ts\n([\s\S]*?)^```$/m.exec(section);
  if (!block) throw new Error('README.md\'s "Use as a library" section has no ```ts block');
  return block[1]!;
}

/** A dependency spec linking this repo's installed copy of a package. */
const linked = (name: string) => `file:${dirname(requireHere.resolve(`${name}/package.json`))}`;
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

let scratch: string;
let appDir: string;
let packed: { filename: string; size: number; unpackedSize: number; files: Array<{ path: string }> };
let snippet: string;
let tscRun: Run;
let synthRun: Run;

/** An environment with nothing of AWS in it but "no": no credentials, no profile, no metadata service, no telemetry. */
function offlineAwsEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('AWS_') || key.startsWith('CDK_')) delete env[key];
  return {
    ...env,
    AWS_CONFIG_FILE: join(scratch, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(scratch, 'no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    CDK_DISABLE_CLI_TELEMETRY: 'true',
    CDK_DISABLE_VERSION_CHECK: 'true',
  };
}

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'synthmon-package-'));

  // 1. Pack a copy of the working tree; prepare builds it there with the repo's own dev dependencies.
  const src = join(scratch, 'synthmon');
  cpSync(ROOT, src, { recursive: true, filter: (from) => !NOT_COPIED.has(from.slice(ROOT.length).split(/[\\/]/)[0]!) });
  symlinkSync(join(ROOT, 'node_modules'), join(src, 'node_modules'), 'dir');
  const pack = ok(npm, ['pack', '--json', '--pack-destination', scratch], { cwd: src });
  // prepare's own output may come first on stdout; npm's JSON report is the last thing printed.
  packed = (JSON.parse(pack.stdout.slice(pack.stdout.lastIndexOf('\n[') + 1)) as (typeof packed)[])[0]!;

  // 2. A fresh app, exactly as `cdk init` writes it, then pointed at the tarball. Only what the
  // snippet, tsc and cdk synth use is installed: jest and its swc transform (the template's unit
  // tests) are dropped with the test they run, and TypeScript and tsx are this repo's versions
  // (cdk init asks for TypeScript ~7; synthmon's declarations are checked here with the 5.x it is built with).
  appDir = join(scratch, APP_NAME);
  mkdirSync(appDir);
  ok(process.execPath, [requireHere.resolve('aws-cdk/bin/cdk'), 'init', 'app', '--language', 'typescript', '--generate-only', '--no-notices'], {
    cwd: appDir,
    env: offlineAwsEnv(),
  });
  const manifest = JSON.parse(readFileSync(join(appDir, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
  };
  manifest.dependencies = { 'aws-cdk-lib': linked('aws-cdk-lib'), constructs: linked('constructs'), synthmon: `file:../${packed.filename}` };
  manifest.devDependencies = {
    '@types/node': linked('@types/node'),
    'aws-cdk': linked('aws-cdk'),
    tsx: linked('tsx'),
    typescript: linked('typescript'),
  };
  writeFileSync(join(appDir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const tsconfig = JSON.parse(readFileSync(join(appDir, 'tsconfig.json'), 'utf8')) as { compilerOptions: { types: string[] } };
  tsconfig.compilerOptions.types = tsconfig.compilerOptions.types.filter((t) => t !== 'jest');
  writeFileSync(join(appDir, 'tsconfig.json'), `${JSON.stringify(tsconfig, null, 2)}\n`);
  rmSync(join(appDir, 'test'), { recursive: true });
  rmSync(join(appDir, 'jest.config.js'));
  ok(npm, ['install', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: appDir });

  // 3. The README's snippet is the app's stack.
  snippet = librarySnippet(readFileSync(join(ROOT, 'README.md'), 'utf8'));
  writeFileSync(join(appDir, 'lib', `${APP_NAME}-stack.ts`), snippet);
  tscRun = run(process.execPath, [join(appDir, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit'], { cwd: appDir });
  // cdk.json's app, as cdk init wrote it ("npx tsc && npx tsx bin/shop-monitor.ts"), run by the CLI.
  synthRun = run(
    process.execPath,
    [join(appDir, 'node_modules', 'aws-cdk', 'bin', 'cdk'), 'synth', '--quiet', '--no-notices', '--no-version-reporting'],
    {
      cwd: appDir,
      env: offlineAwsEnv(),
    },
  );
}, 900_000);

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('the packed tarball', () => {
  it('holds the compiled library with declarations, the runner bundle and the CLI, and no sources, tests or source maps', () => {
    const files = packed.files.map((f) => f.path);
    expect(files).toEqual(
      expect.arrayContaining([
        'package.json',
        'README.md',
        'dist/lib/index.js',
        'dist/lib/index.d.ts',
        'dist/synthmon.js',
        'dist/runner/bundle.json',
      ]),
    );
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    expect(files.filter((f) => /(^|\/)(test|bench|node_modules)\//.test(f) || f.endsWith('.map'))).toEqual([]);
    // Every file of the runner's asset, under its packaged name (no nested node_modules folder).
    for (const file of RUNNER_BUNDLE_FILES) expect(files).toContain(`dist/runner/${file.replace(/^node_modules\//, 'modules/')}`);
  });

  it('declares aws-cdk-lib and constructs as peers, and points main, types and exports at the compiled entry', () => {
    const pkg = JSON.parse(readFileSync(join(appDir, 'node_modules', 'synthmon', 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(pkg.peerDependencies).toEqual({ 'aws-cdk-lib': expect.any(String), constructs: expect.any(String) });
    expect(pkg.dependencies).not.toHaveProperty('aws-cdk-lib');
    expect(pkg.dependencies).not.toHaveProperty('constructs');
    expect(pkg).toMatchObject({
      main: 'dist/lib/index.js',
      types: 'dist/lib/index.d.ts',
      exports: { '.': { types: './dist/lib/index.d.ts', default: './dist/lib/index.js' } },
    });
  });
});

describe('a cdk init app using the installed package', () => {
  it("shares the app's one aws-cdk-lib and constructs (no copy of its own under synthmon)", () => {
    expect(existsSync(join(appDir, 'node_modules', 'synthmon', 'dist', 'lib', 'index.js'))).toBe(true);
    expect(existsSync(join(appDir, 'node_modules', 'synthmon', 'node_modules', 'aws-cdk-lib'))).toBe(false);
    expect(existsSync(join(appDir, 'node_modules', 'synthmon', 'node_modules', 'constructs'))).toBe(false);
  });

  it('runs the synthmon CLI from the installed package (its bin and its runtime dependencies ship)', () => {
    const r = ok(join(appDir, 'node_modules', '.bin', 'synthmon'), ['--version'], { cwd: appDir });
    expect(r.stdout.trim()).toContain(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
  });

  it("compiles the README snippet with tsc --noEmit (cdk init's tsconfig: strict, NodeNext)", () => {
    expect(snippet).toContain("import { SyntheticMonitor } from 'synthmon';");
    expect(readFileSync(join(appDir, 'bin', `${APP_NAME}.ts`), 'utf8')).toContain(`new ${STACK}(`);
    expect(`${tscRun.stdout}${tscRun.stderr}`).toBe('');
    expect(tscRun.status).toBe(0);
  });

  it("synthesizes with cdk synth: the runner function with the prebuilt bundle and the fleet file, its schedule, the monitor's alarms and the snippet's own alarm", () => {
    if (synthRun.status !== 0)
      throw new Error(`cdk synth exited ${synthRun.status}:\n${synthRun.stdout.slice(-4000)}\n${synthRun.stderr.slice(-4000)}`);
    const out = join(appDir, 'cdk.out');
    type Resource = { Type: string; Properties: Record<string, unknown> };
    const resources = Object.values(
      (JSON.parse(readFileSync(join(out, `${STACK}.template.json`), 'utf8')) as { Resources: Record<string, Resource> }).Resources,
    );
    const ofType = (type: string) => resources.filter((r) => r.Type === type);

    // The runner, and the backstop notifier the alarm-state rule invokes (lib/backstop.ts).
    const functions = ofType('AWS::Lambda::Function');
    expect(functions.map((f) => f.Properties.Handler).sort()).toEqual(['backstop.handler', 'index.handler']);
    const runner = functions.find((f) => f.Properties.Handler === 'index.handler')!;
    expect(runner.Properties).toMatchObject({ Handler: 'index.handler', Runtime: 'nodejs24.x', Architectures: ['arm64'] });
    const asset = join(out, `asset.${String((runner.Properties.Code as { S3Key: string }).S3Key).replace(/\.zip$/, '')}`);
    expect(readdirSync(asset).sort()).toEqual([FLEET_FILE, 'incidents.js', 'index.js', 'node_modules', 'probes']);
    // The deployed code is the packed bundle, byte for byte, in the asset's layout.
    const packedBundle = join(appDir, 'node_modules', 'synthmon', 'dist', 'runner');
    for (const file of RUNNER_ASSET_FILES) {
      expect(readFileSync(join(asset, file)).equals(readFileSync(join(packedBundle, file.replace(/^node_modules\//, 'modules/'))))).toBe(true);
    }
    const fleet = JSON.parse(readFileSync(join(asset, FLEET_FILE), 'utf8')) as {
      namespace: string;
      shards: Record<string, { checks: Array<{ name: string }> }>;
    };
    expect(fleet.namespace).toBe('Shop');
    expect(
      Object.values(fleet.shards)
        .flatMap((s) => s.checks.map((c) => c.name))
        .sort(),
    ).toEqual(['chat', 'orders']);
    expect(ofType('AWS::Scheduler::Schedule')).toHaveLength(Object.keys(fleet.shards).length);

    const alarms = ofType('AWS::CloudWatch::Alarm').map((a) => a.Properties);
    // The class alarms are Metrics Insights queries over the namespace; Silent watches the shard's heartbeat.
    expect(alarms.filter((a) => JSON.stringify(a.Metrics ?? '').includes('Shop')).length).toBeGreaterThanOrEqual(3);
    expect(alarms.some((a) => a.MetricName === 'ShardResults')).toBe(true);
    expect(alarms).toContainEqual(
      expect.objectContaining({
        MetricName: 'Duration',
        Namespace: 'Shop',
        Threshold: 2000,
        EvaluationPeriods: 3,
        Dimensions: [{ Name: 'Check', Value: 'orders' }],
      }),
    );
  });
});
