/**
 * What the monitor costs per month, line by line (DESIGN §11), for the fleet architecture of
 * DESIGN §8: one runner function per location, one EventBridge Scheduler schedule per shard and
 * location (shards from planFleet), metrics published to the home region under shared identities,
 * the alarms of alarmDefinitions, one dashboard, one KMS key for the alarm topic, and token reads.
 *
 * Prices come only from ./prices.json (each with its source and quote); everything else the estimate
 * needs is a documented assumption (CostAssumptions) or read from the configuration, the fleet plan
 * and the alarm definitions, so the estimate prices what the stack deploys. Free tiers are not
 * counted: the monitor should be cheap on an account that has used them up.
 */
import { homeRegionOf, type Check, type MonitorConfig } from '../../contracts/config';
import { isFastInterval, type IntervalSeconds } from '../../contracts/fleet';
import { CHECK_KINDS, KINDS, tlsHostOf, type CheckKind } from '../../contracts/kinds';
import { Dimension, MetricName, PHASE_METRICS } from '../../contracts/metrics';
import { plural as pluralOf } from '../../contracts/text';
import { alarmDefinitions, locationLabels, tlsHosts, type AlarmDefinition } from '../alarms/definitions';
import { PUT_METRIC_DATA_MAX_DATUMS } from '../../lambda/metrics/publish';
import { planFleet, type ShardPlan } from '../fleet/plan';
import { fmtInt, fmtUsd } from './format';
import {
  DAYS_PER_MONTH,
  MINUTES_PER_MONTH,
  PRICE_REGION,
  PRICES,
  PRICES_TAKEN_ON,
  SECONDS_PER_MONTH,
  type PriceName,
} from './prices';
import {
  COST_ITEMS,
  type Alternative,
  type CostAssumptions,
  type CostItem,
  type CostLine,
  type CostReport,
  type CostScale,
  type FleetSummary,
  type IntervalCost,
  type LocationCost,
  type PriceSource,
} from './report';

export { benchmarkFleet, type BenchmarkFleetOptions } from './benchmark-fleet';
export { formatCostTable } from './format';
export { HOURS_PER_MONTH, PRICES, type Price, type PriceName } from './prices';
export * from './report';

export const DEFAULT_COST_ASSUMPTIONS: CostAssumptions = {
  memoryMb: 512,
  publishSeconds: 0.1,
  failedAttemptSeconds: 0.3,
  failureRate: 0.001,
  fastInvocationSeconds: 60,
  coldStartsPerContainerPerDay: 12,
  initSeconds: 0.3,
  tokenCacheMinutes: 5,
  logBytesPerResult: 600,
  logBytesPerInvocation: 300,
  logRetentionMonths: 1,
  certificateMetric: true,
  ownTopicKey: true,
};

/** DESIGN §11: per check-month, all-in, fleet of 100, no free tier. */
export const COST_GOALS_USD = { standard: 1, fast: 2 } as const;


/** A dimension value the estimate cannot know (which Reason a failure has): matches any WHERE value. */
const ANY_VALUE = '*';

/** Log volume is billed per GB; 10^9 bytes errs on the high side of 2^30. */
const BYTES_PER_GB = 1e9;

/** One metric series the fleet publishes (identities shared by every location count once). */
interface Series {
  readonly item: CostItem;
  readonly metricName: string;
  readonly dimensions: Readonly<Record<string, string>>;
  /** Share of the month's hours the series receives data (custom metrics are prorated by the hour). */
  readonly hourShare: number;
  readonly intervalSeconds?: IntervalSeconds;
}

/** What one shard costs in one location, per month. */
interface ShardUsage {
  readonly shard: ShardPlan;
  readonly invocations: number;
  readonly billedSeconds: number;
  readonly putCalls: number;
  readonly logBytes: number;
  readonly tokens: readonly string[];
}

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
const pct = (x: number) => `${(x * 100).toFixed(x < 0.01 ? 2 : 1)}%`;
const plural = (n: number, word: string) => pluralOf(n, word, fmtInt);

function healthySeconds(check: Check): number {
  const kind = KINDS[check.kind];
  const settleMs = kind.settles ? ((check as { settleMs?: number }).settleMs ?? 0) : 0;
  return kind.healthyRunSeconds + settleMs / 1000;
}

