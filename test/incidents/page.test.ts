/**
 * The page is the diagnosis: the seed's regressions (origin rejected on the WebSocket, DRF without
 * TokenAuthentication on the API) probed for real on loopback, then recorded by two locations; the
 * trigger's summary begins with the check, says the outcome and cause in words, then the fix the
 * probe's message builder chose, and no part of the token appears anywhere in it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../contracts/config';
import { CAUSE_GUIDE } from '../../contracts/outcomes';
import { consoleLinks, dedupKeyOf, SUMMARY_MAX_CHARS, buildNotification, type IncidentDoc } from '../../lambda/incidents/page';
import { runChecks } from '../../lambda/probe-run';
import { staticTokenStore } from '../../lambda/tokens';
import { makeTestPki, type TestPki } from '../../demo/certs';
import { lookupTo } from '../support/fault-servers';
import { startHttpBackend, type HttpBackend } from '../support/http-backend';
import { startWsBackend, type WsBackend } from '../support/ws-backend';
import { startLocalDynamo, type LocalDynamo } from '../support/dynamodb';
import { engineFor, runAt } from './support';

const CANARY = 'canary-page-4f1e9a0b7c2d';
let pki: TestPki;
let api: HttpBackend;
let chat: WsBackend;
let dynamo: LocalDynamo;

beforeAll(async () => {
  pki = makeTestPki();
  [api, chat, dynamo] = await Promise.all([
    startHttpBackend({ tls: pki.server, state: { tokens: [CANARY] } }),
    startWsBackend({ tls: pki.server, token: CANARY }),
    startLocalDynamo(),
  ]);
  await dynamo.createTable('pages');
});
afterAll(async () => {
  await Promise.all([api?.close(), chat?.close(), dynamo?.close()]);
});

describe('the page is the diagnosis', () => {
  it("names origin_rejected and credentials_not_recognized with the builder's fixes, within 1,024 characters, without the token", async () => {
    chat.setMode({ token: CANARY, allowedHosts: ['localhost', '127.0.0.1'] });
    api.set({ tokenAuth: false });
    const checks = parseConfig({
      checks: [
        {
          name: 'chat-websocket',
          kind: 'websocket',
          url: chat.url.replace('127.0.0.1', 'localhost'),
          origin: 'https://front.example.test',
          settleMs: 100,
          auth: { in: 'query' },
          retryDelayMs: 0,
        },
        { name: 'buyer-orders', kind: 'http', url: api.url, auth: {}, retryDelayMs: 0 },
      ],
    }).checks;
    const results = await runChecks(checks, {
      tokens: staticTokenStore({ default: CANARY }),
      attemptOptions: { ca: pki.ca, lookup: lookupTo('127.0.0.1') },
    });
    expect(results.map((r) => r.cause)).toEqual(['origin_rejected', 'credentials_not_recognized']);
    // Two hosts (localhost, 127.0.0.1): two incidents. The fix comes from the message builder, as the result carries it.
    for (const r of results) expect(r.message.endsWith(`; check: ${r.fix}`)).toBe(true);

    const [a, b] = ['eu-west-1', 'us-east-1'].map((l) => engineFor(dynamo, 'pages', l, []));
    const at = Date.now();
    await a!.record(
      results,
      runAt(
        at,
        checks.map((c) => c.name),
      ),
    );
    const { notifications } = await b!.record(
      results,
      runAt(
        at,
        checks.map((c) => c.name),
      ),
    );
    expect(notifications.map((n) => n.checks)).toEqual(expect.arrayContaining([['chat-websocket'], ['buyer-orders']]));
    for (const n of notifications) {
      const r = results.find((x) => x.check === n.checks[0])!;
      expect(n.summary.startsWith(`${r.check}: ${r.outcome} (HTTP 403)`)).toBe(true);
      expect(n.summary).toContain(CAUSE_GUIDE[r.cause!].meaning);
      expect(n.summary.endsWith(`— ${r.fix}`)).toBe(true);
      expect(n.summary.length).toBeLessThanOrEqual(SUMMARY_MAX_CHARS);
      expect(n.fix).toBe(r.fix);
      expect(n.message.includes('; check: ')).toBe(false);
      expect(n.evidence?.status).toBe(403);
      expect(n.locations.map((l) => `${l.location}:${l.outcome}/${l.cause}`)).toEqual([
        `eu-west-1:forbidden/${r.cause}`,
        `us-east-1:forbidden/${r.cause}`,
      ]);
      expect(JSON.stringify(n)).not.toContain(CANARY.slice(0, 12));
    }
    chat.setMode({ token: CANARY });
    api.set({ tokenAuth: true });
  });
});

describe('page text', () => {
  const doc = (checks: IncidentDoc['checks']): IncidentDoc => ({
    id: 'endpoint-api.example.com-20261204T120000Z',
    gen: 1,
    kind: 'endpoint',
    host: 'api.example.com',
    openedAt: '2026-12-04T12:00:00.000Z',
    checks,
    members: Object.keys(checks),
    firstFailureAt: '2026-12-04T11:59:00.000Z',
  });
  const check = (outcome: 'refused' | 'timeout', fix = 'the proxy') =>
    ({ outcome, message: 'm', fix, locations: [], firstFailureAt: '2026-12-04T11:59:00.000Z' }) as const;

  it('cuts a long summary to 1,024 characters and keeps it on one line', () => {
    const n = buildNotification({
      action: 'trigger',
      monitor: 'm',
      doc: doc({ a: check('refused', `line\n${'x'.repeat(3000)}`) }),
      at: '2026-12-04T12:00:00Z',
    });
    expect(n.summary.length).toBe(SUMMARY_MAX_CHARS);
    expect(n.summary).not.toContain('\n');
    expect(n.summary.endsWith('…')).toBe(true);
  });

  it('says the mix when one host fails several ways', () => {
    const n = buildNotification({
      action: 'trigger',
      monitor: 'm',
      doc: doc({ a: check('refused'), b: check('refused'), c: check('timeout') }),
      at: 'x',
    });
    expect(n.summary).toMatch(/^3 checks on api\.example\.com: refused \(2\), timeout \(1\); a: refused/);
  });

  it('keeps dedup keys within 255 characters and distinct per incident', () => {
    const long = 'h'.repeat(250);
    const k1 = dedupKeyOf('Mon', `endpoint-${long}-20261204T120000Z`);
    const k2 = dedupKeyOf('Mon', `endpoint-${long}-20261204T130000Z`);
    expect(k1.length).toBeLessThanOrEqual(255);
    expect(k1).not.toBe(k2);
  });

  it('links the console by region and names (China and GovCloud consoles included)', () => {
    expect(consoleLinks({ dashboard: { region: 'eu-west-1', name: 'Mon-Dash' }, logs: { region: 'us-east-1', group: '/aws/lambda/run' } })).toEqual({
      dashboard: 'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#dashboards/dashboard/Mon-Dash',
      logs: 'https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#logsV2:log-groups/log-group/$252Faws$252Flambda$252Frun',
    });
    expect(consoleLinks({ logs: { region: 'cn-north-1', group: 'g' } })?.logs).toMatch(/^https:\/\/console\.amazonaws\.cn\//);
    expect(consoleLinks({})).toBeUndefined();
  });
});
