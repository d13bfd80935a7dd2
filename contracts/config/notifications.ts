/**
 * The notification channels of the incident pipeline (`notifications` in the configuration, beside
 * `emails` and `httpsEndpoints`): PagerDuty Events API v2, signed webhooks, Slack, Microsoft Teams
 * and Amazon Q Developer. Every secret — the routing key, the signing secret, the Slack and Teams
 * webhook URLs — is the NAME of a token in `tokens` (read from its store at delivery time), never a
 * value here. See docs/DESIGN.md#notification-channels.
 *
 * This file imports nothing from contracts/config.ts (which imports it), so the token-name rule is
 * repeated here; a test keeps the two in step.
 */
import { z } from 'zod';

/** PagerDuty's public Events API v2 endpoint (https://developer.pagerduty.com/docs/events-api-v2/trigger-events/). */
export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

/** Same rule as token keys in contracts/config.ts (NAME_RE). */
const TOKEN_NAME_RE = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/;
const TOKEN_NAME_ERROR = 'must be the name of a token in tokens (1-40 lower-case letters, digits or hyphens), never the secret itself';

/**
 * An SNS topic ARN. Topic names: "Up to 256 characters. Alphanumeric characters, hyphens (-) and
 * underscores (_) are allowed." (https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html)
 */
const TOPIC_ARN_RE = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;

// The URL rule lives in a module without zod, so the runner's bundle (the channels use it) stays small.
import { endpointUrlProblem, isLoopbackHost } from './endpoints';
export { endpointUrlProblem, isLoopbackHost };

const tokenName = z.string({ error: TOKEN_NAME_ERROR }).regex(TOKEN_NAME_RE, { error: TOKEN_NAME_ERROR });

const endpointUrl = z.string({ error: 'must be an https:// URL' }).superRefine((value, ctx) => {
  const message = endpointUrlProblem(value);
  // The received value is shown without its user info: that part may be a credential.
  if (message) ctx.addIssue({ code: 'custom', message, input: value.replace(/\/\/[^/@]*@/, '//***@') });
});

export const PagerDutySchema = z
  .object(
    {
      /** Token holding the Events API v2 integration key (`routing_key`). */
      routingKey: tokenName,
      /** Events API endpoint; `http://` only on loopback (tests). @default PAGERDUTY_EVENTS_URL */
      url: endpointUrl.default(PAGERDUTY_EVENTS_URL),
    },
    { error: 'must be an object such as {"routingKey": "pagerduty"} (the name of the token holding the integration key)' },
  )
  .strict();

export const WebhookSchema = z
  .object(
    {
      /** Where the signed JSON is POSTed. */
      url: endpointUrl,
      /** Token holding the Standard Webhooks signing secret (`whsec_` + base64). */
      secret: tokenName,
    },
    { error: 'must be an object such as {"url": "https://hooks.example.com/synthmon", "secret": "webhook-secret"}' },
  )
  .strict();

const webhooksSchema = z.array(WebhookSchema, { error: 'must be a list of {"url", "secret"} objects' }).superRefine(
  (hooks, ctx) => {
    if (!Array.isArray(hooks)) return;
    const first = new Map<string, number>();
    hooks.forEach((h: unknown, i) => {
      const url = (h as { url?: unknown } | undefined)?.url;
      if (typeof url !== 'string' || endpointUrlProblem(url)) return;
      const key = new URL(url).href;
      const at = first.get(key);
      if (at === undefined) first.set(key, i);
      else
        ctx.addIssue({
          code: 'custom',
          path: [i, 'url'],
          message: `must be unique (also webhooks[${at}].url): each webhook would get every notification twice`,
          input: url,
        });
    });
  },
  { when: () => true },
);

/** A channel whose whole address is a secret: the webhook URL lives in the token store. */
const secretUrlChannel = (service: string, example: string) =>
  z
    .object(
      {
        /** Token holding the webhook URL (the URL is the credential). */
        webhookUrl: tokenName,
      },
      { error: `must be an object such as {"webhookUrl": "${example}"} (the name of the token holding the ${service} webhook URL)` },
    )
    .strict();

export const SlackSchema = secretUrlChannel('Slack incoming', 'slack-webhook');
export const TeamsSchema = secretUrlChannel('Teams Workflows', 'teams-webhook');

