/**
 * What every token store shares (README.md#configuration): the cache and deadline settings, the
 * TokenError codes, the TokenStore interface, and the hygiene every candidate token passes. Nothing
 * here ever puts a token, or any part of one, into a message.
 */
import type { ResolvedToken } from '../contracts/config';
import { TOKEN_READ_MARGIN_MS } from '../contracts/kinds';

/** How long a token read from its store is reused before it is read again (a rotated token takes effect within this). */
export const TOKEN_CACHE_TTL_MS = 5 * 60_000;

/** How long the last good token is still used while its store is unavailable (throttling, 5xx, network, timeout). */
export const TOKEN_MAX_STALE_MS = 60 * 60_000;

/**
 * After a refresh failed and the last good token was used instead, how long to keep using it before
 * trying the store again. Without it every run would wait out the read deadline of a hung store
 * (6 s, most of a fast check's 10 s tick) and add load to a throttled one.
 */
export const TOKEN_RETRY_AFTER_FAILURE_MS = 30_000;

/**
 * The shortest token accepted. Output is kept clean by masking every occurrence of the token
 * (lambda/redact.ts); a token of a few characters cannot be masked meaningfully — with the token "e",
 * masking every "e" would mangle all text, and a 4-character one would still hit ordinary words and
 * ids. Real API tokens are far longer (UUIDs 36, GitHub 40, Django REST framework 40), so anything
 * under 8 is a truncated paste or a placeholder, and sending it would only page as a 401.
 */
export const MIN_TOKEN_LENGTH = 8;

/**
 * Client settings for both stores. The SDK has no connection or request timeout by default; these
 * bound one read, retries included, to the time the configuration's budget reserves for it.
 */
export const TOKEN_CLIENT_SETTINGS = {
  connectionTimeoutMs: 2_000,
  requestTimeoutMs: 3_000,
  maxAttempts: 2,
  /** Whole read, retries included (abortSignal). */
  deadlineMs: TOKEN_READ_MARGIN_MS,
} as const;

/** Why no token could be had; classify on these, not on the message. */
export const TOKEN_ERROR_CODES = {
  /** No token of that name is configured (the check names a token the fleet does not define). */
  TOKEN_UNKNOWN: 'TOKEN_UNKNOWN',
  /** Local run: the token's environment variable is unset or blank. */
  TOKEN_ENV_UNSET: 'TOKEN_ENV_UNSET',
  /** The parameter or secret does not exist, or holds nothing (the placeholder `{"token":""}`). */
  TOKEN_NOT_SET: 'TOKEN_NOT_SET',
  /** The runner may not read it: IAM (ssm:GetParameter, secretsmanager:GetSecretValue) or KMS (kms:Decrypt). */
  TOKEN_ACCESS_DENIED: 'TOKEN_ACCESS_DENIED',
  /** The store did not answer usefully: throttling, 5xx, network, timeout. The only code with the stale fallback. */
  TOKEN_STORE_UNAVAILABLE: 'TOKEN_STORE_UNAVAILABLE',
  /** The store refused the request for another reason (no region or credentials, invalid request). */
  TOKEN_STORE_REJECTED: 'TOKEN_STORE_REJECTED',
  /** The stored value is not a usable token: whitespace, a line break or control character inside, non-ASCII, or a secret of the wrong shape. */
  TOKEN_MALFORMED: 'TOKEN_MALFORMED',
  /** The token is shorter than MIN_TOKEN_LENGTH. */
  TOKEN_TOO_SHORT: 'TOKEN_TOO_SHORT',
} as const;
export type TokenErrorCode = keyof typeof TOKEN_ERROR_CODES;

/**
 * The brand every TokenError carries. The runner's lazy chunks bundle their own copy of this class
 * (lib/runner-bundle.ts SOURCE_CHUNK_EXTERNALS): the incident chunk's channels get errors thrown by
 * index.js's token store, which are not `instanceof` the chunk's copy. A registered symbol is the same
 * in every copy.
 */
const TOKEN_ERROR_BRAND: unique symbol = Symbol.for('synthmon.TokenError');

