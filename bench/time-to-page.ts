/**
 * `timeToPage` of `npm run bench` (docs/DESIGN.md#cost-and-time-to-detect and docs/DESIGN.md#incidents): the time from a regression to the page's
 * arrival at the channel through the incident pipeline, and what the pipeline sends per incident.
 *
 * Measured here, with the real parts on loopback:
 * - the probe's failing attempts: runCheck against the demo's replica switched to the seed's
 *   regressions (origin rejected: the WebSocket's 403; token authentication removed: the orders
 *   API's 401; the proxy refusing);
 * - the store's round trip: the AWS SDK's conditional PutItem and UpdateItem against dynalite,
 *   against a bare loopback HTTP POST measured alongside (the ratio is the SDK's and the store's own cost);
 * - the delivery: the PagerDuty channel (lambda/notify) posting an Events API v2 trigger to a
 *   loopback HTTPS receiver on a fresh TLS connection, against a raw https.request of the same body;
 * - the engine itself (lambda/incidents/engine.ts) on dynalite with three locations, quorum 2: the
 *   notifications one incident sends per channel, the pages of 1,000 checks on 10 hosts all
 *   refusing, and the write and read units a run consumes (ReturnConsumedCapacity, which dynalite
 *   computes as DynamoDB bills: the larger of the item before and after a write, per started KB).
 *
 * Modelled, with cited parameters (bench/ttp-model.ts for the schedule):
 * - the round trip between regions: third-party measurements of AWS inter-region latency,
 *   "Latency Between AWS Global Regions" as tabulated at
 *   https://acomputerscientistlearnsaws.blogspot.com/2017/04/aws-regions.html (average ms):
 *   US East (N. Virginia) to EU (Ireland) 80.55, to Asia Pacific (Singapore) 216.7. Old (2017) and
 *   not AWS's own: an assumption backed by measurements, not a guarantee;
 * - within the home region: DynamoDB's "single-digit millisecond performance at any scale"
 *   (https://docs.aws.amazon.com/wellarchitected/latest/serverless-applications-lens/capacity.html):
 *   10 ms is taken for a request from a Lambda in the same region (an assumption at the top of that range);
 * - to PagerDuty: no figure is published for where events.pagerduty.com answers from; we assume an
 *   80 ms round trip from us-east-1 (a US-to-US figure of the table above) and the table's
 *   us-east-1 figure added for the other regions, three round trips for a fresh HTTPS request (TCP,
 *   TLS 1.3, the request) and 100 ms of processing. All of it an assumption.
 */
import { once } from 'node:events';
import { join, resolve } from 'node:path';
import { createServer, request as httpRequest, Agent as HttpAgent } from 'node:http';
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { loadConfigFile, parseCheck, parseConfig, type Check } from '../contracts/config';
import type { Notification } from '../contracts/notification';
import { Outcome, type Cause } from '../contracts/outcomes';
import type { CheckResult } from '../contracts/result';
import { makeServerPki } from '../demo/certs';
import { benchmarkFleet, COST_GOALS_USD, estimateCost, PRICES } from '../lib/cost/estimate';
import { DEFAULT_INCIDENT_COST_ASSUMPTIONS, INCIDENT_COST_ITEMS, incidentCostEntries, passingVerdictWriteUnits } from '../lib/cost/incidents';
import { costCuts } from '../lib/cost/savings';
import { locationLabels } from '../lib/alarms/definitions';
import { planFleet } from '../lib/fleet/plan';
import { Regression, startReplica } from '../demo/replica';
import { IncidentEngine } from '../lambda/incidents/engine';
import { IncidentStore } from '../lambda/incidents/store';
import { createChannels } from '../lambda/notify';
import { runCheck } from '../lambda/probes/confirm';
import { staticTokenStore } from '../lambda/tokens';
import { startLocalDynamo } from '../test/support/dynamodb';
import { startPagerDutyReceiver } from '../test/support/receivers';
import { median, quantile, round } from './stats';
import { DEFAULT_TTP_PARAMS, simulateTimeToPage, type Stagger, type TimeToPageParams, type TimeToPageStats } from './ttp-model';

/** The issue's targets (docs/DESIGN.md#cost-and-time-to-detect, version 3). */
export const TTP_GOALS = {
  60: { meanS: 40, worstS: 75 },
  10: { meanS: 10, worstS: 20 },
  pagesPerIncidentPerChannel: 1,
  resolvesPerIncidentPerChannel: 1,
  fleetOutagePages: 10,
} as const;

