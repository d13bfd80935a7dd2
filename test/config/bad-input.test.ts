/**
 * Bad input: configurations that validation used to accept although they crash
 * `cdk synth`, fail every run or never page, and the v1 keys that now get a migration hint. Each is
 * refused with its exact problems: one wrong field is one problem, naming the path, what is expected
 * and the value received, never zod's own wording and never a credential. Good configurations stay
 * accepted.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, MAX_CHECKS, parseConfig, type MonitorConfigInput } from '../../contracts/config';
import { REGION_PARTITIONS } from '../../contracts/regions';
import { http, problemsOf, withChecks, ws } from './support';

/** What zod says when a field builder forgot a message. */
const ZOD_WORDING =
  /Invalid input|Invalid (?:string|option|key|element|union)|expected \w+, received|Too (?:small|big)|Unrecognized key|received (?:null|undefined|NaN)/;

/** A query credential in a check URL: the exact message for `?<param>=<value>`. */
const queryCredential = (path: string, shown: string, param: string) =>
  `${path} must not carry a credential in its query (${param}=***): put the token in tokens and use auth {"in": "query", "param": "${param}"}, got "${shown}"`;

const USERINFO =
  'must not carry a credential in its user info (***@): put it in tokens and use auth ' +
  '(for user:password, auth {"scheme": "Basic"} with the base64 of user:password as the token)';

/** How many regions contracts/regions.ts knows (the installed aws-cdk-lib's; test/config/regions.test.ts). */
const KNOWN_REGIONS = Object.keys(REGION_PARTITIONS).length;

/** `n` distinct, valid checks. */
const manyChecks = (n: number) => Array.from({ length: n }, (_, i) => ({ ...http, name: `c${i}` }));
const tooManyChecks = () => manyChecks(MAX_CHECKS + 1);

