/**
 * `synthmon probe` end to end: the built CLI spawned on Node 24 against a real loopback TLS backend,
 * trusting its CA only through NODE_EXTRA_CA_CERTS in the child's environment.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { refusedPort } from '../support/fault-servers';
import { CANARY, FRONT_END_ORIGIN, lines, runCli, scratch, startBackend, type Backend } from './support';

const JSON_KEYS = ['check', 'kind', 'url', 'ok', 'outcome', 'status', 'cause', 'closeCode', 'attempts', 'message', 'timings', 'certificate'];
const TIMING_KEYS = ['dnsMs', 'connectMs', 'tlsMs', 'firstByteMs', 'totalMs'];
const ANSI = '\u001b[';

let backend: Backend;
let dir: ReturnType<typeof scratch>;

beforeAll(async () => {
  dir = scratch();
  backend = await startBackend(dir.dir);
});
afterAll(async () => {
  await backend?.close();
  dir?.cleanup();
});
afterEach(async () => {
  // The child has exited, so every connection it opened must be gone from the server too (the
  // server's close events may trail the exit by a moment).
  const deadline = Date.now() + 3_000;
  while (backend.openSockets() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  if (backend.openSockets() > 0) throw new Error(`${backend.openSockets()} server connection(s) still open after the CLI exited`);
});

const trustEnv = () => ({ NODE_EXTRA_CA_CERTS: backend.caFile });
const withToken = () => ({ ...trustEnv(), SYNTHMON_TOKEN: CANARY });

/** Parse --json stdout: every line one object, keys a subsequence of the contract's, in its order. */
function jsonResults(stdout: string): Array<Record<string, unknown>> {
  return lines(stdout).map((line) => {
    const result = JSON.parse(line) as Record<string, unknown>;
    const keys = Object.keys(result);
    expect(keys).toEqual(JSON_KEYS.filter((k) => keys.includes(k)));
    const timings = result.timings as Record<string, unknown>;
    expect(typeof timings.totalMs).toBe('number');
    expect(Object.keys(timings)).toEqual(TIMING_KEYS.filter((k) => k in timings));
    return result;
  });
}

