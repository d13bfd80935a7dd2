/**
 * What the incident pipeline adds to the monthly bill (docs/DESIGN.md#cost-and-time-to-detect and docs/DESIGN.md#incidents): the home region's
 * on-demand DynamoDB table (its write and read request units and storage), the runner time spent
 * waiting on the table before probing, the backstop notifier behind the alarms' EventBridge rule, and
 * the SNS publishes of the SNS channels (e-mail, Amazon Q Developer). The estimate
 * (lib/cost/estimate.ts) adds these lines to its book; the benchmark prints them.
 *
 * The writes and reads per run follow the engine's protocol (lambda/incidents/engine.ts, record.ts,
 * docs/DESIGN.md#incidents), and `npm run bench` measures them by running that engine against
 * dynalite with ReturnConsumedCapacity (bench/time-to-page.ts):
 *
 * - every shard invocation in every location claims its run with one conditional put keyed by
 *   shard, location and scheduled time, so a duplicated Lambda delivery never counts twice;
 * - every run reads every check's item (one strongly consistent GetItem) and writes its verdict
 *   (one conditional UpdateItem, billed on the larger of the item before and after: all locations'
 *   verdicts are in it) only when it changed, or one run in three to refresh a steady one;
 * - every run reads the incident items of the hosts it saw (two kinds per host, strongly consistent,
 *   one BatchGetItem);
 * - an incident writes its open, one update and its resolve (each a versioned put of the incident
 *   item, with its outbox).
 *
 * Recording passing verdicts is what the table costs: about 1/3 WRU + 1 RRU per check, run and
 * location (it was 1 WRU when every run wrote its verdict).
 * Everything here is an assumption (IncidentCostAssumptions, defaults from the engine as built) or a
 * price from ./prices.json with its source.
 */
import { BACKSTOP_MEMORY_MB } from '../../contracts/backstop';
import { homeRegionOf, type MonitorConfig } from '../../contracts/config';
import { hostOf } from '../../contracts/incident-keys';
import type { IntervalSeconds } from '../../contracts/fleet';
import type { FleetPlan } from '../fleet/plan';
import { fmtInt } from './format';
import type { IncidentCostItem } from './incident-items';
import { SECONDS_PER_MONTH, type PriceName } from './prices';
import type { CostAssumptions, CostScale } from './report';

export { INCIDENT_COST_ITEMS, type IncidentCostItem } from './incident-items';

/** Everything the incident lines assume besides the configuration, the fleet plan and the prices. */
export interface IncidentCostAssumptions {
  /** Write units of the run claim per shard invocation and location (a key and a TTL: one WRU). @default 1 */
  readonly claimWriteUnitsPerInvocation: number;
  /**
   * Write units of one passing verdict (UpdateItem of the check's item: the larger of before and
   * after, every location's verdict included, per started KB). @default - ceil((locations × 250 B + 200 B) / 1 KB): 1 WRU up to 3 locations, as `npm run bench` measures on dynalite
   */
  readonly passingVerdictWriteUnits?: number;
  /**
   * Share of check-runs that write their verdict. The engine writes a changed verdict at once and
   * refreshes a steady one once every `1 + 2 × STEADY_EXTENSION` runs (lambda/incidents/record.ts):
   * one run in three. @default 1/3
   */
  readonly verdictWriteShare: number;
  /** Read units per check-run spent to learn whether the verdict changed: one strongly consistent GetItem of the check's item (≤ 4 KB). @default 1 */
  readonly checkReadUnitsPerCheckRun: number;
  /** Extra write units of a failed run's verdict (message ≤ 1,500 and fix ≤ 800 characters, evidence). @default 2 */
  readonly failedVerdictExtraWriteUnits: number;
  /** Read units per host a run saw: the host's two incident items (endpoint, monitor), strongly consistent, ≤ 4 KB. @default 2 */
  readonly readUnitsPerHostRun: number;
  /** Incidents per check-month (each: open, one update, resolve: versioned puts of a ≤ 4 KB incident item). @default 2 */
  readonly incidentsPerCheckMonth: number;
  /** Write units of one incident transition (open, update, resolve; the outbox settled in the same item). @default 8 */
  readonly writeUnitsPerTransition: number;
  /** Round trip to the table from its own region, seconds (billed runner time: the claim before probing). @default 0.01 */
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
  /** One backstop notifier invocation, seconds, at BACKSTOP_MEMORY_MB (contracts/backstop.ts). @default 1 */
  readonly backstopSeconds: number;
  /** Bytes of a run claim (kept a day by the TTL attribute; TTL deletes are free). @default 200 */
  readonly claimItemBytes: number;
  /** @default 1 */
  readonly claimTtlDays: number;
  /** Bytes of a check's item per location (verdict, run time, streaks). @default 2048 */
  readonly checkItemBytesPerLocation: number;
  /** Bytes of an incident item (document and outbox), kept `incidentRetentionMonths`. @default 4096 */
  readonly incidentItemBytes: number;
  /** @default 1 */
  readonly incidentRetentionMonths: number;
}