/** The bench's locations (issue 14's seed locations), home first. */
export const TTP_LOCATIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-1'] as const;
const HOME = TTP_LOCATIONS[0];

/** Round trips from the home region (us-east-1), seconds: the table cited above; home: DynamoDB's single-digit ms (10 ms). */
export const NETWORK_RTT_S: Readonly<Record<(typeof TTP_LOCATIONS)[number], number>> = {
  'us-east-1': 0.01,
  'eu-west-1': 0.08055,
  'ap-southeast-1': 0.2167,
};
/** Assumptions (see the header): PagerDuty 80 ms from us-east-1, plus the region's RTT to us-east-1; 3 RTT a fresh request; 100 ms processing. */
export const PAGERDUTY = { rttFromHomeS: 0.08, roundTripsPerRequest: 3, processingS: 0.1 } as const;

/** A Stats3 as results.json keeps it. */
export interface Stats3 {
  readonly meanS: number;
  readonly p95S: number;
  readonly worstS: number;
}

interface Measured {
  readonly medianMs: number;
  readonly p90Ms: number;
  readonly samples: number;
}

export interface TimeToPageResult {
  readonly locations: readonly string[];
  readonly quorum: number;
  readonly retryDelayMs: { readonly checks60s: number; readonly checks10s: number };
  readonly latenessS: readonly [number, number];
  readonly measured: {
    readonly probeFailingAttemptMs: Record<string, Measured>;
    readonly storeRoundTripMs: Measured & { readonly baselineMs: number; readonly ratio: number };
    readonly deliveryMs: Measured & { readonly baselineMs: number; readonly ratio: number };
  };
  readonly modelled: { readonly networkRttS: Record<string, number>; readonly pagerDuty: typeof PAGERDUTY };
  readonly scenarios: Record<string, Stats3 & { readonly stagger: Stagger; readonly parts: TimeToPageStats['parts']; readonly sleepS?: number }>;
  readonly staggerRecommendation: string;
  readonly engine: EngineFigures;
  readonly incidentCost: IncidentCost;
}

/** Cost with the incident pipeline (lib/cost/incidents.ts), 100 checks, and the seed's month. */
interface IncidentCost {
  /**
   * All-in per check-month with the pipeline as the engine records (a read per check-run, a write
   * only of a changed verdict or one run in three for a steady one), its share, and the engine
   * before (a write of every verdict, no read).
   */
  readonly checks60s: { readonly perCheckMonthUsd: number; readonly incidentsUsd: number; readonly everyVerdictWrittenPerCheckMonthUsd: number };
  readonly checks10s: { readonly perCheckMonthUsd: number; readonly incidentsUsd: number; readonly everyVerdictWrittenPerCheckMonthUsd: number };
  /** The seed (2 checks at 60 s, one region), a month: before the pipeline, with it, after the proposed cuts. */
  readonly seedMonthUsd: {
    readonly beforeIncidents: number;
    readonly deployed: number;
    readonly afterCuts: number;
    readonly afterCutsKeepingDashboard: number;
  };
}

/** The engine before it wrote only changed verdicts: a write of every verdict, no read of the check item. */
const EVERY_VERDICT_WRITTEN = { verdictWriteShare: 1, checkReadUnitsPerCheckRun: 0 } as const;

function incidentCost(): IncidentCost {
  const isIncident = (item: string) => (INCIDENT_COST_ITEMS as readonly string[]).includes(item);
  const group = (intervalSeconds: 60 | 10) => {
    const config = benchmarkFleet({ checks: 100, intervalSeconds });
    const r = estimateCost(config);
    const inc = r.lines.filter((l) => isIncident(l.item)).reduce((a, l) => a + l.usd, 0);
    const before = incidentCostEntries(
      { config, plan: planFleet(config), locations: locationLabels(config), cost: r.assumptions },
      EVERY_VERDICT_WRITTEN,
    ).reduce((a, e) => a + e.quantity * PRICES[e.price].usd, 0);
    return {
      perCheckMonthUsd: round(r.perCheckMonthUsd, 4),
      incidentsUsd: round(inc / 100, 4),
      everyVerdictWrittenPerCheckMonthUsd: round((r.totalUsd - inc + before) / 100, 4),
    };
  };
  const seed = loadConfigFile(join(resolve(__dirname, '..'), 'config', 'default.json'));
  const seedReport = estimateCost(seed);
  const cuts = costCuts(seed);
  const seedIncidents = seedReport.lines.filter((l) => isIncident(l.item)).reduce((a, l) => a + l.usd, 0);
  return {
    checks60s: group(60),
    checks10s: group(10),
    seedMonthUsd: {
      beforeIncidents: round(seedReport.totalUsd - seedIncidents, 2),
      deployed: round(cuts.deployedUsd, 2),
      afterCuts: round(cuts.afterUsd, 2),
      afterCutsKeepingDashboard: round(cuts.afterKeepingDashboardUsd, 2),
    },
  };
}

