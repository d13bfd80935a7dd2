import { PutMetricDataCommand, type CloudWatchClient, type MetricDatum } from '@aws-sdk/client-cloudwatch';
import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Answer, PUT_METRIC_DATA_TARGET, startCloudWatchRecorder, type CloudWatchRecorder } from '../support/cloudwatch-recorder';
import { createCloudWatchClient } from '../../lambda/metrics/publish';
import { stubLocalAwsEnv } from './fixtures';

let recorder: CloudWatchRecorder | undefined;
let client: CloudWatchClient | undefined;

beforeEach(stubLocalAwsEnv);

afterEach(async () => {
  client?.destroy();
  client = undefined;
  await recorder?.close();
  recorder = undefined;
  vi.unstubAllEnvs();
});

const datum = (i: number): MetricDatum => ({
  MetricName: 'Success',
  Unit: 'None',
  Value: i % 2,
  Dimensions: [{ Name: 'Check', Value: `check-${i}` }],
});
const put = (data: MetricDatum[]) => client!.send(new PutMetricDataCommand({ Namespace: 'SyntheticMonitor', MetricData: data }));

describe('startCloudWatchRecorder', () => {
  it('decodes a gzip-compressed PutMetricData body', async () => {
    recorder = await startCloudWatchRecorder();
    client = await createCloudWatchClient({ config: { endpoint: recorder.endpoint } });
    await put(Array.from({ length: 300 }, (_, i) => datum(i)));

    const [req] = recorder.requests;
    expect(req?.gzip).toBe(true);
    expect(req?.headers['content-encoding']).toBe('gzip');
    expect(req?.wireBytes).toBeLessThan(req?.bodyBytes ?? 0);
    expect(req?.input?.MetricData).toHaveLength(300);
    expect(req?.input?.MetricData[7]).toEqual({ MetricName: 'Success', Unit: 'None', Value: 1, Dimensions: [{ Name: 'Check', Value: 'check-7' }] });
  });

  it('rejects more than 1,000 datapoints in one call as CloudWatch does, without retry', async () => {
    recorder = await startCloudWatchRecorder();
    client = await createCloudWatchClient({ config: { endpoint: recorder.endpoint } });

    await expect(put(Array.from({ length: 1001 }, (_, i) => datum(i)))).rejects.toMatchObject({
      name: 'InvalidParameterValueException',
      $metadata: { httpStatusCode: 400, attempts: 1 },
    });
    expect(recorder.requests.map((r) => r.answer)).toEqual(['rejected']);
    expect(recorder.accepted()).toEqual([]);
  });

  it('rejects a request that is not signed PutMetricData JSON', async () => {
    recorder = await startCloudWatchRecorder();
    const { status, body } = await rawPost(
      recorder.endpoint,
      { 'x-amz-target': PUT_METRIC_DATA_TARGET, 'content-type': 'application/x-amz-json-1.0' },
      '{}',
    );

    expect(status).toBe(403);
    expect(JSON.parse(body)).toMatchObject({ __type: 'com.amazonaws.cloudwatch#MissingAuthenticationToken' });
    expect(recorder.requests[0]?.rejection).toMatch(/SigV4/);
  });

  it('answers the planned failures in order, then the standing answer', async () => {
    recorder = await startCloudWatchRecorder({ answers: [Answer.serviceUnavailable, Answer.throttling], then: Answer.internalFailure });
    const headers = {
      'x-amz-target': PUT_METRIC_DATA_TARGET,
      'content-type': 'application/x-amz-json-1.0',
      authorization: 'AWS4-HMAC-SHA256 Credential=AKID/x',
    };
    const body = JSON.stringify({ Namespace: 'SyntheticMonitor', MetricData: [{ MetricName: 'Success', Value: 1 }] });
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await rawPost(recorder.endpoint, headers, body));
    recorder.setThen(Answer.ok);
    answers.push(await rawPost(recorder.endpoint, headers, body));

    expect(answers.map((a) => [a.status, a.headers['x-amzn-query-error']])).toEqual([
      [503, 'ServiceUnavailable;Receiver'],
      [400, 'Throttling;Sender'],
      [500, 'InternalServiceError;Receiver'],
      [200, undefined],
    ]);
    expect(recorder.accepted()).toHaveLength(1);
  });

  it('refuses connections while down and accepts again on the same endpoint when back up', async () => {
    recorder = await startCloudWatchRecorder({ down: true });
    client = await createCloudWatchClient({ maxAttempts: 1, config: { endpoint: recorder.endpoint } });
    await expect(put([datum(1)])).rejects.toMatchObject({ code: 'ECONNREFUSED' });

    await recorder.setDown(false);
    await put([datum(2)]);
    expect(recorder.accepted()).toHaveLength(1);
    expect(recorder.requests).toHaveLength(1);
  });

  it('destroys a hanging connection on close, so the client fails at once', async () => {
    recorder = await startCloudWatchRecorder({ then: Answer.hang });
    client = await createCloudWatchClient({ maxAttempts: 1, requestTimeoutMs: 30_000, config: { endpoint: recorder.endpoint } });
    const pending = put([datum(1)]);
    const r = recorder;
    while (r.requests.length === 0) await sleep(10);
    expect(r.openSockets()).toBe(1);
    const closedAt = Date.now();
    await r.close();

    await expect(pending).rejects.toThrow();
    expect(Date.now() - closedAt).toBeLessThan(10_000);
    expect(r.openSockets()).toBe(0);
  });
});

/** A plain HTTP POST (no SDK), to see the recorder's raw answers. */
function rawPost(endpoint: string, headers: Record<string, string>, body: string) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
    const req = request(`${endpoint}/`, { method: 'POST', headers: { ...headers, connection: 'close' }, timeout: 5000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('rawPost timed out after 5000 ms')));
    req.on('error', reject);
    req.end(body);
  });
}
