/**
 * What the incident pipeline adds to the monthly bill (DESIGN §11 and §12): the home region's
 * on-demand DynamoDB table (its write and read request units and storage), the runner time spent
 * waiting on the table before probing, the backstop notifier behind the alarms' EventBridge rule, and
 * the SNS publishes of the SNS channels (e-mail, Amazon Q Developer). The estimate
 * (lib/cost/estimate.ts) adds these lines to its book; the benchmark prints them.
 *
 * The writes and reads per run follow the engine's protocol (docs/DESIGN.md#incidents):
 *
 * - every shard invocation in every location makes one conditional put keyed by shard, location and
 *   scheduled time before probing, so a duplicated Lambda delivery never counts twice;
 * - it reads the shard's open incidents once (eventually consistent, one item ≤ 4 KB: half a read
 *   unit), so passing runs need no write unless an incident is open;
 * - a failed run writes its location's verdict (outcome, cause, message, fix, evidence: ≤ 2 KB);
 * - an incident writes its open (conditional), one update, its resolve, and the passing verdicts
 *   that count towards resolution (`resolveAfterRuns`, default 2, in every location).
 *
 * A passing run of a check with no open incident writes nothing: that is what keeps the table at
 * cents for 100 checks. Everything here is an assumption (IncidentCostAssumptions) or a price from
 * ./prices.json with its source.
 */
import { homeRegionOf, type MonitorConfig } from '../../contracts/config';
import type { IntervalSeconds } from '../../contracts/fleet';
import type { FleetPlan } from '../fleet/plan';
import { fmtInt } from './format';
import { SECONDS_PER_MONTH, type PriceName } from './prices';
import type { CostAssumptions, CostScale } from './report';

/** The line items the incident pipeline adds, in the order they print (report.ts spreads them into COST_ITEMS). */
export const INCIDENT_COST_ITEMS = [
  'Incidents: DynamoDB writes',
  'Incidents: DynamoDB reads',
  'Incidents: DynamoDB storage',
  'Incidents: runner time on the store',
  'Incidents: backstop notifier requests',
  'Incidents: backstop notifier compute',
  'Incidents: SNS publishes',
  'Incidents: SNS e-mail deliveries',
] as const;
export type IncidentCostItem = (typeof INCIDENT_COST_ITEMS)[number];

/** Everything the incident lines assume besides the configuration, the fleet plan and the prices. */
export interface IncidentCostAssumptions {
  /** Conditional puts per shard invocation and location before probing (the duplicate-delivery guard). @default 1 */
  readonly dedupWritesPerInvocation: number;
  /** Read request units per shard invocation and location: the shard's open incidents, one eventually consistent read ≤ 4 KB. @default 0.5 */
  readonly readUnitsPerInvocation: number;
  /** Write request units of one failed run's verdict (an item up to 2 KB: message, fix, redacted evidence). @default 2 */
  readonly writeUnitsPerFailedRun: number;
  /** Incidents per check-month (each: open, one update, resolve). @default 2 */
  readonly incidentsPerCheckMonth: number;
  /** Passing runs at quorum that resolve an incident (`incidents.resolveAfterRuns`). @default 2 */
  readonly resolveAfterRuns: number;
  /** Round trip to the table from its own region, seconds (billed runner time before probing). @default 0.01 */
  readonly storeRoundTripSeconds: number;
  /**
   * Round trip to the table from another region, seconds. @default 0.22 - the largest of the seed
   * locations' figures (us-east-1 to ap-southeast-1, 216.7 ms: third-party measurements, see bench/time-to-page.ts)
   */
  readonly crossRegionRoundTripSeconds: number;
  /** Channels that go through SNS (e-mail, Amazon Q Developer custom notifications). @default 1 */
  readonly snsChannels: number;
  /** E-mail subscriptions of the SNS topic. @default 1 */
  readonly emailSubscriptions: number;
  /** Alarm state changes a month that reach the backstop notifier (Silent, RunnerDropped, CertificateExpiring, channel failing). @default 20 */
  readonly backstopEventsPerMonth: number;
  /** One backstop notifier invocation, seconds, at 128 MB. @default 1 */
  readonly backstopSeconds: number;
  /** Bytes of a duplicate-guard item (kept `dedupTtlDays` by a TTL attribute; TTL deletes are free). @default 200 */
  readonly dedupItemBytes: number;
  /** @default 1 */
  readonly dedupTtlDays: number;
  /** Bytes of a check's state item (verdicts per location, open incident). @default 2048 */
  readonly checkItemBytes: number;
  /** Bytes of a closed incident kept for `incidentRetentionMonths`. @default 4096 */
  readonly incidentItemBytes: number;
  /** @default 3 */
  readonly incidentRetentionMonths: number;
}