export const AmazonQSchema = z
  .object(
    {
      /**
       * The SNS topic an Amazon Q Developer in chat applications channel configuration subscribes
       * to. Its own topic, not the monitor's: every message on it is a custom notification.
       */
      topicArn: z.string({ error: 'must be an SNS topic ARN such as arn:aws:sns:eu-west-1:123456789012:synthmon-chat' }).superRefine((value, ctx) => {
        const message = !TOPIC_ARN_RE.test(value)
          ? 'must be an SNS topic ARN such as arn:aws:sns:eu-west-1:123456789012:synthmon-chat'
          : value.endsWith('.fifo')
            ? 'must be a standard topic, not FIFO (a FIFO topic needs a message group id on every publish)'
            : undefined;
        if (message) ctx.addIssue({ code: 'custom', message, input: value });
      }),
    },
    { error: 'must be an object such as {"topicArn": "arn:aws:sns:eu-west-1:123456789012:synthmon-chat"}' },
  )
  .strict();

/**
 * The channel fields of `notifications`, spread into its schema in contracts/config.ts. Email is not
 * here: the addresses in `emails` and the URLs in `httpsEndpoints` subscribe to the monitor's topic,
 * and the email channel publishes there whenever either list is not empty.
 */
export const NOTIFICATION_CHANNEL_FIELDS = {
  /** PagerDuty Events API v2 (MUST, docs/DESIGN.md#notification-channels). */
  pagerDuty: PagerDutySchema.optional(),
  /** Standard Webhooks receivers. @default [] */
  webhooks: webhooksSchema.default([]),
  /** Slack incoming webhook (Block Kit with a text fallback). */
  slack: SlackSchema.optional(),
  /** Microsoft Teams Workflows webhook (Adaptive Card). */
  teams: TeamsSchema.optional(),
  /** Amazon Q Developer in chat applications custom notifications over SNS. */
  amazonQ: AmazonQSchema.optional(),
} as const;

/** What the channels read of `notifications` (the parsed configuration's `notifications` is one). */
export type NotificationsConfig = z.output<z.ZodObject<typeof NOTIFICATION_CHANNEL_FIELDS>> & {
  /** Addresses subscribed to the monitor's topic: the email channel is on when there is one (or an https endpoint). */
  readonly emails?: readonly string[];
  /** HTTPS endpoints subscribed to the monitor's topic: they get the notification JSON of the email channel's publish. */
  readonly httpsEndpoints?: readonly string[];
};

/** Every token name the channels read (for IAM grants and the fleet file), without repeats. */
export function notificationTokenNames(n: Partial<NotificationsConfig>): string[] {
  const names = [n.pagerDuty?.routingKey, ...(n.webhooks ?? []).map((w) => w.secret), n.slack?.webhookUrl, n.teams?.webhookUrl];
  return [...new Set(names.filter((x): x is string => typeof x === 'string'))];
}

/**
 * Channel fields naming a token that `tokens` does not define, as problems relative to
 * `notifications` (called by the configuration's cross-field rules; `notifications` may be unparsed).
 */
export function notificationTokenProblems(
  notifications: unknown,
  tokenNames: readonly string[],
): Array<{ readonly path: ReadonlyArray<string | number>; readonly message: string; readonly input: string }> {
  if (typeof notifications !== 'object' || notifications === null) return [];
  const n = notifications as Record<string, unknown>;
  const refs: Array<{ path: Array<string | number>; name: unknown }> = [];
  const field = (obj: unknown, key: string) => (typeof obj === 'object' && obj !== null ? (obj as Record<string, unknown>)[key] : undefined);
  refs.push({ path: ['pagerDuty', 'routingKey'], name: field(n.pagerDuty, 'routingKey') });
  if (Array.isArray(n.webhooks)) n.webhooks.forEach((w, i) => refs.push({ path: ['webhooks', i, 'secret'], name: field(w, 'secret') }));
  refs.push({ path: ['slack', 'webhookUrl'], name: field(n.slack, 'webhookUrl') });
  refs.push({ path: ['teams', 'webhookUrl'], name: field(n.teams, 'webhookUrl') });
  const defined = tokenNames.length ? `defined: ${tokenNames.map((k) => `"${k}"`).join(', ')}` : 'tokens is empty';
  return refs
    .filter(
      (r): r is { path: Array<string | number>; name: string } =>
        typeof r.name === 'string' && TOKEN_NAME_RE.test(r.name) && !tokenNames.includes(r.name),
    )
    .map((r) => ({
      path: r.path,
      message: `names a token that tokens does not define (${defined}); add it to tokens with where the secret lives`,
      input: r.name,
    }));
}
