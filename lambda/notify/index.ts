/**
 * The notification channels of the incident pipeline (docs/DESIGN.md#notification-channels): the
 * incident engine builds one Notification (contracts/notification.ts) and hands it to every
 * configured channel; each renders it in its receiver's format, delivers it within the caller's
 * deadline under one retry policy (lambda/notify/retry.ts), and reports a Delivery. Secrets are
 * token names resolved through the token store at delivery time; no Delivery, error or log says one.
 */
import type { SNSClient } from '@aws-sdk/client-sns';
import type { NotificationsConfig } from '../../contracts/config/notifications';
import { usesMonitorTopic } from '../../contracts/handler-env';
import type { Delivery, Notification } from '../../contracts/notification';
import type { TokenStore } from '../tokens';
import type { Channel } from './channel';
import { fetchPoster, nodePoster } from './http';
import type { HttpChannelContext } from './http-channel';
import { pagerDutyChannel } from './pagerduty';
import { slackChannel } from './slack';
import { amazonQPublish, emailPublish, snsChannel, type SnsChannelContext } from './sns';
import { teamsChannel } from './teams';
import { webhookChannel } from './webhook';

export type { Channel } from './channel';

/** What the channels need from their caller (the runner, the CLI, a test). */
export interface ChannelDeps {
  /** Resolves the token names of the configuration (lambda/tokens.ts). */
  readonly secrets: TokenStore;
  /** Sends the HTTP channels' requests instead of node:http(s) (a caller's own dispatcher). @default - node:http(s), one connection per attempt */
  readonly fetch?: typeof fetch;
  /** PEM of the CA(s) trusted for https receivers instead of the system roots (loopback receivers in tests and the demo). @default - Node's roots */
  readonly ca?: string | readonly string[];
  /** Publishes the SNS channels (tests: a client at a local endpoint). @default - a client per topic region, created on the first publish */
  readonly sns?: SNSClient;
  /** The monitor's SNS topic, where `emails` and `httpsEndpoints` subscribe (the email channel). @default - none: the email channel reports that it has no topic */
  readonly topicArn?: string;
  /** Clock (epoch ms), for webhook timestamps and the retry schedule. @default Date.now */
  readonly now?: () => number;
}

/** One channel per configured destination, in a fixed order: pagerDuty, webhooks[i], slack, teams, amazonQ, email. */
export function createChannels(config: Partial<NotificationsConfig>, deps: ChannelDeps): Channel[] {
  const ctx: HttpChannelContext = {
    secrets: deps.secrets,
    post: deps.fetch ? fetchPoster(deps.fetch) : nodePoster(deps.ca),
    ...(deps.now ? { now: deps.now } : {}),
  };
  const channels: Channel[] = [];
  if (config.pagerDuty) channels.push(pagerDutyChannel(config.pagerDuty, ctx));
  (config.webhooks ?? []).forEach((w, i) => channels.push(webhookChannel(i, w, ctx)));
  if (config.slack) channels.push(slackChannel(config.slack, ctx));
  if (config.teams) channels.push(teamsChannel(config.teams, ctx));
  const snsCtx: SnsChannelContext = { ...(deps.sns ? { sns: deps.sns } : {}), ...(deps.now ? { now: deps.now } : {}) };
  if (config.amazonQ) channels.push(snsChannel('amazonQ', 'Amazon Q (SNS)', config.amazonQ.topicArn, amazonQPublish, snsCtx));
  if (usesMonitorTopic(config)) channels.push(snsChannel('email', 'email (SNS)', deps.topicArn, emailPublish, snsCtx));
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
