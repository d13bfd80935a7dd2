/**
 * The runner with the incident engine (docs/DESIGN.md#incidents): a duplicated Lambda delivery of
 * the same scheduled event probes, publishes and records once; a page that cannot be delivered is
 * counted in NotificationFailures{Channel}. Real pieces only: an HTTP endpoint on loopback, the
 * CloudWatch SDK into the local recorder, the DynamoDB SDK into dynalite, a real HTTP receiver.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../contracts/config';
import type { FleetFile } from '../../contracts/handler-env';
import { IncidentStore } from '../../lambda/incidents/store';
import { createRunner } from '../../lambda/runner';
import { localAwsEnv } from '../support/aws-env';
import { startCloudWatchRecorder, type CloudWatchRecorder } from '../support/cloudwatch-recorder';
import { startLocalDynamo, type LocalDynamo } from '../support/dynamodb';
import { engineFor, jsonChannel, startReceiver, type Receiver } from './support';

let dynamo: LocalDynamo;
let cloudwatch: CloudWatchRecorder;
let receiver: Receiver;
let endpoint: Server;
let hits = 0;

beforeAll(async () => {
  [dynamo, cloudwatch, receiver] = await Promise.all([startLocalDynamo(), startCloudWatchRecorder(), startReceiver()]);
  await dynamo.createTable('incidents');
  Object.assign(process.env, localAwsEnv({ cloudwatch: cloudwatch.endpoint }));
  endpoint = createServer((_req, res) => {
    hits++;
    res.writeHead(503).end('down');
  });
  await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  endpoint?.closeAllConnections();
  await new Promise<void>((resolve) => (endpoint ? endpoint.close(() => resolve()) : resolve()));
  await Promise.all([dynamo?.close(), cloudwatch?.close(), receiver?.close()]);
});

function fleet(): FleetFile {
  const url = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}/health`;
  const checks = parseConfig({ checks: [{ kind: 'http', name: 'health', url, retryDelayMs: 0 }] }).checks;
  return {
    version: 1,
    namespace: 'Synthmon/IncidentRunner',
    phaseTimings: false,
    tokens: {},
    shards: { '60s-0': { intervalSeconds: 60, ticks: 1, checks } },
  };
}

describe('the runner with incidents', () => {
  it('runs a scheduled event delivered twice once: one probe, one set of datapoints, one verdict', async () => {
    const lines: string[] = [];
    const run = createRunner({
      fleet: fleet(),
      env: { location: 'eu-west-1' },
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
});
