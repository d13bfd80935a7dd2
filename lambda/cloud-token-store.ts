/**
 * The cloud token store (README.md#configuration): tokens from SSM Parameter Store or Secrets Manager
 * in the home region, cached per token name. Errors name the token, the store and the fix; SDK errors
 * are passed on as name and message only (never their raw response, which may hold what was read).
 */
// Types only: the SDK clients are loaded on the first read (see loadSsm / loadSecrets), so a runner
// without tokens never loads them and they stay out of the Lambda's init phase.
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { ResolvedToken } from '../contracts/config';
import { defaultParameterName } from '../contracts/fleet';
import { partitionOf } from '../contracts/regions';
import {
  acceptToken,
  lookup,
  TOKEN_CACHE_TTL_MS,
  TOKEN_CLIENT_SETTINGS,
  TOKEN_MAX_STALE_MS,
  TOKEN_RETRY_AFTER_FAILURE_MS,
  TokenError,
  unknownToken,
  type TokenStore,
} from './token-hygiene';
export interface CloudTokenStoreOptions {
  /** The home region, where the parameters and secrets live (a secret given by ARN is read in the ARN's region). @default - the SDK's region (AWS_REGION) */
  readonly region?: string;
  /** @default TOKEN_CACHE_TTL_MS */
  readonly ttlMs?: number;
  /** @default TOKEN_MAX_STALE_MS */
  readonly maxStaleMs?: number;
  /** Clock, for tests of the cache. @default Date.now */
  readonly now?: () => number;
  /** @default - one client per region for the process, created on first use */
  readonly ssmClient?: SSMClient;
  /** @default - one client per region for the process, created on first use */
  readonly secretsClient?: SecretsManagerClient;
}

/** One token's cache: the last good value, and the read in progress that concurrent callers share. */
interface Entry {
  token?: string;
  readAt: number;
  /** While serving a stale token after a failed refresh: do not try the store again before this. */
  retryAt?: number;
  inFlight?: Promise<string>;
}

/**
 * Tokens from SSM Parameter Store (GetParameter, WithDecryption) or Secrets Manager (GetSecretValue;
 * the raw token or JSON `{"token": "..."}`). One cache entry per token name: reused for `ttlMs`;
 * concurrent callers share one read; when the store is unavailable the last good token is used for
 * up to `maxStaleMs` (an outage of the store must not page as an endpoint failure). A missing,
 * empty, malformed or forbidden token is reported at once and drops the cached value.
 */
