/**
 * What the probes' HTTP/1.1 parsers (undici's for HTTP, Node's for the WebSocket upgrade, both
 * llhttp) refuse and a browser reads (docs/CONFORMANCE.md):
 *
 * - Header size: Node's default is 16 KiB; Chromium reads response headers up to 256 KiB
 *   (net/http/http_stream_parser.h: `kMaxHeaderBufSize = kHeaderBufInitialSize * 64; // 256K`;
 *   measured by test/conformance: 200 KB of headers read, 300 KB refused).
 * - obs-fold in a response head (see readAsBrowser).
 * - An unasked-for `100 Continue`: RFC 9110 §15.2 "A client MUST be able to parse one or more 1xx
 *   responses received prior to a final response, even if the client does not expect one", and
 *   the Fetch standard ignores every 1xx but 101. undici destroys the socket on a 100 it did not
 *   ask for (lib/dispatcher/client-h1.js onHeadersComplete: `statusCode === 100` → 'bad response'),
 *   while it passes 102 and 103 through. The probe never sends `Expect: 100-continue`, so a 100
 *   is always unasked-for: it is read as the informational 103 it is equivalent to (same length,
 *   so undici's byte counts hold) until the final response's head has started.
 */
import type { Socket } from 'node:net';

/** The largest response head the probes read (Chromium's limit). */
export const MAX_HEADER_BYTES = 256 * 1024;

const CONTINUE = /^HTTP\/1\.[01] 100(?=[ \r\n])/;

/**
 * Before llhttp parses the response heads (a 1xx, then the final one or the 101): each unasked-for
 * `HTTP/1.x 100` status line at the start of a chunk becomes `HTTP/1.x 103`, and each obs-fold
 * (CRLF then SP or HTAB inside a head) becomes spaces, as RFC 9112 §5.2 requires of a user agent
 * ("MUST replace each received obs-fold with one or more SP octets prior to interpreting the field
 * value"; llhttp refuses it). Both keep the byte count. A status line or fold split across reads
 * is left alone (llhttp then refuses it as before). Nothing after the final head (or the 101's:
 * WebSocket frames) is touched.
 */
export function readAsBrowser(socket: Socket): Socket {
  const push = socket.push.bind(socket);
  /** Inside a head (after its status line); `prev` holds the last bytes of the previous chunk. */
  let inHead = false;
  let finalHead = false;
  let prev = '';
  let done = false;
  socket.push = (chunk: unknown, encoding?: BufferEncoding): boolean => {
    if (done || !Buffer.isBuffer(chunk)) return push(chunk, encoding);
    let at = 0;
    while (!done && at < chunk.length) {
      if (!inHead) {
        const line = chunk.toString('latin1', at, Math.min(chunk.length, at + 16));
        if (!/^HTTP\/1\.[01] \d/.test(line)) {
          done = true;
          break;
        }
        if (CONTINUE.test(line)) chunk[at + 11] = 0x33; // '0' → '3': 100 → 103
        // A 101 ends the heads too: what follows it is the upgraded protocol's.
        finalHead = !/^HTTP\/1\.[01] 1\d\d/.test(line) || /^HTTP\/1\.[01] 101/.test(line);
        inHead = true;
        prev = '';
      }
      const text = chunk.toString('latin1', at);
      let end = (prev + text).indexOf('\r\n\r\n');
      end = end < 0 ? -1 : end - prev.length;
      const stop = end < 0 ? text.length : end;
      for (let i = text.indexOf('\r\n'); i >= 0 && i < stop; i = text.indexOf('\r\n', i + 2)) {
        const next = text[i + 2];
        if (next === ' ' || next === '\t') chunk.fill(0x20, at + i, at + i + 2);
      }
      if (end < 0) {
        prev = (prev + text).slice(-3);
        at = chunk.length;
      } else {
        at += end + 4;
        inHead = false;
        if (finalHead) done = true;
      }
    }
    return push(chunk, encoding);
  };
  return socket;
}