interface EngineFigures {
  /** One incident of the seed (2 checks on one host, 3 locations, quorum 2), with a change of cause: what the PagerDuty receiver got. */
  readonly perIncident: { readonly triggers: number; readonly updates: number; readonly resolves: number; readonly incidents: number };
  /** 1,000 checks on 10 hosts all refusing, from 3 locations: triggers at the receiver. */
  readonly fleetOutage: { readonly checks: number; readonly hosts: number; readonly pages: number };
  /** Consumed units per check-run and location in steady state (healthy), and per invocation (the run claim). */
  readonly unitsPerCheckRun: { readonly wru: number; readonly rru: number; readonly claimWru: number };
}

const BENCH_TOKEN = 'bench-token-7c1d9e3a5b20f4e8';
const ROUTING_KEY = 'R0123456789ABCDEF0123456789ABCDE';

async function timeMs(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

const summarize = (xs: readonly number[]): Measured => ({ medianMs: round(median(xs), 2), p90Ms: round(quantile(xs, 0.9), 2), samples: xs.length });

/** The seed's two checks pointed at the replica. */
function seedChecks(replica: { wsUrl: string; apiUrl: string }): { ws: Check; http: Check } {
  return {
    ws: parseCheck({
      name: 'chat-websocket',
      kind: 'websocket',
      url: replica.wsUrl,
      origin: 'https://indexo.ir',
      settleMs: 1000,
      auth: { in: 'query', param: 'token' },
    }),
    http: parseCheck({ name: 'buyer-orders', kind: 'http', url: replica.apiUrl, expectStatus: 200, auth: { in: 'header', scheme: 'Token' } }),
  };
}

/** Failing attempts of the real probe (no retry: one attempt each) against the replica's regressions. */
async function measureProbe(samples: number): Promise<Record<string, number[]>> {
  const replica = await startReplica({ token: BENCH_TOKEN });
  const { ws, http } = seedChecks(replica);
  const out: Record<string, number[]> = {};
  // DRF without TokenAuthentication answers 403 (SessionAuthentication has no WWW-Authenticate), not 401.
  const cases: Array<[string, Regression, Check, Outcome]> = [
    ['originRejected', Regression.ORIGIN_REJECTED, ws, Outcome.FORBIDDEN],
    ['tokenAuthRemoved', Regression.TOKEN_AUTH_REMOVED, http, Outcome.FORBIDDEN],
    ['refusing', Regression.REFUSING, http, Outcome.REFUSED],
  ];
  try {
    for (const [name, regression, check, expected] of cases) {
      await replica.set(regression);
      const times: number[] = [];
      for (let i = 0; i < samples + 2; i++) {
        let outcome: string | undefined;
        const ms = await timeMs(async () => {
          outcome = (await runCheck(check, { ca: replica.ca, token: replica.token, noRetry: true })).outcome;
        });
        if (outcome !== expected) throw new Error(`the probe of ${check.name} against "${regression}" reported ${outcome}, expected ${expected}`);
        if (i >= 2) times.push(ms);
      }
      out[name] = times;
    }
  } finally {
    await replica.close();
  }
  return out;
}

/** The SDK's conditional writes against dynalite, and a bare loopback POST of the same size (keep-alive both). */
async function measureStore(samples: number): Promise<{ sdk: number[]; raw: number[] }> {
  const dynamo = await startLocalDynamo();
  const echo = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' }).end('{}'));
  });
  echo.listen(0, '127.0.0.1');
  await once(echo, 'listening');
  const agent = new HttpAgent({ keepAlive: true });
  const port = (echo.address() as AddressInfo).port;
  const body = JSON.stringify({
    TableName: 'bench',
    Key: { pk: { S: 'c#chat-websocket' } },
    UpdateExpression: 'SET #v = :v',
    ConditionExpression: 'attribute_not_exists(#r) OR #r < :r',
    padding: 'x'.repeat(400),
  });
  const rawPost = () =>
    new Promise<void>((resolve, reject) => {
      const req = httpRequest(
        { host: '127.0.0.1', port, method: 'POST', path: '/', agent, headers: { 'content-type': 'application/x-amz-json-1.0' } },
        (res) => {
          res.resume();
          res.on('end', resolve);
        },
      );
      req.setTimeout(5000, () => req.destroy(new Error('raw POST timed out')));
      req.on('error', reject);
      req.end(body);
    });
  try {
    await dynamo.createTable('bench');
    const store = new IncidentStore(dynamo.client, 'bench');
    const sdk: number[] = [];
    const raw: number[] = [];
    for (let i = 0; i < samples + 5; i++) {
      // Interleaved: the conditional put of a run claim, then a conditional update of a check item.
      const a = await timeMs(() => store.putNew({ pk: { S: `run#60s-0#us-east-1#${i}` }, ttl: { N: '1' } }));
      const b = await timeMs(() =>
        store.update({
          pk: 'c#chat-websocket',
          set: '#v = :v, #r = :r',
          condition: 'attribute_not_exists(#r) OR #r < :r',
          names: { '#v': 'v:us-east-1', '#r': 'r:us-east-1' },
          values: { ':v': { S: 'x'.repeat(300) }, ':r': { N: String(i + 1) } },
        }),
      );
      const c = await timeMs(rawPost);
      if (i >= 5) {
        sdk.push(a, b);
        raw.push(c);
      }
    }
    return { sdk, raw };
  } finally {
    agent.destroy();
    echo.closeAllConnections();
    echo.close();
    await dynamo.close();
  }
}

