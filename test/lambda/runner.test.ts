/**
 * The shard runner end to end on loopback: a shard event in, the real probes against the TLS
 * replicas of the seed's backend and raw fault servers, and the datapoints through the real
 * CloudWatch SDK into the local recorder (CloudWatch's JSON 1.0 wire protocol). Nothing is mocked;
 * the token store is a static one (the cloud stores have their own tests against local SSM and
 * Secrets Manager endpoints), and the probes get the test CA and a resolver pinned to 127.0.0.1.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig, type Check } from '../../contracts/config';
import type { FleetFile, ShardEvent } from '../../contracts/handler-env';
import { makeTestPki, type TestPki } from '../../demo/certs';
import { createRunner, PublishError, ShardEventError, staggeredBase, type RunnerDeps } from '../../lambda/runner';
import { staticTokenStore } from '../../lambda/tokens';
import { localAwsEnv } from '../support/aws-env';
import { Answer, startCloudWatchRecorder, type CloudWatchRecorder, type WireDatum } from '../support/cloudwatch-recorder';
import { lookupTo, refusedPort, startSilentServer, type FaultServer } from '../support/fault-servers';
import { startHttpBackend, type HttpBackend } from '../support/http-backend';
import { startWsBackend, type WsBackend } from '../support/ws-backend';

const CANARY = 'canary-7c1d9e3a5b20f4e8';
const NAMESPACE = 'Synthmon/RunnerTest';

let pki: TestPki;
let api: HttpBackend;
let chat: WsBackend;
let silent: FaultServer;
let cloudwatch: CloudWatchRecorder;
let lines: string[];

beforeAll(async () => {
  pki = makeTestPki();
  [api, chat, silent, cloudwatch] = await Promise.all([
    startHttpBackend({ tls: pki.server, state: { tokens: [CANARY] } }),
    startWsBackend({ tls: pki.server, token: CANARY }),
    startSilentServer(),
    startCloudWatchRecorder(),
  ]);
  Object.assign(process.env, localAwsEnv({ cloudwatch: cloudwatch.endpoint }));
});

afterAll(async () => {
  await Promise.all([api?.close(), chat?.close(), silent?.close(), cloudwatch?.close()]);
});

beforeEach(() => {
  lines = [];
  cloudwatch.setThen(Answer.ok);
});

/** Validated checks, as the CDK app writes them into the fleet file. */
function checks(raw: unknown[], extra: Record<string, unknown> = {}): Check[] {
  return parseConfig({ ...extra, checks: raw }).checks;
}

function fleetOf(shards: FleetFile['shards']): FleetFile {
  return { version: 1, namespace: NAMESPACE, phaseTimings: false, tokens: {}, shards };
}

function runner(fleet: FleetFile, overrides: Partial<RunnerDeps> = {}) {
  return createRunner({
    fleet,
    env: { location: 'eu-west-1' },
    tokens: staticTokenStore({ default: CANARY }),
    attemptOptions: { ca: pki.ca, lookup: lookupTo('127.0.0.1') },
    writeLine: (line) => lines.push(line),
    logError: (line) => lines.push(line),
    ...overrides,
  });
}

const healthy = () => [
  { name: 'chat-websocket', kind: 'websocket', url: chat.url, origin: 'https://indexo.ir', settleMs: 200, auth: { in: 'query' } },
  { name: 'buyer-orders', kind: 'http', url: api.url, auth: {} },
];

function describeDatum(d: WireDatum): string {
  const dims = (d.Dimensions ?? []).map((x) => `${x.Name}=${x.Value}`).join(',');
  return `${d.MetricName}{${dims}}=${d.Value}`;
}

