/**
 * The incident pipeline in the demo (docs/DESIGN.md#the-embedded-default): the runner's incident
 * engine (lambda/incidents/) on a local DynamoDB — dynalite in this process on 127.0.0.1, through the
 * real AWS SDK — delivering through the real PagerDuty channel (lambda/notify/) to a local Events
 * API v2 endpoint (demo/pagerduty.ts). One location, quorum 1. Each tick's results of every shard are
 * recorded in one call, in tick order: deployed, the shards record concurrently and the engine's
 * conditional writes give the same incidents, but the demo's story should not depend on a race.
 *
 * Maintenance windows: the deployed engine reads them from the fleet file and holds a transition's
 * page itself (lambda/incidents/decide.ts; docs/DESIGN.md#maintenance-windows). The demo does not
 * give the engine its windows: it holds a window's pages back at the channel (not sent, counted as
 * muted), which drops them rather than deferring them, so the engine's page at the window's end if
 * the incident is still open is not shown here (the demo's planned incident recovers inside its window).
 */
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { MonitorConfig } from '../contracts/config';
import { openingAt } from '../contracts/config/maintenance';
import type { Notification } from '../contracts/notification';
import type { CheckResult } from '../contracts/result';
import { IncidentEngine } from '../lambda/incidents/engine';
import { createStoreClient, IncidentStore, loadDynamoSdk } from '../lambda/incidents/store';
import { createChannels, type Channel } from '../lambda/notify';
import { staticTokenStore } from '../lambda/tokens';
import { DEFAULT_LOCATION } from '../lib/alarms/definitions';
import type { ActedTransition } from '../lib/muting';
import { demoBackstop, type BackstopPage, type BackstopSetup, type DemoBackstop } from './backstop';
import { makeServerPki } from './certs';
import { startDemoPagerDuty, type ReceivedPagerDutyEvent } from './pagerduty';

/** One notification of the pipeline, as the demo shows it. */
export interface PipelinePage {
  readonly notification: Notification;
  /** The event the PagerDuty endpoint accepted for it (absent when muted or refused). */
  readonly received?: ReceivedPagerDutyEvent;
  /** The maintenance window (index in config.maintenance) that held it back, and when it closes. */
  readonly mutedBy?: number;
  readonly mutedUntilMs?: number;
  /** When the run that sent it ended (simulated): the tick's time plus the run's measured duration. */
  readonly atMs: number;
}

/**
 * Where the incident pipeline plugs into the walk: called after each simulated minute with each
 * tick's results (every shard's), in tick order; it returns what the channels were sent.
 */
export interface IncidentPager {
  /** One line for the demo's header: what pages and where to. */
  readonly description: string;
  onTick(results: readonly CheckResult[], atMs: number, config: MonitorConfig): Promise<readonly PipelinePage[]>;
  /**
   * The minute's alarm transitions, through the backstop notifier's real `handle()` on the same table
   * and channel (demo/backstop.ts); returns what it did with each one the rule forwards.
   */
  onAlarms(transitions: readonly ActedTransition[], setup: BackstopSetup): Promise<readonly BackstopDemoPage[]>;
  close(): Promise<void>;
}

/** A backstop notification, and the event the PagerDuty endpoint accepted for it. */
export interface BackstopDemoPage extends BackstopPage {
  readonly received?: ReceivedPagerDutyEvent;
}

/** The demo's table, routing key token name and monitor name. */
const TABLE = 'synthmon-demo-incidents';
const ROUTING_KEY_TOKEN = 'pagerduty';
const MONITOR = 'SyntheticMonitor';
/** The engine's budget per run, as the runner's (lambda/runner.ts INCIDENT_BUDGET_MS). */
const BUDGET_MS = 20_000;

/**
 * Start the pipeline, or say why it cannot run: dynalite is a devDependency, present after `npm ci`
 * in a clone, absent from an installed package (the demo then shows the alarms' notifications).
 */