function failedSeconds(check: Check, a: CostAssumptions): number {
  return check.retryDelayMs > 0 ? 2 * a.failedAttemptSeconds + check.retryDelayMs / 1000 : a.failedAttemptSeconds;
}

/** Probability that an hour holds at least one failed run of a check, all locations together. */
function failingHourShare(check: Check, locations: number, a: CostAssumptions): number {
  return 1 - (1 - a.failureRate) ** ((3600 / check.intervalSeconds) * locations);
}

/** Billed seconds of one invocation of a (non-fast) shard: its slowest check, longer when one fails. */
function shardSeconds(checks: readonly Check[], a: CostAssumptions): { mean: number; healthy: number; failing: number; pFail: number } {
  const healthy = Math.max(...checks.map(healthySeconds));
  const failing = Math.max(healthy, ...checks.map((c) => failedSeconds(c, a)));
  const pFail = 1 - (1 - a.failureRate) ** checks.length;
  return { mean: (1 - pFail) * healthy + pFail * failing + a.publishSeconds, healthy, failing, pFail };
}

function shardUsage(shard: ShardPlan, checks: readonly Check[], config: MonitorConfig, a: CostAssumptions): ShardUsage {
  const invocations = SECONDS_PER_MONTH / shard.invokeEverySeconds;
  const billedSeconds = shard.fast ? a.fastInvocationSeconds : shardSeconds(checks, a).mean;
  const perCheckDatums = (c: Check) =>
    2 + (config.phaseTimings ? PHASE_METRICS.length : 0) + (a.certificateMetric && tlsHostOf(c) ? 1 : 0) + 2 * a.failureRate;
  const datumsPerTick = sum(checks.map(perCheckDatums)) + 1; // + the ShardResults heartbeat
  const ticks = invocations * shard.ticksPerInvocation;
  return {
    shard,
    invocations,
    billedSeconds,
    putCalls: ticks * Math.ceil(datumsPerTick / PUT_METRIC_DATA_MAX_DATUMS),
    logBytes: ticks * checks.length * a.logBytesPerResult + invocations * a.logBytesPerInvocation,
    tokens: [...new Set(checks.flatMap((c) => (c.auth ? [c.auth.token] : [])))],
  };
}

/** Every series the fleet publishes, with the share of hours it is billed. */
function publishedSeries(config: MonitorConfig, shards: readonly ShardPlan[], locations: readonly string[], a: CostAssumptions): Series[] {
  const out: Series[] = [];
  for (const c of config.checks) {
    const interval = c.intervalSeconds;
    const check = { [Dimension.CHECK]: c.name };
    out.push({ item: 'Metrics: Success + Duration', metricName: MetricName.SUCCESS, dimensions: check, hourShare: 1, intervalSeconds: interval });
    out.push({ item: 'Metrics: Success + Duration', metricName: MetricName.DURATION, dimensions: check, hourShare: 1, intervalSeconds: interval });
    if (config.phaseTimings) {
      for (const p of PHASE_METRICS) out.push({ item: 'Metrics: phase timings', metricName: p.name, dimensions: check, hourShare: 1, intervalSeconds: interval });
    }
    // Failures exist only in hours with a failed run; the Reason is unknown, so it matches any WHERE.
    const share = failingHourShare(c, locations.length, a);
    const failures = { ...check, [Dimension.REASON]: ANY_VALUE };
    out.push({ item: 'Metrics: Failures (failing hours)', metricName: MetricName.FAILURES, dimensions: failures, hourShare: share, intervalSeconds: interval });
    out.push({
      item: 'Metrics: Failures (failing hours)',
      metricName: MetricName.FAILURES,
      dimensions: { ...failures, [Dimension.INTERVAL]: String(interval) },
      hourShare: share,
      intervalSeconds: interval,
    });
  }
  for (const s of shards) {
    for (const location of locations) {
      out.push({
        item: 'Metrics: ShardResults heartbeat',
        metricName: MetricName.SHARD_RESULTS,
        dimensions: { [Dimension.SHARD]: s.id, [Dimension.LOCATION]: location },
        hourShare: 1,
        intervalSeconds: s.intervalSeconds,
      });
    }
  }
  if (a.certificateMetric) {
    for (const host of tlsHosts(config).sort()) {
      out.push({ item: 'Metrics: CertificateDaysLeft', metricName: MetricName.CERTIFICATE_DAYS_LEFT, dimensions: { [Dimension.HOST]: host }, hourShare: 1 });
    }
  }
  return out;
}