describe('createRunner', () => {
  it('probes a shard concurrently: one hanging check runs to its deadline while the others report on time, all in one PutMetricData call', async () => {
    chat.setMode({ token: CANARY, allowedHosts: ['indexo.ir'] });
    const shardChecks = checks([
      ...healthy(),
      { name: 'hung-api', kind: 'http', url: `https://127.0.0.1:${silent.port}/`, timeoutMs: 1500, retryDelayMs: 0 },
    ]);
    const from = cloudwatch.requests.length;
    const scheduledTime = new Date(Date.now() - 200).toISOString();
    const started = Date.now();
    const report = await runner(fleetOf({ '60s-0': { intervalSeconds: 60, ticks: 1, checks: shardChecks } }))({ shard: '60s-0', scheduledTime });
    const wall = Date.now() - started;

    const [tick] = report.ticks;
    expect(tick!.results.map((r) => [r.check, r.outcome])).toEqual([
      ['chat-websocket', 'ok'],
      ['buyer-orders', 'ok'],
      ['hung-api', 'timeout'],
    ]);
    // The healthy checks finished long before the hung one's deadline: nothing waited for it.
    expect(tick!.results[1]!.timings.totalMs).toBeLessThan(1000);
    expect(tick!.results[2]!.timings.totalMs).toBeGreaterThanOrEqual(1400);
    expect(wall).toBeLessThan(1500 + 5000);

    const calls = cloudwatch.requests.slice(from);
    expect(calls).toHaveLength(1);
    const data = calls[0]!.input!.MetricData;
    expect(data.map(describeDatum).sort()).toEqual(
      [
        'Success{Check=chat-websocket}=1',
        'Duration{Check=chat-websocket}=' + tick!.results[0]!.timings.totalMs,
        'Success{Check=buyer-orders}=1',
        'Duration{Check=buyer-orders}=' + tick!.results[1]!.timings.totalMs,
        'Success{Check=hung-api}=0',
        'Duration{Check=hung-api}=' + tick!.results[2]!.timings.totalMs,
        'Failures{Check=hung-api,Reason=timeout}=1',
        'Failures{Check=hung-api,Interval=60,Reason=timeout}=1',
        'ShardResults{Shard=60s-0,Location=eu-west-1}=3',
        // One per host whose leaf certificate a check read (the WebSocket replica is reached as localhost).
        `CertificateDaysLeft{Host=127.0.0.1}=${tick!.results[1]!.certificate!.daysLeft}`,
        `CertificateDaysLeft{Host=localhost}=${tick!.results[0]!.certificate!.daysLeft}`,
      ].sort(),
    );
    // Every datapoint carries the run's scheduled time (epoch seconds on the wire), standard resolution.
    expect(new Set(data.map((d) => d.Timestamp))).toEqual(new Set([Date.parse(scheduledTime) / 1000]));
    expect(data.every((d) => d.StorageResolution === undefined)).toBe(true);

    // One log line per check result, with the shard and location; the token in none of them.
    const results = lines.map((l) => JSON.parse(l) as { msg: string; check: string; shard: string; location: string });
    expect(results.filter((l) => l.msg === 'check result').map((l) => [l.check, l.shard, l.location])).toEqual([
      ['chat-websocket', '60s-0', 'eu-west-1'],
      ['buyer-orders', '60s-0', 'eu-west-1'],
      ['hung-api', '60s-0', 'eu-west-1'],
    ]);
    expect([...lines, calls[0]!.body].join('\n')).not.toContain(CANARY);
    expect(await silent.idle(3000)).toBe(true);
  });

  it('reports a check whose token cannot be had as error, and runs the others', async () => {
    const shardChecks = checks([...healthy(), { name: 'other-api', kind: 'http', url: api.url, auth: { token: 'other' } }], {
      tokens: { other: { parameter: '/synthmon/other' } },
    });
    const report = await runner(fleetOf({ s: { intervalSeconds: 60, ticks: 1, checks: shardChecks } }))({ shard: 's' });
    expect(report.ticks[0]!.results.map((r) => [r.check, r.outcome])).toEqual([
      ['chat-websocket', 'ok'],
      ['buyer-orders', 'ok'],
      ['other-api', 'error'],
    ]);
    expect(report.ticks[0]!.results[2]!.message).toMatch(/token unavailable: .*other/);
  });

  it('publishes a shard of 1,200+ datapoints in as few calls as the limits allow, each datapoint exactly once', async () => {
    const port = await refusedPort();
    const many = checks(
      Array.from({ length: 320 }, (_, i) => ({ name: `refused-${i}`, kind: 'http', url: `http://127.0.0.1:${port}/`, retryDelayMs: 0 })),
    );
    const from = cloudwatch.requests.length;
    const report = await runner(fleetOf({ big: { intervalSeconds: 60, ticks: 1, checks: many } }))({ shard: 'big' });
    expect(report.ticks[0]!.results.every((r) => r.outcome === 'refused')).toBe(true);
    const calls = cloudwatch.requests.slice(from);
    // 320 × (Success, Duration, Failures, Failures+Interval) + the heartbeat = 1,281 → two calls.
    expect(calls.map((c) => c.input!.MetricData.length)).toEqual([1000, 281]);
    const all = calls.flatMap((c) => c.input!.MetricData.map(describeDatum));
    expect(new Set(all).size).toBe(all.length);
    expect(all.filter((d) => d.startsWith('Success{')).length).toBe(320);
    expect(calls.every((c) => c.answer === 'ok')).toBe(true);
  });

  it('runs a fast shard on a fixed cadence: each tick starts on time although a check of the previous tick is still running, with high-resolution datapoints stamped with the tick time', async () => {
    // A real fast shard ticks every 10 s; the runner takes its spacing from the shard, so this one
    // ticks every second (3 ticks) to keep the test short. The slow check's attempt takes 1.5 s, so it is still running when the next tick starts.
    const fastChecks = checks(
      [
        { name: 'fast-api', kind: 'http', url: api.url, auth: {} },
        { name: 'slow-api', kind: 'http', url: `https://127.0.0.1:${silent.port}/`, timeoutMs: 1500, retryDelayMs: 0 },
      ],
      { intervalSeconds: 10 },
    );
    const from = cloudwatch.requests.length;
    const apiFrom = api.requests.length;
    const base = Date.now() + 100;
    const report = await runner(fleetOf({ '10s-0': { intervalSeconds: 1, ticks: 3, checks: fastChecks } }))({
      shard: '10s-0',
      scheduledTime: new Date(base).toISOString(),
    });
    expect(report.ticks.map((t) => Date.parse(t.at) - base)).toEqual([0, 1000, 2000]);
    // The slow check's single attempt (no retry configured) runs into the next tick's start.
    expect(report.ticks.flatMap((t) => t.results.map((r) => `${r.check}:${r.outcome}:${r.attempts}`))).toEqual([
      'fast-api:ok:1',
      'slow-api:timeout:1',
      'fast-api:ok:1',
      'slow-api:timeout:1',
      'fast-api:ok:1',
      'slow-api:timeout:1',
    ]);
    // Each tick's attempts started within a few hundred ms of its tick time (not after the slow check).
    expect(api.requests.length - apiFrom).toBe(3);
    const arrivals = report.ticks.map((t) => Date.parse(t.results[0]!.startedAt) - base);
    arrivals.forEach((ms, k) => {
      expect(ms).toBeGreaterThanOrEqual(k * 1000 - 50);
      expect(ms).toBeLessThan(k * 1000 + 600);
    });
    // One call per tick, each stamped with its tick's time, every datapoint high resolution.
    const calls = cloudwatch.requests.slice(from);
    expect(calls).toHaveLength(3);
    const stamps = calls.map((c) => [...new Set(c.input!.MetricData.map((d) => d.Timestamp! * 1000 - base))]);
    expect(stamps.sort((a, b) => a[0]! - b[0]!)).toEqual([[0], [1000], [2000]]);
    expect(calls.flatMap((c) => c.input!.MetricData).every((d) => d.StorageResolution === 1)).toBe(true);
  });

  it('marks the run failed after every tick when CloudWatch stays unavailable, with the datapoints as EMF lines', async () => {
    cloudwatch.setThen(Answer.internalFailure);
    const run = runner(fleetOf({ s: { intervalSeconds: 60, ticks: 1, checks: checks(healthy()) } }));
    const err = await run({ shard: 's' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PublishError);
    const emf = lines.filter((l) => l.includes('"_aws"'));
    expect(emf.length).toBeGreaterThan(0);
    expect(lines.filter((l) => l.includes('"check result"'))).toHaveLength(2);
  });

  it('says where the EMF fallback of a runner outside the home region lands: its own region, unseen by the home alarms', async () => {
    cloudwatch.setThen(Answer.internalFailure);
    const shard = { s: { intervalSeconds: 60, ticks: 1, checks: checks([{ name: 'health', kind: 'http', url: api.url, expectStatus: 403 }]) } };
    const from = cloudwatch.requests.length;
    // As Lambda runs it in ap-southeast-1 (AWS_REGION), publishing to us-east-1.
    const err = await runner(fleetOf(shard), { env: { location: 'ap-southeast-1', homeRegion: 'us-east-1' }, region: 'ap-southeast-1' })({
      shard: 's',
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PublishError);
    // It did try the home region first (SigV4 scope), and only then fell back.
    expect(
      cloudwatch.requests.slice(from).map((r) => /Credential=[^/]+\/\d{8}\/([a-z0-9-]+)\//.exec(String(r.headers.authorization))?.[1]),
    ).toContain('us-east-1');
    expect((err as Error).message).toMatch(
      /^publishing the metrics of shard "s" \(location ap-southeast-1\) failed in 1 of 1 tick\(s\) \(InternalServiceFault HTTP 500 after 4 attempts: .*\); \d+ EMF line\(s\) were written to the log instead: /,
    );
    expect((err as Error).message).toContain(
      "CloudWatch Logs makes these metrics in ap-southeast-1, this runner's region, not in the home region us-east-1: the alarms there do not see them " +
        '(while this lasts, this location counts as silent there and its Silent alarm fires)',
    );
    const logged = lines.filter((l) => l.includes('"PutMetricData')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logged).toEqual([
      expect.objectContaining({ level: 'error', emfMetricsRegion: 'ap-southeast-1', homeRegion: 'us-east-1', seenByHomeAlarms: false }),
    ]);
    expect(String(logged[0]!.msg)).toMatch(
      /^PutMetricData to us-east-1 failed after retries; datapoints written as EMF to stdout instead: CloudWatch Logs makes these metrics in ap-southeast-1, /,
    );
    // The EMF lines themselves carry the same identities, heartbeat included, as the call would have.
    const emf = lines.filter((l) => l.includes('"_aws"')).join('\n');
    expect(emf).toContain('"Location":"ap-southeast-1"');

    // Control: the home region's runner (AWS_REGION, no SYNTHMON_HOME_REGION) falls back where its alarms are.
    lines = [];
    const home = await runner(fleetOf(shard), { env: { location: 'eu-west-1' } })({ shard: 's' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((home as Error).message).toContain('CloudWatch Logs makes these metrics in eu-west-1, the home region, where the alarms see them');
    expect(lines.filter((l) => l.includes('"PutMetricData')).map((l) => JSON.parse(l) as Record<string, unknown>)).toEqual([
      expect.objectContaining({ emfMetricsRegion: 'eu-west-1', seenByHomeAlarms: true }),
    ]);
  });

  it('publishes to the home region from another location (SigV4 scope), its heartbeat naming its own location', async () => {
    const shard = { s: { intervalSeconds: 60, ticks: 1, checks: checks([{ name: 'health', kind: 'http', url: api.url, expectStatus: 403 }]) } };
    const scopeOf = (i: number) =>
      /Credential=[^/]+\/\d{8}\/([a-z0-9-]+)\/monitoring\//.exec(String(cloudwatch.requests[i]!.headers.authorization))?.[1];

    const from = cloudwatch.requests.length;
    await runner(fleetOf(shard), { env: { location: 'us-east-1', homeRegion: 'eu-central-1' } })({ shard: 's' });
    expect(cloudwatch.requests.length).toBe(from + 1);
    expect(scopeOf(from)).toBe('eu-central-1');
    expect(cloudwatch.requests[from]!.input!.MetricData.map(describeDatum)).toContain('ShardResults{Shard=s,Location=us-east-1}=1');

    // Control: a runner in the home region publishes with the SDK's own region (AWS_REGION).
    await runner(fleetOf(shard))({ shard: 's' });
    expect(scopeOf(from + 1)).toBe('eu-west-1');
  });

  it('refuses an event that names no shard of the fleet, naming the known shards', async () => {
    const run = runner(fleetOf({ '60s-0': { intervalSeconds: 60, ticks: 1, checks: checks(healthy()) } }));
    await expect(run({ shard: 'nope' })).rejects.toThrow(ShardEventError);
    await expect(run({} as ShardEvent)).rejects.toThrow(/must be \{"shard": "<id>"\}.*60s-0/);
  });
});

describe('staggered fast ticks', () => {
  const LOCATIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-1'];

  it('offsets each location by index × interval / locations past the interval grid; one location, or an unknown one, unchanged', () => {
    const minute = Date.UTC(2026, 11, 4, 12, 0, 0);
    expect(LOCATIONS.map((l) => staggeredBase(minute, 10, LOCATIONS, l) - minute)).toEqual([0, 3333, 6667]);
    // A schedule with its own phase: the next instant on the location's slot, never earlier than the base.
    expect(staggeredBase(minute + 4_000, 10, LOCATIONS, 'eu-west-1') - minute).toBe(13_333);
    expect(staggeredBase(minute + 4_000, 10, LOCATIONS, 'us-east-1') - minute).toBe(10_000);
    expect(staggeredBase(minute + 4_000, 10, ['eu-west-1'], 'eu-west-1')).toBe(minute + 4_000);
    expect(staggeredBase(minute + 4_000, 10, LOCATIONS, 'sa-east-1')).toBe(minute + 4_000);
  });

  it('runs a fast shard on its location slot, every tick an interval apart', async () => {
    const fastChecks = checks([{ name: 'fast-api', kind: 'http', url: api.url, auth: {} }], { intervalSeconds: 10 });
    const fleet: FleetFile = {
      ...fleetOf({ '10s-0': { intervalSeconds: 1, ticks: 2, checks: fastChecks } }),
      incidents: { monitor: 'm', locations: LOCATIONS, quorum: 2, resolveAfterRuns: 2, notifications: {} },
    };
    const base = Date.now() + 100;
    const report = await runner(fleet)({ shard: '10s-0', scheduledTime: new Date(base).toISOString() });
    const ats = report.ticks.map((t) => Date.parse(t.at));
    // eu-west-1 is index 1 of 3: 333 ms past each whole second of epoch time, within one interval of the base.
    expect(ats.map((t) => t % 1000)).toEqual([333, 333]);
    expect(ats[0]! - base).toBeGreaterThanOrEqual(0);
    expect(ats[0]! - base).toBeLessThan(1000);
    expect(ats[1]! - ats[0]!).toBe(1000);
  });
});
