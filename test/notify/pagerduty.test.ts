/**
 * The PagerDuty channel against a real Events API v2 receiver over HTTPS on loopback
 * (test/support/receivers.ts), which validates every event as PagerDuty documents it.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { makeServerPki, type ServerPki } from '../../demo/certs';
import { createChannels, deliverAll } from '../../lambda/notify';
import { PAGERDUTY_LIMITS } from '../../lambda/notify/pagerduty';
import { TokenError, type TokenStore } from '../../lambda/tokens';
import { Faults, startPagerDutyReceiver, type PagerDutyReceiver } from '../support/receivers';
import { CANARY, eventually, sampleNotification, secretsWith } from './support';

let pki: ServerPki;
let pd: PagerDutyReceiver;
const logged: string[] = [];

beforeAll(async () => {
  pki = makeServerPki();
  pd = await startPagerDutyReceiver({ tls: { cert: pki.server, ca: pki.ca }, routingKeys: [CANARY.routingKey] });
  // Everything the channels might print, to check no secret is ever logged.
  for (const m of ['log', 'info', 'warn', 'error', 'debug'] as const)
    vi.spyOn(console, m).mockImplementation((...args: unknown[]) => void logged.push(args.map(String).join(' ')));
});
afterAll(async () => {
  await pd.close();
  vi.restoreAllMocks();
});
afterEach(() => pd.failAlways(undefined));

const channelFor = (routingKey = 'pagerduty', secrets: TokenStore = secretsWith()) =>
  createChannels({ pagerDuty: { routingKey, url: pd.url }, webhooks: [] }, { secrets, ca: pki.ca });
const deliver = (n = sampleNotification(), ms = 5_000, routingKey?: string, secrets?: TokenStore) =>
  deliverAll(channelFor(routingKey, secrets), n, { deadline: Date.now() + ms });

/** Every Delivery and log line so far, for the canary check. */
const noSecretIn = (deliveries: unknown) => {
  const text = JSON.stringify(deliveries) + logged.join('\n');
  expect(text).not.toContain(CANARY.routingKey);
  expect(text).not.toContain(CANARY.routingKey.slice(6, 20));
};

