/**
 * Named tokens with the real SDKs against local SSM and Secrets Manager endpoints (JSON 1.1 on
 * loopback): one read per token name shared by its checks, the 5-minute cache (clock injected), the
 * stale fallback and its limit, the exact fix in every error, the read deadline, token hygiene, and
 * a canary token that no error, message or cause may contain — whole or any 6-character part.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { inspect, promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ResolvedToken } from '../../contracts/config';
import { TOKEN_READ_MARGIN_MS } from '../../contracts/kinds';
import {
  cloudTokenStore,
  envTokenStore,
  MIN_TOKEN_LENGTH,
  staticTokenStore,
  TOKEN_CACHE_TTL_MS,
  TOKEN_CLIENT_SETTINGS,
  TOKEN_MAX_STALE_MS,
  TOKEN_RETRY_AFTER_FAILURE_MS,
  TokenError,
  type TokenStore,
} from '../../lambda/tokens';
import { SecretAnswers, startSecretsEndpoint, type SecretsEndpoint } from '../support/secrets-endpoint';
import { ParameterAnswers, startSsmEndpoint, type SsmEndpoint } from '../support/ssm-endpoint';

/** Random-looking, so none of its 6-character windows occurs in ordinary text. */
const CANARY = 'Zq7vK3mXw9PfR2tB';
const REGION = 'eu-west-1';
let ssm: SsmEndpoint;
let sm: SecretsEndpoint;

beforeAll(async () => {
  ssm = await startSsmEndpoint();
  sm = await startSecretsEndpoint();
  // The real SDKs, pointed at loopback only; static credentials so no provider looks further.
  vi.stubEnv('AWS_REGION', REGION);
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDLOCALTEST');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local-secret-key');
  vi.stubEnv('AWS_ENDPOINT_URL_SSM', ssm.endpoint);
  vi.stubEnv('AWS_ENDPOINT_URL_SECRETS_MANAGER', sm.endpoint);
  vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await Promise.all([ssm.close(), sm.close()]);
});

/** Every 6-character part of the canary found in `text`. */
function canaryParts(text: string): string[] {
  const parts: string[] = [];
  for (let i = 0; i + 6 <= CANARY.length; i++) if (text.includes(CANARY.slice(i, i + 6))) parts.push(CANARY.slice(i, i + 6));
  return parts;
}

