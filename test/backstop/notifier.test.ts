/**
 * The backstop notifier's decisions and delivery (docs/DESIGN.md#incidents, Backstop), with real
 * parts: the incident table in dynalite (incidents opened and resolved by the real engine), the real
 * channels to loopback receivers, the real SDK to the SNS endpoint and the CloudWatch recorder.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backstopKey, type BackstopAlarm, type BackstopAlarmClass } from '../../contracts/backstop';
import { Outcome } from '../../contracts/outcomes';
import { handle, BackstopRetryError, type BackstopDeps } from '../../lambda/backstop/notifier';
import { backstopDedupKey } from '../../lambda/backstop/page';
import { parseRecord } from '../../lambda/backstop/record';
import { IncidentStore } from '../../lambda/incidents/store';
import { startLocalDynamo, type LocalDynamo } from '../support/dynamodb';
import { Faults } from '../support/receivers';
import { SnsFaults } from '../support/sns-endpoint';
import { engineFor, result, runAt } from '../incidents/support';
import {
  alarm,
  alarmEvent,
  backstopFile,
  depsFor,
  everywhere,
  MONITOR,
  nextTime,
  received,
  secretValues,
  startRig,
  TABLE,
  type Rig,
} from './support';

let rig: Rig;
beforeAll(async () => {
  rig = await startRig();
});
afterAll(async () => {
  await rig?.close();
});

/** One alarm named `name` in a file of its own, and its dependencies. */
function setup(name: string, a: BackstopAlarm, over: Partial<BackstopDeps> = {}, maintenance?: Parameters<typeof backstopFile>[2]) {
  return depsFor(rig, backstopFile(rig, { [name]: a }, maintenance), over);
}
const key = (name: string, since: number) => backstopDedupKey(MONITOR, name, since);
const failuresOf = (channel: string) =>
  rig.cloudwatch
    .accepted()
    .filter((d) => d.MetricName === 'NotificationFailures' && d.Dimensions?.some((x) => x.Name === 'Channel' && x.Value === channel));
const store = () => new IncidentStore(rig.dynamo.client, TABLE);

/** The real engine opens an incident of `outcome` on `host` at `at` (quorum 1). */
async function openIncident(host: string, at: number, outcome: Outcome = Outcome.REFUSED): Promise<void> {
  const engine = engineFor(rig.dynamo, TABLE, 'eu-west-1', [], { quorum: 1 });
  await engine.record([result(`c-${host}`, outcome, { url: `https://${host}/health`, at })], runAt(at, [`c-${host}`]));
}
/** …and resolves it with two passing runs, the second at `resolvedAt`. */
async function resolveIncident(host: string, resolvedAt: number): Promise<void> {
  const engine = engineFor(rig.dynamo, TABLE, 'eu-west-1', [], { quorum: 1 });
  for (const at of [resolvedAt - 60_000, resolvedAt])
    await engine.record([result(`c-${host}`, Outcome.OK, { url: `https://${host}/health`, at })], runAt(at, [`c-${host}`]));
}

describe('classes the pipeline cannot page', () => {
  it.each<[BackstopAlarmClass, string, 'critical' | 'warning']>([
    ['Silent', 'Silent: shard s60-0 from us-east-1 (2 checks)', 'critical'],
    ['RunnerDropped', 'RunnerDropped: the runner of RunnerDropped60', 'critical'],
    ['CertificateExpiring', 'CertificateExpiring: the certificate of api.example.com', 'warning'],
    ['NotificationFailures', 'NotificationFailures: the notification channels', 'warning'],
  ])('forwards %s to every channel, whatever incident is open', async (cls, summaryStart, severity) => {
    const name = `${MONITOR}-${cls}-forwarded`;
    const a = alarm(
      cls,
      cls === 'Silent'
        ? { shard: 's60-0', location: 'us-east-1', checks: ['a', 'b'] }
        : cls === 'CertificateExpiring'
          ? { host: 'api.example.com' }
          : {},
    );
    // An open endpoint incident on the host changes nothing for these classes.
    const at = nextTime();
    await openIncident('api.example.com', at - 120_000);
    const report = await handle(alarmEvent(name, 'OK', 'ALARM', { at }), setup(name, a));
    expect(report.outcome).toBe('forwarded');
    expect(received(rig, key(name, at))).toEqual(everywhere('trigger'));
    const event = rig.pd.events.find((e) => e.dedup_key === key(name, at))!;
    expect(event.payload!.summary.startsWith(summaryStart)).toBe(true);
    expect(event.payload!.severity).toBe(severity);
    expect(event.links).toContainEqual({ href: expect.stringContaining(`#alarmsV2:alarm/${encodeURIComponent(name)}`), text: 'Alarm' });
  });
});