export const DEFAULT_INCIDENT_COST_ASSUMPTIONS: IncidentCostAssumptions = {
  claimWriteUnitsPerInvocation: 1,
  verdictWriteShare: 1 / 3,
  checkReadUnitsPerCheckRun: 1,
  failedVerdictExtraWriteUnits: 2,
  readUnitsPerHostRun: 2,
  incidentsPerCheckMonth: 2,
  writeUnitsPerTransition: 8,
  storeRoundTripSeconds: 0.01,
  crossRegionRoundTripSeconds: 0.22,
  snsChannels: 1,
  emailSubscriptions: 1,
  backstopEventsPerMonth: 20,
  backstopSeconds: 1,
  claimItemBytes: 200,
  claimTtlDays: 1,
  checkItemBytesPerLocation: 2048,
  incidentItemBytes: 4096,
  incidentRetentionMonths: 1,
};

/** Write units of a passing verdict with every location's verdict in the item. */
export function passingVerdictWriteUnits(locations: number): number {
  return Math.ceil((locations * 250 + 200) / 1024);
}

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
/** The backstop notifier's memory as deployed (contracts/backstop.ts). */
const BACKSTOP_MEMORY_GB = BACKSTOP_MEMORY_MB / 1024;
const DAY_S = 86_400;

/** What every step of the incident lines works from. */
interface Fleet {
  readonly a: IncidentCostAssumptions;
  readonly config: MonitorConfig;
  readonly plan: FleetPlan;
  /** Locations (the estimate's labels). */
  readonly L: number;
  /** Locations other than the home region (they pay a cross-region round trip); 0 for a single location. */
  readonly remote: number;
  /** The runner's memory, GB. */
  readonly gb: number;
  readonly failureRate: number;
  /** Write units of one passing verdict. */
  readonly verdictUnits: number;
  /** Distinct hosts per shard (a run reads the incident items of each). */
  readonly hostsOf: (shard: FleetPlan['shards'][number]) => number;
}

/** One interval's shards, as the per-interval lines count them. */
interface IntervalShards {
  readonly i: IntervalSeconds;
  /** Shard invocations a month per location. */
  readonly perLocation: number;
  readonly invocations: number;
  /** Check-runs a month, all locations. */
  readonly runs: number;
  readonly checks: number;
  /** Host-runs a month, all locations. */
  readonly hostRuns: number;
  readonly fast: boolean;
  /** `<n> shards × <L> locations`, for the bases. */
  readonly where: string;
}

/**
 * The incident pipeline's lines for a configuration's fleet. `locations` are the estimate's location
 * labels (one `default` for a single-region monitor); `cost` supplies the runner's memory and the
 * failure rate the rest of the estimate uses.
 */
