/**
 * What the monitor costs per month, line by line (docs/DESIGN.md#cost-and-time-to-detect), for the fleet architecture of
 * docs/DESIGN.md#the-fleet-runner: one runner function per location, one EventBridge Scheduler schedule per shard and
 * location (shards from planFleet), metrics published to the home region under shared identities,
 * the alarms of alarmDefinitions, one dashboard, one KMS key for the alarm topic, and token reads.
 *
 * Prices come only from ./prices.json (each with its source and quote); everything else the estimate
 * needs is a documented assumption (CostAssumptions) or read from the configuration, the fleet plan
 * and the alarm definitions, so the estimate prices what the stack deploys. Free tiers are not
 * counted: the monitor should be cheap on an account that has used them up.
 */
import { homeRegionOf, type MonitorConfig } from '../../contracts/config';
import { isFastInterval, type IntervalSeconds } from '../../contracts/fleet';
import { CHECK_KINDS, type CheckKind } from '../../contracts/kinds';
import { tlsHosts } from '../alarms/definitions';
import type { ShardPlan } from '../fleet/plan';
import { fmtInt, fmtUsd } from './format';
import { LineBook, plural, pricedFleet, type PricedFleet } from './lines';
import { PRICE_REGION, PRICES, PRICES_TAKEN_ON, SECONDS_PER_MONTH, type PriceName } from './prices';
import {
  COST_ITEMS,
  type Alternative,
  type CostAssumptions,
  type CostItem,
  type CostLine,
  type CostReport,
  type FleetSummary,
  type IntervalCost,
  type LocationCost,
  type PriceSource,
} from './report';
import { COST_SECTIONS } from './sections';
import { sum } from './usage';

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

/** docs/DESIGN.md#cost-and-time-to-detect: per check-month, all-in, fleet of 100, no free tier. */
export const COST_GOALS_USD = { standard: 1, fast: 2 } as const;

function fleetSummary(
  config: MonitorConfig,
  shards: readonly ShardPlan[],
  locations: readonly string[],
  alarms: number,
  tlsHosts: number,
): FleetSummary {
  const byKind = Object.fromEntries(CHECK_KINDS.map((k) => [k, config.checks.filter((c) => c.kind === k).length])) as Record<CheckKind, number>;
  const intervals = [...new Set(config.checks.map((c) => c.intervalSeconds))].sort((x, y) => x - y);
  const tokens = new Set(config.checks.flatMap((c) => (c.auth ? [c.auth.token] : []))).size;
  const n = config.checks.length;
  const kinds = CHECK_KINDS.filter((k) => byKind[k] > 0)
    .map((k) => `${byKind[k]} ${k}`)
    .join(', ');
  const every = intervals
    .map((i) => (intervals.length > 1 ? `${config.checks.filter((c) => c.intervalSeconds === i).length} every ${i} s` : `every ${i} s`))
    .join(', ');
  const where =
    locations.length === 1 && locations[0] === 'default'
      ? '1 location (the deploy region)'
      : `${plural(locations.length, 'location')} (${locations.join(', ')})`;
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
    alt(
      'cloudwatchSynthetics',
      'CloudWatch Synthetics',
      'cloudwatchSyntheticsRun',
      canaryRuns,
      intervalSeconds < 60 ? `; at its floor of one run a minute: it cannot run every ${intervalSeconds} s` : '',
    ),
    alt('checkly', 'Checkly API checks', 'checklyApiCheckRun', runs, ' (prepaid-bundle rate; pay-as-you-go overage costs more)'),
    alt('datadog', 'Datadog API tests', 'datadogApiTestRun', runs, ' (~$5 per 10k, annual billing; not re-verified)'),
  ];
}

interface Built {
  readonly report: Omit<CostReport, 'notes'>;
  readonly largest: (intervalSeconds: IntervalSeconds) => readonly CostLine[];
}