/** The series a Metrics Insights alarm's query matches: SCHEMA's exact dimension keys, then WHERE equality. */
function matchedSeries(alarm: Extract<AlarmDefinition, { type: 'insights' }>, series: readonly Series[]): Series[] {
  const q = alarm.select;
  const keys = [...q.schemaDimensions].sort().join(',');
  return series.filter(
    (s) =>
      s.metricName === q.metricName &&
      Object.keys(s.dimensions).sort().join(',') === keys &&
      Object.entries(q.where).every(([k, v]) => s.dimensions[k] === v || s.dimensions[k] === ANY_VALUE),
  );
}

/** The interval group an alarm belongs to, when it watches checks or a shard of one interval. */
function alarmInterval(
  alarm: AlarmDefinition,
  checks: ReadonlyMap<string, Check>,
  shards: ReadonlyMap<string, ShardPlan>,
  matched: readonly Series[],
): IntervalSeconds | undefined {
  if (alarm.type !== 'insights') {
    if (alarm.check) return checks.get(alarm.check)?.intervalSeconds;
    if (alarm.type === 'metric' && alarm.shard) return shards.get(alarm.shard)?.intervalSeconds;
    return undefined;
  }
  const intervals = new Set(matched.map((s) => s.intervalSeconds));
  if (intervals.size === 1) return [...intervals][0];
  const where = Number(alarm.select.where[Dimension.INTERVAL]);
  return isIntervalOf(where, checks) ? where : undefined;
}

function isIntervalOf(n: number, checks: ReadonlyMap<string, Check>): n is IntervalSeconds {
  return [...checks.values()].some((c) => c.intervalSeconds === n);
}

/** Builds the lines: one accumulator per (item, interval), priced once at the end. */
class LineBook {
  private readonly entries = new Map<string, { item: CostItem; intervalSeconds?: IntervalSeconds; quantity: number; unit: string; price: PriceName; basis: string; scalesWith: CostScale; fromYear?: number }>();

  add(e: { item: CostItem; intervalSeconds?: IntervalSeconds; quantity: number; unit: string; price: PriceName; basis: string; scalesWith: CostScale; fromYear?: number }): void {
    if (!(e.quantity > 0)) return;
    const key = `${e.item}@${e.intervalSeconds ?? ''}@${e.scalesWith}`;
    const prev = this.entries.get(key);
    if (prev) prev.quantity += e.quantity;
    else this.entries.set(key, { ...e });
  }

  lines(checks: number): CostLine[] {
    const order = (item: CostItem) => COST_ITEMS.indexOf(item);
    return [...this.entries.values()]
      .sort((x, y) => order(x.item) - order(y.item) || (x.intervalSeconds ?? Infinity) - (y.intervalSeconds ?? Infinity))
      .map((e) => {
        const unitUsd = PRICES[e.price].usd;
        const usd = e.quantity * unitUsd;
        return { ...e, unitUsd, usd, perCheckUsd: usd / checks };
      });
  }
}

function fleetSummary(config: MonitorConfig, shards: readonly ShardPlan[], locations: readonly string[], alarms: number, tlsHosts: number): FleetSummary {
  const byKind = Object.fromEntries(CHECK_KINDS.map((k) => [k, config.checks.filter((c) => c.kind === k).length])) as Record<CheckKind, number>;
  const intervals = [...new Set(config.checks.map((c) => c.intervalSeconds))].sort((x, y) => x - y);
  const tokens = new Set(config.checks.flatMap((c) => (c.auth ? [c.auth.token] : []))).size;
  const n = config.checks.length;
  const kinds = CHECK_KINDS.filter((k) => byKind[k] > 0).map((k) => `${byKind[k]} ${k}`).join(', ');
  const every = intervals
    .map((i) => (intervals.length > 1 ? `${config.checks.filter((c) => c.intervalSeconds === i).length} every ${i} s` : `every ${i} s`))
    .join(', ');
  const where = locations.length === 1 && locations[0] === 'default' ? '1 location (the deploy region)' : `${plural(locations.length, 'location')} (${locations.join(', ')})`;
  return {
    checks: n,
    byKind,
    shards: shards.length,
    locations,
    ...(config.homeRegion ? { homeRegion: config.homeRegion } : {}),
    tokens,
    tlsHosts,
    alarms,
    description:
      `${plural(n, 'check')} (${kinds})${intervals.length > 1 ? ':' : ''} ${every}; ${plural(shards.length, 'shard')} × ${where}; ` +
      `${config.homeRegion ? `home region ${config.homeRegion}; ` : ''}${plural(tokens, 'token')}; ${plural(tlsHosts, 'TLS host')}; ${plural(alarms, 'alarm')}`,
  };
}

