/**
 * The differences between synthmon and Chromium that are kept, each with the reason the probe is
 * right; docs/CONFORMANCE.md#kept-different is the same table for people. A disagreement not
 * listed here fails the harness; a listed one that no longer disagrees fails the core set too, so
 * the table cannot go stale.
 */
import type { Case } from './cases';

export interface Known {
  /** Matches the case id without its `<kind>/` prefix, or a tag. */
  readonly id?: string;
  readonly tag?: string;
  readonly kind?: Case['kind'];
  readonly reason: string;
}

export const KNOWN: readonly Known[] = [
  {
    id: 'status/lowercase-version',
    tag: 'lenient-status-line',
    reason: 'RFC 9112 §2.3: HTTP-name is %s"HTTP", case-sensitive; Chromium also reads http/1.1',
  },
  {
    id: '1xx/100-then-101',
    tag: '1xx-before-101',
    reason:
      'Fetch standard (HTTP-network fetch): 1xx responses other than 101 are ignored; Chromium fails the handshake (net/websockets/websocket_basic_handshake_stream.cc ValidateResponse: "Unexpected response code: 100")',
  },
  {
    id: 'syntax/space-before-colon',
    tag: 'space-before-colon',
    reason: 'RFC 9112 §5.1: "No whitespace is allowed between the field name and colon"; the message is invalid',
  },
  { id: 'syntax/bare-lf', tag: 'bare-lf', reason: 'RFC 9112 §2.2: a recipient MAY recognize a bare LF; the line terminator is CRLF' },
  {
    id: 'syntax/empty-header-name',
    tag: 'empty-header-name',
    reason: 'RFC 9110 §5.1: field-name = token, at least one tchar; the message is invalid',
  },
  {
    id: 'encoding/chunked-and-length',
    tag: 'te-and-cl',
    reason:
      'RFC 9112 §6.3: a message with both Transfer-Encoding and Content-Length "ought to be handled as an error" (request smuggling, response splitting)',
  },
  { id: 'encoding/length-twice-same', tag: 'cl-twice', reason: 'RFC 9110 §8.6: a recipient MAY reject duplicated Content-Length values as invalid' },
  {
    id: 'encoding/unknown-coding',
    tag: 'unknown-coding',
    reason:
      'RFC 9110 §8.4 / §12.5.3: a content coding the client did not accept; Chromium hands the still-encoded bytes to the page, whose JSON.parse then fails: the probe names the coding instead',
  },
  {
    id: 'close/mid-status-line',
    kind: 'http',
    tag: 'truncated-head',
    reason: 'RFC 9112 §8: a response closed before its head is complete is incomplete; Chromium reads what came as a head',
  },
  {
    id: 'close/mid-headers',
    kind: 'http',
    tag: 'truncated-head',
    reason: 'RFC 9112 §8: a response closed before its head is complete is incomplete; Chromium reads what came as a head',
  },
  {
    id: 'close/999',
    tag: 'close-code-unused',
    reason: 'RFC 6455 §7.4.2: status codes 0-999 are not used; ws fails the connection (1006), Chromium reports 999; both read `closed`',
  },
  {
    tag: 'frames-after-close',
    reason:
      "RFC 6455 §5.5.1: after its Close frame an endpoint MUST NOT send more data frames; the probe reports the server's close code, Chromium fails the connection (1006) on what follows; both read `closed`",
  },
  {
    id: 'tls/client-cert-optional',
    kind: 'websocket',
    tag: 'client-cert-optional-ws',
    reason:
      'RFC 8446 §4.4.2: with no certificate, the client sends an empty Certificate and the server may proceed (it does: fetch succeeds); headless Chromium fails the WebSocket when a client certificate is requested',
  },
];

/** The kept difference that covers a case, if any. */
export function knownDifference(c: Case): Known | undefined {
  const id = c.id.slice(c.id.indexOf('/') + 1);
  return KNOWN.find(
    (k) => (!k.kind || k.kind === c.kind) && ((k.id !== undefined && k.id === id) || (k.tag !== undefined && !!c.tags?.includes(k.tag))),
  );
}