export const DEFAULT_INCIDENT_COST_ASSUMPTIONS: IncidentCostAssumptions = {
  dedupWritesPerInvocation: 1,
  readUnitsPerInvocation: 0.5,
  writeUnitsPerFailedRun: 2,
  incidentsPerCheckMonth: 2,
  resolveAfterRuns: 2,
  storeRoundTripSeconds: 0.01,
  crossRegionRoundTripSeconds: 0.22,
  snsChannels: 1,
  emailSubscriptions: 1,
  backstopEventsPerMonth: 20,
  backstopSeconds: 1,
  dedupItemBytes: 200,
  dedupTtlDays: 1,
  checkItemBytes: 2048,
  incidentItemBytes: 4096,
  incidentRetentionMonths: 3,
};

/** One line to add to the estimate's book (the shape of LineBook.add in lib/cost/estimate.ts). */
export interface IncidentCostEntry {
  readonly item: IncidentCostItem;
  readonly intervalSeconds?: IntervalSeconds;
  readonly quantity: number;
  readonly unit: string;
  readonly price: PriceName;
  readonly basis: string;
  readonly scalesWith: CostScale;
}

/** Storage is billed per GB; 10^9 bytes errs on the high side of 2^30 (as the log lines do). */
const BYTES_PER_GB = 1e9;
const BACKSTOP_MEMORY_GB = 128 / 1024;
const DAY_S = 86_400;

/**
 * The incident pipeline's lines for a configuration's fleet. `locations` are the estimate's location
 * labels (one `default` for a single-region monitor); `cost` supplies the runner's memory and the
 * failure rate the rest of the estimate uses.
 */
