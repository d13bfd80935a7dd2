/**
 * The Lambda handler end to end on loopback: a scheduled event in, the real probes against the TLS
 * replicas of the seed's backend, the token from a local Secrets Manager endpoint through the real
 * SDK, and the datapoints through the real CloudWatch SDK into the local recorder.
 *
 * Test-only seam: `createHandler({ attemptOptions: { ca, lookup } })` gives the probes the test CA
 * and a resolver pinned to 127.0.0.1 (NODE_EXTRA_CA_CERTS is read at process start only). Nothing
 * is mocked. The exported `handler` itself (no seam) is run against a plain-HTTP replica.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeTestPki, type TestPki } from '../../demo/certs';
import { startCloudWatchRecorder, type CloudWatchRecorder, type WireDatum } from '../support/cloudwatch-recorder';
import { HandlerEnvError, HandlerEnvVar, readHandlerEnv, TOKEN_SECRET_PLACEHOLDER } from '../../contracts/handler-env';
import { createHandler, handler, PublishError, type HandlerDeps } from '../../lambda/handler';
import type { CheckResult } from '../../contracts/result';
import { lookupTo } from '../support/fault-servers';
import { startHttpBackend, type HttpBackend } from '../support/http-backend';
import { startWsBackend, type WsBackend } from '../support/ws-backend';
import { startSecretsEndpoint, type SecretsEndpoint } from './secrets-endpoint';

const CANARY = 'canary-3b9f17c2e8d04a6f';
const NAMESPACE = 'Synthmon/HandlerTest';
const ORDERS_SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:synthmon/buyer-orders-Q1w2E3';
const CHAT_SECRET = 'synthmon/chat-websocket';

let pki: TestPki;
let api: HttpBackend;
let chat: WsBackend;
let cloudwatch: CloudWatchRecorder;
let sm: SecretsEndpoint;
let lines: string[];
let errorLines: string[];

beforeAll(async () => {
  pki = makeTestPki();
  [api, chat, cloudwatch, sm] = await Promise.all([
    startHttpBackend({ tls: pki.server, state: { tokens: [CANARY] } }),
    startWsBackend({ tls: pki.server, token: CANARY }),
    startCloudWatchRecorder(),
    startSecretsEndpoint(),
  ]);
  // The real SDK clients, pointed at loopback only; static credentials so no provider looks further.
  Object.assign(process.env, {
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'AKIDLOCALTEST',
    AWS_SECRET_ACCESS_KEY: 'local-secret-key',
    AWS_ENDPOINT_URL_CLOUDWATCH: cloudwatch.endpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint,
    AWS_EC2_METADATA_DISABLED: 'true',
  });
});

afterAll(async () => {
  await Promise.all([api?.close(), chat?.close(), cloudwatch?.close(), sm?.close()]);
});

beforeEach(() => {
  lines = [];
  errorLines = [];
  api.set({ tokenAuth: true, tokens: [CANARY], status: undefined, fault: 'none' });
  chat.setMode({ token: CANARY, allowedHosts: ['indexo.ir', 'localhost'] });
  sm.set(ORDERS_SECRET, { kind: 'value', secretString: JSON.stringify({ token: CANARY }) });
  sm.set(CHAT_SECRET, { kind: 'value', secretString: CANARY });
});

const ordersCheck = () => ({
  name: 'buyer-orders',
  kind: 'http',
  url: api.url,
  retryDelayMs: 100,
  auth: { in: 'header', scheme: 'Token' },
});
const chatCheck = () => ({
  name: 'chat-websocket',
  kind: 'websocket',
  url: chat.url,
  origin: 'https://indexo.ir',
  settleMs: 300,
  retryDelayMs: 100,
  auth: { in: 'query' },
});

/** A handler as the construct configures it, with the test seam for the loopback CA and resolver. */
function testHandler(secretId: string | undefined, overrides: Partial<HandlerDeps> = {}) {
  return createHandler({
    env: readHandlerEnv({
      [HandlerEnvVar.NAMESPACE]: NAMESPACE,
      [HandlerEnvVar.PHASE_TIMINGS]: 'true',
      ...(secretId ? { [HandlerEnvVar.TOKEN_SECRET]: secretId } : {}),
    }),
    attemptOptions: { ca: pki.ca, lookup: lookupTo('127.0.0.1') },
    writeLine: (line) => lines.push(line),
    logError: (line) => errorLines.push(line),
    ...overrides,
  });
}