describe('the endpoint classes', () => {
  it.each<BackstopAlarmClass>(['Refused', 'Forbidden', 'Failing'])('forwards %s when no incident covers its hosts', async (cls) => {
    const name = `${MONITOR}-${cls}-uncovered`;
    const at = nextTime();
    const report = await handle(alarmEvent(name, 'OK', 'ALARM', { at }), setup(name, alarm(cls, { hosts: [`free-${cls}.example.com`] })));
    expect(report).toMatchObject({ outcome: 'forwarded', why: 'no incident on 1 host(s) covers it' });
    expect(received(rig, key(name, at))).toEqual(everywhere('trigger'));
    expect(rig.pd.events.find((e) => e.dedup_key === key(name, at))!.payload!.severity).toBe('critical');
  });

  it.each<BackstopAlarmClass>(['Refused', 'Forbidden', 'Failing'])('suppresses %s while an incident on one of its hosts is open', async (cls) => {
    const host = `open-${cls.toLowerCase()}.example.com`;
    const name = `${MONITOR}-${cls}-covered`;
    const at = nextTime();
    await openIncident(host, at - 90_000);
    const deps = setup(name, alarm(cls, { hosts: ['other.example.com', host] }));
    const report = await handle(alarmEvent(name, 'OK', 'ALARM', { at }), deps);
    expect(report.outcome).toBe('suppressed');
    expect(report.why).toContain(`i#endpoint#${host} is open`);
    expect(received(rig, key(name, at))).toEqual(everywhere());
    const record = parseRecord((await store().get(backstopKey(name, new Date(at).toISOString())))!);
    expect(record.decision).toBe('suppress');
    // Its resolve sends nothing either: no channel got a trigger.
    const resolved = await handle(alarmEvent(name, 'ALARM', 'OK', { at: at + 300_000, since: at }), deps);
    expect(resolved.deliveries).toEqual([]);
    expect(received(rig, key(name, at))).toEqual(everywhere());
  });

  it('suppresses an alarm raised less than coverMs after the incident resolved, and forwards one raised later', async () => {
    const host = 'recent.example.com';
    const resolvedAt = nextTime();
    await openIncident(host, resolvedAt - 600_000);
    await resolveIncident(host, resolvedAt);
    const a = alarm('Refused', { hosts: [host], coverMs: 240_000 });
    const within = `${MONITOR}-Refused-within`;
    const inside = await handle(alarmEvent(within, 'OK', 'ALARM', { at: resolvedAt + 239_000 }), setup(within, a));
    expect(inside.outcome).toBe('suppressed');
    expect(inside.why).toContain('resolved at');
    const after = `${MONITOR}-Refused-after`;
    const at = resolvedAt + 241_000;
    const outside = await handle(alarmEvent(after, 'OK', 'ALARM', { at }), setup(after, a));
    expect(outside.outcome).toBe('forwarded');
    expect(received(rig, key(after, at))).toEqual(everywhere('trigger'));
  });

  it('suppresses Failing, but not Refused, when the host has an open monitor (error) incident', async () => {
    const host = 'erroring.example.com';
    const at = nextTime();
    await openIncident(host, at - 60_000, Outcome.ERROR);
    const failing = `${MONITOR}-Failing-monitor`;
    expect((await handle(alarmEvent(failing, 'OK', 'ALARM', { at }), setup(failing, alarm('Failing', { hosts: [host] })))).outcome).toBe(
      'suppressed',
    );
    const refused = `${MONITOR}-Refused-monitor`;
    expect((await handle(alarmEvent(refused, 'OK', 'ALARM', { at }), setup(refused, alarm('Refused', { hosts: [host] })))).outcome).toBe('forwarded');
  });
});

