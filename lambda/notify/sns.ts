/**
 * The channels that publish to Amazon SNS with the real SDK: email (the monitor's topic, where the
 * addresses in `emails` subscribe) and Amazon Q Developer in chat applications (its own topic).
 *
 * Why two topics (docs/DESIGN.md#notification-channels): Amazon Q Developer renders only its custom
 * notification JSON, and its channel configuration subscribes itself to the topics it is given; an
 * email subscriber would read that JSON raw. Sharing one topic would need a filter policy on each
 * subscription, one of which Amazon Q creates outside this stack. So email publishes to the
 * monitor's topic (MessageStructure json: plain text to email, the notification JSON to the https,
 * sqs and lambda subscribers of `httpsEndpoints`), and Amazon Q to the topic named in
 * `notifications.amazonQ.topicArn`. Each publish carries message attributes (synthmon_action,
 * synthmon_severity, synthmon_monitor) a subscription filter policy can select on, e.g. critical only.
 *
 * SNS rules relied on (https://docs.aws.amazon.com/sns/latest/api/API_Publish.html):
 * - Subject: "Constraints: Subjects must be UTF-8 text with no line breaks or control characters,
 *   and less than 100 characters long."
 * - Message: "messages must be UTF-8 encoded strings and at most 256 KB in size (262,144 bytes, not
 *   262,144 characters)".
 * - MessageStructure json: the Message must "be a syntactically valid JSON object; and contain at
 *   least a top-level JSON key of "default" with a value that is a string", and "Keys in the JSON
 *   object that correspond to supported transport protocols must have simple JSON string values."
 *
 * Amazon Q Developer custom notifications
 * (https://docs.aws.amazon.com/chatbot/latest/adminguide/custom-notifs.html): "version | Yes | Must
 * be 1.0."; "source | Yes | Must be custom."; "Only client-markdown textType is currently
 * supported."; `metadata.threadId` threads a notification's updates in the chat channel, so the
 * incident's dedup key threads its trigger, updates and resolve.
 */
import type { PublishCommandInput, SNSClient } from '@aws-sdk/client-sns';
import type { Notification } from '../../contracts/notification';
import type { Channel } from './channel';
import { deliverWithRetries, type AttemptOutcome } from './retry';
import { actionLabel, checksLabel, cut, linkList, locationLines, notificationJson, oneLine, outcomeLabel, plainText } from './text';
import { WEBHOOK_TYPES, webhookId } from './webhook';

/** SNS's documented limits (see above). */
export const SNS_LIMITS = {
  /** "less than 100 characters long". */
  subjectChars: 99,
  messageBytes: 262_144,
} as const;

/** The message text is cut to this when a publish would pass SNS_LIMITS.messageBytes. */
const FALLBACK_MESSAGE_CHARS = 4_000;

/** Message attributes on every publish, for subscription filter policies. */
export const SNS_ATTRIBUTES = { action: 'synthmon_action', severity: 'synthmon_severity', monitor: 'synthmon_monitor' } as const;

/** What the SNS channels share. */
export interface SnsChannelContext {
  /** A client to publish with (tests: one at a local endpoint). @default - one per region, created on first use */
  readonly sns?: SNSClient;
  readonly now?: () => number;
}

type SnsSdk = typeof import('@aws-sdk/client-sns');
let snsSdk: Promise<SnsSdk> | undefined;

/** The SNS SDK, loaded on the first publish (not in the runner's init: most runs page nobody). */
function loadSns(): Promise<SnsSdk> {
  snsSdk ??= import('@aws-sdk/client-sns').catch((err: unknown) => {
    snsSdk = undefined;
    throw err;
  });
  return snsSdk;
}

const clients = new Map<string, SNSClient>();

/**
 * The process's client for a topic's region. One attempt per send (the retry policy is ours), and no
 * keep-alive: a publish is rare, and no socket should outlive it.
 */
async function clientFor(topicArn: string): Promise<SNSClient> {
  const region = topicArn.split(':')[3]!;
  const { SNSClient } = await loadSns();
  let client = clients.get(region);
  if (!client) {
    client = new SNSClient({
      region,
      maxAttempts: 1,
      requestHandler: { connectionTimeout: 3_000, httpsAgent: { keepAlive: false }, httpAgent: { keepAlive: false } },
    });
    clients.set(region, client);
  }
  return client;
}

/** The email subject: under 100 characters, one line. */
export function emailSubject(n: Notification): string {
  return cut(oneLine(`[synthmon] ${actionLabel(n)}: ${checksLabel(n)} ${outcomeLabel(n)}`), SNS_LIMITS.subjectChars);
}

const attributes = (n: Notification) => ({
  [SNS_ATTRIBUTES.action]: { DataType: 'String', StringValue: n.action },
  [SNS_ATTRIBUTES.severity]: { DataType: 'String', StringValue: n.severity },
  [SNS_ATTRIBUTES.monitor]: { DataType: 'String', StringValue: n.monitor },
});

