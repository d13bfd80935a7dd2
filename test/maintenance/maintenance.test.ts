/**
 * Maintenance windows: what validation refuses (what AWS would refuse: schedule syntax, duration
 * range, time zones, unknown checks), when a check is in maintenance (inMaintenance, the incident
 * engine's hook), which alarms a window mutes, the mute rules a real synth writes (several rules
 * past 100 alarms) and cfn-lint's verdict on them, and the local evaluator's muting.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, type MonitorConfigInput } from '../../contracts/config';
import { inMaintenance, maintenanceEndsAt, parseSchedule } from '../../contracts/config/maintenance';
import { alarmDefinitions } from '../../lib/alarms/definitions';
import type { AlarmTransition } from '../../lib/alarms/evaluator';
import { MonitorStack } from '../../lib/monitor-stack';
import { mutedAlarmIds, muteTransitions, mutingOf } from '../../lib/muting';
import { fullConfig, generatedFleet, testApp } from '../lib/support';

const problemsOf = (input: MonitorConfigInput): string[] => {
  try {
    parseConfig(input);
    return [];
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return [...err.problems];
  }
};
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- CloudFormation properties, read by key
type Props = Record<string, any>;
const withWindows = (maintenance: unknown[]): MonitorConfigInput => ({ ...fullConfig(), maintenance }) as MonitorConfigInput;

describe('validation refuses what a mute rule would refuse', () => {
  it.each([
    ['cron(0 2 * * SUN *)', 'maintenance[0].schedule must have five cron fields (Minutes Hours Day-of-month Month Day-of-week), found 6'],
    ['cron(*/5 * * * *)', 'only numbers, names, "*", "-" and "," are supported'],
    ['cron(0 24 * * *)', 'hours value "24" must be 0-23'],
    ['cron(0 2 * FOO *)', 'month value "FOO" must be 1-12 or JAN-DEC'],
    ['cron(0 2 1 * MON)', 'must not restrict both day-of-month and day-of-week'],
    ['cron(0 5-2 * * *)', 'runs backwards'],
    ['rate(5 minutes)', 'must be cron(Minutes Hours Day-of-month Month Day-of-week) or at(yyyy-MM-ddThh:mm)'],
    ['at(2026-02-30T10:00)', 'must be a real date and time'],
    ['at(2026-05-10 14:00)', 'must be at(yyyy-MM-ddThh:mm)'],
  ])('schedule %s', (schedule, message) => {
    const problems = problemsOf(withWindows([{ schedule, duration: 'PT30M' }]));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(message);
    expect(problems[0]).toContain(`got "${schedule}"`);
  });

  it.each([
    ['PT0M', 'must be at least PT1M'],
    ['P16D', 'must be at most P15D'],
    ['P15DT1M', 'must be at most P15D'],
    ['PT30S', 'must be an ISO 8601 duration in days, hours and minutes'],
    ['30m', 'must be an ISO 8601 duration'],
    ['P', 'must be an ISO 8601 duration'],
  ])('duration %s', (duration, message) => {
    const problems = problemsOf(withWindows([{ schedule: 'cron(0 2 * * SUN)', duration }]));
    expect(problems).toEqual([expect.stringContaining(`maintenance[0].duration ${message}`)]);
  });

  it('refuses unknown time zones, unknown checks, unknown keys, and names each', () => {
    const problems = problemsOf(
      withWindows([
        { schedule: 'cron(0 2 * * SUN)', duration: 'PT1H', timezone: 'Mars/Olympus' },
        { schedule: 'cron(0 2 * * SUN)', duration: 'PT1H', checks: ['health', 'no-such-check'] },
        { schedule: 'cron(0 2 * * SUN)', duration: 'PT1H', mute: true },
        { schedule: 'cron(0 2 * * SUN)', duration: 'PT1H', checks: [] },
      ]),
    );
    expect(problems).toEqual([
      expect.stringMatching(/^maintenance\[0\]\.timezone must be an IANA time zone name .*, got "Mars\/Olympus"$/),
      expect.stringMatching(/^maintenance\[2\]: unknown key "mute"$/),
      expect.stringMatching(/^maintenance\[3\]\.checks must name at least one check/),
      expect.stringMatching(/^maintenance\[1\]\.checks\[1\] must name a check of this configuration \(chat-websocket, .*\), got "no-such-check"$/),
    ]);
  });

  it('accepts the documented examples and defaults to no window', () => {
    for (const schedule of [
      'cron(0 2 * * *)',
      'cron(0 2 * * SUN)',
      'cron(0 1 1 * *)',
      'cron(0 18 * * FRI)',
      'cron(0,30 1-3 * JAN-MAR MON-FRI)',
      'at(2024-05-10T14:00)',
    ]) {
      expect(parseSchedule(schedule)).toMatchObject({ kind: schedule.slice(0, schedule.indexOf('(')) });
    }
    for (const duration of ['PT1M', 'PT4H', 'P2DT12H', 'P7D', 'P15D'])
      expect(problemsOf(withWindows([{ schedule: 'cron(0 2 * * *)', duration }]))).toEqual([]);
    expect(parseConfig(fullConfig()).maintenance).toEqual([]);
  });
});