export function incidentCostEntries(
  input: {
    readonly config: MonitorConfig;
    readonly plan: FleetPlan;
    readonly locations: readonly string[];
    readonly cost: Pick<CostAssumptions, 'memoryMb' | 'failureRate'>;
  },
  overrides: Partial<IncidentCostAssumptions> = {},
): IncidentCostEntry[] {
  const a: IncidentCostAssumptions = { ...DEFAULT_INCIDENT_COST_ASSUMPTIONS, ...overrides };
  const { config, plan, locations, cost } = input;
  const L = locations.length;
  const home = homeRegionOf(config);
  const byName = new Map(config.checks.map((c) => [c.name, c]));
  const fleet: Fleet = {
    a,
    config,
    plan,
    L,
    // A single-location monitor runs in the home region; otherwise the locations other than home pay a cross-region round trip.
    remote: L === 1 ? 0 : locations.filter((l) => l !== home).length,
    gb: cost.memoryMb / 1024,
    failureRate: cost.failureRate,
    verdictUnits: a.passingVerdictWriteUnits ?? passingVerdictWriteUnits(L),
    hostsOf: (s) => new Set(s.checks.map((c) => hostOf(byName.get(c)!.url))).size,
  };
  const intervals = [...new Set(plan.shards.map((s) => s.intervalSeconds))].sort((x, y) => x - y);
  return [
    ...intervals.flatMap((i) => {
      const shards = intervalShards(fleet, i);
      return [claimWrites(fleet, shards), verdictWrites(fleet, shards), reads(fleet, shards), ...(shards.fast ? [] : [storeWait(fleet, shards)])];
    }),
    storage(fleet),
    ...backstopNotifier(fleet),
    ...snsChannels(fleet),
  ].filter((e) => e.quantity > 0);
}

function intervalShards(f: Fleet, i: IntervalSeconds): IntervalShards {
  const shards = f.plan.shards.filter((s) => s.intervalSeconds === i);
  const perLocation = shards.length * (SECONDS_PER_MONTH / shards[0]!.invokeEverySeconds);
  const checks = shards.reduce((n, s) => n + s.checks.length, 0);
  return {
    i,
    perLocation,
    invocations: perLocation * f.L,
    runs: (SECONDS_PER_MONTH / i) * f.L * checks,
    checks,
    // Every tick of a shard reads the incident items of the hosts its checks probe.
    hostRuns: shards.reduce((n, s) => n + f.hostsOf(s), 0) * (SECONDS_PER_MONTH / i) * f.L,
    fast: shards[0]!.fast,
    where: `${shards.length} shard${shards.length === 1 ? '' : 's'} × ${f.L} location${f.L === 1 ? '' : 's'}`,
  };
}

/** The run claims: one conditional put per shard invocation and location. */
function claimWrites({ a }: Fleet, s: IntervalShards): IncidentCostEntry {
  return {
    item: 'Incidents: DynamoDB writes',
    intervalSeconds: s.i,
    quantity: s.invocations * a.claimWriteUnitsPerInvocation,
    unit: 'WRU',
    price: 'dynamodbWriteRequestUnit',
    scalesWith: 'shards',
    basis: `run claims: ${a.claimWriteUnitsPerInvocation} WRU per invocation, ${s.where} (${fmtInt(s.invocations)} invocations)`,
  };
}

/** The verdicts written (changed or refreshed) and the incidents' transitions. */
function verdictWrites({ a, failureRate, verdictUnits }: Fleet, s: IntervalShards): IncidentCostEntry {
  return {
    item: 'Incidents: DynamoDB writes',
    intervalSeconds: s.i,
    quantity:
      s.runs * (a.verdictWriteShare * verdictUnits + failureRate * a.failedVerdictExtraWriteUnits) +
      s.checks * a.incidentsPerCheckMonth * 3 * a.writeUnitsPerTransition,
    unit: 'WRU',
    price: 'dynamodbWriteRequestUnit',
    scalesWith: 'checks',
    basis:
      `verdicts: ${fmtInt(s.runs)} check-runs${a.verdictWriteShare < 1 ? ` × ${+a.verdictWriteShare.toFixed(3)} written` : ''} × ${verdictUnits} WRU ` +
      `(+ ${a.failedVerdictExtraWriteUnits} for the ${(failureRate * 100).toFixed(2)}% that fail); ` +
      `${a.incidentsPerCheckMonth} incidents per check-month × 3 transitions × ${a.writeUnitsPerTransition} WRU`,
  };
}

/** The check items read to write only changed verdicts, and the hosts' incident items. */
function reads({ a }: Fleet, s: IntervalShards): IncidentCostEntry {
  // One entry: the book keeps the first basis of entries it merges (lib/cost/lines.ts).
  return {
    item: 'Incidents: DynamoDB reads',
    intervalSeconds: s.i,
    quantity: s.runs * a.checkReadUnitsPerCheckRun + s.hostRuns * a.readUnitsPerHostRun,
    unit: 'RRU',
    price: 'dynamodbReadRequestUnit',
    scalesWith: 'checks',
    basis:
      (a.checkReadUnitsPerCheckRun > 0
        ? `the check items, to write only changed verdicts: ${fmtInt(s.runs)} check-runs × ${a.checkReadUnitsPerCheckRun} RRU; `
        : '') +
      `incident items of the hosts each run saw: ${fmtInt(s.hostRuns)} host-runs × ${a.readUnitsPerHostRun} RRU (strongly consistent), ${s.where}`,
  };
}

