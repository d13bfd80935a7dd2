/**
 * The configuration schema (DESIGN §4): every kind of mistake gets one exact message naming the
 * path, what is expected and what was received; several mistakes are reported together; the seed
 * configuration parses with the documented defaults.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfigFile, parseCheck, parseConfig } from '../contracts/config';

const ws = { name: 'chat', kind: 'websocket', url: 'wss://backend.example.com/ws/chat/' };
const http = { name: 'orders', kind: 'http', url: 'https://backend.example.com/api/orders/' };
const withChecks = (...checks: unknown[]) => ({ checks });

function problemsOf(raw: unknown): readonly string[] {
  try {
    parseConfig(raw, 'test.json');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('the configuration was accepted');
}

describe('parseConfig', () => {
  it.each<[string, unknown, string]>([
    ['an http URL for a websocket check', withChecks({ ...ws, url: 'https://backend.example.com/ws/' }),
      'checks[0].url must use ws:// or wss:// for a websocket check, got "https://backend.example.com/ws/"'],
    ['a ws URL for an http check', withChecks({ ...http, url: 'wss://backend.example.com/api/' }),
      'checks[0].url must use http:// or https:// for an http check, got "wss://backend.example.com/api/"'],
    ['a URL that is not absolute', withChecks({ ...http, url: '/api/orders/' }),
      'checks[0].url must be an absolute URL, got "/api/orders/"'],
    ['credentials in the URL (not echoed)', withChecks({ ...http, url: 'https://admin:hunter2@backend.example.com/' }),
      'checks[0].url must not embed credentials (use auth), got "<redacted>"'],
    ['an origin with a path', withChecks({ ...ws, origin: 'https://example.com/app' }),
      'checks[0].origin must be an origin like https://example.com (scheme and host, no path), got "https://example.com/app"'],
    ['a duplicate check name', withChecks(http, { ...http, url: 'https://other.example.com/' }),
      'checks[1].name must be unique (also used by checks[0]), got "orders"'],
    ['an upper-case name', withChecks({ ...http, name: 'Buyer_Orders' }),
      'checks[0].name must be 1-40 lower-case letters, digits or hyphens, starting and ending with a letter or digit, got "Buyer_Orders"'],
    ['M greater than N', { ...withChecks(http), alarms: { failing: { datapointsToAlarm: 4, evaluationPeriods: 3 } } },
      'alarms.failing.datapointsToAlarm must not exceed evaluationPeriods (3), got 4'],
    ['evaluation periods longer than a day', { ...withChecks(http), intervalMinutes: 60, alarms: { silent: { evaluationPeriods: 30 } } },
      'alarms.silent.evaluationPeriods times intervalMinutes (60) must not exceed one day (CloudWatch limit), got 30'],
    ['a negative alarm threshold', { ...withChecks(http), alarms: { refused: { threshold: -1 } } },
      'alarms.refused.threshold must not be negative, got -1'],
    ['an unknown alarm', { ...withChecks(http), alarms: { paging: {} } },
      'alarms: unknown key "paging"'],
    ['a timeout over the function budget', { ...withChecks({ ...http, timeoutMs: 20_000 }), functionTimeoutSeconds: 60 },
      'checks[0].timeoutMs leaves no room: two attempts, the retry pause and publishing need 72000 ms, more than functionTimeoutSeconds (60 s), got 20000'],
    ['a budget that the token read tips over', { ...withChecks({ ...http, auth: {} }), functionTimeoutSeconds: 55 },
      'checks[0].timeoutMs leaves no room: two attempts, the retry pause, reading the token and publishing need 58000 ms, more than functionTimeoutSeconds (55 s), got 10000'],
    ['a timeout below 100 ms', withChecks({ ...http, timeoutMs: 50 }),
      'checks[0].timeoutMs must be at least 100 ms, got 50'],
    ['a bad email', { ...withChecks(http), notifications: { emails: ['oncall'] } },
      'notifications.emails[0] must be an email address, got "oncall"'],
    ['a non-https endpoint', { ...withChecks(http), notifications: { httpsEndpoints: ['http://pager.example.com/hook'] } },
      'notifications.httpsEndpoints[0] must be an https:// URL, got "http://pager.example.com/hook"'],
    ['a secret ARN of another service', withChecks({ ...http, auth: { secret: { arn: 'arn:aws:s3:::tokens' } } }),
      'checks[0].auth.secret.arn must be a Secrets Manager secret ARN, got "arn:aws:s3:::tokens"'],
    ['a secret given by both name and ARN', withChecks({ ...http, auth: { secret: { name: 'a', arn: 'b' } } }),
      'checks[0].auth.secret must be {"name": "..."} or {"arn": "arn:aws:secretsmanager:..."}, got {"name":"a","arn":"b"}'],
    ['an unknown top-level key', { ...withChecks(http), interval: 5 },
      '(root): unknown key "interval"'],
    ['an unknown check key', withChecks({ ...http, expect: 200 }),
      'checks[0]: unknown key "expect"'],
    ['missing checks', {},
      'checks is required: a list of at least one check, got nothing'],
    ['empty checks', withChecks(),
      'checks must list at least one check, got []'],
    ['checks that are not a list', { checks: { orders: http } },
      'checks must be a list of checks, got {"orders":{"name":"orders","kind":"http","url":"https://backend.example.com/a...'],
    ['a check that is not an object', withChecks('orders'),
      'checks[0] must be an object with at least kind, name and url, got "orders"'],
    ['a configuration that is not an object', 42,
      '(root) must be a JSON object with at least "checks", got 42'],
    ['an unknown kind', withChecks({ ...http, kind: 'grpc' }),
      'checks[0].kind must be "websocket" or "http", got "grpc"'],
    ['a missing kind', withChecks({ name: 'x', url: 'https://x.example.com/' }),
      'checks[0].kind must be "websocket" or "http", got nothing'],
    ['a negative settle window', withChecks({ ...ws, settleMs: -1 }),
      'checks[0].settleMs must be at least 0 ms, got -1'],
    ['a status out of range', withChecks({ ...http, expectStatus: 700 }),
      'checks[0].expectStatus must be an HTTP status code (a whole number from 100 to 599), got 700'],
    ['a status given as a string', withChecks({ ...http, expectStatus: '200' }),
      'checks[0].expectStatus must be an HTTP status code (a whole number from 100 to 599), got "200"'],
    ['a lower-case method', withChecks({ ...http, method: 'get' }),
      'checks[0].method must be an HTTP method in upper case, got "get"'],
    ['a header name with a space', withChecks({ ...http, headers: { 'X Trace': '1' } }),
      'checks[0].headers key must be a valid HTTP header name, got "X Trace"'],
    ['a token placement other than header or query', withChecks({ ...http, auth: { in: 'body' } }),
      'checks[0].auth.in must be "header" or "query", got "body"'],
    ['an auth scheme with a space', withChecks({ ...http, auth: { scheme: 'Api Key' } }),
      'checks[0].auth.scheme must be an auth scheme such as Token or Bearer, got "Api Key"'],
    ['a bad environment variable name', withChecks({ ...http, auth: { tokenEnv: '1TOKEN' } }),
      'checks[0].auth.tokenEnv must be an environment variable name, got "1TOKEN"'],
    ['a namespace with spaces', { ...withChecks(http), namespace: 'my monitor' },
      'namespace must be a CloudWatch namespace (letters, digits, . _ / # : -), got "my monitor"'],
    ['an AWS/ namespace', { ...withChecks(http), namespace: 'AWS/Lambda' },
      'namespace must not start with "AWS/" (reserved), got "AWS/Lambda"'],
    ['a fractional interval', { ...withChecks(http), intervalMinutes: 1.5 },
      'intervalMinutes must be a whole number of minutes, got 1.5'],
    ['a zero interval', { ...withChecks(http), intervalMinutes: 0 },
      'intervalMinutes must be at least 1 minute, got 0'],
    ['an interval over an hour', { ...withChecks(http), intervalMinutes: 90 },
      'intervalMinutes must be at most 60 minutes, got 90'],
    ['phase timings as a string', { ...withChecks(http), phaseTimings: 'yes' },
      'phaseTimings must be true or false, got "yes"'],
    ['an empty round-trip message', withChecks({ ...ws, roundTrip: { send: '', expect: 'pong' } }),
      'checks[0].roundTrip.send must not be empty, got ""'],
    ['an unknown JSON body type', withChecks({ ...http, assert: { json: 'string' } }),
      'checks[0].assert.json must be "array" or "object", got "string"'],
    ['a zero body cap', withChecks({ ...http, maxBodyBytes: 0 }),
      'checks[0].maxBodyBytes must be at least 1 byte, got 0'],
  ])('rejects %s with its exact message', (_kind, raw, message) => {
    expect(problemsOf(raw)).toEqual([message]);
  });

  it('reports every problem at once, in one error that names the source and the count', () => {
    const raw = {
      namespace: 'AWS/Custom',
      intervalMinutes: 0,
      notifications: { emails: ['nobody'] },
      checks: [{ ...http, name: 'Orders' }, { ...ws, url: 'http://backend.example.com/ws/' }, { ...http, kind: 'ftp' }],
    };
    let error: ConfigError | undefined;
    try {
      parseConfig(raw, 'monitor.json');
    } catch (err) {
      error = err as ConfigError;
    }
    expect(error?.code).toBe('SYNTHMON_CONFIG_INVALID');
    expect(error?.problems).toEqual([
      'namespace must not start with "AWS/" (reserved), got "AWS/Custom"',
      'intervalMinutes must be at least 1 minute, got 0',
      'notifications.emails[0] must be an email address, got "nobody"',
      'checks[0].name must be 1-40 lower-case letters, digits or hyphens, starting and ending with a letter or digit, got "Orders"',
      'checks[1].url must use ws:// or wss:// for a websocket check, got "http://backend.example.com/ws/"',
      'checks[2].kind must be "websocket" or "http", got "ftp"',
    ]);
    expect(error?.message).toBe(`Invalid configuration in monitor.json (6 problems):\n  - ${error?.problems.join('\n  - ')}`);
  });

  it('accepts an ARN that ends in the secret suffix and a name', () => {
    const config = parseConfig(withChecks(
      { ...http, auth: { secret: { arn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/token-AbC123' } } },
      { ...http, name: 'other', auth: { secret: { name: 'prod/token' } } },
    ));
    expect(config.checks.map((c) => c.auth?.secret)).toEqual([
      { arn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/token-AbC123' },
      { name: 'prod/token' },
    ]);
  });
});

describe('the seed configuration', () => {
  it('parses with the documented defaults', () => {
    const config = loadConfigFile(new URL('../config/default.json', import.meta.url).pathname);
    expect(config).toMatchObject({
      namespace: 'SyntheticMonitor',
      intervalMinutes: 1,
      functionTimeoutSeconds: 60,
      phaseTimings: false,
      notifications: { emails: [], httpsEndpoints: [] },
      alarms: {
        refused: { datapointsToAlarm: 1, evaluationPeriods: 1, threshold: 1 },
        forbidden: { datapointsToAlarm: 1, evaluationPeriods: 1, threshold: 1 },
        failing: { datapointsToAlarm: 2, evaluationPeriods: 3, threshold: 1 },
        silent: { datapointsToAlarm: 3, evaluationPeriods: 3, threshold: 1 },
      },
    });
    expect(config.checks).toEqual([
      {
        name: 'chat-websocket',
        kind: 'websocket',
        url: 'wss://multivendor-backend.indexo.ir/ws/chat/',
        origin: 'https://indexo.ir',
        settleMs: 1000,
        timeoutMs: 10_000,
        retryDelayMs: 2000,
        auth: { in: 'query', param: 'token', scheme: 'Token', header: 'Authorization', tokenEnv: 'SYNTHMON_TOKEN' },
      },
      {
        name: 'buyer-orders',
        kind: 'http',
        url: 'https://multivendor-backend.indexo.ir/api/auth/buyer/orders/',
        method: 'GET',
        expectStatus: 200,
        maxBodyBytes: 1_048_576,
        timeoutMs: 10_000,
        retryDelayMs: 2000,
        auth: { in: 'header', scheme: 'Token', header: 'Authorization', param: 'token', tokenEnv: 'SYNTHMON_TOKEN' },
      },
    ]);
  });
});

describe('parseCheck and loadConfigFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'synthmon-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('validates one check on its own with defaults applied', () => {
    expect(parseCheck(ws)).toMatchObject({ ...ws, settleMs: 1000, timeoutMs: 10_000 });
    expect(() => parseCheck({ ...ws, settleMs: -5 }, 'the event')).toThrow(
      'Invalid configuration in the event (1 problem):\n  - checks[0].settleMs must be at least 0 ms, got -5',
    );
  });

  it('names a file that is not JSON', () => {
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{"checks": [');
    expect(() => loadConfigFile(file)).toThrow(new RegExp(`^Invalid configuration in ${file} \\(1 problem\\):\\n  - not valid JSON: `));
  });
});
