/**
 * The backstop's page and event reading (lambda/backstop/page.ts, event.ts): the dedup key's shape
 * and its PagerDuty limit, what the summary begins with per class, severity, the alarm link as every
 * channel renders it, and the transitions the notifier acts on.
 */
import { describe, expect, it } from 'vitest';
import type { BackstopAlarmClass } from '../../contracts/backstop';
import { parseAlarmTime, transitionOf } from '../../lambda/backstop/event';
import { backstopDedupKey, backstopLinks, buildBackstopNotification, BACKSTOP_SEVERITY, MAX_LISTED_CHECKS } from '../../lambda/backstop/page';
import { linkList, plainText } from '../../lambda/notify/text';
import { pagerDutyEvent } from '../../lambda/notify/pagerduty';
import { pagerDutyProblems } from '../support/receivers';
import { CANARY } from '../notify/support';
import { alarm, alarmEvent } from './support';

const SINCE = Date.UTC(2026, 11, 5, 2, 15, 7, 412);

const page = (cls: BackstopAlarmClass, over: Parameters<typeof alarm>[1] = {}, action: 'trigger' | 'resolve' = 'trigger') =>
  buildBackstopNotification({
    action,
    monitor: 'prod-monitor',
    alarmName: `prod-monitor-${cls}`,
    alarm: alarm(cls, over),
    alarmSinceMs: SINCE,
    atMs: action === 'trigger' ? SINCE : SINCE + 600_000,
    reason: 'Threshold Crossed: 3 out of the last 3 datapoints were less than the threshold (1.0)',
    links: backstopLinks({ region: 'eu-west-1', dashboard: 'prod-monitor', alarmName: `prod-monitor-${cls}` }),
  });

describe('the dedup key', () => {
  it('is synthmon/<monitor>/alarm-<alarm name>-<compact UTC time of the ALARM transition>', () => {
    expect(backstopDedupKey('prod-monitor', 'prod-monitor-Silent-s60-0-eu-west-1', SINCE)).toBe(
      'synthmon/prod-monitor/alarm-prod-monitor-Silent-s60-0-eu-west-1-20261205T021507Z',
    );
  });

  it('fits PagerDuty’s 255 characters for a long alarm name, stays unique per alarm and keeps the time', () => {
    const long = (tail: string) => `${'prod-monitor-Nested/Construct/Path'.repeat(8)}-Failing-${tail}`;
    const a = backstopDedupKey('prod-monitor', long('checkout-api'), SINCE);
    const b = backstopDedupKey('prod-monitor', long('catalog-api'), SINCE);
    for (const k of [a, b]) {
      expect(k.length).toBeLessThanOrEqual(255);
      expect(k.startsWith('synthmon/prod-monitor/alarm-prod-monitor-Nested')).toBe(true);
      expect(k.endsWith('-20261205T021507Z')).toBe(true);
    }
    expect(a).not.toBe(b);
    expect(backstopDedupKey('prod-monitor', long('checkout-api'), SINCE)).toBe(a);
    const n = { ...page('Silent'), dedupKey: a };
    expect(pagerDutyProblems({ routing_key: CANARY.routingKey, ...pagerDutyEvent(n) }, [CANARY.routingKey])).toEqual([]);
  });
});