/** A 60 s shard waits for the claim's round trip before probing (a fast shard bills its whole minute anyway). */
function storeWait({ a, L, remote, gb }: Fleet, s: IntervalShards): IncidentCostEntry {
  const seconds = s.perLocation * ((L - remote) * a.storeRoundTripSeconds + remote * a.crossRegionRoundTripSeconds);
  return {
    item: 'Incidents: runner time on the store',
    intervalSeconds: s.i,
    quantity: seconds * gb,
    unit: 'GB-s',
    price: 'lambdaGbSecondArm64',
    scalesWith: 'shards',
    basis:
      `the run claim's round trip before probing: ${a.storeRoundTripSeconds} s in the home region` +
      (remote ? `, ${a.crossRegionRoundTripSeconds} s from ${remote} other region${remote === 1 ? '' : 's'}` : '') +
      ` × ${gb} GB, ${s.where}`,
  };
}

/** Storage: run claims live a day, one item per check, incidents kept a while. */
function storage({ a, config, plan, L }: Fleet): IncidentCostEntry {
  const claims = plan.shards.reduce((n, s) => n + (DAY_S / s.invokeEverySeconds) * a.claimTtlDays, 0) * L;
  const N = config.checks.length;
  const bytes =
    claims * a.claimItemBytes + N * L * a.checkItemBytesPerLocation + N * a.incidentsPerCheckMonth * a.incidentRetentionMonths * a.incidentItemBytes;
  return {
    item: 'Incidents: DynamoDB storage',
    quantity: bytes / BYTES_PER_GB,
    unit: 'GB-months',
    price: 'dynamodbStorageGbMonth',
    scalesWith: 'checks',
    basis: `${fmtInt(claims)} run claims × ${a.claimItemBytes} B + ${N} check items × ${L} × ${a.checkItemBytesPerLocation} B + ${a.incidentRetentionMonths} month(s) of incidents × ${a.incidentItemBytes} B`,
  };
}

/** The backstop notifier behind the alarms' EventBridge rule: its requests and compute. */
function backstopNotifier({ a }: Fleet): IncidentCostEntry[] {
  return [
    {
      item: 'Incidents: backstop notifier requests',
      quantity: a.backstopEventsPerMonth,
      unit: 'requests',
      price: 'lambdaRequest',
      scalesWith: 'fleet',
      basis: `${a.backstopEventsPerMonth} alarm state changes a month through the EventBridge rule`,
    },
    {
      item: 'Incidents: backstop notifier compute',
      quantity: a.backstopEventsPerMonth * a.backstopSeconds * BACKSTOP_MEMORY_GB,
      unit: 'GB-s',
      price: 'lambdaGbSecondArm64',
      scalesWith: 'fleet',
      basis: `${a.backstopSeconds} s × ${BACKSTOP_MEMORY_MB} MB per state change`,
    },
  ];
}

/** The SNS channels (e-mail, Amazon Q Developer): a publish per notification, and the e-mails. */
function snsChannels({ a, config }: Fleet): IncidentCostEntry[] {
  const notifications = config.checks.length * a.incidentsPerCheckMonth * 3; // trigger, update, resolve
  return [
    {
      item: 'Incidents: SNS publishes',
      quantity: notifications * a.snsChannels,
      unit: 'requests',
      price: 'snsPublishRequest',
      scalesWith: 'checks',
      basis: `${a.snsChannels} SNS channel${a.snsChannels === 1 ? '' : 's'} × (page + update + resolve) per incident`,
    },
    {
      item: 'Incidents: SNS e-mail deliveries',
      quantity: notifications * a.emailSubscriptions,
      unit: 'e-mails',
      price: 'snsEmailNotification',
      scalesWith: 'checks',
      basis: `${a.emailSubscriptions} e-mail subscription${a.emailSubscriptions === 1 ? '' : 's'} × (page + update + resolve) per incident`,
    },
  ];
}