/** Datapoints recorded since `from`, as `Name{dims}=value`. */
function recorded(from: number): string[] {
  return cloudwatch.requests.slice(from).flatMap((r) => {
    expect(r.input?.Namespace).toBe(NAMESPACE);
    return (r.input?.MetricData ?? []).map(describeDatum);
  });
}
function describeDatum(d: WireDatum): string {
  const dims = (d.Dimensions ?? []).map((x) => `${x.Name}=${x.Value}`).join(',');
  return `${d.MetricName}{${dims}}=${d.Value}`;
}

/** Everything the run let out of the process, which must not contain the token. */
function everythingEmitted(from: number, result?: unknown): string {
  return [...lines, ...errorLines, JSON.stringify(result ?? null), ...cloudwatch.requests.slice(from).map((r) => r.body)].join('\n');
}

async function allClosed(): Promise<void> {
  expect(await chat.idle(5000)).toBe(true);
  const deadline = Date.now() + 5000;
  while (api.openConnections() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  expect(api.openConnections()).toBe(0);
}

describe('handler with the token in Secrets Manager', () => {
  it('reports ok for the orders API with the token from a JSON secret and publishes Success and Duration', async () => {
    const from = cloudwatch.requests.length;
    const result = await testHandler(ORDERS_SECRET)({ check: ordersCheck() });

    expect(result).toMatchObject({ check: 'buyer-orders', kind: 'http', ok: true, outcome: 'ok', status: 200, attempts: 1 });
    const data = recorded(from);
    expect(data).toContain('Success{Check=buyer-orders}=1');
    expect(data.some((d) => d.startsWith('Duration{Check=buyer-orders}='))).toBe(true);
    // Phase timings are on in this handler's environment: an https run has TLS and connect phases.
    expect(data.some((d) => d.startsWith('TlsTime{Check=buyer-orders}='))).toBe(true);
    expect(data.some((d) => d.startsWith('Failures'))).toBe(false);
    expect(api.requests.at(-1)?.headers.authorization).toBe(`Token ${CANARY}`);

    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      level: 'INFO',
      msg: 'check result',
      check: 'buyer-orders',
      outcome: 'ok',
      publish: { ok: true, calls: 1 },
    });
    expect(everythingEmitted(from, result)).not.toContain(CANARY);
    await allClosed();
  });

  it('reads the secret once per container, not once per run', async () => {
    const run = testHandler(ORDERS_SECRET);
    const before = sm.reads.length;
    await run({ check: ordersCheck() });
    await run({ check: ordersCheck() });
    expect(sm.reads.length - before).toBe(1);
  });

  it('reports ok for the WebSocket with the raw token from the secret in the query string', async () => {
    const from = cloudwatch.requests.length;
    const result = await testHandler(CHAT_SECRET)({ check: chatCheck() });
    expect(result).toMatchObject({ check: 'chat-websocket', kind: 'websocket', ok: true, outcome: 'ok', attempts: 1 });
    // The URL as configured, or with the token parameter shown as ***; never the token itself.
    expect([chat.url, `${chat.url}?token=***`]).toContain(result.url);
    expect(chat.handshakes.at(-1)).toMatchObject({ result: 'accepted', tokenIn: 'query', origin: 'https://indexo.ir' });
    expect(recorded(from)).toContain('Success{Check=chat-websocket}=1');
    expect(everythingEmitted(from, result)).not.toContain(CANARY);
    await allClosed();
  });

  it('reports forbidden with cause credentials_not_recognized after a confirming retry when token auth is removed', async () => {
    api.set({ tokenAuth: false });
    const from = cloudwatch.requests.length;
    const result = await testHandler(ORDERS_SECRET)({ check: ordersCheck() });
    expect(result).toMatchObject({ ok: false, outcome: 'forbidden', cause: 'credentials_not_recognized', status: 403, attempts: 2 });
    expect(recorded(from)).toEqual(
      expect.arrayContaining(['Success{Check=buyer-orders}=0', 'Failures{Check=buyer-orders,Reason=forbidden}=1']),
    );
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ level: 'WARN', outcome: 'forbidden', cause: 'credentials_not_recognized' });
    expect(everythingEmitted(from, result)).not.toContain(CANARY);
    await allClosed();
  });

  it('reports forbidden with cause origin_rejected when the origin validator drops the front-end origin', async () => {
    chat.setMode({ token: CANARY, allowedHosts: ['localhost'] });
    const from = cloudwatch.requests.length;
    const result = await testHandler(CHAT_SECRET)({ check: chatCheck() });
    expect(result).toMatchObject({ ok: false, outcome: 'forbidden', cause: 'origin_rejected', status: 403 });
    expect(recorded(from)).toContain('Failures{Check=chat-websocket,Reason=forbidden}=1');
    expect(everythingEmitted(from, result)).not.toContain(CANARY);
    await allClosed();
  });

  it('reports error, not forbidden, while the secret still holds the placeholder, and never calls the endpoint', async () => {
    sm.set(ORDERS_SECRET, { kind: 'value', secretString: TOKEN_SECRET_PLACEHOLDER });
    const from = cloudwatch.requests.length;
    const apiRequests = api.requests.length;
    const result = await testHandler(ORDERS_SECRET)({ check: ordersCheck() });
    expect(result).toMatchObject({ ok: false, outcome: 'error', attempts: 1 });
    expect(result.message).toContain(`token unavailable: secret ${ORDERS_SECRET} holds no token yet; set it with: aws secretsmanager put-secret-value`);
    expect(api.requests.length).toBe(apiRequests);
    expect(recorded(from)).toEqual(['Success{Check=buyer-orders}=0', 'Duration{Check=buyer-orders}=0', 'Failures{Check=buyer-orders,Reason=error}=1']);
  });

  it('reports error naming the secret when Secrets Manager cannot find it', async () => {
    const result = await testHandler('synthmon/deleted')({ check: ordersCheck() });
    expect(result.outcome).toBe('error');
    expect(result.message).toMatch(/^token unavailable: cannot read secret synthmon\/deleted \(ResourceNotFoundException: /);
  });
});

