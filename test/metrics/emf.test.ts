import type { MetricDatum } from '@aws-sdk/client-cloudwatch';
import { describe, expect, it } from 'vitest';
import { toMetricData } from '../../lambda/metrics/datums';
import { toEmfEvents, toEmfLines } from '../../lambda/metrics/emf';
import { OUTCOMES, Outcome } from '../../contracts/outcomes';
import type { CheckResult } from '../../contracts/result';
import { sampleResult, STARTED_AT } from './fixtures';
import { parseEmfLine, type EmfDatapoint } from './emf-spec';

function result(overrides: Partial<CheckResult> = {}): CheckResult {
  return sampleResult({
    check: 'buyer-orders',
    kind: 'http',
    url: 'https://backend.test/api/auth/buyer/orders/',
    message: 'ok',
    timings: { dnsMs: 1, connectMs: 2, tlsMs: 3, firstByteMs: 4, totalMs: 55 },
    ...overrides,
  });
}

/** What CloudWatch would store for each datum, comparable with the EMF reading. */
function expected(namespace: string, data: readonly MetricDatum[]): EmfDatapoint[] {
  return data.map((d) => ({
    namespace,
    name: d.MetricName ?? '',
    unit: d.Unit,
    dimensions: Object.fromEntries((d.Dimensions ?? []).map((x) => [x.Name, x.Value])),
    value: d.Value ?? NaN,
    timestampMs: d.Timestamp?.getTime() ?? NaN,
  }));
}

const sortKey = (p: EmfDatapoint) => JSON.stringify([p.name, p.dimensions, p.timestampMs, p.value]);

describe('toEmfLines', () => {
  it('writes a failed run as two valid EMF lines: Check metrics and Failures under Check+Reason', () => {
    const data = toMetricData([result({ ok: false, outcome: Outcome.FORBIDDEN, timings: { totalMs: 87 } })], {});
    const lines = toEmfLines('SyntheticMonitor', data);
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      {
        _aws: {
          Timestamp: Date.parse(STARTED_AT),
          CloudWatchMetrics: [
            {
              Namespace: 'SyntheticMonitor',
              Dimensions: [['Check']],
              Metrics: [
                { Name: 'Success', Unit: 'None' },
                { Name: 'Duration', Unit: 'Milliseconds' },
              ],
            },
          ],
        },
        Check: 'buyer-orders',
        Success: 0,
        Duration: 87,
      },
      {
        _aws: {
          Timestamp: Date.parse(STARTED_AT),
          CloudWatchMetrics: [{ Namespace: 'SyntheticMonitor', Dimensions: [['Check', 'Reason']], Metrics: [{ Name: 'Failures', Unit: 'Count' }] }],
        },
        Check: 'buyer-orders',
        Reason: 'forbidden',
        Failures: 1,
      },
    ]);
    for (const line of lines) expect(() => parseEmfLine(line)).not.toThrow();
  });

  it('round-trips every datapoint of many checks through the EMF specification, none added or lost', () => {
    const results = OUTCOMES.map((outcome, i) =>
      result({ check: `check-${i}`, ok: outcome === Outcome.OK, outcome, startedAt: new Date(Date.parse(STARTED_AT) + i * 1000).toISOString() }),
    );
    const data = toMetricData(results, { phaseTimings: true });
    const lines = toEmfLines('Custom/Synth', data);
    const parsed = lines.flatMap((line) => parseEmfLine(line));
    expect(parsed.map(sortKey).sort()).toEqual(expected('Custom/Synth', data).map(sortKey).sort());
    // One line per check for its Check metrics, plus one per failing check for Failures.
    expect(lines).toHaveLength(results.length + results.filter((r) => !r.ok).length);
  });

  it('puts repeated datapoints of one metric, time and dimension set in a value array, at most 100 per line', () => {
    const results = Array.from({ length: 150 }, () => result());
    const events = toEmfEvents('SyntheticMonitor', toMetricData(results, {}));
    expect(events).toHaveLength(2);
    expect(events[0]?.Success).toHaveLength(100);
    expect(events[1]?.Success).toHaveLength(50);
    const parsed = events.flatMap((e) => parseEmfLine(JSON.stringify(e)));
    expect(parsed.filter((p) => p.name === 'Duration')).toHaveLength(150);
  });

  it('stamps a datapoint without Timestamp with the current time, as CloudWatch would', () => {
    const [event] = toEmfEvents(
      'SyntheticMonitor',
      [{ MetricName: 'Success', Value: 1, Unit: 'None', Dimensions: [{ Name: 'Check', Value: 'x' }] }],
      () => 1_700_000_000_123,
    );
    expect(event?._aws.Timestamp).toBe(1_700_000_000_123);
  });

  it('writes nothing for no datapoints', () => {
    expect(toEmfLines('SyntheticMonitor', [])).toEqual([]);
  });
});