/** A notification as the engine builds it (the seed's first regression). */
function sampleNotification(): Notification {
  const at = new Date().toISOString();
  return {
    action: 'trigger',
    dedupKey: 'synthmon/bench/i-endpoint-multivendor-backend.indexo.ir-1',
    severity: 'critical',
    kind: 'endpoint',
    monitor: 'bench',
    checks: ['chat-websocket'],
    host: 'multivendor-backend.indexo.ir',
    outcome: Outcome.FORBIDDEN,
    cause: 'origin_rejected' as Cause,
    status: 403,
    summary: 'chat-websocket: forbidden — the origin https://indexo.ir was rejected (ALLOWED_HOSTS); add the front-end origin back',
    message: 'The WebSocket upgrade was refused with HTTP 403 for Origin https://indexo.ir, while the host itself is allowed.',
    fix: 'Add .indexo.ir (or indexo.ir) back to ALLOWED_HOSTS and restart the ASGI server.',
    evidence: { status: 403, body: 'Forbidden' },
    locations: TTP_LOCATIONS.slice(0, 2).map((location) => ({
      location,
      outcome: Outcome.FORBIDDEN,
      cause: 'origin_rejected' as Cause,
      status: 403,
      at,
    })),
    firstFailureAt: at,
    at,
  };
}

/** The PagerDuty channel to a loopback HTTPS receiver (fresh connection per attempt), and a raw https.request of the same body. */
async function measureDelivery(samples: number): Promise<{ channel: number[]; raw: number[] }> {
  const pki = makeServerPki();
  const receiver = await startPagerDutyReceiver({ routingKeys: [ROUTING_KEY], tls: { cert: pki.server, ca: pki.ca } });
  const [pagerDuty] = createChannels(
    { pagerDuty: { routingKey: 'pd', url: receiver.url } },
    { secrets: staticTokenStore({ pd: ROUTING_KEY }), ca: pki.ca },
  );
  const n = sampleNotification();
  const body = JSON.stringify({
    routing_key: ROUTING_KEY,
    event_action: 'trigger',
    dedup_key: n.dedupKey,
    payload: { summary: n.summary, source: 'us-east-1', severity: 'critical' },
  });
  const url = new URL(receiver.url);
  const raw = () =>
    new Promise<void>((resolve, reject) => {
      const agent = new HttpsAgent({ keepAlive: false, ca: pki.ca });
      const req = httpsRequest(
        { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent, headers: { 'content-type': 'application/json' } },
        (res) => {
          res.resume();
          res.on('end', () => {
            agent.destroy();
            if (res.statusCode === 202) resolve();
            else reject(new Error(`raw POST got HTTP ${res.statusCode}`));
          });
        },
      );
      req.setTimeout(5000, () => req.destroy(new Error('raw POST timed out')));
      req.on('error', (err) => {
        agent.destroy();
        reject(err);
      });
      req.end(body);
    });
  try {
    const channel: number[] = [];
    const rawTimes: number[] = [];
    for (let i = 0; i < samples + 3; i++) {
      let ok = false;
      const a = await timeMs(async () => {
        ok = (await pagerDuty!.deliver({ ...n, dedupKey: `${n.dedupKey}-${i}` }, { deadline: Date.now() + 10_000 })).ok;
      });
      if (!ok) throw new Error('the PagerDuty channel did not deliver to the loopback receiver');
      const b = await timeMs(raw);
      if (i >= 3) {
        channel.push(a);
        rawTimes.push(b);
      }
    }
    return { channel, raw: rawTimes };
  } finally {
    await receiver.close();
  }
}

