/**
 * Signed webhooks, the Standard Webhooks way
 * (https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md):
 * - "The content to be signed is therefore: `{msg_id}.{timestamp}.{payload}`", HMAC-SHA256, sent as
 *   `webhook-signature: v1,<base64>` ("a symmetric signature will be v1, followed by a comma (`,`),
 *   followed by the base64 encoded signature").
 * - Headers `webhook-id` ("the unique webhook identifier … it remains the same no matter how many
 *   times a webhook that has failed is retried"), `webhook-timestamp` ("integer unix timestamp
 *   (seconds since epoch)": of the attempt, so each attempt is signed anew) and `webhook-signature`.
 * - Secrets: "Random. At least 24 bytes (192 bits, 512 maximum)", "base64 encoded, prefixed with
 *   `whsec_`"; the reference library strips `whsec_` and base64-decodes the rest
 *   (libraries/javascript/src/index.ts), and so does this channel.
 * - The id must not be user controlled "or at the very least not be allowed to include any `.`":
 *   it is `msg_` + base64url of a hash of the dedup key, action and event time — stable for one
 *   notification (receivers dedupe retries and a next run's redelivery), different for the next.
 * - Body: `{type, timestamp, data}` as the spec recommends; `data` holds the notification.
 */
import { createHash, createHmac } from 'node:crypto';
import type { Notification } from '../../contracts/notification';
import type { Channel } from './channel';
import { httpChannel, type BuiltRequest, type HttpChannelContext } from './http-channel';
import { notificationJson } from './text';

/** The Standard Webhooks prefix of a symmetric secret. */
export const WEBHOOK_SECRET_PREFIX = 'whsec_';
/** Signing key bytes allowed by the spec: 24 to 64 (192 to 512 bits). */
export const WEBHOOK_SECRET_BYTES = { min: 24, max: 64 } as const;

/** One entry of `notifications.webhooks`. */
export interface WebhookChannelConfig {
  readonly url: string;
  readonly secret: string;
}

/** The event type in the body: `incident.triggered`, `incident.updated`, `incident.resolved`. */
export const WEBHOOK_TYPES = { trigger: 'incident.triggered', update: 'incident.updated', resolve: 'incident.resolved' } as const satisfies Record<
  Notification['action'],
  string
>;

/** Stable per notification: the same for every attempt and run, different for the incident's next event. */
export function webhookId(n: Notification): string {
  const digest = createHash('sha256').update(`${n.dedupKey}\n${n.action}\n${n.at}`).digest('base64url');
  return `msg_${digest.slice(0, 32)}`;
}

/** The key bytes of a `whsec_` secret, or what is wrong with it (never any part of it). */
export function webhookKey(secret: string): { key: Buffer } | { problem: string } {
  const b64 = secret.startsWith(WEBHOOK_SECRET_PREFIX) ? secret.slice(WEBHOOK_SECRET_PREFIX.length) : secret;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || b64.length % 4 !== 0) {
    return {
      problem: `the signing secret must be "${WEBHOOK_SECRET_PREFIX}" followed by base64 (Standard Webhooks); the token holds something else`,
    };
  }
  const key = Buffer.from(b64, 'base64');
  if (key.length < WEBHOOK_SECRET_BYTES.min || key.length > WEBHOOK_SECRET_BYTES.max) {
    return {
      problem: `the signing secret must decode to ${WEBHOOK_SECRET_BYTES.min}-${WEBHOOK_SECRET_BYTES.max} random bytes (Standard Webhooks); the token's does not`,
    };
  }
  return { key };
}

/** `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`. */
export function webhookSignature(key: Buffer, id: string, timestampSeconds: number, body: string): string {
  return `v1,${createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64')}`;
}

/** The JSON body of a notification. */
export function webhookBody(n: Notification): string {
  return JSON.stringify({ type: WEBHOOK_TYPES[n.action], timestamp: n.at, data: notificationJson(n) });
}

/** The `webhooks[index]` channel. */
export function webhookChannel(index: number, config: WebhookChannelConfig, ctx: HttpChannelContext): Channel {
  const now = ctx.now ?? Date.now;
  return httpChannel(
    {
      id: `webhooks[${index}]`,
      // The origin only: a path or query may carry a receiver's own token.
      what: `webhooks[${index}] (${new URL(config.url).origin})`,
      tokens: [config.secret],
      build(secrets, n): BuiltRequest {
        const key = webhookKey(secrets[config.secret]!);
        if ('problem' in key) return { problem: `${key.problem} (token "${config.secret}")` };
        const id = webhookId(n);
        const timestamp = Math.floor(now() / 1000);
        const body = webhookBody(n);
        return {
          url: config.url,
          headers: {
            'content-type': 'application/json',
            'webhook-id': id,
            'webhook-timestamp': String(timestamp),
            'webhook-signature': webhookSignature(key.key, id, timestamp, body),
          },
          body,
        };
      },
    },
    ctx,
  );
}
