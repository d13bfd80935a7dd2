/**
 * The Slack and Teams channels against real receivers over HTTPS on loopback that validate Block Kit
 * and Adaptive Card messages as the services document them. Both webhook URLs are secrets (tokens):
 * no Delivery or log may contain any part of them.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { makeServerPki, type ServerPki } from '../../demo/certs';
import { createChannels, deliverAll } from '../../lambda/notify';
import { TEAMS_MAX_BYTES } from '../../lambda/notify/teams';
import { staticTokenStore } from '../../lambda/tokens';
import { Faults, startSlackReceiver, startTeamsReceiver, type SlackReceiver, type TeamsReceiver } from '../support/receivers';
import { eventually, sampleNotification } from './support';

const SLACK_PATH = '/services/TCANARY01/BCANARY02/CANARYslackSECRET0123456789';
const TEAMS_PATH = '/workflows/CANARYteamsWF77/triggers/manual/paths/invoke?api-version=1&sig=CANARYteamsSIG0123456789';

let pki: ServerPki;
let slack: SlackReceiver;
let teams: TeamsReceiver;
const logged: string[] = [];

beforeAll(async () => {
  pki = makeServerPki();
  const tls = { cert: pki.server, ca: pki.ca };
  [slack, teams] = await Promise.all([startSlackReceiver({ tls, path: SLACK_PATH }), startTeamsReceiver({ tls, path: TEAMS_PATH })]);
  for (const m of ['log', 'info', 'warn', 'error', 'debug'] as const)
    vi.spyOn(console, m).mockImplementation((...args: unknown[]) => void logged.push(args.map(String).join(' ')));
});
afterAll(async () => {
  await Promise.all([slack.close(), teams.close()]);
  vi.restoreAllMocks();
});
afterEach(() => {
  slack.failAlways(undefined);
  teams.failAlways(undefined);
});

const secrets = (slackUrl = slack.url, teamsUrl = teams.url) => staticTokenStore({ 'slack-webhook': slackUrl, 'teams-webhook': teamsUrl });
const deliver = (n = sampleNotification(), store = secrets(), ms = 5_000) =>
  deliverAll(
    createChannels({ webhooks: [], slack: { webhookUrl: 'slack-webhook' }, teams: { webhookUrl: 'teams-webhook' } }, { secrets: store, ca: pki.ca }),
    n,
    { deadline: Date.now() + ms },
  );

/** No part of either URL's secret path in the deliveries or the logs. */
const noUrlIn = (deliveries: unknown) => {
  const text = JSON.stringify(deliveries) + logged.join('\n');
  for (const part of ['CANARY', 'TCANARY01', 'slackSECRET', 'teamsSIG', '/services/', '/workflows/']) expect(text).not.toContain(part);
};

