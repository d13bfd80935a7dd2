/**
 * The token source with the real Secrets Manager SDK against a local JSON 1.1 endpoint: secret
 * shapes, the 5-minute cache (clock injected), the stale fallback, errors that never carry the
 * value, and the read deadline.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKEN_READ_MARGIN_MS } from '../../contracts/config';
import { TOKEN_SECRET_PLACEHOLDER } from '../../contracts/handler-env';
import {
  envTokenSource,
  secretsManagerTokenSource,
  SECRETS_CLIENT_SETTINGS,
  TOKEN_CACHE_TTL_MS,
  TokenError,
  tokenFromSecretString,
} from '../../lambda/token-source';
import { SecretAnswers, startSecretsEndpoint, type SecretsEndpoint } from './secrets-endpoint';

const CANARY = 'canary-token-5d1e0b7a';
let sm: SecretsEndpoint;

beforeAll(async () => {
  sm = await startSecretsEndpoint();
  // The real SDK, pointed at loopback only; static credentials so no provider looks further.
  Object.assign(process.env, {
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIDLOCALTEST',
    AWS_SECRET_ACCESS_KEY: 'local-secret-key',
    AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint,
    AWS_EC2_METADATA_DISABLED: 'true',
  });
});
afterAll(async () => {
  await sm.close();
});

async function tokenError(promise: Promise<unknown>): Promise<TokenError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TokenError);
  return err as TokenError;
}

describe('secretsManagerTokenSource', () => {
  it('reads the token from a JSON secret and from a raw one', async () => {
    sm.set('json-secret', { kind: 'value', secretString: JSON.stringify({ token: CANARY, note: 'x' }) });
    sm.set('raw-secret', { kind: 'value', secretString: `  ${CANARY}\n` });
    await expect(secretsManagerTokenSource({ secretId: 'json-secret' }).getToken()).resolves.toBe(CANARY);
    await expect(secretsManagerTokenSource({ secretId: 'raw-secret' }).getToken()).resolves.toBe(CANARY);
    // The request names the secret; the value only ever travels in the answer.
    expect(sm.bodies.join('')).not.toContain(CANARY);
  });

  it('reuses the token for five minutes, then reads it again and picks up a rotated value', async () => {
    let now = 1_000_000;
    sm.set('rotating', { kind: 'value', secretString: '{"token":"first"}' });
    const source = secretsManagerTokenSource({ secretId: 'rotating', now: () => now });
    const reads = () => sm.reads.filter((id) => id === 'rotating').length;

    expect(await source.getToken()).toBe('first');
    sm.set('rotating', { kind: 'value', secretString: '{"token":"second"}' });
    now += TOKEN_CACHE_TTL_MS - 1;
    expect(await source.getToken()).toBe('first');
    expect(reads()).toBe(1);
    now += 1;
    expect(await source.getToken()).toBe('second');
    expect(reads()).toBe(2);
  });

  it('shares one read between concurrent callers', async () => {
    sm.set('concurrent', { kind: 'value', secretString: CANARY });
    const source = secretsManagerTokenSource({ secretId: 'concurrent' });
    expect(await Promise.all([source.getToken(), source.getToken(), source.getToken()])).toEqual([CANARY, CANARY, CANARY]);
    expect(sm.reads.filter((id) => id === 'concurrent')).toHaveLength(1);
  });

  it('keeps the last good token through a Secrets Manager outage, up to the stale limit', async () => {
    let now = 0;
    sm.set('flaky', { kind: 'value', secretString: CANARY });
    const source = secretsManagerTokenSource({ secretId: 'flaky', now: () => now, maxStaleMs: 60 * 60_000 });
    expect(await source.getToken()).toBe(CANARY);
    sm.set('flaky', SecretAnswers.internal);
    now += TOKEN_CACHE_TTL_MS + 1;
    expect(await source.getToken()).toBe(CANARY);
    now += 60 * 60_000;
    const err = await tokenError(source.getToken());
    expect(err.code).toBe('TOKEN_SECRET_UNAVAILABLE');
    expect(err.message).toMatch(/^cannot read secret flaky \(InternalServiceError: /);
  });

  it('reports the placeholder the stack creates as "not set", with the command that sets it', async () => {
    sm.set('placeholder', { kind: 'value', secretString: TOKEN_SECRET_PLACEHOLDER });
    const err = await tokenError(secretsManagerTokenSource({ secretId: 'placeholder' }).getToken());
    expect(err.code).toBe('TOKEN_NOT_SET');
    expect(err.message).toBe(
      `secret placeholder holds no token yet; set it with: aws secretsmanager put-secret-value --secret-id placeholder --secret-string '{"token":"<token>"}'`,
    );
  });

  it.each([
    ['JSON without a token field', JSON.stringify({ password: CANARY }), 'TOKEN_SECRET_MALFORMED', 'secret s is JSON without a string "token" field; store {"token": "..."} or the raw token'],
    ['broken JSON', `{"token": "${CANARY}"`, 'TOKEN_SECRET_MALFORMED', 'secret s starts with "{" but is not valid JSON; store {"token": "..."} or the raw token'],
    ['an empty string', '   ', 'TOKEN_NOT_SET', /^secret s holds no token yet; /],
    ['JSON with an empty token', '{"token": "  "}', 'TOKEN_NOT_SET', /^secret s holds no token yet; /],
  ])('rejects %s without echoing the value', (_name, secretString, code, message) => {
    let err: TokenError | undefined;
    try {
      tokenFromSecretString(secretString, 's');
    } catch (e) {
      err = e as TokenError;
    }
    expect(err?.code).toBe(code);
    expect(err?.message).toMatch(message);
    expect(err?.message).not.toContain(CANARY);
  });

  it('rejects a binary-only secret', async () => {
    sm.set('binary', { kind: 'value', secretBinary: Buffer.from(CANARY).toString('base64') });
    const err = await tokenError(secretsManagerTokenSource({ secretId: 'binary' }).getToken());
    expect(err.code).toBe('TOKEN_SECRET_MALFORMED');
    expect(err.message).toBe('secret binary has a binary value; store the token as a string (raw, or JSON {"token": "..."})');
  });

  it('names the secret and the service error when the secret cannot be read', async () => {
    sm.set('denied', SecretAnswers.accessDenied);
    const denied = await tokenError(secretsManagerTokenSource({ secretId: 'denied' }).getToken());
    expect(denied.message).toBe('cannot read secret denied (AccessDeniedException: User is not authorized to perform: secretsmanager:GetSecretValue)');
    const missing = await tokenError(secretsManagerTokenSource({ secretId: 'missing' }).getToken());
    expect(missing.code).toBe('TOKEN_SECRET_UNAVAILABLE');
    expect(missing.message).toContain('ResourceNotFoundException');
  });

  it('gives up on a hung endpoint within the read deadline the configuration budgets for', async () => {
    expect(SECRETS_CLIENT_SETTINGS.deadlineMs).toBe(TOKEN_READ_MARGIN_MS);
    sm.set('hung', SecretAnswers.hang);
    const started = Date.now();
    const err = await tokenError(secretsManagerTokenSource({ secretId: 'hung' }).getToken());
    const elapsed = Date.now() - started;
    expect(err.code).toBe('TOKEN_SECRET_UNAVAILABLE');
    expect(elapsed).toBeLessThan(SECRETS_CLIENT_SETTINGS.deadlineMs + 3000);
  });
});

describe('envTokenSource', () => {
  it('reads the variable on each call and says which one is missing', async () => {
    const env: NodeJS.ProcessEnv = {};
    const source = envTokenSource('ORDERS_TOKEN', env);
    const err = await tokenError(source.getToken());
    expect(err).toMatchObject({ code: 'TOKEN_ENV_UNSET', message: 'environment variable ORDERS_TOKEN is not set or empty' });
    env.ORDERS_TOKEN = CANARY;
    await expect(source.getToken()).resolves.toBe(CANARY);
  });
});
