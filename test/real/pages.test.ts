/**
 * The real stack's regressions end in pages (docs/DESIGN.md#incidents): the probe against the real
 * Django + DRF + Channels backend behind nginx (./stack.ts), its results recorded by the incident
 * engine (lambda/incidents/) on dynalite through the real SDK, delivered by the PagerDuty channel to
 * a loopback Events API v2 receiver over HTTPS (test/support/receivers.ts). Each regression pages
 * once with its cause and fix in the summary, and resolves once with the same dedup_key after two
 * passing runs. Run times are spaced 60 s apart on the engine's clock (the runs' `at`), so the test
 * does not wait for real minutes.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeServerPki } from '../../demo/certs';
import { createIncidentEngine, type IncidentEngine } from '../../lambda/incidents';
import { staticTokenStore } from '../../lambda/tokens';
import { startLocalDynamo, type LocalDynamo } from '../support/dynamodb';
import { startPagerDutyReceiver, type PagerDutyReceiver } from '../support/receivers';
import { probeBoth } from './probe';
import { startRealStack, stillRunning, type RealStack } from './stack';

const TABLE = 'synthmon-real-incidents';
const MINUTE = 60_000;

let stack: RealStack;
let dynamo: LocalDynamo;
let pagerDuty: PagerDutyReceiver;
let engine: IncidentEngine;
let at = Math.floor(Date.now() / MINUTE) * MINUTE - 30 * MINUTE;

beforeAll(async () => {
  const pki = makeServerPki();
  const routingKey = randomBytes(16).toString('hex');
  [stack, dynamo, pagerDuty] = await Promise.all([
    startRealStack(),
    startLocalDynamo(),
    startPagerDutyReceiver({ routingKeys: [routingKey], tls: { cert: pki.server, ca: pki.ca } }),
  ]);
  await dynamo.createTable(TABLE);
  engine = createIncidentEngine({
    client: dynamo.client,
    table: TABLE,
    location: 'eu-west-1',
    incidents: {
      monitor: 'SyntheticMonitor',
      locations: ['eu-west-1'],
      quorum: 1,
      resolveAfterRuns: 2,
      notifications: { pagerDuty: { routingKey: 'pagerduty', url: pagerDuty.url } },
    },
    secrets: staticTokenStore({ pagerduty: routingKey }),
    channelDeps: { ca: pki.ca },
    log: () => undefined,
  });
});

afterAll(async () => {
  await Promise.all([stack?.close(), dynamo?.close(), pagerDuty?.close()]);
  const left = stack ? stillRunning(stack.startedPids()) : [];
  if (left.length) throw new Error(`processes still running after the stack closed: ${left.join(', ')}`);
});

/** One run of both checks against the stack as it is now, recorded a minute after the previous one. */
async function run(): Promise<void> {
  const { ws, api } = await probeBoth(stack);
  at += MINUTE;
  const report = await engine.record([ws, api], {
    at,
    intervals: new Map([
      ['chat-websocket', 60],
      ['buyer-orders', 60],
    ]),
    deadline: Date.now() + 20_000,
  });
  expect(report.errors).toEqual([]);
  expect(report.deliveries.every((d) => d.ok)).toBe(true);
}

describe('the real stack pages through the incident pipeline', () => {
  it('origin rejected and token authentication removed each page once with the cause and its fix, and resolve once after recovery', async () => {
    await run();
    expect(pagerDuty.events).toEqual([]);

    await stack.configure({ backend: { allowedHosts: ['localhost'] } });
    await run();
    await stack.reset();
    await run();
    await run();

    await stack.configure({ backend: { authenticationClasses: [] } });
    await run();
    await run();
    await stack.reset();
    await run();
    await run();

    const alerts = pagerDuty.alerts();
    expect(alerts.map((a) => [a.status, a.triggers.length, a.resolves])).toEqual([
      ['resolved', 1, 1],
      ['resolved', 1, 1],
    ]);
    const [origin, token] = alerts.map((a) => a.triggers[0]!);
    expect(origin!.payload).toMatchObject({ severity: 'critical', custom_details: { cause: 'origin_rejected', outcome: 'forbidden', status: 403 } });
    expect(origin!.payload!.summary).toMatch(
      /^chat-websocket: forbidden \(HTTP 403\): origin rejected: .* — ALLOWED_HOSTS \/ the origin validator \(AllowedHostsOriginValidator\)/,
    );
    expect(token!.payload).toMatchObject({
      severity: 'critical',
      custom_details: { cause: 'credentials_not_recognized', outcome: 'forbidden', status: 403 },
    });
    expect(token!.payload!.summary).toMatch(
      /^buyer-orders: forbidden \(HTTP 403\): token sent but not recognized: .* — REST_FRAMEWORK\['DEFAULT_AUTHENTICATION_CLASSES'\] includes TokenAuthentication \(add it\)/,
    );
    expect(origin!.dedup_key).not.toBe(token!.dedup_key);
    // Nothing more than 2 triggers + 2 resolves, and the token appears in none of them.
    expect(pagerDuty.events.map((e) => e.event_action)).toEqual(['trigger', 'resolve', 'trigger', 'resolve']);
    expect(pagerDuty.requests.map((r) => r.body).join('\n')).not.toContain(stack.token);
    expect(pagerDuty.openSockets()).toBe(0);
  }, 240_000);
});