export function cloudTokenStore(tokens: Readonly<Record<string, ResolvedToken>>, options: CloudTokenStoreOptions = {}): TokenStore {
  const ttlMs = options.ttlMs ?? TOKEN_CACHE_TTL_MS;
  const maxStaleMs = options.maxStaleMs ?? TOKEN_MAX_STALE_MS;
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();
  // Learned from the SDK on the first read when options.region is unset, for describe().
  let learnedRegion: string | undefined;

  const regionOf = (t: ResolvedToken): string | undefined => {
    const arn = t.secret && 'arn' in t.secret ? t.secret.arn : undefined;
    return (arn ? arn.split(':')[3] : undefined) ?? options.region;
  };

  const describe = (name: string): string => {
    const t = lookup(tokens, name);
    if (!t) return `unknown token "${name}"`;
    const region = regionOf(t) ?? learnedRegion ?? "the SDK's default region";
    return t.secret
      ? `Secrets Manager secret ${secretIdOf(t.secret)} in ${region}`
      : `SSM parameter ${t.parameter ?? defaultParameterName(t.name)} in ${region}`;
  };

  const read = async (t: ResolvedToken, entry: Entry): Promise<string> => {
    const explicit = regionOf(t);
    let client: SSMClient | SecretsManagerClient;
    try {
      client = t.secret ? (options.secretsClient ?? (await secretsClientFor(explicit))) : (options.ssmClient ?? (await ssmClientFor(explicit)));
    } catch (err) {
      throw new TokenError(
        'TOKEN_STORE_UNAVAILABLE',
        t.name,
        `token "${t.name}": the ${t.secret ? 'Secrets Manager' : 'SSM'} client could not be loaded (${sdkDetail(err, entry.token)}); check that the function's bundle includes it`,
        { cause: safeCause(err, entry.token) },
      );
    }
    let region: string;
    try {
      region = explicit ?? (await client.config.region());
    } catch (err) {
      throw new TokenError(
        'TOKEN_STORE_REJECTED',
        t.name,
        `token "${t.name}": no AWS region to read it in (${sdkDetail(err, entry.token)}); pass the home region or set AWS_REGION`,
        { cause: safeCause(err, entry.token) },
      );
    }
    if (!explicit) learnedRegion = region;
    return t.secret
      ? readSecret(client as SecretsManagerClient, t, t.secret, region, entry.token)
      : readParameter(client as SSMClient, t, region, entry.token);
  };

  const refresh = async (t: ResolvedToken, entry: Entry): Promise<string> => {
    try {
      const token = await read(t, entry);
      Object.assign(entry, { token, readAt: now(), retryAt: undefined });
      return token;
    } catch (err) {
      const at = now();
      if (err instanceof TokenError && err.code === 'TOKEN_STORE_UNAVAILABLE' && entry.token !== undefined) {
        const age = at - entry.readAt;
        if (age <= maxStaleMs) {
          entry.retryAt = at + TOKEN_RETRY_AFTER_FAILURE_MS;
          return entry.token;
        }
        const minutes = Math.round(age / 60_000);
        const limit = Math.round(maxStaleMs / 60_000);
        entry.token = undefined;
        throw new TokenError(
          err.code,
          err.tokenName,
          `${err.message}; the last good token, read ${minutes} min ago, is past the ${limit}-minute limit for reuse`,
          {
            ...(err.cause instanceof Error ? { cause: err.cause } : {}),
          },
        );
      }
      // Missing, forbidden or malformed is the operator's news at once, and a deleted token is revoked.
      entry.token = undefined;
      entry.retryAt = undefined;
      throw err;
    }
  };

  return {
    describe,
    tokenFor(name) {
      const t = lookup(tokens, name);
      if (!t) return Promise.reject(unknownToken(name, Object.keys(tokens)));
      let entry = entries.get(name);
      if (!entry) entries.set(name, (entry = { readAt: 0 }));
      const at = now();
      if (entry.token !== undefined) {
        if (at - entry.readAt < ttlMs) return Promise.resolve(entry.token);
        if (entry.retryAt !== undefined && at < entry.retryAt && at - entry.readAt <= maxStaleMs) return Promise.resolve(entry.token);
      }
      const e = entry;
      e.inFlight ??= refresh(t, e).finally(() => {
        e.inFlight = undefined;
      });
      return e.inFlight;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// SSM Parameter Store

async function readParameter(client: SSMClient, t: ResolvedToken, region: string, previous: string | undefined): Promise<string> {
  // The configuration resolves every token to a parameter or a secret; the default guards a hand-made map.
  const parameter = t.parameter ?? defaultParameterName(t.name);
  const where = `SSM parameter ${parameter} in ${region}`;
  const putCommand = (overwrite: boolean) =>
    `aws ssm put-parameter --region ${region} --name ${parameter} --type SecureString${overwrite ? ' --overwrite' : ''} --value '<token>'`;
  const signal = AbortSignal.timeout(TOKEN_CLIENT_SETTINGS.deadlineMs);
  let value: string | undefined;
  let type: string | undefined;
  try {
    const { GetParameterCommand } = await loadSsm();
    const out = await client.send(new GetParameterCommand({ Name: parameter, WithDecryption: true }), { abortSignal: signal });
    // Checked, not trusted: the SDK passes a mistyped field through as is.
    const v: unknown = out.Parameter?.Value;
    if (v !== undefined && typeof v !== 'string') {
      throw new TokenError(
        'TOKEN_MALFORMED',
        t.name,
        `token "${t.name}": ${where} answered with a value that is not a string; store the token alone: ${putCommand(true)}`,
      );
    }
    value = v;
    type = out.Parameter?.Type;
  } catch (err) {
    if (err instanceof TokenError) throw err;
    const kind = classify(err);
    const detail = sdkDetail(err, previous);
    const cause = safeCause(err, previous);
    switch (kind) {
      case 'notFound':
        throw new TokenError('TOKEN_NOT_SET', t.name, `token "${t.name}" is not set: ${where} does not exist; create it with: ${putCommand(false)}`, {
          cause,
        });
      case 'denied': {
        const kms = /kms|ciphertext|KeyId/i.test(`${(err as Error)?.name} ${(err as Error)?.message}`);
        const need = kms
          ? `kms:Decrypt on the parameter's KMS key`
          : `ssm:GetParameter on ${parameterArn(region, parameter)} (and kms:Decrypt on its KMS key if it uses a customer managed key)`;
        throw new TokenError(
          'TOKEN_ACCESS_DENIED',
          t.name,
          `token "${t.name}": reading ${where} was denied (${detail}); the runner's role needs ${need}`,
          { cause },
        );
      }
      case 'unavailable':
        throw new TokenError(
          'TOKEN_STORE_UNAVAILABLE',
          t.name,
          `token "${t.name}": ${where} could not be read (${signal.aborted ? deadlineText() : detail}); usually transient, it is read again on a later run`,
          { cause },
        );
      case 'rejected':
        throw new TokenError(
          'TOKEN_STORE_REJECTED',
          t.name,
          `token "${t.name}": SSM refused to read ${where} (${detail}); check the runner's AWS credentials and the parameter name`,
          { cause },
        );
    }
  }
  if (value === undefined) {
    throw new TokenError('TOKEN_NOT_SET', t.name, `token "${t.name}" is not set: ${where} has no value; set it with: ${putCommand(true)}`);
  }
  if (type !== 'SecureString') {
    // A String parameter is readable by anyone with ssm:GetParameter and shown in the console: not where a token belongs.
    throw new TokenError(
      'TOKEN_MALFORMED',
      t.name,
      `token "${t.name}": ${where} is a ${type ?? 'parameter of unknown type'}, not a SecureString; delete it (aws ssm delete-parameter --region ${region} --name ${parameter}) and create it with: ${putCommand(false)}`,
    );
  }
  return acceptToken(value, t.name, where, `store the token alone: ${putCommand(true)}`);
}

/** The ARN IAM policies name a parameter by (a leading "/" is not doubled). */
function parameterArn(region: string, parameter: string): string {
  return `arn:${partitionOf(region) ?? 'aws'}:ssm:${region}:<account-id>:parameter/${parameter.replace(/^\//, '')}`;
}

// ---------------------------------------------------------------------------------------------
// Secrets Manager

type SecretRef = NonNullable<ResolvedToken['secret']>;

function secretIdOf(secret: SecretRef): string {
  return 'arn' in secret ? secret.arn : secret.name;
}

async function readSecret(
  client: SecretsManagerClient,
  t: ResolvedToken,
  secret: SecretRef,
  region: string,
  previous: string | undefined,
): Promise<string> {
  const secretId = secretIdOf(secret);
  const where = `Secrets Manager secret ${secretId} in ${region}`;
  const putValue = (json: boolean) =>
    `aws secretsmanager put-secret-value --region ${region} --secret-id ${secretId} --secret-string '${json ? '{"token":"<token>"}' : '<token>'}'`;
  const signal = AbortSignal.timeout(TOKEN_CLIENT_SETTINGS.deadlineMs);
  let secretString: string | undefined;
  let hasBinary = false;
  try {
    const { GetSecretValueCommand } = await loadSecrets();
    const out = await client.send(new GetSecretValueCommand({ SecretId: secretId }), { abortSignal: signal });
    const v: unknown = out.SecretString;
    if (v !== undefined && typeof v !== 'string') {
      throw new TokenError(
        'TOKEN_MALFORMED',
        t.name,
        `token "${t.name}": ${where} answered with a SecretString that is not a string; store the token as a string: ${putValue(false)}`,
      );
    }
    secretString = v;
    hasBinary = out.SecretBinary !== undefined;
  } catch (err) {
    if (err instanceof TokenError) throw err;
    const kind = classify(err);
    const detail = sdkDetail(err, previous);
    const cause = safeCause(err, previous);
    switch (kind) {
      case 'notFound':
        throw new TokenError(
          'TOKEN_NOT_SET',
          t.name,
          `token "${t.name}" is not set: ${where} does not exist` +
            ('arn' in secret
              ? `; check tokens.${t.name}.secret.arn in the configuration (a deleted secret has a new ARN when created again)`
              : `; create it with: aws secretsmanager create-secret --region ${region} --name ${secretId} --secret-string '<token>'`),
          { cause },
        );
      case 'denied': {
        const kms = /kms|decrypt/i.test(`${(err as Error)?.name} ${(err as Error)?.message}`);
        const resource =
          'arn' in secret ? secret.arn : `arn:${partitionOf(region) ?? 'aws'}:secretsmanager:${region}:<account-id>:secret:${secretId}-??????`;
        const need = kms
          ? `kms:Decrypt on the secret's KMS key`
          : `secretsmanager:GetSecretValue on ${resource} (and kms:Decrypt on its KMS key if it uses a customer managed key)`;
        throw new TokenError(
          'TOKEN_ACCESS_DENIED',
          t.name,
          `token "${t.name}": reading ${where} was denied (${detail}); the runner's role needs ${need}`,
          { cause },
        );
      }
      case 'unavailable':
        throw new TokenError(
          'TOKEN_STORE_UNAVAILABLE',
          t.name,
          `token "${t.name}": ${where} could not be read (${signal.aborted ? deadlineText() : detail}); usually transient, it is read again on a later run`,
          { cause },
        );
      case 'rejected':
        throw new TokenError(
          'TOKEN_STORE_REJECTED',
          t.name,
          `token "${t.name}": Secrets Manager refused to read ${where} (${detail}); check the runner's AWS credentials and that the secret is not scheduled for deletion`,
          { cause },
        );
    }
  }
  if (secretString === undefined) {
    throw new TokenError(
      'TOKEN_MALFORMED',
      t.name,
      `token "${t.name}": ${where} has ${hasBinary ? 'a binary value' : 'no value'}; store the token as a string: ${putValue(false)}`,
    );
  }
  const shape = tokenFromSecretString(secretString);
  if ('problem' in shape) {
    throw new TokenError(
      shape.problem === 'empty' ? 'TOKEN_NOT_SET' : 'TOKEN_MALFORMED',
      t.name,
      `token "${t.name}" ${shape.problem === 'empty' ? 'is not set' : 'cannot be read'}: ${where} ${SECRET_SHAPE_TEXT[shape.problem]}; ` +
        `set it with: ${putValue(shape.problem !== 'empty' || secretString.trim().startsWith('{'))}`,
    );
  }
  return acceptToken(shape.token, t.name, where, `store the token alone: ${putValue(shape.json)}`);
}

const SECRET_SHAPE_TEXT = {
  empty: 'holds no token yet',
  notJson: 'starts with "{" but is not valid JSON (store {"token": "..."} or the raw token)',
  noTokenField: 'is JSON without a string "token" field (store {"token": "..."} or the raw token)',
} as const;

/**
 * The token in a SecretString: JSON `{"token": "..."}` or the raw token (the placeholder
 * `{"token":""}` is "empty"). A JSON parse error is dropped, never passed on: V8 quotes the input in it.
 */
export function tokenFromSecretString(secretString: string): { token: string; json: boolean } | { problem: keyof typeof SECRET_SHAPE_TEXT } {
  const text = secretString.trim();
  if (text === '') return { problem: 'empty' };
  if (!text.startsWith('{')) return { token: text, json: false };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { problem: 'notJson' };
  }
  const token = (parsed as { token?: unknown } | null)?.token;
  if (typeof token !== 'string') return { problem: 'noTokenField' };
  if (token.trim() === '') return { problem: 'empty' };
  return { token, json: true };
}

// ---------------------------------------------------------------------------------------------
// SDK errors, clients and loading

type Failure = 'notFound' | 'denied' | 'unavailable' | 'rejected';

const NOT_FOUND = new Set(['ParameterNotFound', 'ResourceNotFoundException']);
const DENIED = new Set(['AccessDeniedException', 'AccessDenied', 'DecryptionFailure', 'InvalidKeyId', 'KMSAccessDeniedException']);
const THROTTLED = new Set(['ThrottlingException', 'Throttling', 'TooManyRequestsException', 'RequestLimitExceeded', 'TooManyUpdates']);
const REJECTED = new Set(['CredentialsProviderError']);

/** What an SDK failure means for the token: only 'unavailable' may fall back to the last good token. */
function classify(err: unknown): Failure {
  const e = err as { name?: unknown; $fault?: unknown; $metadata?: { httpStatusCode?: unknown } } | null;
  const name = typeof e?.name === 'string' ? e.name : '';
  if (NOT_FOUND.has(name)) return 'notFound';
  if (DENIED.has(name)) return 'denied';
  if (THROTTLED.has(name)) return 'unavailable';
  if (REJECTED.has(name)) return 'rejected';
  const status = typeof e?.$metadata?.httpStatusCode === 'number' ? e.$metadata.httpStatusCode : undefined;
  if (e?.$fault === 'server' || (status !== undefined && status >= 500)) return 'unavailable';
  if (e?.$fault === 'client' || (status !== undefined && status >= 400)) return 'rejected';
  // No answer at all: connection refused or reset, DNS, the request or whole-read timeout.
  return 'unavailable';
}

/**
 * "Name: message" of an SDK error, one line, bounded. AWS error messages describe the request
 * (role, action, resource), not the value; the last good token is masked all the same. An answer
 * that could not be parsed is named but not quoted: V8's JSON errors quote the text around the fault
 * (`Unexpected token 'Z', "Zq7vK3mXw9"... is not valid JSON`), and a 2xx body is where the token is.
 */
function sdkDetail(err: unknown, previous: string | undefined): string {
  const e = err as { name?: unknown; message?: unknown; $metadata?: { httpStatusCode?: unknown } } | null;
  const name = typeof e?.name === 'string' && e.name ? e.name : 'Error';
  let message = typeof e?.message === 'string' ? e.message : String(err);
  const status = e?.$metadata?.httpStatusCode;
  if (name === 'SyntaxError' || /deserializ/i.test(message) || (typeof status === 'number' && status < 300)) {
    return `${name}: the answer could not be parsed (not shown: it may hold the token)`;
  }
  if (previous) message = message.split(previous).join('***');
  message = message.replace(/\s+/g, ' ').trim();
  if (message === '' || message === 'UnknownError') return name;
  return `${name}: ${message.length > 160 ? `${message.slice(0, 157)}...` : message}`;
}

/** The SDK error as a plain Error (name, message, $metadata): the SDK's own keeps the raw response, which may hold what was read. */
function safeCause(err: unknown, previous: string | undefined): Error {
  const e = err as { name?: unknown; $metadata?: unknown; code?: unknown } | null;
  const cause = new Error(sdkDetail(err, previous));
  cause.name = typeof e?.name === 'string' && e.name ? e.name : 'Error';
  return Object.assign(cause, {
    ...(e?.$metadata && typeof e.$metadata === 'object' ? { $metadata: e.$metadata } : {}),
    ...(typeof e?.code === 'string' ? { code: e.code } : {}),
  });
}

const deadlineText = () => `no answer within ${TOKEN_CLIENT_SETTINGS.deadlineMs} ms`;

type SsmSdk = typeof import('@aws-sdk/client-ssm');
type SecretsSdk = typeof import('@aws-sdk/client-secrets-manager');
let ssmSdk: Promise<SsmSdk> | undefined;
let secretsSdk: Promise<SecretsSdk> | undefined;

/** The SSM SDK, loaded once on first use (loading an SDK client costs ~100 ms of CPU: not in init). */
function loadSsm(): Promise<SsmSdk> {
  ssmSdk ??= import('@aws-sdk/client-ssm').catch((err: unknown) => {
    ssmSdk = undefined;
    throw err;
  });
  return ssmSdk;
}

/** The Secrets Manager SDK, loaded once on first use. */
function loadSecrets(): Promise<SecretsSdk> {
  secretsSdk ??= import('@aws-sdk/client-secrets-manager').catch((err: unknown) => {
    secretsSdk = undefined;
    throw err;
  });
  return secretsSdk;
}

/** Options, not a NodeHttpHandler instance: each client builds the handler from its own bundled copy. */
const clientConfig = (region: string | undefined) => ({
  ...(region ? { region } : {}),
  maxAttempts: TOKEN_CLIENT_SETTINGS.maxAttempts,
  requestHandler: {
    connectionTimeout: TOKEN_CLIENT_SETTINGS.connectionTimeoutMs,
    requestTimeout: TOKEN_CLIENT_SETTINGS.requestTimeoutMs,
    throwOnRequestTimeout: true,
  },
});

// One client per region for the process (a Lambda container's life), keyed '' for the SDK's default region.
const ssmClients = new Map<string, Promise<SSMClient>>();
const secretsClients = new Map<string, Promise<SecretsManagerClient>>();

/** The process's client for a region, created once (a failed creation is forgotten, so it is retried). */
function clientFor<C>(clients: Map<string, Promise<C>>, region: string | undefined, create: () => Promise<C>): Promise<C> {
  const key = region ?? '';
  let client = clients.get(key);
  if (!client) {
    client = create();
    client.catch(() => clients.delete(key));
    clients.set(key, client);
  }
  return client;
}

function ssmClientFor(region: string | undefined): Promise<SSMClient> {
  return clientFor(ssmClients, region, () => loadSsm().then(({ SSMClient }) => new SSMClient(clientConfig(region))));
}

function secretsClientFor(region: string | undefined): Promise<SecretsManagerClient> {
  return clientFor(secretsClients, region, () => loadSecrets().then(({ SecretsManagerClient }) => new SecretsManagerClient(clientConfig(region))));
}
