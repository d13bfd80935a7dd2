/** The wording of failures before any response: refused, dns, timeout, tls, reset (and configuration errors). */
import { Outcome, OUTCOME_RUNBOOK } from '../../contracts/outcomes';
import type { CertificateInfo } from '../../contracts/result';
import { DeadlineError, outcomeForError } from './classify';
import { compose, describeError, type Mask, type MessageParts } from './message-text';
import type { Finding } from './types';

/** What to look at when a phase runs out of time. */
const TIMEOUT_FIX: Readonly<Record<string, string>> = {
  'DNS lookup': 'the resolver (reachable? answering?) and the DNS record for the host',
  'TCP connect': 'a firewall or security group dropping packets to the port, or the host being down (nothing answered the connection request)',
  'TLS handshake': "the proxy's TLS listener (hung or overloaded), or a service on this port that does not speak TLS",
  'response headers': "the backend behind the proxy (daphne/gunicorn): hung or overloaded workers or a slow view, and the proxy's upstream timeout",
  'WebSocket upgrade response':
    "the ASGI server behind the proxy (daphne): hung or overloaded, or a slow connect() in the consumer, and the proxy's upstream timeout",
  'response body': 'the backend sending the body slowly (a slow query or serializer), or a proxy buffering it',
  'round-trip reply': "the consumer's receive() handler, the channel layer (e.g. Redis) and the workers",
};

const UNTRUSTED_CHAIN = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
]);
const PRIVATE_CA = 'for a private CA, trust it with NODE_EXTRA_CA_CERTS';

function tlsParts(code: string | undefined, cert: CertificateInfo | undefined): { what: string; fix: string } {
  const c = code ?? '';
  if (c === 'CERT_HAS_EXPIRED') {
    const days = cert ? Math.floor((Date.now() - Date.parse(cert.validTo)) / 86_400_000) : undefined;
    const ago = days === undefined ? '' : days < 1 ? ' less than a day ago' : ` ${days} day${days === 1 ? '' : 's'} ago`;
    return { what: `the certificate expired${ago}`, fix: 'renew the certificate on the proxy, and its automatic renewal (e.g. Traefik ACME)' };
  }
  if (c === 'CERT_NOT_YET_VALID')
    return { what: 'the certificate is not valid yet', fix: "the certificate's start date (notBefore) and the server's clock" };
  if (c === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return {
      what: 'the certificate is not valid for this host name',
      fix: "the certificate's names (subjectAltName) cover the host, and the proxy serves the right certificate for it (SNI, router rule, default certificate)",
    };
  }
  if (UNTRUSTED_CHAIN.has(c)) return untrustedParts(c, cert);
  if (c === 'DEPTH_ZERO_SELF_SIGNED_CERT') {
    return {
      what: 'the certificate is self-signed',
      fix: `a certificate from a trusted CA on the proxy (e.g. Traefik ACME), not its default or a generated one; ${PRIVATE_CA}`,
    };
  }
  if (c === 'SELF_SIGNED_CERT_IN_CHAIN') {
    const root = cert?.chain.at(-1);
    return {
      what: `the certificate chain ends in a self-signed root the monitor does not trust${root ? ` (${root})` : ''}`,
      fix: `a certificate from a trusted CA on the proxy; ${PRIVATE_CA}`,
    };
  }
  if (/PROTOCOL_VERSION|UNSUPPORTED_PROTOCOL|NO_PROTOCOLS_AVAILABLE|VERSION_TOO_LOW/.test(c)) {
    return {
      what: 'no TLS version in common: the server accepts neither TLS 1.2 nor TLS 1.3',
      fix: 'enable TLS 1.2 and 1.3 on the proxy (e.g. Traefik tls.options minVersion)',
    };
  }
  if (c === 'ERR_SSL_WRONG_VERSION_NUMBER') {
    return { what: 'the server did not answer with TLS', fix: 'the port serves TLS (not plain HTTP), and the URL scheme (https/wss vs http/ws)' };
  }
  return { what: 'the TLS handshake failed', fix: OUTCOME_RUNBOOK.tls.check };
}

/**
 * The chain does not reach a trusted CA. When the server sent its certificate alone (nothing linked
 * above it) and the leaf names where its issuer's certificate is published (authorityInfoAccess, as
 * every public CA's leaves do), the intermediate was left out: an incomplete chain, which browsers
 * often hide by fetching or caching the intermediate and Node (like curl, Java and mobile apps) does not.
 */
