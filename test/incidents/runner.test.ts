/**
 * The runner with the incident engine (docs/DESIGN.md#incidents): a duplicated Lambda delivery of
 * the same scheduled event probes, publishes and records once (the run claim, lambda/run-claim.ts);
 * a page that cannot be delivered is counted in NotificationFailures{Channel}; the handler's wiring
 * (incidentDeps: the claim, the engine loaded beside the probes, SYNTHMON_TOPIC_ARN for the email
 * channel) pages through the local SNS endpoint. Real pieces only: an HTTP endpoint on loopback, the
 * CloudWatch SDK into the local recorder, the DynamoDB SDK into dynalite, the SNS SDK into the local
 * SNS endpoint, a real HTTP receiver.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../contracts/config';
import type { FleetFile } from '../../contracts/handler-env';
import { BackstopEnvVar } from '../../contracts/backstop';
import { HandlerEnvVar, readHandlerEnv } from '../../contracts/handler-env';
import { incidentDeps } from '../../lambda/handler';
import { IncidentStore } from '../../lambda/incidents/store';
import { runClaimer, runClaimKey } from '../../lambda/run-claim';
import { createRunner } from '../../lambda/runner';
import { staticTokenStore } from '../../lambda/tokens';
import { localAwsEnv } from '../support/aws-env';
import { startCloudWatchRecorder, type CloudWatchRecorder } from '../support/cloudwatch-recorder';
import { startLocalDynamo, type LocalDynamo } from '../support/dynamodb';
import { startSnsEndpoint, type SnsEndpoint } from '../support/sns-endpoint';
import { engineFor, jsonChannel, startReceiver, type Receiver } from './support';

const TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:RunnerTest-Monitor-alarms';

let dynamo: LocalDynamo;
let cloudwatch: CloudWatchRecorder;
let receiver: Receiver;
let sns: SnsEndpoint;
let endpoint: Server;
let hits = 0;

beforeAll(async () => {
  [dynamo, cloudwatch, receiver, sns] = await Promise.all([
    startLocalDynamo(),
    startCloudWatchRecorder(),
    startReceiver(),
    startSnsEndpoint([TOPIC_ARN]),
  ]);
  await dynamo.createTable('incidents');
  Object.assign(process.env, localAwsEnv({ cloudwatch: cloudwatch.endpoint }), {
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    AWS_ENDPOINT_URL_SNS: sns.endpoint,
  });
  endpoint = createServer((_req, res) => {
    hits++;
    res.writeHead(503).end('down');
  });
  await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  endpoint?.closeAllConnections();
  await new Promise<void>((resolve) => (endpoint ? endpoint.close(() => resolve()) : resolve()));
  await Promise.all([dynamo?.close(), cloudwatch?.close(), receiver?.close(), sns?.close()]);
});

function fleet(incidents?: FleetFile['incidents']): FleetFile {
  const url = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}/health`;
  const checks = parseConfig({ checks: [{ kind: 'http', name: 'health', url, retryDelayMs: 0 }] }).checks;
  return {
    version: 1,
    namespace: 'Synthmon/IncidentRunner',
    phaseTimings: false,
    tokens: {},
    shards: { '60s-0': { intervalSeconds: 60, ticks: 1, checks } },
    ...(incidents ? { incidents } : {}),
  };
}

describe('the runner with incidents', () => {
  it('runs a scheduled event delivered twice once: one probe, one set of datapoints, one verdict', async () => {
    const lines: string[] = [];
    const run = createRunner({
      fleet: fleet(),
      env: { location: 'eu-west-1' },
      claimRun: runClaimer({ table: 'incidents', client: dynamo.client }),
      incidents: engineFor(dynamo, 'incidents', 'eu-west-1', [], { quorum: 2 }),
      writeLine: (l) => lines.push(l),
      logError: (l) => lines.push(l),
    });
    const scheduledTime = new Date(Math.floor(Date.now() / 60_000) * 60_000).toISOString();
    const before = { hits, requests: cloudwatch.requests.length };
    const reports = await Promise.all([run({ shard: '60s-0', scheduledTime }), run({ shard: '60s-0', scheduledTime })]);
    expect(reports.filter((r) => r.duplicate)).toHaveLength(1);
    const ran = reports.find((r) => !r.duplicate)!;
    expect(ran.ticks).toHaveLength(1);
    expect(ran.ticks[0]!.incidents?.recorded).toBe(1);
    expect(hits - before.hits).toBe(1);
    const calls = cloudwatch.requests.slice(before.requests);
    expect(calls).toHaveLength(1);
    expect(lines.filter((l) => l.includes('duplicate delivery'))).toHaveLength(1);
    // One verdict for this location, from this run.
    const item = await new IncidentStore(dynamo.client, 'incidents').get('c#health');
    expect(item?.['r:eu-west-1']?.N).toBe(String(Date.parse(scheduledTime)));
    // A third delivery of the same event, later: still nothing.
    const third = await run({ shard: '60s-0', scheduledTime });
    expect(third.duplicate).toBe(true);
    expect(hits - before.hits).toBe(1);
    expect(cloudwatch.requests.length - before.requests).toBe(1);
    // The claim's item is the one the engine's own claimRun writes: either refuses the other's run.
    const claimed = await new IncidentStore(dynamo.client, 'incidents').get(runClaimKey({ shard: '60s-0', location: 'eu-west-1', scheduledTime }));
    expect(Number(claimed?.ttl?.N)).toBeGreaterThan(Date.now() / 1000 + 86_000);
    const engine = engineFor(dynamo, 'incidents', 'eu-west-1', [], { quorum: 2 });
    expect(await engine.claimRun({ shard: '60s-0', location: 'eu-west-1', scheduledTime })).toBe(false);
  });

  it('probes anyway when the run claim cannot be written (the store is down), and says so once', async () => {
    const lines: string[] = [];
    const run = createRunner({
      fleet: fleet(),
      env: { location: 'eu-west-1' },
      claimRun: runClaimer({ table: 'no-such-table', client: dynamo.client }),
      writeLine: () => {},
      logError: (l) => lines.push(l),
    });
    const before = hits;
    const report = await run({ shard: '60s-0', scheduledTime: new Date().toISOString() });
    expect(report.duplicate).toBeUndefined();
    expect(hits - before).toBe(1);
    expect(lines.filter((l) => l.includes('claiming the scheduled run failed; probing anyway'))).toHaveLength(1);
    expect(lines.join('\n')).toMatch(/ResourceNotFoundException/);
  });

  it('records nothing, and says so, when the engine cannot be loaded; the next invocation loads it again', async () => {
    const lines: string[] = [];
    let loads = 0;
    const run = createRunner({
      fleet: fleet(),
      env: { location: 'local' },
      incidents: async () => {
        if (++loads === 1) throw new Error('Cannot find module ./incidents');
        return engineFor(dynamo, 'incidents', 'local', [], { quorum: 1 });
      },
      writeLine: () => {},
      logError: (l) => lines.push(l),
    });
    const first = await run({ shard: '60s-0' });
    expect(first.ticks[0]!.incidents).toBeUndefined();
    expect(lines.filter((l) => l.includes('loading the incident engine failed'))).toHaveLength(1);
    const second = await run({ shard: '60s-0' });
    expect(second.ticks[0]!.incidents?.recorded).toBe(1);
    await run({ shard: '60s-0' });
    expect(loads).toBe(2);
  });

  it('counts a page it could not deliver in NotificationFailures{Channel} and keeps it for the next run', async () => {
    await dynamo.createTable('incidents-2');
    receiver.status = 503;
    const run = createRunner({
      fleet: fleet(),
      env: { location: 'local' },
      incidents: engineFor(dynamo, 'incidents-2', 'local', [jsonChannel('receiver', receiver.url)], { quorum: 1 }),
      writeLine: () => {},
      logError: () => {},
    });
    const from = cloudwatch.requests.length;
    const report = await run({ shard: '60s-0' });
    const incidents = report.ticks[0]!.incidents!;
    expect(incidents.notifications.map((n) => n.action)).toEqual(['trigger']);
    expect(incidents.failures).toEqual({ receiver: 1 });
    expect(incidents.pending).toBe(1);
    const failures = cloudwatch.accepted().filter((d) => d.MetricName === 'NotificationFailures');
    expect(failures).toEqual([expect.objectContaining({ Value: 1, Dimensions: [{ Name: 'Channel', Value: 'receiver' }] })]);
    expect(cloudwatch.requests.length - from).toBe(2);
    receiver.status = 202;
    const next = await run({ shard: '60s-0' });
    expect(next.ticks[0]!.incidents!.pending).toBe(0);
    expect(receiver.accepted.map((n) => n.action)).toEqual(['trigger']);
  });

  it("pages through the email channel to the topic in SYNTHMON_TOPIC_ARN, with only httpsEndpoints configured (the handler's wiring)", async () => {
    await dynamo.createTable('incidents-email');
    const env = readHandlerEnv({
      [HandlerEnvVar.LOCATION]: 'eu-west-1',
      [HandlerEnvVar.INCIDENT_TABLE]: 'incidents-email',
      [HandlerEnvVar.TOPIC_ARN]: ` ${TOPIC_ARN} `,
    });
    expect(env.topicArn).toBe(TOPIC_ARN);
    const shardFleet = fleet({
      monitor: 'RunnerTest',
      locations: ['eu-west-1'],
      quorum: 1,
      resolveAfterRuns: 2,
      notifications: { emails: [], httpsEndpoints: ['https://pager.example.com/synthmon'], webhooks: [] },
    });
    const deps = incidentDeps(env, shardFleet, staticTokenStore({}));
    expect(typeof deps.incidents).toBe('function');
    const from = sns.published.length;
    const run = createRunner({ fleet: shardFleet, env, ...deps, writeLine: () => {}, logError: () => {} });
    const report = await run({ shard: '60s-0', scheduledTime: new Date().toISOString() });
    const incidents = report.ticks[0]!.incidents!;
    expect(incidents.notifications.map((n) => n.action)).toEqual(['trigger']);
    expect(incidents.deliveries).toEqual([expect.objectContaining({ channel: 'email', ok: true })]);
    const [page, ...more] = sns.published.slice(from);
    expect(more).toEqual([]);
    expect(page!.topicArn).toBe(TOPIC_ARN);
    expect(page!.subject).toMatch(/^\[synthmon\] /);
    expect(page!.as('email')).toContain('health');
    expect(JSON.parse(page!.as('https'))).toMatchObject({ type: 'incident.triggered', data: { checks: ['health'], monitor: 'RunnerTest' } });
    expect(page!.attributes).toMatchObject({ synthmon_action: 'trigger', synthmon_monitor: 'RunnerTest' });
  });

  it("refuses a SYNTHMON_TOPIC_ARN that is not a standard topic's ARN, naming the variable and the value", () => {
    for (const bad of ['arn:aws:sns:eu-west-1:123456789012:alarms.fifo', 'RunnerTest-alarms', 'arn:aws:sqs:eu-west-1:123456789012:q']) {
      expect(() => readHandlerEnv({ [HandlerEnvVar.LOCATION]: 'x', [HandlerEnvVar.TOPIC_ARN]: bad })).toThrow(
        `Environment variable SYNTHMON_TOPIC_ARN must be a standard SNS topic's ARN (arn:<partition>:sns:<region>:<account id>:<topic name of 1-256 A-Z a-z 0-9 _ ->), got "${bad}"`,
      );
    }
    expect(readHandlerEnv({ [HandlerEnvVar.LOCATION]: 'x', [HandlerEnvVar.TOPIC_ARN]: '  ' }).topicArn).toBeUndefined();
    // One name for one variable: the backstop notifier reads the same.
    expect(HandlerEnvVar.TOPIC_ARN).toBe(BackstopEnvVar.TOPIC_ARN);
  });
});