describe('handler with an invalid event', () => {
  it('reports error with the problem and publishes it under a valid check name', async () => {
    const from = cloudwatch.requests.length;
    const result = await testHandler(ORDERS_SECRET)({ check: { ...ordersCheck(), url: 'ftp://backend.example.com/' } });
    expect(result).toMatchObject({ check: 'buyer-orders', ok: false, outcome: 'error' });
    expect(result.message).toMatch(/^invalid check event: check\.url must use http:\/\/ or https:\/\/ for an http check, got "ftp:\/\/backend\.example\.com\/"; /);
    expect(recorded(from)).toContain('Failures{Check=buyer-orders,Reason=error}=1');
  });

  it('logs but does not publish when the event has no usable check name', async () => {
    const from = cloudwatch.requests.length;
    const missing = await testHandler(undefined)({} as never);
    expect(missing).toMatchObject({ check: '(invalid event)', outcome: 'error' });
    expect(missing.message).toContain('check is required');
    const badName = await testHandler(undefined)({ check: { ...ordersCheck(), name: 'Bad Name' } });
    expect(badName.message).toContain('check.name must be 1-40 lower-case letters');
    expect(cloudwatch.requests.length).toBe(from);
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ outcome: 'error', publish: { skipped: 'no valid check name' } });
  });
});