describe('PagerDuty channel', () => {
  it('triggers an alert with the diagnosis: summary, severity, source, details and links', async () => {
    const n = sampleNotification({ dedupKey: 'synthmon/prod-monitor/fields' });
    const [d] = await deliver(n);
    expect(d).toEqual({ channel: 'pagerDuty', ok: true, retryable: false, attempts: 1, status: 202 });
    const event = pd.events.at(-1)!;
    expect(event).toMatchObject({
      event_action: 'trigger',
      dedup_key: n.dedupKey,
      routing_key: CANARY.routingKey,
      client: 'synthmon',
      client_url: n.links!.dashboard,
    });
    expect(event.payload).toMatchObject({
      summary: n.summary,
      severity: 'critical',
      source: 'eu-west-1, us-east-1',
      timestamp: n.at,
      component: 'api.example.com',
      group: 'prod-monitor',
      class: 'unauthorized (credentials_not_recognized)',
    });
    expect(event.payload!.custom_details).toMatchObject({
      outcome: 'unauthorized',
      cause: 'credentials_not_recognized',
      status: 401,
      message: n.message,
      fix: n.fix,
      locations: n.locations,
      checks: ['orders-api'],
    });
    expect(event.links).toEqual([
      { href: n.links!.dashboard, text: 'Dashboard' },
      { href: n.links!.logs, text: 'Logs' },
    ]);
    noSecretIn(d);
  });

  it('sends a monitor incident as warning', async () => {
    const n = sampleNotification({
      dedupKey: 'synthmon/prod-monitor/monitor',
      severity: 'warning',
      kind: 'monitor',
      outcome: 'error',
      cause: undefined,
      status: undefined,
    });
    const [d] = await deliver(n);
    expect(d!.ok).toBe(true);
    expect(pd.events.at(-1)!.payload).toMatchObject({ severity: 'warning', class: 'error' });
  });

  it('keeps one alert per incident: an update re-triggers the same dedup_key, the resolve closes it', async () => {
    const key = 'synthmon/prod-monitor/lifecycle';
    const before = pd.alerts().length;
    await deliver(sampleNotification({ dedupKey: key }));
    await deliver(
      sampleNotification({ dedupKey: key, action: 'update', outcome: 'forbidden', cause: 'origin_rejected', at: '2026-12-04T16:02:00.000Z' }),
    );
    const [resolved] = await deliver(sampleNotification({ dedupKey: key, action: 'resolve', at: '2026-12-04T16:05:00.000Z' }));
    expect(resolved!.ok).toBe(true);
    const alerts = pd.alerts().filter((a) => a.dedupKey === key);
    expect(pd.alerts().length).toBe(before + 1);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.status).toBe('resolved');
    expect(alerts[0]!.triggers.map((t) => t.payload!.class)).toEqual(['unauthorized (credentials_not_recognized)', 'forbidden (origin_rejected)']);
    expect(pd.events.filter((e) => e.dedup_key === key).at(-1)).toEqual({ routing_key: CANARY.routingKey, event_action: 'resolve', dedup_key: key });
  });

  it('cuts a summary over 1,024 characters to 1,024, keeping the beginning', async () => {
    const long = `orders-api: refused — ${'the proxy is down or not listening; '.repeat(60)}`;
    const [d] = await deliver(sampleNotification({ dedupKey: 'synthmon/prod-monitor/long', summary: long }));
    expect(d!.ok).toBe(true);
    const summary = pd.events.at(-1)!.payload!.summary;
    expect(summary).toHaveLength(PAGERDUTY_LIMITS.summary);
    expect(summary.endsWith('…')).toBe(true);
    expect(long.startsWith(summary.slice(0, -1))).toBe(true);
  });

  it('retries a 429 and succeeds on the next attempt', async () => {
    pd.failNext(Faults.rateLimited());
    const [d] = await deliver(sampleNotification({ dedupKey: 'synthmon/prod-monitor/429' }));
    expect(d).toMatchObject({ ok: true, attempts: 2, status: 202 });
  });

  it('waits out a Retry-After that fits before the deadline', async () => {
    pd.failNext(Faults.rateLimited('1'));
    const count = pd.requests.length;
    const [d] = await deliver(sampleNotification({ dedupKey: 'synthmon/prod-monitor/retry-after' }), 5_000);
    expect(d).toMatchObject({ ok: true, attempts: 2 });
    expect(pd.requests.length - count).toBe(2);
  });

  it('stops at once when Retry-After is past the deadline, and says so (retryable next run)', async () => {
    pd.failNext(Faults.rateLimited('30'));
    const [d] = await deliver(sampleNotification({ dedupKey: 'synthmon/prod-monitor/retry-after-long' }), 3_000);
    expect(d).toMatchObject({ ok: false, retryable: true, attempts: 1, status: 429 });
    expect(d!.error).toMatch(/rate limiting \(HTTP 429\).*Retry-After 30 s is past this run's deadline/);
  });

  it('retries 500s until the deadline and reports a retryable failure before it passes', async () => {
    pd.failAlways(Faults.serverError(503));
    const deadline = Date.now() + 1_500;
    const [d] = await deliverAll(channelFor(), sampleNotification({ dedupKey: 'synthmon/prod-monitor/5xx' }), { deadline });
    expect(Date.now()).toBeLessThanOrEqual(deadline + 100);
    expect(d).toMatchObject({ ok: false, retryable: true, status: 503 });
    expect(d!.attempts).toBeGreaterThanOrEqual(2);
    expect(d!.error).toMatch(/PagerDuty \(https:\/\/127\.0\.0\.1:\d+\) failed \(HTTP 503\)/);
  });

  it('does not retry a 400: an unknown routing key is a configuration problem, said once', async () => {
    const wrong = 'WRONGroutingKEY0123456789abcdefX';
    const count = pd.requests.length;
    const [d] = await deliver(sampleNotification(), 5_000, 'other', secretsWith({ other: wrong }));
    expect(d).toMatchObject({ ok: false, retryable: false, attempts: 1, status: 400 });
    expect(d!.error).toContain('Invalid routing key');
    expect(d!.error).not.toContain(wrong);
    expect(pd.requests.length - count).toBe(1);
  });

  it('holds the deadline against a receiver that never answers, and closes the connection', async () => {
    pd.failAlways(Faults.hang);
    const deadline = Date.now() + 800;
    const [d] = await deliverAll(channelFor(), sampleNotification({ dedupKey: 'synthmon/prod-monitor/hang' }), { deadline });
    expect(Date.now()).toBeLessThanOrEqual(deadline + 100);
    expect(d).toMatchObject({ ok: false, retryable: true });
    expect(d!.error).toMatch(/no answer within \d+ ms/);
    expect(await eventually(() => pd.openSockets() === 0)).toBe(true);
  });

  it('retries a dropped connection', async () => {
    pd.failNext(Faults.close);
    const [d] = await deliver(sampleNotification({ dedupKey: 'synthmon/prod-monitor/close' }));
    expect(d).toMatchObject({ ok: true, attempts: 2 });
    expect(await eventually(() => pd.openSockets() === 0)).toBe(true);
  });

  it('leaves no connection open after a delivery', async () => {
    await deliver(sampleNotification({ dedupKey: 'synthmon/prod-monitor/sockets' }));
    expect(await eventually(() => pd.openSockets() === 0)).toBe(true);
  });

  it('retries a token store that did not answer, and not a token that is missing', async () => {
    let reads = 0;
    const flaky: TokenStore = {
      describe: () => 'flaky',
      tokenFor: async () => {
        reads += 1;
        if (reads === 1) throw new TokenError('TOKEN_STORE_UNAVAILABLE', 'pagerduty', 'token "pagerduty": SSM did not answer (TimeoutError)');
        return CANARY.routingKey;
      },
    };
    const [ok] = await deliver(sampleNotification({ dedupKey: 'synthmon/prod-monitor/flaky-store' }), 5_000, 'pagerduty', flaky);
    expect(ok).toMatchObject({ ok: true, attempts: 2 });
    const [missing] = await deliver(sampleNotification(), 5_000, 'absent');
    expect(missing).toMatchObject({ ok: false, retryable: false, attempts: 1 });
    expect(missing!.error).toContain('no token named "absent"');
  });

  it('says nothing of the routing key anywhere: deliveries, errors, logs', async () => {
    // Make the receiver echo the key back in its refusal, as a careless proxy might.
    pd.failNext({ kind: 'status', status: 403, body: `forbidden for key ${CANARY.routingKey}` });
    const [d] = await deliver(sampleNotification({ dedupKey: 'synthmon/prod-monitor/echo' }));
    expect(d).toMatchObject({ ok: false, retryable: false, status: 403 });
    expect(d!.error).toContain('forbidden for key ***');
    noSecretIn(d);
  });

  it('reports a deadline already past without attempting', async () => {
    const count = pd.requests.length;
    const [d] = await deliverAll(channelFor(), sampleNotification(), { deadline: Date.now() - 1 });
    expect(d).toMatchObject({ ok: false, retryable: true, attempts: 0 });
    expect(pd.requests.length).toBe(count);
  });
});
