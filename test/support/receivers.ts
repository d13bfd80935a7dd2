/**
 * Real receivers on loopback for the notification channels (lambda/notify/): each speaks its
 * service's HTTP contract as documented — PagerDuty Events API v2, Standard Webhooks, Slack incoming
 * webhooks, Teams Workflows — validates what it gets the way the service does (required fields,
 * lengths, shapes, signatures), and records what it accepted. Each can be told to fail the next
 * requests (a status with Retry-After, a hang, a dropped connection) and counts its open sockets,
 * so tests check retries, deadlines and that every connection is closed. HTTPS with a certificate
 * from demo/certs.ts (the real services are HTTPS), or plain HTTP on 127.0.0.1.
 *
 * Used by the tests and by the incident engine's tests and demo.
 */
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { KeyAndCert } from '../../demo/certs';

/** What the next request gets instead of the service's answer. */
export type ReceiverFault =
  /** This status, with this body (JSON or text) and Retry-After. */
  | { readonly kind: 'status'; readonly status: number; readonly body?: string; readonly retryAfter?: string }
  /** Read the request, never answer (the connection stays open until the client gives up). */
  | { readonly kind: 'hang' }
  /** Read the request, then drop the connection without an answer. */
  | { readonly kind: 'close' };

export const Faults = {
  rateLimited: (retryAfter?: string): ReceiverFault => ({
    kind: 'status',
    status: 429,
    body: '{"status":"throttle event","message":"Requests for this service are arriving too quickly"}',
    ...(retryAfter !== undefined ? { retryAfter } : {}),
  }),
  serverError: (status = 500): ReceiverFault => ({ kind: 'status', status, body: 'internal error' }),
  hang: { kind: 'hang' } as ReceiverFault,
  close: { kind: 'close' } as ReceiverFault,
} as const;

/** One request as received. */
export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: string;
  /** The status answered (undefined: a fault that never answered). */
  readonly status?: number;
  /** What the answer said (the service's answer body). */
  readonly answer?: string;
}

export interface Receiver {
  /** Where to POST (path included). */
  readonly url: string;
  /** PEM of the CA that signed the receiver's certificate (undefined for plain HTTP). */
  readonly ca: string | undefined;
  /** Every request, in order, faults included. */
  readonly requests: readonly ReceivedRequest[];
  /** Fault the next requests, one fault per request, in order. */
  failNext(...faults: ReceiverFault[]): void;
  /** Fault every request from now on (undefined: answer normally again). */
  failAlways(fault: ReceiverFault | undefined): void;
  /** Client connections currently open. */
  openSockets(): number;
  close(): Promise<void>;
}

export interface ReceiverOptions {
  /** Serve HTTPS with this certificate (and trust `ca`). @default - plain HTTP */
  readonly tls?: { readonly cert: KeyAndCert; readonly ca: string };
}

