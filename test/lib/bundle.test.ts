/**
 * The deployed code asset, run as Lambda would run it: one synth (the prebuilt runner bundle of
 * dist/runner, built from the current sources by the test setup, copied with the fleet file), then
 * the asset's index.js required in a fresh Node process (no project node_modules nearby: the asset
 * is in a temp dir) and its exported `handler` invoked with scheduled shard events
 * against loopback TLS replicas, a local SSM endpoint (the token, through the real SDK) and the local
 * CloudWatch recorder. Proves the fleet file and the lazily loaded chunks resolve from the asset's
 * own layout, load only on first use, and work. The child trusts the test CA through
 * NODE_EXTRA_CA_CERTS, as a deployed function would with its own CA bundle.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import type { CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLEET_FILE, HandlerEnvVar } from '../../contracts/handler-env';
import { makeTestPki, type TestPki } from '../../demo/certs';
import { MonitorStack } from '../../lib/monitor-stack';
import { HANDLER_ESBUILD_OPTIONS, LAZY_CHUNKS } from '../../lib/runner';
import { BACKSTOP_BUNDLE_FILE, packagedPath, RUNNER_ASSET_FILES, RUNNER_BUNDLE_DIR } from '../../lib/runner-bundle';
import { startCloudWatchRecorder, type CloudWatchRecorder, type WireDatum } from '../support/cloudwatch-recorder';
import { startLocalDynamo, type LocalDynamo } from '../support/dynamodb';
import { startSnsEndpoint, type SnsEndpoint } from '../support/sns-endpoint';
import { startHttpBackend, type HttpBackend } from '../support/http-backend';
import { startSsmEndpoint, type SsmEndpoint } from '../support/ssm-endpoint';
import { startWsBackend, type WsBackend } from '../support/ws-backend';
import { testApp } from './support';

const CANARY = 'canary-5d1e0b7a9c2f4e38';
const NAMESPACE = 'Synthmon/BundleTest';
const PARAMETER = '/synthmon/bundle-test';
/** A child that runs longer than this is killed and the test fails: every attempt has a 10 s deadline at most. */
const CHILD_DEADLINE_MS = 45_000;

const chunkFile = (specifier: (typeof LAZY_CHUNKS)[number]['specifier']) => LAZY_CHUNKS.find((c) => c.specifier === specifier)!.file;
const WS_CHUNK = chunkFile('./probes/websocket');
const HTTP_CHUNK = chunkFile('./probes/http');
const CLOUDWATCH_CHUNK = chunkFile('@aws-sdk/client-cloudwatch');
const SSM_CHUNK = chunkFile('@aws-sdk/client-ssm');
const INCIDENTS_CHUNK = chunkFile('./incidents');
const DYNAMODB_CHUNK = chunkFile('@aws-sdk/client-dynamodb');
const SNS_CHUNK = chunkFile('@aws-sdk/client-sns');
const TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:BundleTest-Monitor-alarms';
/** Strings only the incident engine and its channels hold (lambda/incidents/engine.ts, lambda/notify/webhook.ts). */
const ENGINE_ONLY = ['recording the verdict of', 'webhook-signature'];

let assetDir: string;
let scratch: string;
let caFile: string;
let pki: TestPki;
let api: HttpBackend;
let chat: WsBackend;
let cloudwatch: CloudWatchRecorder;
let ssm: SsmEndpoint;
let dynamo: LocalDynamo;
let sns: SnsEndpoint;