describe('handler when CloudWatch is unavailable', () => {
  it('writes the datapoints as EMF, logs the result, then fails the invocation', async () => {
    await cloudwatch.setDown(true);
    try {
      let thrown: unknown;
      const result = await testHandler(ORDERS_SECRET)({ check: ordersCheck() }).catch((err: unknown) => {
        thrown = err;
        return undefined;
      });
      expect(result).toBeUndefined();
      expect(thrown).toBeInstanceOf(PublishError);
      const err = thrown as PublishError;
      expect(err.message).toMatch(/^publishing the metrics of check "buyer-orders" failed \(.+\); 1 EMF line\(s\) were written to the log instead$/);
      expect(err.result.outcome).toBe('ok');

      // EMF first (so the datapoints reach CloudWatch Logs), then the result line, before the throw.
      const emf = lines.slice(0, -1).map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(emf).toHaveLength(1);
      expect(emf[0]).toMatchObject({ Check: 'buyer-orders', Success: 1, _aws: { CloudWatchMetrics: [{ Namespace: NAMESPACE }] } });
      expect(JSON.parse(lines.at(-1)!)).toMatchObject({ msg: 'check result', publish: { ok: false, fallbackLines: 1 } });
      expect(errorLines.join('\n')).toContain('PutMetricData failed after retries');
      expect([err.message, ...lines, ...errorLines].join('\n')).not.toContain(CANARY);
    } finally {
      await cloudwatch.setDown(false);
    }
  });
});

describe('exported handler', () => {
  const saved = { ...process.env };
  afterAll(() => {
    for (const key of Object.values(HandlerEnvVar)) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  });

  it('fails every invocation until the environment names the namespace', async () => {
    delete process.env[HandlerEnvVar.NAMESPACE];
    await expect(handler({ check: {} })).rejects.toThrow(new HandlerEnvError('Environment variable SYNTHMON_NAMESPACE is required'));
  });

  it('reads the environment once, at the first successful invocation, and the token from tokenEnv without a secret', async () => {
    const plain = await startHttpBackend({ state: { tokens: [CANARY] } });
    try {
      process.env[HandlerEnvVar.NAMESPACE] = NAMESPACE;
      process.env[HandlerEnvVar.PHASE_TIMINGS] = 'false';
      delete process.env[HandlerEnvVar.TOKEN_SECRET];
      process.env.SYNTHMON_HANDLER_TEST_TOKEN = CANARY;
      const check = { name: 'health', kind: 'http', url: plain.url, auth: { tokenEnv: 'SYNTHMON_HANDLER_TEST_TOKEN' } };
      const from = cloudwatch.requests.length;
      const first: CheckResult = await handler({ check });
      expect(first).toMatchObject({ ok: true, outcome: 'ok', status: 200 });
      expect(plain.requests.at(-1)?.headers.authorization).toBe(`Token ${CANARY}`);

      process.env[HandlerEnvVar.NAMESPACE] = 'Changed/Later';
      process.env[HandlerEnvVar.PHASE_TIMINGS] = 'true';
      await handler({ check });
      // Both runs published to the namespace read at the first invocation, without phase metrics.
      expect(recorded(from).filter((d) => d.startsWith('Success{Check=health}=1'))).toHaveLength(2);
      expect(recorded(from).some((d) => d.startsWith('ConnectTime'))).toBe(false);
    } finally {
      delete process.env.SYNTHMON_HANDLER_TEST_TOKEN;
      await plain.close();
    }
  });
});

describe('readHandlerEnv', () => {
  it('rejects a phase-timings value other than true or false', () => {
    expect(() => readHandlerEnv({ [HandlerEnvVar.NAMESPACE]: 'X', [HandlerEnvVar.PHASE_TIMINGS]: 'yes' })).toThrow(
      'Environment variable SYNTHMON_PHASE_TIMINGS must be "true" or "false", got "yes"',
    );
    expect(readHandlerEnv({ [HandlerEnvVar.NAMESPACE]: 'X' })).toEqual({ namespace: 'X', phaseTimings: false });
  });
});