function alternativesAt(intervalSeconds: number, locations: number): Alternative[] {
  const runs = (SECONDS_PER_MONTH / intervalSeconds) * locations;
  // CloudWatch Synthetics runs at most once a minute (CanaryScheduleInput: "between rate(1 minute) and rate(1 hour)").
  const canaryRuns = (SECONDS_PER_MONTH / Math.max(60, intervalSeconds)) * locations;
  const where = locations > 1 ? ` (× ${locations} locations)` : '';
  const alt = (name: Alternative['name'], label: string, price: PriceName, n: number, extra: string): Alternative => ({
    name,
    label,
    usdPerCheckMonth: n * PRICES[price].usd,
    runsPerCheckMonth: n,
    basis: `${fmtInt(n)} runs${where} × $${PRICES[price].usd}${extra}`,
  });
  return [
    alt('cloudwatchSynthetics', 'CloudWatch Synthetics', 'cloudwatchSyntheticsRun', canaryRuns,
      intervalSeconds < 60 ? `; at its floor of one run a minute: it cannot run every ${intervalSeconds} s` : ''),
    alt('checkly', 'Checkly API checks', 'checklyApiCheckRun', runs, ' (prepaid-bundle rate; pay-as-you-go overage costs more)'),
    alt('datadog', 'Datadog API tests', 'datadogApiTestRun', runs, ' (~$5 per 10k, annual billing; not re-verified)'),
  ];
}

interface Built {
  readonly report: Omit<CostReport, 'notes'>;
  readonly largest: (intervalSeconds: IntervalSeconds) => readonly CostLine[];
}

