/**
 * The demo's PagerDuty: a small Events API v2 endpoint (`POST /v2/enqueue`) on 127.0.0.1 over HTTPS
 * with a certificate made for the run, so the demo shows each page exactly as PagerDuty would
 * receive it. It checks what PagerDuty documents
 * (https://developer.pagerduty.com/docs/events-api-v2/trigger-events/): a 32-character routing key
 * it knows, `event_action` trigger / acknowledge / resolve, a `dedup_key` of at most 255 characters
 * (required for resolve), and for a trigger a `payload` with `summary` (at most 1024 characters),
 * `source` and `severity` (critical, error, warning, info); it answers 202 or 400 with `errors`.
 * The tests' fuller receivers (faults, socket counts) stay in test/support/receivers.ts.
 */
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { KeyAndCert } from './certs';

/** One event as the receiver accepted it (the routing key left out: it is a secret). */
export interface ReceivedPagerDutyEvent {
  readonly event_action: 'trigger' | 'acknowledge' | 'resolve';
  readonly dedup_key: string;
  readonly summary?: string;
  readonly severity?: string;
  readonly source?: string;
}

export interface DemoPagerDuty {
  /** `https://127.0.0.1:<port>/v2/enqueue` */
  readonly url: string;
  /** Accepted events, in order. */
  readonly events: readonly ReceivedPagerDutyEvent[];
  /** Requests refused (400), with PagerDuty's errors: a demo run expects none. */
  readonly refused: readonly string[];
  close(): Promise<void>;
}

const SEVERITIES = ['critical', 'error', 'warning', 'info'];
const ACTIONS = ['trigger', 'acknowledge', 'resolve'];

/** What PagerDuty would refuse in `event` (its 400 `errors`), none when valid. */
export function eventProblems(event: unknown, routingKey: string): string[] {
  if (typeof event !== 'object' || event === null) return ['Event object is invalid'];
  const e = event as Record<string, unknown>;
  const problems: string[] = [];
  if (e.routing_key !== routingKey) problems.push('Invalid routing key');
  if (!ACTIONS.includes(e.event_action as string)) problems.push('event_action must be one of trigger, acknowledge, resolve');
  if (typeof e.dedup_key !== 'string' || e.dedup_key === '' || e.dedup_key.length > 255)
    problems.push('dedup_key must be a string of 1-255 characters');
  if (e.event_action === 'trigger') {
    const p = e.payload as Record<string, unknown> | undefined;
    if (typeof p?.summary !== 'string' || p.summary === '' || p.summary.length > 1024) problems.push('payload.summary must be 1-1024 characters');
    if (typeof p?.source !== 'string' || p.source === '') problems.push('payload.source is required');
    if (!SEVERITIES.includes(p?.severity as string)) problems.push('payload.severity must be one of critical, error, warning, info');
  }
  return problems;
}

/** Start the endpoint on 127.0.0.1 (a free port), accepting events for `routingKey`. */
export async function startDemoPagerDuty(opts: { readonly cert: KeyAndCert; readonly routingKey: string }): Promise<DemoPagerDuty> {
  const events: ReceivedPagerDutyEvent[] = [];
  const refused: string[] = [];
  const sockets = new Set<Socket>();
  const answer = (res: ServerResponse, status: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  const server = https.createServer({ key: opts.cert.key, cert: opts.cert.cert }, (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v2/enqueue') return answer(res, 404, { status: 'not found' });
      let event: unknown;
      try {
        event = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        event = undefined;
      }
      const problems = eventProblems(event, opts.routingKey);
      if (problems.length) {
        refused.push(problems.join('; '));
        return answer(res, 400, { status: 'invalid event', message: 'Event object is invalid', errors: problems });
      }
      const e = event as {
        event_action: ReceivedPagerDutyEvent['event_action'];
        dedup_key: string;
        payload?: { summary: string; severity: string; source: string };
      };
      events.push({
        event_action: e.event_action,
        dedup_key: e.dedup_key,
        ...(e.payload ? { summary: e.payload.summary, severity: e.payload.severity, source: e.payload.source } : {}),
      });
      answer(res, 202, { status: 'success', message: 'Event processed', dedup_key: e.dedup_key });
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}/v2/enqueue`,
    events,
    refused,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
