/**
 * The SNS channels (email on the monitor's topic, Amazon Q Developer on its own) with the real AWS
 * SDK against a local SNS endpoint that validates Publish as the API reference documents it. An AWS
 * account cannot exist here, so the endpoint stands in for SNS (test/support/sns-endpoint.ts).
 */
import { SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChannels, deliverAll } from '../../lambda/notify';
import { emailSubject, SNS_ATTRIBUTES } from '../../lambda/notify/sns';
import { staticTokenStore } from '../../lambda/tokens';
import { localAwsEnv } from '../support/aws-env';
import { SnsFaults, startSnsEndpoint, type SnsEndpoint } from '../support/sns-endpoint';
import { eventually, sampleNotification } from './support';

const MONITOR_TOPIC = 'arn:aws:sns:eu-west-1:123456789012:prod-monitor-alarms';
const CHAT_TOPIC = 'arn:aws:sns:eu-west-1:123456789012:synthmon-chat';

interface AmazonQEvent {
  readonly content: { readonly title: string; readonly description: string; readonly nextSteps: string[]; readonly keywords: string[] };
  readonly metadata: { readonly eventType: string; readonly threadId: string };
}

let sns: SnsEndpoint;
const saved = { ...process.env };

beforeAll(async () => {
  sns = await startSnsEndpoint([MONITOR_TOPIC, CHAT_TOPIC]);
  // The channels' own client (no deps.sns) finds the local endpoint through the SDK's standard configuration.
  Object.assign(process.env, localAwsEnv(), { AWS_ENDPOINT_URL_SNS: sns.endpoint });
});
afterAll(async () => {
  process.env = saved;
  await sns.close();
});

/** `topicArn` null: the runner was given no monitor topic. */
const channels = (topicArn: string | null = MONITOR_TOPIC, amazonQ = CHAT_TOPIC, sdk?: SNSClient) =>
  createChannels(
    { webhooks: [], emails: ['oncall@example.com'], amazonQ: { topicArn: amazonQ } },
    { secrets: staticTokenStore({}), ...(topicArn ? { topicArn } : {}), ...(sdk ? { sns: sdk } : {}) },
  );
const deliver = (n = sampleNotification(), ms = 5_000, topicArn?: string, amazonQ?: string) =>
  deliverAll(channels(topicArn, amazonQ), n, { deadline: Date.now() + ms });