function build(config: MonitorConfig, a: CostAssumptions): Built {
  const plan = planFleet(config);
  const alarms = alarmDefinitions(config, plan);
  const locations = locationLabels(config);
  const L = locations.length;
  const N = config.checks.length;
  const gb = a.memoryMb / 1024;
  const checkByName = new Map(config.checks.map((c) => [c.name, c]));
  const shardById = new Map(plan.shards.map((s) => [s.id, s]));
  const book = new LineBook();

  // --- Runner: Lambda, Scheduler, PutMetricData, logs, token reads (per shard, in every location).
  const usages = plan.shards.map((s) => shardUsage(s, s.checks.map((n) => checkByName.get(n)!), config, a));
  const coldStartsPerContainer = a.coldStartsPerContainerPerDay * DAYS_PER_MONTH;
  const tokenReadsPerContainer = MINUTES_PER_MONTH / a.tokenCacheMinutes + coldStartsPerContainer;
  for (const u of usages) {
    const s = u.shard;
    const i = s.intervalSeconds;
    const every = s.fast ? `every minute, ${s.ticksPerInvocation} ticks of ${i} s` : `every ${i} s`;
    const shardsHere = usages.filter((x) => x.shard.intervalSeconds === i).length * L;
    const invocations = u.invocations * L;
    book.add({ item: 'Lambda requests', intervalSeconds: i, quantity: invocations, unit: 'requests', price: 'lambdaRequest', scalesWith: 'shards',
      basis: `${plural(shardsHere, 'shard-location')} × ${fmtInt(u.invocations)} invocations (${every})` });
    book.add({ item: 'EventBridge Scheduler', intervalSeconds: i, quantity: invocations, unit: 'invocations', price: 'schedulerInvocation', scalesWith: 'shards',
      basis: `one schedule per shard and location, ${every}` });
    const checks = s.checks.map((n) => checkByName.get(n)!);
    const t = shardSeconds(checks, a);
    book.add({ item: 'Lambda compute', intervalSeconds: i, quantity: invocations * u.billedSeconds * gb, unit: 'GB-s', price: 'lambdaGbSecondArm64', scalesWith: 'shards',
      basis: s.fast
        ? `${plural(shardsHere, 'shard-location')} × ${fmtInt(u.invocations)} invocations × ${a.fastInvocationSeconds} s (the minute of ticks, mostly idle) × ${gb} GB`
        : `${plural(shardsHere, 'shard-location')} × ${fmtInt(u.invocations)} invocations × ~${t.mean.toFixed(2)} s × ${gb} GB ` +
          `(slowest healthy check ${t.healthy.toFixed(2)} s + publish ${a.publishSeconds} s; ${pct(t.pFail)} with a failing check: ${t.failing.toFixed(2)} s)` });
    book.add({ item: 'Lambda INIT (cold starts)', intervalSeconds: i, quantity: L * coldStartsPerContainer * a.initSeconds * gb, unit: 'GB-s', price: 'lambdaGbSecondArm64', scalesWith: 'shards',
      basis: `one container per shard and location × ${a.coldStartsPerContainerPerDay} cold starts/day × ${a.initSeconds} s × ${gb} GB` });
    book.add({ item: 'PutMetricData requests', intervalSeconds: i, quantity: u.putCalls * L, unit: 'requests', price: 'putMetricDataRequest', scalesWith: 'shards',
      basis: `one call per shard ${s.fast ? 'tick' : 'invocation'} and location (≤ ${PUT_METRIC_DATA_MAX_DATUMS} metrics a call)` });
    const logGb = (u.logBytes * L) / BYTES_PER_GB;
    book.add({ item: 'Logs: ingestion', intervalSeconds: i, quantity: logGb, unit: 'GB', price: 'logsIngestionGb', scalesWith: 'checks',
      basis: `${a.logBytesPerResult} B per check result + ${a.logBytesPerInvocation} B per invocation (START/END/REPORT)` });
    book.add({ item: 'Logs: storage', intervalSeconds: i, quantity: logGb * a.logRetentionMonths, unit: 'GB-months', price: 'logsStorageGbMonth', scalesWith: 'checks',
      basis: `${a.logRetentionMonths} month retention, uncompressed` });
    for (const name of u.tokens) {
      const token = config.tokens[name];
      const reads = L * tokenReadsPerContainer;
      const basis = `per shard, location and token: every ${a.tokenCacheMinutes} min + per cold start`;
      if (token?.secret) {
        book.add({ item: 'Tokens: Secrets Manager API calls', intervalSeconds: i, quantity: reads, unit: 'calls', price: 'secretApiCall', scalesWith: 'shards', basis });
      } else {
        book.add({ item: 'Tokens: SSM GetParameter', intervalSeconds: i, quantity: reads, unit: 'calls', price: 'ssmStandardParameterRead', scalesWith: 'shards', basis: `${basis} (standard throughput)` });
        book.add({ item: 'Tokens: KMS Decrypt (SecureString)', intervalSeconds: i, quantity: reads, unit: 'requests', price: 'kmsRequest', scalesWith: 'shards', basis });
      }
    }
  }

  // --- Metrics: every series the fleet publishes, prorated by the hours it exists.
  const series = publishedSeries(config, plan.shards, locations, a);
  for (const s of series) {
    const basis: Record<string, string> = {
      'Metrics: Success + Duration': 'Success{Check} + Duration{Check}, every hour',
      'Metrics: phase timings': `${PHASE_METRICS.map((p) => p.name).join(', ')} per check`,
      'Metrics: Failures (failing hours)': `Failures{Check,Reason} + Failures{Check,Interval,Reason}, in the ${pct(s.hourShare)} of hours with a failed run (failure rate ${pct(a.failureRate)} per run, independent)`,
      'Metrics: ShardResults heartbeat': 'ShardResults{Shard,Location}: one per shard and location',
      'Metrics: CertificateDaysLeft': 'CertificateDaysLeft{Host}: one per TLS host name',
    };
    const scalesWith: CostScale = s.item === 'Metrics: ShardResults heartbeat' ? 'shards' : s.item === 'Metrics: CertificateDaysLeft' ? 'hosts' : 'checks';
    book.add({ item: s.item, ...(s.intervalSeconds ? { intervalSeconds: s.intervalSeconds } : {}), quantity: s.hourShare, unit: 'metric-months', price: 'customMetricMonth', scalesWith, basis: basis[s.item] ?? '' });
  }

  // --- Alarms: exactly the definitions the stack deploys.
  for (const alarm of alarms) {
    if (alarm.type === 'math') {
      // Billed per metric the expression uses (pricing: "$0.30 per alarm metric").
      const high = alarm.periodSeconds < 60;
      const interval = alarmInterval(alarm, checkByName, shardById, []);
      const metrics = Object.keys(alarm.metrics).length;
      book.add({
        item: high ? 'Alarms: high resolution' : 'Alarms: standard resolution',
        ...(interval ? { intervalSeconds: interval } : {}),
        quantity: metrics,
        unit: 'alarm metric-months',
        price: high ? 'highResolutionAlarmMonth' : 'standardAlarmMonth',
        scalesWith: 'checks',
        basis: `${alarm.class} per check on a quorum of locations: metric math ${alarm.expression} over ${metrics} alarm metrics, period ${alarm.periodSeconds} s`,
      });
    } else if (alarm.type === 'metric') {
      const high = alarm.metric.periodSeconds < 60;
      const interval = alarmInterval(alarm, checkByName, shardById, []);
      const what = alarm.check ? 'per check' : alarm.shard ? 'per shard and location' : alarm.host ? 'per TLS host' : 'per runner';
      book.add({
        item: high ? 'Alarms: high resolution' : 'Alarms: standard resolution',
        ...(interval ? { intervalSeconds: interval } : {}),
        quantity: 1,
        unit: 'alarm-months',
        price: high ? 'highResolutionAlarmMonth' : 'standardAlarmMonth',
        scalesWith: alarm.check ? 'checks' : alarm.shard ? 'shards' : alarm.host ? 'hosts' : 'fleet',
        basis: `${alarm.class} ${what}, period ${alarm.metric.periodSeconds} s`,
      });
    } else {
      const matched = matchedSeries(alarm, series);
      const interval = alarmInterval(alarm, checkByName, shardById, matched);
      book.add({
        item: 'Alarms: Metrics Insights (metrics analyzed)',
        ...(interval ? { intervalSeconds: interval } : {}),
        quantity: sum(matched.map((s) => s.hourShare)),
        unit: 'metric-months analyzed',
        price: 'insightsMetricAnalyzedMonth',
        scalesWith: 'checks',
        basis: 'one per class and interval; each analyzes the failing Failures{Check,Interval,Reason} series, as if every failure had its Reason (upper bound)',
      });
    }
  }

  // --- Shared by the fleet.
  const secrets = new Set(
    Object.values(config.tokens)
      .filter((t) => t.secret && config.checks.some((c) => c.auth?.token === t.name))
      .map((t) => JSON.stringify(t.secret)),
  );
  book.add({ item: 'Tokens: Secrets Manager secrets', quantity: secrets.size, unit: 'secret-months', price: 'secretMonth', scalesWith: 'tokens', basis: 'tokens that name a Secrets Manager secret' });
  book.add({ item: 'Dashboard', quantity: 1, unit: 'dashboard-months', price: 'dashboardMonth', scalesWith: 'fleet', basis: 'one dashboard for the fleet' });
  if (a.ownTopicKey) {
    book.add({ item: 'KMS key (alarm topic)', quantity: 1, unit: 'key-months', price: 'kmsKeyMonth', scalesWith: 'fleet', basis: 'the key the stack creates for the SNS topic (rotation enabled)' });
    book.add({ item: 'KMS key rotations', quantity: 2, unit: 'rotation surcharges', price: 'kmsKeyRotationMonth', scalesWith: 'fleet', fromYear: 2,
      basis: 'each of the first two yearly rotations adds $1/month: $2/month in year 2, $3/month from year 3 (counted at $3)' });
  }

  const lines = book.lines(N);
  const totalUsd = sum(lines.map((l) => l.usd));
  const firstYearUsd = sum(lines.filter((l) => (l.fromYear ?? 1) <= 1).map((l) => l.usd));
  const sharedUsd = sum(lines.filter((l) => l.intervalSeconds === undefined).map((l) => l.usd));

  const intervals: IntervalCost[] = [...new Set(config.checks.map((c) => c.intervalSeconds))]
    .sort((x, y) => x - y)
    .map((i) => {
      const n = config.checks.filter((c) => c.intervalSeconds === i).length;
      const usd = sum(lines.filter((l) => l.intervalSeconds === i).map((l) => l.usd)) + (sharedUsd * n) / N;
      const fast = isFastInterval(i);
      const goalUsd = fast ? COST_GOALS_USD.fast : COST_GOALS_USD.standard;
      return {
        intervalSeconds: i,
        fast,
        checks: n,
        shards: plan.shards.filter((s) => s.intervalSeconds === i).length,
        runsPerCheckMonth: (SECONDS_PER_MONTH / i) * L,
        usd,
        perCheckMonthUsd: usd / n,
        goalUsd,
        meetsGoal: usd / n <= goalUsd,
        alternatives: alternativesAt(i, L),
      };
    });

  const alternatives: Alternative[] = intervals[0]!.alternatives.map((first, k) => {
    const perCheck = sum(intervals.map((g) => g.alternatives[k]!.usdPerCheckMonth * g.checks)) / N;
    const runs = sum(intervals.map((g) => g.alternatives[k]!.runsPerCheckMonth * g.checks)) / N;
    return intervals.length === 1 ? first : { ...first, usdPerCheckMonth: perCheck, runsPerCheckMonth: runs, basis: 'mean over the fleet, each check at its own interval' };
  });

  const used = new Set<PriceName>([...lines.map((l) => l.price), 'cloudwatchSyntheticsRun', 'checklyApiCheckRun', 'datadogApiTestRun']);
  const sources: PriceSource[] = [...used].map((name) => {
    const p = PRICES[name];
    return { name, usd: p.usd, per: p.per, source: p.source, quote: p.quote, evidence: p.evidence };
  });

  const hostCount = tlsHosts(config).length;
  const goalUsd = sum(intervals.map((g) => g.goalUsd * g.checks)) / N;
  return {
    report: {
      region: PRICE_REGION,
      pricesTakenOn: PRICES_TAKEN_ON,
      fleet: fleetSummary(config, plan.shards, locations, alarms.length, hostCount),
      assumptions: a,
      lines,
      totalUsd,
      perCheckMonthUsd: totalUsd / N,
      firstYear: { totalUsd: firstYearUsd, perCheckMonthUsd: firstYearUsd / N },
      intervals,
      alternatives,
      goalUsd,
      meetsGoal: intervals.every((g) => g.meetsGoal),
      sources,
    },
    largest: (i) =>
      lines
        .filter((l) => l.intervalSeconds === i || l.intervalSeconds === undefined)
        .map((l) => ({ ...l, usd: l.intervalSeconds === undefined ? (l.usd * intervals.find((g) => g.intervalSeconds === i)!.checks) / N : l.usd }))
        .sort((x, y) => y.usd - x.usd),
  };
}