const BAD: Array<[string, unknown, readonly string[]]> = [
  // --- URLs and origins
  [
    'an origin with port 99999',
    withChecks({ ...ws, origin: 'https://indexo.ir:99999' }),
    ['checks[0].origin must have a port from 1 to 65535 (99999 is out of range), got "https://indexo.ir:99999"'],
  ],
  [
    'a URL with port 99999 (not "must be an absolute URL")',
    withChecks({ ...ws, url: 'wss://backend.example.com:99999/ws/chat/' }),
    ['checks[0].url must have a port from 1 to 65535 (99999 is out of range), got "wss://backend.example.com:99999/ws/chat/"'],
  ],
  [
    'a URL with port 0',
    withChecks({ ...http, url: 'https://backend.example.com:0/api/' }),
    ['checks[0].url must have a port from 1 to 65535 (0 is out of range), got "https://backend.example.com:0/api/"'],
  ],
  [
    'a websocket URL with a fragment (every run would fail as error)',
    withChecks({ ...ws, url: 'wss://backend.example.com/ws/chat/#room' }),
    [
      'checks[0].url must not have a fragment (#room): a fragment never reaches the server, and the WebSocket client refuses a URL with one, got "wss://backend.example.com/ws/chat/#room"',
    ],
  ],
  [
    'an http URL with a fragment',
    withChecks({ ...http, url: 'https://backend.example.com/api/#orders' }),
    ['checks[0].url must not have a fragment (#orders): a fragment never reaches the server, got "https://backend.example.com/api/#orders"'],
  ],
  [
    'an origin that is not a URL',
    withChecks({ ...ws, origin: 'https://[indexo' }),
    ['checks[0].origin must be an origin like https://example.com (scheme and host, no path), got "https://[indexo"'],
  ],
  [
    'an origin written as no browser sends it',
    withChecks({ ...ws, origin: 'HTTPS://Indexo.ir:443' }),
    ['checks[0].origin must be written as a browser sends it, "https://indexo.ir", got "HTTPS://Indexo.ir:443"'],
  ],

  // --- credentials in URLs, never echoed
  [
    "the seed's form wss://host/ws/chat/?token=abc",
    withChecks({ ...ws, url: 'wss://host/ws/chat/?token=abc' }),
    [queryCredential('checks[0].url', 'wss://host/ws/chat/?token=***', 'token')],
  ],
  [
    '?access_token=',
    withChecks({ ...http, url: 'https://api.example.com/v1/?access_token=s3cr3t-val' }),
    [queryCredential('checks[0].url', 'https://api.example.com/v1/?access_token=***', 'access_token')],
  ],
  [
    '?api_key=',
    withChecks({ ...http, url: 'https://api.example.com/v1/?page=2&api_key=s3cr3t-val' }),
    [queryCredential('checks[0].url', 'https://api.example.com/v1/?page=2&api_key=***', 'api_key')],
  ],
  [
    '?key=',
    withChecks({ ...http, url: 'https://api.example.com/v1/?key=s3cr3t-val' }),
    [queryCredential('checks[0].url', 'https://api.example.com/v1/?key=***', 'key')],
  ],
  [
    '?auth=',
    withChecks({ ...ws, url: 'wss://api.example.com/ws/?auth=s3cr3t-val' }),
    [queryCredential('checks[0].url', 'wss://api.example.com/ws/?auth=***', 'auth')],
  ],
  [
    '?password=',
    withChecks({ ...http, url: 'https://api.example.com/login?user=bob&password=s3cr3t-val' }),
    [queryCredential('checks[0].url', 'https://api.example.com/login?user=bob&password=***', 'password')],
  ],
  [
    '?secret=',
    withChecks({ ...http, url: 'https://api.example.com/hook?secret=s3cr3t-val' }),
    [queryCredential('checks[0].url', 'https://api.example.com/hook?secret=***', 'secret')],
  ],
  [
    '?sig= (a signed URL)',
    withChecks({ ...http, url: 'https://cdn.example.com/f.json?exp=1&sig=s3cr3t-val' }),
    [queryCredential('checks[0].url', 'https://cdn.example.com/f.json?exp=1&sig=***', 'sig')],
  ],
  [
    'user:pass@ in a check URL',
    withChecks({ ...http, url: 'https://admin:s3cr3t-val@backend.example.com/api/' }),
    [`checks[0].url ${USERINFO}, got "https://***@backend.example.com/api/"`],
  ],
  [
    'a credential together with a bad port (the credential wins, still masked)',
    withChecks({ ...ws, url: 'wss://host:99999/ws/?token=s3cr3t-val' }),
    [queryCredential('checks[0].url', 'wss://host:99999/ws/?token=***', 'token')],
  ],
  [
    'user:pass@ in a websocket origin',
    withChecks({ ...ws, origin: 'https://admin:s3cr3t-val@indexo.ir' }),
    [`checks[0].origin ${USERINFO}, got "https://***@indexo.ir"`],
  ],
  [
    '?token= in a websocket origin',
    withChecks({ ...ws, origin: 'https://indexo.ir/?token=s3cr3t-val' }),
    [queryCredential('checks[0].origin', 'https://indexo.ir/?token=***', 'token')],
  ],

  // --- headers
  [
    'a header value with CR/LF',
    withChecks({ ...http, headers: { 'X-Trace': 'a\r\nX-Injected: 1' } }),
    ['checks[0].headers.X-Trace must not contain a line break (CR or LF): it would end the header and inject another, got "a\\r\\nX-Injected: 1"'],
  ],
  [
    'a header value with a control character',
    withChecks({ ...http, headers: { 'X-Trace': 'a\u0000b' } }),
    ['checks[0].headers.X-Trace must contain only printable ASCII characters, spaces and tabs, got "a\\u0000b"'],
  ],
  [
    'an Authorization header (auth would silently override it)',
    withChecks({ ...http, headers: { Authorization: 'Token s3cr3t-val' } }),
    [
      'checks[0].headers.Authorization must not be set: put the token in tokens and use auth, which sends it in this header ' +
        '(auth {"scheme": "Token"} sends "Authorization: Token <token>"), got "***"',
    ],
  ],
  [
    'the configured auth header in headers',
    withChecks({ ...http, auth: { header: 'X-Token', scheme: 'Bearer' }, headers: { 'x-token': 'Bearer s3cr3t-val' } }),
    [
      'checks[0].headers.x-token must not be set: auth sends the token in this header (auth.header) and would replace it; the token belongs in tokens, got "***"',
    ],
  ],
  [
    'a Cookie header (a credential in the configuration)',
    withChecks({ ...http, headers: { Cookie: 'sessionid=s3cr3t-val' } }),
    [
      'checks[0].headers.Cookie must not be set: a cookie is a credential, and credentials belong in tokens, sent by auth in a header or the query, got "***"',
    ],
  ],
  [
    'a Host header',
    withChecks({ ...http, headers: { Host: 'other.example.com' } }),
    ['checks[0].headers.Host must not be set: the probe controls this header (it follows from the URL), got "other.example.com"'],
  ],
  [
    'a Content-Length header',
    withChecks({ ...http, headers: { 'Content-Length': '10' } }),
    ['checks[0].headers.Content-Length must not be set: the probe controls this header (the probe frames the request), got "10"'],
  ],
  [
    'a Sec-WebSocket-Key header',
    withChecks({ ...http, headers: { 'Sec-WebSocket-Key': 'x' } }),
    [
      'checks[0].headers.Sec-WebSocket-Key must not be set: the probe controls this header (the WebSocket client sets the handshake headers), got "x"',
    ],
  ],
  [
    'one header twice in different cases',
    withChecks({ ...http, headers: { 'X-Trace': '1', 'x-trace': '2' } }),
    ['checks[0].headers.x-trace must not repeat header "X-Trace" (header names ignore case), got "2"'],
  ],
  [
    'an auth header the probe must control (Upgrade)',
    withChecks({ ...ws, auth: { in: 'header', header: 'Upgrade' } }),
    [
      'checks[0].auth.header must not be a header the probe controls (the probe manages the connection; a WebSocket upgrade is a websocket check), got "Upgrade"',
    ],
  ],
  [
    'an auth param that would be percent-encoded',
    withChecks({ ...ws, auth: { param: 'to ken&x' } }),
    ['checks[0].auth.param must be a query parameter name of 1-100 letters, digits or - . _ ~ [ ], got "to ken&x"'],
  ],

  // --- assertions and status
  [
    'maxLatencyMs above timeoutMs (can never fail)',
    withChecks({ ...http, timeoutMs: 5_000, assert: { maxLatencyMs: 8_000 } }),
    [
      "checks[0].assert.maxLatencyMs must be below the check's timeoutMs (5000 ms): a slower answer times out first, so this assertion could never fail, got 8000",
    ],
  ],
  [
    'maxLatencyMs equal to the default timeout',
    withChecks({ ...http, assert: { maxLatencyMs: 10_000 } }),
    [
      "checks[0].assert.maxLatencyMs must be below the check's default timeoutMs (10000 ms): a slower answer times out first, so this assertion could never fail, got 10000",
    ],
  ],
  [
    'HEAD with body assertions (no body)',
    withChecks({ ...http, method: 'HEAD', assert: { json: 'object', fields: ['results'], bodyContains: 'ok' } }),
    [
      'checks[0].method must not be HEAD with body assertions (assert.json, assert.fields, assert.bodyContains): a HEAD answer has no body; use GET, got "HEAD"',
    ],
  ],
  [
    'expectStatus 204 with a body assertion',
    withChecks({ ...http, expectStatus: 204, assert: { json: 'object' } }),
    ['checks[0].expectStatus must not be 204 with body assertions (assert.json): a 204 answer has no body, got 204'],
  ],
  [
    'expectStatus 101 on an http check',
    withChecks({ ...http, expectStatus: 101 }),
    [
      'checks[0].expectStatus must not be 101 (Switching Protocols): that is the answer to a WebSocket upgrade; use a websocket check (ws:// or wss://) for it, got 101',
    ],
  ],
  [
    'expectStatus 100 (an interim answer)',
    withChecks({ ...http, expectStatus: 100 }),
    ['checks[0].expectStatus must be an HTTP status code (a whole number from 200 to 599), got 100'],
  ],

  // --- alarm thresholds: counts of failed runs per period
  [
    'failing threshold 5 with one location (never fires)',
    { ...withChecks(http), alarms: { failing: { threshold: 5 } } },
    [
      'alarms.failing.threshold must be at most 1: a period holds at most 1 failed run (1 run of a 60 s check per 60 s period), so a higher threshold never fires, got 5',
    ],
  ],
  [
    'refused threshold 1e308 (above the maximum possible)',
    { ...withChecks(http), alarms: { refused: { threshold: 1e308 } } },
    [
      'alarms.refused.threshold must be at most 1: a period holds at most 1 failed run (1 run of a 60 s check per 60 s period), so a higher threshold never fires, got 1e+308',
    ],
  ],
  [
    'refused threshold 1e309 (JSON.parse makes it Infinity)',
    JSON.parse(`{"alarms": {"refused": {"threshold": 1e309}}, "checks": [${JSON.stringify(http)}]}`),
    ['alarms.refused.threshold must be a finite number, got Infinity'],
  ],
  [
    'a fractional threshold',
    { ...withChecks(http), alarms: { forbidden: { threshold: 0.5 } } },
    ['alarms.forbidden.threshold must be at least 1 (a count of failed runs per period), got 0.5'],
  ],
  [
    'a threshold above the runs of two locations',
    { ...withChecks(http), locations: ['eu-west-1', 'us-east-1'], alarms: { refused: { threshold: 3 } } },
    [
      'alarms.refused.threshold must be at most 2: a period holds at most 2 failed runs (1 run of a 60 s check per 60 s period, in each of 2 locations), so a higher threshold never fires, got 3',
    ],
  ],
  [
    'a threshold above the ticks of a fast check',
    { ...withChecks(http), intervalSeconds: 10, alarms: { forbidden: { threshold: 7 } } },
    [
      'alarms.forbidden.threshold must be at most 6: a period holds at most 6 failed runs (6 runs of a 10 s check per 60 s period), so a higher threshold never fires, got 7',
    ],
  ],
  [
    'a Silent threshold above the heartbeats (always in alarm)',
    { ...withChecks(http), alarms: { silent: { threshold: 2 } } },
    [
      'alarms.silent.threshold must be at most 1: a runner sends 1 heartbeat per period (checks every 60 s), so a higher threshold is always in alarm, got 2',
    ],
  ],

  // --- alarm windows
  [
    'Metrics Insights evaluation beyond 3 hours',
    { ...withChecks(http), intervalSeconds: 3600, alarms: { failing: { datapointsToAlarm: 2, evaluationPeriods: 4 } } },
    [
      'alarms.failing.evaluationPeriods must be at most 3: 3 periods of 3600 s (checks every 3600 s) fill the 3 hours a Metrics Insights alarm can evaluate, got 4',
    ],
  ],
  [
    'Metrics Insights evaluation of fast checks beyond 3 hours of 60 s periods',
    { ...withChecks(http), intervalSeconds: 10, alarms: { refused: { evaluationPeriods: 181 } } },
    [
      'alarms.refused.evaluationPeriods must be at most 180: 180 periods of 60 s (checks every 10 s) fill the 3 hours a Metrics Insights alarm can evaluate, got 181',
    ],
  ],
  [
    'Silent evaluation beyond a day',
    { ...withChecks(http), intervalSeconds: 1800, alarms: { silent: { evaluationPeriods: 49 } } },
    [
      'alarms.silent.evaluationPeriods must be at most 48: 48 periods of 1800 s (checks every 1800 s) make one day, the longest a Silent alarm may evaluate, got 49',
    ],
  ],

  // --- regions: ones this aws-cdk-lib knows, in one partition
  [
    'a location this aws-cdk-lib does not know',
    { ...withChecks(http), locations: ['us-east-1', 'eu-west-9'] },
    [`locations[1] must be an AWS region this aws-cdk-lib knows (${KNOWN_REGIONS} regions, e.g. eu-west-1), got "eu-west-9"`],
  ],
  [
    'a misspelt location (the closest known region is named)',
    { ...withChecks(http), locations: ['us-est-1', 'eu-west-1'] },
    [`locations[0] must be an AWS region this aws-cdk-lib knows (${KNOWN_REGIONS} regions, e.g. us-east-1), got "us-est-1"`],
  ],
  [
    'a location in upper case',
    { ...withChecks(http), locations: ['us-east-1', 'EU-West-1'] },
    ['locations[1] must be written as AWS writes it, "eu-west-1", got "EU-West-1"'],
  ],
  [
    'a homeRegion this aws-cdk-lib does not know',
    { ...withChecks(http), locations: ['us-east-1'], homeRegion: 'mars-north-1' },
    [`homeRegion must be an AWS region this aws-cdk-lib knows (${KNOWN_REGIONS} regions, e.g. eu-west-1), got "mars-north-1"`],
  ],
  [
    'locations in three partitions (runners cannot publish across partitions)',
    { ...withChecks(http), locations: ['us-east-1', 'cn-north-1', 'eu-west-1', 'us-gov-west-1'] },
    [
      'locations[1] must be in the partition of the home region: "cn-north-1" is in aws-cn, the first location "us-east-1" (the home region) in aws, ' +
        'and a runner cannot publish metrics or read tokens across partitions (a monitor per partition), got "cn-north-1"',
      'locations[3] must be in the partition of the home region: "us-gov-west-1" is in aws-us-gov, the first location "us-east-1" (the home region) in aws, ' +
        'and a runner cannot publish metrics or read tokens across partitions (a monitor per partition), got "us-gov-west-1"',
    ],
  ],
  [
    'a location outside the partition of homeRegion',
    { ...withChecks(http), locations: ['cn-north-1', 'eu-west-1'], homeRegion: 'cn-northwest-1' },
    [
      'locations[1] must be in the partition of the home region: "eu-west-1" is in aws, homeRegion "cn-northwest-1" in aws-cn, ' +
        'and a runner cannot publish metrics or read tokens across partitions (a monitor per partition), got "eu-west-1"',
    ],
  ],
  [
    'a homeRegion in another partition than every location (homeRegion is the wrong one)',
    { ...withChecks(http), locations: ['us-east-1', 'eu-west-1'], homeRegion: 'cn-north-1' },
    [
      'homeRegion must be in the partition of the locations: "cn-north-1" is in aws-cn, the locations in aws, ' +
        'and a runner cannot publish metrics or read tokens across partitions (a monitor per partition), got "cn-north-1"',
    ],
  ],
  [
    'an unknown location does not also fail the partition rule',
    { ...withChecks(http), locations: ['cn-north-1', 'cn-north-9'] },
    [`locations[1] must be an AWS region this aws-cdk-lib knows (${KNOWN_REGIONS} regions, e.g. cn-north-1), got "cn-north-9"`],
  ],
  [
    'an unknown location and one in another partition: both at once',
    { ...withChecks(http), locations: ['us-east-1', 'cn-north-1', 'eu-west-9', 'us-east-1'] },
    [
      `locations[2] must be an AWS region this aws-cdk-lib knows (${KNOWN_REGIONS} regions, e.g. eu-west-1), got "eu-west-9"`,
      'locations[3] must be unique (also locations[0]), got "us-east-1"',
      'locations[1] must be in the partition of the home region: "cn-north-1" is in aws-cn, the first location "us-east-1" (the home region) in aws, ' +
        'and a runner cannot publish metrics or read tokens across partitions (a monitor per partition), got "cn-north-1"',
    ],
  ],

  // --- the configuration as a whole
  ['a null configuration (was a TypeError)', null, ['(root) must be a JSON object with at least "checks", got null']],
  [
    'a list instead of a configuration',
    [http],
    ['(root) must be a JSON object with at least "checks", got [{"name":"orders","kind":"http","url":"https://backend.example.com/api/orders...'],
  ],
  [
    'duplicate e-mail subscriptions (crashed cdk synth)',
    { ...withChecks(http), notifications: { emails: ['oncall@example.com', 'OnCall@example.com'] } },
    ['notifications.emails[1] must be unique (also notifications.emails[0]), got "OnCall@example.com"'],
  ],
  [
    'duplicate HTTPS endpoints (crashed cdk synth)',
    { ...withChecks(http), notifications: { httpsEndpoints: ['https://pager.example.com/hook', 'https://pager.example.com/hook'] } },
    ['notifications.httpsEndpoints[1] must be unique (also notifications.httpsEndpoints[0]), got "https://pager.example.com/hook"'],
  ],
  [
    'an HTTPS endpoint with port 99999',
    { ...withChecks(http), notifications: { httpsEndpoints: ['https://pager.example.com:99999/hook'] } },
    ['notifications.httpsEndpoints[0] must be an https:// URL, got "https://pager.example.com:99999/hook"'],
  ],
  [
    'token names that collide in the stack output ids (api-1 / api1: TokenApi1 twice)',
    { ...withChecks(http), tokens: { 'api-1': {}, api1: {} } },
    ['tokens.api1 must differ from token "api-1" by more than hyphens (each token\'s stack output is named after it without hyphens), got "api1"'],
  ],
  [
    'token names that differ only by hyphens (a-b / ab)',
    { ...withChecks(http), tokens: { 'a-b': {}, ab: {} } },
    ['tokens.ab must differ from token "a-b" by more than hyphens (each token\'s stack output is named after it without hyphens), got "ab"'],
  ],
  [
    'a token whose name field is not its key',
    { ...withChecks(http), tokens: { orders: { name: 'admin' } } },
    ['tokens.orders.name must be the token\'s key, "orders" (it is filled in from the key), got "admin"'],
  ],
  [
    'an SSM parameter with levels but no leading slash',
    { ...withChecks(http), tokens: { orders: { parameter: 'synthmon/orders' } } },
    [
      'tokens.orders.parameter must start with "/" when it has levels (SSM wants a fully qualified hierarchy), such as /synthmon/api-token, got "synthmon/orders"',
    ],
  ],
  [
    'an SSM parameter in the reserved aws prefix',
    { ...withChecks(http), tokens: { orders: { parameter: '/aws/orders' } } },
    ['tokens.orders.parameter must not start with "aws" or "ssm" (reserved by SSM), got "/aws/orders"'],
  ],
  [
    'a namespace starting with ":" (CloudWatch refuses it)',
    { ...withChecks(http), namespace: ':synthmon' },
    ['namespace must not start with ":" (CloudWatch refuses it), got ":synthmon"'],
  ],
  [
    'more checks than one monitor holds',
    { checks: tooManyChecks() },
    [
      `checks must list at most ${MAX_CHECKS} checks: a monitor's alarms, dashboard and runner package grow with its checks, so split a larger fleet into several monitors, got ${MAX_CHECKS + 1}`,
    ],
  ],
  [
    'a shard larger than the runner holds',
    { ...withChecks(http), shardMaxChecks: 1000 },
    ["shardMaxChecks must be at most 500 checks (measured to fit the runner's memory), got 1000"],
  ],
  [
    'a shard of one check (the plan cannot spread checks that thinly)',
    { ...withChecks(http), shardMaxChecks: 1 },
    ['shardMaxChecks must be at least 10 checks, got 1'],
  ],
  [
    'a fleet whose schedules alone overflow the monitor stack (alarms go to nested stacks, schedules cannot)',
    { shardMaxChecks: 10, checks: manyChecks(5_000) },
    [
      'checks must fit one monitor stack: 5000 checks in up to 2500 runner shards (shardMaxChecks 10) from 1 location need about 2534 resources ' +
        '(a schedule per shard, a Silent alarm per shard and location, an alarm per fast check), more than the 500 CloudFormation allows; ' +
        'raise shardMaxChecks, probe from fewer locations or split the fleet into several monitors, got 5000',
    ],
  ],

  // --- v1 keys get a migration hint, not "unknown key"
  [
    'intervalMinutes (v1)',
    { ...withChecks(http), intervalMinutes: 1 },
    ['intervalMinutes was replaced by intervalSeconds (60 = 1 minute): write "intervalSeconds": 60, got 1'],
  ],
  [
    'functionTimeoutSeconds (v1)',
    { ...withChecks(http), functionTimeoutSeconds: 60 },
    ["functionTimeoutSeconds is no longer set: the runner's timeout follows from the checks' deadlines, got 60"],
  ],
  [
    'checks[].auth.tokenEnv (v1)',
    withChecks({ ...http, auth: { tokenEnv: 'ORDERS_TOKEN' } }),
    ['checks[0].auth.tokenEnv moved to tokens.<name>.env; name the token with auth.token, got "ORDERS_TOKEN"'],
  ],
  [
    'checks[].auth.secret (v1)',
    withChecks({ ...http, auth: { secret: { name: 'prod/orders' } } }),
    ['checks[0].auth.secret moved to tokens.<name>.secret; name the token with auth.token, got {"name":"prod/orders"}'],
  ],
  [
    'a v1 key beside an unknown one',
    { ...withChecks(http), intervalMinutes: 2, colour: 'red' },
    ['intervalMinutes was replaced by intervalSeconds (60 = 1 minute): write "intervalSeconds": 120, got 2', '(root): unknown key "colour"'],
  ],

  // --- one field, one problem
  [
    'a fractional timeout out of range (one problem, not "whole" and "at most")',
    withChecks({ ...http, timeoutMs: 200_000.5 }),
    ['checks[0].timeoutMs must be at most 120000 ms, got 200000.5'],
  ],
  [
    'a null timeout (no "expected number, received null")',
    withChecks({ ...http, timeoutMs: null }),
    ['checks[0].timeoutMs must be a number of ms, got null'],
  ],
  [
    'a name given as a number',
    withChecks({ ...http, name: 7 }),
    ['checks[0].name must be 1-40 lower-case letters, digits or hyphens, starting and ending with a letter or digit, got 7'],
  ],
  [
    'a wrong timeout does not also fail the latency rule',
    withChecks({ ...http, timeoutMs: 'soon', assert: { maxLatencyMs: 20_000 } }),
    ['checks[0].timeoutMs must be a number of ms, got "soon"'],
  ],
  ['a quorum above the locations (kept)', { ...withChecks(http), quorum: 2 }, ['quorum must not exceed the number of locations (1), got 2']],
  [
    'an auth.token that tokens does not define (kept)',
    withChecks({ ...http, auth: { token: 'orders' } }),
    ['checks[0].auth.token names a token that tokens does not define (tokens is empty), got "orders"'],
  ],
];

