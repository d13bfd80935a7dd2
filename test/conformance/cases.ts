/**
 * The behaviours the conformance harness plays (docs/CONFORMANCE.md): a fixed core set, run by
 * `npm test`, and a seeded generator that recombines the same building blocks, run by
 * `npm run test:conformance` (CONFORMANCE_SEED, CONFORMANCE_CASES). A case is data: which kind of
 * check probes it, the TLS variant (or plain TCP), and the peer's script (./peer.ts).
 */
import type { TlsOptions } from 'node:tls';
import type { TestPki } from '../../demo/certs';
import type { PeerScript, Step } from './peer';

/** The behaviour classes of the report's table. */
export const CLASSES = [
  'status line',
  'interim 1xx',
  'header count/size',
  'header syntax',
  'transfer/content encoding',
  'early close',
  'non-HTTP peer',
  'WebSocket handshake',
  'WebSocket frames',
  'TLS',
] as const;
export type BehaviourClass = (typeof CLASSES)[number];

export type TlsVariant =
  | 'plain'
  | 'good'
  | 'full-chain'
  | 'intermediate-missing'
  | 'expired'
  | 'not-yet-valid'
  | 'wrong-host'
  | 'untrusted'
  | 'self-signed'
  | 'tls1.2-only'
  | 'tls1.3-only'
  | 'tls1.1-only'
  | 'client-cert-optional'
  | 'client-cert-required';

export interface Case {
  /** Stable and unique: `<kind>/<class>/<what>`; the generator's ids carry the seed and index. */
  readonly id: string;
  readonly cls: BehaviourClass;
  readonly kind: 'http' | 'websocket';
  readonly tls: TlsVariant;
  readonly script: Omit<PeerScript, 'tls'>;
  /** Features a known difference is decided on (./known.ts). */
  readonly tags?: readonly string[];
}

