/**
 * The response heads read as a browser reads them (lambda/probes/interim.ts, docs/CONFORMANCE.md):
 * an unasked-for 100 Continue and obs-fold, whatever way TCP splits the bytes. Every split gives an
 * endpoint finding (never `error`) and leaves nothing open; a split away from the status line and
 * the fold reads `ok`, as Chromium does.
 */
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCheck } from '../../contracts/config';
import { lookupTo } from '../support/fault-servers';
import { probeOnce } from './harness';

const ANSWER =
  'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 200 OK\r\nX-Folded: one\r\n two\r\nContent-Length: 2\r\n\r\nok';
/** Where a split leaves a status line or a fold whole in one read. */
const SAFE = (at: number) => {
  const heads = [0, ANSWER.indexOf('HTTP/1.1 103'), ANSWER.indexOf('HTTP/1.1 200')];
  const fold = ANSWER.indexOf('\r\n two');
  return heads.every((h) => at <= h || at >= h + 16) && (at <= fold || at > fold + 2);
};

let split = 0;
const sockets = new Set<Socket>();
const server = createServer((socket) => {
  sockets.add(socket);
  socket.on('close', () => sockets.delete(socket));
  socket.on('error', () => undefined);
  socket.setNoDelay(true);
  socket.once('data', () => {
    socket.write(ANSWER.slice(0, split));
    setTimeout(() => socket.write(ANSWER.slice(split)), 15);
  });
});
let port = 0;
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('a 100 Continue and obs-fold, split at every byte', () => {
  it('never reads error, and reads ok wherever the status lines and the fold arrive whole', async () => {
    const check = parseCheck({ kind: 'http', name: 'interim', url: `http://localhost:${port}/`, timeoutMs: 2000, retryDelayMs: 0 });
    const wrong: string[] = [];
    for (split = 1; split < ANSWER.length; split++) {
      const result = await probeOnce(check, { lookup: lookupTo('127.0.0.1') }, [{ openConnections: () => sockets.size }]);
      if (result.outcome === 'error' || (SAFE(split) && result.outcome !== 'ok')) wrong.push(`${split}: ${result.outcome} ${result.message}`);
    }
    expect(wrong).toEqual([]);
  });
});
