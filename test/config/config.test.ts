/**
 * The configuration schema (README.md#configuration): every kind of mistake gets one exact message naming the
 * path, what is expected and what was received; several mistakes are reported together; the seed
 * configuration parses with the documented defaults.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfigFile, parseCheck, parseConfig } from '../../contracts/config';

import { http, problemsOf, withChecks, ws } from './support';

describe('parseConfig', () => {
  it.each<[string, unknown, string]>([
    [
      'an http URL for a websocket check',
      withChecks({ ...ws, url: 'https://backend.example.com/ws/' }),
      'checks[0].url must use ws:// or wss:// for a websocket check, got "https://backend.example.com/ws/"',
    ],
    [
      'a ws URL for an http check',
      withChecks({ ...http, url: 'wss://backend.example.com/api/' }),
      'checks[0].url must use http:// or https:// for an http check, got "wss://backend.example.com/api/"',
    ],
    ['a URL that is not absolute', withChecks({ ...http, url: '/api/orders/' }), 'checks[0].url must be an absolute URL, got "/api/orders/"'],
    [
      'credentials in the URL (not echoed)',
      withChecks({ ...http, url: 'https://admin:hunter2@backend.example.com/' }),
      'checks[0].url must not carry a credential in its user info (***@): put it in tokens and use auth ' +
        '(for user:password, auth {"scheme": "Basic"} with the base64 of user:password as the token), got "https://***@backend.example.com/"',
    ],
    [
      'an origin with a path',
      withChecks({ ...ws, origin: 'https://example.com/app' }),
      'checks[0].origin must be an origin like https://example.com (scheme and host, no path), got "https://example.com/app"',
    ],
    [
      'a duplicate check name',
      withChecks(http, { ...http, url: 'https://other.example.com/' }),
      'checks[1].name must be unique (also used by checks[0]), got "orders"',
    ],
    [
      'an upper-case name',
      withChecks({ ...http, name: 'Buyer_Orders' }),
      'checks[0].name must be 1-40 lower-case letters, digits or hyphens, starting and ending with a letter or digit, got "Buyer_Orders"',
    ],
    [
      'M greater than N',
      { ...withChecks(http), alarms: { failing: { datapointsToAlarm: 4, evaluationPeriods: 3 } } },
      'alarms.failing.datapointsToAlarm must not exceed evaluationPeriods (3), got 4',
    ],
    [
      'Silent evaluation periods longer than a day',
      { ...withChecks(http), intervalSeconds: 3600, alarms: { silent: { evaluationPeriods: 30 } } },
      'alarms.silent.evaluationPeriods must be at most 24: 24 periods of 3600 s (checks every 3600 s) make one day, the longest a Silent alarm may evaluate, got 30',
    ],
    [
      'a negative alarm threshold',
      { ...withChecks(http), alarms: { refused: { threshold: -1 } } },
      'alarms.refused.threshold must be at least 1 (a count of failed runs per period), got -1',
    ],
    ['an unknown alarm', { ...withChecks(http), alarms: { paging: {} } }, 'alarms: unknown key "paging"'],
    [
      'a fast check whose timeout runs into the next tick',
      { ...withChecks({ ...http, timeoutMs: 10_000 }), intervalSeconds: 10 },
      "checks[0].timeoutMs leaves no room in the tick: two attempts of 10000 ms and the 1000 ms retry pause, 21000 ms in all, must end before the check's next run 10 s later (lower timeoutMs, settleMs or retryDelayMs; retryDelayMs 0 turns the confirmation retry off), got 10000",
    ],
    [
      'a fast websocket check whose timeout and settle window run into the next tick',
      withChecks({ ...ws, intervalSeconds: 20, timeoutMs: 19_500 }),
      "checks[0].timeoutMs leaves no room in the tick: two attempts of 20500 ms (settle window included) and the 1000 ms retry pause, 42000 ms in all, must end before the check's next run 20 s later (lower timeoutMs, settleMs or retryDelayMs; retryDelayMs 0 turns the confirmation retry off), got 19500",
    ],
    [
      'a fast websocket check whose settle window tips the default timeout over the tick',
      { ...withChecks({ ...ws, settleMs: 3_000 }), intervalSeconds: 10 },
      "checks[0].settleMs leaves no room in the tick: two attempts of 6000 ms (settle window included) and the 1000 ms retry pause, 13000 ms in all, must end before the check's next run 10 s later (lower timeoutMs, settleMs or retryDelayMs; retryDelayMs 0 turns the confirmation retry off), got 3000",
    ],
    ['a timeout below 100 ms', withChecks({ ...http, timeoutMs: 50 }), 'checks[0].timeoutMs must be at least 100 ms, got 50'],
    ['a bad email', { ...withChecks(http), notifications: { emails: ['oncall'] } }, 'notifications.emails[0] must be an email address, got "oncall"'],
    [
      'a non-https endpoint',
      { ...withChecks(http), notifications: { httpsEndpoints: ['http://pager.example.com/hook'] } },
      'notifications.httpsEndpoints[0] must be an https:// URL, got "http://pager.example.com/hook"',
    ],
    [
      'a secret ARN of another service',
      { ...withChecks(http), tokens: { orders: { secret: { arn: 'arn:aws:s3:::tokens' } } } },
      'tokens.orders.secret.arn must be a Secrets Manager secret ARN, got "arn:aws:s3:::tokens"',
    ],
    [
      'a secret given by both name and ARN',
      { ...withChecks(http), tokens: { orders: { secret: { name: 'a', arn: 'b' } } } },
      'tokens.orders.secret must be {"name": "..."} or {"arn": "arn:aws:secretsmanager:..."}, got {"name":"a","arn":"b"}',
    ],
    [
      'a token in both stores',
      { ...withChecks(http), tokens: { orders: { parameter: '/synthmon/orders', secret: { name: 'orders' } } } },
      'tokens.orders.secret must not be set together with parameter (the token lives in one store), got {"name":"orders"}',
    ],
    [
      'a check naming a token that tokens does not define',
      { ...withChecks({ ...http, auth: { token: 'admin' } }), tokens: { orders: {} } },
      'checks[0].auth.token names a token that tokens does not define (defined: "orders"), got "admin"',
    ],
    ['an unknown top-level key', { ...withChecks(http), interval: 5 }, '(root): unknown key "interval"'],
    ['an unknown check key', withChecks({ ...http, expect: 200 }), 'checks[0]: unknown key "expect"'],
    ['missing checks', {}, 'checks is required: a list of at least one check, got nothing'],
    ['empty checks', withChecks(), 'checks must list at least one check, got []'],
    [
      'checks that are not a list',
      { checks: { orders: http } },
      'checks must be a list of checks, got {"orders":{"name":"orders","kind":"http","url":"https://backend.example.com/a...',
    ],
    ['a check that is not an object', withChecks('orders'), 'checks[0] must be an object with at least kind, name and url, got "orders"'],
    ['a configuration that is not an object', 42, '(root) must be a JSON object with at least "checks", got 42'],
    ['an unknown kind', withChecks({ ...http, kind: 'grpc' }), 'checks[0].kind must be "websocket" or "http", got "grpc"'],
    ['a missing kind', withChecks({ name: 'x', url: 'https://x.example.com/' }), 'checks[0].kind must be "websocket" or "http", got nothing'],
    ['a negative settle window', withChecks({ ...ws, settleMs: -1 }), 'checks[0].settleMs must be at least 0 ms, got -1'],
    [
      'a status out of range',
      withChecks({ ...http, expectStatus: 700 }),
      'checks[0].expectStatus must be an HTTP status code (a whole number from 200 to 599), got 700',
    ],
    [
      'a status given as a string',
      withChecks({ ...http, expectStatus: '200' }),
      'checks[0].expectStatus must be an HTTP status code (a whole number from 200 to 599), got "200"',
    ],
    ['a lower-case method', withChecks({ ...http, method: 'get' }), 'checks[0].method must be an HTTP method in upper case, got "get"'],
    [
      'a header name with a space',
      withChecks({ ...http, headers: { 'X Trace': '1' } }),
      'checks[0].headers key must be a valid HTTP header name, got "X Trace"',
    ],
    [
      'a token placement other than header or query',
      withChecks({ ...http, auth: { in: 'body' } }),
      'checks[0].auth.in must be "header" or "query", got "body"',
    ],
    [
      'an auth scheme with a space',
      withChecks({ ...http, auth: { scheme: 'Api Key' } }),
      'checks[0].auth.scheme must be an auth scheme such as Token or Bearer, got "Api Key"',
    ],
    [
      'a bad environment variable name',
      { ...withChecks({ ...http, auth: { token: 'orders' } }), tokens: { orders: { env: '1TOKEN' } } },
      'tokens.orders.env must be an environment variable name, got "1TOKEN"',
    ],
    [
      'a token name that is not a name',
      { ...withChecks(http), tokens: { Orders_Token: {} } },
      'tokens key must be 1-40 lower-case letters, digits or hyphens, starting and ending with a letter or digit, got "Orders_Token"',
    ],
    [
      'a namespace with spaces',
      { ...withChecks(http), namespace: 'my monitor' },
      'namespace must be a CloudWatch namespace (1-255 letters, digits, . _ / # : -), got "my monitor"',
    ],
    ['an AWS/ namespace', { ...withChecks(http), namespace: 'AWS/Lambda' }, 'namespace must not start with "AWS/" (reserved), got "AWS/Lambda"'],
    [
      'a fractional interval',
      { ...withChecks(http), intervalSeconds: 1.5 },
      'intervalSeconds must be one of 10, 20, 30, 60, 120, 300, 600, 900, 1800, 3600 (seconds; 10, 20, 30 are fast checks), got 1.5',
    ],
    [
      'a zero interval',
      { ...withChecks(http), intervalSeconds: 0 },
      'intervalSeconds must be one of 10, 20, 30, 60, 120, 300, 600, 900, 1800, 3600 (seconds; 10, 20, 30 are fast checks), got 0',
    ],
    [
      'a check interval over an hour',
      withChecks({ ...http, intervalSeconds: 7200 }),
      'checks[0].intervalSeconds must be one of 10, 20, 30, 60, 120, 300, 600, 900, 1800, 3600 (seconds; 10, 20, 30 are fast checks), got 7200',
    ],
    [
      'the v1 interval in minutes',
      { ...withChecks(http), intervalMinutes: 5 },
      'intervalMinutes was replaced by intervalSeconds (60 = 1 minute): write "intervalSeconds": 300, got 5',
    ],
    [
      'a quorum above the number of locations',
      { ...withChecks(http), locations: ['eu-west-1', 'us-east-1'], quorum: 3 },
      'quorum must not exceed the number of locations (2), got 3',
    ],
    [
      'a location listed twice',
      { ...withChecks(http), locations: ['eu-west-1', 'eu-west-1'] },
      'locations[1] must be unique (also locations[0]), got "eu-west-1"',
    ],
    ['phase timings as a string', { ...withChecks(http), phaseTimings: 'yes' }, 'phaseTimings must be true or false, got "yes"'],
    [
      'an empty round-trip message',
      withChecks({ ...ws, roundTrip: { send: '', expect: 'pong' } }),
      'checks[0].roundTrip.send must not be empty, got ""',
    ],
    [
      'an unknown JSON body type',
      withChecks({ ...http, assert: { json: 'string' } }),
      'checks[0].assert.json must be "array" or "object", got "string"',
    ],
    ['a zero body cap', withChecks({ ...http, maxBodyBytes: 0 }), 'checks[0].maxBodyBytes must be at least 1 byte, got 0'],
  ])('rejects %s with its exact message', (_kind, raw, message) => {
    expect(problemsOf(raw)).toEqual([message]);
  });

  it('reports every problem at once, in one error that names the source and the count', () => {
    const raw = {
      namespace: 'AWS/Custom',
      intervalSeconds: 0,
      notifications: { emails: ['nobody'] },
      checks: [
        { ...http, name: 'Orders' },
        { ...ws, url: 'http://backend.example.com/ws/' },
        { ...http, kind: 'ftp' },
      ],
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
      'intervalSeconds must be one of 10, 20, 30, 60, 120, 300, 600, 900, 1800, 3600 (seconds; 10, 20, 30 are fast checks), got 0',
      'notifications.emails[0] must be an email address, got "nobody"',
      'checks[0].name must be 1-40 lower-case letters, digits or hyphens, starting and ending with a letter or digit, got "Orders"',
      'checks[1].url must use ws:// or wss:// for a websocket check, got "http://backend.example.com/ws/"',
      'checks[2].kind must be "websocket" or "http", got "ftp"',
    ]);
    expect(error?.message).toBe(`Invalid configuration in monitor.json (6 problems):\n  - ${error?.problems.join('\n  - ')}`);
  });

  it('accepts a secret by an ARN that ends in the secret suffix and one by name, and resolves every token', () => {
    const config = parseConfig({
      tokens: {
        admin: { secret: { arn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/token-AbC123' } },
        orders: { secret: { name: 'prod/token' }, env: 'ORDERS_TOKEN' },
        spare: {},
      },
      checks: [
        { ...http, auth: { token: 'admin' } },
        { ...http, name: 'other', auth: { token: 'orders' } },
        { ...ws, auth: {} },
      ],
    });
    expect(config.checks.map((c) => c.auth?.token)).toEqual(['admin', 'orders', 'default']);
    expect(config.tokens).toEqual({
      admin: {
        name: 'admin',
        env: 'SYNTHMON_TOKEN_ADMIN',
        secret: { arn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/token-AbC123' },
      },
      default: { name: 'default', env: 'SYNTHMON_TOKEN', parameter: '/synthmon/default' },
      orders: { name: 'orders', env: 'ORDERS_TOKEN', secret: { name: 'prod/token' } },
      // Defined but used by no check: accepted (it may be for a check still to come).
      spare: { name: 'spare', env: 'SYNTHMON_TOKEN_SPARE', parameter: '/synthmon/spare' },
    });
  });
});

describe('the seed configuration', () => {
  it('parses with the documented defaults', () => {
    const config = loadConfigFile(new URL('../../config/default.json', import.meta.url).pathname);
    expect(config).toMatchObject({
      namespace: 'SyntheticMonitor',
      intervalSeconds: 60,
      locations: [],
      shardMaxChecks: 50,
      phaseTimings: false,
      notifications: { emails: [], httpsEndpoints: [] },
      alarms: {
        refused: { datapointsToAlarm: 1, evaluationPeriods: 1, threshold: 1 },
        forbidden: { datapointsToAlarm: 1, evaluationPeriods: 1, threshold: 1 },
        failing: { datapointsToAlarm: 2, evaluationPeriods: 3, threshold: 1 },
        silent: { datapointsToAlarm: 3, evaluationPeriods: 3, threshold: 1 },
      },
      tokens: { default: { name: 'default', env: 'SYNTHMON_TOKEN', parameter: '/synthmon/default' } },
    });
    expect(config.checks).toEqual([
      {
        name: 'chat-websocket',
        kind: 'websocket',
        url: 'wss://multivendor-backend.indexo.ir/ws/chat/',
        origin: 'https://indexo.ir',
        settleMs: 1000,
        intervalSeconds: 60,
        timeoutMs: 10_000,
        retryDelayMs: 2000,
        auth: { token: 'default', in: 'query', param: 'token', scheme: 'Token', header: 'Authorization' },
      },
      {
        name: 'buyer-orders',
        kind: 'http',
        url: 'https://multivendor-backend.indexo.ir/api/auth/buyer/orders/',
        method: 'GET',
        expectStatus: 200,
        maxBodyBytes: 1_048_576,
        intervalSeconds: 60,
        timeoutMs: 10_000,
        retryDelayMs: 2000,
        auth: { token: 'default', in: 'header', scheme: 'Token', header: 'Authorization', param: 'token' },
      },
    ]);
  });

  it('validates again once validated (the construct and the runner stacks re-validate)', () => {
    const config = loadConfigFile(new URL('../../config/default.json', import.meta.url).pathname);
    expect(parseConfig(config)).toEqual(config);
  });
});

describe('parseCheck and loadConfigFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'synthmon-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('validates one check on its own with defaults applied', () => {
    expect(parseCheck(ws)).toMatchObject({ ...ws, settleMs: 1000, intervalSeconds: 60, timeoutMs: 10_000 });
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
