/**
 * The Standard Webhooks channel against a real verifying receiver over HTTPS on loopback
 * (test/support/receivers.ts): signatures checked as the spec's reference library checks them.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeServerPki, type ServerPki } from '../../demo/certs';
import { createChannels, deliverAll } from '../../lambda/notify';
import { webhookId, webhookKey, webhookSignature } from '../../lambda/notify/webhook';
import { Faults, startWebhookReceiver, webhookVerificationProblem, type WebhookReceiver } from '../support/receivers';
import { CANARY, eventually, sampleNotification, secretsWith } from './support';

let pki: ServerPki;
let hook: WebhookReceiver;

beforeAll(async () => {
  pki = makeServerPki();
  hook = await startWebhookReceiver({ tls: { cert: pki.server, ca: pki.ca }, secret: CANARY.webhookSecret });
});
afterAll(() => hook.close());
afterEach(() => hook.failAlways(undefined));

const deliver = (n = sampleNotification(), secrets = secretsWith(), url = hook.url) =>
  deliverAll(createChannels({ webhooks: [{ url, secret: 'hook' }] }, { secrets, ca: pki.ca }), n, { deadline: Date.now() + 5_000 });

describe('Standard Webhooks signing', () => {
  it('signs as the reference library does (its published test vector)', () => {
    // standard-webhooks libraries/javascript/src/webhook.test.ts, "sign function works".
    const key = webhookKey('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
    expect('key' in key).toBe(true);
    expect(webhookSignature((key as { key: Buffer }).key, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}')).toBe(
      'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    );
  });

  it('gives one notification one id (no dot), and the next event of the incident another', () => {
    const n = sampleNotification();
    expect(webhookId(n)).toBe(webhookId({ ...n }));
    expect(webhookId(n)).toMatch(/^msg_[A-Za-z0-9_-]{32}$/);
    expect(webhookId({ ...n, action: 'update', at: '2026-12-04T16:02:00.000Z' })).not.toBe(webhookId(n));
    expect(webhookId({ ...n, action: 'resolve' })).not.toBe(webhookId(n));
  });

  it.each([
    ['not base64', 'whsec_not*base64!'],
    ['too short (under 24 bytes)', `whsec_${Buffer.alloc(16, 7).toString('base64')}`],
    ['too long (over 64 bytes)', `whsec_${Buffer.alloc(65, 7).toString('base64')}`],
  ])('refuses a signing secret that is %s, without echoing it', (_, secret) => {
    const result = webhookKey(secret);
    expect('problem' in result).toBe(true);
    expect((result as { problem: string }).problem).not.toContain(secret.slice(6, 12));
  });
});

describe('webhook channel', () => {
  it('delivers a signed JSON body with the notification that the receiver verifies', async () => {
    const n = sampleNotification({ dedupKey: 'synthmon/prod-monitor/hook-fields' });
    const [d] = await deliver(n);
    expect(d).toEqual({ channel: 'webhooks[0]', ok: true, retryable: false, attempts: 1, status: 204 });
    const got = hook.verified.at(-1)!;
    expect(got.id).toBe(webhookId(n));
    expect(got.payload.type).toBe('incident.triggered');
    expect(got.payload.timestamp).toBe(n.at);
    expect(got.payload.data).toMatchObject({
      dedupKey: n.dedupKey,
      severity: 'critical',
      outcome: 'unauthorized',
      cause: 'credentials_not_recognized',
      status: 401,
      message: n.message,
      fix: n.fix,
      locations: n.locations,
      summary: n.summary,
      links: n.links,
    });
    expect(Math.abs(got.timestamp - Date.now() / 1000)).toBeLessThan(60);
  });

  it('keeps the webhook id across retries and redeliveries, so the receiver processes it once', async () => {
    const n = sampleNotification({ dedupKey: 'synthmon/prod-monitor/hook-retry' });
    hook.failNext(Faults.serverError(502));
    const [first] = await deliver(n);
    expect(first).toMatchObject({ ok: true, attempts: 2 });
    const [again] = await deliver(n);
    expect(again!.ok).toBe(true);
    const forThis = hook.requests.filter((r) => r.headers['webhook-id'] === webhookId(n));
    expect(forThis).toHaveLength(3);
    expect(hook.verified.filter((v) => v.id === webhookId(n))).toHaveLength(2);
    expect(hook.ids().filter((id) => id === webhookId(n))).toHaveLength(1);
  });

  it('sends the update and the resolve as their own events', async () => {
    const key = 'synthmon/prod-monitor/hook-life';
    await deliver(sampleNotification({ dedupKey: key }));
    await deliver(sampleNotification({ dedupKey: key, action: 'update', at: '2026-12-04T16:02:00.000Z' }));
    await deliver(sampleNotification({ dedupKey: key, action: 'resolve', at: '2026-12-04T16:05:00.000Z' }));
    expect(hook.verified.filter((v) => v.payload.data.dedupKey === key).map((v) => v.payload.type)).toEqual([
      'incident.triggered',
      'incident.updated',
      'incident.resolved',
    ]);
  });

  it('does not retry a receiver that refuses the signature (a wrong secret is configuration)', async () => {
    const other = `whsec_${Buffer.from('another-secret-of-thirty-two-byt').toString('base64')}`;
    const count = hook.requests.length;
    const [d] = await deliver(sampleNotification(), secretsWith({ hook: other }));
    expect(d).toMatchObject({ ok: false, retryable: false, attempts: 1, status: 401 });
    expect(d!.error).toContain('No matching signature found');
    expect(hook.requests.length - count).toBe(1);
    expect(JSON.stringify(d)).not.toContain(other.slice(6));
  });

  it('refuses a malformed signing secret before sending, naming the token and not the value', async () => {
    const count = hook.requests.length;
    const bad = 'CANARY-plain-password-not-base64!';
    const [d] = await deliver(sampleNotification(), secretsWith({ hook: bad }));
    expect(d).toMatchObject({ ok: false, retryable: false, attempts: 1 });
    expect(d!.error).toMatch(/signing secret must be "whsec_" followed by base64.*token "hook"/);
    expect(d!.error).not.toContain('CANARY');
    expect(hook.requests.length).toBe(count);
  });

  it("names the receiver by its origin only (a path or query may hold the receiver's own token)", async () => {
    const url = `${hook.url.replace('/hooks/synthmon', '/hooks/other')}?token=CANARY-receiver-token`;
    const [d] = await deliver(sampleNotification(), secretsWith(), url);
    expect(d).toMatchObject({ ok: false, retryable: false, status: 404 });
    expect(d!.error).toMatch(/^webhooks\[0\] \(https:\/\/127\.0\.0\.1:\d+\) refused/);
    expect(d!.error).not.toContain('CANARY');
  });

  it('never says the signing secret and leaves no connection open', async () => {
    const deliveries = await deliver(sampleNotification({ dedupKey: 'synthmon/prod-monitor/hook-canary' }));
    expect(JSON.stringify(deliveries)).not.toContain(CANARY.webhookSecret.slice(6, 30));
    expect(await eventually(() => hook.openSockets() === 0)).toBe(true);
  });

  it('verifies as the spec says: a stale timestamp or a tampered body fails', () => {
    const r = hook.verified.at(-1)!;
    const headers = hook.requests.filter((q) => q.headers['webhook-id'] === r.id).at(-1)!.headers;
    const now = Math.floor(Date.now() / 1000);
    expect(webhookVerificationProblem(headers, r.body, CANARY.webhookSecret, now)).toBeUndefined();
    expect(webhookVerificationProblem(headers, `${r.body} `, CANARY.webhookSecret, now)).toBe('No matching signature found');
    expect(webhookVerificationProblem(headers, r.body, CANARY.webhookSecret, now + 3600)).toBe('Message timestamp too old');
  });
});