export function incidentCostEntries(
  input: { readonly config: MonitorConfig; readonly plan: FleetPlan; readonly locations: readonly string[]; readonly cost: Pick<CostAssumptions, 'memoryMb' | 'failureRate'> },
  overrides: Partial<IncidentCostAssumptions> = {},
): IncidentCostEntry[] {
  const a: IncidentCostAssumptions = { ...DEFAULT_INCIDENT_COST_ASSUMPTIONS, ...overrides };
  const { config, plan, locations, cost } = input;
  const L = locations.length;
  const home = homeRegionOf(config);
  // A single-location monitor runs in the home region; otherwise the locations other than home pay a cross-region round trip.
  const remote = L === 1 ? 0 : locations.filter((l) => l !== home).length;
  const gb = cost.memoryMb / 1024;
  const out: IncidentCostEntry[] = [];
  const add = (e: IncidentCostEntry) => {
    if (e.quantity > 0) out.push(e);
  };

  for (const i of [...new Set(plan.shards.map((s) => s.intervalSeconds))].sort((x, y) => x - y)) {
    const shards = plan.shards.filter((s) => s.intervalSeconds === i);
    const fast = shards[0]!.fast;
    const perLocation = shards.length * (SECONDS_PER_MONTH / shards[0]!.invokeEverySeconds);
    const invocations = perLocation * L;
    const checks = shards.reduce((n, s) => n + s.checks.length, 0);
    const runs = (SECONDS_PER_MONTH / i) * L * checks;
    const where = `${shards.length} shard${shards.length === 1 ? '' : 's'} × ${L} location${L === 1 ? '' : 's'}`;
    add({ item: 'Incidents: DynamoDB writes', intervalSeconds: i, quantity: invocations * a.dedupWritesPerInvocation, unit: 'WRU', price: 'dynamodbWriteRequestUnit', scalesWith: 'shards',
      basis: `duplicate guard: ${a.dedupWritesPerInvocation} conditional put per invocation, ${where} (${fmtInt(invocations)} invocations)` });
    add({ item: 'Incidents: DynamoDB writes', intervalSeconds: i, quantity: runs * cost.failureRate * a.writeUnitsPerFailedRun + checks * a.incidentsPerCheckMonth * (3 + a.resolveAfterRuns * L),
      unit: 'WRU', price: 'dynamodbWriteRequestUnit', scalesWith: 'checks',
      basis: `verdicts of failed runs (${(cost.failureRate * 100).toFixed(2)}% of ${fmtInt(runs)} runs × ${a.writeUnitsPerFailedRun} WRU) + ${a.incidentsPerCheckMonth} incidents per check-month × ` +
        `(open + update + resolve + ${a.resolveAfterRuns} passing verdicts × ${L} location${L === 1 ? '' : 's'})` });
    add({ item: 'Incidents: DynamoDB reads', intervalSeconds: i, quantity: invocations * a.readUnitsPerInvocation, unit: 'RRU', price: 'dynamodbReadRequestUnit', scalesWith: 'shards',
      basis: `the shard's open incidents: ${a.readUnitsPerInvocation} RRU per invocation (eventually consistent, ≤ 4 KB), ${where}` });
    if (!fast) {
      // A fast shard bills its whole minute anyway; a 60 s shard waits for the guard's round trip before probing.
      const seconds = perLocation * ((L - remote) * a.storeRoundTripSeconds + remote * a.crossRegionRoundTripSeconds) * a.dedupWritesPerInvocation;
      add({ item: 'Incidents: runner time on the store', intervalSeconds: i, quantity: seconds * gb, unit: 'GB-s', price: 'lambdaGbSecondArm64', scalesWith: 'shards',
        basis: `the guard's round trip before probing: ${a.storeRoundTripSeconds} s in the home region` +
          (remote ? `, ${a.crossRegionRoundTripSeconds} s from ${remote} other region${remote === 1 ? '' : 's'}` : '') + ` × ${gb} GB, ${where}` });
    }
  }

  // Storage: the guard's items live a day, one state item per check, closed incidents kept a while.
  const guardItems = plan.shards.reduce((n, s) => n + (DAY_S / s.invokeEverySeconds) * a.dedupTtlDays, 0) * L;
  const N = config.checks.length;
  const bytes = guardItems * a.dedupItemBytes + N * a.checkItemBytes + N * a.incidentsPerCheckMonth * a.incidentRetentionMonths * a.incidentItemBytes;
  add({ item: 'Incidents: DynamoDB storage', quantity: bytes / BYTES_PER_GB, unit: 'GB-months', price: 'dynamodbStorageGbMonth', scalesWith: 'checks',
    basis: `${fmtInt(guardItems)} guard items × ${a.dedupItemBytes} B + ${N} check items × ${a.checkItemBytes} B + ${a.incidentRetentionMonths} months of incidents × ${a.incidentItemBytes} B` });

  add({ item: 'Incidents: backstop notifier requests', quantity: a.backstopEventsPerMonth, unit: 'requests', price: 'lambdaRequest', scalesWith: 'fleet',
    basis: `${a.backstopEventsPerMonth} alarm state changes a month through the EventBridge rule` });
  add({ item: 'Incidents: backstop notifier compute', quantity: a.backstopEventsPerMonth * a.backstopSeconds * BACKSTOP_MEMORY_GB, unit: 'GB-s', price: 'lambdaGbSecondArm64', scalesWith: 'fleet',
    basis: `${a.backstopSeconds} s × 128 MB per state change` });

  const notifications = N * a.incidentsPerCheckMonth * 3; // trigger, update, resolve
  add({ item: 'Incidents: SNS publishes', quantity: notifications * a.snsChannels, unit: 'requests', price: 'snsPublishRequest', scalesWith: 'checks',
    basis: `${a.snsChannels} SNS channel${a.snsChannels === 1 ? '' : 's'} × (page + update + resolve) per incident` });
  add({ item: 'Incidents: SNS e-mail deliveries', quantity: notifications * a.emailSubscriptions, unit: 'e-mails', price: 'snsEmailNotification', scalesWith: 'checks',
    basis: `${a.emailSubscriptions} e-mail subscription${a.emailSubscriptions === 1 ? '' : 's'} × (page + update + resolve) per incident` });
  return out;
}
