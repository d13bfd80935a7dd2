import { request } from 'node:https';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, test } from 'vitest';
import WebSocket from 'ws';
import { parseCheck, type Check } from '../../contracts/config';
import { runCheck } from '../../lambda/probes/confirm';
import { Regression, startReplica, type Replica } from '../../demo/replica';
import { rawUpgradeStatus } from '../support/raw-upgrade';

const CANARY = 'c4n4rytok3n5ecret0replica0000000000000000';

let replica: Replica;
beforeAll(async () => {
  replica = await startReplica({ token: CANARY });
});
afterAll(async () => {
  await replica.close();
});

const wsCheck = (): Check =>
  parseCheck({
    name: 'chat-websocket',
    kind: 'websocket',
    url: replica.wsUrl,
    origin: 'https://indexo.ir',
    settleMs: 100,
    retryDelayMs: 0,
    timeoutMs: 5_000,
    auth: { in: 'query' },
  });
const apiCheck = (): Check =>
  parseCheck({ name: 'buyer-orders', kind: 'http', url: replica.apiUrl, retryDelayMs: 0, timeoutMs: 5_000, auth: { in: 'header', scheme: 'Token' } });

/** A raw HTTPS GET with the replica's CA: status, one header and the body. */
function get(path: string, headers: Record<string, string>): Promise<{ status: number; challenge?: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${replica.origin}${path}`, { ca: replica.ca, headers, agent: false, timeout: 5_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, challenge: res.headers['www-authenticate'], body }));
    });
    req.on('timeout', () => req.destroy(new Error('request timed out after 5000 ms')));
    req.on('error', reject);
    req.end();
  });
}

/** Upgrade status for a raw handshake with the given Origin (undefined: no Origin header at all). */
function upgradeStatus(origin: string | undefined, token = CANARY): Promise<number> {
  return rawUpgradeStatus(`${replica.wsUrl}?token=${encodeURIComponent(token)}`, { ca: replica.ca, ...(origin ? { origin } : {}) });
}

describe('replica of the backend', () => {
  it('answers both checks ok when healthy', async () => {
    const [ws, api] = await Promise.all([
      runCheck(wsCheck(), { token: CANARY, ca: replica.ca }),
      runCheck(apiCheck(), { token: CANARY, ca: replica.ca }),
    ]);
    expect(ws).toMatchObject({ outcome: 'ok', status: 101 });
    expect(api).toMatchObject({ outcome: 'ok', status: 200 });
  });

  test.each([
    [Regression.ORIGIN_REJECTED, { outcome: 'forbidden', status: 403, cause: 'origin_rejected' }, { outcome: 'ok', status: 200 }],
    [Regression.TOKEN_AUTH_REMOVED, { outcome: 'ok', status: 101 }, { outcome: 'forbidden', status: 403, cause: 'credentials_not_recognized' }],
    [Regression.REFUSING, { outcome: 'refused' }, { outcome: 'refused' }],
  ] as const)('reports what the probes see when %s, then recovers on the same port', async (regression, wsExpected, apiExpected) => {
    const port = replica.port;
    await replica.set(regression);
    try {
      const [ws, api] = await Promise.all([
        runCheck(wsCheck(), { token: CANARY, ca: replica.ca }),
        runCheck(apiCheck(), { token: CANARY, ca: replica.ca }),
      ]);
      expect(ws).toMatchObject(wsExpected);
      expect(api).toMatchObject(apiExpected);
      expect(JSON.stringify([ws, api])).not.toContain(CANARY);
    } finally {
      await replica.set(Regression.HEALTHY);
    }
    expect(replica.port).toBe(port);
    const again = await runCheck(apiCheck(), { token: CANARY, ca: replica.ca });
    expect(again).toMatchObject({ outcome: 'ok', status: 200 });
  });

  it('refuses TCP connections while refusing and accepts them again afterwards', async () => {
    const tryConnect = () =>
      new Promise<string>((resolve) => {
        const s = connect({ host: '127.0.0.1', port: replica.port });
        s.setTimeout(5_000, () => s.destroy(new Error('timeout')));
        s.once('connect', () => {
          s.destroy();
          resolve('connected');
        });
        s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
      });
    await replica.set(Regression.REFUSING);
    expect(await tryConnect()).toBe('ECONNREFUSED');
    await replica.set(Regression.HEALTHY);
    expect(await tryConnect()).toBe('connected');
  });

  it('rejects a missing Origin and a foreign one with 403 on the upgrade, and a wrong token too', async () => {
    expect(await upgradeStatus(undefined)).toBe(403);
    expect(await upgradeStatus('https://evil.example')).toBe(403);
    expect(await upgradeStatus('https://indexo.ir')).toBe(101);
    expect(await upgradeStatus('https://shop.indexo.ir')).toBe(101);
    expect(await upgradeStatus('https://indexo.ir', 'wrong-token')).toBe(403);
    await replica.set(Regression.ORIGIN_REJECTED);
    try {
      expect(await upgradeStatus('https://indexo.ir')).toBe(403);
      expect(await upgradeStatus(replica.origin)).toBe(101);
    } finally {
      await replica.set(Regression.HEALTHY);
    }
  });

  it("answers DRF's 401 with a Token challenge for a bad token, and 403 once token auth is removed", async () => {
    const bad = await get('/api/auth/buyer/orders/', { Authorization: 'Token nope' });
    expect(bad).toEqual({ status: 401, challenge: 'Token', body: '{"detail":"Invalid token."}' });
    const good = await get('/api/auth/buyer/orders/', { Authorization: `Token ${CANARY}` });
    expect(good.status).toBe(200);
    expect(Array.isArray(JSON.parse(good.body))).toBe(true);
    await replica.set(Regression.TOKEN_AUTH_REMOVED);
    try {
      const removed = await get('/api/auth/buyer/orders/', { Authorization: `Token ${CANARY}` });
      expect(removed).toEqual({ status: 403, challenge: undefined, body: '{"detail":"Authentication credentials were not provided."}' });
    } finally {
      await replica.set(Regression.HEALTHY);
    }
  });

  it('reports token_rejected through the probe when the token is wrong', async () => {
    const api = await runCheck(apiCheck(), { token: 'wrong-token-value', ca: replica.ca });
    expect(api).toMatchObject({ outcome: 'unauthorized', status: 401, cause: 'token_rejected' });
    const ws = await runCheck(wsCheck(), { token: 'wrong-token-value', ca: replica.ca });
    expect(ws.outcome).toBe('forbidden');
    expect(ws.cause).toBeUndefined();
  });

  it('destroys every socket on close, open WebSockets included', async () => {
    const own = await startReplica();
    const ws = new WebSocket(`${own.wsUrl}?token=${own.token}`, { ca: own.ca, origin: 'https://indexo.ir', handshakeTimeout: 5_000 });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    expect(own.openSockets()).toBe(1);
    const closedByServer = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    await own.close();
    expect(own.openSockets()).toBe(0);
    expect(await closedByServer).toBe(1006);
    await own.close();
    await expect(own.set(Regression.HEALTHY)).rejects.toThrow('set() after close()');
  });
});