function result(check: string, url: string, outcome: Outcome, at: number, cause?: Cause): CheckResult {
  const ok = outcome === Outcome.OK;
  const status = outcome === Outcome.FORBIDDEN ? 403 : outcome === Outcome.UNAUTHORIZED ? 401 : ok ? 200 : undefined;
  return {
    check,
    kind: 'http',
    url,
    ok,
    outcome,
    ...(status !== undefined ? { status } : {}),
    ...(cause ? { cause } : {}),
    attempts: ok ? 1 : 2,
    message: ok ? 'HTTP 200 as expected in 120 ms' : `${outcome}: the endpoint answered ${status ?? 'nothing'}`,
    ...(ok ? {} : { fix: `what to change for ${outcome}` }),
    timings: { totalMs: 120 },
    startedAt: new Date(at).toISOString(),
  };
}

/** The real engine on dynalite: notifications per incident, a fleet-wide outage, units per run. */
async function measureEngine(): Promise<EngineFigures> {
  const dynamo = await startLocalDynamo();
  const pki = makeServerPki();
  const receiver = await startPagerDutyReceiver({ routingKeys: [ROUTING_KEY], tls: { cert: pki.server, ca: pki.ca } });
  // Every call asks for its consumed capacity, summed here (what DynamoDB would bill).
  const units = { wru: 0, rru: 0 };
  dynamo.client.middlewareStack.add(
    (next, context) => async (args) => {
      (args.input as { ReturnConsumedCapacity?: string }).ReturnConsumedCapacity = 'TOTAL';
      const out = await next(args);
      const cc = (out.output as { ConsumedCapacity?: { CapacityUnits?: number } | Array<{ CapacityUnits?: number }> }).ConsumedCapacity;
      const total = (Array.isArray(cc) ? cc : cc ? [cc] : []).reduce((s, c) => s + (c.CapacityUnits ?? 0), 0);
      if (/^(Get|BatchGet|Query|Scan)/.test(context.commandName ?? '')) units.rru += total;
      else units.wru += total;
      return out;
    },
    { step: 'initialize', name: 'benchConsumedCapacity' },
  );
  try {
    const channels = createChannels(
      { pagerDuty: { routingKey: 'pd', url: receiver.url } },
      { secrets: staticTokenStore({ pd: ROUTING_KEY }), ca: pki.ca },
    );
    const engines = (table: string) =>
      TTP_LOCATIONS.map(
        (location) =>
          new IncidentEngine({
            store: new IncidentStore(dynamo.client, table),
            monitor: 'bench',
            location,
            quorum: 2,
            resolveAfterRuns: 2,
            channels,
            log: () => {},
          }),
      );
    const t0 = Date.UTC(2026, 11, 4, 12);
    const run = async (es: IncidentEngine[], minute: number, results: (location: string, at: number) => CheckResult[], names: readonly string[]) => {
      for (const [i, e] of es.entries()) {
        const at = t0 + minute * 60_000 + i * 7_000;
        await e.record(results(TTP_LOCATIONS[i]!, at), { at, intervals: new Map(names.map((c) => [c, 60])), deadline: Date.now() + 30_000 });
      }
    };

    // One incident of the seed: healthy, origin rejected, token authentication removed (a change of cause), healthy.
    await dynamo.createTable('seed');
    const seed = engines('seed');
    const host = 'https://multivendor-backend.indexo.ir';
    const names = ['chat-websocket', 'buyer-orders'];
    const phase = (m: number): [Outcome, Cause | undefined] =>
      m < 2
        ? [Outcome.OK, undefined]
        : m < 5
          ? [Outcome.FORBIDDEN, 'origin_rejected' as Cause]
          : m < 8
            ? [Outcome.UNAUTHORIZED, 'credentials_not_recognized' as Cause]
            : [Outcome.OK, undefined];
    for (let m = 0; m < 12; m++) {
      const [outcome, cause] = phase(m);
      await run(seed, m, (_, at) => names.map((c) => result(c, `${host}/${c}`, outcome, at, cause)), names);
    }
    const alerts = receiver.alerts();
    const perIncident = {
      incidents: alerts.length,
      triggers: receiver.events.filter((e) => e.event_action === 'trigger').length,
      updates: alerts.reduce((s, a) => s + a.triggers.length - 1, 0),
      resolves: receiver.events.filter((e) => e.event_action === 'resolve').length,
    };

    // Steady state: units per check-run and location (healthy), and the run claim. A steady verdict is
    // written one run in three (lambda/incidents/engine.ts): warm up three runs, then average over six.
    await dynamo.createTable('units');
    const steady = engines('units');
    const many = Array.from({ length: 20 }, (_, i) => `api-${i}`);
    const healthy = (_: string, at: number) => many.map((c, i) => result(c, `https://backend-${i % 10}.example.com/${c}`, Outcome.OK, at));
    for (let m = 0; m < 3; m++) await run(steady, m, healthy, many);
    units.wru = 0;
    units.rru = 0;
    const measured = 6;
    for (let m = 3; m < 3 + measured; m++) await run(steady, m, healthy, many);
    const checkRuns = measured * many.length * TTP_LOCATIONS.length;
    const perCheckRun = { wru: round(units.wru / checkRuns, 3), rru: round(units.rru / checkRuns, 3) };
    units.wru = 0;
    await steady[0]!.claimRun({ shard: '60s-0', location: HOME, scheduledTime: new Date(t0).toISOString() });
    const claimWru = units.wru;

    // 1,000 checks on 10 hosts, all refusing, from every location.
    await dynamo.createTable('fleet');
    const fleet = engines('fleet');
    const thousand = Array.from({ length: 1000 }, (_, i) => `check-${String(i).padStart(4, '0')}`);
    const before = receiver.events.filter((e) => e.event_action === 'trigger').length;
    for (let m = 0; m < 3; m++) {
      const outcome = m === 0 ? Outcome.OK : Outcome.REFUSED;
      await run(fleet, m, (_, at) => thousand.map((c, i) => result(c, `https://host-${i % 10}.example.com/${c}`, outcome, at)), thousand);
    }
    const pages = receiver.events.filter((e) => e.event_action === 'trigger').length - before;
    return { perIncident, fleetOutage: { checks: 1000, hosts: 10, pages }, unitsPerCheckRun: { ...perCheckRun, claimWru } };
  } finally {
    await receiver.close();
    await dynamo.close();
  }
}