beforeAll(async () => {
  pki = makeTestPki();
  scratch = mkdtempSync(join(tmpdir(), 'synthmon-bundle-test-'));
  caFile = join(scratch, 'ca.pem');
  writeFileSync(caFile, pki.ca);
  [api, chat, cloudwatch, ssm, dynamo, sns] = await Promise.all([
    startHttpBackend({ tls: pki.server, state: { tokens: [CANARY] } }),
    startWsBackend({ tls: pki.server, token: CANARY, allowedHosts: ['indexo.ir'] }),
    startCloudWatchRecorder(),
    startSsmEndpoint(),
    startLocalDynamo(),
    startSnsEndpoint([TOPIC_ARN]),
  ]);
  ssm.set(PARAMETER, { kind: 'value', value: CANARY });
  await dynamo.createTable('bundle-incidents');

  // The fleet is synthesized against the replicas: the asset carries these very checks.
  const wsUrl = chat.url.replace('//localhost:', '//127.0.0.1:');
  const app = testApp({ bundle: true });
  const stack = new MonitorStack(app, 'BundleTest', {
    config: {
      namespace: NAMESPACE,
      tokens: { default: { parameter: PARAMETER } },
      // The email channel's subscribers: with SYNTHMON_TOPIC_ARN a page is published to the topic.
      notifications: { httpsEndpoints: ['https://pager.example.com/synthmon'] },
      checks: [
        { name: 'buyer-orders', kind: 'http', url: api.url, retryDelayMs: 100, auth: { in: 'header', scheme: 'Token' } },
        {
          name: 'chat-websocket',
          kind: 'websocket',
          url: wsUrl,
          origin: 'https://indexo.ir',
          settleMs: 200,
          retryDelayMs: 100,
          auth: { in: 'query' },
        },
        {
          name: 'chat-evil-origin',
          kind: 'websocket',
          url: wsUrl,
          origin: 'https://evil.example',
          settleMs: 0,
          retryDelayMs: 100,
          intervalSeconds: 120,
          auth: {},
        },
        { name: 'health', kind: 'http', url: api.url, intervalSeconds: 300 },
      ],
    },
  });
  const fn = stack.monitor.runner!.function;
  const resources = Template.fromStack(stack).toJSON().Resources as Record<string, { Properties: { Code: { S3Key: string } } }>;
  const key = resources[stack.getLogicalId(fn.node.defaultChild as CfnElement)]!.Properties.Code.S3Key;
  assetDir = join(app.synth().directory, `asset.${key.replace(/\.zip$/, '')}`);
}, 180_000);

afterAll(async () => {
  await Promise.all([api?.close(), chat?.close(), cloudwatch?.close(), ssm?.close(), dynamo?.close(), sns?.close()]);
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** Runs in the child: require the asset as Lambda does, invoke once, report what was loaded when. */
const LAMBDA_LIKE = `
const index = require.resolve(process.argv[1]);
const loadedFiles = () => Object.keys(require.cache).filter((f) => f !== index);
const mod = require(index);
const atInit = loadedFiles();
mod.handler(JSON.parse(process.argv[2])).then(
  (result) => report({ result, atInit, afterRun: loadedFiles() }),
  (err) => report({ error: String(err && err.stack || err), atInit, afterRun: loadedFiles() }),
);
// Exit as Lambda freezes the sandbox: the SDK's keep-alive sockets would keep the process up.
function report(r) { process.stdout.write('\\n' + JSON.stringify({ bundleTestReport: r }) + '\\n', () => process.exit(0)); }
`;

interface ChildReport {
  readonly result?: Record<string, unknown>;
  readonly error?: string;
  /** Files required at init besides index.js, relative to the asset. */
  readonly atInit: string[];
  /** Files required by the end of the first invocation, relative to the asset. */
  readonly afterRun: string[];
}

interface ChildRun {
  readonly report: ChildReport;
  /** The handler's own stdout lines (the result line, any EMF fallback), JSON-parsed. */
  readonly lines: Array<Record<string, unknown>>;
  readonly stdout: string;
  readonly stderr: string;
}

/** The asset's handler in a fresh Node process with a Lambda-like environment (nothing inherited but PATH). */
function invokeInChild(event: unknown, env: Record<string, string>): Promise<ChildRun> {
  const home = mkdtempSync(join(scratch, 'home-'));
  const childEnv: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '',
    HOME: home,
    // The SDK reads shared config files for some settings: keep it away from any real ones.
    AWS_CONFIG_FILE: join(home, 'aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'aws-credentials'),
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIDLOCALTEST',
    AWS_SECRET_ACCESS_KEY: 'local-secret-key',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL_CLOUDWATCH: cloudwatch.endpoint,
    AWS_ENDPOINT_URL_SSM: ssm.endpoint,
    NODE_EXTRA_CA_CERTS: caFile,
    [HandlerEnvVar.LOCATION]: 'default',
    ...env,
  };
  // Asynchronous: the replicas answering the child live in this process's event loop.
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['-e', LAMBDA_LIKE, join(assetDir, 'index.js'), JSON.stringify(event)],
      { env: childEnv, cwd: home, timeout: CHILD_DEADLINE_MS, killSignal: 'SIGKILL', encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`the child failed (${err.message}): ${stderr.slice(-2000)}`));
        const lines = stdout
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as Record<string, unknown>);
        const reportLine = lines.find((l) => 'bundleTestReport' in l);
        if (!reportLine) return reject(new Error(`the child reported nothing: ${stdout.slice(-2000)} ${stderr.slice(-2000)}`));
        const raw = reportLine.bundleTestReport as ChildReport;
        const rel = (files: string[]) => files.map((f) => assetRelative(f)).sort();
        resolve({
          report: { ...raw, atInit: rel(raw.atInit), afterRun: rel(raw.afterRun) },
          lines: lines.filter((l) => l !== reportLine),
          stdout,
          stderr,
        });
      },
    );
  });
}