describe('the page', () => {
  it.each<[BackstopAlarmClass, Parameters<typeof alarm>[1], string]>([
    ['Silent', { shard: 's60-0', location: 'eu-west-1', checks: ['a', 'b', 'c'] }, 'Silent: shard s60-0 from eu-west-1 (3 checks) — '],
    ['CertificateExpiring', { host: 'api.example.com' }, 'CertificateExpiring: the certificate of api.example.com — '],
    ['RunnerDropped', {}, 'RunnerDropped: the runner of RunnerDropped60 — '],
    ['NotificationFailures', {}, 'NotificationFailures: the notification channels — '],
    ['Refused', { checks: ['orders-api'], hosts: ['api.example.com'] }, 'Refused: orders-api — '],
    ['Forbidden', { checks: ['a', 'b', 'c'], hosts: ['api.example.com'] }, 'Forbidden: 3 checks on api.example.com — '],
    ['Failing', { checks: ['a', 'b', 'c'], hosts: ['x.example.com', 'y.example.com'] }, 'Failing: 3 checks on 2 hosts — '],
  ])('begins a %s page with the class and what it covers, then the alarm’s description as the fix', (cls, over, start) => {
    const n = page(cls, over);
    expect(n.summary.startsWith(start)).toBe(true);
    expect(n.summary.endsWith(n.fix)).toBe(true);
    expect(n.fix).toBe(alarm(cls).description);
    expect(n).toMatchObject({
      kind: 'backstop',
      outcome: 'backstop',
      action: 'trigger',
      severity: BACKSTOP_SEVERITY[cls],
      firstFailureAt: new Date(SINCE).toISOString(),
    });
    expect(n.message).toContain('Threshold Crossed: 3 out of the last 3 datapoints');
  });

  it('pages the endpoint classes, Silent and RunnerDropped as critical, CertificateExpiring and NotificationFailures as warning', () => {
    expect(BACKSTOP_SEVERITY).toEqual({
      Refused: 'critical',
      Forbidden: 'critical',
      Failing: 'critical',
      Silent: 'critical',
      RunnerDropped: 'critical',
      CertificateExpiring: 'warning',
      NotificationFailures: 'warning',
    });
  });

  it('lists at most MAX_LISTED_CHECKS checks, and says how many it covers', () => {
    const checks = Array.from({ length: 300 }, (_, i) => `check-${String(i).padStart(3, '0')}`);
    const n = page('Refused', { checks, hosts: ['api.example.com'] });
    expect(n.checks).toEqual([]);
    expect(n.summary.startsWith('Refused: 300 checks on api.example.com')).toBe(true);
    expect(n.message).toContain(`It covers 300 checks: check-000, check-001`);
    expect(n.message).toContain(`and ${300 - MAX_LISTED_CHECKS} more`);
    expect(page('Refused', { checks: checks.slice(0, MAX_LISTED_CHECKS) }).checks).toHaveLength(MAX_LISTED_CHECKS);
  });

  it('says recovered in a resolve, with the same dedup key', () => {
    const trigger = page('Silent', { shard: 's60-0', location: 'eu-west-1' });
    const resolve = page('Silent', { shard: 's60-0', location: 'eu-west-1' }, 'resolve');
    expect(resolve.dedupKey).toBe(trigger.dedupKey);
    expect(resolve.summary).toBe(
      `Silent: shard s60-0 from eu-west-1 (0 checks): recovered (the alarm is OK again; in ALARM since ${new Date(SINCE).toISOString()})`,
    );
    expect(resolve.at).toBe(new Date(SINCE + 600_000).toISOString());
  });

  it('links the alarm in the console of its partition, and every channel renders the link', () => {
    const n = page('Silent');
    expect(n.links).toEqual({
      dashboard: 'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#dashboards/dashboard/prod-monitor',
      alarm: 'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/prod-monitor-Silent',
    });
    expect(linkList(n)).toEqual([
      { href: n.links!.dashboard, text: 'Dashboard' },
      { href: n.links!.alarm, text: 'Alarm' },
    ]);
    expect(plainText(n)).toContain(`\nAlarm: ${n.links!.alarm}`);
    expect(backstopLinks({ region: 'cn-north-1', alarmName: 'a b/c' })).toEqual({
      alarm: 'https://console.amazonaws.cn/cloudwatch/home?region=cn-north-1#alarmsV2:alarm/a%20b%2Fc',
    });
  });
});

describe('reading the event', () => {
  it('reads the documentation’s timestamp shape', () => {
    expect(parseAlarmTime('2019-10-01T13:56:40.987+0000')).toBe(Date.UTC(2019, 9, 1, 13, 56, 40, 987));
    expect(parseAlarmTime('2019-10-02T17:04:40Z')).toBe(Date.UTC(2019, 9, 2, 17, 4, 40));
    expect(parseAlarmTime('yesterday')).toBeUndefined();
  });

  it('names the episode by the ALARM transition in both its trigger and its resolve', () => {
    const at = Date.UTC(2026, 11, 5, 9, 0, 0, 123);
    const trigger = transitionOf(alarmEvent('a', 'OK', 'ALARM', { at }), 0)!;
    expect(trigger).toMatchObject({ kind: 'trigger', atMs: at, alarmSinceMs: at, region: 'eu-west-1' });
    const resolve = transitionOf(alarmEvent('a', 'ALARM', 'OK', { at: at + 300_000, since: at }), 0)!;
    expect(resolve).toMatchObject({ kind: 'resolve', atMs: at + 300_000, alarmSinceMs: at });
  });

  it('ignores a fresh deploy’s INSUFFICIENT_DATA → OK, and a resolve without the time it left ALARM', () => {
    expect(transitionOf(alarmEvent('a', 'INSUFFICIENT_DATA', 'OK', { at: 1 }), 0)!.kind).toBe('ignore');
    const event = alarmEvent('a', 'ALARM', 'OK', { at: 5_000_000 });
    const { timestamp: _dropped, ...previous } = event.detail!.previousState!;
    expect(transitionOf({ ...event, detail: { ...event.detail, previousState: previous } }, 0)).toMatchObject({ kind: 'ignore' });
    expect(transitionOf({ detail: {} }, 0)).toBeUndefined();
  });
});