const stats3 = (s: TimeToPageStats): Stats3 => ({ meanS: round(s.meanS, 1), p95S: round(s.p95S, 1), worstS: round(s.worstS, 1) });

/** Run the section: measure, model, print; returns the `timeToPage` key of bench/results.json. */
export async function timeToPageSection(quick: boolean, log: (line?: string) => void): Promise<TimeToPageResult> {
  const samples = quick ? 10 : 40;
  const defaults60 = parseConfig({ checks: [{ name: 'x', kind: 'http', url: 'https://example.com/' }] }).checks[0]!;
  const defaults10 = parseConfig({ intervalSeconds: 10, checks: [{ name: 'x', kind: 'http', url: 'https://example.com/' }] }).checks[0]!;

  const probe = await measureProbe(samples);
  for (const [name, xs] of Object.entries(probe))
    log(
      `probe, failing attempt (${name}): median ${median(xs).toFixed(1)} ms, p90 ${quantile(xs, 0.9).toFixed(1)} ms (n=${xs.length}, runCheck against the replica)`,
    );
  const store = await measureStore(samples * 2);
  const storeRatio = median(store.sdk) / median(store.raw);
  log(
    `store round trip (SDK conditional PutItem / UpdateItem → dynalite): median ${median(store.sdk).toFixed(2)} ms vs bare loopback POST ${median(store.raw).toFixed(2)} ms → ×${storeRatio.toFixed(1)}`,
  );
  const delivery = await measureDelivery(samples);
  const deliveryRatio = median(delivery.channel) / median(delivery.raw);
  log(
    `delivery (PagerDuty channel → loopback HTTPS receiver, fresh TLS): median ${median(delivery.channel).toFixed(2)} ms vs raw https.request ${median(delivery.raw).toFixed(2)} ms → ×${deliveryRatio.toFixed(2)}`,
  );

  const localStoreS = median(store.sdk) / 1000;
  const localDeliveryS = median(delivery.channel) / 1000;
  const storeRttS = Object.fromEntries(TTP_LOCATIONS.map((l) => [l, NETWORK_RTT_S[l] + localStoreS]));
  const deliveryS = Object.fromEntries(
    TTP_LOCATIONS.map((l) => [
      l,
      localDeliveryS + PAGERDUTY.roundTripsPerRequest * (PAGERDUTY.rttFromHomeS + (l === HOME ? 0 : NETWORK_RTT_S[l])) + PAGERDUTY.processingS,
    ]),
  );
  log(
    `modelled: table round trip ${TTP_LOCATIONS.map((l) => `${l} ${(storeRttS[l]! * 1000).toFixed(0)} ms`).join(', ')}; ` +
      `page delivery ${TTP_LOCATIONS.map((l) => `${l} ${(deliveryS[l]! * 1000).toFixed(0)} ms`).join(', ')}; Scheduler lateness ${DEFAULT_TTP_PARAMS.latenessS.join('–')} s`,
  );
  const params: TimeToPageParams = {
    ...DEFAULT_TTP_PARAMS,
    ...(quick ? { trials: 1000 } : {}),
    failingAttemptsS: probe.originRejected!.map((ms) => ms / 1000),
    storeRttS,
    deliveryS,
  };

  const one = [HOME];
  const three = [...TTP_LOCATIONS];
  const scenarios: Array<[string, number, readonly string[], number, Stagger]> = [
    ['checks60s1Location', 60, one, 1, 'none'],
    ['checks60s3LocationsQuorum2', 60, three, 2, 'none'],
    ['checks60s3LocationsQuorum2Sleep', 60, three, 2, 'sleep'],
    ['checks10s1Location', 10, one, 1, 'none'],
    ['checks10s3LocationsQuorum2', 10, three, 2, 'none'],
    ['checks10s3LocationsQuorum2Ticks', 10, three, 2, 'ticks'],
  ];
  const out: TimeToPageResult['scenarios'] = {};
  log(
    `${'scenario'.padEnd(34)} ${'mean'.padStart(7)} ${'p95'.padStart(7)} ${'worst'.padStart(7)}   target (mean / worst)   parts (wait + confirm + store + delivery, mean)`,
  );
  for (const [name, interval, locations, quorum, stagger] of scenarios) {
    const retryDelayMs = interval === 60 ? defaults60.retryDelayMs : defaults10.retryDelayMs;
    const s = simulateTimeToPage({ name, intervalSeconds: interval, locations, quorum, retryDelayMs, stagger }, params);
    const goal = TTP_GOALS[interval as 60 | 10];
    const met = s.meanS <= goal.meanS && s.worstS <= goal.worstS;
    out[name] = {
      ...stats3(s),
      stagger,
      parts: {
        waitS: round(s.parts.waitS, 2),
        confirmS: round(s.parts.confirmS, 2),
        storeS: round(s.parts.storeS, 2),
        deliveryS: round(s.parts.deliveryS, 2),
      },
      ...(stagger === 'sleep' ? { sleepS: round(s.sleepS, 1) } : {}),
    };
    log(
      `${name.padEnd(34)} ${s.meanS.toFixed(1).padStart(6)}s ${s.p95S.toFixed(1).padStart(6)}s ${s.worstS.toFixed(1).padStart(6)}s   ≤ ${goal.meanS} s / ≤ ${goal.worstS} s ${met ? 'met   ' : 'MISSED'}  ` +
        `${s.parts.waitS.toFixed(1)} + ${s.parts.confirmS.toFixed(1)} + ${s.parts.storeS.toFixed(2)} + ${s.parts.deliveryS.toFixed(2)} s` +
        (stagger === 'sleep' ? `; Lambda sleeps ${s.sleepS.toFixed(0)} s per invocation` : ''),
    );
  }
  const sleepRow = out.checks60s3LocationsQuorum2Sleep!;
  const plain60 = out.checks60s3LocationsQuorum2!;
  const plain10 = out.checks10s3LocationsQuorum2!;
  const ticks10 = out.checks10s3LocationsQuorum2Ticks!;
  // 0.5 GB × 43,800 invocations × the mean sleep × $0.0000133334 per GB-s, per shard and location.
  const sleepUsd = 0.5 * 43_800 * (sleepRow.sleepS ?? 0) * 0.0000133334;
  const staggerRecommendation =
    `10 s checks: stagger the locations' ticks over the interval (free: the invocation spans the minute anyway; lambda/runner.ts does it, staggeredBase): worst ${plain10.worstS} → ${ticks10.worstS} s, p95 ${plain10.p95S} → ${ticks10.p95S} s, mean unchanged. ` +
    `60 s checks: do not stagger: cron has no seconds field and a rate schedule's phase is not ours, so a stagger means sleeping ${sleepRow.sleepS} s per invocation ` +
    `(about $${sleepUsd.toFixed(2)} a month per shard and location at 512 MB) to bring the worst case from ${plain60.worstS} to ${sleepRow.worstS} s, already under 75 s without it.`;
  log(staggerRecommendation);

  const engine = await measureEngine();
  log(
    `engine on dynalite, 3 locations, quorum 2, one PagerDuty channel: one incident of the seed (origin rejected, then token auth removed, then healthy) → ` +
      `${engine.perIncident.incidents} incident, ${engine.perIncident.triggers} trigger(s) (${engine.perIncident.updates} of them the update on the change of cause), ${engine.perIncident.resolves} resolve(s)`,
  );
  log(`1,000 checks on 10 hosts all refusing, 3 locations → ${engine.fleetOutage.pages} pages (target ≤ ${TTP_GOALS.fleetOutagePages})`);
  log(
    `units per check-run and location (healthy, 3 locations, consumed capacity as dynalite computes it): ${engine.unitsPerCheckRun.wru.toFixed(2)} WRU, ${engine.unitsPerCheckRun.rru.toFixed(2)} RRU; ` +
      `run claim ${engine.unitsPerCheckRun.claimWru} WRU (lib/cost/incidents.ts assumes ${passingVerdictWriteUnits(3)} WRU per written verdict with 3 locations, ` +
      `${+DEFAULT_INCIDENT_COST_ASSUMPTIONS.verdictWriteShare.toFixed(3)} of them written, ${DEFAULT_INCIDENT_COST_ASSUMPTIONS.checkReadUnitsPerCheckRun} RRU per check-run and ${DEFAULT_INCIDENT_COST_ASSUMPTIONS.readUnitsPerHostRun} RRU per host-run)`,
  );

  const cost = incidentCost();
  for (const [label, g, goal] of [
    ['60 s', cost.checks60s, COST_GOALS_USD.standard],
    ['10 s', cost.checks10s, COST_GOALS_USD.fast],
  ] as const) {
    log(
      `cost per check-month, 100 checks every ${label}, with the pipeline: $${g.perCheckMonthUsd.toFixed(3)} (pipeline $${g.incidentsUsd.toFixed(3)}; goal ≤ $${goal.toFixed(2)} ` +
        `${g.perCheckMonthUsd <= goal ? 'met' : 'MISSED'}); writing every verdict (the engine before): $${g.everyVerdictWrittenPerCheckMonthUsd.toFixed(3)}`,
    );
  }
  const seedUsd = cost.seedMonthUsd;
  log(
    `the seed (2 checks at 60 s, one region), a month: $${seedUsd.beforeIncidents.toFixed(2)} before the pipeline, $${seedUsd.deployed.toFixed(2)} with it; ` +
      `AWS managed topic key + 256 MB + no dashboard: $${seedUsd.afterCuts.toFixed(2)} (dashboard kept: $${seedUsd.afterCutsKeepingDashboard.toFixed(2)}); goal ≤ $6.00`,
  );

  return {
    incidentCost: cost,
    locations: three,
    quorum: 2,
    retryDelayMs: { checks60s: defaults60.retryDelayMs, checks10s: defaults10.retryDelayMs },
    latenessS: DEFAULT_TTP_PARAMS.latenessS,
    measured: {
      probeFailingAttemptMs: Object.fromEntries(Object.entries(probe).map(([k, xs]) => [k, summarize(xs)])),
      storeRoundTripMs: { ...summarize(store.sdk), baselineMs: round(median(store.raw), 2), ratio: round(storeRatio, 2) },
      deliveryMs: { ...summarize(delivery.channel), baselineMs: round(median(delivery.raw), 2), ratio: round(deliveryRatio, 2) },
    },
    modelled: { networkRttS: { ...NETWORK_RTT_S }, pagerDuty: PAGERDUTY },
    scenarios: out,
    staggerRecommendation,
    engine,
  };
}
