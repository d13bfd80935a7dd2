/**
 * `synthmon probe --publish`: the Lambda's publisher, driven by the real AWS SDK in the CLI process,
 * against the local CloudWatch recorder (no AWS account: fake credentials and region in the child's
 * environment, the endpoint from AWS_ENDPOINT_URL_CLOUDWATCH).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localAwsEnv } from '../support/aws-env';
import { startCloudWatchRecorder, type CloudWatchRecorder, type WireDatum } from '../support/cloudwatch-recorder';
import { CANARY, FRONT_END_ORIGIN, lines, runCli, scratch, startBackend, type Backend } from './support';

let backend: Backend;
let dir: ReturnType<typeof scratch>;
const recorders: CloudWatchRecorder[] = [];

beforeAll(async () => {
  dir = scratch();
  backend = await startBackend(dir.dir);
});
afterAll(async () => {
  await Promise.all(recorders.map((r) => r.close()));
  await backend?.close();
  dir?.cleanup();
});

async function recorder(options: Parameters<typeof startCloudWatchRecorder>[0] = {}): Promise<CloudWatchRecorder> {
  const r = await startCloudWatchRecorder(options);
  recorders.push(r);
  return r;
}

/** What a developer laptop without AWS would have, pointed at the recorder; no shared config files read. */
function awsEnv(endpoint: string): Record<string, string> {
  return { NODE_EXTRA_CA_CERTS: backend.caFile, SYNTHMON_TOKEN: CANARY, ...localAwsEnv({ cloudwatch: endpoint, home: dir.dir }) };
}

/** `Name=Value` pairs of a datum's dimensions, for compact comparisons. */
const dims = (d: WireDatum) => (d.Dimensions ?? []).map((x) => `${x.Name}=${x.Value}`).join(',');
const summary = (data: readonly WireDatum[]) => data.map((d) => `${d.MetricName}{${dims(d)}}`);