describe('inMaintenance: when a check is held back', () => {
  const config = parseConfig(
    withWindows([
      { schedule: 'cron(0 2 * * SUN)', duration: 'PT30M', timezone: 'Europe/Berlin' },
      { schedule: 'at(2026-12-04T16:00)', duration: 'PT1H', checks: ['health'] },
      { schedule: 'at(2026-12-04T16:45)', duration: 'PT30M', checks: ['health'] },
    ]),
  );

  it('follows the schedule in its time zone, start inclusive and end exclusive', () => {
    // Sunday 6 December 2026, 02:00 in Berlin (UTC+1) is 01:00 UTC.
    expect(inMaintenance(config, 'buyer-orders', new Date('2026-12-06T00:59:59Z'))).toBeUndefined();
    const open = inMaintenance(config, 'buyer-orders', new Date('2026-12-06T01:00:00Z'));
    expect(open).toMatchObject({ index: 0, startsAt: new Date('2026-12-06T01:00:00Z'), endsAt: new Date('2026-12-06T01:30:00Z') });
    expect(inMaintenance(config, 'buyer-orders', new Date('2026-12-06T01:29:59Z'))?.index).toBe(0);
    expect(inMaintenance(config, 'buyer-orders', new Date('2026-12-06T01:30:00Z'))).toBeUndefined();
    // A Saturday at the same hour is not in the window; summer time moves it an hour in UTC.
    expect(inMaintenance(config, 'buyer-orders', new Date('2026-12-05T01:10:00Z'))).toBeUndefined();
    expect(inMaintenance(config, 'buyer-orders', new Date('2026-07-05T00:10:00Z'))?.index).toBe(0);
  });

  it('applies a window with checks to those checks only, and joins touching windows for the page at the end', () => {
    expect(inMaintenance(config, 'buyer-orders', new Date('2026-12-04T16:30:00Z'))).toBeUndefined();
    expect(inMaintenance(config, 'health', new Date('2026-12-04T16:30:00Z'))?.index).toBe(1);
    // Both open at 16:50: the one closing last holds the page.
    expect(inMaintenance(config, 'health', new Date('2026-12-04T16:50:00Z'))).toMatchObject({ index: 2, endsAt: new Date('2026-12-04T17:15:00Z') });
    expect(maintenanceEndsAt(config, 'health', new Date('2026-12-04T16:10:00Z'))).toEqual(new Date('2026-12-04T17:15:00Z'));
    expect(maintenanceEndsAt(config, 'health', new Date('2026-12-04T17:15:00Z'))).toBeUndefined();
  });
});