describe('maintenance windows', () => {
  // 02:00-03:00 UTC every day; window 1 names no alarm here.
  const windows = [
    { schedule: 'cron(0 2 * * *)', duration: 'PT1H' },
    { schedule: 'cron(0 0 * * *)', duration: 'P1D' },
  ];

  it.each<BackstopAlarmClass>(['Silent', 'Refused', 'NotificationFailures'])(
    'holds %s inside one of its windows and forwards it outside',
    async (cls) => {
      const name = `${MONITOR}-${cls}-window`;
      const a = alarm(cls, { windows: [0], hosts: [`window-${cls}.example.com`] });
      const deps = setup(name, a, {}, windows);
      const inside = Date.UTC(2026, 11, 6, 2, 30);
      const held = await handle(alarmEvent(name, 'OK', 'ALARM', { at: inside }), deps);
      expect(held).toMatchObject({ outcome: 'held', why: 'maintenance window 0 is open until 2026-12-06T03:00:00.000Z' });
      // The held episode's resolve sends nothing: no channel got its trigger.
      await handle(alarmEvent(name, 'ALARM', 'OK', { at: inside + 600_000, since: inside }), deps);
      expect(received(rig, key(name, inside))).toEqual(everywhere());
      const outside = Date.UTC(2026, 11, 6, 3, 0);
      expect((await handle(alarmEvent(name, 'OK', 'ALARM', { at: outside }), deps)).outcome).toBe('forwarded');
      expect(received(rig, key(name, outside))).toEqual(everywhere('trigger'));
    },
  );

  it('decides on the transition time from the event, not on when the event arrives', async () => {
    const name = `${MONITOR}-Silent-late`;
    const deps = setup(name, alarm('Silent', { windows: [0] }), { now: () => Date.UTC(2026, 11, 7, 9, 0) }, windows);
    const report = await handle(alarmEvent(name, 'OK', 'ALARM', { at: Date.UTC(2026, 11, 7, 2, 59) }), deps);
    expect(report.outcome).toBe('held');
  });
});

describe('store unreachable', () => {
  let down: LocalDynamo;
  beforeAll(async () => {
    down = await startLocalDynamo();
    await down.stop();
  });
  afterAll(async () => {
    await down?.close();
  });

  it('forwards an endpoint class as critical and says the store could not be read', async () => {
    const name = `${MONITOR}-Refused-storedown`;
    const at = nextTime();
    const deps = setup(name, alarm('Refused'), { store: new IncidentStore(down.client, TABLE) });
    const report = await handle(alarmEvent(name, 'OK', 'ALARM', { at }), deps);
    expect(report).toMatchObject({ outcome: 'forwarded', why: 'the incident store could not be read' });
    expect(received(rig, key(name, at))).toEqual(everywhere('trigger'));
    const event = rig.pd.events.find((e) => e.dedup_key === key(name, at))!;
    expect(event.payload!.severity).toBe('critical');
    expect(String(event.payload!.custom_details!.message)).toContain('The incident store could not be read');
    expect(deps.lines.some((l) => l.includes('reading the delivery record failed'))).toBe(true);
  });

  it('fails a resolve it cannot look up, so Lambda retries it', async () => {
    const name = `${MONITOR}-Refused-storedown-resolve`;
    const at = nextTime();
    const deps = setup(name, alarm('Refused'), { store: new IncidentStore(down.client, TABLE) });
    await expect(handle(alarmEvent(name, 'ALARM', 'OK', { at: at + 60_000, since: at }), deps)).rejects.toThrow();
    expect(received(rig, key(name, at))).toEqual(everywhere());
  });
});

