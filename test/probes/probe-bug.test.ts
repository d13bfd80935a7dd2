/**
 * A bug inside a probe (an exception thrown from its finding code) is outcome `error`, "probe failed
 * unexpectedly: …", for both kinds, never `reset` with the network runbook (one message builder for every outcome). The fault is
 * injected into the real code path: the message builder's status wording throws while each probe
 * turns a real 502 from a loopback server into a finding; the engine must still tear everything down.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseCheck, type Check } from '../../contracts/config';
import { makeTestPki, type TestPki } from '../../demo/certs';
import { runCheck } from '../../lambda/probes/confirm';
import { lookupTo } from '../support/fault-servers';
import { startHttpBackend, type HttpBackend } from '../support/http-backend';
import { startWsBackend, type WsBackend } from '../support/ws-backend';
import { probeOnce } from './harness';

const fault = vi.hoisted(() => ({ armed: false, thrown: 0 }));

vi.mock('../../lambda/probes/messages', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../lambda/probes/messages')>();
  return {
    ...real,
    statusFinding: (...args: Parameters<typeof real.statusFinding>) => {
      if (fault.armed) {
        fault.thrown++;
        // What a real slip in finding code looks like: reading a property of undefined.
        return (undefined as unknown as { x: { y: number } }).x.y as never;
      }
      return real.statusFinding(...args);
    },
    closedMessage: (...args: Parameters<typeof real.closedMessage>) => {
      if (fault.armed) {
        fault.thrown++;
        throw new RangeError('injected fault after the 101');
      }
      return real.closedMessage(...args);
    },
  };
});

const TOKEN = 'bug-TOKEN-93d1c7';
let pki: TestPki;
let api: HttpBackend;
let chat: WsBackend;

beforeAll(async () => {
  pki = makeTestPki();
  api = await startHttpBackend({ tls: pki.server, state: { status: 502 } });
  chat = await startWsBackend({ tls: pki.server, token: TOKEN, answer: { status: 502, body: 'Bad Gateway' } });
});
afterAll(async () => {
  await Promise.all([api?.close(), chat?.close()]);
});
beforeEach(() => {
  fault.armed = true;
  fault.thrown = 0;
  chat.setMode({});
});

const check = (kind: 'websocket' | 'http'): Check =>
  parseCheck(
    kind === 'websocket'
      ? { kind, name: 'chat', url: chat.url, timeoutMs: 3000, settleMs: 200, retryDelayMs: 50, auth: { in: 'query' } }
      : { kind, name: 'orders', url: api.url, timeoutMs: 3000, retryDelayMs: 50, auth: {} },
  );
const options = () => ({ token: TOKEN, ca: pki.ca, lookup: lookupTo('127.0.0.1') });
const serversOf = (kind: 'websocket' | 'http') => [kind === 'http' ? api : { openConnections: () => chat.connections }];

describe('a bug inside a probe', () => {
  it.each(['websocket', 'http'] as const)('reports error "probe failed unexpectedly", not reset, when %s finding code throws', async (kind) => {
    const result = await probeOnce(check(kind), options(), serversOf(kind));
    expect(fault.thrown).toBe(1);
    expect(result).toMatchObject({ ok: false, outcome: 'error', kind });
    expect(result.message).toMatch(
      /^probe failed unexpectedly: TypeError: Cannot read properties of undefined \(reading 'x'\); check: the monitor itself \(a bug, not an endpoint finding\)/,
    );
    expect(result.message).not.toContain('reset');
    expect(result.evidence).toBeUndefined();
    // Timings are still measured, up to the finding.
    expect(result.timings.firstByteMs).toBeTypeOf('number');
  });

  it('reports error when the finding code after the 101 throws (the settle window path)', async () => {
    chat.setMode({ answer: 'channels', closeAfterAccept: { code: 4003, reason: 'unauthenticated' } });
    const result = await probeOnce(check('websocket'), options(), serversOf('websocket'));
    expect(fault.thrown).toBe(1);
    expect(result).toMatchObject({ outcome: 'error' });
    expect(result.message).toMatch(/^probe failed unexpectedly: RangeError: injected fault after the 101; check: /);
  });

  it.each(['websocket', 'http'] as const)('is not retried by runCheck (%s): error is not an endpoint finding', async (kind) => {
    const result = await runCheck(check(kind), options());
    expect(result).toMatchObject({ outcome: 'error', attempts: 1 });
    expect(fault.thrown).toBe(1);
  });
});