interface Answer {
  readonly status: number;
  readonly body: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** The scaffolding: a server on 127.0.0.1 that records, faults, tracks sockets, and asks `answer` otherwise. */
async function startReceiver(path: string, options: ReceiverOptions, answer: (req: ReceivedRequest) => Answer): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const queued: ReceiverFault[] = [];
  let always: ReceiverFault | undefined;
  const sockets = new Set<Socket>();

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers: Record<string, string | undefined> = {};
      for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
      const received: ReceivedRequest = { method: req.method ?? '', path: req.url ?? '', headers, body: Buffer.concat(chunks).toString('utf8') };
      const fault = queued.shift() ?? always;
      if (fault?.kind === 'hang') {
        requests.push(received);
        return;
      }
      if (fault?.kind === 'close') {
        requests.push(received);
        req.socket.destroy();
        return;
      }
      const a: Answer =
        fault?.kind === 'status'
          ? {
              status: fault.status,
              body: fault.body ?? '',
              ...(fault.retryAfter !== undefined ? { headers: { 'retry-after': fault.retryAfter } } : {}),
            }
          : received.method !== 'POST'
            ? { status: 405, body: 'method not allowed' }
            : received.path !== path
              ? { status: 404, body: 'not found' }
              : answer(received);
      requests.push({ ...received, status: a.status, answer: a.body });
      res.writeHead(a.status, {
        'content-type': a.body.startsWith('{') ? 'application/json' : 'text/plain',
        'content-length': Buffer.byteLength(a.body),
        ...a.headers,
      });
      res.end(a.body);
    });
  };
  const server = options.tls ? https.createServer({ key: options.tls.cert.key, cert: options.tls.cert.cert }, handler) : http.createServer(handler);
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}${path}`,
    ca: options.tls?.ca,
    requests,
    failNext: (...faults) => queued.push(...faults),
    failAlways: (fault) => (always = fault),
    openSockets: () => sockets.size,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const json = (status: number, body: unknown): Answer => ({ status, body: JSON.stringify(body) });

function parseJson(body: string): { value: unknown } | { error: string } {
  try {
    return { value: JSON.parse(body) };
  } catch {
    return { error: 'body is not JSON' };
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

// ---------------------------------------------------------------------------------------------
// PagerDuty Events API v2

/**
 * Limits of https://developer.pagerduty.com/docs/events-api-v2/trigger-events/ ("This is the 32
 * character Integration Key"; dedup_key "maximum permitted length … 255 characters"; summary "1024
 * characters") and /overview/ ("Events API payloads are limited to **512 KB**").
 */
const PD = { routingKeyLength: 32, dedupKey: 255, summary: 1024, payloadBytes: 512 * 1024 } as const;
const PD_SEVERITIES = ['critical', 'error', 'warning', 'info'];
const PD_ACTIONS = ['trigger', 'acknowledge', 'resolve'];

/** An event PagerDuty accepted. */
export interface PagerDutyEvent {
  readonly routing_key: string;
  readonly event_action: 'trigger' | 'acknowledge' | 'resolve';
  readonly dedup_key: string;
  readonly payload?: {
    readonly summary: string;
    readonly source: string;
    readonly severity: string;
    readonly timestamp?: string;
    readonly component?: string;
    readonly group?: string;
    readonly class?: string;
    readonly custom_details?: Record<string, unknown>;
  };
  readonly links?: ReadonlyArray<{ readonly href: string; readonly text?: string }>;
  readonly [key: string]: unknown;
}

/** An alert as PagerDuty would hold it: opened by a trigger, later triggers logged on it, closed by a resolve. */
export interface PagerDutyAlert {
  readonly dedupKey: string;
  readonly routingKey: string;
  readonly status: 'triggered' | 'resolved';
  /** Trigger events logged on the alert (the first opened it). */
  readonly triggers: readonly PagerDutyEvent[];
  readonly resolves: number;
}

export interface PagerDutyReceiver extends Receiver {
  /** Accepted events, in order. */
  readonly events: readonly PagerDutyEvent[];
  /** Alerts by dedup key, each opened by a trigger and closed by a resolve (a trigger after a resolve opens a new one). */
  alerts(): PagerDutyAlert[];
}

/** The problems PagerDuty would report for this event (its 400 `errors`), none when valid. */
export function pagerDutyProblems(event: unknown, routingKeys: readonly string[]): string[] {
  if (!isObject(event)) return ['Event object is invalid'];
  const problems: string[] = [];
  const rk = event.routing_key;
  if (typeof rk !== 'string' || rk.length !== PD.routingKeyLength) problems.push('routing_key must be a 32 character Integration Key');
  else if (!routingKeys.includes(rk)) problems.push('Invalid routing key');
  if (!PD_ACTIONS.includes(event.event_action as string)) problems.push('event_action must be one of trigger, acknowledge, resolve');
  if (event.dedup_key !== undefined && (typeof event.dedup_key !== 'string' || event.dedup_key.length > PD.dedupKey || event.dedup_key === '')) {
    problems.push(`dedup_key must be a string of at most ${PD.dedupKey} characters`);
  }
  if (event.event_action !== 'trigger' && typeof event.dedup_key !== 'string') problems.push('dedup_key is required for acknowledge and resolve');
  if (event.event_action === 'trigger') {
    const p = event.payload;
    if (!isObject(p)) problems.push('payload is required for trigger');
    else {
      if (typeof p.summary !== 'string' || p.summary === '') problems.push('payload.summary is required');
      else if (p.summary.length > PD.summary) problems.push(`payload.summary must be at most ${PD.summary} characters`);
      if (typeof p.source !== 'string' || p.source === '') problems.push('payload.source is required');
      if (!PD_SEVERITIES.includes(p.severity as string)) problems.push('payload.severity must be one of critical, error, warning, info');
      if (p.timestamp !== undefined && (typeof p.timestamp !== 'string' || Number.isNaN(Date.parse(p.timestamp))))
        problems.push('payload.timestamp must be an ISO 8601 timestamp');
      for (const k of ['component', 'group', 'class'] as const)
        if (p[k] !== undefined && typeof p[k] !== 'string') problems.push(`payload.${k} must be a string`);
      if (p.custom_details !== undefined && !isObject(p.custom_details)) problems.push('payload.custom_details must be an object');
    }
    if (event.links !== undefined && (!Array.isArray(event.links) || !event.links.every((l) => isObject(l) && typeof l.href === 'string'))) {
      problems.push('links must be a list of objects with href');
    }
  }
  return problems;
}

/** A PagerDuty Events API v2 endpoint at `/v2/enqueue` that accepts events for `routingKeys`. */
export async function startPagerDutyReceiver(options: ReceiverOptions & { readonly routingKeys: readonly string[] }): Promise<PagerDutyReceiver> {
  const events: PagerDutyEvent[] = [];
  const base = await startReceiver('/v2/enqueue', options, (req) => {
    const invalid = (errors: string[]) => json(400, { status: 'invalid event', message: 'Event object is invalid', errors });
    if (Buffer.byteLength(req.body) > PD.payloadBytes) return invalid([`payload must be at most ${PD.payloadBytes} bytes`]);
    const parsed = parseJson(req.body);
    if ('error' in parsed) return invalid([parsed.error]);
    const problems = pagerDutyProblems(parsed.value, options.routingKeys);
    if (problems.length) return invalid(problems);
    const event = parsed.value as PagerDutyEvent;
    const dedupKey = event.dedup_key ?? randomUUID();
    events.push({ ...event, dedup_key: dedupKey });
    return json(202, { status: 'success', message: 'Event processed', dedup_key: dedupKey });
  });
  return {
    ...base,
    events,
    alerts() {
      const out: Array<{ dedupKey: string; routingKey: string; status: 'triggered' | 'resolved'; triggers: PagerDutyEvent[]; resolves: number }> = [];
      for (const e of events) {
        // Follow-up events apply to the open alert of the same key and routing key only.
        const open = out.find((a) => a.dedupKey === e.dedup_key && a.routingKey === e.routing_key && a.status === 'triggered');
        if (e.event_action === 'trigger') {
          if (open) open.triggers.push(e);
          else out.push({ dedupKey: e.dedup_key, routingKey: e.routing_key, status: 'triggered', triggers: [e], resolves: 0 });
        } else if (e.event_action === 'resolve' && open) {
          open.status = 'resolved';
          open.resolves += 1;
        }
      }
      return out;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Standard Webhooks

/** Replay window of the reference library (WEBHOOK_TOLERANCE_IN_SECONDS = 5 * 60). */
const WEBHOOK_TOLERANCE_S = 5 * 60;

export interface VerifiedWebhook {
  readonly id: string;
  readonly timestamp: number;
  readonly body: string;
  readonly payload: { readonly type: string; readonly timestamp: string; readonly data: Record<string, unknown> };
}

export interface WebhookReceiver extends Receiver {
  /** Deliveries whose signature verified, in order (retries of one id included). */
  readonly verified: readonly VerifiedWebhook[];
  /** Distinct webhook ids verified (what a receiver that dedupes by id would process). */
  ids(): string[];
}

/** Why a request fails verification, per the Standard Webhooks spec, or undefined when it verifies with `secret`. */
export function webhookVerificationProblem(
  headers: Readonly<Record<string, string | undefined>>,
  body: string,
  secret: string,
  nowSeconds: number,
): string | undefined {
  const id = headers['webhook-id'];
  const ts = headers['webhook-timestamp'];
  const sig = headers['webhook-signature'];
  if (!id || !ts || !sig) return 'Missing required headers';
  if (!/^\d+$/.test(ts)) return 'Invalid Signature Headers';
  const timestamp = Number(ts);
  if (nowSeconds - timestamp > WEBHOOK_TOLERANCE_S) return 'Message timestamp too old';
  if (timestamp > nowSeconds + WEBHOOK_TOLERANCE_S) return 'Message timestamp too new';
  const key = Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');
  const expected = Buffer.from(createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64'));
  for (const versioned of sig.split(' ')) {
    const [version, signature] = versioned.split(',');
    if (version !== 'v1' || signature === undefined) continue;
    const given = Buffer.from(signature);
    if (given.length === expected.length && timingSafeEqual(given, expected)) return undefined;
  }
  return 'No matching signature found';
}

/** A Standard Webhooks consumer at `/hooks/synthmon` verifying with `secret` (`whsec_…`): 204 when verified, 401 otherwise. */
export async function startWebhookReceiver(options: ReceiverOptions & { readonly secret: string; readonly path?: string }): Promise<WebhookReceiver> {
  const verified: VerifiedWebhook[] = [];
  const base = await startReceiver(options.path ?? '/hooks/synthmon', options, (req) => {
    const problem = webhookVerificationProblem(req.headers, req.body, options.secret, Math.floor(Date.now() / 1000));
    if (problem) return json(401, { error: problem });
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) return json(415, { error: 'expected application/json' });
    const parsed = parseJson(req.body);
    if (
      'error' in parsed ||
      !isObject(parsed.value) ||
      typeof parsed.value.type !== 'string' ||
      typeof parsed.value.timestamp !== 'string' ||
      !isObject(parsed.value.data)
    ) {
      return json(400, { error: 'expected {type, timestamp, data}' });
    }
    verified.push({
      id: req.headers['webhook-id']!,
      timestamp: Number(req.headers['webhook-timestamp']),
      body: req.body,
      payload: parsed.value as VerifiedWebhook['payload'],
    });
    return { status: 204, body: '' };
  });
  return { ...base, verified, ids: () => [...new Set(verified.map((v) => v.id))] };
}

// ---------------------------------------------------------------------------------------------
// Slack incoming webhooks

/**
 * Block Kit limits (https://docs.slack.dev/reference/block-kit/blocks/): a message holds at most 50
 * blocks; header text "Maximum length for the text in this field is 150 characters"; section text
 * 3000 characters, fields "Maximum number of items is 10. Maximum length for the text in each item
 * is 2000 characters"; context at most 10 elements; actions at most 25 elements; a button's text 75
 * characters and url 3000.
 */
const SLACK = {
  blocks: 50,
  header: 150,
  sectionText: 3000,
  fields: 10,
  fieldText: 2000,
  contextElements: 10,
  actionElements: 25,
  buttonText: 75,
  url: 3000,
} as const;

/** What Slack would refuse in this message (its 400 `invalid_blocks` / `no_text`), none when valid. */
export function slackProblems(message: unknown): string[] {
  if (!isObject(message)) return ['invalid_payload'];
  const problems: string[] = [];
  if (typeof message.text !== 'string' || message.text.trim() === '') problems.push('no_text: text is the notification fallback and is required');
  if (message.blocks === undefined) return problems;
  if (!Array.isArray(message.blocks) || message.blocks.length > SLACK.blocks)
    return [...problems, `invalid_blocks: blocks must be a list of at most ${SLACK.blocks}`];
  const textOk = (t: unknown, type: string | readonly string[], max: number) =>
    isObject(t) &&
    (typeof type === 'string' ? t.type === type : type.includes(t.type as string)) &&
    typeof t.text === 'string' &&
    t.text.length > 0 &&
    t.text.length <= max;
  message.blocks.forEach((b: unknown, i) => {
    const at = `invalid_blocks: blocks[${i}]`;
    if (!isObject(b)) return void problems.push(`${at} must be an object`);
    switch (b.type) {
      case 'header':
        if (!textOk(b.text, 'plain_text', SLACK.header)) problems.push(`${at} header text must be plain_text of 1-${SLACK.header} characters`);
        break;
      case 'section':
        if (b.text === undefined && b.fields === undefined) problems.push(`${at} section needs text or fields`);
        if (b.text !== undefined && !textOk(b.text, ['mrkdwn', 'plain_text'], SLACK.sectionText))
          problems.push(`${at} section text must be 1-${SLACK.sectionText} characters`);
        if (
          b.fields !== undefined &&
          (!Array.isArray(b.fields) || b.fields.length > SLACK.fields || !b.fields.every((f) => textOk(f, ['mrkdwn', 'plain_text'], SLACK.fieldText)))
        ) {
          problems.push(`${at} section fields must be at most ${SLACK.fields} texts of 1-${SLACK.fieldText} characters`);
        }
        break;
      case 'context':
        if (
          !Array.isArray(b.elements) ||
          b.elements.length === 0 ||
          b.elements.length > SLACK.contextElements ||
          !b.elements.every((e) => textOk(e, ['mrkdwn', 'plain_text'], SLACK.sectionText))
        ) {
          problems.push(`${at} context needs 1-${SLACK.contextElements} text elements`);
        }
        break;
      case 'divider':
        break;
      case 'actions':
        if (
          !Array.isArray(b.elements) ||
          b.elements.length === 0 ||
          b.elements.length > SLACK.actionElements ||
          !b.elements.every(
            (e) =>
              isObject(e) &&
              e.type === 'button' &&
              textOk(e.text, 'plain_text', SLACK.buttonText) &&
              (e.url === undefined || (typeof e.url === 'string' && e.url.length <= SLACK.url)),
          )
        ) {
          problems.push(`${at} actions needs 1-${SLACK.actionElements} buttons with plain_text of at most ${SLACK.buttonText} characters`);
        }
        break;
      default:
        problems.push(`${at} has an unsupported type ${JSON.stringify(b.type)}`);
    }
  });
  return problems;
}

export interface SlackReceiver extends Receiver {
  /** Messages Slack accepted, parsed. */
  readonly messages: ReadonlyArray<{ readonly text: string; readonly blocks?: ReadonlyArray<Record<string, unknown>> }>;
}

/**
 * A Slack incoming webhook: POST to its secret path answers 200 `ok`; anything else at another path
 * answers 404 `no_service` (a revoked or mistyped URL), an invalid message 400 with Slack's error.
 */
export async function startSlackReceiver(options: ReceiverOptions & { readonly path?: string } = {}): Promise<SlackReceiver> {
  const messages: Array<{ text: string; blocks?: Array<Record<string, unknown>> }> = [];
  const path = options.path ?? '/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX';
  const base = await startReceiver(path, options, (req) => {
    const parsed = parseJson(req.body);
    if ('error' in parsed) return { status: 400, body: 'invalid_payload' };
    const problems = slackProblems(parsed.value);
    if (problems.length) return { status: 400, body: problems[0]!.split(':')[0]! };
    messages.push(parsed.value as { text: string });
    return { status: 200, body: 'ok' };
  });
  return { ...base, messages };
}

// ---------------------------------------------------------------------------------------------
// Microsoft Teams Workflows

/** Teams' message size: "The message size limit is 28 KB" (https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using). */
const TEAMS_MAX_BYTES = 28 * 1024;

/** What the Workflows trigger would refuse ("Workflows support Adaptive Cards only"), none when valid. */
export function teamsProblems(message: unknown, bytes: number): string[] {
  if (bytes > TEAMS_MAX_BYTES) return [`message is ${bytes} bytes; Teams allows ${TEAMS_MAX_BYTES}`];
  if (!isObject(message) || message.type !== 'message') return ['type must be "message"'];
  if (!Array.isArray(message.attachments) || message.attachments.length === 0) return ['attachments must list at least one card'];
  const problems: string[] = [];
  message.attachments.forEach((a: unknown, i) => {
    if (!isObject(a) || a.contentType !== 'application/vnd.microsoft.card.adaptive')
      return void problems.push(`attachments[${i}].contentType must be application/vnd.microsoft.card.adaptive`);
    const card = a.content;
    if (!isObject(card) || card.type !== 'AdaptiveCard') return void problems.push(`attachments[${i}].content.type must be AdaptiveCard`);
    if (typeof card.version !== 'string' || !/^1\.[0-6]$/.test(card.version))
      problems.push(`attachments[${i}].content.version must be an Adaptive Card version 1.0-1.6`);
    if (!Array.isArray(card.body) || card.body.length === 0 || !card.body.every((e) => isObject(e) && typeof e.type === 'string'))
      problems.push(`attachments[${i}].content.body must be a list of elements`);
    if (
      card.actions !== undefined &&
      (!Array.isArray(card.actions) ||
        !card.actions.every((x) => isObject(x) && x.type === 'Action.OpenUrl' && typeof x.url === 'string' && typeof x.title === 'string'))
    ) {
      problems.push(`attachments[${i}].content.actions must be Action.OpenUrl with title and url`);
    }
  });
  return problems;
}

export interface TeamsReceiver extends Receiver {
  /** Adaptive Cards accepted (the attachments' content). */
  readonly cards: ReadonlyArray<Record<string, unknown>>;
}

/** A Workflows "When a Teams webhook request is received" trigger: 202 for a valid card message, 400 otherwise, 404 at another path. */
export async function startTeamsReceiver(options: ReceiverOptions & { readonly path?: string } = {}): Promise<TeamsReceiver> {
  const cards: Array<Record<string, unknown>> = [];
  const path = options.path ?? '/workflows/0123456789abcdef/triggers/manual/paths/invoke?api-version=1&sig=SIGNATURESIGNATURE';
  const base = await startReceiver(path, options, (req) => {
    const parsed = parseJson(req.body);
    if ('error' in parsed) return json(400, { error: { code: 'InvalidRequestContent', message: parsed.error } });
    const problems = teamsProblems(parsed.value, Buffer.byteLength(req.body));
    if (problems.length) return json(400, { error: { code: 'InvalidRequestContent', message: problems.join('; ') } });
    for (const a of (parsed.value as { attachments: Array<{ content: Record<string, unknown> }> }).attachments) cards.push(a.content);
    return { status: 202, body: '' };
  });
  return { ...base, cards };
}