describe('exactly once per channel', () => {
  it('sends a redelivered event once per channel, one after the other or at the same time', async () => {
    const name = `${MONITOR}-Silent-redelivered`;
    const deps = setup(name, alarm('Silent'));
    const at = nextTime();
    const event = alarmEvent(name, 'OK', 'ALARM', { at });
    const [a, b] = await Promise.all([handle(event, deps), handle(event, deps)]);
    expect([a.outcome, b.outcome].sort()).toEqual(['duplicate', 'forwarded']);
    const again = await handle(event, deps);
    expect(again.outcome).toBe('duplicate');
    expect(received(rig, key(name, at))).toEqual(everywhere('trigger'));
  });

  it('counts a channel that is down, throws for a retry, and the retry sends only that channel', async () => {
    const name = `${MONITOR}-Silent-channel-down`;
    const deps = setup(name, alarm('Silent'));
    const at = nextTime();
    const event = alarmEvent(name, 'OK', 'ALARM', { at });
    const before = failuresOf('pagerDuty').length;
    rig.pd.failAlways(Faults.serverError(503));
    const error = await handle(event, deps, { remainingMs: 9_000 }).catch((e: unknown) => e);
    rig.pd.failAlways(undefined);
    expect(error).toBeInstanceOf(BackstopRetryError);
    expect((error as BackstopRetryError).channels).toEqual(['pagerDuty']);
    expect(failuresOf('pagerDuty').length - before).toBe(1);
    expect(received(rig, key(name, at))).toEqual({ ...everywhere('trigger'), pagerDuty: [] });
    // Lambda's retry: PagerDuty is back; the other channels are not sent again.
    const retry = await handle(event, deps);
    expect(retry.deliveries.map((d) => [d.channel, d.ok])).toEqual([['pagerDuty', true]]);
    expect(received(rig, key(name, at))).toEqual(everywhere('trigger'));
  });

  it('counts a refused (4xx) delivery without throwing, and never retries it', async () => {
    const name = `${MONITOR}-RunnerDropped-refused`;
    const deps = setup(name, alarm('RunnerDropped'));
    const at = nextTime();
    const event = alarmEvent(name, 'OK', 'ALARM', { at });
    const before = failuresOf('slack').length;
    rig.slack.failNext({ kind: 'status', status: 404, body: 'no_service' });
    const report = await handle(event, deps);
    expect(report.deliveries.find((d) => d.channel === 'slack')).toMatchObject({ ok: false, retryable: false, status: 404 });
    expect(failuresOf('slack').length - before).toBe(1);
    expect((await handle(event, deps)).outcome).toBe('duplicate');
    expect(received(rig, key(name, at))).toEqual({ ...everywhere('trigger'), slack: [] });
  });
});

/**
 * The real store, with the answer of its conditional writes lost the way an SDK retry loses it: the
 * first attempt wrote, its answer never came, and the retry failed the condition the write had met.
 */
class LostAnswerStore extends IncidentStore {
  override async putNew(item: Parameters<IncidentStore['putNew']>[0]): Promise<boolean> {
    await super.putNew(item);
    return false;
  }
  override async update(input: Parameters<IncidentStore['update']>[0]): ReturnType<IncidentStore['update']> {
    const after = await super.update(input);
    return input.set.startsWith('#l = :until') ? undefined : after;
  }
}

describe('a write whose answer was lost', () => {
  it('still sends what this invocation created or claimed', async () => {
    const name = `${MONITOR}-Silent-lost-answer`;
    const lost = setup(name, alarm('Silent'), { store: new LostAnswerStore(rig.dynamo.client, TABLE) });
    const at = nextTime();
    const event = alarmEvent(name, 'OK', 'ALARM', { at });
    rig.pd.failAlways(Faults.serverError(503));
    await expect(handle(event, lost, { remainingMs: 8_000 })).rejects.toBeInstanceOf(BackstopRetryError);
    rig.pd.failAlways(undefined);
    expect(received(rig, key(name, at))).toEqual({ ...everywhere('trigger'), pagerDuty: [] });
    const retry = await handle(event, lost);
    expect(retry.deliveries.map((d) => [d.channel, d.ok])).toEqual([['pagerDuty', true]]);
    expect(received(rig, key(name, at))).toEqual(everywhere('trigger'));
  });
});