function explain(config: MonitorConfig, a: CostAssumptions, built: Built): string[] {
  const r = built.report;
  const notes: string[] = [
    `No free tier counted; every location priced as ${r.region} (prices taken ${r.pricesTakenOn}; see the sources and their evidence below).`,
  ];
  for (const g of r.intervals) {
    const top = built.largest(g.intervalSeconds).slice(0, 3).map((l) => `${l.item} ${fmtUsd(l.usd / g.checks)}`).join(', ');
    const verdict = g.meetsGoal ? 'meets' : `MISSES by ${fmtUsd(g.perCheckMonthUsd - g.goalUsd)}`;
    notes.push(`${g.intervalSeconds} s checks: ${fmtUsd(g.perCheckMonthUsd)} per check-month ${verdict} the goal of ${fmtUsd(g.goalUsd)}; largest items per check: ${top}.`);
    if (!g.meetsGoal && g.fast && a.memoryMb > 128) {
      const half = build(config, { ...a, memoryMb: a.memoryMb / 2 }).report.intervals.find((x) => x.intervalSeconds === g.intervalSeconds)!;
      notes.push(`  A fast shard bills its whole idle minute: at ${a.memoryMb / 2} MB instead of ${a.memoryMb} MB these checks cost ${fmtUsd(half.perCheckMonthUsd)}.`);
    }
  }
  if (a.ownTopicKey) {
    notes.push(
      `The alarm topic's KMS key costs $1/month in year 1, $2 in year 2 and $3 from year 3 (two rotation surcharges): the total counts $3; ` +
        `year 1: ${fmtUsd(r.firstYear.totalUsd)}/month, ${fmtUsd(r.firstYear.perCheckMonthUsd)} per check-month.`,
    );
  }
  if (r.lines.some((l) => l.item === 'Alarms: Metrics Insights (metrics analyzed)')) {
    notes.push(
      'Metrics Insights alarms are billed per metric analyzed per hour (an official rule); the $0.10 per metric-month rate is a third-party figure. ' +
        'In steady state their queries match only the sparse Failures series of failing hours.',
    );
  }
  if (r.intervals.some((g) => g.fast)) {
    notes.push(
      'Fast checks publish high-resolution metrics (StorageResolution 1); the price table has one custom-metric price and no separate ' +
        'high-resolution metric price was found, so they are priced like standard ones. Their 10-30 s alarms are priced as high resolution.',
    );
  }
  if (r.lines.some((l) => l.item === 'Metrics: CertificateDaysLeft')) {
    const cert = r.lines.find((l) => l.item === 'Metrics: CertificateDaysLeft')!;
    notes.push(
      `CertificateDaysLeft (DESIGN §6) is one series per TLS host: ${r.fleet.tlsHosts} hosts cost ${fmtUsd(cert.perCheckUsd)} per check-month; ` +
        'fewer hosts per check (several checks against one backend) cost less.',
    );
  }
  notes.push(
    'Not counted: SNS notifications (sent only on alarm state changes), dashboard views (GetMetricData), the probes\' own network traffic' +
      (r.fleet.locations.length > 1 ? ', inter-region transfer of PutMetricData payloads and token reads to the home region' : '') +
      '; custom metrics are priced at the first-10,000 tier (a larger fleet pays less per metric).',
  );
  return notes;
}

