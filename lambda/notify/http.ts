/**
 * One HTTP POST with a deadline, for the channels that speak HTTP (PagerDuty, webhooks, Slack,
 * Teams). Node's own http/https, not a pooled client: each attempt opens its own connection
 * (`agent: false`, `Connection: close`) and destroys it on every path, so nothing stays open after
 * a delivery — a page is rare, and a Lambda frozen with an idle keep-alive socket would find it dead.
 * Errors never carry the URL (for Slack and Teams the URL is the secret): only what went wrong.
 */
import http from 'node:http';
import https from 'node:https';

/** What a receiver answered. */
export interface HttpAnswer {
  readonly status: number;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** The start of the body (at most MAX_BODY_BYTES), for error messages. */
  readonly body: string;
}

/** One POST to send. */
export interface PostRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** This attempt's limit, connection to last byte. */
  readonly timeoutMs: number;
}

/** Why an attempt got no HTTP answer; `code` is stable, the message names no URL. */
export class TransportError extends Error {
  constructor(
    readonly code: 'TIMEOUT' | 'NETWORK',
    message: string,
  ) {
    super(message);
    this.name = 'TransportError';
  }
}

/** Sends one POST; rejects with TransportError when no answer came. */
export type Poster = (request: PostRequest) => Promise<HttpAnswer>;

/** The body is read this far, for the error message; the rest is dropped with the connection. */
const MAX_BODY_BYTES = 16 * 1024;

/** The POST over node:http(s); `ca` replaces the trusted roots (loopback receivers in tests and the demo). */
export function nodePoster(ca?: string | readonly string[]): Poster {
  return (request) =>
    new Promise<HttpAnswer>((resolve, reject) => {
      const url = new URL(request.url);
      const client = url.protocol === 'https:' ? https : http;
      let settled = false;
      const chunks: Buffer[] = [];
      let size = 0;
      let req: http.ClientRequest | undefined;
      // One exit for every path: settle once, clear the timer, destroy the connection.
      const finish = (err: Error | undefined, answer?: HttpAnswer) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        req?.destroy();
        if (err) reject(err);
        else resolve(answer!);
      };
      const timer = setTimeout(() => finish(new TransportError('TIMEOUT', `no answer within ${request.timeoutMs} ms`)), request.timeoutMs);
      try {
        req = client.request(url, {
          method: 'POST',
          agent: false,
          headers: { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)), connection: 'close' },
          ...(ca !== undefined && url.protocol === 'https:' ? { ca: typeof ca === 'string' ? ca : [...ca] } : {}),
        });
      } catch (err) {
        finish(new TransportError('NETWORK', `request not sent (${(err as NodeJS.ErrnoException).code ?? (err as Error).name})`));
        return;
      }
      req.on('error', (err: NodeJS.ErrnoException) => finish(new TransportError('NETWORK', `connection failed (${err.code ?? err.name})`)));
      req.on('response', (res) => {
        const headers: Record<string, string | undefined> = {};
        for (const [k, v] of Object.entries(res.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
        const done = () => finish(undefined, { status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString('utf8') });
        res.on('data', (c: Buffer) => {
          if (size >= MAX_BODY_BYTES) return;
          chunks.push(c.subarray(0, MAX_BODY_BYTES - size));
          size += c.length;
          // Enough to explain a refusal: stop reading (finish destroys the connection).
          if (size >= MAX_BODY_BYTES) done();
        });
        res.on('end', done);
        // The status line came; a body cut short still says what the receiver decided.
        res.on('error', done);
        res.on('aborted', done);
      });
      req.end(request.body);
    });
}

/** The POST over an injected fetch (a caller's own dispatcher); the deadline is an AbortSignal. */
export function fetchPoster(fetchFn: typeof fetch): Poster {
  return async (request) => {
    const signal = AbortSignal.timeout(request.timeoutMs);
    let res: Response;
    try {
      res = await fetchFn(request.url, { method: 'POST', headers: { ...request.headers }, body: request.body, signal, redirect: 'manual' });
    } catch (err) {
      if (signal.aborted) throw new TransportError('TIMEOUT', `no answer within ${request.timeoutMs} ms`);
      const cause = (err as { cause?: { code?: string } }).cause;
      throw new TransportError('NETWORK', `connection failed (${cause?.code ?? (err as Error).name})`);
    }
    let body = '';
    try {
      body = (await res.text()).slice(0, MAX_BODY_BYTES);
    } catch {
      // The status already says what the receiver decided.
    }
    const headers: Record<string, string | undefined> = {};
    res.headers.forEach((v, k) => (headers[k.toLowerCase()] = v));
    return { status: res.status, headers, body };
  };
}