describe('synthmon probe <https url>', () => {
  it('exits 0 with one JSON line of exactly the contract keys when the API answers 200 to the token', async () => {
    const before = backend.authorizations.length;
    const run = await runCli(['probe', `${backend.httpsBase}/api/orders/`, '--json'], { env: withToken() });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const [result, ...rest] = jsonResults(run.stdout);
    expect(rest).toEqual([]);
    expect(Object.keys(result!)).toEqual(['check', 'kind', 'url', 'ok', 'outcome', 'status', 'attempts', 'message', 'timings', 'certificate']);
    // README.md#cli: the certificate of the TLS handshake, days left in whole days.
    expect(result!.certificate).toMatchObject({
      subject: expect.any(String),
      issuer: expect.any(String),
      validTo: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      daysLeft: expect.any(Number),
    });
    expect(result).toMatchObject({
      check: '127-0-0-1',
      kind: 'http',
      url: `${backend.httpsBase}/api/orders/`,
      ok: true,
      outcome: 'ok',
      status: 200,
      attempts: 1,
    });
    // An IP literal needs no lookup; the other phases were measured.
    expect(Object.keys(result!.timings as object)).toEqual(['connectMs', 'tlsMs', 'firstByteMs', 'totalMs']);
    // The default placement for http(s): Authorization header, scheme Token.
    expect(backend.authorizations.slice(before)).toEqual([`Token ${CANARY}`]);
  });

  it('exits 1 with forbidden / credentials_not_recognized after the confirmation retry', async () => {
    const before = backend.authorizations.length;
    const run = await runCli(['probe', `${backend.httpsBase}/api/orders/`, '--auth-scheme', 'Bearer', '--json'], { env: withToken() });
    expect(run.code).toBe(1);
    const [result] = jsonResults(run.stdout);
    expect(result).toMatchObject({ ok: false, outcome: 'forbidden', cause: 'credentials_not_recognized', status: 403, attempts: 2 });
    expect(backend.authorizations.slice(before)).toEqual([`Bearer ${CANARY}`, `Bearer ${CANARY}`]);
  });

  it('skips the confirmation retry with --no-retry', async () => {
    const before = backend.seen.length;
    const run = await runCli(['probe', `${backend.httpsBase}/api/orders/`, '--auth-scheme', 'Bearer', '--no-retry', '--json'], { env: withToken() });
    expect(run.code).toBe(1);
    expect(jsonResults(run.stdout)[0]).toMatchObject({ outcome: 'forbidden', attempts: 1 });
    expect(backend.seen.slice(before)).toEqual(['GET /api/orders/']);
  });

  it('reads the token from --token-env, sends it as ?token= with --token-in query, and shows it as *** in url', async () => {
    const before = backend.seen.length;
    const run = await runCli(['probe', `${backend.httpsBase}/api/query/`, '--token-env', 'ORDERS_TOKEN', '--token-in', 'query', '--json'], {
      env: { ...trustEnv(), ORDERS_TOKEN: CANARY },
    });
    expect(run.code).toBe(0);
    const [result] = jsonResults(run.stdout);
    expect(result).toMatchObject({ outcome: 'ok', status: 200, url: `${backend.httpsBase}/api/query/?token=***` });
    expect(backend.seen.slice(before)).toEqual([`GET /api/query/?token=${CANARY}`]);
  });

  it('sends no credentials when neither --token-env nor SYNTHMON_TOKEN is set', async () => {
    const before = backend.authorizations.length;
    const run = await runCli(['probe', `${backend.httpsBase}/api/token-only/`, '--no-retry', '--json'], { env: trustEnv() });
    expect(run.code).toBe(1);
    const [result] = jsonResults(run.stdout);
    expect(result).toMatchObject({ outcome: 'unauthorized', status: 401 });
    expect(backend.authorizations.slice(before)).toEqual([undefined]);
  });

  it('reports unauthorized / scheme_not_accepted when --auth-scheme Bearer meets a Token-only API', async () => {
    const run = await runCli(['probe', `${backend.httpsBase}/api/token-only/`, '--auth-scheme', 'Bearer', '--no-retry', '--json'], {
      env: withToken(),
    });
    expect(run.code).toBe(1);
    expect(jsonResults(run.stdout)[0]).toMatchObject({ outcome: 'unauthorized', cause: 'scheme_not_accepted', status: 401 });
  });

  it('treats the --expect-status status as ok', async () => {
    const run = await runCli(['probe', `${backend.httpsBase}/no-such-route/`, '--expect-status', '404', '--json'], { env: trustEnv() });
    expect(run.code).toBe(0);
    expect(jsonResults(run.stdout)[0]).toMatchObject({ ok: true, outcome: 'ok', status: 404 });
  });

  it('reports timeout within the --timeout deadline when the server never answers', async () => {
    const run = await runCli(['probe', `${backend.httpsBase}/hang`, '--timeout', '500', '--no-retry', '--json'], { env: trustEnv() });
    expect(run.code).toBe(1);
    const [result] = jsonResults(run.stdout);
    expect(result).toMatchObject({ outcome: 'timeout', attempts: 1 });
    expect((result!.timings as { totalMs: number }).totalMs).toBeLessThan(500 + 2_000);
    // Process start-up included; a generous bound that still fails if the deadline is ignored (10 s default).
    expect(run.elapsedMs).toBeLessThan(9_000);
  });

  it('accepts a --timeout that a 60 s Lambda budget would not (a local probe has no function timeout)', async () => {
    const run = await runCli(['probe', `${backend.httpsBase}/api/orders/`, '--timeout', '60000', '--json'], { env: withToken() });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
  });

  it('reports refused when nothing listens on the port', async () => {
    const port = await refusedPort();
    const run = await runCli(['probe', `https://127.0.0.1:${port}/api/orders/`, '--no-retry', '--json'], { env: withToken() });
    expect(run.code).toBe(1);
    expect(jsonResults(run.stdout)[0]).toMatchObject({ check: '127-0-0-1', outcome: 'refused', attempts: 1 });
  });

  it('trusts the server only through NODE_EXTRA_CA_CERTS (tls without it)', async () => {
    const run = await runCli(['probe', `${backend.httpsBase}/api/orders/`, '--no-retry', '--json'], { env: { SYNTHMON_TOKEN: CANARY } });
    expect(run.code).toBe(1);
    expect(jsonResults(run.stdout)[0]).toMatchObject({ outcome: 'tls' });
  });
});