describe('email over SNS', () => {
  it('publishes a plain-text page with a short subject to the monitor topic, and the notification JSON to other protocols', async () => {
    const n = sampleNotification();
    const deliveries = await deliver(n);
    expect(deliveries.map((d) => d.channel)).toEqual(['amazonQ', 'email']);
    expect(deliveries[1]).toEqual({ channel: 'email', ok: true, retryable: false, attempts: 1 });
    const published = sns.published.filter((p) => p.topicArn === MONITOR_TOPIC).at(-1)!;
    expect(published.subject).toBe('[synthmon] Incident opened: orders-api unauthorized (credentials_not_recognized)');
    const text = published.as('email');
    expect(text.split('\n')[0]).toBe(`Incident opened (critical): ${n.summary}`);
    for (const part of [
      `What happened: ${n.message}`,
      `Fix: ${n.fix}`,
      'eu-west-1: unauthorized (credentials_not_recognized), HTTP 401',
      `Dashboard: ${n.links!.dashboard}`,
    ])
      expect(text).toContain(part);
    expect(JSON.parse(published.as('https'))).toMatchObject({ type: 'incident.triggered', data: { dedupKey: n.dedupKey, fix: n.fix } });
    expect(published.attributes).toEqual({
      [SNS_ATTRIBUTES.action]: 'trigger',
      [SNS_ATTRIBUTES.severity]: 'critical',
      [SNS_ATTRIBUTES.monitor]: 'prod-monitor',
    });
  });

  it('keeps the subject under 100 characters and on one line', async () => {
    const n = sampleNotification({
      checks: ['a'.repeat(40)],
      cause: undefined,
      outcome: 'server_error',
      host: 'x'.repeat(200),
      summary: 'line one\nline two',
    });
    expect(emailSubject(n).length).toBeLessThan(100);
    const group = sampleNotification({ checks: ['a', 'b', 'c'], host: `${'h'.repeat(120)}.example.com` });
    const subject = emailSubject(group);
    expect(subject.length).toBeLessThan(100);
    expect(subject).not.toMatch(/[\r\n]/);
    const [, d] = await deliver(group);
    expect(d!.ok).toBe(true);
  });

  it('says once that there is no topic when the runner was given none', async () => {
    const [, d] = await deliverAll(channels(null), sampleNotification(), { deadline: Date.now() + 5_000 });
    expect(d).toEqual({
      channel: 'email',
      ok: false,
      retryable: false,
      attempts: 1,
      error: 'email (SNS): no SNS topic to publish to (the runner was given no topic ARN) (1 attempt)',
    });
  });

  it('retries throttling and 5xx, and does not retry an authorization error', async () => {
    sns.failNext(SnsFaults.throttled, SnsFaults.throttled, SnsFaults.internal);
    const retried = await deliver();
    expect(retried.reduce((sum, d) => sum + d.attempts, 0)).toBe(5);
    expect(retried.every((d) => d.ok)).toBe(true);
    sns.failNext(SnsFaults.authorization, SnsFaults.authorization);
    const denied = await deliver();
    for (const d of denied) {
      expect(d).toMatchObject({ ok: false, retryable: false, attempts: 1, status: 403 });
      expect(d.error).toContain('AuthorizationError');
    }
  });

  it('does not retry a topic that does not exist', async () => {
    const [, d] = await deliver(sampleNotification(), 5_000, 'arn:aws:sns:eu-west-1:123456789012:gone');
    expect(d).toMatchObject({ ok: false, retryable: false, attempts: 1, status: 404 });
  });

  it('holds the deadline against an endpoint that never answers, and leaves no socket open', async () => {
    sns.failAlways(SnsFaults.hang);
    const deadline = Date.now() + 1_000;
    const deliveries = await deliverAll(channels(), sampleNotification(), { deadline }).finally(() => sns.failAlways(undefined));
    expect(Date.now()).toBeLessThanOrEqual(deadline + 150);
    for (const d of deliveries) expect(d).toMatchObject({ ok: false, retryable: true });
    expect(deliveries[0]!.error).toMatch(/no answer within \d+ ms/);
    expect(await eventually(() => sns.openSockets() === 0)).toBe(true);
  });

  it("cuts a message that would pass SNS's 256 KB", async () => {
    const [, d] = await deliver(sampleNotification({ message: 'm'.repeat(300_000), evidence: { body: 'e'.repeat(50_000) } }));
    expect(d).toMatchObject({ ok: true });
    expect(Buffer.byteLength(sns.published.at(-1)!.message)).toBeLessThanOrEqual(262_144);
  });
});

describe('Amazon Q Developer over SNS', () => {
  it('publishes a custom notification (version 1.0, source custom, client-markdown) threaded by the incident', async () => {
    const key = 'synthmon/prod-monitor/chat-thread';
    await deliver(sampleNotification({ dedupKey: key }));
    await deliver(sampleNotification({ dedupKey: key, action: 'resolve', at: '2026-12-04T16:05:00.000Z' }));
    const events = sns.published
      .filter((p) => p.topicArn === CHAT_TOPIC)
      .slice(-2)
      .map((p) => JSON.parse(p.message) as AmazonQEvent);
    for (const e of events) {
      expect(e).toMatchObject({ version: '1.0', source: 'custom', content: { textType: 'client-markdown' }, metadata: { threadId: key } });
      expect(e.content.description).toContain('What happened');
    }
    expect(events.map((e) => e.metadata.eventType)).toEqual(['incident.triggered', 'incident.resolved']);
    expect(events[0]!.content.title).toBe(':rotating_light: Incident opened: orders-api unauthorized (credentials_not_recognized)');
    expect(events[0]!.content.nextSteps[0]).toMatch(/^add rest_framework\.authentication\.TokenAuthentication/);
    expect(events[0]!.content.keywords).toEqual(['critical', 'unauthorized', 'credentials_not_recognized', 'prod-monitor']);
  });

  it('publishes with a client the caller gives', async () => {
    const sdk = new SNSClient({
      endpoint: sns.endpoint,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local' },
    });
    try {
      const count = sns.published.length;
      const deliveries = await deliverAll(channels(MONITOR_TOPIC, CHAT_TOPIC, sdk), sampleNotification(), { deadline: Date.now() + 5_000 });
      expect(deliveries.every((d) => d.ok)).toBe(true);
      expect(sns.published.length - count).toBe(2);
    } finally {
      sdk.destroy();
    }
  });
});
