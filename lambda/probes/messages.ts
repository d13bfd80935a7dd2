/**
 * The one message builder (README.md#outcomes): every result message, for both kinds, has one shape
 *
 *     <what happened>[ (<detail>)][; check: <the likely fix>]
 *
 * e.g. `connection refused (connect ECONNREFUSED 127.0.0.1:1); check: the proxy (Traefik) is down …`.
 * The fix is chosen from the evidence (status class, headers, body, error code, phase) and says
 * nothing the evidence does not support. Details are one line, without source paths, bounded.
 * Server text reaches this module already masked (Attempt.excerpt): mask first, then cut.
 */
import type { CertificateInfo } from '../../contracts/result';
import { OUTCOME_RUNBOOK } from '../../contracts/outcomes';
import { compose, describeError, type Mask } from './message-text';
import { FIX } from './status-messages';

// The wording lives in one module per concept; this path keeps every export it always had.
export { compose, DETAIL_CHARS, describeError, fixOfMessage, oneLine, type Mask, type MessageParts } from './message-text';
export * from './failure-messages';
export {
  causeMessage,
  forbiddenUpgradeMessage,
  invalidUpgradeMessage,
  redirectTarget,
  statusParts,
  statusFinding,
  type RedirectTarget,
  type StatusFacts,
} from './status-messages';

// ---------------------------------------------------------------------------------------------
// After a WebSocket was accepted.

function closeCodeMeaning(code: number): string {
  if (code >= 4000 && code <= 4999) {
    return code === 4001 || code === 4003
      ? `an application code: the consumer rejected the connection after accept(), most likely its authentication (token missing, invalid or not read from the query string)`
      : 'an application code: the consumer rejected the connection after accept() (see its close() call)';
  }
  const known: Record<number, string> = {
    1000: 'normal closure: the consumer closed right after accept()',
    1001: 'going away: the server or proxy is restarting or shutting down',
    1005: 'no status: the consumer closed right after accept() without a code',
    1008: 'policy violation: the server rejected the client',
    1011: 'internal error: an exception in the consumer',
    1012: 'service restart',
    1013: 'try again later: the server is overloaded',
  };
  return known[code] ?? 'an unusual close code';
}

/** Facts of a WebSocket that ended inside the settle window or the round trip. */
export interface ClosedFacts {
  readonly afterMs: number;
  /** The close code; 1006 when the connection dropped without a close frame. */
  readonly code: number;
  /** The close reason, masked then cut. */
  readonly reason?: string;
  /** The socket error that dropped it (ECONNRESET for an RST), if any. */
  readonly socketError?: string;
}

export function closedMessage(f: ClosedFacts): string {
  if (f.code === 1006) {
    return compose({
      what: `the server accepted the WebSocket (101), then dropped it after ${f.afterMs} ms without a close frame (1006)`,
      detail: f.socketError ? `connection reset: ${f.socketError}` : 'connection closed',
      fix: 'the proxy and the ASGI server (daphne) around that time: a crash or restart, a connection limit or an idle timeout cutting the socket',
    });
  }
  return compose({
    what: `the server accepted the WebSocket (101), then closed it after ${f.afterMs} ms with code ${f.code}, ${closeCodeMeaning(f.code)}`,
    detail: f.reason ? `reason ${JSON.stringify(f.reason)}` : undefined,
    fix: OUTCOME_RUNBOOK.closed.check,
  });
}

/** The server broke the WebSocket protocol after accepting (an invalid frame). */
export function protocolErrorMessage(afterMs: number, err: unknown, mask?: Mask): string {
  return compose({
    what: `the server accepted the WebSocket (101), then after ${afterMs} ms sent a frame the probe cannot accept, so the probe closed the connection`,
    detail: describeError(err, mask),
    fix: FIX.notWebSocket,
  });
}

/** Text for an `ok` WebSocket. */
export function webSocketOkMessage(parts: { settleMs: number; roundTrip: boolean; oversized?: { afterMs: number; limitBytes: number } }): string {
  const kept = parts.oversized
    ? `the socket was open and after ${parts.oversized.afterMs} ms sent a message larger than the probe reads (over ${parts.oversized.limitBytes} bytes), so the probe closed it before the end of the ${parts.settleMs} ms settle window`
    : parts.settleMs > 0
      ? `the socket stayed open for ${parts.settleMs} ms`
      : 'settle window disabled';
  return `HTTP 101 Switching Protocols; ${kept}${parts.roundTrip ? '; the round-trip reply matched' : ''}`;
}

/** A round trip that did not match, or could not be compared. */
export function roundTripMessage(f: {
  send: string;
  expect: string;
  match: 'equals' | 'contains';
  /** The reply, masked then cut. */
  got?: string;
  /** The reply (or an earlier message) was larger than the probe reads. */
  oversizedBytes?: number;
  /** The oversized message came before the probe sent its message (in the settle window). */
  beforeSend?: boolean;
}): string {
  const expected = `expected a reply that ${f.match === 'equals' ? 'equals' : 'contains'} ${JSON.stringify(f.expect)}`;
  if (f.oversizedBytes !== undefined) {
    return compose({
      what: f.beforeSend
        ? `round trip not run: in the settle window the server sent a message larger than the probe reads (over ${f.oversizedBytes} bytes), so the probe closed the connection before sending ${JSON.stringify(f.send)}`
        : `round trip: sent ${JSON.stringify(f.send)}, ${expected}, got a reply larger than the probe reads (over ${f.oversizedBytes} bytes), so it was not compared`,
      fix: `what the consumer sends: a short reply to the round-trip message (the probe reads up to ${f.oversizedBytes} bytes), or drop the round trip from this check`,
    });
  }
  return compose({
    what: `round trip: sent ${JSON.stringify(f.send)}, ${expected}, got ${JSON.stringify(f.got ?? '')}`,
    fix: "the consumer's receive() handler and the message format",
  });
}

/** An expected status whose body or latency failed the check's assertions. */
export function assertionMessage(status: number, problems: ReadonlyArray<{ readonly text: string; readonly fix: string }>): string {
  const fixes = [...new Set(problems.map((p) => p.fix))];
  return compose({ what: `HTTP ${status} as expected, but ${problems.map((p) => p.text).join('; ')}`, fix: fixes.join('; ') });
}

/**
 * `certificate CN=… (from CN=…) expires in 4 days, on 2026-12-06T…; CertificateExpiring pages below 14 days: renew it on the proxy …`
 * for a certificate with fewer days left than the threshold (the CLI's and the demo's warning under
 * an `ok` line); undefined when there are enough. An expired certificate is the `tls` message's to tell.
 */
export function certificateWarning(cert: CertificateInfo | undefined, thresholdDays: number | undefined): string | undefined {
  if (!cert || thresholdDays === undefined || cert.daysLeft < 0 || cert.daysLeft >= thresholdDays) return undefined;
  const left = cert.daysLeft === 0 ? 'expires within a day' : `expires in ${cert.daysLeft} day${cert.daysLeft === 1 ? '' : 's'}`;
  return (
    `certificate ${cert.subject || '(no subject)'} (from ${cert.issuer || 'no issuer'}) ${left}, on ${cert.validTo}; ` +
    `CertificateExpiring pages below ${thresholdDays} days: renew it on the proxy and check its automatic renewal`
  );
}