/**
 * Monthly cost of a configuration's fleet, line by line, with hosted peers at the same frequency.
 * `assumptions` overrides DEFAULT_COST_ASSUMPTIONS field by field.
 */
export function estimateCost(config: MonitorConfig, assumptions: Partial<CostAssumptions> = {}): CostReport {
  const a: CostAssumptions = { ...DEFAULT_COST_ASSUMPTIONS, ...assumptions };
  const built = build(config, a);
  const perLocation = locationCost(config, a, built.report);
  return { ...built.report, notes: explain(config, a, built), ...(perLocation ? { perLocation } : {}) };
}

/**
 * With several locations, the cost per check-month per location two ways: the all-in figure spread
 * evenly, and what the last location adds (the same fleet priced from one location fewer: one runner,
 * its schedules, invocations, logs, token reads, heartbeats and Silent alarms fewer, and the quorum of
 * one location fewer).
 */
function locationCost(config: MonitorConfig, a: CostAssumptions, report: Omit<CostReport, 'notes'>): LocationCost | undefined {
  const L = config.locations.length;
  if (L < 2) return undefined;
  const home = homeRegionOf(config);
  // Drop the last location that is not the home region (the home's runner stays with its stack).
  const drop = [...config.locations].reverse().find((l) => l !== home) ?? config.locations[L - 1];
  const fewer: MonitorConfig = { ...config, locations: config.locations.filter((l) => l !== drop), quorum: undefined };
  const without = build(fewer, a).report;
  const N = config.checks.length;
  const byItem = (r: Omit<CostReport, 'notes'>) => {
    const m = new Map<CostItem, number>();
    for (const l of r.lines) m.set(l.item, (m.get(l.item) ?? 0) + l.usd);
    return m;
  };
  const now = byItem(report);
  const before = byItem(without);
  const marginalLines = COST_ITEMS.map((item) => ({ item, perCheckUsd: ((now.get(item) ?? 0) - (before.get(item) ?? 0)) / N }))
    .filter((l) => Math.abs(l.perCheckUsd) >= 1e-9)
    .sort((x, y) => y.perCheckUsd - x.perCheckUsd);
  return {
    locations: L,
    averagePerCheckMonthUsd: report.perCheckMonthUsd / L,
    marginalPerCheckMonthUsd: report.perCheckMonthUsd - without.perCheckMonthUsd,
    comparedWith: fewer.locations,
    marginalLines,
  };
}