describe('bad input is refused with exact problems', () => {
  it(`covers at least 40 bad configurations (${BAD.length})`, () => {
    expect(BAD.length).toBeGreaterThanOrEqual(40);
  });

  it.each(BAD)('refuses %s', (_what, raw, expected) => {
    const problems = problemsOf(raw);
    expect(problems).toEqual(expected);
    for (const problem of problems) {
      expect(problem).not.toMatch(ZOD_WORDING);
      expect(problem).not.toContain('s3cr3t-val');
    }
  });
});

/** Configurations that must stay accepted. */
const GOOD: Array<[string, unknown]> = [
  ['the seed configuration (config/default.json)', JSON.parse(readFileSync(new URL('../../config/default.json', import.meta.url), 'utf8'))],
  [
    'a fleet with named tokens in both stores, three locations and a quorum',
    {
      namespace: 'Synthmon/Prod',
      intervalSeconds: 120,
      locations: ['eu-west-1', 'us-east-1', 'ap-southeast-2'],
      homeRegion: 'eu-central-1', // metrics and alarms may live outside the probing locations
      quorum: 2,
      tokens: {
        default: { env: 'SYNTHMON_TOKEN' },
        orders: { secret: { name: 'prod/synthmon/orders' }, env: 'ORDERS_TOKEN' },
        admin: { secret: { arn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/admin-AbC123' } },
        'api-v2': { parameter: '/synthmon/api-v2' },
        spare: {}, // used by no check: accepted
      },
      alarms: { refused: { threshold: 3 }, failing: { datapointsToAlarm: 3, evaluationPeriods: 5, threshold: 2 } },
      notifications: {
        emails: ['oncall@example.com', 'team@example.com'],
        httpsEndpoints: ['https://events.example.com/integration/abc123/enqueue'],
      },
      checks: [
        { ...ws, origin: 'https://indexo.ir', auth: { token: 'default' }, roundTrip: { send: 'ping', expect: 'pong' } },
        {
          ...http,
          auth: { token: 'orders' },
          headers: { 'X-Request-Id': 'synthmon', Origin: 'https://indexo.ir' },
          assert: { json: 'array', maxLatencyMs: 2_000 },
        },
        { ...http, name: 'admin', url: 'https://backend.example.com/api/admin/?page_token=2', auth: { token: 'admin', scheme: 'Bearer' } },
        { ...http, name: 'v2', url: 'https://backend.example.com/api/v2/', auth: { token: 'api-v2', in: 'query', param: 'access_token' } },
        { ...http, name: 'health', url: 'https://backend.example.com/health/', method: 'HEAD', expectStatus: 204, intervalSeconds: 300 },
      ],
    },
  ],
  [
    'fast checks with default timeouts (10, 20 and 30 s) and check names that only differ by a hyphen',
    {
      intervalSeconds: 10,
      alarms: { refused: { threshold: 1, evaluationPeriods: 180 } },
      checks: [
        ws,
        { ...http, name: 'api-1' },
        { ...http, name: 'api1', intervalSeconds: 20 },
        { ...ws, name: 'chat-30', intervalSeconds: 30, settleMs: 2_000 },
      ],
    },
  ],
  ['a homeRegion without locations', { ...withChecks(http), homeRegion: 'eu-west-1' }],
  [
    'the seed probing from three regions',
    {
      ...JSON.parse(readFileSync(new URL('../../config/default.json', import.meta.url), 'utf8')),
      locations: ['us-east-1', 'eu-west-1', 'ap-southeast-1'],
    },
  ],
  [
    'locations in the China partition with their home there',
    { ...withChecks(http), locations: ['cn-north-1', 'cn-northwest-1'], homeRegion: 'cn-northwest-1' },
  ],
  ['GovCloud locations', { ...withChecks(http), locations: ['us-gov-west-1', 'us-gov-east-1'] }],
  [
    'hourly checks at the edge of the 3-hour and one-day windows',
    { ...withChecks(http), intervalSeconds: 3600, alarms: { failing: { evaluationPeriods: 3 }, silent: { evaluationPeriods: 24 } } },
  ],
];

describe('good configurations stay accepted', () => {
  it.each(GOOD)('accepts %s, and accepts it again once validated', (_what, raw) => {
    const config = parseConfig(raw);
    expect(parseConfig(config)).toEqual(config);
  });

  it("resolves the fast checks' default deadlines and confirmation pause so both attempts fit the tick", () => {
    const config = parseConfig(GOOD[2]![1]);
    expect(config.checks.map((c) => [c.name, c.intervalSeconds, c.timeoutMs, c.retryDelayMs])).toEqual([
      ['chat', 10, 3_000, 1_000],
      ['api-1', 10, 3_000, 1_000],
      ['api1', 20, 8_000, 1_000],
      ['chat-30', 30, 10_000, 1_000],
    ]);
    expect(parseConfig({ checks: [{ name: 'slow', kind: 'http', url: 'https://x.example.com/' }] }).checks[0]).toMatchObject({
      timeoutMs: 10_000,
      retryDelayMs: 2_000,
    });
  });

  it(`accepts a fleet of ${MAX_CHECKS} checks`, () => {
    expect(parseConfig({ checks: manyChecks(MAX_CHECKS) }).checks).toHaveLength(MAX_CHECKS);
  });
});

describe('no zod wording, one problem per field, whatever the type of a value', () => {
  /** Every field of the schema, each given values of the wrong type and out of range. */
  const FIELDS: Array<[string, (v: unknown) => MonitorConfigInput | unknown]> = [
    ['namespace', (v) => ({ ...withChecks(http), namespace: v })],
    ['intervalSeconds', (v) => ({ ...withChecks(http), intervalSeconds: v })],
    ['locations', (v) => ({ ...withChecks(http), locations: v })],
    ['locations[0]', (v) => ({ ...withChecks(http), locations: [v] })],
    ['homeRegion', (v) => ({ ...withChecks(http), homeRegion: v })],
    ['quorum', (v) => ({ ...withChecks(http), quorum: v })],
    ['shardMaxChecks', (v) => ({ ...withChecks(http), shardMaxChecks: v })],
    ['tokens', (v) => ({ ...withChecks(http), tokens: v })],
    ['tokens.t', (v) => ({ ...withChecks(http), tokens: { t: v } })],
    ['tokens.t.env', (v) => ({ ...withChecks(http), tokens: { t: { env: v } } })],
    ['tokens.t.parameter', (v) => ({ ...withChecks(http), tokens: { t: { parameter: v } } })],
    ['tokens.t.secret', (v) => ({ ...withChecks(http), tokens: { t: { secret: v } } })],
    ['phaseTimings', (v) => ({ ...withChecks(http), phaseTimings: v })],
    ['alarms', (v) => ({ ...withChecks(http), alarms: v })],
    ['alarms.failing', (v) => ({ ...withChecks(http), alarms: { failing: v } })],
    ['alarms.failing.datapointsToAlarm', (v) => ({ ...withChecks(http), alarms: { failing: { datapointsToAlarm: v } } })],
    ['alarms.silent.evaluationPeriods', (v) => ({ ...withChecks(http), alarms: { silent: { evaluationPeriods: v } } })],
    ['alarms.refused.threshold', (v) => ({ ...withChecks(http), alarms: { refused: { threshold: v } } })],
    ['notifications', (v) => ({ ...withChecks(http), notifications: v })],
    ['notifications.emails', (v) => ({ ...withChecks(http), notifications: { emails: v } })],
    ['notifications.emails[0]', (v) => ({ ...withChecks(http), notifications: { emails: [v] } })],
    ['notifications.httpsEndpoints[0]', (v) => ({ ...withChecks(http), notifications: { httpsEndpoints: [v] } })],
    ['checks', (v) => ({ checks: v })],
    ['checks[0]', (v) => withChecks(v)],
    ...(
      ['name', 'intervalSeconds', 'timeoutMs', 'retryDelayMs', 'url', 'method', 'headers', 'expectStatus', 'assert', 'maxBodyBytes', 'auth'] as const
    ).map((k): [string, (v: unknown) => unknown] => [`checks[0].${k}`, (v) => withChecks({ ...http, [k]: v })]),
    ...(['json', 'fields', 'bodyContains', 'maxLatencyMs'] as const).map((k): [string, (v: unknown) => unknown] => [
      `checks[0].assert.${k}`,
      (v) => withChecks({ ...http, assert: { [k]: v } }),
    ]),
    ['checks[0].headers.X-A', (v) => withChecks({ ...http, headers: { 'X-A': v } })],
    ...(['token', 'in', 'scheme', 'header', 'param'] as const).map((k): [string, (v: unknown) => unknown] => [
      `checks[0].auth.${k}`,
      (v) => withChecks({ ...http, auth: { [k]: v } }),
    ]),
    ...(['origin', 'settleMs', 'roundTrip'] as const).map((k): [string, (v: unknown) => unknown] => [
      `checks[0].${k}`,
      (v) => withChecks({ ...ws, [k]: v }),
    ]),
    ['checks[0].roundTrip.send', (v) => withChecks({ ...ws, roundTrip: { send: v, expect: 'pong' } })],
  ];
  const VALUES: unknown[] = [null, true, -1, 1.5, 1e308, Infinity, NaN, '', 'x y', [], [1], {}, { a: 1 }];

  it.each(FIELDS)('words every problem of %s in its own terms, once per path', (_field, build) => {
    for (const value of VALUES) {
      let problems: readonly string[] = [];
      try {
        parseConfig(build(value));
      } catch (err) {
        problems = (err as ConfigError).problems;
      }
      for (const problem of problems) expect(problem, `value ${String(value)}`).not.toMatch(ZOD_WORDING);
      const paths = problems.map((p) => /^(\S+?)(?::| )/.exec(p)?.[1]);
      expect(new Set(paths).size, `value ${String(value)}: ${problems.join(' | ')}`).toBe(paths.length);
    }
  });
});
