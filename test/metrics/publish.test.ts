import type { CloudWatchClient, MetricDatum } from '@aws-sdk/client-cloudwatch';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  Answer,
  startCloudWatchRecorder,
  type CloudWatchRecorder,
  type CloudWatchRecorderOptions,
  type WireDatum,
} from '../support/cloudwatch-recorder';
import { toMetricData } from '../../lambda/metrics/datums';
import {
  CLOUDWATCH_CLIENT_SETTINGS,
  createCloudWatchClient,
  getCloudWatchClient,
  PUBLISH_WORST_CASE_MS,
  PUT_METRIC_DATA_MAX_BYTES,
  PUT_METRIC_DATA_MAX_DATUMS,
  publishResults,
  splitIntoBatches,
  type ClientSettings,
  type PublishOptions,
  type PublishReport,
} from '../../lambda/metrics/publish';
import { FAILURE_OUTCOMES, OUTCOMES, Outcome } from '../../contracts/outcomes';
import type { CheckResult } from '../../contracts/result';
import { sampleResult, STARTED_AT, stubLocalAwsEnv } from './fixtures';
import { parseEmfLine, type EmfDatapoint } from './emf-spec';

const CANARY = 'canary-tok-4d8e2b7a91';
const NAMESPACE = 'SyntheticMonitor';

const result = sampleResult;

const failing = (check: string, outcome: Outcome = Outcome.REFUSED) => result({ check, ok: false, outcome, timings: { connectMs: 1, totalMs: 3 } });

/** A datapoint in one comparable form, whether it came from the wire or from an EMF line. */
const wireKey = (d: WireDatum) =>
  JSON.stringify([
    d.MetricName,
    Object.fromEntries((d.Dimensions ?? []).map((x) => [x.Name, x.Value])),
    d.Value,
    d.Unit,
    Math.round((d.Timestamp ?? NaN) * 1000),
  ]);
const sdkKey = (d: MetricDatum) =>
  JSON.stringify([d.MetricName, Object.fromEntries((d.Dimensions ?? []).map((x) => [x.Name, x.Value])), d.Value, d.Unit, d.Timestamp?.getTime()]);
const emfKey = (p: EmfDatapoint) => JSON.stringify([p.name, p.dimensions, p.value, p.unit, p.timestampMs]);
const sorted = (keys: string[]) => [...keys].sort();

let recorder: CloudWatchRecorder | undefined;
let client: CloudWatchClient | undefined;
let lines: string[] = [];
let logs: string[] = [];

beforeEach(() => {
  stubLocalAwsEnv();
  lines = [];
  logs = [];
});

afterEach(async () => {
  client?.destroy();
  client = undefined;
  if (recorder) {
    // Every connection the client opened is closed once it is destroyed (or timed out).
    const r = recorder;
    await waitFor(() => r.openSockets() === 0, 5000);
    await r.close();
    recorder = undefined;
  }
  vi.unstubAllEnvs();
});

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(20);
  }
}

async function setup(recorderOptions: CloudWatchRecorderOptions = {}, settings: ClientSettings = {}) {
  recorder = await startCloudWatchRecorder(recorderOptions);
  client = await createCloudWatchClient({ ...settings, config: { endpoint: recorder.endpoint, ...settings.config } });
  return { recorder, client };
}

function publish(results: readonly CheckResult[], options: Partial<PublishOptions> = {}): Promise<PublishReport> {
  return publishResults(results, {
    namespace: NAMESPACE,
    client,
    writeLine: (line) => lines.push(line),
    log: (line) => logs.push(line),
    ...options,
  });
}

