/**
 * The incident engine against a real DynamoDB wire protocol (dynalite on loopback, the real SDK)
 * and a real HTTP receiver: quorum, races, updates, resolves, late retries, the storm guard,
 * monitor incidents, store and channel outages (docs/DESIGN.md#incidents).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { Cause, Outcome } from '../../contracts/outcomes';
import type { Notification } from '../../contracts/notification';
import { startLocalDynamo, type LocalDynamo } from '../support/dynamodb';
import { parseConfig } from '../../contracts/config';
import { createIncidentEngine } from '../../lambda/incidents';
import { staticTokenStore } from '../../lambda/tokens';
import { fleetFile } from '../../lib/fleet/file';
import { planFleet } from '../../lib/fleet/plan';
import { engineFor, jsonChannel, result, runAt, startReceiver, type Receiver } from './support';

const T0 = Date.UTC(2026, 11, 4, 12, 0, 0);
const MIN = 60_000;

let dynamo: LocalDynamo;
let receiver: Receiver;
let table: string;
let tables = 0;

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver?.close();
  await dynamo?.close();
});
beforeEach(async () => {
  table = `incidents-${++tables}`;
  await dynamo.createTable(table);
  receiver.accepted.length = 0;
  receiver.requests = 0;
  receiver.status = 202;
});

const channel = () => jsonChannel('receiver', receiver.url);
const actions = (ns: readonly Notification[]) => ns.map((n) => n.action);

describe('quorum', () => {
  it('opens when a quorum of locations fail in the window, not before; a silent location does not block', async () => {
    const [a, b] = ['eu-west-1', 'us-east-1'].map((l) => engineFor(dynamo, table, l, [channel()], { quorum: 2 }));
    const first = await a!.record([result('api', Outcome.REFUSED)], runAt(T0, ['api']));
    expect(first.notifications).toEqual([]);
    expect(first.recorded).toBe(1);
    // The third location (ap-south-1) never reports: two of three are a quorum.
    const second = await b!.record([result('api', Outcome.REFUSED)], runAt(T0 + 2_000, ['api']));
    expect(actions(second.notifications)).toEqual(['trigger']);
    expect(receiver.accepted).toHaveLength(1);
    const page = receiver.accepted[0]!;
    expect(page.severity).toBe('critical');
    expect(page.summary).toMatch(/^api: refused/);
    expect(page.summary).toContain('fix for refused');
    expect(page.dedupKey).toBe('synthmon/test-monitor/endpoint-api.example.com-20261204T120002Z');
    expect(page.locations.map((l) => l.location)).toEqual(['eu-west-1', 'us-east-1']);
    expect(page.firstFailureAt).toBe(new Date(T0).toISOString());
  });

  it('does not count a verdict older than the window (two intervals)', async () => {
    const [a, b] = ['a', 'b'].map((l) => engineFor(dynamo, table, l, [channel()]));
    await a!.record([result('api', Outcome.REFUSED)], runAt(T0, ['api']));
    const late = await b!.record([result('api', Outcome.REFUSED)], runAt(T0 + 2 * MIN + 1, ['api']));
    expect(late.notifications).toEqual([]);
    expect(receiver.accepted).toEqual([]);
  });

  it('opens with one location when the quorum is 1', async () => {
    const a = engineFor(dynamo, table, 'local', [channel()], { quorum: 1 });
    expect(actions((await a.record([result('api', Outcome.TIMEOUT)], runAt(T0, ['api']))).notifications)).toEqual(['trigger']);
  });
});

describe('writing only a changed verdict', () => {
  it('a steady verdict is written one run in three (the others only read); a change is written at once and opens as before', async () => {
    let updates = 0;
    dynamo.client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'UpdateItemCommand') updates++;
        return next(args);
      },
      { step: 'initialize', name: 'countVerdictWrites' },
    );
    onTestFinished(() => void dynamo.client.middlewareStack.remove('countVerdictWrites'));
    const [a, b] = ['a', 'b'].map((l) => engineFor(dynamo, table, l, [channel()]));
    // Two passing runs fill the streaks (each written); from then on a write every third run.
    for (let m = 0; m < 2; m++) expect((await a!.record([result('api', Outcome.OK)], runAt(T0 + m * MIN, ['api']))).recorded).toBe(1);
    expect(updates).toBe(2);
    for (let m = 2; m < 8; m++) expect((await a!.record([result('api', Outcome.OK)], runAt(T0 + m * MIN, ['api']))).recorded).toBe(1);
    expect(updates).toBe(4);
    // A run older than the last written one (T0 + 5 min) is still refused, without a write. (A duplicate
    // of a run that only read is refused before it probes, by its run claim: claimRun.)
    expect((await a!.record([result('api', Outcome.REFUSED)], runAt(T0 + 4 * MIN, ['api']))).recorded).toBe(0);
    expect(updates).toBe(4);
    // A new failure is written at once and, with a second location, opens at once.
    await a!.record([result('api', Outcome.REFUSED)], runAt(T0 + 8 * MIN, ['api']));
    expect(updates).toBe(5);
    const opened = await b!.record([result('api', Outcome.REFUSED)], runAt(T0 + 8 * MIN + 1000, ['api']));
    expect(actions(opened.notifications)).toEqual(['trigger']);
  });

  it('a steady verdict of a location that falls silent counts one window longer than a changing one, then ages out', async () => {
    const [a, b] = ['a', 'b'].map((l) => engineFor(dynamo, table, l, [channel()]));
    // `a` fails steadily for three runs (the third refreshes its verdict for two windows), then falls silent.
    const other = { url: 'https://other.example.com/y' };
    for (const m of [0, 1, 2]) {
      await a!.record([result('x', Outcome.REFUSED)], runAt(T0 + m * MIN, ['x']));
      await a!.record([result('y', Outcome.REFUSED, other)], runAt(T0 + m * MIN, ['y']));
    }
    // Inside the extension (until T0 + 6 min) it still counts for the quorum…
    expect(actions((await b!.record([result('x', Outcome.REFUSED)], runAt(T0 + 6 * MIN - 1000, ['x']))).notifications)).toEqual(['trigger']);
    // …after it, it does not.
    expect((await b!.record([result('y', Outcome.REFUSED, other)], runAt(T0 + 6 * MIN, ['y']))).notifications).toEqual([]);
  });
});

describe('maintenance windows', () => {
  // 12:00 to 12:10 UTC on the test day (the alarm mute rule's `at(...)` syntax, contracts/config/maintenance.ts).
  const window = { schedule: 'at(2026-12-04T12:00)', duration: 'PT10M', checks: ['api'] };
  const inWindow = (o: { quorum?: number } = {}) => engineFor(dynamo, table, 'a', [channel()], { quorum: 1, maintenance: [window], ...o });

  it('a regression inside a window records the incident but sends nothing; still open at its end, exactly one trigger on the next run', async () => {
    const a = inWindow();
    for (let m = 1; m <= 9; m++) {
      const r = await a.record([result('api', Outcome.REFUSED)], runAt(T0 + m * MIN, ['api']));
      expect(r.errors).toEqual([]);
      expect(r.notifications).toEqual([]);
    }
    expect(receiver.accepted).toEqual([]);
    // The window closes at 12:10 (exclusive): that run delivers the held trigger, once.
    const after = await a.record([result('api', Outcome.REFUSED)], runAt(T0 + 10 * MIN, ['api']));
    expect(actions(after.notifications)).toEqual(['trigger']);
    expect(actions((await a.record([result('api', Outcome.REFUSED)], runAt(T0 + 11 * MIN, ['api']))).notifications)).toEqual([]);
    // It opened inside the window: the page says since when it fails.
    expect(receiver.accepted[0]!.firstFailureAt).toBe(new Date(T0 + MIN).toISOString());
    // A paged incident resolves as usual.
    await a.record([result('api', Outcome.OK)], runAt(T0 + 12 * MIN, ['api']));
    await a.record([result('api', Outcome.OK)], runAt(T0 + 13 * MIN, ['api']));
    expect(actions(receiver.accepted)).toEqual(['trigger', 'resolve']);
    expect(new Set(receiver.accepted.map((n) => n.dedupKey)).size).toBe(1);
  });

  it('a regression that recovers inside the window sends nothing, during or after it', async () => {
    const a = inWindow();
    await a.record([result('api', Outcome.REFUSED)], runAt(T0 + MIN, ['api']));
    await a.record([result('api', Outcome.FORBIDDEN, { cause: Cause.ORIGIN_REJECTED })], runAt(T0 + 2 * MIN, ['api']));
    for (let m = 3; m <= 12; m++) await a.record([result('api', Outcome.OK)], runAt(T0 + m * MIN, ['api']));
    expect(receiver.accepted).toEqual([]);
  });

  it('reaches the runner through the fleet file: the engine it builds holds the page back', async () => {
    const config = parseConfig({ checks: [{ kind: 'http', name: 'api', url: 'https://api.example.com/health' }], maintenance: [window] });
    const fleet = fleetFile(config, planFleet(config), { monitor: 'test-monitor' });
    expect(fleet.incidents!.maintenance).toEqual([expect.objectContaining(window)]);
    const a = createIncidentEngine({
      table,
      incidents: fleet.incidents!,
      location: 'a',
      secrets: staticTokenStore({}),
      client: dynamo.client,
      channelDeps: {},
    });
    const r = await a.record([result('api', Outcome.REFUSED)], runAt(T0 + MIN, ['api']));
    expect(r.recorded).toBe(1);
    expect(r.notifications).toEqual([]);
    expect(fleetFile(parseConfig({ checks: config.checks }), planFleet(config), { monitor: 'm' }).incidents!.maintenance).toBeUndefined();
  });

  it('a check outside the window pages at once, and an incident with one check outside a window is not held', async () => {
    const a = inWindow();
    expect(
      actions(
        (await a.record([result('billing', Outcome.REFUSED, { url: 'https://billing.example.com/' })], runAt(T0 + MIN, ['billing']))).notifications,
      ),
    ).toEqual(['trigger']);
    // `api` and `orders` on one host: `orders` is in no window, so the host's incident pages.
    const both = await a.record([result('api', Outcome.REFUSED), result('orders', Outcome.REFUSED)], runAt(T0 + 2 * MIN, ['api', 'orders']));
    expect(actions(both.notifications)).toEqual(['trigger']);
    expect(both.notifications[0]!.checks).toEqual(['api', 'orders']);
  });
});

describe('races between locations', () => {
  it('three locations failing at once send exactly one trigger, 200 times over', async () => {
    const engines = ['eu-west-1', 'us-east-1', 'ap-south-1'].map((l) => engineFor(dynamo, table, l, [channel()], { quorum: 2 }));
    const perIteration: number[] = [];
    for (let batch = 0; batch < 20; batch++) {
      await Promise.all(
        Array.from({ length: 10 }, async (_, j) => {
          const i = batch * 10 + j;
          const url = `https://host-${i}.example.com/ws`;
          const reports = await Promise.all(
            engines.map((e) => e.record([result(`check-${i}`, Outcome.FORBIDDEN, { url, cause: Cause.ORIGIN_REJECTED })], runAt(T0, [`check-${i}`]))),
          );
          perIteration[i] = reports.reduce((n, r) => n + r.notifications.filter((x) => x.action === 'trigger').length, 0);
          for (const r of reports) expect(r.errors).toEqual([]);
        }),
      );
    }
    expect(perIteration).toHaveLength(200);
    expect(perIteration.every((n) => n === 1)).toBe(true);
    expect(receiver.accepted.filter((n) => n.action === 'trigger')).toHaveLength(200);
    expect(new Set(receiver.accepted.map((n) => n.dedupKey)).size).toBe(200);
  });
});

describe('an open incident', () => {
  it('sends one update on the same dedup key when the cause changes, nothing while it stays the same, and one resolve after N passing runs at quorum', async () => {
    const [a, b] = ['a', 'b'].map((l) => engineFor(dynamo, table, l, [channel()]));
    const both = async (at: number, r: Parameters<typeof result>) => [
      ...(await a!.record([result(...r)], runAt(at, ['api']))).notifications,
      ...(await b!.record([result(...r)], runAt(at + 1000, ['api']))).notifications,
    ];
    expect(actions(await both(T0, ['api', Outcome.FORBIDDEN, { cause: Cause.ORIGIN_REJECTED }]))).toEqual(['trigger']);
    expect(actions(await both(T0 + MIN, ['api', Outcome.FORBIDDEN, { cause: Cause.ORIGIN_REJECTED }]))).toEqual([]);
    const changed = await both(T0 + 2 * MIN, ['api', Outcome.UNAUTHORIZED, { cause: Cause.TOKEN_REJECTED }]);
    expect(actions(changed)).toEqual(['update']);
    expect(changed[0]!.summary).toMatch(/^api: unauthorized.*token/);
    expect(actions(await both(T0 + 3 * MIN, ['api', Outcome.UNAUTHORIZED, { cause: Cause.TOKEN_REJECTED }]))).toEqual([]);
    // One passing run at quorum is not enough (resolveAfterRuns 2); the second resolves, once.
    expect(actions(await both(T0 + 4 * MIN, ['api', Outcome.OK]))).toEqual([]);
    const resolved = await both(T0 + 5 * MIN, ['api', Outcome.OK]);
    expect(actions(resolved)).toEqual(['resolve']);
    expect(resolved[0]!.summary).toMatch(/^api: recovered/);
    expect(actions(await both(T0 + 6 * MIN, ['api', Outcome.OK]))).toEqual([]);
    expect(actions(receiver.accepted)).toEqual(['trigger', 'update', 'resolve']);
    expect(new Set(receiver.accepted.map((n) => n.dedupKey)).size).toBe(1);
  });

  it('does not resolve while only one of two locations passes', async () => {
    const [a, b] = ['a', 'b'].map((l) => engineFor(dynamo, table, l, [channel()]));
    await a!.record([result('api', Outcome.REFUSED)], runAt(T0, ['api']));
    await b!.record([result('api', Outcome.REFUSED)], runAt(T0, ['api']));
    for (let k = 1; k <= 4; k++) {
      await a!.record([result('api', Outcome.OK)], runAt(T0 + k * MIN, ['api']));
      await b!.record([result('api', Outcome.REFUSED)], runAt(T0 + k * MIN, ['api']));
    }
    expect(actions(receiver.accepted)).toEqual(['trigger']);
  });
});

describe('late and duplicate retries', () => {
  it('a late result of an old run is refused and never reopens or closes a newer incident', async () => {
    const [a, b] = ['a', 'b'].map((l) => engineFor(dynamo, table, l, [channel()], { resolveAfterRuns: 1 }));
    await a!.record([result('api', Outcome.REFUSED)], runAt(T0, ['api']));
    await b!.record([result('api', Outcome.REFUSED)], runAt(T0, ['api']));
    await a!.record([result('api', Outcome.OK)], runAt(T0 + MIN, ['api']));
    await b!.record([result('api', Outcome.OK)], runAt(T0 + MIN, ['api']));
    expect(actions(receiver.accepted)).toEqual(['trigger', 'resolve']);
    // A retry of the first failing run arrives now: refused, no new trigger.
    const retry = await a!.record([result('api', Outcome.REFUSED)], runAt(T0, ['api']));
    expect(retry.recorded).toBe(0);
    const retryB = await b!.record([result('api', Outcome.REFUSED)], runAt(T0, ['api']));
    expect(retryB.recorded).toBe(0);
    // A new incident opens later; a late passing retry of an old run does not close it.
    await a!.record([result('api', Outcome.TIMEOUT)], runAt(T0 + 5 * MIN, ['api']));
    await b!.record([result('api', Outcome.TIMEOUT)], runAt(T0 + 5 * MIN, ['api']));
    const old = await a!.record([result('api', Outcome.OK)], runAt(T0 + 2 * MIN, ['api']));
    expect(old.recorded).toBe(0);
    expect(actions(receiver.accepted)).toEqual(['trigger', 'resolve', 'trigger']);
    expect(receiver.accepted[2]!.dedupKey).not.toBe(receiver.accepted[0]!.dedupKey);
  });

  it('claims a scheduled run once', async () => {
    const a = engineFor(dynamo, table, 'a', []);
    const run = { shard: '60s-0', location: 'a', scheduledTime: '2026-12-04T12:00:00Z' };
    const claims = await Promise.all([a.claimRun(run), a.claimRun(run), a.claimRun(run)]);
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(await a.claimRun({ ...run, location: 'b' })).toBe(true);
  });
});

describe('storm guard', () => {
  it('checks failing the same way on one host are one incident naming them all', async () => {
    const [a, b] = ['a', 'b'].map((l) => engineFor(dynamo, table, l, [channel()]));
    const names = ['api-orders', 'api-users', 'ws-chat'];
    const results = names.map((n) => result(n, Outcome.REFUSED, { url: `https://api.example.com/${n}` }));
    await a!.record(results, runAt(T0, names));
    const { notifications } = await b!.record(results, runAt(T0, names));
    expect(actions(notifications)).toEqual(['trigger']);
    expect(notifications[0]!.summary).toMatch(/^3 checks on api\.example\.com: refused .* — fix for refused$/);
    expect(notifications[0]!.checks).toEqual(names);
    expect(notifications[0]!.host).toBe('api.example.com');
  });

  it('a fleet-wide outage (1,000 checks on 10 hosts, 20 shards, 3 locations) pages at most once per host', async () => {
    const engines = ['a', 'b', 'c'].map((l) => engineFor(dynamo, table, l, [channel()]));
    const checks = Array.from({ length: 1000 }, (_, i) => ({ name: `c${i}`, url: `https://host-${i % 10}.example.com/p${i}` }));
    const shards = Array.from({ length: 20 }, (_, s) => checks.filter((_, i) => i % 20 === s));
    const notes: Notification[] = [];
    // Every location runs its shards two at a time (one process holds all 60 runners' clients here).
    await Promise.all(
      engines.map(async (e) => {
        for (let s = 0; s < shards.length; s += 2) {
          await Promise.all(
            shards.slice(s, s + 2).map(async (shard) => {
              const report = await e.record(
                shard.map((c) => result(c.name, Outcome.REFUSED, { url: c.url })),
                runAt(
                  T0,
                  shard.map((c) => c.name),
                ),
              );
              expect(report.errors).toEqual([]);
              notes.push(...report.notifications);
            }),
          );
        }
      }),
    );
    const triggers = notes.filter((n) => n.action === 'trigger');
    expect(triggers.length).toBeLessThanOrEqual(10);
    expect(new Set(triggers.map((n) => n.host)).size).toBe(triggers.length);
    expect(notes.length).toBeLessThanOrEqual(10);
  });
});

describe('monitor incidents', () => {
  it('an `error` result opens a warning monitor incident, never a critical endpoint page', async () => {
    const [a, b] = ['a', 'b'].map((l) => engineFor(dynamo, table, l, [channel()]));
    const r = result('api', Outcome.ERROR, {
      message: 'token unavailable: parameter /synthmon/default not found; check: the monitor configuration',
      fix: 'the monitor configuration',
    });
    await a!.record([r], runAt(T0, ['api']));
    const { notifications } = await b!.record([r], runAt(T0, ['api']));
    expect(notifications).toHaveLength(1);
    expect(notifications[0]).toMatchObject({ action: 'trigger', kind: 'monitor', severity: 'warning', outcome: 'error' });
    expect(notifications[0]!.dedupKey).toContain('/monitor-');
    expect(receiver.accepted.filter((n) => n.severity === 'critical')).toEqual([]);
  });
});

describe('outages', () => {
  it('a store outage loses nothing: the page goes out on the first run after the store returns', async () => {
    const store = await startLocalDynamo({ persistent: true });
    onTestFinished(() => store.close());
    await store.createTable('incidents');
    const [a, b] = ['a', 'b'].map((l) => engineFor(store, 'incidents', l, [channel()]));
    await store.stop();
    const down = await Promise.all([
      a!.record([result('api', Outcome.REFUSED)], runAt(T0, ['api'])),
      b!.record([result('api', Outcome.REFUSED)], runAt(T0, ['api'])),
    ]);
    for (const r of down) {
      expect(r.notifications).toEqual([]);
      expect(r.errors.join(' ')).toMatch(/ECONNREFUSED|connect/i);
    }
    await store.start();
    await a!.record([result('api', Outcome.REFUSED)], runAt(T0 + MIN, ['api']));
    const up = await b!.record([result('api', Outcome.REFUSED)], runAt(T0 + MIN, ['api']));
    expect(actions(up.notifications)).toEqual(['trigger']);
    expect(actions(receiver.accepted)).toEqual(['trigger']);
  });

  it('a page left in the outbox is delivered once when several locations retry it at the same time', async () => {
    const engines = ['a', 'b', 'c'].map((l) => engineFor(dynamo, table, l, [channel()]));
    receiver.status = 503;
    await Promise.all(engines.map((e) => e.record([result('api', Outcome.REFUSED)], runAt(T0, ['api']))));
    expect(receiver.accepted).toEqual([]);
    receiver.status = 202;
    const retries = await Promise.all(engines.map((e) => e.record([result('api', Outcome.REFUSED)], runAt(T0 + MIN, ['api']))));
    expect(retries.flatMap((r) => r.deliveries.filter((d) => d.ok))).toHaveLength(1);
    expect(actions(receiver.accepted)).toEqual(['trigger']);
  });

  it('a channel outage: the page is retried on the next run, failures are counted, and it is delivered once', async () => {
    const [a, b] = ['a', 'b'].map((l) => engineFor(dynamo, table, l, [channel()]));
    receiver.status = 500;
    await a!.record([result('api', Outcome.REFUSED)], runAt(T0, ['api']));
    const failed = await b!.record([result('api', Outcome.REFUSED)], runAt(T0, ['api']));
    expect(actions(failed.notifications)).toEqual(['trigger']);
    expect(failed.failures).toEqual({ receiver: 1 });
    expect(failed.pending).toBe(1);
    expect(receiver.accepted).toEqual([]);
    // Still failing on the next run: counted again, still pending.
    const again = await a!.record([result('api', Outcome.REFUSED)], runAt(T0 + MIN, ['api']));
    expect(again.failures).toEqual({ receiver: 1 });
    expect(again.pending).toBe(1);
    receiver.status = 202;
    const next = await b!.record([result('api', Outcome.REFUSED)], runAt(T0 + MIN, ['api']));
    expect(next.failures).toEqual({});
    expect(next.pending).toBe(0);
    expect(actions(receiver.accepted)).toEqual(['trigger']);
    await a!.record([result('api', Outcome.REFUSED)], runAt(T0 + 2 * MIN, ['api']));
    expect(actions(receiver.accepted)).toEqual(['trigger']);
    expect(receiver.requests).toBe(3);
  });
});