function untrustedParts(code: string, cert: CertificateInfo | undefined): { what: string; fix: string } {
  const fullChain = 'the proxy serves the full chain, leaf then intermediates (e.g. fullchain.pem, not cert.pem)';
  const leafAlone = code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' && cert !== undefined && cert.chain.length === 0;
  if (leafAlone && cert.caIssuers) {
    return {
      what: `the server did not send the intermediate certificate of the leaf's issuer ${cert.issuer}: the chain is incomplete`,
      fix: `${fullChain}; the missing intermediate is published at ${cert.caIssuers}; see what the server sends with openssl s_client -connect HOST:443 -servername HOST -showcerts`,
    };
  }
  if (leafAlone) {
    return {
      what: `the certificate's issuer ${cert.issuer || '(none named)'} is not a CA the monitor trusts, and the server sent no intermediate certificate leading to one`,
      fix: `${fullChain} from a CA the monitor trusts; ${PRIVATE_CA}`,
    };
  }
  const last = cert?.chain.at(-1);
  return {
    what: `the certificate chain does not lead to a trusted CA${last ? ` (it ends at ${last})` : ''}`,
    fix: `${fullChain} from a CA the monitor trusts; ${PRIVATE_CA}`,
  };
}

function resetWhat(code: string | undefined, status?: number): string {
  if (status !== undefined) {
    const how = code === 'ECONNRESET' || code === 'EPIPE' ? 'reset' : code?.startsWith('HPE_') ? 'broken by bytes that are not HTTP' : 'closed';
    return `HTTP ${status} arrived, then the connection was ${how} while reading the response body`;
  }
  if (code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH') return "the response's body did not match its Content-Length header";
  if (code === 'ECONNRESET' || code === 'EPIPE') return 'the connection was reset before any response';
  if (code?.startsWith('HPE_')) return 'the server answered with something that is not HTTP';
  return 'the connection was closed before any response';
}

/** The leaf certificate in a few words, for a TLS failure's detail. */
function certificateNote(cert: CertificateInfo | undefined): string {
  if (!cert) return '';
  return `; certificate ${cert.subject || '(no subject)'} from ${cert.issuer || '(no issuer)'}, valid to ${cert.validTo}`;
}

/** Everything a failure finding may draw on besides the error. */
export interface FailureContext {
  /** The certificate the handshake presented, if one completed. */
  readonly certificate?: CertificateInfo;
  /** Masks the token in the error's text. */
  readonly mask?: Mask;
  /** The status of a response whose head arrived before the failure (the body was being read). */
  readonly status?: number;
}

/** The finding for a failure before any response (or a deadline): refused, dns, timeout, tls, reset or error. */
export function failureFinding(err: unknown, ctx: FailureContext = {}): Finding {
  const { outcome, code } = outcomeForError(err);
  const evidence = code ? { evidence: { errorCode: code } } : {};
  const detail = describeError(err, ctx.mask);
  let parts: MessageParts;
  if (err instanceof DeadlineError) {
    parts = { what: err.message, fix: TIMEOUT_FIX[err.phase] ?? OUTCOME_RUNBOOK.timeout.check };
  } else {
    switch (outcome) {
      case Outcome.REFUSED:
        parts = { what: 'connection refused', detail, fix: OUTCOME_RUNBOOK.refused.check };
        break;
      case Outcome.DNS:
        parts = { what: 'the host name did not resolve', detail, fix: OUTCOME_RUNBOOK.dns.check };
        break;
      case Outcome.TIMEOUT:
        parts = {
          what: code === 'EHOSTUNREACH' || code === 'ENETUNREACH' ? 'the host is unreachable' : 'the connection timed out',
          detail,
          fix: OUTCOME_RUNBOOK.timeout.check,
        };
        break;
      case Outcome.TLS: {
        const tls = tlsParts(code, ctx.certificate);
        parts = { what: tls.what, detail: detail + certificateNote(ctx.certificate), fix: tls.fix };
        break;
      }
      case Outcome.ERROR:
        parts = { what: 'the request could not be sent as configured', detail, fix: "the check's configuration (headers, method, URL)" };
        break;
      default:
        parts = {
          what: resetWhat(code, ctx.status),
          detail,
          fix: code?.startsWith('HPE_')
            ? 'the service on this port speaks HTTP, and the URL scheme (https/wss vs http/ws)'
            : OUTCOME_RUNBOOK.reset.check,
        };
    }
  }
  return { outcome, message: compose(parts), ...evidence, ...(ctx.status !== undefined ? { status: ctx.status } : {}) };
}

/** The finding for a bug inside a probe: never an endpoint finding. */
export function bugFinding(err: unknown, mask?: Mask): Finding {
  return { outcome: Outcome.ERROR, message: bugMessage(err, mask) };
}

/** `probe failed unexpectedly: …` (also for a probe that throws out of runCheck). */
export function bugMessage(err: unknown, mask?: Mask): string {
  const kind = err instanceof Error && err.name !== 'Error' ? `${err.name}: ` : '';
  return compose({
    what: `probe failed unexpectedly: ${kind}${describeError(err, mask)}`,
    fix: "the monitor itself (a bug, not an endpoint finding): report it with the check's configuration",
  });
}

/** The check cannot be run at all (an invalid URL for the client library). */
export function configurationFinding(what: string, err: unknown, mask?: Mask): Finding {
  return { outcome: Outcome.ERROR, message: compose({ what, detail: describeError(err, mask), fix: OUTCOME_RUNBOOK.error.check }) };
}
