/**
 * Network errors → outcome, on the error's stable `code` (never its message), looking through
 * Node ≥ 20's AggregateError (`errors[i].code`) and wrapped causes (`cause.code`).
 */
import { Outcome } from '../../contracts/outcomes';

const CODE_OUTCOME: Readonly<Record<string, Outcome>> = {
  ECONNREFUSED: Outcome.REFUSED,
  ENOTFOUND: Outcome.DNS,
  EAI_AGAIN: Outcome.DNS,
  EAI_NONAME: Outcome.DNS,
  EAI_NODATA: Outcome.DNS,
  EAI_FAIL: Outcome.DNS,
  ETIMEDOUT: Outcome.TIMEOUT,
  SYNTHMON_DEADLINE: Outcome.TIMEOUT,
  UND_ERR_CONNECT_TIMEOUT: Outcome.TIMEOUT,
  UND_ERR_HEADERS_TIMEOUT: Outcome.TIMEOUT,
  UND_ERR_BODY_TIMEOUT: Outcome.TIMEOUT,
  ECONNRESET: Outcome.RESET,
  EPIPE: Outcome.RESET,
  ECONNABORTED: Outcome.RESET,
  UND_ERR_SOCKET: Outcome.RESET,
  UND_ERR_CLOSED: Outcome.RESET,
  HPE_INVALID_CONSTANT: Outcome.RESET,
  EHOSTUNREACH: Outcome.TIMEOUT,
  ENETUNREACH: Outcome.TIMEOUT,
  // Our own request refused by the client library (e.g. a header value with a newline): configuration.
  UND_ERR_INVALID_ARG: Outcome.ERROR,
};

const TLS_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'EPROTO',
]);

const isTlsCode = (code: string) => TLS_CODES.has(code) || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_');

/**
 * undici's HTTPParserError (a response llhttp refused) carries no code: its constructor looks the
 * llhttp error number up in `constants.ERROR`, which is keyed by name (undici
 * lib/dispatcher/client-h1.js `createError`), so `code` is always undefined. Without a code it is
 * neither an endpoint finding nor named; this names it as llhttp would (`HPE_…`), so a peer that
 * does not speak HTTP reads `reset` ("not HTTP"), never `error` (docs/CONFORMANCE.md).
 */
function parserErrorCode(e: object): string | undefined {
  return (e as { name?: unknown }).name === 'HTTPParserError' ? 'HPE_INVALID_RESPONSE' : undefined;
}

/** The most specific `code` found on an error, its cause, or an AggregateError's members. */
export function errorCode(err: unknown): string | undefined {
  const seen = new Set<unknown>();
  const queue: unknown[] = [err];
  let fallback: string | undefined;
  while (queue.length) {
    const e = queue.shift();
    if (!e || typeof e !== 'object' || seen.has(e)) continue;
    seen.add(e);
    const code = (e as { code?: unknown }).code ?? parserErrorCode(e);
    if (typeof code === 'string') {
      if (code in CODE_OUTCOME || isTlsCode(code)) return code;
      fallback ??= code;
    }
    const errors = (e as { errors?: unknown }).errors;
    if (Array.isArray(errors)) queue.push(...errors);
    queue.push((e as { cause?: unknown }).cause);
  }
  return fallback;
}

/** Outcome for a failure before any HTTP response, from its error code. */
export function outcomeForError(err: unknown): { outcome: Outcome; code?: string } {
  const code = errorCode(err);
  if (code === undefined) return { outcome: Outcome.RESET };
  if (code in CODE_OUTCOME) return { outcome: CODE_OUTCOME[code]!, code };
  if (isTlsCode(code)) return { outcome: Outcome.TLS, code };
  return { outcome: Outcome.RESET, code };
}

/**
 * True for an error that the network (or the client library speaking to it) raised, as opposed
 * to a bug in the probe: a deadline, a system call error (`syscall`), a code the taxonomy knows,
 * an undici or HTTP-parser error. A TypeError thrown by finding code is none of these and must be
 * reported as `error`, not as an endpoint finding.
 */
export function isNetworkError(err: unknown): boolean {
  if (err instanceof DeadlineError) return true;
  if (!err || typeof err !== 'object') return false;
  if (typeof (err as { syscall?: unknown }).syscall === 'string') return true;
  const code = errorCode(err);
  if (code === undefined) return false;
  return code in CODE_OUTCOME || isTlsCode(code) || code.startsWith('UND_ERR_') || code.startsWith('HPE_');
}

/** Outcome for an HTTP status that is not the expected one. */
export function outcomeForStatus(status: number): Outcome {
  if (status === 403) return Outcome.FORBIDDEN;
  if (status === 401) return Outcome.UNAUTHORIZED;
  if (status === 404) return Outcome.NOT_FOUND;
  if (status >= 500) return Outcome.SERVER_ERROR;
  return Outcome.UNEXPECTED_STATUS;
}

/** An error for a deadline, naming its phase and limit (`headers timed out after 5000 ms`). */
export class DeadlineError extends Error {
  readonly code = 'SYNTHMON_DEADLINE';
  constructor(
    readonly phase: string,
    readonly limitMs: number,
  ) {
    super(`${phase} timed out after ${limitMs} ms`);
    this.name = 'DeadlineError';
  }
}