describe('synthmon probe --publish', () => {
  it('publishes Success and Duration for an ok probe in one PutMetricData call and exits 0', async () => {
    const cw = await recorder();
    const run = await runCli(['probe', `${backend.httpsBase}/api/orders/`, '--publish'], { env: awsEnv(cw.endpoint) });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const out = lines(run.stdout);
    expect(out[0]).toMatch(/^127-0-0-1 {2}ok {2}status=200 /);
    expect(out.at(-1)).toBe('published 3 datapoints to CloudWatch namespace SyntheticMonitor (1 call)');

    expect(cw.requests).toHaveLength(1);
    expect(cw.requests[0]!.input!.Namespace).toBe('SyntheticMonitor');
    const data = cw.accepted();
    expect(summary(data)).toEqual(['Success{Check=127-0-0-1}', 'Duration{Check=127-0-0-1}', 'CertificateDaysLeft{Host=127.0.0.1}']);
    expect(data[0]).toMatchObject({ Value: 1, Unit: 'None' });
    expect(data[1]).toMatchObject({ Unit: 'Milliseconds' });
    expect(data[1]!.Value).toBeGreaterThan(0);
    expect(cw.requests[0]!.body).not.toContain(CANARY);
  });

  it("uses the config's namespace and phase timings, records Failures{Reason}, keeps stdout JSON-only and exits 1 for the failed check", async () => {
    const cw = await recorder();
    const file = dir.write(
      'publish.json',
      JSON.stringify({
        namespace: 'CliTest/Monitor',
        phaseTimings: true,
        checks: [
          { name: 'orders', kind: 'http', url: `${backend.httpsBase}/api/orders/`, auth: { scheme: 'Bearer' } },
          { name: 'chat', kind: 'websocket', url: `${backend.wssBase}/ws/chat/`, origin: FRONT_END_ORIGIN, settleMs: 200, auth: {} },
        ],
      }),
    );
    const run = await runCli(['probe', '--config', file, '--json', '--no-retry', '--publish'], { env: awsEnv(cw.endpoint) });
    expect(run.code).toBe(1);
    const results = lines(run.stdout).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(results.map((r) => [r.check, r.outcome])).toEqual([
      ['orders', 'forbidden'],
      ['chat', 'ok'],
    ]);
    expect(run.stderr).toMatch(/^synthmon: published 13 datapoints to CloudWatch namespace CliTest\/Monitor \(1 call\)\n$/);

    expect(cw.requests).toHaveLength(1);
    expect(cw.requests[0]!.input!.Namespace).toBe('CliTest/Monitor');
    const data = cw.accepted();
    // An IP literal has no DNS phase, so no DnsTime datapoint.
    expect(summary(data)).toEqual([
      'Success{Check=orders}',
      'Duration{Check=orders}',
      'Failures{Check=orders,Reason=forbidden}',
      'Failures{Check=orders,Interval=60,Reason=forbidden}',
      'ConnectTime{Check=orders}',
      'TlsTime{Check=orders}',
      'FirstByteTime{Check=orders}',
      'Success{Check=chat}',
      'Duration{Check=chat}',
      'ConnectTime{Check=chat}',
      'TlsTime{Check=chat}',
      'FirstByteTime{Check=chat}',
      'CertificateDaysLeft{Host=127.0.0.1}',
    ]);
    expect(data.find((d) => d.MetricName === 'Success' && dims(d) === 'Check=orders')!.Value).toBe(0);
    expect(data.find((d) => d.MetricName === 'Success' && dims(d) === 'Check=chat')!.Value).toBe(1);
    expect(data.find((d) => d.MetricName === 'Failures')!.Value).toBe(1);
    // Standard resolution for 60 s checks; every datapoint stamped with the run's start.
    expect(data.every((d) => d.StorageResolution === undefined)).toBe(true);
    expect(new Set(data.map((d) => d.Timestamp)).size).toBe(1);
    expect(cw.requests[0]!.body).not.toContain(CANARY);
  });

  it('publishes a fast (10 s) check high-resolution and a 60 s check of the same file standard, as the runner does', async () => {
    const cw = await recorder();
    const file = dir.write(
      'fast.json',
      JSON.stringify({
        checks: [
          { name: 'fast', kind: 'http', url: `${backend.httpsBase}/api/orders/`, intervalSeconds: 10, auth: {} },
          { name: 'slow', kind: 'http', url: `${backend.httpsBase}/api/orders/`, auth: {} },
        ],
      }),
    );
    const run = await runCli(['probe', '--config', file, '--json', '--publish'], { env: awsEnv(cw.endpoint) });
    expect(run.code).toBe(0);
    const data = cw.accepted();
    expect(data.filter((d) => dims(d) === 'Check=fast').map((d) => [d.MetricName, d.StorageResolution])).toEqual([
      ['Success', 1],
      ['Duration', 1],
    ]);
    expect(data.filter((d) => dims(d) === 'Check=slow').map((d) => [d.MetricName, d.StorageResolution])).toEqual([
      ['Success', undefined],
      ['Duration', undefined],
    ]);
  });

  it('exits 1 with a line on stderr and the datapoints as EMF on stdout when CloudWatch is down', async () => {
    const cw = await recorder({ down: true });
    const run = await runCli(['probe', `${backend.httpsBase}/api/orders/`, '--json', '--publish'], { env: awsEnv(cw.endpoint) });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /^synthmon: publishing to CloudWatch failed: .*ECONNREFUSED.*; the 3 datapoints went to stdout as 2 EMF lines instead\n$/,
    );
    // Every stdout line is JSON: the result first, then the EMF fallback (told apart by `_aws`).
    const [result, ...emf] = lines(run.stdout).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(result).toMatchObject({ check: '127-0-0-1', outcome: 'ok' });
    expect(result).not.toHaveProperty('_aws');
    // One EMF event per dimension set: Check (Success, Duration) and Host (CertificateDaysLeft).
    expect(emf).toHaveLength(2);
    expect(emf[0]).toMatchObject({
      _aws: { CloudWatchMetrics: [{ Namespace: 'SyntheticMonitor', Dimensions: [['Check']] }] },
      Check: '127-0-0-1',
      Success: 1,
    });
    expect(typeof emf[0]!.Duration).toBe('number');
    expect(cw.requests).toHaveLength(0);
  });

  it('exits 1 naming the missing region when the AWS configuration is incomplete', async () => {
    const cw = await recorder();
    const { AWS_REGION: _region, ...env } = awsEnv(cw.endpoint);
    const run = await runCli(['probe', `${backend.httpsBase}/api/orders/`, '--publish'], { env });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^synthmon: publishing to CloudWatch failed: .*Region is missing/);
    expect(lines(run.stdout).some((l) => l.startsWith('{"_aws"'))).toBe(true);
    expect(cw.requests).toHaveLength(0);
  });
});