describe('alarm mute rules', () => {
  it('a window with checks mutes only the alarms those checks alone feed', () => {
    const config = parseConfig(withWindows([{ schedule: 'cron(0 2 * * SUN)', duration: 'PT1H', checks: ['health', 'orders-fast'] }]));
    const ids = mutedAlarmIds(config.maintenance[0]!, config, alarmDefinitions(config));
    // health is the only 300 s check, orders-fast the only 10 s one; the 120 s class alarms and the
    // shared TLS host's certificate alarm keep their actions, and so do Silent and RunnerDropped.
    expect(ids.sort()).toEqual(['Failing-300s', 'Failing-orders-fast', 'Forbidden-10s', 'Forbidden-300s', 'Refused-10s', 'Refused-300s']);
  });

  it('synthesizes AWS::CloudWatch::AlarmMuteRule resources that name deployed alarms and depend on them; cfn-lint accepts them', () => {
    const app = testApp({ bundle: false });
    const input = withWindows([
      { schedule: 'cron(0 2 * * SUN)', duration: 'PT30M', timezone: 'Europe/Berlin' },
      { schedule: 'at(2026-12-24T18:00)', duration: 'P2DT12H', checks: ['health'] },
    ]);
    const stack = new MonitorStack(app, 'MaintenanceTest', { config: input });
    const template = Template.fromStack(stack).toJSON() as { Resources: Record<string, { Type: string; Properties: Props; DependsOn?: string[] }> };
    const rules = Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::CloudWatch::AlarmMuteRule');
    expect(rules).toHaveLength(2);
    const alarmNames = new Map(
      Object.entries(template.Resources)
        .filter(([, r]) => r.Type === 'AWS::CloudWatch::Alarm')
        .map(([id, r]) => [r.Properties.AlarmName as string, id]),
    );
    const [every, health] = rules.map(([, r]) => r);
    expect(every!.Properties.Rule).toEqual({ Schedule: { Expression: 'cron(0 2 * * SUN)', Duration: 'PT30M', Timezone: 'Europe/Berlin' } });
    // Every alarm fed by checks is muted; NotificationFailures watches the channels, not a check, and keeps paging.
    const checkAlarms = [...alarmNames.keys()].filter((n) => !n.endsWith('-NotificationFailures'));
    expect(checkAlarms.length).toBe(alarmNames.size - 1);
    expect(every!.Properties.MuteTargets.AlarmNames).toHaveLength(checkAlarms.length);
    for (const name of every!.Properties.MuteTargets.AlarmNames as string[]) {
      expect([...alarmNames.keys()]).toContain(name);
      expect(every!.DependsOn).toContain(alarmNames.get(name));
    }
    expect(health!.Properties.MuteTargets.AlarmNames).toEqual([
      'MaintenanceTest-Monitor-Refused-300s',
      'MaintenanceTest-Monitor-Forbidden-300s',
      'MaintenanceTest-Monitor-Failing-300s',
    ]);

    // cfn-lint on the whole template, findings kept for the mute rules only (the other resources
    // are linted by their own test). A deliberately broken copy proves its schema knows the type:
    // without it, cfn-lint would report E3006 (unknown resource type) for every rule instead.
    const broken = structuredClone(every!);
    broken.Properties.Bogus = true;
    template.Resources.BrokenMuteRule = broken;
    const dir = mkdtempSync(join(tmpdir(), 'synthmon-mute-'));
    const file = join(dir, 'template.json');
    writeFileSync(file, JSON.stringify(template));
    let out = '';
    try {
      out = execFileSync('cfn-lint', ['--format', 'json', '--', file], { encoding: 'utf8', timeout: 120_000 });
    } catch (err) {
      out = String((err as { stdout?: string }).stdout ?? ''); // non-zero exit: findings on stdout
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const findings = (JSON.parse(out) as Array<{ Rule: { Id: string }; Message: string; Location: { Path: string[] } }>).filter((f) => {
      const resource = f.Location.Path[1];
      return resource !== undefined && template.Resources[resource]?.Type === 'AWS::CloudWatch::AlarmMuteRule';
    });
    expect(findings.map((f) => `${f.Location.Path[1]} ${f.Rule.Id} ${f.Message}`)).toEqual([
      expect.stringMatching(/^BrokenMuteRule E3002 .*'Bogus' was unexpected/),
    ]);
  }, 180_000);

  it('splits a window over 100 alarms into several rules of at most 100', () => {
    const app = testApp({ bundle: false });
    const input = {
      ...generatedFleet(130),
      intervalSeconds: 60,
      maintenance: [{ schedule: 'cron(0 3 * * *)', duration: 'PT2H' }],
    } as MonitorConfigInput;
    input.checks = input.checks.map((c, i) => (i < 110 ? { ...c, intervalSeconds: 10 } : c));
    const stack = new MonitorStack(app, 'MaintenanceSplit', { config: input });
    const resources = Template.fromStack(stack).toJSON().Resources as Record<string, { Type: string; Properties: Props }>;
    const rules = Object.values(resources).filter((r) => r.Type === 'AWS::CloudWatch::AlarmMuteRule');
    // Every alarm but NotificationFailures (lib/muting.ts: no window mutes the channels' alarm).
    const total = alarmDefinitions(parseConfig(input)).length - 1;
    expect(total).toBeGreaterThan(100);
    expect(rules).toHaveLength(Math.ceil(total / 100));
    const named = rules.flatMap((r) => r.Properties.MuteTargets.AlarmNames as string[]);
    expect(new Set(named).size).toBe(total);
    for (const r of rules) expect(r.Properties.MuteTargets.AlarmNames.length).toBeLessThanOrEqual(100);
  });
});

describe('the local evaluator with muting', () => {
  it('keeps every transition and marks those inside a window as muted, with the window end', () => {
    const config = parseConfig(withWindows([{ schedule: 'at(2026-12-04T16:00)', duration: 'PT10M', checks: ['health'] }]));
    const muting = mutingOf(config, alarmDefinitions(config));
    const t = (alarm: string, iso: string): AlarmTransition => ({
      alarm,
      class: 'Refused',
      from: 'OK',
      to: 'ALARM',
      atMs: Date.parse(iso),
      reason: 'test',
    });
    const acted = muteTransitions(muting, [
      t('Refused-300s', '2026-12-04T16:05:00Z'),
      t('Refused-120s', '2026-12-04T16:05:00Z'),
      t('Refused-300s', '2026-12-04T16:10:00Z'),
    ]);
    expect(acted.map((a) => a.mutedBy)).toEqual([0, undefined, undefined]);
    expect(acted[0]!.mutedUntilMs).toBe(Date.parse('2026-12-04T16:10:00Z'));
  });
});