describe('Slack channel', () => {
  it('posts Block Kit with a text fallback: the summary, outcome, locations, fix and links', async () => {
    const n = sampleNotification();
    const deliveries = await deliver(n);
    expect(deliveries.map((d) => d.channel)).toEqual(['slack', 'teams']);
    expect(deliveries[0]).toEqual({ channel: 'slack', ok: true, retryable: false, attempts: 1, status: 200 });
    const message = slack.messages.at(-1)!;
    expect(message.text).toBe(`Incident opened (critical): ${n.summary}`);
    const blocks = JSON.stringify(message.blocks);
    expect(message.blocks![0]).toEqual({ type: 'header', text: { type: 'plain_text', text: 'Incident opened: orders-api', emoji: true } });
    for (const part of [
      'unauthorized (credentials_not_recognized), HTTP 401',
      'eu-west-1: unauthorized',
      '*Fix*',
      'TokenAuthentication',
      n.links!.dashboard!.slice(0, 40),
      n.dedupKey,
    ]) {
      expect(blocks).toContain(part);
    }
    noUrlIn(deliveries);
  });

  it('escapes text from the endpoint, so it cannot mention or link', async () => {
    await deliver(sampleNotification({ message: 'body said <!channel> & <https://evil.example|click>' }));
    const blocks = JSON.stringify(slack.messages.at(-1)!.blocks);
    expect(blocks).toContain('&lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;');
    expect(blocks).not.toContain('<!channel>');
  });

  it("keeps every block within Slack's limits for a group incident with long texts", async () => {
    const checks = Array.from({ length: 40 }, (_, i) => `orders-api-${i}`);
    const [d] = await deliver(
      sampleNotification({ checks, summary: `40 checks on api.example.com: refused — ${'x'.repeat(5000)}`, message: 'y'.repeat(10_000) }),
    );
    expect(d).toMatchObject({ ok: true, status: 200 });
    expect((slack.messages.at(-1)!.blocks![0] as { text: { text: string } }).text.text).toBe('Incident opened: 40 checks on api.example.com');
  });

  it('does not retry a revoked webhook (404 no_service) and never shows its URL', async () => {
    const count = slack.requests.length;
    const revoked = slack.url.replace('CANARYslackSECRET0123456789', 'CANARYrevokedSECRET98765');
    const [d] = await deliver(sampleNotification(), secrets(revoked));
    expect(d).toMatchObject({ channel: 'slack', ok: false, retryable: false, attempts: 1, status: 404 });
    expect(d!.error).toBe('Slack refused the notification (HTTP 404): not found: a configuration problem, not retried (1 attempt)');
    expect(slack.requests.length - count).toBe(1);
    noUrlIn(d);
  });

  it('refuses a webhook URL that is not https, without showing it', async () => {
    const [d] = await deliver(sampleNotification(), secrets('http://hooks.slack.example/services/TCANARY01/BCANARY02/CANARYslackSECRET0123456789'));
    expect(d).toMatchObject({ ok: false, retryable: false, attempts: 1 });
    expect(d!.error).toBe('Slack: the webhook URL in token "slack-webhook" must use https:// (1 attempt)');
    noUrlIn(d);
  });

  it('retries a rate limit and a dropped connection, and closes every connection', async () => {
    slack.failNext(Faults.rateLimited('0'), Faults.close);
    const [d] = await deliver();
    expect(d).toMatchObject({ ok: true, attempts: 3 });
    expect(await eventually(() => slack.openSockets() === 0)).toBe(true);
  });
});

describe('Teams channel', () => {
  it('posts an Adaptive Card in a message attachment that the Workflows trigger accepts', async () => {
    const n = sampleNotification({ action: 'resolve', at: '2026-12-04T16:05:00.000Z' });
    const [, d] = await deliver(n);
    expect(d).toEqual({ channel: 'teams', ok: true, retryable: false, attempts: 1, status: 202 });
    const card = teams.cards.at(-1)! as { version: string; body: Array<Record<string, unknown>>; actions: unknown[] };
    expect(card.version).toBe('1.4');
    expect(card.body[0]).toMatchObject({ type: 'TextBlock', text: 'Resolved: orders-api', color: 'Good' });
    expect(JSON.stringify(card.body)).toContain(n.fix.slice(0, 40));
    expect(card.actions).toEqual([
      { type: 'Action.OpenUrl', title: 'Dashboard', url: n.links!.dashboard },
      { type: 'Action.OpenUrl', title: 'Logs', url: n.links!.logs },
    ]);
    noUrlIn(d);
  });

  it('stays under 20 KB (Teams allows 28) for a huge message', async () => {
    const [, d] = await deliver(sampleNotification({ message: 'z'.repeat(100_000), summary: 's'.repeat(50_000), fix: 'f'.repeat(50_000) }));
    expect(d).toMatchObject({ ok: true, status: 202 });
    expect(Buffer.byteLength(teams.requests.at(-1)!.body)).toBeLessThanOrEqual(TEAMS_MAX_BYTES);
  });

  it('retries a 5xx and never shows the workflow URL or its signature', async () => {
    teams.failNext(Faults.serverError(502));
    const [, d] = await deliver();
    expect(d).toMatchObject({ ok: true, attempts: 2 });
    teams.failAlways(Faults.serverError(500));
    const [, failed] = await deliver(sampleNotification(), secrets(), 1_500);
    expect(failed).toMatchObject({ ok: false, retryable: true, status: 500 });
    noUrlIn(failed);
  });
});
