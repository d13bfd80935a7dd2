/**
 * A channel that POSTs JSON over HTTPS (PagerDuty, webhooks, Slack, Teams): read its secrets, build
 * the request, send it under the attempt's limit, judge the answer by the shared policy
 * (lambda/notify/retry.ts), and redact every secret from what it says.
 */
import type { Notification } from '../../contracts/notification';
import { USER_AGENT } from '../../contracts/user-agent';
import type { TokenStore } from '../tokens';
import { readSecrets, redactOutcome, type Channel } from './channel';
import { TransportError, type HttpAnswer, type Poster } from './http';
import { classifyStatus, deliverWithRetries, retryAfterMs, type AttemptOutcome } from './retry';
import { oneLine, cut } from './text';

/** A request to send, or a configuration problem found before sending (never retried). */
export type BuiltRequest =
  { readonly url: string; readonly headers: Readonly<Record<string, string>>; readonly body: string } | { readonly problem: string };

/** What makes one HTTP channel: its id, its secrets, and how it builds a request. */
export interface HttpChannelSpec {
  readonly id: string;
  /** Names the receiver in messages: "PagerDuty", "Slack", "webhooks[0] (https://hooks.example.com)". */
  readonly what: string;
  /** Token names to read before each attempt. */
  readonly tokens: readonly string[];
  /** The request for this attempt (a webhook signs each attempt with its own timestamp). */
  build(secrets: Readonly<Record<string, string>>, n: Notification, attempt: number): BuiltRequest;
  /** What a refusal's body says, in a few words (e.g. PagerDuty's `errors`); default: the body's start. */
  explain?(answer: HttpAnswer): string;
}

/** What every HTTP channel shares: the token store, the transport, the clock. */
export interface HttpChannelContext {
  readonly secrets: TokenStore;
  readonly post: Poster;
  readonly now?: () => number;
}

/** The start of a body, on one line. */
export function bodyExcerpt(body: string, max = 200): string {
  return cut(oneLine(body), max);
}

/** The channel for `spec`: each attempt reads the secrets, builds, posts and is judged by the shared policy. */
export function httpChannel(spec: HttpChannelSpec, ctx: HttpChannelContext): Channel {
  return {
    id: spec.id,
    deliver(n, opts) {
      // Every value read is kept for redaction, across attempts.
      const seen = new Set<string>();
      const attempt = async (timeoutMs: number, count: number): Promise<AttemptOutcome> => {
        const read = await readSecrets(ctx.secrets, spec.tokens);
        if ('outcome' in read) return read.outcome;
        for (const v of Object.values(read.values)) seen.add(v);
        const secrets = [...seen];
        const request = spec.build(read.values, n, count);
        if ('problem' in request) return redactOutcome({ ok: false, retryable: false, error: `${spec.what}: ${request.problem}` }, secrets);
        try {
          // One User-Agent for everything synthmon sends (contracts/user-agent.ts), set here for every channel.
          const answer = await ctx.post({ ...request, headers: { ...request.headers, 'user-agent': USER_AGENT }, timeoutMs });
          const detail = answer.status >= 200 && answer.status < 300 ? '' : (spec.explain?.(answer) ?? bodyExcerpt(answer.body));
          return redactOutcome(classifyStatus(answer.status, spec.what, detail, retryAfterMs(answer.headers['retry-after'])), secrets);
        } catch (err) {
          const message = err instanceof TransportError ? err.message : `request failed (${(err as Error)?.name ?? 'error'})`;
          return redactOutcome({ ok: false, retryable: true, error: `${spec.what}: ${message}` }, secrets);
        }
      };
      return deliverWithRetries(spec.id, attempt, { deadline: opts.deadline, ...(ctx.now ? { now: ctx.now } : {}) });
    },
  };
}
