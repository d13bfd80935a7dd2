/**
 * Token fragments (docs/CONFORMANCE.md#token-fragments): a server that cuts what it echoes leaves a
 * fragment of the token, not the token. Any run of 8 or more of its characters, in any encoding
 * lambda/redact.ts reads (raw, percent-encoded, `+`, JSON escapes, HTML entities, base64 at each
 * alignment, URL-safe base64, hex), is masked. First the incident itself, end to end through
 * runCheck and the log line; then a fuzz that cuts canary tokens at every offset and encodes them.
 */
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCheck } from '../../contracts/config';
import { toJsonLine } from '../../contracts/result';
import { base64Cores, MIN_FRAGMENT_CHARS, redact, REDACTED } from '../../lambda/redact';
import { runCheck } from '../../lambda/probes/confirm';
import { closeFrame } from '../conformance/cases';
import { acceptFor } from '../conformance/peer';
import { lookupTo } from '../support/fault-servers';

/** Every run of MIN_FRAGMENT_CHARS characters of `token` (what must never appear raw). */
const runsOf = (token: string, n = MIN_FRAGMENT_CHARS) => Array.from({ length: token.length - n + 1 }, (_, i) => token.slice(i, i + n));

describe('the incident: a close reason cut at 123 bytes', () => {
  const TOKEN = 'q7Zx2LmP9vTb4WcR8nHs3KdY'; // 24 characters
  const servers: Array<{ close(): void; sockets: Set<Socket> }> = [];
  afterAll(() => {
    for (const s of servers) {
      for (const socket of s.sockets) socket.destroy();
      s.close();
    }
  });

  /** Accepts the upgrade, then closes with 4401 and the query string in the reason, cut to 123 bytes (RFC 6455 §5.5). */
  async function echoingServer(prefix: string): Promise<{ port: number; open: () => number }> {
    const sockets = new Set<Socket>();
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
      let head = '';
      socket.on('data', (d: Buffer) => {
        head += d.toString('latin1');
        if (!head.includes('\r\n\r\n') || head.startsWith('DONE')) return;
        const query = decodeURIComponent(/^GET [^?]*\?(\S*)/.exec(head)?.[1] ?? '');
        const accept = acceptFor(head);
        head = 'DONE';
        socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
        socket.write(closeFrame(4401, Buffer.from(`${prefix}${query}`, 'utf8').subarray(0, 123)));
        socket.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push({ close: () => server.close(), sockets });
    return { port: (server.address() as AddressInfo).port, open: () => sockets.size };
  }

  it('masks the 23 characters the cut leaves, in the result and the log line', async () => {
    // "token=" + 24 characters ends at byte 124 of the reason: the cut keeps 23 of them.
    const prefix = `rejected: ${'x'.repeat(123 - 10 - 'token='.length - 23)}`;
    const server = await echoingServer(prefix);
    const check = parseCheck({
      kind: 'websocket',
      name: 'chat',
      url: `ws://localhost:${server.port}/ws/`,
      timeoutMs: 3000,
      settleMs: 300,
      retryDelayMs: 0,
      auth: { in: 'query' },
    });
    const result = await runCheck(check, { token: TOKEN, lookup: lookupTo('127.0.0.1') });
    expect(result.outcome).toBe('closed');
    expect(result.closeCode).toBe(4401);
    // The reason really carried 23 characters of the token (what the old masker let through).
    expect(`${prefix}token=${TOKEN}`.slice(0, 123).endsWith(TOKEN.slice(0, 23))).toBe(true);
    const everything = `${JSON.stringify(result)}\n${toJsonLine(result)}`;
    for (const run of runsOf(TOKEN)) expect(everything).not.toContain(run);
    expect(result.message).toContain(REDACTED);
    await expect.poll(server.open).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------
// The fuzz: canary tokens cut at every offset, in every encoding, inside server-like text.

/** Canaries: hex (DRF), base64url (JWT-like), and one with the characters encoders treat differently. */
const CANARIES = ['9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b', 'eyJhbGciOiJIUzI1NiJ9_-xQ2', 'Cy"9/Qx+Lw 3Vk&<é>🔑tail'];

/** Each encoding of a fragment, as a server would write it. */
const ENCODINGS: Readonly<Record<string, (s: string) => string>> = {
  raw: (s) => s,
  'percent (encodeURIComponent)': encodeURIComponent,
  'percent lower-case': (s) => encodeURIComponent(s).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
  'percent every byte': (s) => [...Buffer.from(s, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0').toUpperCase()}`).join(''),
  form: (s) => new URLSearchParams({ t: s }).toString().slice(2),
  encodeURI: encodeURI,
  json: (s) => JSON.stringify(s).slice(1, -1),
  'json \\u every char': (s) =>
    [...s].map((c) => [...Array(c.length).keys()].map((k) => `\\u${c.charCodeAt(k).toString(16).padStart(4, '0')}`).join('')).join(''),
  'html entities': (s) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;'),
  'html numeric': (s) => [...s].map((c) => `&#${c.codePointAt(0)};`).join(''),
  'html hex': (s) => [...s].map((c) => `&#x${c.codePointAt(0)!.toString(16)};`).join(''),
  hex: (s) => Buffer.from(s, 'utf8').toString('hex'),
  'hex upper-case': (s) => Buffer.from(s, 'utf8').toString('hex').toUpperCase(),
  base64: (s) => Buffer.from(s, 'utf8').toString('base64'),
  'base64 after 1 byte': (s) => Buffer.from(`:${s}`, 'utf8').toString('base64'),
  'base64 after 2 bytes': (s) => Buffer.from(`u:${s}`, 'utf8').toString('base64'),
  base64url: (s) => Buffer.from(`user:${s}`, 'utf8').toString('base64url'),
};

/** Server-like text around the echo. */
const CONTEXTS: ReadonlyArray<(echo: string) => string> = [
  (e) => e,
  (e) => `{"detail":"invalid token ${e}"}`,
  (e) => `Location: https://example.test/login?next=%2Fapi%3Ftoken%3D${e}&x=1`,
];

/**
 * What of the fragment survives, by an oracle independent of the masker: an 8-character window of
 * the fragment, encoded on its own, found in the output (for per-character encodings); for base64
 * and hex, a 10 / 16 character window of the encoded fragment that the fragment alone determines.
 */
function survivors(output: string, fragment: string, encoding: string): string[] {
  const chars = [...fragment];
  const found: string[] = [];
  if (encoding.startsWith('base64') || encoding.startsWith('hex')) {
    const encoded = ENCODINGS[encoding]!(fragment);
    // Characters that stay the same when the bytes around the fragment change are the fragment's own.
    const width = encoding.startsWith('hex') ? 16 : 10;
    const stable = new Set<string>();
    for (const core of encoding.startsWith('hex') ? [encoded.toLowerCase()] : base64Cores(fragment)) {
      for (let i = 0; i + width <= core.length; i++) stable.add(core.slice(i, i + width));
    }
    const norm = (s: string) => (encoding.startsWith('hex') ? s.toLowerCase() : s.replace(/-/g, '+').replace(/_/g, '/'));
    const out = norm(output);
    for (const w of stable) if (out.includes(norm(w))) found.push(w);
    return found;
  }
  for (let i = 0; i + MIN_FRAGMENT_CHARS <= chars.length; i++) {
    const window = ENCODINGS[encoding]!(chars.slice(i, i + MIN_FRAGMENT_CHARS).join(''));
    if (output.includes(window)) found.push(window);
  }
  return found;
}

/** Every fragment of at least 8 characters a cut leaves: each prefix, each suffix, and each 8-character window. */
function cutsOf(token: string): string[] {
  const chars = [...token];
  const out = new Set<string>();
  for (let k = MIN_FRAGMENT_CHARS; k <= chars.length; k++) {
    out.add(chars.slice(0, k).join(''));
    out.add(chars.slice(chars.length - k).join(''));
  }
  for (let i = 0; i + MIN_FRAGMENT_CHARS <= chars.length; i++) out.add(chars.slice(i, i + MIN_FRAGMENT_CHARS).join(''));
  return [...out];
}

describe('fragment-masking fuzz', () => {
  it('masks every cut of every canary in every encoding and context', () => {
    let cases = 0;
    const leaks: string[] = [];
    for (const token of CANARIES) {
      for (const fragment of cutsOf(token)) {
        for (const [name, encode] of Object.entries(ENCODINGS)) {
          for (const context of CONTEXTS) {
            cases++;
            const output = redact(context(encode(fragment)), token);
            const left = survivors(output, fragment, name);
            if (left.length) leaks.push(`${JSON.stringify(token)} ${name} ${JSON.stringify(fragment)} → ${output} (left ${left[0]})`);
          }
        }
      }
    }
    // The case count is part of the report (docs/CONFORMANCE.md#token-fragments).
    console.info(`fragment-masking fuzz: ${cases} cases`);
    expect(cases).toBeGreaterThan(5_000);
    expect(leaks.slice(0, 5)).toEqual([]);
  });

  it('leaves text alone that shares fewer than 8 characters with the token', () => {
    const token = '9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b';
    const text = `the certificate expired; ${token.slice(0, 7)} and ${token.slice(20, 27)} are short`;
    expect(redact(text, token)).toBe(text);
  });

  it('masks a token shorter than 8 characters only whole', () => {
    expect(redact('abc abcdef xabcdefx', 'abcdef')).toBe('abc *** x***x');
  });
});
