/**
 * Shared pieces of the incident tests: a real HTTP receiver on loopback standing in for a channel's
 * endpoint (it can fail with a status, then recover), results shaped as the probes report them, and
 * engines on one dynalite table.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Delivery, Notification } from '../../contracts/notification';
import type { CheckResult } from '../../contracts/result';
import { Outcome, type Cause } from '../../contracts/outcomes';
import type { Channel } from '../../lambda/incidents/channel';
import { IncidentEngine, type IncidentEngineOptions } from '../../lambda/incidents/engine';
import { IncidentStore } from '../../lambda/incidents/store';
import type { LocalDynamo } from '../support/dynamodb';

export interface Receiver {
  readonly url: string;
  /** Notifications accepted (2xx), in order. */
  readonly accepted: Notification[];
  /** Every request, accepted or not. */
  requests: number;
  /** Answer every request with this status until set back to 202. */
  status: number;
  close(): Promise<void>;
}

/** An HTTP receiver on 127.0.0.1 that records the JSON notifications it accepts. */
export async function startReceiver(): Promise<Receiver> {
  const state = { accepted: [] as Notification[], requests: 0, status: 202 };
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      state.requests++;
      if (state.status < 300) state.accepted.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Notification);
      res.writeHead(state.status, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return Object.assign(state, {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  }) as Receiver;
}

/**
 * A channel that POSTs the notification as JSON to a receiver over real HTTP, with the deadline as
 * its timeout: the engine's side of the channel contract, until the test needs a real channel's format.
 */
export function jsonChannel(id: string, url: string): Channel {
  return {
    id,
    async deliver(n: Notification, opts: { deadline: number }): Promise<Delivery> {
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(n),
          signal: AbortSignal.timeout(Math.max(1, opts.deadline - Date.now())),
        });
        await res.arrayBuffer();
        if (res.ok) return { channel: id, ok: true, retryable: false, attempts: 1, status: res.status };
        return {
          channel: id,
          ok: false,
          retryable: res.status === 429 || res.status >= 500,
          attempts: 1,
          status: res.status,
          error: `HTTP ${res.status}`,
        };
      } catch (err) {
        return { channel: id, ok: false, retryable: true, attempts: 1, error: (err as Error).message };
      }
    },
  };
}

/** A confirmed result as a probe reports it. */
export function result(
  check: string,
  outcome: Outcome,
  options: { url?: string; cause?: Cause; status?: number; message?: string; fix?: string; at?: number } = {},
): CheckResult {
  const status =
    options.status ?? (outcome === Outcome.FORBIDDEN ? 403 : outcome === Outcome.UNAUTHORIZED ? 401 : outcome === Outcome.OK ? 200 : undefined);
  const fix = options.fix ?? (outcome === Outcome.OK ? undefined : `fix for ${outcome}${options.cause ? `/${options.cause}` : ''}`);
  return {
    check,
    kind: 'http',
    url: options.url ?? 'https://api.example.com/health',
    ok: outcome === Outcome.OK,
    outcome,
    ...(status !== undefined ? { status } : {}),
    ...(options.cause ? { cause: options.cause } : {}),
    attempts: outcome === Outcome.OK ? 1 : 2,
    message: options.message ?? (outcome === Outcome.OK ? 'HTTP 200 as expected in 12 ms' : `${outcome} happened${fix ? `; check: ${fix}` : ''}`),
    ...(fix ? { fix } : {}),
    timings: { totalMs: 12 },
    startedAt: new Date(options.at ?? Date.UTC(2026, 11, 4, 12)).toISOString(),
  };
}

/** An engine for one location on the dynalite table. */
export function engineFor(
  dynamo: LocalDynamo,
  table: string,
  location: string,
  channels: readonly Channel[],
  options: Partial<IncidentEngineOptions> = {},
): IncidentEngine {
  return new IncidentEngine({
    store: new IncidentStore(dynamo.client, table),
    monitor: 'test-monitor',
    location,
    quorum: 2,
    resolveAfterRuns: 2,
    channels,
    log: () => {},
    ...options,
  });
}

/** A run at `at` of checks every `interval` seconds, with a generous deadline. */
export function runAt(at: number, checks: readonly string[], interval = 60): { at: number; intervals: Map<string, number>; deadline: number } {
  return { at, intervals: new Map(checks.map((c) => [c, interval])), deadline: Date.now() + 20_000 };
}
