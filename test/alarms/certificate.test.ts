/**
 * Issue 13: CertificateExpiring, one alarm per TLS host (docs/DESIGN.md#alarms) — in the synthesized template
 * of the seed configuration (exactly one: both seed checks share one host), one per host for a
 * mixed fleet, and evaluated by the local evaluator with CloudWatch's rules (hourly Minimum of
 * CertificateDaysLeft{Host}, complete periods only, missing data not breaching).
 */
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import defaultConfigJson from '../../config/default.json';
import { parseConfig, type MonitorConfigInput } from '../../contracts/config';
import { AlarmClass, alarmDefinitions, type AlarmDefinition } from '../../lib/alarms/definitions';
import { AlarmEvaluator, evaluateBetween, MetricStore } from '../../lib/alarms/evaluator';
import { MonitorStack } from '../../lib/monitor-stack';
import { testApp } from '../lib/support';
import { datum, MIN, NS, T0 } from './helpers';

const HOUR = 60 * MIN;
const SEED = defaultConfigJson as MonitorConfigInput;
const SEED_HOST = 'multivendor-backend.indexo.ir';

type Alarm = { Type: string; Properties: Record<string, unknown> };
function certificateAlarms(config: MonitorConfigInput): Alarm[] {
  const stack = new MonitorStack(testApp({ bundle: false }), 'CertTest', { config });
  const resources = Template.fromStack(stack).toJSON().Resources as Record<string, Alarm>;
  return Object.values(resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm' && r.Properties.MetricName === 'CertificateDaysLeft');
}

describe('CertificateExpiring in the template', () => {
  it('is exactly one alarm for the seed configuration: its two checks share one host', () => {
    const alarms = certificateAlarms(SEED);
    expect(alarms).toHaveLength(1);
    const p = alarms[0]!.Properties;
    expect(p).toMatchObject({
      Namespace: 'SyntheticMonitor',
      Dimensions: [{ Name: 'Host', Value: SEED_HOST }],
      Statistic: 'Minimum',
      Period: 3600,
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 14,
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      TreatMissingData: 'notBreaching',
    });
    // The runbook: what to renew and how to see the chain the server presents.
    expect(p.AlarmDescription).toContain(`The TLS certificate of ${SEED_HOST} expires in fewer than 14 days`);
    expect(p.AlarmDescription).toContain('Renew it on the proxy');
    expect(p.AlarmDescription).toContain(`openssl s_client -connect ${SEED_HOST}:443 -servername ${SEED_HOST} -showcerts`);
    // No actions of its own: the notification rule forwards its ALARM (and ALARM -> OK) to the topic.
    expect(p).not.toHaveProperty('AlarmActions');
  });

  it('is one alarm per TLS host, whatever the number of checks on it, none for plain http, at the configured threshold', () => {
    const config: MonitorConfigInput = {
      ...SEED,
      alarms: { certificateExpiring: { daysLeft: 21 } },
      checks: [
        ...SEED.checks,
        { name: 'shop-a', kind: 'http', url: 'https://shop.example.com/a/' },
        { name: 'shop-b', kind: 'http', url: 'https://SHOP.example.com:8443/b/' },
        { name: 'plain', kind: 'http', url: 'http://plain.example.com/' },
      ],
    };
    const alarms = certificateAlarms(config);
    expect(alarms.map((a) => (a.Properties.Dimensions as Array<{ Value: string }>)[0]!.Value).sort()).toEqual([SEED_HOST, 'shop.example.com']);
    expect(alarms.every((a) => a.Properties.Threshold === 21)).toBe(true);
  });
});

describe('CertificateExpiring in the local evaluator', () => {
  const definition = alarmDefinitions(parseConfig(SEED)).find((d) => d.class === AlarmClass.CERTIFICATE_EXPIRING) as AlarmDefinition;
  const days = (value: number, atMs: number) => datum(value, atMs, { name: 'CertificateDaysLeft', dims: { Host: SEED_HOST } });

  /** Minute-by-minute datapoints from each check on the host, visible 5 s later; evaluated every minute. */
  function run(minutes: ReadonlyArray<readonly number[]>, untilMs = T0 + minutes.length * MIN + HOUR) {
    const store = new MetricStore();
    minutes.forEach((values, i) =>
      store.put(
        NS,
        values.map((v) => days(v, T0 + i * MIN)),
        { visibleAtMs: T0 + i * MIN + 5_000 },
      ),
    );
    const evaluator = new AlarmEvaluator(definition, { createdAtMs: T0 - HOUR });
    const transitions = evaluateBetween([evaluator], store, T0 - HOUR, untilMs);
    return { evaluator, transitions };
  }

  it('stays OK while every check sees 29 days', () => {
    const { evaluator, transitions } = run(Array.from({ length: 120 }, () => [29, 29]));
    expect(evaluator.state).toBe('OK');
    expect(transitions.filter((t) => t.to === 'ALARM')).toEqual([]);
  });

  it('fires once the hour holding a 5-day datapoint is complete, on the fewest days any check saw, and clears after a whole renewed hour', () => {
    // Hour 0: healthy. Hour 1: the certificate is replaced by one with 5 days left, seen by one check
    // from minute 90. From minute 100 the renewed one again.
    const minutes = Array.from({ length: 180 }, (_, m) => (m >= 90 && m < 100 ? [29, 5] : [29, 29]));
    const { transitions } = run(minutes, T0 + 180 * MIN);
    const changes = transitions.filter((t) => t.from !== 'INSUFFICIENT_DATA').map((t) => `${t.to}@${(t.atMs - T0) / MIN}`);
    // The period [60, 120) completes at minute 120: ALARM then; [120, 180) is all 29: OK at 180.
    expect(changes).toEqual(['ALARM@120', 'OK@180']);
    expect(transitions.find((t) => t.to === 'ALARM')!.reason).toMatch(/\[5 \(.*\)\] breached Minimum < 14/);
  });

  it("does not fire on an hour without data (no TLS handshake completed: the checks' own alarms tell)", () => {
    const minutes = Array.from({ length: 60 }, () => [29]);
    const { evaluator } = run(minutes, T0 + 4 * HOUR);
    expect(evaluator.state).toBe('OK');
  });
});