describe('publishResults', () => {
  it('publishes an ok result as Success 1 and Duration in one signed JSON 1.0 call', async () => {
    const { recorder } = await setup();
    const report = await publish([result()]);

    expect(report).toEqual({ ok: true, datums: 2, calls: 1, fallbackLines: 0 });
    expect(recorder.requests).toHaveLength(1);
    const [request] = recorder.requests;
    expect(request?.answer).toBe('ok');
    expect(request?.headers['x-amz-target']).toBe('GraniteServiceVersion20100801.PutMetricData');
    expect(request?.headers['content-type']).toBe('application/x-amz-json-1.0');
    expect(request?.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDSYNTHMONTEST\/\d{8}\/us-east-1\/monitoring\//);
    expect(request?.input).toEqual({
      Namespace: NAMESPACE,
      MetricData: [
        {
          MetricName: 'Success',
          Dimensions: [{ Name: 'Check', Value: 'chat-websocket' }],
          Timestamp: Date.parse(STARTED_AT) / 1000,
          Value: 1,
          Unit: 'None',
        },
        {
          MetricName: 'Duration',
          Dimensions: [{ Name: 'Check', Value: 'chat-websocket' }],
          Timestamp: Date.parse(STARTED_AT) / 1000,
          Value: 1021.75,
          Unit: 'Milliseconds',
        },
      ],
    });
    expect(lines).toEqual([]);
    expect(logs).toEqual([]);
  });

  it.each(FAILURE_OUTCOMES)('publishes a %s result as Success 0 and Failures with that Reason', async (outcome) => {
    const { recorder } = await setup();
    const report = await publish([result({ check: 'buyer-orders', ok: false, outcome, timings: { totalMs: 12 } })]);

    expect(report).toEqual({ ok: true, datums: 3, calls: 1, fallbackLines: 0 });
    expect(recorder.accepted()).toEqual([
      expect.objectContaining({ MetricName: 'Success', Value: 0, Dimensions: [{ Name: 'Check', Value: 'buyer-orders' }] }),
      expect.objectContaining({ MetricName: 'Duration', Value: 12, Dimensions: [{ Name: 'Check', Value: 'buyer-orders' }] }),
      expect.objectContaining({
        MetricName: 'Failures',
        Value: 1,
        Unit: 'Count',
        Dimensions: [
          { Name: 'Check', Value: 'buyer-orders' },
          { Name: 'Reason', Value: outcome },
        ],
      }),
    ]);
  });

  it('sends a run of many checks, with phase timings, in one call', async () => {
    const { recorder } = await setup();
    const results = OUTCOMES.map((outcome, i) => result({ check: `check-${i}`, ok: outcome === Outcome.OK, outcome }));
    const report = await publish(results, { phaseTimings: true });

    const expected = toMetricData(results, { phaseTimings: true });
    expect(report).toEqual({ ok: true, datums: expected.length, calls: 1, fallbackLines: 0 });
    expect(recorder.requests).toHaveLength(1);
    expect(sorted(recorder.accepted().map(wireKey))).toEqual(sorted(expected.map(sdkKey)));
    expect(recorder.accepted().filter((d) => d.MetricName === 'TlsTime')).toHaveLength(results.length);
  });

  it('publishes no phase timings when phaseTimings is off', async () => {
    const { recorder } = await setup();
    await publish([result()], { phaseTimings: false });
    expect(recorder.accepted().map((d) => d.MetricName)).toEqual(['Success', 'Duration']);
  });

  it('splits past 1,000 datapoints into calls that each arrive exactly once', async () => {
    const { recorder } = await setup();
    const results = Array.from({ length: 700 }, (_, i) => failing(`check-${i}`));
    const report = await publish(results);

    expect(report).toEqual({ ok: true, datums: 2100, calls: 3, fallbackLines: 0 });
    expect(recorder.requests.map((r) => r.input?.MetricData.length)).toEqual([1000, 1000, 100]);
    expect(recorder.requests.every((r) => r.answer === 'ok')).toBe(true);
    // Large bodies go out gzip-compressed; the recorder decodes them.
    expect(recorder.requests[0]?.gzip).toBe(true);
    const keys = recorder.accepted().map(wireKey);
    expect(new Set(keys).size).toBe(2100);
    expect(sorted(keys)).toEqual(sorted(toMetricData(results, {}).map(sdkKey)));
  });

  it('splits under the 1 MB request limit when long dimension values make 1,000 datapoints too big', async () => {
    const { recorder } = await setup();
    const results = Array.from({ length: 500 }, (_, i) => result({ check: `${i}-`.padEnd(1000, 'x') }));
    const report = await publish(results);

    expect(report.ok).toBe(true);
    expect(report.datums).toBe(1000);
    expect(report.calls).toBe(2);
    for (const request of recorder.requests) {
      expect(request.answer).toBe('ok');
      expect(request.bodyBytes).toBeLessThanOrEqual(PUT_METRIC_DATA_MAX_BYTES);
    }
    expect(recorder.accepted()).toHaveLength(1000);
  });

  it('retries a 500 and publishes exactly once, without fallback', async () => {
    const { recorder } = await setup({ answers: [Answer.internalFailure] });
    const report = await publish([failing('chat-websocket', Outcome.FORBIDDEN)]);

    expect(report).toEqual({ ok: true, datums: 3, calls: 1, fallbackLines: 0 });
    expect(recorder.requests.map((r) => r.answer)).toEqual(['error', 'ok']);
    // The same SDK invocation retried: not a second publish.
    const ids = recorder.requests.map((r) => r.headers['amz-sdk-invocation-id']);
    expect(ids[0]).toBe(ids[1]);
    expect(recorder.requests[1]?.headers['amz-sdk-request']).toMatch(/^attempt=2;/);
    expect(recorder.accepted()).toHaveLength(3);
    expect(lines).toEqual([]);
    expect(logs).toEqual([]);
  });

  it('backs off on throttling and publishes exactly once', async () => {
    const { recorder } = await setup({ answers: [Answer.throttling, Answer.throttling] });
    const report = await publish([result()]);

    expect(report).toEqual({ ok: true, datums: 2, calls: 1, fallbackLines: 0 });
    expect(recorder.requests.map((r) => r.answer)).toEqual(['error', 'error', 'ok']);
    expect(recorder.accepted()).toHaveLength(2);
    expect(lines).toEqual([]);
  });

  it('retries a reset connection and publishes exactly once', async () => {
    const { recorder } = await setup({ answers: [Answer.reset] });
    const report = await publish([result()]);

    expect(report.ok).toBe(true);
    expect(recorder.requests.map((r) => r.answer)).toEqual(['reset', 'ok']);
    expect(recorder.accepted()).toHaveLength(2);
  });

  it('writes valid EMF with the right values and reports the error when the endpoint is down for good', async () => {
    await setup({ down: true });
    const results = [result(), failing('buyer-orders', Outcome.FORBIDDEN)];
    const report = await publish(results, { phaseTimings: true });

    const expected = toMetricData(results, { phaseTimings: true });
    expect(report.ok).toBe(false);
    expect(report.calls).toBe(1);
    expect(report.datums).toBe(expected.length);
    expect(report.error).toMatch(/ECONNREFUSED/);
    expect(report.fallbackLines).toBe(lines.length);
    // Check metrics of each check on one line, Failures (Check+Reason) on another.
    expect(lines).toHaveLength(3);
    const parsed = lines.flatMap((line) => parseEmfLine(line));
    expect(parsed.every((p) => p.namespace === NAMESPACE)).toBe(true);
    expect(sorted(parsed.map(emfKey))).toEqual(
      sorted(
        expected.map((d) =>
          emfKey({
            namespace: NAMESPACE,
            name: d.MetricName ?? '',
            unit: d.Unit,
            dimensions: Object.fromEntries((d.Dimensions ?? []).map((x) => [x.Name ?? '', x.Value ?? ''])),
            value: d.Value ?? NaN,
            timestampMs: d.Timestamp?.getTime() ?? NaN,
          }),
        ),
      ),
    );
    expect(parsed).toContainEqual({
      namespace: NAMESPACE,
      name: 'Failures',
      unit: 'Count',
      dimensions: { Check: 'buyer-orders', Reason: 'forbidden' },
      value: 1,
      timestampMs: Date.parse(STARTED_AT),
    });
    expect(logs).toHaveLength(1);
    expect(JSON.parse(logs[0] ?? '')).toMatchObject({
      level: 'error',
      namespace: NAMESPACE,
      unpublished: expected.length,
      fallbackLines: 3,
      error: report.error,
    });
  });

  it('names the region whose CloudWatch Logs makes the EMF metrics, and whether the home alarms see them', async () => {
    await setup({ down: true });
    // A runner in ap-southeast-1 publishing to the home region us-east-1.
    const away = await publish([result()], { region: 'us-east-1', emfRegion: 'ap-southeast-1' });
    expect(away.fallback).toEqual({
      region: 'ap-southeast-1',
      seenByHomeAlarms: false,
      note:
        "CloudWatch Logs makes these metrics in ap-southeast-1, this runner's region, not in the home region us-east-1: the alarms there do not see them " +
        '(while this lasts, this location counts as silent there and its Silent alarm fires)',
    });
    expect(JSON.parse(logs[0] ?? '')).toMatchObject({
      level: 'error',
      msg: `PutMetricData to us-east-1 failed after retries; datapoints written as EMF to stdout instead: ${away.fallback!.note}`,
      emfMetricsRegion: 'ap-southeast-1',
      homeRegion: 'us-east-1',
      seenByHomeAlarms: false,
    });
    // The home region's own runner: same region, the alarms see the EMF metrics.
    const home = await publish([result()], { emfRegion: 'us-east-1' });
    expect(home.fallback).toMatchObject({
      region: 'us-east-1',
      seenByHomeAlarms: true,
      note: 'CloudWatch Logs makes these metrics in us-east-1, the home region, where the alarms see them',
    });
    expect(JSON.parse(logs[1] ?? '')).toMatchObject({ emfMetricsRegion: 'us-east-1', seenByHomeAlarms: true });
    // Unknown (no emfRegion): said so, never guessed.
    const unknown = await publish([result()], { region: 'us-east-1' });
    expect(unknown.fallback).toEqual({
      note: 'CloudWatch Logs makes these metrics in the region of the log group that receives this output (the alarms are in us-east-1)',
    });
    expect(JSON.parse(logs[2] ?? '')).not.toHaveProperty('emfMetricsRegion');
  });

  it('gives up on an endpoint that never answers within the SDK timeouts, then falls back', async () => {
    const { recorder } = await setup({ then: Answer.hang });
    const started = Date.now();
    const report = await publish([result()]);
    const elapsed = Date.now() - started;

    expect(report.ok).toBe(false);
    expect(report.error).toMatch(/TimeoutError/);
    expect(report.error).toMatch(/requestTimeout/);
    // Each of the default attempts reached the endpoint and was abandoned at its request timeout.
    expect(recorder.requests).toHaveLength(CLOUDWATCH_CLIENT_SETTINGS.maxAttempts);
    expect(elapsed).toBeGreaterThanOrEqual(CLOUDWATCH_CLIENT_SETTINGS.maxAttempts * CLOUDWATCH_CLIENT_SETTINGS.requestTimeoutMs - 100);
    expect(elapsed).toBeLessThan(PUBLISH_WORST_CASE_MS + 15_000);
    expect(lines.flatMap((line) => parseEmfLine(line)).map((p) => p.name)).toEqual(['Success', 'Duration']);
  });

  it('falls back only for the failed batch when a split publish partly succeeds', async () => {
    const { recorder } = await setup({
      answers: [Answer.ok, ...Array.from({ length: CLOUDWATCH_CLIENT_SETTINGS.maxAttempts }, () => Answer.internalFailure)],
    });
    const results = Array.from({ length: 500 }, (_, i) => failing(`check-${i}`));
    const report = await publish(results);

    const all = toMetricData(results, {});
    expect(report.ok).toBe(false);
    expect(report.calls).toBe(2);
    expect(report.error).toMatch(/InternalServiceFault HTTP 500 after 4 attempts/);
    const stored = recorder.accepted().map(wireKey);
    const fallback = lines.flatMap((line) => parseEmfLine(line)).map(emfKey);
    expect(stored).toHaveLength(PUT_METRIC_DATA_MAX_DATUMS);
    expect(fallback).toHaveLength(all.length - PUT_METRIC_DATA_MAX_DATUMS);
    // Together exactly the run's datapoints: none lost, none both stored and written as EMF.
    expect(sorted([...stored, ...fallback])).toEqual(sorted(all.map(sdkKey)));
    expect(new Set([...stored, ...fallback]).size).toBe(all.length);
    expect(JSON.parse(logs[0] ?? '')).toMatchObject({ unpublished: all.length - PUT_METRIC_DATA_MAX_DATUMS, failedBatches: 1, batches: 2 });
  });

  it('falls back and reports the error when no region is configured', async () => {
    vi.stubEnv('AWS_REGION', undefined);
    vi.stubEnv('AWS_DEFAULT_REGION', undefined);
    const { recorder } = await setup();
    const report = await publish([result()]);

    expect(report.ok).toBe(false);
    expect(report.error).toMatch(/region/i);
    expect(recorder.requests).toHaveLength(0);
    expect(lines.flatMap((line) => parseEmfLine(line))).toHaveLength(2);
  });

  it('keeps the token out of every payload, header, EMF line, log line and error', async () => {
    const leaky = [
      result({ url: `wss://backend.test/ws/chat/?token=${CANARY}`, message: `closed with ${CANARY}` }),
      failing('buyer-orders', Outcome.UNAUTHORIZED),
    ].map((r) => ({ ...r, evidence: { bodyExcerpt: `{"detail":"${CANARY}"}`, headers: { 'www-authenticate': CANARY } } }));
    const { recorder } = await setup({ answers: [Answer.internalFailure] });
    expect((await publish(leaky)).ok).toBe(true);
    await recorder.setDown(true);
    const down = await publish(leaky);

    expect(down.ok).toBe(false);
    expect(recorder.requests.length).toBeGreaterThan(0);
    for (const request of recorder.requests) {
      expect(request.body).not.toContain(CANARY);
      expect(JSON.stringify(request.headers)).not.toContain(CANARY);
    }
    expect(lines.length).toBeGreaterThan(0);
    expect(logs.length).toBe(1);
    for (const text of [...lines, ...logs, down.error ?? '']) expect(text).not.toContain(CANARY);
  });

  it('writes EMF to stdout and the error line to stderr by default', async () => {
    await setup({ down: true });
    const out: string[] = [];
    const err: string[] = [];
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      out.push(String(chunk));
      return true;
    });
    const stderr = vi.spyOn(console, 'error').mockImplementation((line) => void err.push(String(line)));
    try {
      const report = await publishResults([result()], { namespace: NAMESPACE, client });
      expect(report.ok).toBe(false);
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
    }
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/\n$/);
    expect(parseEmfLine((out[0] ?? '').trimEnd())).toHaveLength(2);
    expect(JSON.parse(err[0] ?? '')).toMatchObject({ level: 'error' });
  });

  it('makes no call for no results', async () => {
    const { recorder } = await setup();
    expect(await publish([])).toEqual({ ok: true, datums: 0, calls: 0, fallbackLines: 0 });
    expect(recorder.requests).toHaveLength(0);
  });

  it('uses one client per process, configured by AWS_ENDPOINT_URL_CLOUDWATCH', async () => {
    recorder = await startCloudWatchRecorder();
    vi.stubEnv('AWS_ENDPOINT_URL_CLOUDWATCH', recorder.endpoint);
    const shared = await getCloudWatchClient();
    expect(await getCloudWatchClient()).toBe(shared);
    const report = await publishResults([result()], { namespace: NAMESPACE, writeLine: (l) => lines.push(l), log: (l) => logs.push(l) });

    expect(report).toEqual({ ok: true, datums: 2, calls: 1, fallbackLines: 0 });
    expect(recorder.accepted()).toHaveLength(2);
    // The shared client lives for the process; release its keep-alive socket for the socket check.
    shared.destroy();
  });
});

