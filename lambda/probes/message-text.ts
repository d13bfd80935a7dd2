/**
 * The one message shape and its plain-text helpers (README.md#outcomes), shared by every wording
 * module: compose(), the fix it remembered, one-line details and error descriptions.
 */

/** Longest error detail or quoted server text in a message. */
export const DETAIL_CHARS = 200;

export interface MessageParts {
  readonly what: string;
  readonly detail?: string;
  readonly fix?: string;
}

/** The one message shape. */
export function compose({ what, detail, fix }: MessageParts): string {
  const message = `${what}${detail ? ` (${detail})` : ''}${fix ? `; check: ${fix}` : ''}`;
  if (fix) rememberFix(message, fix);
  return message;
}

/**
 * The fix of each message compose() built recently, so a result carries the fix as the builder
 * chose it (the page's fix, docs/DESIGN.md#incidents) without re-parsing the message. Bounded: a
 * message is read back within its own run; the oldest entries go first.
 */
const fixes = new Map<string, string>();
const FIXES_KEPT = 4096;
function rememberFix(message: string, fix: string): void {
  fixes.delete(message);
  fixes.set(message, fix);
  if (fixes.size > FIXES_KEPT) fixes.delete(fixes.keys().next().value!);
}

/** The fix compose() put into this exact message, if it built it. */
export function fixOfMessage(message: string): string | undefined {
  return fixes.get(message);
}

/** Text on one line, at most `max` characters (a cut is marked with …). Mask before calling this. */
export function oneLine(text: string, max = DETAIL_CHARS): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  const cut = flat.slice(0, max).replace(/[\uD800-\uDBFF]$/, '');
  return `${cut}…`;
}

/** OpenSSL's error prefix (`40DD46A8FE7E0000:error:0A00042E:SSL routines:ssl3_read_bytes:`). */
const OPENSSL_PREFIX = /\b[0-9A-F]{6,}:error:[0-9A-F]+:[^:]*:[^:]*:/gi;
/** A source location (`../deps/openssl/openssl/ssl/record/rec_layer_s3.c:918:`), internal to the library. */
const SOURCE_PATH = /:?(?:(?<!\w)[A-Za-z]:)?[\w.~-]*(?:[/\\][\w.~-]+)+\.(?:c|cc|cpp|h|js|mjs|cjs|ts)(?::\d+)+:?/g;

function errorText(err: unknown, depth = 0): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  // OpenSSL errors carry their reason alone, without the prefix and the source path of `message`.
  const reason = (err as { reason?: unknown }).reason;
  let text = typeof reason === 'string' && reason ? reason : err.message;
  if (!text && err instanceof AggregateError && depth < 2) text = err.errors.map((e) => errorText(e, depth + 1)).join('; ');
  text ||= err.name;
  return typeof code === 'string' && !text.includes(code) ? `${code}: ${text}` : text;
}

/** Masks the token in text (Attempt.redact); identity where no token is involved. */
export type Mask = (text: string) => string;
const unmasked: Mask = (text) => text;

/**
 * An error as a detail: code and message, token masked (before the cut: an error may quote a URL
 * with the token), one line, no library source paths, bounded.
 */
export function describeError(err: unknown, mask: Mask = unmasked, max = DETAIL_CHARS): string {
  const text = mask(errorText(err))
    .replace(OPENSSL_PREFIX, '')
    .replace(SOURCE_PATH, '; ')
    .replace(/[:;\s]+$/, '');
  return oneLine(text, max);
}
