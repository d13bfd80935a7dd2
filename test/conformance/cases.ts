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
export function frame(opcode: number, payload: Buffer | string = Buffer.alloc(0), o: { fin?: boolean; rsv1?: boolean; mask?: boolean; length?: bigint } = {}): Buffer {
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
  http('status line', 'status/200-obs-text-reason', [w(Buffer.concat([Buffer.from('HTTP/1.1 200 '), Buffer.from([0xe9, 0xff]), Buffer.from('\r\nContent-Length: 2\r\n\r\nok')]))]),
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
  http('interim 1xx', '1xx/three-then-200', [w(head('HTTP/1.1 100 Continue', [])), w(head('HTTP/1.1 102 Processing', [])), w(head('HTTP/1.1 103 Early Hints', [])), w(OK())]),
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
  http('header syntax', 'syntax/obs-fold', [w(OK(['X-Folded: one', ' two']))], { tags: ['obs-fold'] }),
  http('header syntax', 'syntax/space-before-colon', [w(OK(['X-Odd : value']))], { tags: ['space-before-colon'] }),
  http('header syntax', 'syntax/no-space-after-colon', [w(OK(['X-Tight:value']))]),
  http('header syntax', 'syntax/tabs-around-value', [w(OK(['X-Tabs:\t value \t']))]),
  http('header syntax', 'syntax/bare-lf', [w('HTTP/1.1 200 OK\nContent-Length: 2\n\nok')], { tags: ['bare-lf'] }),
  http('header syntax', 'syntax/empty-header-name', [w(OK([': nothing']))]),
  ws('header syntax', 'syntax/101-lowercase-tokens', [w(head('HTTP/1.1 101 Switching Protocols', ['upgrade: WebSocket', 'connection: keep-alive, upgrade', 'sec-websocket-accept: {accept}']))]),

  // Transfer and content encodings, charsets.
  http('transfer/content encoding', 'encoding/chunked', [w(head('HTTP/1.1 200 OK', ['Transfer-Encoding: chunked'])), w('2\r\nok\r\n0\r\n\r\n')]),
  http('transfer/content encoding', 'encoding/chunked-extension', [w(head('HTTP/1.1 200 OK', ['Transfer-Encoding: chunked'])), w('2;name=value\r\nok\r\n0\r\n\r\n')]),
  http('transfer/content encoding', 'encoding/chunked-bad-size', [w(head('HTTP/1.1 200 OK', ['Transfer-Encoding: chunked'])), w('zz\r\nok\r\n0\r\n\r\n')]),
  http('transfer/content encoding', 'encoding/chunked-and-length', [w(head('HTTP/1.1 200 OK', ['Transfer-Encoding: chunked', 'Content-Length: 100'])), w('2\r\nok\r\n0\r\n\r\n')], { tags: ['te-and-cl'] }),
  http('transfer/content encoding', 'encoding/length-twice-same', [w(head('HTTP/1.1 200 OK', ['Content-Length: 2', 'Content-Length: 2'])), w('ok')]),
  http('transfer/content encoding', 'encoding/length-twice-different', [w(head('HTTP/1.1 200 OK', ['Content-Length: 2', 'Content-Length: 3'])), w('ok!')]),
  http('transfer/content encoding', 'encoding/close-delimited', [w(head('HTTP/1.1 200 OK', [])), w('ok'), END]),
  http('transfer/content encoding', 'encoding/gzip', [w(OK(['Content-Encoding: gzip'], gzipSync(JSON_BODY)))]),
  http('transfer/content encoding', 'encoding/deflate-zlib', [w(OK(['Content-Encoding: deflate'], deflateSync(JSON_BODY)))]),
  http('transfer/content encoding', 'encoding/deflate-raw', [w(OK(['Content-Encoding: deflate'], deflateRawSync(JSON_BODY)))]),
  http('transfer/content encoding', 'encoding/br', [w(OK(['Content-Encoding: br'], brotliCompressSync(JSON_BODY)))]),
  http('transfer/content encoding', 'encoding/gzip-corrupt', [w(OK(['Content-Encoding: gzip'], Buffer.from('not gzip at all')))]),
  http('transfer/content encoding', 'encoding/unknown-coding', [w(OK(['Content-Encoding: snappy'], JSON_BODY))], { tags: ['unknown-coding'] }),
  http('transfer/content encoding', 'encoding/charset-latin1', [w(OK(['Content-Type: text/plain; charset=iso-8859-1'], Buffer.from([0x63, 0x61, 0x66, 0xe9])))]),
  http('transfer/content encoding', 'encoding/charset-invalid-utf8', [w(OK(['Content-Type: application/json; charset=utf-8'], Buffer.from([0x22, 0xc3, 0x28, 0x22])))]),

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
  ...both('non-HTTP peer', 'peer/smtp-banner', { greet: [w('220 mail.example ESMTP ready\r\n')], respond: [w('500 5.5.1 Command unrecognized\r\n')] }),
  ...both('non-HTTP peer', 'peer/binary-garbage', { respond: [w(Buffer.from([0x00, 0xff, 0x13, 0x37, 0x0d, 0x0a, 0x0d, 0x0a])), END] }),
  ...both('non-HTTP peer', 'peer/http09-body-only', { respond: [w('{"ok":true}\n'), END] }, 'plain', ['http09']),
  ...both('non-HTTP peer', 'peer/http2-settings', { respond: [w(Buffer.from('000000040000000000', 'hex')), END] }),
  ...both('non-HTTP peer', 'peer/tls-alert-to-hello', { greet: [w(Buffer.from('15030300020228', 'hex')), END] }, 'plain', ['tls-url-to-plain']),

  // WebSocket handshakes.
  ws('WebSocket handshake', 'handshake/ok', [w(upgrade())]),
  ws('WebSocket handshake', 'handshake/bad-accept', [w(head('HTTP/1.1 101 Switching Protocols', ['Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Accept: dGhlIHNhbXBsZSBub25jZQ==']))]),
  ws('WebSocket handshake', 'handshake/no-accept', [w(head('HTTP/1.1 101 Switching Protocols', ['Upgrade: websocket', 'Connection: Upgrade']))]),
  ws('WebSocket handshake', 'handshake/no-upgrade-header', [w(head('HTTP/1.1 101 Switching Protocols', ['Connection: Upgrade', 'Sec-WebSocket-Accept: {accept}']))]),
  ws('WebSocket handshake', 'handshake/no-connection-header', [w(head('HTTP/1.1 101 Switching Protocols', ['Upgrade: websocket', 'Sec-WebSocket-Accept: {accept}']))]),
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
    (['http', 'websocket'] as const).map((kind): Case => ({ id: `${kind}/tls/${variant}`, cls: 'TLS', kind, tls: variant, script: { respond: [w(healthy[kind])] } })),
  ),
  ...both('TLS', 'tls/plain-http-on-tls-url', { respond: [w(OK())] }, 'plain', ['tls-url-to-plain']),
];

/** The same cases as plain ones, but the URL scheme asks for TLS (the `tls-url-to-plain` tag). */
export function wantsTls(c: Case): boolean {
  return c.tls !== 'plain' || !!c.tags?.includes('tls-url-to-plain');
}
