import { describe, expect, it } from 'vitest';
import { toMetricData } from '../../lambda/metrics/datums';
import { Dimension, MetricName, MetricUnit, PHASE_METRICS } from '../../contracts/metrics';
import { FAILURE_OUTCOMES, Outcome } from '../../contracts/outcomes';
import type { CertificateInfo } from '../../contracts/result';
import { sampleResult, STARTED_AT } from './fixtures';

const CANARY = 'canary-tok-7f3a9c1e5b';

const result = sampleResult;

describe('toMetricData', () => {
  it('maps an ok result to Success 1 and Duration with the Check dimension, stamped at startedAt', () => {
    expect(toMetricData([result()], {})).toEqual([
      {
        MetricName: 'Success',
        Unit: 'None',
        Value: 1,
        Dimensions: [{ Name: 'Check', Value: 'chat-websocket' }],
        Timestamp: new Date(STARTED_AT),
      },
      {
        MetricName: 'Duration',
        Unit: 'Milliseconds',
        Value: 1021.75,
        Dimensions: [{ Name: 'Check', Value: 'chat-websocket' }],
        Timestamp: new Date(STARTED_AT),
      },
    ]);
  });

  it.each(FAILURE_OUTCOMES)('maps a %s result to Success 0, Duration and Failures 1 with Reason', (outcome) => {
    const data = toMetricData([result({ ok: false, outcome, timings: { totalMs: 42 } })], {});
    expect(data).toEqual([
      expect.objectContaining({ MetricName: 'Success', Value: 0, Dimensions: [{ Name: 'Check', Value: 'chat-websocket' }] }),
      expect.objectContaining({ MetricName: 'Duration', Value: 42, Unit: 'Milliseconds' }),
      {
        MetricName: 'Failures',
        Unit: 'Count',
        Value: 1,
        Dimensions: [
          { Name: 'Check', Value: 'chat-websocket' },
          { Name: 'Reason', Value: outcome },
        ],
        Timestamp: new Date(STARTED_AT),
      },
    ]);
  });

  it('publishes an error outcome (probe could not run) as a failure too, so a broken monitor pages', () => {
    const data = toMetricData([result({ ok: false, outcome: Outcome.ERROR, timings: { totalMs: 0 } })], {});
    expect(data.map((d) => [d.MetricName, d.Value])).toEqual([
      ['Success', 0],
      ['Duration', 0],
      ['Failures', 1],
    ]);
    expect(data[2]?.Dimensions).toContainEqual({ Name: Dimension.REASON, Value: 'error' });
  });

  it('leaves the phase timings out unless asked for', () => {
    const names = toMetricData([result()], { phaseTimings: false }).map((d) => d.MetricName);
    expect(names).toEqual(['Success', 'Duration']);
    expect(toMetricData([result()], {}).map((d) => d.MetricName)).toEqual(names);
  });

  it('adds every measured phase timing with the Check dimension when asked for', () => {
    const data = toMetricData([result()], { phaseTimings: true });
    expect(data.slice(2)).toEqual([
      expect.objectContaining({ MetricName: 'DnsTime', Unit: 'Milliseconds', Value: 1.5, Dimensions: [{ Name: 'Check', Value: 'chat-websocket' }] }),
      expect.objectContaining({ MetricName: 'ConnectTime', Unit: 'Milliseconds', Value: 2.25 }),
      expect.objectContaining({ MetricName: 'TlsTime', Unit: 'Milliseconds', Value: 8 }),
      expect.objectContaining({ MetricName: 'FirstByteTime', Unit: 'Milliseconds', Value: 20 }),
    ]);
  });

  it('emits no datapoint for a phase that never happened (refused before TLS)', () => {
    const refused = result({ ok: false, outcome: Outcome.REFUSED, timings: { dnsMs: 0.4, connectMs: 1, totalMs: 3 } });
    const names = toMetricData([refused], { phaseTimings: true }).map((d) => d.MetricName);
    expect(names).toEqual(['Success', 'Duration', 'Failures', 'DnsTime', 'ConnectTime']);
  });

  it('uses the names and units of the metric definitions for every datapoint', () => {
    const data = toMetricData([result(), result({ ok: false, outcome: Outcome.TLS })], { phaseTimings: true });
    const known = new Set<string>([...Object.values(MetricName), ...PHASE_METRICS.map((p) => p.name)]);
    for (const datum of data) {
      expect(known.has(datum.MetricName ?? '')).toBe(true);
      expect(datum.Unit).toBe(MetricUnit[datum.MetricName as MetricName]);
    }
  });

  it('keeps results in order, one group of datapoints per check', () => {
    const data = toMetricData([result({ check: 'a' }), result({ check: 'b', ok: false, outcome: Outcome.FORBIDDEN })], {});
    expect(data.map((d) => `${d.MetricName}:${d.Dimensions?.[0]?.Value}`)).toEqual([
      'Success:a',
      'Duration:a',
      'Success:b',
      'Duration:b',
      'Failures:b',
    ]);
  });

  it('leaves Timestamp out when startedAt is not a date, so CloudWatch stamps it on receipt', () => {
    const [datum] = toMetricData([result({ startedAt: 'not a date' })], {});
    expect(datum).toBeDefined();
    expect(datum).not.toHaveProperty('Timestamp');
  });

  it('never carries the url, message or evidence of a result', () => {
    const leaky = result({
      ok: false,
      outcome: Outcome.FORBIDDEN,
      url: `https://backend.test/api/?token=${CANARY}`,
      message: `403 with token ${CANARY}`,
      evidence: { bodyExcerpt: CANARY, headers: { 'x-echo': CANARY }, errorCode: CANARY },
    });
    const text = JSON.stringify(toMetricData([leaky], { phaseTimings: true }));
    expect(text).not.toContain(CANARY);
    expect(text).toContain('forbidden');
  });

  it('adds the sparse Failures{Check, Interval, Reason} copy, high resolution for fast checks, and the tick time on every datum', () => {
    const tick = new Date('2026-12-01T10:00:10.000Z');
    const intervals = new Map([
      ['fast', 10],
      ['slow', 60],
    ]);
    const data = toMetricData(
      [result({ check: 'fast', ok: false, outcome: Outcome.REFUSED }), result({ check: 'slow', ok: false, outcome: Outcome.FORBIDDEN })],
      { intervals, timestamp: tick, heartbeat: { shard: '10s-0', location: 'eu-west-1', highResolution: true } },
    );
    const show = (d: (typeof data)[number]) =>
      `${d.MetricName}{${(d.Dimensions ?? []).map((x) => `${x.Name}=${x.Value}`).join(',')}}${d.StorageResolution === 1 ? ' hi' : ''}`;
    expect(data.map(show)).toEqual([
      'Success{Check=fast} hi',
      'Duration{Check=fast} hi',
      'Failures{Check=fast,Reason=refused} hi',
      'Failures{Check=fast,Interval=10,Reason=refused} hi',
      'Success{Check=slow}',
      'Duration{Check=slow}',
      'Failures{Check=slow,Reason=forbidden}',
      'Failures{Check=slow,Interval=60,Reason=forbidden}',
      'ShardResults{Shard=10s-0,Location=eu-west-1} hi',
    ]);
    expect(data.every((d) => (d.Timestamp as Date).getTime() === tick.getTime())).toBe(true);
    expect(data.at(-1)).toMatchObject({ MetricName: MetricName.SHARD_RESULTS, Value: 2, Unit: 'Count' });
  });

  it('publishes CertificateDaysLeft once per host (dimension Host, the fewest days), never per check', () => {
    const cert = (daysLeft: number): CertificateInfo => ({
      subject: 'CN=api.example.com',
      issuer: 'CN=CA',
      validTo: '2027-01-01T00:00:00.000Z',
      daysLeft,
      validFrom: '2026-10-01T00:00:00.000Z',
      altNames: ['DNS:api.example.com'],
      serialNumber: '0A',
      fingerprint256: 'AB:CD',
      chain: ['CN=CA'],
      verified: true,
    });
    const data = toMetricData([
      result({ check: 'a', url: 'wss://api.example.com/ws/chat/?token=***', certificate: cert(30) }),
      result({ check: 'b', url: 'https://API.example.com:8443/orders/', certificate: cert(12) }),
      result({ check: 'c', url: 'https://other.example.com/', certificate: cert(-3) }),
      result({ check: 'd', url: 'http://plain.example.com/' }),
    ]);
    expect(data.filter((d) => d.MetricName === MetricName.CERTIFICATE_DAYS_LEFT).map((d) => [d.Dimensions, d.Value, d.Unit])).toEqual([
      [[{ Name: Dimension.HOST, Value: 'api.example.com' }], 12, MetricUnit.CertificateDaysLeft],
      [[{ Name: Dimension.HOST, Value: 'other.example.com' }], -3, 'None'],
    ]);
  });
});
