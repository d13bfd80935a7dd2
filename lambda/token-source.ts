/**
 * Where a check's token comes from (DESIGN §4): AWS Secrets Manager in the cloud, read once per
 * container and cached briefly so a rotated token takes effect within minutes; an environment
 * variable locally. No error, log line or message built here ever contains the token or the raw
 * secret value.
 */
// Types only: the SDK client is loaded on the first secret read (see loadSecretsSdk), so checks
// without auth never load it and it stays out of the Lambda's init phase.
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { TOKEN_READ_MARGIN_MS } from '../contracts/kinds';

/** How long a token read from Secrets Manager is reused before it is read again. */
export const TOKEN_CACHE_TTL_MS = 5 * 60_000;

/** How long the last good token is still used when a refresh fails (Secrets Manager blip). */
export const TOKEN_MAX_STALE_MS = 60 * 60_000;

/**
 * Secrets Manager client settings. The SDK has no connection or request timeout by default; these
 * bound one read to `deadlineMs` so it fits the function budget next to the probe and publishing.
 */
export const SECRETS_CLIENT_SETTINGS = {
  connectionTimeoutMs: 2000,
  requestTimeoutMs: 3000,
  maxAttempts: 2,
  /** Whole read, retries included: the time the configuration's budget reserves for it. */
  deadlineMs: TOKEN_READ_MARGIN_MS,
} as const;

export type TokenErrorCode =
  /** Secrets Manager could not be reached or refused the read (not found, access denied, timeout). */
  | 'TOKEN_SECRET_UNAVAILABLE'
  /** The secret exists but holds no token yet (the placeholder the stack creates). */
  | 'TOKEN_NOT_SET'
  /** The secret holds something that is neither a raw token nor `{"token": "..."}`. */
  | 'TOKEN_SECRET_MALFORMED'
  /** Local run: the environment variable is unset or empty. */
  | 'TOKEN_ENV_UNSET';

/** Why no token could be had. The message names the secret or variable, never the value. */
export class TokenError extends Error {
  constructor(
    readonly code: TokenErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'TokenError';
  }
}

/** Gives the token for one check (throws TokenError). */
export interface TokenSource {
  getToken(): Promise<string>;
  /** Where the token comes from, for messages (a secret id or `$VAR`). */
  readonly description: string;
}

/** Local runs: the token from an environment variable, read on every call (cheap, and tests can change it). */
export function envTokenSource(variable: string, env: NodeJS.ProcessEnv = process.env): TokenSource {
  return {
    description: `environment variable ${variable}`,
    async getToken() {
      const value = env[variable];
      if (!value) throw new TokenError('TOKEN_ENV_UNSET', `environment variable ${variable} is not set or empty`);
      return value;
    },
  };
}

export interface SecretsManagerTokenSourceOptions {
  /** Secret ARN or name. */
  readonly secretId: string;
  /** @default TOKEN_CACHE_TTL_MS */
  readonly ttlMs?: number;
  /** @default TOKEN_MAX_STALE_MS */
  readonly maxStaleMs?: number;
  /** @default - the process's shared client (see createSecretsManagerClient) */
  readonly client?: SecretsManagerClient;
  /** Clock, for tests of the cache. @default Date.now */
  readonly now?: () => number;
}

/**
 * The token from a Secrets Manager secret whose SecretString is the raw token or JSON
 * `{"token": "..."}`. Cached for `ttlMs`; when a refresh fails the previous token is used for up to
 * `maxStaleMs` (an outage of Secrets Manager must not page as an endpoint failure), after which the
 * error surfaces. Concurrent callers share one read.
 */
export function secretsManagerTokenSource(options: SecretsManagerTokenSourceOptions): TokenSource {
  const ttlMs = options.ttlMs ?? TOKEN_CACHE_TTL_MS;
  const maxStaleMs = options.maxStaleMs ?? TOKEN_MAX_STALE_MS;
  const now = options.now ?? Date.now;
  let cached: { token: string; readAt: number } | undefined;
  let inFlight: Promise<string> | undefined;

  const refresh = async (): Promise<string> => {
    try {
      const token = await readSecretToken(options.client ?? (await getSecretsManagerClient()), options.secretId);
      cached = { token, readAt: now() };
      return token;
    } catch (err) {
      // A secret that is readable but wrong (placeholder, malformed) is the operator's news at once;
      // only an unavailable Secrets Manager falls back to the last good token.
      const unavailable = err instanceof TokenError && err.code === 'TOKEN_SECRET_UNAVAILABLE';
      if (unavailable && cached && now() - cached.readAt <= maxStaleMs) return cached.token;
      throw err;
    }
  };

  return {
    description: `secret ${options.secretId}`,
    getToken() {
      if (cached && now() - cached.readAt < ttlMs) return Promise.resolve(cached.token);
      inFlight ??= refresh().finally(() => {
        inFlight = undefined;
      });
      return inFlight;
    },
  };
}