/** The TokenError the promise rejects with; fails the test if the canary shows anywhere in it (message, cause, fields). */
async function tokenError(promise: Promise<unknown>): Promise<TokenError> {
  const err = await promise.then(
    (value) => {
      throw new Error(`expected a TokenError, got a token of ${String(value).length} characters`);
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TokenError);
  expect(canaryParts(inspect(err, { depth: 6, showHidden: true }))).toEqual([]);
  expect(canaryParts(JSON.stringify({ message: (err as Error).message, cause: String((err as Error).cause) }))).toEqual([]);
  return err as TokenError;
}

const param = (name: string, parameter = `/synthmon/${name}`): ResolvedToken => ({
  name,
  env: `SYNTHMON_TOKEN_${name.toUpperCase().replace(/-/g, '_')}`,
  parameter,
});
const secret = (name: string, ref: { name: string } | { arn: string }): ResolvedToken => ({ name, env: 'UNUSED', secret: ref });
const tokensOf = (...list: ResolvedToken[]) => Object.fromEntries(list.map((t) => [t.name, t]));

/** Waits (bounded) until no connection holds an unanswered request. */
async function hungSocketsClosed(endpoint: { hungSockets(): number }, withinMs: number): Promise<number> {
  const deadline = Date.now() + withinMs;
  while (endpoint.hungSockets() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return endpoint.hungSockets();
}

describe('cloudTokenStore with SSM Parameter Store', () => {
  it('reads a SecureString with decryption once for all the checks that share the token', async () => {
    ssm.set('/synthmon/shared', { kind: 'value', value: CANARY });
    const store = cloudTokenStore(tokensOf(param('shared')), { region: REGION });
    // Two checks naming the same token, at the same moment and again a minute later.
    expect(await Promise.all([store.tokenFor('shared'), store.tokenFor('shared')])).toEqual([CANARY, CANARY]);
    expect(await store.tokenFor('shared')).toBe(CANARY);
    expect(ssm.reads.filter((r) => r.name === '/synthmon/shared')).toEqual([{ name: '/synthmon/shared', withDecryption: true }]);
    expect(store.describe('shared')).toBe('SSM parameter /synthmon/shared in eu-west-1');
    // The request names the parameter; the value only ever travels in the answer.
    expect(canaryParts(ssm.bodies.join(''))).toEqual([]);
  });

  it('keeps one cache entry per token name: two tokens are two reads', async () => {
    ssm.set('/synthmon/alpha', { kind: 'value', value: 'alpha-token-0001' });
    ssm.set('/custom/beta', { kind: 'value', value: 'beta-token-0002' });
    const store = cloudTokenStore(tokensOf(param('alpha'), param('beta', '/custom/beta')), { region: REGION });
    expect(await Promise.all([store.tokenFor('alpha'), store.tokenFor('beta'), store.tokenFor('alpha')])).toEqual([
      'alpha-token-0001',
      'beta-token-0002',
      'alpha-token-0001',
    ]);
    expect([ssm.readsOf('/synthmon/alpha'), ssm.readsOf('/custom/beta')]).toEqual([1, 1]);
  });

  it('reuses a token for five minutes, then reads it again and picks up a rotated value', async () => {
    let now = 1_000_000;
    ssm.set('/synthmon/rotating', { kind: 'value', value: 'rotated-token-one' });
    const store = cloudTokenStore(tokensOf(param('rotating')), { region: REGION, now: () => now });

    expect(await store.tokenFor('rotating')).toBe('rotated-token-one');
    ssm.set('/synthmon/rotating', { kind: 'value', value: 'rotated-token-two' });
    now += TOKEN_CACHE_TTL_MS - 1;
    expect(await store.tokenFor('rotating')).toBe('rotated-token-one');
    expect(ssm.readsOf('/synthmon/rotating')).toBe(1);
    now += 1;
    expect(await store.tokenFor('rotating')).toBe('rotated-token-two');
    expect(ssm.readsOf('/synthmon/rotating')).toBe(2);
  });

  it.each([
    ['a 500 InternalServerError', ParameterAnswers.internal, 'InternalServerError: An error occurred on the server side.'],
    ['throttling', ParameterAnswers.throttled, 'ThrottlingException: Rate exceeded'],
  ])('keeps the last good token through %s for up to an hour, then reports the store unavailable', async (_case, answer, detail) => {
    const name = `/synthmon/flaky-${answer.type.toLowerCase()}`;
    let now = 0;
    ssm.set(name, { kind: 'value', value: CANARY });
    const store = cloudTokenStore(tokensOf(param('flaky', name)), { region: REGION, now: () => now });
    expect(await store.tokenFor('flaky')).toBe(CANARY);

    ssm.set(name, answer);
    now += TOKEN_CACHE_TTL_MS;
    expect(await store.tokenFor('flaky')).toBe(CANARY);
    const readsAfterFailure = ssm.readsOf(name);
    expect(readsAfterFailure).toBe(1 + TOKEN_CLIENT_SETTINGS.maxAttempts);
    // A failed store is not asked again on every run: the stale token is used for a while.
    now += TOKEN_RETRY_AFTER_FAILURE_MS - 1;
    expect(await store.tokenFor('flaky')).toBe(CANARY);
    expect(ssm.readsOf(name)).toBe(readsAfterFailure);
    now += 1;
    expect(await store.tokenFor('flaky')).toBe(CANARY);
    expect(ssm.readsOf(name)).toBe(readsAfterFailure + TOKEN_CLIENT_SETTINGS.maxAttempts);

    now = TOKEN_MAX_STALE_MS + 1;
    const err = await tokenError(store.tokenFor('flaky'));
    expect(err.code).toBe('TOKEN_STORE_UNAVAILABLE');
    expect(err.tokenName).toBe('flaky');
    expect(err.message).toBe(
      `token "flaky": SSM parameter ${name} in eu-west-1 could not be read (${detail}); usually transient, it is read again on a later run; ` +
        'the last good token, read 60 min ago, is past the 60-minute limit for reuse',
    );

    // The store recovers: the next run reads again.
    ssm.set(name, { kind: 'value', value: 'recovered-token' });
    expect(await store.tokenFor('flaky')).toBe('recovered-token');
  });

  it('reports a missing parameter at once with the command that creates it, even with a token cached', async () => {
    let now = 0;
    ssm.set('/synthmon/orders', { kind: 'value', value: CANARY });
    const store = cloudTokenStore(tokensOf(param('orders')), { region: REGION, now: () => now });
    expect(await store.tokenFor('orders')).toBe(CANARY);

    ssm.set('/synthmon/orders', ParameterAnswers.notFound);
    now += TOKEN_CACHE_TTL_MS;
    const err = await tokenError(store.tokenFor('orders'));
    expect(err.code).toBe('TOKEN_NOT_SET');
    expect(err.message).toBe(
      `token "orders" is not set: SSM parameter /synthmon/orders in eu-west-1 does not exist; ` +
        `create it with: aws ssm put-parameter --region eu-west-1 --name /synthmon/orders --type SecureString --value '<token>'`,
    );
    // The deleted token is gone: a later outage does not bring it back.
    ssm.set('/synthmon/orders', ParameterAnswers.internal);
    expect((await tokenError(store.tokenFor('orders'))).code).toBe('TOKEN_STORE_UNAVAILABLE');
  });

  it('names the home region it was given in the fix, not the function region', async () => {
    const store = cloudTokenStore(tokensOf(param('elsewhere')), { region: 'us-east-2' });
    expect(store.describe('elsewhere')).toBe('SSM parameter /synthmon/elsewhere in us-east-2');
    const err = await tokenError(store.tokenFor('elsewhere'));
    expect(err.message).toContain(`aws ssm put-parameter --region us-east-2 --name /synthmon/elsewhere --type SecureString --value '<token>'`);
  });

  it("uses the SDK's region when given none, and names it once known", async () => {
    const store = cloudTokenStore(tokensOf(param('implicit')));
    expect(store.describe('implicit')).toBe("SSM parameter /synthmon/implicit in the SDK's default region");
    const err = await tokenError(store.tokenFor('implicit'));
    expect(err.message).toContain('--region eu-west-1 --name /synthmon/implicit');
    expect(store.describe('implicit')).toBe('SSM parameter /synthmon/implicit in eu-west-1');
  });

  it.each([
    [
      'by IAM',
      ParameterAnswers.accessDenied,
      "the runner's role needs ssm:GetParameter on arn:aws:ssm:eu-west-1:<account-id>:parameter/synthmon/denied " +
        '(and kms:Decrypt on its KMS key if it uses a customer managed key)',
    ],
    ['by KMS', ParameterAnswers.kmsDenied, "the runner's role needs kms:Decrypt on the parameter's KMS key"],
  ])('reports a read denied %s with the action and resource to allow, and no stale fallback', async (_case, answer, need) => {
    let now = 0;
    ssm.set('/synthmon/denied', { kind: 'value', value: CANARY });
    const store = cloudTokenStore(tokensOf(param('denied')), { region: REGION, now: () => now });
    expect(await store.tokenFor('denied')).toBe(CANARY);
    ssm.set('/synthmon/denied', answer);
    now += TOKEN_CACHE_TTL_MS;
    const err = await tokenError(store.tokenFor('denied'));
    expect(err.code).toBe('TOKEN_ACCESS_DENIED');
    expect(err.message).toMatch(
      /^token "denied": reading SSM parameter \/synthmon\/denied in eu-west-1 was denied \(AccessDeniedException: User: arn:aws:sts::/,
    );
    expect(err.message.endsWith(`); ${need}`)).toBe(true);
    expect(err.message.length).toBeLessThan(500);
    expect((err.cause as Error).name).toBe('AccessDeniedException');
  });

  it('refuses a plain String parameter: a token belongs in a SecureString', async () => {
    ssm.set('/synthmon/plain', { kind: 'value', value: CANARY, type: 'String' });
    const err = await tokenError(cloudTokenStore(tokensOf(param('plain')), { region: REGION }).tokenFor('plain'));
    expect(err.code).toBe('TOKEN_MALFORMED');
    expect(err.message).toBe(
      'token "plain": SSM parameter /synthmon/plain in eu-west-1 is a String, not a SecureString; ' +
        'delete it (aws ssm delete-parameter --region eu-west-1 --name /synthmon/plain) and create it with: ' +
        `aws ssm put-parameter --region eu-west-1 --name /synthmon/plain --type SecureString --value '<token>'`,
    );
  });

  it.each([
    ['the bare token as its body', CANARY],
    ['the token outside quotes', `{"Parameter":{"Name":"/synthmon/garbled","Type":"SecureString","Value":${CANARY}}}`],
    ['a body cut off inside the token', `{"Parameter":{"Name":"/synthmon/garbled","Type":"SecureString","Value":"${CANARY}`],
  ])('reports a garbled answer holding %s as unavailable without quoting any of it', async (_case, body) => {
    ssm.set('/synthmon/garbled', { kind: 'raw', status: 200, body });
    const err = await tokenError(cloudTokenStore(tokensOf(param('garbled')), { region: REGION }).tokenFor('garbled'));
    expect(err.code).toBe('TOKEN_STORE_UNAVAILABLE');
    expect(err.message).toContain('(SyntaxError: the answer could not be parsed (not shown: it may hold the token))');
  });

  it('refuses a value that is not a string', async () => {
    ssm.set('/synthmon/typed', { kind: 'raw', status: 200, body: '{"Parameter":{"Name":"/synthmon/typed","Type":"SecureString","Value":12345678}}' });
    const err = await tokenError(cloudTokenStore(tokensOf(param('typed')), { region: REGION }).tokenFor('typed'));
    expect(err.code).toBe('TOKEN_MALFORMED');
    expect(err.message).toMatch(
      /^token "typed": SSM parameter \/synthmon\/typed in eu-west-1 answered with a value that is not a string; store the token alone: aws ssm put-parameter /,
    );
  });

  it('gives up on a hung endpoint within the read deadline the configuration budgets for, leaving no socket open', async () => {
    expect(TOKEN_CLIENT_SETTINGS.deadlineMs).toBe(TOKEN_READ_MARGIN_MS);
    ssm.set('/synthmon/hung', ParameterAnswers.hang);
    const store = cloudTokenStore(tokensOf(param('hung')), { region: REGION });
    // Load the SDK first: the deadline is about the read, not the first import.
    ssm.set('/synthmon/warm', { kind: 'value', value: 'warm-up-token' });
    await cloudTokenStore(tokensOf(param('warm')), { region: REGION }).tokenFor('warm');

    const started = Date.now();
    const err = await tokenError(store.tokenFor('hung'));
    const elapsed = Date.now() - started;
    expect(err.code).toBe('TOKEN_STORE_UNAVAILABLE');
    expect(err.message).toMatch(
      /^token "hung": SSM parameter \/synthmon\/hung in eu-west-1 could not be read \((no answer within 6000 ms|TimeoutError: .*)\); /,
    );
    expect(elapsed).toBeGreaterThanOrEqual(TOKEN_CLIENT_SETTINGS.requestTimeoutMs);
    expect(elapsed).toBeLessThan(TOKEN_CLIENT_SETTINGS.deadlineMs + 1500);
    expect(await hungSocketsClosed(ssm, 2_000)).toBe(0);
  });
});

describe('cloudTokenStore with Secrets Manager', () => {
  it('reads a raw secret and a JSON {"token": ...} secret, by name and by ARN', async () => {
    const arn = 'arn:aws:secretsmanager:us-west-2:123456789012:secret:synthmon/json-AbCdEf';
    sm.set('synthmon/raw', { kind: 'value', secretString: `${CANARY}\n` });
    sm.set(arn, { kind: 'value', secretString: JSON.stringify({ token: CANARY, note: 'kept for other tools' }) });
    const store = cloudTokenStore(tokensOf(secret('raw', { name: 'synthmon/raw' }), secret('json', { arn })), { region: REGION });
    expect(await Promise.all([store.tokenFor('raw'), store.tokenFor('json'), store.tokenFor('raw')])).toEqual([CANARY, CANARY, CANARY]);
    expect([sm.readsOf('synthmon/raw'), sm.readsOf(arn)]).toEqual([1, 1]);
    expect(store.describe('raw')).toBe('Secrets Manager secret synthmon/raw in eu-west-1');
    // A secret given by ARN is read in the ARN's region.
    expect(store.describe('json')).toBe(`Secrets Manager secret ${arn} in us-west-2`);
    expect(canaryParts(sm.bodies.join(''))).toEqual([]);
  });

  it('reports the placeholder the stack creates as not set, with the command that sets it', async () => {
    sm.set('synthmon/placeholder', { kind: 'value', secretString: '{"token":""}' });
    const err = await tokenError(cloudTokenStore(tokensOf(secret('ph', { name: 'synthmon/placeholder' })), { region: REGION }).tokenFor('ph'));
    expect(err.code).toBe('TOKEN_NOT_SET');
    expect(err.message).toBe(
      'token "ph" is not set: Secrets Manager secret synthmon/placeholder in eu-west-1 holds no token yet; ' +
        `set it with: aws secretsmanager put-secret-value --region eu-west-1 --secret-id synthmon/placeholder --secret-string '{"token":"<token>"}'`,
    );
  });

  it('reports a missing secret with the command that creates it', async () => {
    const err = await tokenError(cloudTokenStore(tokensOf(secret('gone', { name: 'synthmon/gone' })), { region: REGION }).tokenFor('gone'));
    expect(err.code).toBe('TOKEN_NOT_SET');
    expect(err.message).toBe(
      'token "gone" is not set: Secrets Manager secret synthmon/gone in eu-west-1 does not exist; ' +
        `create it with: aws secretsmanager create-secret --region eu-west-1 --name synthmon/gone --secret-string '<token>'`,
    );
  });

  it('names secretsmanager:GetSecretValue and the secret ARN pattern when the read is denied', async () => {
    sm.set('synthmon/denied', SecretAnswers.accessDenied);
    const err = await tokenError(cloudTokenStore(tokensOf(secret('sd', { name: 'synthmon/denied' })), { region: REGION }).tokenFor('sd'));
    expect(err.code).toBe('TOKEN_ACCESS_DENIED');
    expect(err.message).toBe(
      'token "sd": reading Secrets Manager secret synthmon/denied in eu-west-1 was denied ' +
        '(AccessDeniedException: User is not authorized to perform: secretsmanager:GetSecretValue); ' +
        "the runner's role needs secretsmanager:GetSecretValue on arn:aws:secretsmanager:eu-west-1:<account-id>:secret:synthmon/denied-?????? " +
        '(and kms:Decrypt on its KMS key if it uses a customer managed key)',
    );
  });

  it.each([
    ['JSON without a token field', { secretString: JSON.stringify({ password: CANARY }) }, 'is JSON without a string "token" field'],
    ['broken JSON', { secretString: `{"token": "${CANARY}"` }, 'starts with "{" but is not valid JSON'],
    ['a binary value', { secretBinary: Buffer.from(CANARY).toString('base64') }, 'has a binary value'],
  ])('refuses a secret holding %s without echoing it', async (_case, value, text) => {
    sm.set('synthmon/odd', { kind: 'value', ...value });
    const err = await tokenError(cloudTokenStore(tokensOf(secret('odd', { name: 'synthmon/odd' })), { region: REGION }).tokenFor('odd'));
    expect(err.code).toBe('TOKEN_MALFORMED');
    expect(err.message).toContain(`Secrets Manager secret synthmon/odd in eu-west-1 ${text}`);
    expect(err.message).toContain('aws secretsmanager put-secret-value --region eu-west-1 --secret-id synthmon/odd --secret-string');
  });

  it('falls back to the last good token when Secrets Manager fails with a 500', async () => {
    let now = 0;
    sm.set('synthmon/flaky', { kind: 'value', secretString: CANARY });
    const store = cloudTokenStore(tokensOf(secret('sf', { name: 'synthmon/flaky' })), { region: REGION, now: () => now });
    expect(await store.tokenFor('sf')).toBe(CANARY);
    sm.set('synthmon/flaky', SecretAnswers.internal);
    now += TOKEN_CACHE_TTL_MS;
    expect(await store.tokenFor('sf')).toBe(CANARY);
    now += TOKEN_MAX_STALE_MS;
    const err = await tokenError(store.tokenFor('sf'));
    expect(err.code).toBe('TOKEN_STORE_UNAVAILABLE');
    expect(err.message).toContain('(InternalServiceError: An error occurred on the server side.)');
  });

  it('gives up on a hung Secrets Manager within the read deadline, leaving no socket open', async () => {
    sm.set('synthmon/hung', SecretAnswers.hang);
    const started = Date.now();
    const err = await tokenError(cloudTokenStore(tokensOf(secret('sh', { name: 'synthmon/hung' })), { region: REGION }).tokenFor('sh'));
    expect(err.code).toBe('TOKEN_STORE_UNAVAILABLE');
    expect(Date.now() - started).toBeLessThan(TOKEN_CLIENT_SETTINGS.deadlineMs + 1500);
    expect(await hungSocketsClosed(sm, 2_000)).toBe(0);
  });
});

describe('token hygiene in every store', () => {
  // Each store holding `value` for the token "t", and the fix its messages give.
  const stores: [string, (value: string) => Promise<TokenStore>, string][] = [
    [
      'SSM',
      async (value) => {
        ssm.set('/synthmon/hygiene', { kind: 'value', value });
        return cloudTokenStore(tokensOf(param('t', '/synthmon/hygiene')), { region: REGION });
      },
      `store the token alone: aws ssm put-parameter --region eu-west-1 --name /synthmon/hygiene --type SecureString --overwrite --value '<token>'`,
    ],
    [
      'Secrets Manager',
      async (value) => {
        sm.set('synthmon/hygiene', { kind: 'value', secretString: JSON.stringify({ token: value }) });
        return cloudTokenStore(tokensOf(secret('t', { name: 'synthmon/hygiene' })), { region: REGION });
      },
      `store the token alone: aws secretsmanager put-secret-value --region eu-west-1 --secret-id synthmon/hygiene --secret-string '{"token":"<token>"}'`,
    ],
    [
      'env',
      async (value) => envTokenStore(tokensOf({ name: 't', env: 'HYGIENE_TOKEN', parameter: '/unused' }), { HYGIENE_TOKEN: value }),
      'set HYGIENE_TOKEN to the token alone',
    ],
    ['static', async (value) => staticTokenStore({ t: value }), 'pass the token alone'],
  ];

  const cases = [
    // Literal lengths, so the minimum cannot drift unnoticed: 7 characters are refused, 8 accepted (below).
    ['too short', 'Zq7vK3m', 'TOKEN_TOO_SHORT', 'is shorter than 8 characters, too short to mask in output without mangling it'],
    [
      'a CR/LF header injection',
      `${CANARY}\r\nX-Injected: 1`,
      'TOKEN_MALFORMED',
      'contains a line break (CR or LF), which could inject a header into the request',
    ],
    ['a bare LF inside', `${CANARY.slice(0, 8)}\n${CANARY.slice(8)}`, 'TOKEN_MALFORMED', 'contains a line break'],
    ['a space inside', `${CANARY.slice(0, 8)} ${CANARY.slice(8)}`, 'TOKEN_MALFORMED', 'contains whitespace'],
    ['a control character', `${CANARY}\u0007`, 'TOKEN_MALFORMED', 'contains a control character'],
    ['a no-break space', `${CANARY}\u00a0x`, 'TOKEN_MALFORMED', 'contains whitespace'],
    ['a typographic quote', `\u201c${CANARY}\u201d`, 'TOKEN_MALFORMED', 'contains a non-ASCII character'],
  ] as const;

  describe.each(stores)('%s', (_store, storeWith, fix) => {
    it.each(cases)('refuses a token with %s, naming the store and the fix but not the value', async (_case, value, code, text) => {
      const store = await storeWith(value);
      const err = await tokenError(store.tokenFor('t'));
      expect(err.code).toBe(code);
      expect(err.message.startsWith(`token "t" (${store.describe('t')}) ${text}`)).toBe(true);
      expect(err.message.endsWith(`; ${fix}`)).toBe(true);
    });

    it('accepts a token of the minimum length with a trailing newline (a file read as is)', async () => {
      expect(MIN_TOKEN_LENGTH).toBe('Zq7vK3mX'.length);
      const store = await storeWith('Zq7vK3mX\r\n');
      expect(await store.tokenFor('t')).toBe('Zq7vK3mX');
    });

    it('says which token names exist when asked for another', async () => {
      const err = await tokenError((await storeWith(CANARY)).tokenFor('nope'));
      expect(err.code).toBe('TOKEN_UNKNOWN');
      expect(err.message).toBe('no token named "nope" is configured (configured: "t"); add it to tokens in the configuration');
      // Own names only: an Object.prototype member is not a token.
      expect((await tokenError((await storeWith(CANARY)).tokenFor('constructor'))).code).toBe('TOKEN_UNKNOWN');
    });
  });
});

describe('envTokenStore', () => {
  it('reads the variable on each call and names the variable and the token when it is unset', async () => {
    const env: NodeJS.ProcessEnv = {};
    const store = envTokenStore(tokensOf(param('orders')), env);
    expect(store.describe('orders')).toBe('environment variable SYNTHMON_TOKEN_ORDERS');
    const err = await tokenError(store.tokenFor('orders'));
    expect(err).toMatchObject({
      code: 'TOKEN_ENV_UNSET',
      message: `token "orders": environment variable SYNTHMON_TOKEN_ORDERS is not set or empty; set it to the token, e.g. export SYNTHMON_TOKEN_ORDERS='<token>'`,
    });
    env.SYNTHMON_TOKEN_ORDERS = '   ';
    expect((await tokenError(store.tokenFor('orders'))).code).toBe('TOKEN_ENV_UNSET');
    env.SYNTHMON_TOKEN_ORDERS = CANARY;
    await expect(store.tokenFor('orders')).resolves.toBe(CANARY);
  });
});

describe('loading', () => {
  it('loads no AWS SDK when the module is imported or a store is built, only on the first cloud read', async () => {
    const script = `
      const t = require('./lambda/tokens.ts');
      const sdk = () => Object.keys(require.cache).filter((k) => k.includes('@aws-sdk')).length;
      t.cloudTokenStore({ a: { name: 'a', env: 'A', parameter: '/synthmon/a' } }, { region: 'eu-west-1' });
      t.envTokenStore({ a: { name: 'a', env: 'A', parameter: '/synthmon/a' } }, { A: 'local-token-1' }).tokenFor('a').then((v) => {
        process.stdout.write(JSON.stringify({ sdk: sdk(), v }));
      });`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '-e', script], {
      cwd: path.join(__dirname, '..', '..'),
      timeout: 30_000,
      env: { PATH: process.env.PATH ?? '' },
    });
    expect(JSON.parse(stdout)).toEqual({ sdk: 0, v: 'local-token-1' });
  });
});