/** The bill: every section's lines (COST_SECTIONS), then the totals, the interval groups and the peers. */
function build(config: MonitorConfig, a: CostAssumptions): Built {
  const fleet = pricedFleet(config, a);
  const book = new LineBook();
  for (const section of COST_SECTIONS) section(fleet, book);
  const N = config.checks.length;
  const lines = book.lines(N);
  const totalUsd = sum(lines.map((l) => l.usd));
  const firstYearUsd = sum(lines.filter((l) => (l.fromYear ?? 1) <= 1).map((l) => l.usd));
  const intervals = intervalCosts(fleet, lines);
  const goalUsd = sum(intervals.map((g) => g.goalUsd * g.checks)) / N;
  return {
    report: {
      region: PRICE_REGION,
      pricesTakenOn: PRICES_TAKEN_ON,
      fleet: fleetSummary(config, fleet.plan.shards, fleet.locations, fleet.alarms.length, tlsHosts(config).length),
      assumptions: a,
      lines,
      totalUsd,
      perCheckMonthUsd: totalUsd / N,
      firstYear: { totalUsd: firstYearUsd, perCheckMonthUsd: firstYearUsd / N },
      intervals,
      alternatives: fleetAlternatives(intervals, N),
      goalUsd,
      meetsGoal: intervals.every((g) => g.meetsGoal),
      sources: priceSources(lines),
    },
    largest: (i) =>
      lines
        .filter((l) => l.intervalSeconds === i || l.intervalSeconds === undefined)
        .map((l) => ({ ...l, usd: l.intervalSeconds === undefined ? (l.usd * intervals.find((g) => g.intervalSeconds === i)!.checks) / N : l.usd }))
        .sort((x, y) => y.usd - x.usd),
  };
}

/** Each interval group's share of the bill (its own lines and its checks' share of the fleet's), against its goal. */
function intervalCosts({ config, plan, locations }: PricedFleet, lines: readonly CostLine[]): IntervalCost[] {
  const N = config.checks.length;
  const L = locations.length;
  const sharedUsd = sum(lines.filter((l) => l.intervalSeconds === undefined).map((l) => l.usd));
  return [...new Set(config.checks.map((c) => c.intervalSeconds))]
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
}

/** The hosted peers for the whole fleet: each check at its own interval. */
function fleetAlternatives(intervals: readonly IntervalCost[], N: number): Alternative[] {
  return intervals[0]!.alternatives.map((first, k) => {
    const perCheck = sum(intervals.map((g) => g.alternatives[k]!.usdPerCheckMonth * g.checks)) / N;
    const runs = sum(intervals.map((g) => g.alternatives[k]!.runsPerCheckMonth * g.checks)) / N;
    return intervals.length === 1
      ? first
      : { ...first, usdPerCheckMonth: perCheck, runsPerCheckMonth: runs, basis: 'mean over the fleet, each check at its own interval' };
  });
}

/** Every price the bill and the peers use, with its source and evidence. */
function priceSources(lines: readonly CostLine[]): PriceSource[] {
  const used = new Set<PriceName>([...lines.map((l) => l.price), 'cloudwatchSyntheticsRun', 'checklyApiCheckRun', 'datadogApiTestRun']);
  return [...used].map((name) => {
    const p = PRICES[name];
    return { name, usd: p.usd, per: p.per, source: p.source, quote: p.quote, evidence: p.evidence };
  });
}

function explain(config: MonitorConfig, a: CostAssumptions, built: Built): string[] {
  const r = built.report;
  const notes: string[] = [
    `No free tier counted; every location priced as ${r.region} (prices taken ${r.pricesTakenOn}; see the sources and their evidence below).`,
  ];
  for (const g of r.intervals) {
    const top = built
      .largest(g.intervalSeconds)
      .slice(0, 3)
      .map((l) => `${l.item} ${fmtUsd(l.usd / g.checks)}`)
      .join(', ');
    const verdict = g.meetsGoal ? 'meets' : `MISSES by ${fmtUsd(g.perCheckMonthUsd - g.goalUsd)}`;
    notes.push(
      `${g.intervalSeconds} s checks: ${fmtUsd(g.perCheckMonthUsd)} per check-month ${verdict} the goal of ${fmtUsd(g.goalUsd)}; largest items per check: ${top}.`,
    );
    if (!g.meetsGoal && g.fast && a.memoryMb > 128) {
      const half = build(config, { ...a, memoryMb: a.memoryMb / 2 }).report.intervals.find((x) => x.intervalSeconds === g.intervalSeconds)!;
      notes.push(
        `  A fast shard bills its whole idle minute: at ${a.memoryMb / 2} MB instead of ${a.memoryMb} MB these checks cost ${fmtUsd(half.perCheckMonthUsd)}.`,
      );
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
      `CertificateDaysLeft (README.md#metrics-and-alarms) is one series per TLS host: ${r.fleet.tlsHosts} hosts cost ${fmtUsd(cert.perCheckUsd)} per check-month; ` +
        'fewer hosts per check (several checks against one backend) cost less.',
    );
  }
  notes.push(
    "Not counted: SNS notifications (sent only on alarm state changes), dashboard views (GetMetricData), the probes' own network traffic" +
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
