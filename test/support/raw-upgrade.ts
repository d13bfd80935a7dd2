/** A raw WebSocket handshake with `ws`, for tests that compare what backends answer an upgrade. */
import type { LookupFunction } from 'node:net';
import WebSocket from 'ws';

export interface RawUpgradeOptions {
  /** CA to trust for wss://. */
  readonly ca?: string;
  /** The Origin header; undefined sends none. */
  readonly origin?: string;
  readonly lookup?: LookupFunction;
  /** @default 5000 */
  readonly timeoutMs?: number;
}

/** The status the upgrade gets: 101 when the socket opened (closed again at once), else the answer's status. */
export function rawUpgradeStatus(url: string, options: RawUpgradeOptions = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, {
      handshakeTimeout: options.timeoutMs ?? 5_000,
      ...(options.ca ? { ca: options.ca } : {}),
      ...(options.origin !== undefined ? { origin: options.origin } : {}),
      ...(options.lookup ? { lookup: options.lookup } : {}),
    });
    ws.on('open', () => {
      ws.terminate();
      resolve(101);
    });
    ws.on('unexpected-response', (req, res) => {
      resolve(res.statusCode ?? 0);
      req.destroy();
    });
    ws.on('error', reject);
  });
}