describe('synthmon probe <wss url>', () => {
  it('exits 0 when the socket stays open through the settle window, token in the query', async () => {
    const before = backend.seen.length;
    const run = await runCli(['probe', `${backend.wssBase}/ws/chat/`, '--origin', FRONT_END_ORIGIN, '--settle', '300', '--json'], {
      env: withToken(),
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const [result] = jsonResults(run.stdout);
    expect(result).toMatchObject({ check: '127-0-0-1', kind: 'websocket', ok: true, outcome: 'ok', status: 101, attempts: 1 });
    expect(result!.url as string).toMatch(new RegExp(`^${backend.wssBase}/ws/chat/`));
    expect(backend.seen.slice(before)).toEqual([`UPGRADE /ws/chat/?token=${CANARY}`]);
  });

  it('refuses a token typed into the URL itself (exit 2), saying where it belongs, without printing it', async () => {
    const run = await runCli(['probe', `${backend.wssBase}/ws/chat/?token=${CANARY}`, '--origin', FRONT_END_ORIGIN, '--settle', '200', '--json'], {
      env: trustEnv(),
    });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('token=***');
    // The configuration's advice, in the command line's terms.
    expect(run.stderr).toContain('pass it in SYNTHMON_TOKEN (or --token-env VAR) with --token-in query');
    expect(run.stderr).not.toContain(CANARY);
    expect(run.stderr).not.toContain(CANARY.slice(0, 8));
  });

  it('reports forbidden / origin_rejected when the origin is not allowed but the own origin is', async () => {
    const run = await runCli(
      ['probe', `${backend.wssBase}/ws/chat/`, '--origin', 'https://evil.example', '--settle', '300', '--no-retry', '--json'],
      {
        env: withToken(),
      },
    );
    expect(run.code).toBe(1);
    expect(jsonResults(run.stdout)[0]).toMatchObject({ outcome: 'forbidden', cause: 'origin_rejected', status: 403, attempts: 1 });
  });

  it('reports closed with the close code when the consumer closes after accepting (no token)', async () => {
    const run = await runCli(['probe', `${backend.wssBase}/ws/chat/`, '--origin', FRONT_END_ORIGIN, '--settle', '500', '--no-retry', '--json'], {
      env: trustEnv(),
    });
    expect(run.code).toBe(1);
    expect(jsonResults(run.stdout)[0]).toMatchObject({ outcome: 'closed', closeCode: 4001, status: 101 });
  });
});

describe('human output', () => {
  const TIMINGS = /connect=\d+(\.\d)?ms tls=\d+(\.\d)?ms firstByte=\d+(\.\d)?ms total=\d+(\.\d)?ms$/;

  it('prints name, outcome, status, attempts and timings on one line, then the message indented', async () => {
    const run = await runCli(['probe', `${backend.httpsBase}/api/orders/`], { env: withToken() });
    expect(run.code).toBe(0);
    const [line, message, ...rest] = lines(run.stdout);
    expect(rest).toEqual([]);
    expect(line).toMatch(/^127-0-0-1 {2}ok {2}status=200 {2}attempts=1 {2}connect=/);
    expect(line).toMatch(TIMINGS);
    expect(message).toMatch(/^ {4}\S/);
    expect(run.stdout).not.toContain(ANSI);
  });

  it('includes the cause of a failure', async () => {
    const run = await runCli(['probe', `${backend.httpsBase}/api/orders/`, '--auth-scheme', 'Bearer', '--no-retry'], { env: withToken() });
    expect(run.code).toBe(1);
    const [line, message] = lines(run.stdout);
    expect(line).toMatch(/^127-0-0-1 {2}forbidden {2}cause=credentials_not_recognized {2}status=403 {2}attempts=1 {2}connect=/);
    expect(message).toContain('TokenAuthentication');
  });

  it('colours the outcome green / red with FORCE_COLOR', async () => {
    const ok = await runCli(['probe', `${backend.httpsBase}/api/orders/`], { env: { ...withToken(), FORCE_COLOR: '1' } });
    expect(ok.stdout).toContain('\u001b[32mok\u001b[39m');
    const failed = await runCli(['probe', `${backend.httpsBase}/api/orders/`, '--no-retry'], { env: { ...trustEnv(), FORCE_COLOR: '1' } });
    expect(failed.stdout).toContain('\u001b[31mforbidden\u001b[39m');
  });

  it('respects NO_COLOR even when colour is forced', async () => {
    const run = await runCli(['probe', `${backend.httpsBase}/api/orders/`], { env: { ...withToken(), FORCE_COLOR: '1', NO_COLOR: '1' } });
    expect(run.code).toBe(0);
    expect(lines(run.stdout)[0]).toMatch(/^127-0-0-1 {2}ok {2}/);
    expect(run.stdout).not.toContain(ANSI);
  });
});

describe('synthmon probe --config', () => {
  const writeConfig = (name: string, checks: unknown[], extra: Record<string, unknown> = {}) =>
    dir.write(name, JSON.stringify({ ...extra, checks }, null, 2));
  const twoChecks = () => [
    // Answers only once the WebSocket check has connected: passes only if the checks run concurrently.
    { name: 'orders', kind: 'http', url: `${backend.httpsBase}/after-ws`, timeoutMs: 8_000 },
    { name: 'chat', kind: 'websocket', url: `${backend.wssBase}/ws/chat/`, origin: FRONT_END_ORIGIN, settleMs: 300, auth: { token: 'chat' } },
  ];
  const chatToken = { tokens: { chat: { env: 'CHAT_TOKEN' } } };

  it('runs both checks concurrently and prints them in configuration order', async () => {
    const file = writeConfig('two.json', twoChecks(), chatToken);
    backend.resetUpgrades();
    const run = await runCli(['probe', '--config', file, '--json'], { env: { ...trustEnv(), CHAT_TOKEN: CANARY } });
    expect(run.stderr).toBe('');
    const results = jsonResults(run.stdout);
    expect(results.map((r) => [r.check, r.kind, r.outcome])).toEqual([
      ['orders', 'http', 'ok'],
      ['chat', 'websocket', 'ok'],
    ]);
    expect(run.code).toBe(0);
  });

  it('lines up the names in human output', async () => {
    const file = writeConfig('two-human.json', twoChecks(), chatToken);
    backend.resetUpgrades();
    const run = await runCli(['probe', '--config', file], { env: { ...trustEnv(), CHAT_TOKEN: CANARY } });
    expect(run.code).toBe(0);
    const out = lines(run.stdout);
    expect(out).toHaveLength(4);
    expect(out[0]).toMatch(/^orders {2}ok {2}status=200 {2}attempts=1 /);
    expect(out[2]).toMatch(/^chat {4}ok {2}status=101 {2}attempts=1 /);
  });

  it('runs only the checks named with --check', async () => {
    const file = writeConfig('select.json', twoChecks(), chatToken);
    const before = backend.seen.length;
    const run = await runCli(['probe', '--config', file, '--check', 'chat', '--json'], { env: { ...trustEnv(), CHAT_TOKEN: CANARY } });
    expect(run.code).toBe(0);
    expect(jsonResults(run.stdout).map((r) => r.check)).toEqual(['chat']);
    expect(backend.seen.slice(before)).toEqual([`UPGRADE /ws/chat/?token=${CANARY}`]);
  });

  it('reports outcome error for a check whose token variable is unset, and exits 1', async () => {
    const file = writeConfig(
      'unset.json',
      [
        { name: 'orders', kind: 'http', url: `${backend.httpsBase}/api/orders/`, auth: { token: 'orders' } },
        { name: 'public', kind: 'http', url: `${backend.httpsBase}/no-such-route/`, expectStatus: 404 },
      ],
      { tokens: { orders: { env: 'ORDERS_TOKEN' } } },
    );
    const before = backend.seen.length;
    const run = await runCli(['probe', '--config', file, '--json'], { env: withToken() });
    expect(run.code).toBe(1);
    const [orders, pub] = jsonResults(run.stdout);
    expect(orders).toMatchObject({ check: 'orders', ok: false, outcome: 'error', attempts: 1 });
    expect(orders!.message).toContain('ORDERS_TOKEN');
    expect(pub).toMatchObject({ check: 'public', ok: true });
    // The check without a token never went on the wire.
    expect(backend.seen.slice(before)).toEqual(['GET /no-such-route/']);
  });
});