/** Listener options for a TLS variant, from the test PKI. */
export function tlsOptions(variant: TlsVariant, pki: TestPki): TlsOptions | undefined {
  switch (variant) {
    case 'plain':
      return undefined;
    case 'good':
      return { ...pki.server };
    case 'full-chain':
      return { ...pki.fullChain };
    case 'intermediate-missing':
      return { ...pki.intermediateMissing };
    case 'expired':
      return { ...pki.expired };
    case 'not-yet-valid':
      return { ...pki.notYetValid };
    case 'wrong-host':
      return { ...pki.wrongHost };
    case 'untrusted':
      return { ...pki.untrusted };
    case 'self-signed':
      return { ...pki.selfSigned };
    case 'tls1.2-only':
      return { ...pki.server, minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' };
    case 'tls1.3-only':
      return { ...pki.server, minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' };
    case 'tls1.1-only':
      // OpenSSL 3 allows TLS 1.1 only at security level 0.
      return { ...pki.server, minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT:@SECLEVEL=0' };
    case 'client-cert-optional':
      return { ...pki.server, requestCert: true, rejectUnauthorized: false };
    case 'client-cert-required':
      return { ...pki.server, requestCert: true, rejectUnauthorized: true, ca: [pki.ca] };
  }
}

// ---------------------------------------------------------------------------------------------
// Building blocks.

const CRLF = '\r\n';
const w = (write: string | Buffer): Step => ({ write });
const wait = (ms: number): Step => ({ wait: ms });
const END: Step = { end: true };
const RESET: Step = { reset: true };

/** An HTTP/1.1 response head from raw header lines (already `Name: value`). */
export function head(statusLine: string, lines: readonly string[]): string {
  return `${statusLine}${CRLF}${lines.map((l) => `${l}${CRLF}`).join('')}${CRLF}`;
}

/** A complete response with a Content-Length body. */
export function response(statusLine: string, lines: readonly string[] = [], body: string | Buffer = 'ok'): Buffer {
  const b = Buffer.isBuffer(body) ? body : Buffer.from(body, 'latin1');
  return Buffer.concat([Buffer.from(head(statusLine, [...lines, `Content-Length: ${b.length}`]), 'latin1'), b]);
}

const OK = (lines: readonly string[] = [], body?: string | Buffer) => response('HTTP/1.1 200 OK', lines, body);

/** A 101 accepting the upgrade; `lines` replace or add headers. */
export function upgrade(extra: readonly string[] = [], statusLine = 'HTTP/1.1 101 Switching Protocols'): string {
  return head(statusLine, ['Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Accept: {accept}', ...extra]);
}

/** A server-to-client WebSocket frame (unmasked unless asked). */
export function frame(
  opcode: number,
  payload: Buffer | string = Buffer.alloc(0),
  o: { fin?: boolean; rsv1?: boolean; mask?: boolean; length?: bigint } = {},
): Buffer {
  const data = Buffer.isBuffer(payload) ? payload : Buffer.from(payload, 'utf8');
  const b0 = ((o.fin ?? true) ? 0x80 : 0) | (o.rsv1 ? 0x40 : 0) | opcode;
  const len = o.length ?? BigInt(data.length);
  const maskBit = o.mask ? 0x80 : 0;
  let header: Buffer;
  if (len < 126n) header = Buffer.from([b0, maskBit | Number(len)]);
  else if (len < 65536n) {
    header = Buffer.alloc(4);
    header[0] = b0;
    header[1] = maskBit | 126;
    header.writeUInt16BE(Number(len), 2);
  } else {
    header = Buffer.alloc(10);
    header[0] = b0;
    header[1] = maskBit | 127;
    header.writeBigUInt64BE(len, 2);
  }
  if (!o.mask) return Buffer.concat([header, data]);
  const key = Buffer.from([1, 2, 3, 4]);
  return Buffer.concat([header, key, Buffer.from(data.map((x, i) => x ^ key[i % 4]!))]);
}

/** A close frame: code (or none) and reason bytes. */
export function closeFrame(code?: number, reason: string | Buffer = ''): Buffer {
  if (code === undefined) return frame(8);
  const r = Buffer.isBuffer(reason) ? reason : Buffer.from(reason, 'utf8');
  const p = Buffer.alloc(2 + r.length);
  p.writeUInt16BE(code, 0);
  r.copy(p, 2);
  return frame(8, p);
}

const headers = (n: number, size = 10) => Array.from({ length: n }, (_, i) => `X-Filler-${i}: ${'v'.repeat(size)}`);

// ---------------------------------------------------------------------------------------------
// The core set: one or more cases for each behaviour the issue names, both kinds where it applies.

import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { seededRandom } from '../../bench/stats';

const JSON_BODY = '{"ok":true}';

function http(cls: BehaviourClass, name: string, respond: readonly Step[], more: Partial<Case> = {}): Case {
  return { id: `http/${name}`, cls, kind: 'http', tls: 'plain', script: { respond }, ...more };
}
function ws(cls: BehaviourClass, name: string, respond: readonly Step[], more: Partial<Case> = {}): Case {
  return { id: `websocket/${name}`, cls, kind: 'websocket', tls: 'plain', script: { respond }, ...more };
}
const both = (cls: BehaviourClass, name: string, script: Omit<PeerScript, 'tls'>, tls: TlsVariant = 'plain', tags?: string[]): Case[] =>
  (['http', 'websocket'] as const).map((kind) => ({ id: `${kind}/${name}`, cls, kind, tls, script, ...(tags ? { tags } : {}) }));
/** The healthy answer of each kind. */
const healthy = { http: OK(), websocket: upgrade() } as const;

export const CORE_CASES: readonly Case[] = [
  // Status lines and reason phrases.
  http('status line', 'status/200-ok', [w(OK())]),
  http('status line', 'status/200-empty-reason', [w(response('HTTP/1.1 200 '))]),
  http('status line', 'status/200-no-reason-no-space', [w(response('HTTP/1.1 200'))]),
  http('status line', 'status/200-odd-reason', [w(response('HTTP/1.1 200 Totally Fine, Thanks'))]),
  http('status line', 'status/200-obs-text-reason', [
    w(Buffer.concat([Buffer.from('HTTP/1.1 200 '), Buffer.from([0xe9, 0xff]), Buffer.from('\r\nContent-Length: 2\r\n\r\nok')])),
  ]),
  http('status line', 'status/404', [w(response('HTTP/1.1 404 Not Found'))]),
  http('status line', 'status/503-wrong-reason', [w(response('HTTP/1.1 503 OK'))]),
  http('status line', 'status/599', [w(response('HTTP/1.1 599 Whatever'))]),
  http('status line', 'status/http-1.0', [w(response('HTTP/1.0 200 OK'))]),
  http('status line', 'status/lowercase-version', [w(response('http/1.1 200 OK'))], { tags: ['lenient-status-line'] }),
  ws('status line', 'status/101-custom-reason', [w(upgrade([], 'HTTP/1.1 101 Web Socket Protocol Handshake'))]),
  ws('status line', 'status/101-no-reason', [w(upgrade([], 'HTTP/1.1 101'))]),
  ws('status line', 'status/200-to-upgrade', [w(OK())]),

  // Interim responses.
  http('interim 1xx', '1xx/100-then-200', [w(head('HTTP/1.1 100 Continue', [])), w(OK())]),
  http('interim 1xx', '1xx/103-then-200', [w(head('HTTP/1.1 103 Early Hints', ['Link: </a.css>; rel=preload'])), w(OK())]),
  http('interim 1xx', '1xx/three-then-200', [
    w(head('HTTP/1.1 100 Continue', [])),
    w(head('HTTP/1.1 102 Processing', [])),
    w(head('HTTP/1.1 103 Early Hints', [])),
    w(OK()),
  ]),
  http('interim 1xx', '1xx/100-then-close', [w(head('HTTP/1.1 100 Continue', [])), END]),
  http('interim 1xx', '1xx/unsolicited-101', [w(upgrade())], { tags: ['unsolicited-101'] }),
  ws('interim 1xx', '1xx/100-then-101', [w(head('HTTP/1.1 100 Continue', [])), w(upgrade())], { tags: ['1xx-before-101'] }),

  // Header counts and sizes.
  http('header count/size', 'headers/100', [w(OK(headers(100)))]),
  http('header count/size', 'headers/20KB', [w(OK(headers(1, 20 * 1024)))]),
  http('header count/size', 'headers/200KB', [w(OK(headers(20, 10 * 1024)))]),
  http('header count/size', 'headers/300KB', [w(OK(headers(30, 10 * 1024)))]),
  ws('header count/size', 'headers/101-with-20KB', [w(upgrade(headers(2, 10 * 1024)))]),
  ws('header count/size', 'headers/101-with-300KB', [w(upgrade(headers(30, 10 * 1024)))]),

  // Header syntax: folding and odd spacing.
  http('header syntax', 'syntax/obs-fold', [w(OK(['X-Folded: one', ' two']))]),
  ws('header syntax', 'syntax/101-obs-fold', [w(upgrade(['X-Folded: one', ' two', '\tthree']))]),
  ws('header syntax', 'syntax/101-empty-header-name', [w(upgrade([': nothing']))], { tags: ['empty-header-name'] }),
  http('header syntax', 'syntax/space-before-colon', [w(OK(['X-Odd : value']))], { tags: ['space-before-colon'] }),
  http('header syntax', 'syntax/no-space-after-colon', [w(OK(['X-Tight:value']))]),
  http('header syntax', 'syntax/tabs-around-value', [w(OK(['X-Tabs:\t value \t']))]),
  http('header syntax', 'syntax/bare-lf', [w('HTTP/1.1 200 OK\nContent-Length: 2\n\nok')], { tags: ['bare-lf'] }),
  http('header syntax', 'syntax/empty-header-name', [w(OK([': nothing']))]),
  ws('header syntax', 'syntax/101-lowercase-tokens', [
    w(head('HTTP/1.1 101 Switching Protocols', ['upgrade: WebSocket', 'connection: keep-alive, upgrade', 'sec-websocket-accept: {accept}'])),
  ]),

  // Transfer and content encodings, charsets.
  http('transfer/content encoding', 'encoding/chunked', [w(head('HTTP/1.1 200 OK', ['Transfer-Encoding: chunked'])), w('2\r\nok\r\n0\r\n\r\n')]),
  http('transfer/content encoding', 'encoding/chunked-extension', [
    w(head('HTTP/1.1 200 OK', ['Transfer-Encoding: chunked'])),
    w('2;name=value\r\nok\r\n0\r\n\r\n'),
  ]),
  http('transfer/content encoding', 'encoding/chunked-bad-size', [
    w(head('HTTP/1.1 200 OK', ['Transfer-Encoding: chunked'])),
    w('zz\r\nok\r\n0\r\n\r\n'),
  ]),
  http(
    'transfer/content encoding',
    'encoding/chunked-and-length',
    [w(head('HTTP/1.1 200 OK', ['Transfer-Encoding: chunked', 'Content-Length: 100'])), w('2\r\nok\r\n0\r\n\r\n')],
    { tags: ['te-and-cl'] },
  ),
  http('transfer/content encoding', 'encoding/length-twice-same', [w(head('HTTP/1.1 200 OK', ['Content-Length: 2', 'Content-Length: 2'])), w('ok')]),
  http('transfer/content encoding', 'encoding/length-twice-different', [
    w(head('HTTP/1.1 200 OK', ['Content-Length: 2', 'Content-Length: 3'])),
    w('ok!'),
  ]),
  http('transfer/content encoding', 'encoding/close-delimited', [w(head('HTTP/1.1 200 OK', [])), w('ok'), END]),
  http('transfer/content encoding', 'encoding/gzip', [w(OK(['Content-Encoding: gzip'], gzipSync(JSON_BODY)))]),
  http('transfer/content encoding', 'encoding/deflate-zlib', [w(OK(['Content-Encoding: deflate'], deflateSync(JSON_BODY)))]),
  http('transfer/content encoding', 'encoding/deflate-raw', [w(OK(['Content-Encoding: deflate'], deflateRawSync(JSON_BODY)))]),
  http('transfer/content encoding', 'encoding/br', [w(OK(['Content-Encoding: br'], brotliCompressSync(JSON_BODY)))]),
  http('transfer/content encoding', 'encoding/gzip-corrupt', [w(OK(['Content-Encoding: gzip'], Buffer.from('not gzip at all')))]),
  http('transfer/content encoding', 'encoding/unknown-coding', [w(OK(['Content-Encoding: snappy'], JSON_BODY))], { tags: ['unknown-coding'] }),
  http('transfer/content encoding', 'encoding/charset-latin1', [
    w(OK(['Content-Type: text/plain; charset=iso-8859-1'], Buffer.from([0x63, 0x61, 0x66, 0xe9]))),
  ]),
  http('transfer/content encoding', 'encoding/charset-invalid-utf8', [
    w(OK(['Content-Type: application/json; charset=utf-8'], Buffer.from([0x22, 0xc3, 0x28, 0x22]))),
  ]),

  // Early closes at every stage.
  ...both('early close', 'close/on-accept', { greet: [END] }),
  ...both('early close', 'reset/on-accept', { greet: [RESET] }),
  ...both('early close', 'close/after-request', { respond: [END] }),
  ...both('early close', 'reset/after-request', { respond: [RESET] }),
  ...both('early close', 'close/mid-status-line', { respond: [w('HTTP/1.1 20'), END] }),
  ...both('early close', 'close/mid-headers', { respond: [w('HTTP/1.1 200 OK\r\nContent-Le'), END] }),
  http('early close', 'close/mid-body', [w(head('HTTP/1.1 200 OK', ['Content-Length: 100'])), w('partial'), END]),
  http('early close', 'reset/mid-body', [w(head('HTTP/1.1 200 OK', ['Content-Length: 100'])), w('partial'), wait(50), RESET]),
  http('early close', 'close/mid-chunk', [w(head('HTTP/1.1 200 OK', ['Transfer-Encoding: chunked'])), w('10\r\npart'), END]),
  ...both('early close', 'close/tls-mid-handshake', { greet: [END] }, 'good'),
  ws('early close', 'close/right-after-101', [w(upgrade()), END]),
  ws('early close', 'reset/right-after-101', [w(upgrade()), wait(30), RESET]),
  ws('early close', 'close/mid-frame', [w(upgrade()), w(frame(1, 'hello').subarray(0, 4)), END]),

  // Non-HTTP peers.
  ...both('non-HTTP peer', 'peer/ssh-banner', { greet: [w('SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n')] }),
  ...both('non-HTTP peer', 'peer/smtp-banner', {
    greet: [w('220 mail.example ESMTP ready\r\n')],
    respond: [w('500 5.5.1 Command unrecognized\r\n')],
  }),
  ...both('non-HTTP peer', 'peer/binary-garbage', { respond: [w(Buffer.from([0x00, 0xff, 0x13, 0x37, 0x0d, 0x0a, 0x0d, 0x0a])), END] }),
  ...both('non-HTTP peer', 'peer/http09-body-only', { respond: [w('{"ok":true}\n'), END] }, 'plain', ['http09']),
  ...both('non-HTTP peer', 'peer/http2-settings', { respond: [w(Buffer.from('000000040000000000', 'hex')), END] }),
  ...both('non-HTTP peer', 'peer/tls-alert-to-hello', { greet: [w(Buffer.from('15030300020228', 'hex')), END] }, 'plain', ['tls-url-to-plain']),

  // WebSocket handshakes.
  ws('WebSocket handshake', 'handshake/ok', [w(upgrade())]),
  ws('WebSocket handshake', 'handshake/bad-accept', [
    w(head('HTTP/1.1 101 Switching Protocols', ['Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Accept: dGhlIHNhbXBsZSBub25jZQ=='])),
  ]),
  ws('WebSocket handshake', 'handshake/no-accept', [w(head('HTTP/1.1 101 Switching Protocols', ['Upgrade: websocket', 'Connection: Upgrade']))]),
  ws('WebSocket handshake', 'handshake/no-upgrade-header', [
    w(head('HTTP/1.1 101 Switching Protocols', ['Connection: Upgrade', 'Sec-WebSocket-Accept: {accept}'])),
  ]),
  ws('WebSocket handshake', 'handshake/no-connection-header', [
    w(head('HTTP/1.1 101 Switching Protocols', ['Upgrade: websocket', 'Sec-WebSocket-Accept: {accept}'])),
  ]),
  ws('WebSocket handshake', 'handshake/accept-twice', [w(upgrade(['Sec-WebSocket-Accept: {accept}']))]),
  ws('WebSocket handshake', 'handshake/http-1.0-101', [w(upgrade([], 'HTTP/1.0 101 Switching Protocols'))], { tags: ['http10-101'] }),
  ws('WebSocket handshake', 'handshake/unrequested-subprotocol', [w(upgrade(['Sec-WebSocket-Protocol: chat']))]),
  ws('WebSocket handshake', 'handshake/unknown-extension', [w(upgrade(['Sec-WebSocket-Extensions: x-webkit-unknown']))]),
  ws('WebSocket handshake', 'handshake/permessage-deflate-always', [w(upgrade(['Sec-WebSocket-Extensions: permessage-deflate']))]),
  ws('WebSocket handshake', 'handshake/101-with-body-length', [w(upgrade(['Content-Length: 0']))]),
  ws('WebSocket handshake', 'handshake/426', [w(response('HTTP/1.1 426 Upgrade Required', ['Sec-WebSocket-Version: 13']))]),

  // WebSocket frames right after the 101, oversized and fragmented frames, close codes and reasons.
  ws('WebSocket frames', 'frames/text-with-101', [w(upgrade() + frame(1, 'welcome').toString('latin1'))]),
  ws('WebSocket frames', 'frames/ping-with-101', [w(upgrade() + frame(9, 'p').toString('latin1'))]),
  ws('WebSocket frames', 'frames/fragmented', [w(upgrade()), w(frame(1, 'hel', { fin: false })), w(frame(9, 'mid')), w(frame(0, 'lo'))]),
  ws('WebSocket frames', 'frames/binary-2MiB', [w(upgrade()), w(frame(2, Buffer.alloc(2 * 1024 * 1024, 7)))], { tags: ['oversized'] }),
  ws('WebSocket frames', 'frames/declared-2^62', [w(upgrade()), w(frame(2, Buffer.alloc(16), { length: 2n ** 62n }))], { tags: ['oversized'] }),
  ws('WebSocket frames', 'frames/masked-by-server', [w(upgrade()), w(frame(1, 'hello', { mask: true }))]),
  ws('WebSocket frames', 'frames/rsv1-without-extension', [w(upgrade()), w(frame(1, 'hello', { rsv1: true }))]),
  ws('WebSocket frames', 'frames/unknown-opcode', [w(upgrade()), w(frame(3, 'x'))]),
  ws('WebSocket frames', 'frames/invalid-utf8-text', [w(upgrade()), w(frame(1, Buffer.from([0xc3, 0x28])))]),
  ws('WebSocket frames', 'frames/continuation-without-start', [w(upgrade()), w(frame(0, 'x'))]),
  ws('WebSocket frames', 'frames/fragmented-ping', [w(upgrade()), w(frame(9, 'x', { fin: false }))]),
  ws('WebSocket frames', 'close/1000', [w(upgrade()), w(closeFrame(1000, 'bye'))]),
  ws('WebSocket frames', 'close/4401-with-101', [w(upgrade() + closeFrame(4401, 'unauthorized').toString('latin1'))]),
  ws('WebSocket frames', 'close/no-code', [w(upgrade()), w(closeFrame())]),
  ws('WebSocket frames', 'close/1005-on-wire', [w(upgrade()), w(closeFrame(1005))]),
  ws('WebSocket frames', 'close/999', [w(upgrade()), w(closeFrame(999))]),
  ws('WebSocket frames', 'close/invalid-utf8-reason', [w(upgrade()), w(closeFrame(1000, Buffer.from([0xc3, 0x28])))]),
  ws('WebSocket frames', 'close/one-byte-payload', [w(upgrade()), w(frame(8, Buffer.from([3])))]),
  ws('WebSocket frames', 'close/123-byte-reason', [w(upgrade()), w(closeFrame(1008, 'r'.repeat(123)))]),

  // TLS variants (the healthy answer of each kind behind each).
  ...(
    [
      'good',
      'full-chain',
      'intermediate-missing',
      'expired',
      'not-yet-valid',
      'wrong-host',
      'untrusted',
      'self-signed',
      'tls1.2-only',
      'tls1.3-only',
      'tls1.1-only',
      'client-cert-optional',
      'client-cert-required',
    ] as const
  ).flatMap((variant) =>
    (['http', 'websocket'] as const).map((kind): Case => ({
      id: `${kind}/tls/${variant}`,
      cls: 'TLS',
      kind,
      tls: variant,
      script: { respond: [w(healthy[kind])] },
    })),
  ),
  ...both('TLS', 'tls/plain-http-on-tls-url', { respond: [w(OK())] }, 'plain', ['tls-url-to-plain']),
];

/** The same cases as plain ones, but the URL scheme asks for TLS (the `tls-url-to-plain` tag). */
export function wantsTls(c: Case): boolean {
  return c.tls !== 'plain' || !!c.tags?.includes('tls-url-to-plain');
}

// ---------------------------------------------------------------------------------------------
// The seeded generator: the same building blocks, recombined (`npm run test:conformance`).

/** The benchmarks' seeded PRNG (mulberry32): a seed names a run exactly. */
export const prng = seededRandom;

const TLS_VARIANTS: readonly TlsVariant[] = [
  'plain',
  'good',
  'full-chain',
  'intermediate-missing',
  'expired',
  'not-yet-valid',
  'wrong-host',
  'untrusted',
  'self-signed',
  'tls1.2-only',
  'tls1.3-only',
  'tls1.1-only',
  'client-cert-optional',
  'client-cert-required',
];

/** `count` generated cases for `seed`; ids carry both, so a failing case can be replayed. */
export function generateCases(seed: number, count: number): Case[] {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const out: Case[] = [];
  for (let n = 0; out.length < count; n++) {
    const cls = pick(CLASSES);
    const made = generateOne(cls, { pick, int, rnd });
    if (!made) continue;
    const tls = cls === 'TLS' ? pick(TLS_VARIANTS.filter((v) => v !== 'plain')) : rnd() < 0.3 ? 'good' : 'plain';
    // The optional client-certificate request is a kept difference for WebSocket only.
    const tags = [...(made.tags ?? []), ...(tls === 'client-cert-optional' && made.kind === 'websocket' ? ['client-cert-optional-ws'] : [])];
    out.push({ ...made, id: `${made.kind}/gen/${seed}/${n}/${made.id}`, cls, tls, ...(tags.length ? { tags } : {}) });
  }
  return out;
}

interface Rnd {
  pick: <T>(xs: readonly T[]) => T;
  int: (lo: number, hi: number) => number;
  rnd: () => number;
}

const REASONS = ['OK', '', 'Whatever', 'Not Found', 'Switching', 'Totally Fine, Thanks', '\u00e9t\u00e9'];
const STATUSES = [200, 200, 200, 201, 202, 301, 302, 307, 400, 401, 403, 404, 418, 429, 500, 502, 503, 504, 599];

function generateOne(cls: BehaviourClass, { pick, int, rnd }: Rnd): Omit<Case, 'cls' | 'tls'> | undefined {
  const kind = rnd() < 0.5 ? 'http' : 'websocket';
  const ok = kind === 'http' ? OK() : upgrade();
  const withHeaders = (lines: string[]) => (kind === 'http' ? OK(lines) : upgrade(lines));
  switch (cls) {
    case 'status line': {
      const status = kind === 'websocket' && rnd() < 0.5 ? 101 : pick(STATUSES);
      const version = rnd() < 0.2 ? 'HTTP/1.0' : 'HTTP/1.1';
      const reason = pick(REASONS);
      const line = rnd() < 0.2 ? `${version} ${status}` : `${version} ${status} ${reason}`;
      const lines = status >= 300 && status < 400 ? ['Location: /elsewhere'] : [];
      const respond = status === 101 ? upgrade([], line) : response(line, lines);
      const tags = status === 101 && version === 'HTTP/1.0' ? ['http10-101'] : [];
      return { id: `status-${status}`, kind, script: { respond: [w(respond)] }, tags };
    }
    case 'interim 1xx': {
      const interim = Array.from({ length: int(1, 3) }, () =>
        head(
          `HTTP/1.1 ${pick([100, 102, 103])} ${pick(['Continue', 'Processing', 'Early Hints'])}`,
          rnd() < 0.5 ? ['Link: </a.css>; rel=preload'] : [],
        ),
      );
      const end = rnd() < 0.2 ? [END] : [w(ok)];
      return {
        id: `interim-${interim.length}`,
        kind,
        script: { respond: [...interim.map((i) => w(i)), ...end] },
        tags: kind === 'websocket' ? ['1xx-before-101'] : [],
      };
    }
    case 'header count/size': {
      // Away from Chromium's 256 KiB limit, where the status line and framing decide.
      const total = pick([int(1, 200) * 50, int(10, 180) * 1024, int(280, 400) * 1024]);
      const count = int(1, Math.min(200, Math.max(1, Math.floor(total / 20))));
      return {
        id: `headers-${count}x${Math.floor(total / count)}`,
        kind,
        script: { respond: [w(withHeaders(headers(count, Math.max(1, Math.floor(total / count)))))] },
      };
    }
    case 'header syntax': {
      const variants: Array<[string, string[], string[]]> = [
        ['obs-fold', ['X-Folded: one', ' two', '\tthree'], []],
        ['no-space', ['X-Tight:value'], []],
        ['tabs', ['X-Tabs:\t value \t'], []],
        ['upper-names', ['X-SHOUTING: YES', 'CONTENT-TYPE: text/plain'], []],
        ['duplicates', ['X-Dup: 1', 'X-Dup: 2', 'Set-Cookie: a=1', 'Set-Cookie: b=2'], []],
        ['obs-text', ['X-Latin: caf\u00e9'], []],
        ['space-before-colon', ['X-Odd : value'], ['space-before-colon']],
        ['empty-name', [': nothing'], ['empty-header-name']],
      ];
      const [name, lines, tags] = pick(variants);
      return { id: `syntax-${name}`, kind, script: { respond: [w(withHeaders(lines))] }, tags };
    }
    case 'transfer/content encoding': {
      if (kind === 'websocket') return undefined;
      const size = pick([0, 1, 100, int(1, 60_000)]);
      const body = Buffer.from(
        Array.from({ length: size }, (_, i) => 'abcdefghijklmnopqrstuvwxyz{}":,0123456789'[(i * 7 + size) % 42]!).join(''),
        'latin1',
      );
      const coding = pick(['identity', 'gzip', 'deflate', 'deflate-raw', 'br', 'gzip-corrupt']);
      const encoded =
        coding === 'gzip'
          ? gzipSync(body)
          : coding === 'deflate'
            ? deflateSync(body)
            : coding === 'deflate-raw'
              ? deflateRawSync(body)
              : coding === 'br'
                ? brotliCompressSync(body)
                : coding === 'gzip-corrupt'
                  ? Buffer.from('garbage!')
                  : body;
      const ce = coding === 'identity' ? [] : [`Content-Encoding: ${coding.replace(/-.*/, '')}`];
      const ct = [
        `Content-Type: ${pick(['application/json', 'text/plain; charset=iso-8859-1', 'text/html; charset=utf-8', 'application/octet-stream'])}`,
      ];
      const framing = pick(['length', 'chunked', 'close']);
      if (framing === 'length')
        return { id: `${coding}-${framing}-${size}`, kind, script: { respond: [w(response('HTTP/1.1 200 OK', [...ce, ...ct], encoded))] } };
      if (framing === 'close')
        return { id: `${coding}-${framing}-${size}`, kind, script: { respond: [w(head('HTTP/1.1 200 OK', [...ce, ...ct])), w(encoded), END] } };
      const chunks: Buffer[] = [];
      for (let at = 0; at < encoded.length;) {
        const n = Math.min(encoded.length - at, int(1, 9000));
        chunks.push(Buffer.from(`${n.toString(16)}${rnd() < 0.1 ? ';ext=1' : ''}\r\n`), encoded.subarray(at, at + n), Buffer.from('\r\n'));
        at += n;
      }
      chunks.push(Buffer.from('0\r\n\r\n'));
      return {
        id: `${coding}-chunked-${size}`,
        kind,
        script: { respond: [w(head('HTTP/1.1 200 OK', [...ce, ...ct, 'Transfer-Encoding: chunked'])), w(Buffer.concat(chunks))] },
      };
    }
    case 'early close': {
      const full =
        kind === 'http'
          ? response('HTTP/1.1 200 OK', ['Content-Type: application/json'], '{"items":[1,2,3],"next":null}')
          : Buffer.from(upgrade(), 'latin1');
      // Cut the answer at a random byte; a cut inside the head is a kept difference for HTTP.
      const cut = int(0, full.length - 1);
      const headEnd = full.indexOf('\r\n\r\n') + 4;
      const how = pick([END, RESET]);
      const text = full.toString('latin1');
      const filled = kind === 'websocket' ? text : text;
      return {
        id: `cut-${cut}-of-${full.length}-${'end' in how ? 'fin' : 'rst'}`,
        kind,
        script: { respond: cut === 0 ? [how] : [w(filled.slice(0, cut)), wait(20), how] },
        tags: kind === 'http' && cut > 0 && cut < headEnd ? ['truncated-head'] : [],
      };
    }
    case 'non-HTTP peer': {
      const bytes = Buffer.from(Array.from({ length: int(1, 64) }, () => int(0, 255)));
      const speaksFirst = rnd() < 0.5;
      const steps = [w(bytes), ...(rnd() < 0.5 ? [END] : [])];
      return { id: `garbage-${bytes.length}${speaksFirst ? '-first' : ''}`, kind, script: speaksFirst ? { greet: steps } : { respond: steps } };
    }
    case 'WebSocket handshake': {
      if (kind === 'http') return undefined;
      const accept = pick([
        'Sec-WebSocket-Accept: {accept}',
        'Sec-WebSocket-Accept: {accept}',
        'Sec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=',
        '',
      ]);
      const up = pick(['Upgrade: websocket', 'Upgrade: WebSocket', 'upgrade: websocket', '']);
      const conn = pick(['Connection: Upgrade', 'Connection: keep-alive, Upgrade', 'connection: upgrade', '']);
      const proto = pick(['', '', 'Sec-WebSocket-Protocol: chat']);
      const ext = pick([
        '',
        '',
        'Sec-WebSocket-Extensions: permessage-deflate',
        'Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover',
        'Sec-WebSocket-Extensions: x-unknown',
      ]);
      const lines = [up, conn, accept, proto, ext].filter(Boolean);
      return { id: `handshake-${lines.length}`, kind, script: { respond: [w(head('HTTP/1.1 101 Switching Protocols', lines))] } };
    }
    case 'WebSocket frames': {
      if (kind === 'http') return undefined;
      const frames: Buffer[] = [];
      const tags: string[] = [];
      for (let k = int(1, 4); k > 0; k--) {
        if (frames.length && tags.includes('sent-close') && !tags.includes('frames-after-close')) tags.push('frames-after-close');
        const f = pick(['text', 'binary', 'ping', 'pong', 'fragments', 'close', 'masked', 'rsv1', 'opcode', 'big']);
        if (f === 'text') frames.push(frame(1, 'x'.repeat(int(0, 200))));
        else if (f === 'binary') frames.push(frame(2, Buffer.alloc(int(0, 70_000), 1)));
        else if (f === 'ping') frames.push(frame(9, 'p'));
        else if (f === 'pong') frames.push(frame(10, 'p'));
        else if (f === 'fragments') frames.push(frame(1, 'ab', { fin: false }), frame(0, 'cd', { fin: false }), frame(0, 'ef'));
        else if (f === 'close') {
          const code = pick([1000, 1001, 1008, 1011, 3000, 4000, 4401, 999, 1005]);
          if (code === 999) tags.push('close-code-unused');
          tags.push('sent-close');
          frames.push(closeFrame(code, 'r'.repeat(int(0, 123))));
        } else if (f === 'masked') frames.push(frame(1, 'm', { mask: true }));
        else if (f === 'rsv1') frames.push(frame(1, 'r', { rsv1: true }));
        else if (f === 'opcode') frames.push(frame(pick([3, 4, 5, 11, 15]), 'o'));
        else {
          frames.push(frame(2, Buffer.alloc(int(1_100_000, 1_500_000), 2)));
          tags.push('oversized');
        }
      }
      const together = rnd() < 0.3;
      const respond = together ? [w(upgrade() + Buffer.concat(frames).toString('latin1'))] : [w(upgrade()), ...frames.map((f) => w(f))];
      return { id: `frames-${frames.length}`, kind, script: { respond: [...respond, ...(rnd() < 0.3 ? [wait(20), END] : [])] }, tags };
    }
    case 'TLS':
      return { id: 'tls', kind, script: { respond: [w(ok)] } };
  }
}
