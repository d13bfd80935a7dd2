/**
 * Every channel at once (deliverAll), against all the receivers: one Delivery per channel in order,
 * channels independent of each other, the deadline shared, no secret in any Delivery or log line,
 * and the injected-fetch transport.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { makeServerPki, type ServerPki } from '../../demo/certs';
import { createChannels, deliverAll, type Channel } from '../../lambda/notify';
import { staticTokenStore } from '../../lambda/tokens';
import { localAwsEnv } from '../support/aws-env';
import {
  Faults,
  startPagerDutyReceiver,
  startSlackReceiver,
  startTeamsReceiver,
  startWebhookReceiver,
  type PagerDutyReceiver,
  type SlackReceiver,
  type TeamsReceiver,
  type WebhookReceiver,
} from '../support/receivers';
import { startSnsEndpoint, type SnsEndpoint } from '../support/sns-endpoint';
import { CANARY, eventually, sampleNotification } from './support';

const MONITOR_TOPIC = 'arn:aws:sns:eu-west-1:123456789012:prod-monitor-alarms';
const CHAT_TOPIC = 'arn:aws:sns:eu-west-1:123456789012:synthmon-chat';
const SLACK_PATH = '/services/TCANARY01/BCANARY02/CANARYslackSECRET0123456789';
const TEAMS_PATH = '/workflows/CANARYteamsWF77/triggers/manual/paths/invoke?api-version=1&sig=CANARYteamsSIG0123456789';

let pki: ServerPki;
let pd: PagerDutyReceiver;
let hook: WebhookReceiver;
let slack: SlackReceiver;
let teams: TeamsReceiver;
let sns: SnsEndpoint;
const saved = { ...process.env };
const logged: string[] = [];

beforeAll(async () => {
  pki = makeServerPki();
  const tls = { cert: pki.server, ca: pki.ca };
  [pd, hook, slack, teams, sns] = await Promise.all([
    startPagerDutyReceiver({ tls, routingKeys: [CANARY.routingKey] }),
    startWebhookReceiver({ tls, secret: CANARY.webhookSecret }),
    startSlackReceiver({ tls, path: SLACK_PATH }),
    startTeamsReceiver({ tls, path: TEAMS_PATH }),
    startSnsEndpoint([MONITOR_TOPIC, CHAT_TOPIC]),
  ]);
  Object.assign(process.env, localAwsEnv(), { AWS_ENDPOINT_URL_SNS: sns.endpoint });
  for (const m of ['log', 'info', 'warn', 'error', 'debug'] as const)
    vi.spyOn(console, m).mockImplementation((...args: unknown[]) => void logged.push(args.map(String).join(' ')));
});
afterAll(async () => {
  process.env = saved;
  vi.restoreAllMocks();
  await Promise.all([pd.close(), hook.close(), slack.close(), teams.close(), sns.close()]);
});

const secrets = () =>
  staticTokenStore({ pagerduty: CANARY.routingKey, hook: CANARY.webhookSecret, 'slack-webhook': slack.url, 'teams-webhook': teams.url });
const all = () =>
  createChannels(
    {
      emails: ['oncall@example.com'],
      pagerDuty: { routingKey: 'pagerduty', url: pd.url },
      webhooks: [{ url: hook.url, secret: 'hook' }],
      slack: { webhookUrl: 'slack-webhook' },
      teams: { webhookUrl: 'teams-webhook' },
      amazonQ: { topicArn: CHAT_TOPIC },
    },
    { secrets: secrets(), ca: pki.ca, topicArn: MONITOR_TOPIC },
  );

const noSecretIn = (what: unknown) => {
  const text = JSON.stringify(what) + logged.join('\n');
  for (const s of [CANARY.routingKey, CANARY.webhookSecret.slice(6, 30), 'CANARY', 'slackSECRET', 'teamsSIG']) expect(text).not.toContain(s);
};

describe('deliverAll', () => {
  it("delivers one notification to every channel and reports each, in the channels' order", async () => {
    const deliveries = await deliverAll(all(), sampleNotification(), { deadline: Date.now() + 5_000 });
    expect(deliveries.map((d) => [d.channel, d.ok])).toEqual([
      ['pagerDuty', true],
      ['webhooks[0]', true],
      ['slack', true],
      ['teams', true],
      ['amazonQ', true],
      ['email', true],
    ]);
    noSecretIn(deliveries);
    expect(await eventually(() => [pd, hook, slack, teams].every((r) => r.openSockets() === 0) && sns.openSockets() === 0)).toBe(true);
  });

  it('keeps channels independent: one down, one misconfigured, the rest delivered, all within the shared deadline', async () => {
    pd.failAlways(Faults.serverError(503));
    teams.failAlways(Faults.hang);
    const store = staticTokenStore({
      pagerduty: CANARY.routingKey,
      hook: CANARY.webhookSecret,
      'slack-webhook': `${slack.url}-revoked`,
      'teams-webhook': teams.url,
    });
    const channels = createChannels(
      {
        pagerDuty: { routingKey: 'pagerduty', url: pd.url },
        webhooks: [{ url: hook.url, secret: 'hook' }],
        slack: { webhookUrl: 'slack-webhook' },
        teams: { webhookUrl: 'teams-webhook' },
      },
      { secrets: store, ca: pki.ca },
    );
    const deadline = Date.now() + 1_500;
    try {
      const deliveries = await deliverAll(channels, sampleNotification(), { deadline });
      expect(Date.now()).toBeLessThanOrEqual(deadline + 150);
      expect(deliveries.map((d) => [d.channel, d.ok, d.retryable])).toEqual([
        ['pagerDuty', false, true],
        ['webhooks[0]', true, false],
        ['slack', false, false],
        ['teams', false, true],
      ]);
      noSecretIn(deliveries);
    } finally {
      pd.failAlways(undefined);
      teams.failAlways(undefined);
    }
    expect(await eventually(() => teams.openSockets() === 0)).toBe(true);
  });

  it('turns a channel that throws into a retryable failure named by the error class only', async () => {
    const broken: Channel = {
      id: 'broken',
      deliver: () => Promise.reject(new TypeError(`leaked ${CANARY.routingKey}`)),
    };
    const [d] = await deliverAll([broken], sampleNotification(), { deadline: Date.now() + 1_000 });
    expect(d).toEqual({ channel: 'broken', ok: false, retryable: true, attempts: 0, error: 'the channel failed unexpectedly (TypeError)' });
  });

  it('sends through an injected fetch, with the same policy and deadline', async () => {
    const plain = await startPagerDutyReceiver({ routingKeys: [CANARY.routingKey] });
    try {
      const channels = createChannels(
        { pagerDuty: { routingKey: 'pagerduty', url: plain.url }, webhooks: [] },
        { secrets: secrets(), fetch: globalThis.fetch },
      );
      plain.failNext(Faults.rateLimited('0'));
      const [ok] = await deliverAll(channels, sampleNotification(), { deadline: Date.now() + 5_000 });
      expect(ok).toMatchObject({ ok: true, attempts: 2, status: 202 });
      plain.failAlways(Faults.hang);
      const [hung] = await deliverAll(channels, sampleNotification(), { deadline: Date.now() + 700 });
      expect(hung).toMatchObject({ ok: false, retryable: true });
      expect(hung!.error).toMatch(/no answer within \d+ ms/);
    } finally {
      await plain.close();
    }
  });
});