/** Why no token could be had. The message names the token, its store and the fix, never the value. */
export class TokenError extends Error {
  readonly [TOKEN_ERROR_BRAND] = true;
  constructor(
    readonly code: TokenErrorCode,
    /** The token's name (not its value). */
    readonly tokenName: string,
    message: string,
    options?: { cause?: Error },
  ) {
    super(message, options);
    this.name = 'TokenError';
  }
}

/** True for a TokenError from any copy of this module (by its brand, not instanceof: see TOKEN_ERROR_BRAND). */
export function isTokenError(err: unknown): err is TokenError {
  return typeof err === 'object' && err !== null && (err as { [TOKEN_ERROR_BRAND]?: unknown })[TOKEN_ERROR_BRAND] === true;
}

/** Gives named tokens to the runner. */
export interface TokenStore {
  /** The token called `name` (throws TokenError). */
  tokenFor(name: string): Promise<string>;
  /** Where the token called `name` comes from, for messages (never its value). */
  describe(name: string): string;
}

// ---------------------------------------------------------------------------------------------
// Token hygiene, shared by every store

/** What is wrong with a candidate token, if anything; the texts say what, never which character where. */
const PROBLEMS = {
  empty: { code: 'TOKEN_NOT_SET', text: 'is empty' },
  lineBreak: { code: 'TOKEN_MALFORMED', text: 'contains a line break (CR or LF), which could inject a header into the request' },
  control: { code: 'TOKEN_MALFORMED', text: 'contains a control character' },
  whitespace: { code: 'TOKEN_MALFORMED', text: 'contains whitespace (a token is one word; was more than the token pasted?)' },
  // Headers carry ASCII portably; a non-ASCII character in a token is a paste accident (a typographic quote, a no-break space).
  nonAscii: { code: 'TOKEN_MALFORMED', text: 'contains a non-ASCII character (a typographic quote or a no-break space from a paste?)' },
  tooShort: {
    code: 'TOKEN_TOO_SHORT',
    text: `is shorter than ${MIN_TOKEN_LENGTH} characters, too short to mask in output without mangling it (a truncated paste or a placeholder?)`,
  },
} as const satisfies Record<string, { code: TokenErrorCode; text: string }>;
type Problem = keyof typeof PROBLEMS;

/**
 * The token with surrounding whitespace removed (a file's trailing newline, as in
 * `--value file://token.txt`), or what is wrong with it.
 */
function checkToken(raw: string): { token: string } | { problem: Problem } {
  const token = raw.trim();
  if (token === '') return { problem: 'empty' };
  if (/[\r\n]/.test(token)) return { problem: 'lineBreak' };
  if (/[\u0000-\u001f\u007f-\u009f]/.test(token)) return { problem: 'control' };
  if (/\s/.test(token)) return { problem: 'whitespace' };
  if (/[^\u0021-\u007e]/.test(token)) return { problem: 'nonAscii' };
  if (token.length < MIN_TOKEN_LENGTH) return { problem: 'tooShort' };
  return { token };
}

/** The token, or a TokenError saying what is wrong with it, where it came from and how to fix it. */
export function acceptToken(raw: string, name: string, where: string, fix: string): string {
  const checked = checkToken(raw);
  if ('token' in checked) return checked.token;
  const { code, text } = PROBLEMS[checked.problem];
  throw new TokenError(code, name, `token "${name}" (${where}) ${text}; ${fix}`);
}

export function unknownToken(name: string, known: readonly string[]): TokenError {
  return new TokenError(
    'TOKEN_UNKNOWN',
    name,
    `no token named "${name}" is configured (${known.length ? `configured: ${known.map((k) => `"${k}"`).join(', ')}` : 'no tokens are configured'}); add it to tokens in the configuration`,
  );
}

/** The named token, by own property only (a name such as "constructor" must not find Object's). */
export function lookup(tokens: Readonly<Record<string, ResolvedToken>>, name: string): ResolvedToken | undefined {
  return Object.hasOwn(tokens, name) ? tokens[name] : undefined;
}