type SecretsSdk = typeof import('@aws-sdk/client-secrets-manager');
let secretsSdk: Promise<SecretsSdk> | undefined;

/** The Secrets Manager SDK, loaded once on first use (it costs ~100 ms of CPU to load). */
function loadSecretsSdk(): Promise<SecretsSdk> {
  secretsSdk ??= import('@aws-sdk/client-secrets-manager');
  return secretsSdk;
}

/** A Secrets Manager client with explicit timeouts; region, endpoint and credentials from the standard SDK configuration. */
export async function createSecretsManagerClient(): Promise<SecretsManagerClient> {
  const { SecretsManagerClient } = await loadSecretsSdk();
  return new SecretsManagerClient({
    maxAttempts: SECRETS_CLIENT_SETTINGS.maxAttempts,
    // Options, not a NodeHttpHandler instance: the client builds the handler from its own bundled copy.
    requestHandler: {
      connectionTimeout: SECRETS_CLIENT_SETTINGS.connectionTimeoutMs,
      requestTimeout: SECRETS_CLIENT_SETTINGS.requestTimeoutMs,
      throwOnRequestTimeout: true,
    },
  });
}

let sharedClient: Promise<SecretsManagerClient> | undefined;

/** The process's one client, created on first use (once per Lambda container). */
export function getSecretsManagerClient(): Promise<SecretsManagerClient> {
  sharedClient ??= createSecretsManagerClient();
  return sharedClient;
}

async function readSecretToken(client: SecretsManagerClient, secretId: string): Promise<string> {
  let secretString: string | undefined;
  let hasBinary = false;
  try {
    const { GetSecretValueCommand } = await loadSecretsSdk();
    const out = await client.send(new GetSecretValueCommand({ SecretId: secretId }), {
      abortSignal: AbortSignal.timeout(SECRETS_CLIENT_SETTINGS.deadlineMs),
    });
    secretString = out.SecretString;
    hasBinary = out.SecretBinary !== undefined;
  } catch (err) {
    const e = err as { name?: string; message?: string };
    // SDK errors describe the request, not the secret value, so their text is safe to pass on.
    const detail = `${e?.name ?? 'Error'}: ${String(e?.message ?? err).slice(0, 200)}`;
    throw new TokenError('TOKEN_SECRET_UNAVAILABLE', `cannot read secret ${secretId} (${detail})`);
  }
  if (secretString === undefined) {
    throw new TokenError(
      'TOKEN_SECRET_MALFORMED',
      `secret ${secretId} has ${hasBinary ? 'a binary value' : 'no value'}; store the token as a string (raw, or JSON {"token": "..."})`,
    );
  }
  return tokenFromSecretString(secretString, secretId);
}

/**
 * The token in a SecretString: JSON `{"token": "..."}` or the raw token. Exported for tests; its
 * errors describe the shape, never the content.
 */
export function tokenFromSecretString(secretString: string, secretId: string): string {
  const text = secretString.trim();
  const notSet = () =>
    new TokenError(
      'TOKEN_NOT_SET',
      `secret ${secretId} holds no token yet; set it with: aws secretsmanager put-secret-value --secret-id ${secretId} --secret-string '{"token":"<token>"}'`,
    );
  if (text === '') throw notSet();
  if (!text.startsWith('{')) return text;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new TokenError('TOKEN_SECRET_MALFORMED', `secret ${secretId} starts with "{" but is not valid JSON; store {"token": "..."} or the raw token`);
  }
  const token = (parsed as { token?: unknown } | null)?.token;
  if (typeof token !== 'string') {
    throw new TokenError('TOKEN_SECRET_MALFORMED', `secret ${secretId} is JSON without a string "token" field; store {"token": "..."} or the raw token`);
  }
  if (token.trim() === '') throw notSet();
  return token.trim();
}
