/**
 * Sending one backstop notification to the channels an invocation claimed, then marking the record,
 * counting failures and deciding whether Lambda should retry (docs/DESIGN.md#incidents, Backstop).
 *
 * Lambda retries a failed asynchronous invocation: "If the function returns an error, by default
 * Lambda attempts to run it two more times, with a one-minute wait between the first two attempts,
 * and two minutes between the second and third attempts"
 * (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html); the
 * construct sets the retry attempts to BACKSTOP_RETRY_ATTEMPTS (contracts/backstop.ts). So a retryable failure (429, 5xx,
 * network, no time left) throws, and the retry sends only the channels that failed (the record's
 * marks). The same page says "it's possible for it to receive the same event from Lambda multiple
 * times": the record makes those duplicates send nothing twice, and the per-channel attempt counter
 * stops the throwing after 1 + BACKSTOP_RETRY_ATTEMPTS attempts, whatever delivered the event again.
 *
 * NotificationFailures and its own channel: a failure to deliver the NotificationFailures page is
 * logged but NOT counted in NotificationFailures{Channel}. Counting it would feed the alarm being
 * paged: a channel that stays down would fail that page, its datapoint would raise the alarm again
 * once it had returned to OK, whose page would fail again — one page and one datapoint per alarm
 * period, forever. Not counted, the loop ends with the datapoints of the failures that raised the
 * alarm; the page is still retried (bounded, above), and the alarm's ALARM state already says the
 * channel is failing. Every other page's failures are counted, so a channel failing a Silent page
 * raises NotificationFailures once, and that page goes to the channels that work.
 */
import type { BackstopAlarm } from '../../contracts/backstop';
import type { Delivery, Notification } from '../../contracts/notification';
import type { LogLine } from '../incidents/engine';
import { deliverAll, type Channel } from '../notify';
import type { Phase, RecordStore } from './record';

/** Thrown so that Lambda retries the invocation: some channel failed in a way worth another attempt. */
export class BackstopRetryError extends Error {
  readonly code = 'SYNTHMON_BACKSTOP_RETRY';
  constructor(
    message: string,
    readonly channels: readonly string[],
  ) {
    super(message);
    this.name = 'BackstopRetryError';
  }
}

/** What the invocation needs to deliver and account for one notification. */
export interface DeliveryContext {
  readonly alarmName: string;
  readonly alarm: BackstopAlarm;
  readonly log: LogLine;
  readonly now: () => number;
  /** No attempt starts after this (epoch ms). */
  readonly deadline: number;
  readonly retryAttempts: number;
  readonly publishFailures: (failures: Readonly<Record<string, number>>, timestamp: Date) => Promise<string | undefined>;
}

/** One JSON log line (never a secret: channels redact their errors). */
export function logLine(log: LogLine, level: 'INFO' | 'WARN' | 'ERROR', msg: string, fields: Record<string, unknown>): void {
  log(JSON.stringify({ timestamp: new Date().toISOString(), level, msg, ...fields }));
}

/** An error as name and message on one line (SDK errors carry no secret of ours). */
export function describeError(err: unknown): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return text.replace(/\s+/g, ' ').slice(0, 300);
}

/**
 * Deliver `n` to `channels`, mark the record (when there is one), count the failures, and return
 * the BackstopRetryError to throw when a retryable failure is still within its attempts. `attempts` is the
 * record's count per channel (this attempt included); without a record, every attempt counts as the
 * first, and Lambda's own retry limit bounds them.
 */
export async function deliverAndSettle(
  ctx: DeliveryContext,
  input: {
    readonly phase: Phase;
    readonly n: Notification;
    readonly channels: readonly Channel[];
    readonly record?: { readonly store: RecordStore; readonly pk: string };
    readonly attempts?: ReadonlyMap<string, number>;
  },
): Promise<{ deliveries: Delivery[]; retry?: BackstopRetryError }> {
  const { n, phase } = input;
  const deliveries = input.channels.length ? await deliverAll(input.channels, n, { deadline: ctx.deadline }) : [];
  const sent = deliveries.filter((d) => d.ok).map((d) => d.channel);
  const refused = new Map(deliveries.filter((d) => !d.ok && !d.retryable).map((d) => [d.channel, `${d.status ?? ''} ${d.error ?? ''}`.trim()]));
  const retry = deliveries.filter((d) => !d.ok && d.retryable);
  const failures: Record<string, number> = {};
  for (const d of deliveries) if (!d.ok) failures[d.channel] = (failures[d.channel] ?? 0) + 1;
  const counted = ctx.alarm.class !== 'NotificationFailures';

  const settle = input.record
    ? input.record.store
        .settle(input.record.pk, phase, { sent, refused, released: input.channels.map((c) => c.id) }, ctx.now())
        .catch((err: unknown) =>
          logLine(ctx.log, 'ERROR', 'marking the deliveries failed; a retry may send these channels again', {
            alarm: ctx.alarmName,
            dedupKey: n.dedupKey,
            error: describeError(err),
          }),
        )
    : Promise.resolve();
  const publish =
    counted && Object.keys(failures).length
      ? ctx.publishFailures(failures, new Date(ctx.now())).then((error) => {
          if (error) logLine(ctx.log, 'ERROR', error, { alarm: ctx.alarmName, dedupKey: n.dedupKey });
        })
      : Promise.resolve();
  await Promise.all([settle, publish]);

  for (const d of deliveries) {
    const fields = { alarm: ctx.alarmName, dedupKey: n.dedupKey, action: n.action, channel: d.channel, status: d.status, attempts: d.attempts };
    if (d.ok) logLine(ctx.log, 'INFO', `backstop ${phase} delivered`, fields);
    else
      logLine(ctx.log, d.retryable ? 'WARN' : 'ERROR', d.retryable ? `backstop ${phase} not delivered` : `backstop ${phase} refused (not retried)`, {
        ...fields,
        error: d.error,
        ...(counted
          ? {}
          : { counted: false, note: 'a NotificationFailures page is not counted in NotificationFailures (it would raise its own alarm)' }),
      });
  }

  const owed = retry.filter((d) => (input.attempts?.get(d.channel) ?? 1) <= 1 + ctx.retryAttempts);
  const spent = retry.filter((d) => !owed.includes(d));
  if (spent.length)
    logLine(ctx.log, 'ERROR', `backstop ${phase} given up after ${1 + ctx.retryAttempts} attempts`, {
      alarm: ctx.alarmName,
      dedupKey: n.dedupKey,
      channels: spent.map((d) => d.channel),
    });
  if (!owed.length) return { deliveries };
  const listed = owed.map((d) => `${d.channel} (${d.error ?? 'failed'})`).join(', ');
  const message = `backstop ${phase} of ${ctx.alarmName} not delivered to ${listed}; Lambda retries the invocation`;
  return {
    deliveries,
    retry: new BackstopRetryError(
      message.slice(0, 1000),
      owed.map((d) => d.channel),
    ),
  };
}