describe('splitIntoBatches', () => {
  const datum = (i: number, value = 'x'): MetricDatum => ({
    MetricName: 'Success',
    Value: i,
    Unit: 'None',
    Dimensions: [{ Name: 'Check', Value: value }],
  });

  it('keeps up to 1,000 datapoints in one batch', () => {
    const data = Array.from({ length: 1000 }, (_, i) => datum(i));
    expect(splitIntoBatches(data).map((b) => b.length)).toEqual([1000]);
  });

  it('starts a new batch past 1,000 datapoints, in order', () => {
    const data = Array.from({ length: 2500 }, (_, i) => datum(i));
    const batches = splitIntoBatches(data);
    expect(batches.map((b) => b.length)).toEqual([1000, 1000, 500]);
    expect(batches.flat()).toEqual(data);
  });

  it('starts a new batch before the payload budget is exceeded', () => {
    const data = Array.from({ length: 600 }, (_, i) => datum(i, 'y'.repeat(2000)));
    const batches = splitIntoBatches(data);
    expect(batches.length).toBeGreaterThan(1);
    for (const batch of batches) expect(Buffer.byteLength(JSON.stringify(batch))).toBeLessThanOrEqual(PUT_METRIC_DATA_MAX_BYTES);
    expect(batches.flat()).toEqual(data);
  });
});