describe('resolves', () => {
  it('sends the resolve only to the channels that got the trigger, once', async () => {
    const name = `${MONITOR}-CertificateExpiring-resolve`;
    const deps = setup(name, alarm('CertificateExpiring', { host: 'api.example.com' }), { retryAttempts: 0 });
    const at = nextTime();
    // The webhook refuses the trigger (a configuration problem), email is throttled past its attempts.
    rig.hook.failNext({ kind: 'status', status: 400, body: '{"error":"bad"}' });
    rig.sns.failAlways(SnsFaults.throttled);
    await handle(alarmEvent(name, 'OK', 'ALARM', { at }), deps, { remainingMs: 8_000 }).catch(() => undefined);
    rig.sns.failAlways(undefined);
    expect(received(rig, key(name, at))).toEqual({ pagerDuty: ['trigger'], 'webhooks[0]': [], slack: ['trigger'], email: [] });
    const ok = alarmEvent(name, 'ALARM', 'OK', { at: at + 900_000, since: at });
    const report = await handle(ok, deps);
    expect(report.outcome).toBe('resolved');
    expect(report.deliveries.map((d) => d.channel).sort()).toEqual(['pagerDuty', 'slack']);
    await handle(ok, deps);
    expect(received(rig, key(name, at))).toEqual({ pagerDuty: ['trigger', 'resolve'], 'webhooks[0]': [], slack: ['trigger', 'resolve'], email: [] });
    expect(rig.pd.alerts().find((x) => x.dedupKey === key(name, at))).toMatchObject({ status: 'resolved', resolves: 1 });
  });

  it('sends nothing for a trigger that arrives after its resolve', async () => {
    const name = `${MONITOR}-Silent-late-trigger`;
    const deps = setup(name, alarm('Silent'));
    const at = nextTime();
    const resolve = await handle(alarmEvent(name, 'ALARM', 'OK', { at: at + 120_000, since: at }), deps);
    expect(resolve.why).toBe('no trigger was recorded for this episode');
    const late = await handle(alarmEvent(name, 'OK', 'ALARM', { at }), deps);
    expect(late.outcome).toBe('duplicate');
    expect(received(rig, key(name, at))).toEqual(everywhere());
  });

  it('stops retrying the trigger once the episode resolved', async () => {
    const name = `${MONITOR}-Silent-retry-after-resolve`;
    const deps = setup(name, alarm('Silent'));
    const at = nextTime();
    rig.pd.failAlways(Faults.serverError(500));
    await expect(handle(alarmEvent(name, 'OK', 'ALARM', { at }), deps, { remainingMs: 8_000 })).rejects.toBeInstanceOf(BackstopRetryError);
    rig.pd.failAlways(undefined);
    await handle(alarmEvent(name, 'ALARM', 'OK', { at: at + 60_000, since: at }), deps);
    // Lambda's retry of the trigger comes after the resolve: PagerDuty must not get a page nobody resolves.
    expect((await handle(alarmEvent(name, 'OK', 'ALARM', { at }), deps)).outcome).toBe('duplicate');
    expect(received(rig, key(name, at))).toEqual({ ...everywhere('trigger', 'resolve'), pagerDuty: [] });
  });
});