/** The publish to the monitor's topic: plain text for email, the notification JSON for the other protocols. */
export function emailPublish(topicArn: string, n: Notification): PublishCommandInput {
  const text = plainText(n);
  const json = JSON.stringify({ type: WEBHOOK_TYPES[n.action], timestamp: n.at, data: notificationJson(n) });
  return {
    TopicArn: topicArn,
    Subject: emailSubject(n),
    MessageStructure: 'json',
    Message: JSON.stringify({ default: text, email: text, 'email-json': json, http: json, https: json, sqs: json, lambda: json }),
    MessageAttributes: attributes(n),
  };
}

/** The Amazon Q Developer custom notification for a notification. */
export function amazonQNotification(n: Notification): Record<string, unknown> {
  const links = linkList(n);
  const description = [
    n.summary,
    '',
    `*What happened:* ${n.message}`,
    ...(n.locations.length ? ['', '*Locations:*', ...locationLines(n).map((l) => `• ${l}`)] : []),
    '',
    `First failure: ${n.firstFailureAt}`,
  ].join('\n');
  return {
    version: '1.0',
    source: 'custom',
    id: webhookId(n),
    content: {
      textType: 'client-markdown',
      title: `${n.action === 'resolve' ? ':white_check_mark:' : n.severity === 'critical' ? ':rotating_light:' : ':warning:'} ${actionLabel(n)}: ${checksLabel(n)} ${outcomeLabel(n)}`,
      description,
      nextSteps: [n.fix, ...links.map((l) => `<${l.href}|${l.text}>`)],
      keywords: [n.severity, n.outcome, ...(n.cause ? [n.cause] : []), n.monitor],
    },
    metadata: {
      threadId: n.dedupKey,
      summary: n.summary,
      eventType: WEBHOOK_TYPES[n.action],
      relatedResources: [...n.checks],
      additionalContext: {
        monitor: n.monitor,
        severity: n.severity,
        outcome: n.outcome,
        ...(n.cause ? { cause: n.cause } : {}),
        ...(n.status !== undefined ? { status: String(n.status) } : {}),
        ...(n.host ? { host: n.host } : {}),
        locations: n.locations.map((l) => l.location).join(', '),
        firstFailureAt: n.firstFailureAt,
      },
    },
  };
}

/** The publish to the Amazon Q topic: the custom notification as the message. */
export function amazonQPublish(topicArn: string, n: Notification): PublishCommandInput {
  return { TopicArn: topicArn, Message: JSON.stringify(amazonQNotification(n)), MessageAttributes: attributes(n) };
}

/** The publish within SNS's size limit: evidence dropped and the message cut when it would not fit. */
function fitted(build: (n: Notification) => PublishCommandInput, n: Notification): PublishCommandInput {
  const input = build(n);
  if (Buffer.byteLength(input.Message ?? '') <= SNS_LIMITS.messageBytes) return input;
  const { evidence: _dropped, ...rest } = n;
  return build({ ...rest, message: cut(n.message, FALLBACK_MESSAGE_CHARS) });
}

/** An SDK error as an attempt's outcome: throttling, 5xx, network and timeouts are worth another attempt. */
function classifySnsError(err: unknown, what: string, timedOut: boolean, timeoutMs: number): AttemptOutcome {
  const e = err as { name?: string; message?: string; $fault?: string; $metadata?: { httpStatusCode?: number }; code?: string };
  if (timedOut || e.name === 'AbortError' || e.name === 'TimeoutError')
    return { ok: false, retryable: true, error: `${what}: no answer within ${timeoutMs} ms` };
  const status = e.$metadata?.httpStatusCode;
  const said = `${e.name ?? 'Error'}${e.message ? `: ${cut(oneLine(e.message), 200)}` : ''}`;
  if (status === undefined) return { ok: false, retryable: true, error: `${what}: the publish failed (${e.code ?? said})` };
  const retryable = status === 429 || status >= 500 || e.name === 'ThrottledException' || e.name === 'ThrottlingException' || e.$fault === 'server';
  return retryable
    ? { ok: false, retryable: true, status, error: `${what} failed (HTTP ${status}): ${said}` }
    : { ok: false, retryable: false, status, error: `${what} refused the publish (HTTP ${status}): ${said}: a configuration problem, not retried` };
}

/** A channel that publishes `build(n)` to `topicArn` (undefined: no topic was given, said on delivery). */
export function snsChannel(
  id: string,
  what: string,
  topicArn: string | undefined,
  build: (topicArn: string, n: Notification) => PublishCommandInput,
  ctx: SnsChannelContext,
): Channel {
  return {
    id,
    deliver(n, opts) {
      const attempt = async (timeoutMs: number): Promise<AttemptOutcome> => {
        if (!topicArn) return { ok: false, retryable: false, error: `${what}: no SNS topic to publish to (the runner was given no topic ARN)` };
        const input = fitted((x) => build(topicArn, x), n);
        const controller = new AbortController();
        const timer = setTimeout(() => controller.abort(), timeoutMs);
        try {
          const { PublishCommand } = await loadSns();
          const client = ctx.sns ?? (await clientFor(topicArn));
          await client.send(new PublishCommand(input), { abortSignal: controller.signal });
          return { ok: true, retryable: false };
        } catch (err) {
          return classifySnsError(err, what, controller.signal.aborted, timeoutMs);
        } finally {
          clearTimeout(timer);
        }
      };
      return deliverWithRetries(id, attempt, { deadline: opts.deadline, ...(ctx.now ? { now: ctx.now } : {}) });
    },
  };
}
