/**
 * The notification channels of the incident pipeline (docs/DESIGN.md#notification-channels): the
 * incident engine builds one Notification (contracts/notification.ts) and hands it to every
 * configured channel; each renders it in its receiver's format, delivers it within the caller's
 * deadline under one retry policy (lambda/notify/retry.ts), and reports a Delivery. Secrets are
 * token names resolved through the token store at delivery time; no Delivery, error or log says one.
 */
import type { NotificationsConfig } from '../../contracts/config/notifications';
import type { Delivery, Notification } from '../../contracts/notification';
import type { TokenStore } from '../tokens';
import type { Channel } from './channel';
import { fetchPoster, nodePoster } from './http';
import type { HttpChannelContext } from './http-channel';
import { pagerDutyChannel } from './pagerduty';
import { webhookChannel } from './webhook';

export type { Channel } from './channel';

export interface ChannelDeps {
  /** Resolves the token names of the configuration (lambda/tokens.ts). */
  readonly secrets: TokenStore;
  /** Sends the HTTP channels' requests instead of node:http(s) (a caller's own dispatcher). @default - node:http(s), one connection per attempt */
  readonly fetch?: typeof fetch;
  /** PEM of the CA(s) trusted for https receivers instead of the system roots (loopback receivers in tests and the demo). @default - Node's roots */
  readonly ca?: string | readonly string[];
  /** Clock (epoch ms), for webhook timestamps and the retry schedule. @default Date.now */
  readonly now?: () => number;
}

/** One channel per configured destination, in a fixed order: pagerDuty, webhooks[i]. */
export function createChannels(config: Partial<NotificationsConfig>, deps: ChannelDeps): Channel[] {
  const ctx: HttpChannelContext = {
    secrets: deps.secrets,
    post: deps.fetch ? fetchPoster(deps.fetch) : nodePoster(deps.ca),
    ...(deps.now ? { now: deps.now } : {}),
  };
  const channels: Channel[] = [];
  if (config.pagerDuty) channels.push(pagerDutyChannel(config.pagerDuty, ctx));
  (config.webhooks ?? []).forEach((w, i) => channels.push(webhookChannel(i, w, ctx)));
  return channels;
}

/**
 * Delivers `n` to every channel at once and returns one Delivery per channel, in the channels'
 * order. Never throws: a channel that did (it should not) counts as a retryable failure named by
 * its error's class only, since its message was not redacted.
 */
export function deliverAll(channels: readonly Channel[], n: Notification, opts: { readonly deadline: number }): Promise<Delivery[]> {
  return Promise.all(
    channels.map((channel) =>
      channel.deliver(n, opts).catch((err: unknown): Delivery => ({
        channel: channel.id,
        ok: false,
        retryable: true,
        attempts: 0,
        error: `the channel failed unexpectedly (${(err as Error)?.name ?? 'error'})`,
      })),
    ),
  );
}