describe('events that page nothing', () => {
  it.each([
    ['INSUFFICIENT_DATA', 'OK'],
    ['OK', 'INSUFFICIENT_DATA'],
    ['ALARM', 'INSUFFICIENT_DATA'],
    ['ALARM', 'ALARM'],
  ] as const)('ignores %s → %s', async (from, to) => {
    const name = `${MONITOR}-Silent-${from}-${to}`;
    const deps = setup(name, alarm('Silent'));
    const at = nextTime();
    const report = await handle(alarmEvent(name, from, to, { at, since: at - 60_000 }), deps);
    expect(report.outcome).toBe('ignored');
    expect(received(rig, key(name, at))).toEqual(everywhere());
    expect(received(rig, key(name, at - 60_000))).toEqual(everywhere());
  });

  it('logs and ignores an alarm the file does not know, and an event that is no alarm state change', async () => {
    const deps = setup(`${MONITOR}-known`, alarm('Silent'));
    const report = await handle(alarmEvent('someone-elses-alarm', 'OK', 'ALARM', { at: nextTime() }), deps);
    expect(report.outcome).toBe('unknown-alarm');
    expect(deps.lines.at(-1)).toContain('does not know');
    expect((await handle({ source: 'aws.events' }, deps)).outcome).toBe('ignored');
  });
});

describe('NotificationFailures and its own failing channel', () => {
  it('does not count the failures of its own page, and stops throwing after the retry attempts', async () => {
    const name = `${MONITOR}-NotificationFailures-loop`;
    const deps = setup(name, alarm('NotificationFailures'));
    const at = nextTime();
    const event = alarmEvent(name, 'OK', 'ALARM', { at });
    const before = rig.cloudwatch.requests.length;
    rig.pd.failAlways(Faults.serverError(502));
    const outcomes: string[] = [];
    // The first invocation, Lambda's two retries, and one redelivery of the same event.
    for (let i = 0; i < 4; i++)
      outcomes.push(
        await handle(event, deps, { remainingMs: 7_000 }).then(
          (r) => r.outcome,
          (e: Error) => e.name,
        ),
      );
    rig.pd.failAlways(undefined);
    expect(outcomes).toEqual(['BackstopRetryError', 'BackstopRetryError', 'BackstopRetryError', 'forwarded']);
    expect(rig.cloudwatch.requests.length).toBe(before);
    expect(deps.lines.some((l) => l.includes('given up after 3 attempts'))).toBe(true);
    expect(received(rig, key(name, at))).toEqual({ ...everywhere('trigger'), pagerDuty: [] });
  });
});

describe('secrets', () => {
  it('never writes a token value in a log line, an error or a record, whatever fails', async () => {
    const name = `${MONITOR}-Silent-secrets`;
    const captured: string[] = [];
    const original = { log: console.log, error: console.error, warn: console.warn, write: process.stdout.write.bind(process.stdout) };
    console.log = console.error = console.warn = (...args: unknown[]) => void captured.push(args.map(String).join(' '));
    process.stdout.write = ((chunk: string | Uint8Array) => (captured.push(String(chunk)), true)) as typeof process.stdout.write;
    let error: unknown;
    const deps = setup(name, alarm('Silent'), { log: undefined });
    const at = nextTime();
    try {
      rig.pd.failAlways({ kind: 'status', status: 400, body: JSON.stringify({ status: 'invalid event', errors: ['Invalid routing key'] }) });
      rig.hook.failAlways(Faults.serverError(500));
      rig.slack.failAlways({ kind: 'status', status: 404, body: 'no_service' });
      error = await handle(alarmEvent(name, 'OK', 'ALARM', { at }), deps, { remainingMs: 8_000 }).catch((e: unknown) => e);
    } finally {
      Object.assign(console, { log: original.log, error: original.error, warn: original.warn });
      process.stdout.write = original.write;
      rig.pd.failAlways(undefined);
      rig.hook.failAlways(undefined);
      rig.slack.failAlways(undefined);
    }
    expect(error).toBeInstanceOf(BackstopRetryError);
    const record = JSON.stringify(await store().get(backstopKey(name, new Date(at).toISOString())));
    const said = [...captured, String(error), (error as Error).message, record].join('\n');
    expect(captured.length).toBeGreaterThan(2);
    expect(record).toContain('"decision"');
    for (const secret of secretValues(rig)) expect(said).not.toContain(secret);
  });
});
