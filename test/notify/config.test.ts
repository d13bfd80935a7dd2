/**
 * The `notifications` channel keys (contracts/config/notifications.ts): defaults, and one exact
 * message per mistake, secrets named as tokens and never echoed.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../contracts/config';
import { endpointUrlProblem, notificationTokenNames, PAGERDUTY_EVENTS_URL } from '../../contracts/config/notifications';
import { http, problemsOf, withChecks } from '../config/support';

const tokens = { pagerduty: {}, hook: {}, 'slack-webhook': {}, 'teams-webhook': {} };
const withNotifications = (notifications: unknown, t: unknown = tokens) => ({ ...withChecks(http), tokens: t, notifications });

describe('notifications channels config', () => {
  it('accepts every channel, with the PagerDuty endpoint defaulted', () => {
    const cfg = parseConfig(
      withNotifications({
        emails: ['oncall@example.com'],
        pagerDuty: { routingKey: 'pagerduty' },
        webhooks: [{ url: 'https://hooks.example.com/synthmon', secret: 'hook' }],
        slack: { webhookUrl: 'slack-webhook' },
        teams: { webhookUrl: 'teams-webhook' },
        amazonQ: { topicArn: 'arn:aws:sns:eu-west-1:123456789012:synthmon-chat' },
      }),
    );
    expect(cfg.notifications.pagerDuty).toEqual({ routingKey: 'pagerduty', url: PAGERDUTY_EVENTS_URL });
    expect(notificationTokenNames(cfg.notifications)).toEqual(['pagerduty', 'hook', 'slack-webhook', 'teams-webhook']);
  });

  it('defaults to no channel besides the existing email and HTTPS subscriptions', () => {
    const cfg = parseConfig(withChecks(http));
    expect(cfg.notifications).toEqual({ emails: [], httpsEndpoints: [], webhooks: [] });
  });

  it('allows http:// only on loopback (local receivers)', () => {
    expect(endpointUrlProblem('http://127.0.0.1:8080/v2/enqueue')).toBeUndefined();
    expect(endpointUrlProblem('http://localhost:8080/x')).toBeUndefined();
    expect(endpointUrlProblem('http://[::1]:8080/x')).toBeUndefined();
    expect(endpointUrlProblem('https://events.eu.pagerduty.com/v2/enqueue')).toBeUndefined();
  });

  it.each<[string, unknown, string]>([
    [
      'an http:// PagerDuty URL off loopback',
      { pagerDuty: { routingKey: 'pagerduty', url: 'http://events.pagerduty.com/v2/enqueue' } },
      'notifications.pagerDuty.url must use https:// (http:// is allowed only on a loopback address such as 127.0.0.1, not events.pagerduty.com), got "http://events.pagerduty.com/v2/enqueue"',
    ],
    [
      'a routing key pasted instead of a token name',
      { pagerDuty: { routingKey: 'R0123456789ABCDEF0123456789ABCDE' } },
      'notifications.pagerDuty.routingKey must be the name of a token in tokens (1-40 lower-case letters, digits or hyphens), never the secret itself, got "R0123456789ABCDEF0123456789ABCDE"',
    ],
    [
      'a webhook URL with credentials (not echoed)',
      { webhooks: [{ url: 'https://user:pw@hooks.example.com/', secret: 'hook' }] },
      'notifications.webhooks[0].url must not carry credentials in its user info (***@), got "https://***@hooks.example.com/"',
    ],
    [
      'the same webhook twice',
      {
        webhooks: [
          { url: 'https://hooks.example.com/a', secret: 'hook' },
          { url: 'https://hooks.example.com/a', secret: 'hook' },
        ],
      },
      'notifications.webhooks[1].url must be unique (also webhooks[0].url): each webhook would get every notification twice, got "https://hooks.example.com/a"',
    ],
    [
      'a Slack URL where a token name belongs',
      { slack: { webhookUrl: 'https://hooks.slack.com/services/T0/B0/XXXX' } },
      'notifications.slack.webhookUrl must be the name of a token in tokens (1-40 lower-case letters, digits or hyphens), never the secret itself, got "https://hooks.slack.com/services/T0/B0/XXXX"',
    ],
    [
      'a FIFO topic for Amazon Q',
      { amazonQ: { topicArn: 'arn:aws:sns:eu-west-1:123456789012:chat.fifo' } },
      'notifications.amazonQ.topicArn must be a standard topic, not FIFO (a FIFO topic needs a message group id on every publish), got "arn:aws:sns:eu-west-1:123456789012:chat.fifo"',
    ],
    [
      'a topic name for Amazon Q',
      { amazonQ: { topicArn: 'synthmon-chat' } },
      'notifications.amazonQ.topicArn must be an SNS topic ARN such as arn:aws:sns:eu-west-1:123456789012:synthmon-chat, got "synthmon-chat"',
    ],
    [
      'a token that tokens does not define',
      { teams: { webhookUrl: 'teams-hook' } },
      'notifications.teams.webhookUrl names a token that tokens does not define (defined: "pagerduty", "hook", "slack-webhook", "teams-webhook"); add it to tokens with where the secret lives, got "teams-hook"',
    ],
  ])('refuses %s', (_, notifications, message) => {
    expect(problemsOf(withNotifications(notifications))).toEqual([message]);
  });
});

describe('token names in notifications', () => {
  // contracts/config/notifications.ts repeats the token-name rule of tokens (it cannot import
  // contracts/config.ts, which imports it): the two must accept exactly the same names.
  it.each(['a', 'pagerduty', 'api-1', 'a'.repeat(40), 'a'.repeat(41), 'A', '-a', 'a-', 'a_b', 'a.b', ''])(
    'accepts %j exactly when tokens does',
    (name) => {
      const raw = withNotifications({ pagerDuty: { routingKey: name } }, { [name]: {} });
      let problems: readonly string[] = [];
      try {
        parseConfig(raw);
      } catch (err) {
        problems = (err as { problems: readonly string[] }).problems;
      }
      const tokensRefused = problems.some((p) => p.startsWith('tokens'));
      const channelRefused = problems.some((p) => p.startsWith('notifications.pagerDuty.routingKey'));
      expect(channelRefused).toBe(tokensRefused);
    },
  );
});