export async function startDemoPipeline(): Promise<IncidentPager | { readonly unavailable: string }> {
  let dynalite: (options: Record<string, unknown>) => Server;
  try {
    dynalite = (await import('dynalite')).default as unknown as typeof dynalite;
  } catch {
    return { unavailable: 'dynalite (a devDependency, for a local DynamoDB) is not installed: run the demo from a clone after npm ci' };
  }
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const stopDynamo = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  let client: DynamoDBClient | undefined;
  let receiver: Awaited<ReturnType<typeof startDemoPagerDuty>> | undefined;
  try {
    // Dummy credentials: dynalite does not verify signatures, and no request leaves 127.0.0.1.
    client = await createStoreClient({
      endpoint,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKIDSYNTHMONDEMO', secretAccessKey: 'synthmon-demo-local' },
    });
    const { CreateTableCommand } = await loadDynamoSdk();
    await client.send(
      new CreateTableCommand({
        TableName: TABLE,
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    const pki = makeServerPki();
    const routingKey = randomBytes(16).toString('hex');
    receiver = await startDemoPagerDuty({ cert: pki.server, routingKey });
    return pager({ client, endpoint, receiver, ca: pki.ca, routingKey, close: stopDynamo });
  } catch (err) {
    client?.destroy();
    await receiver?.close();
    await stopDynamo();
    throw err;
  }
}

function pager(o: {
  client: DynamoDBClient;
  endpoint: string;
  receiver: Awaited<ReturnType<typeof startDemoPagerDuty>>;
  ca: string;
  routingKey: string;
  close: () => Promise<void>;
}): IncidentPager {
  let engine: IncidentEngine | undefined;
  let backstop: DemoBackstop | undefined;
  const muted = new Map<string, { index: number; endsMs: number }>();
  const key = (n: Notification) => `${n.action} ${n.dedupKey} ${n.at}`;
  const build = (config: MonitorConfig): IncidentEngine => {
    const channels = createChannels(
      { pagerDuty: { routingKey: ROUTING_KEY_TOKEN, url: o.receiver.url } },
      { secrets: staticTokenStore({ [ROUTING_KEY_TOKEN]: o.routingKey }), ca: o.ca },
    );
    return new IncidentEngine({
      store: new IncidentStore(o.client, TABLE),
      monitor: MONITOR,
      location: DEFAULT_LOCATION,
      quorum: 1,
      resolveAfterRuns: config.incidents.resolveAfterRuns,
      channels: channels.map((c) => muting(c, config, (n, w) => muted.set(key(n), w))),
      log: () => undefined,
    });
  };
  return {
    description: `the runner's incident engine on a local DynamoDB (dynalite at ${o.endpoint}), paging a local PagerDuty Events API v2 (${o.receiver.url}); 1 location, quorum 1`,
    async onTick(results, atMs, config) {
      engine ??= build(config);
      const seen = o.receiver.events.length;
      const report = await engine.record(results, {
        at: atMs,
        intervals: new Map(config.checks.map((c) => [c.name, c.intervalSeconds])),
        deadline: Date.now() + BUDGET_MS,
      });
      if (report.errors.length) throw new Error(`the demo's incident engine failed: ${report.errors.join('; ')}`);
      const fresh = o.receiver.events.slice(seen);
      const ran = Math.max(0, ...results.map((r) => r.timings.totalMs));
      return report.notifications.map((n): PipelinePage => {
        const w = muted.get(key(n));
        const received = fresh.find((e) => e.dedup_key === n.dedupKey && (e.event_action === 'resolve') === (n.action === 'resolve'));
        return { notification: n, atMs: atMs + ran, ...(received ? { received } : {}), ...(w ? { mutedBy: w.index, mutedUntilMs: w.endsMs } : {}) };
      });
    },
    async onAlarms(transitions, setup) {
      // The notifier's channels are the runner's, unwrapped: it holds a window's alarms itself.
      backstop ??= demoBackstop({
        ...setup,
        monitor: MONITOR,
        store: new IncidentStore(o.client, TABLE),
        channels: createChannels(
          { pagerDuty: { routingKey: ROUTING_KEY_TOKEN, url: o.receiver.url } },
          { secrets: staticTokenStore({ [ROUTING_KEY_TOKEN]: o.routingKey }), ca: o.ca },
        ),
      });
      const seen = o.receiver.events.length;
      const pages = await backstop.onTransitions(transitions);
      const fresh = o.receiver.events.slice(seen);
      return pages.map((p): BackstopDemoPage => {
        const n = p.notification;
        const received = n && fresh.find((e) => e.dedup_key === n.dedupKey && (e.event_action === 'resolve') === (n.action === 'resolve'));
        return { ...p, ...(received ? { received } : {}) };
      });
    },
    async close() {
      o.client.destroy();
      await o.receiver.close();
      await o.close();
      // The servers' handles are released on the loop's next turn: the caller finds nothing left open.
      await new Promise<void>((resolve) => setImmediate(resolve));
    },
  };
}

/** The channel, held back inside a maintenance window that covers every check of the notification. */
function muting(channel: Channel, config: MonitorConfig, onMuted: (n: Notification, w: { index: number; endsMs: number }) => void): Channel {
  return {
    id: channel.id,
    async deliver(n, opts) {
      for (const [index, window] of (config.maintenance ?? []).entries()) {
        const open = openingAt(window, Date.parse(n.at));
        if (open && (!window.checks || n.checks.every((c) => window.checks!.includes(c)))) {
          onMuted(n, { index, endsMs: open.endsMs });
          return { channel: channel.id, ok: true, retryable: false, attempts: 0 };
        }
      }
      return channel.deliver(n, opts);
    },
  };
}