/** A loaded file relative to the asset, `/`-separated; a file outside the asset keeps its absolute path. */
function assetRelative(file: string): string {
  const rel = relative(assetDir, file);
  return rel.startsWith('..') ? file : rel.split(sep).join('/');
}

function datumsSince(from: number): string[] {
  return cloudwatch.requests.slice(from).flatMap((r) => {
    expect(r.input?.Namespace).toBe(NAMESPACE);
    return (r.input?.MetricData ?? []).map((d: WireDatum) => {
      const dims = (d.Dimensions ?? []).map((x) => `${x.Name}=${x.Value}`).join(',');
      return `${d.MetricName}{${dims}}=${d.MetricName === 'Duration' ? 'ms' : d.Value}`;
    });
  });
}

/** After the child is gone, no connection to any replica is left open. */
async function allClosed(): Promise<void> {
  expect(await chat.idle(5000)).toBe(true);
  const deadline = Date.now() + 5000;
  while ((api.openConnections() > 0 || cloudwatch.openSockets() > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  expect(api.openConnections()).toBe(0);
  expect(cloudwatch.openSockets()).toBe(0);
}

function expectNoCanary(run: ChildRun, from: number): void {
  const emitted = [run.stdout, run.stderr, ...cloudwatch.requests.slice(from).map((r) => r.body)].join('\n');
  expect(emitted).not.toContain(CANARY);
}

describe('deployed layout', () => {
  it('ships index.js small, the fleet file and every lazy chunk at the path require() resolves from index.js, and no source map', () => {
    const index = statSync(join(assetDir, 'index.js')).size;
    // 73 KB with the incident engine and its channels in it (node:http and node:https loaded at init);
    // 39 KB since they are the ./incidents chunk, loaded beside the first invocation's probes.
    expect(index).toBeLessThan(48 * 1024);
    const indexCode = readFileSync(join(assetDir, 'index.js'), 'utf8');
    const engineCode = readFileSync(join(assetDir, INCIDENTS_CHUNK), 'utf8');
    for (const text of ENGINE_ONLY) {
      expect(indexCode).not.toContain(text);
      expect(engineCode).toContain(text);
    }
    // The run claim stays in index.js: it is written before probing.
    expect(indexCode).toContain('attribute_not_exists(pk)');
    for (const chunk of LAZY_CHUNKS) {
      const code = readFileSync(join(assetDir, chunk.file), 'utf8');
      // Minified CommonJS, not an ESM wrapper the require() in index.js could not load.
      expect(code.length / code.split('\n').length).toBeGreaterThan(2000);
      expect(code).not.toMatch(/^\s*(export|import)\s/m);
    }
    const files = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [assetRelative(join(dir, e.name))]));
    expect(files(assetDir).sort()).toEqual(['index.js', FLEET_FILE, ...LAZY_CHUNKS.map((c) => c.file)].sort());
    const fleet = JSON.parse(readFileSync(join(assetDir, FLEET_FILE), 'utf8'));
    expect(Object.keys(fleet.shards).sort()).toEqual(['120s-0', '300s-0', '60s-0']);
    // The fleet file names where the token lives, never a token.
    expect(JSON.stringify(fleet)).not.toContain(CANARY);
  });

  it('requires from index.js only node builtins and the lazy chunks, each through a lowered import()', () => {
    const index = readFileSync(join(assetDir, 'index.js'), 'utf8');
    const required = [...index.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]!);
    // The SNS client is the channels' alone: only the incident chunk requires it.
    expect(required.filter((s) => !s.startsWith('node:')).sort()).toEqual(
      LAZY_CHUNKS.map((c) => c.specifier)
        .filter((s) => s !== '@aws-sdk/client-sns')
        .sort(),
    );
    // node:http(s) belong to the channels, and cost ~10 ms of init on Node 24.
    expect(required.filter((s) => s === 'node:http' || s === 'node:https')).toEqual([]);
    // An import() left in place would go through the ESM loader, which cannot load these chunks.
    expect(index).not.toMatch(/\bimport\(/);
  });

  it('bundles no package into index.js and leaves exactly the lazy chunks external (HANDLER_ESBUILD_OPTIONS)', async () => {
    const result = await build({
      ...HANDLER_ESBUILD_OPTIONS,
      entryPoints: [...HANDLER_ESBUILD_OPTIONS.entryPoints],
      external: [...HANDLER_ESBUILD_OPTIONS.external],
      format: 'cjs',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.entries(result.metafile!.inputs);
    // No package is bundled into index.js: the SDK, zod, ws and undici are all in chunks (or not shipped).
    expect(inputs.filter(([file]) => file.includes('node_modules'))).toEqual([]);
    // The config schema (zod) stays out; contracts/config/endpoints.ts is the one zod-free piece the channels share.
    expect(
      inputs.filter(([file]) => file.includes('zod') || (file.includes('contracts/config/') && !file.endsWith('contracts/config/endpoints.ts'))),
    ).toEqual([]);
    expect(inputs.filter(([file]) => file.endsWith('contracts/config/endpoints.ts')).every(([, input]) => input.imports.length === 0)).toBe(true);
    const externals = inputs.flatMap(([file, input]) =>
      input.imports.filter((i) => i.external && !i.path.startsWith('node:')).map((i) => ({ file, path: i.path })),
    );
    // A relative chunk path resolves from /var/task/index.js only if its importer sat next to handler.ts.
    const relativeImporters = externals.filter((e) => e.path.startsWith('.')).map((e) => e.file);
    expect(relativeImporters.length).toBeGreaterThan(0);
    for (const file of relativeImporters) expect(file).toMatch(/^lambda\/[^/]+\.ts$/);
    expect([...new Set(externals.map((e) => e.path))].sort()).toEqual(
      LAZY_CHUNKS.map((c) => c.specifier)
        .filter((s) => s !== '@aws-sdk/client-sns')
        .sort(),
    );
  });
});

describe('the asset of each runner', () => {
  it('is the prebuilt bundle copied byte for byte with its own fleet file: two fleets in one app are two assets, never one reused', () => {
    const app = testApp({ bundle: true });
    const fleets = [
      ['OrdersOnly', [{ name: 'orders', kind: 'http', url: 'https://api.example.com/api/orders/' }]],
      ['ChatOnly', [{ name: 'chat', kind: 'websocket', url: 'wss://api.example.com/ws/chat/', origin: 'https://example.com' }]],
    ] as const;
    const stacks = fleets.map(([id, checks]) => new MonitorStack(app, id, { config: { checks: [...checks] } }));
    const outdir = app.synth().directory;
    const assets = stacks.map((stack) => {
      const fn = stack.monitor.runner!.function;
      const resources = Template.fromStack(stack).toJSON().Resources as Record<string, { Properties: { Code: { S3Key: string } } }>;
      return join(outdir, `asset.${resources[stack.getLogicalId(fn.node.defaultChild as CfnElement)]!.Properties.Code.S3Key.replace(/\.zip$/, '')}`);
    });
    expect(new Set(assets).size).toBe(2);
    assets.forEach((dir, i) => {
      const fleet = JSON.parse(readFileSync(join(dir, FLEET_FILE), 'utf8')) as { shards: Record<string, { checks: Array<{ name: string }> }> };
      expect(Object.values(fleet.shards).flatMap((sh) => sh.checks.map((c) => c.name))).toEqual(fleets[i]![1].map((c) => c.name));
      for (const file of RUNNER_ASSET_FILES)
        expect(readFileSync(join(dir, file)).equals(readFileSync(join(RUNNER_BUNDLE_DIR, packagedPath(file))))).toBe(true);
      // The bundle's other entry, the backstop notifier, is not in a runner's asset (lib/backstop.ts has its own).
      expect(existsSync(join(dir, BACKSTOP_BUNDLE_FILE))).toBe(false);
    });
  });
});

describe('the asset run in a fresh Node process', () => {
  it('runs the 60 s shard (https and wss, one token from SSM), loading only the chunks it needs on first use', async () => {
    const from = cloudwatch.requests.length;
    const reads = ssm.reads.length;
    const scheduledTime = new Date().toISOString();
    const run = await invokeInChild({ shard: '60s-0', scheduledTime }, {});

    expect(run.report.error).toBeUndefined();
    const ticks = (run.report.result as { ticks: Array<{ results: Array<Record<string, unknown>> }> }).ticks;
    expect(ticks[0]!.results.map((r) => [r.check, r.outcome, r.attempts])).toEqual([
      ['buyer-orders', 'ok', 1],
      ['chat-websocket', 'ok', 1],
    ]);
    expect(run.lines.filter((l) => l.msg === 'check result').map((l) => [l.check, l.shard])).toEqual([
      ['buyer-orders', '60s-0'],
      ['chat-websocket', '60s-0'],
    ]);
    expect(api.requests.at(-1)?.headers.authorization).toBe(`Token ${CANARY}`);
    expect(chat.handshakes.at(-1)).toMatchObject({ origin: 'https://indexo.ir', tokenIn: 'query', result: 'accepted' });
    // Two checks share the token: one decrypted read.
    expect(ssm.reads.slice(reads)).toEqual([{ name: PARAMETER, withDecryption: true }]);
    expect(
      datumsSince(from)
        .filter((d) => !d.startsWith('CertificateDaysLeft'))
        .sort(),
    ).toEqual(
      [
        'Success{Check=buyer-orders}=1',
        'Duration{Check=buyer-orders}=ms',
        'Success{Check=chat-websocket}=1',
        'Duration{Check=chat-websocket}=ms',
        'ShardResults{Shard=60s-0,Location=default}=2',
      ].sort(),
    );
    expect(datumsSince(from).filter((d) => d.startsWith('CertificateDaysLeft'))).toEqual([
      expect.stringMatching(/^CertificateDaysLeft\{Host=127\.0\.0\.1\}=\d+$/),
    ]);

    expect(run.report.atInit).toEqual([]);
    expect(run.report.afterRun).toEqual([CLOUDWATCH_CHUNK, SSM_CHUNK, HTTP_CHUNK, WS_CHUNK].sort());
    expectNoCanary(run, from);
    await allClosed();
  });

  it('reports forbidden with cause origin_rejected and publishes Failures{Reason=forbidden} with its Interval copy', async () => {
    const from = cloudwatch.requests.length;
    chat.setMode({ token: CANARY, allowedHosts: ['indexo.ir', '127.0.0.1'] });
    try {
      const run = await invokeInChild({ shard: '120s-0' }, {});
      expect(run.report.error).toBeUndefined();
      const result = (run.report.result as { ticks: Array<{ results: Array<Record<string, unknown>> }> }).ticks[0]!.results[0];
      expect(result).toMatchObject({ ok: false, outcome: 'forbidden', cause: 'origin_rejected', status: 403, attempts: 2 });
      expect(
        datumsSince(from)
          .filter((d) => !d.startsWith('CertificateDaysLeft'))
          .sort(),
      ).toEqual(
        [
          'Success{Check=chat-evil-origin}=0',
          'Duration{Check=chat-evil-origin}=ms',
          'Failures{Check=chat-evil-origin,Reason=forbidden}=1',
          'Failures{Check=chat-evil-origin,Interval=120,Reason=forbidden}=1',
          'ShardResults{Shard=120s-0,Location=default}=1',
        ].sort(),
      );
      expectNoCanary(run, from);
      await allClosed();
    } finally {
      chat.setMode({ token: CANARY, allowedHosts: ['indexo.ir'] });
    }
  });

  it('runs a shard of checks without auth without loading the SSM client, and fails an unknown shard loudly', async () => {
    const run = await invokeInChild({ shard: '300s-0' }, {});
    expect(run.report.error).toBeUndefined();
    expect(run.report.afterRun).toEqual([CLOUDWATCH_CHUNK, HTTP_CHUNK].sort());
    const bad = await invokeInChild({ shard: 'nope' }, {});
    expect(bad.report.error).toMatch(
      /ShardEventError: the event must be \{"shard": "<id>"\} naming a shard of this fleet \(60s-0, 120s-0, 300s-0\), got "nope"/,
    );
  });

  it('with an incident table, claims the run before probing, loads the engine chunk on first use and pages to SYNTHMON_TOPIC_ARN', async () => {
    chat.setMode({ token: CANARY, allowedHosts: ['indexo.ir', '127.0.0.1'] });
    try {
      const from = sns.published.length;
      const scheduledTime = new Date().toISOString();
      const run = await invokeInChild(
        { shard: '120s-0', scheduledTime },
        {
          [HandlerEnvVar.INCIDENT_TABLE]: 'bundle-incidents',
          [HandlerEnvVar.TOPIC_ARN]: TOPIC_ARN,
          AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
          AWS_ENDPOINT_URL_SNS: sns.endpoint,
        },
      );
      expect(run.report.error).toBeUndefined();
      expect(run.report.atInit).toEqual([]);
      expect(run.report.afterRun).toEqual([CLOUDWATCH_CHUNK, SSM_CHUNK, WS_CHUNK, DYNAMODB_CHUNK, INCIDENTS_CHUNK, SNS_CHUNK].sort());
      const tick = (run.report.result as { ticks: Array<{ incidents?: { notifications: Array<{ action: string }>; deliveries: unknown[] } }> })
        .ticks[0]!;
      expect(tick.incidents?.notifications.map((n) => n.action)).toEqual(['trigger']);
      expect(tick.incidents?.deliveries).toEqual([expect.objectContaining({ channel: 'email', ok: true })]);
      const pages = sns.published.slice(from);
      expect(pages.map((p) => [p.topicArn, JSON.parse(p.as('https')).type])).toEqual([[TOPIC_ARN, 'incident.triggered']]);
      expect(pages[0]!.as('email')).toContain('chat-evil-origin');
      expect(pages.map((p) => p.message).join('\n')).not.toContain(CANARY);
      const claim = await dynamo.client.send(
        new GetItemCommand({ TableName: 'bundle-incidents', Key: { pk: { S: `run#120s-0#default#${scheduledTime}` } } }),
      );
      expect(claim.Item).toBeDefined();
      // A second delivery of the same event: refused by the claim, nothing probed or paged.
      const again = await invokeInChild(
        { shard: '120s-0', scheduledTime },
        { [HandlerEnvVar.INCIDENT_TABLE]: 'bundle-incidents', AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint },
      );
      expect((again.report.result as { duplicate?: boolean }).duplicate).toBe(true);
      expect(again.report.afterRun).not.toContain(INCIDENTS_CHUNK);
      expect(sns.published.length - from).toBe(1);
    } finally {
      chat.setMode({ token: CANARY, allowedHosts: ['indexo.ir'] });
    }
  });
});
