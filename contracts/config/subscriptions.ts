/**
 * The SNS topic's subscriptions (`notifications`: email addresses and https endpoints), each
 * once.
 */
import { z } from 'zod';
import { checkedString, pattern } from './fields';
import { parseUrl, writtenPort } from './urls';
import { NOTIFICATION_CHANNEL_FIELDS } from './notifications';

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Each address or URL once: SNS subscriptions are keyed by their endpoint, so a repeat crashes `cdk synth`. */
function uniqueIn(list: unknown, ctx: z.RefinementCtx, key: (value: string) => string, where: string) {
  if (!Array.isArray(list)) return;
  const first = new Map<string, number>();
  list.forEach((value: unknown, i) => {
    if (typeof value !== 'string') return;
    const k = key(value);
    const at = first.get(k);
    if (at === undefined) first.set(k, i);
    else ctx.addIssue({ code: 'custom', path: [where, i], message: `must be unique (also notifications.${where}[${at}])`, input: value });
  });
}

const httpsEndpoint = checkedString('must be an https:// URL', (value) => {
  const url = parseUrl(value);
  if (!url || url.protocol !== 'https:') return 'must be an https:// URL';
  const port = writtenPort(value);
  if (port !== undefined && !(Number(port) >= 1 && Number(port) <= 65_535))
    return `must have a port from 1 to 65535 (${Number(port)} is out of range)`;
  return undefined;
});

export const SubscriptionsSchema = z
  .object(
    {
      emails: z.array(pattern(EMAIL_RE, 'must be an email address'), { error: 'must be a list of email addresses' }).default([]),
      httpsEndpoints: z.array(httpsEndpoint, { error: 'must be a list of https:// URLs' }).default([]),
      ...NOTIFICATION_CHANNEL_FIELDS,
    },
    { error: 'must be an object such as {"emails": ["oncall@example.com"]}' },
  )
  .strict()
  .superRefine(
    (n, ctx) => {
      if (!n || typeof n !== 'object') return;
      uniqueIn(n.emails, ctx, (e) => e.toLowerCase(), 'emails');
      uniqueIn(n.httpsEndpoints, ctx, (u) => parseUrl(u)?.href ?? u, 'httpsEndpoints');
    },
    { when: () => true },
  )
  .prefault({});
export type SubscriptionsConfig = z.infer<typeof SubscriptionsSchema>;
