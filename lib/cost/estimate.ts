/**
 * What the monitor costs per check-month, line by line, from the price table in prices.json and a
 * few documented assumptions (durations, failure rate, log volume). Used by `synthmon cost` and the
 * benchmark. Free tiers are not counted: the monitor should be cheap on an account that uses them up.
 */
import type { Check, MonitorConfig } from '../../contracts/config';
import { PHASE_METRICS } from '../../contracts/metrics';
import { checkAlarmDefinitions } from '../alarms/definitions';
import priceTable from './prices.json';

/** One priced item of prices.json. */
export interface Price {
  readonly usd: number;
  readonly per: string;
  readonly source: string;
  readonly takenOn: string;
}

export type PriceName = keyof typeof priceTable.prices;

/** The price table (read-only data; edit prices.json to change a price). */
export const PRICES: Readonly<Record<PriceName, Price>> = priceTable.prices;
/** AWS bills a month as 730 hours. */
export const HOURS_PER_MONTH: number = priceTable.hoursPerMonth;
const MINUTES_PER_MONTH = HOURS_PER_MONTH * 60;
const DAYS_PER_MONTH = HOURS_PER_MONTH / 24;
/** Log volume is billed per GB; 10^9 bytes errs on the high side of 2^30. */
const BYTES_PER_GB = 1e9;

/** The per-check-month target of the design brief. */
export const COST_GOAL_USD = 1;

/** Everything the estimate assumes besides the configuration. Defaults are documented per field. */
export interface CostAssumptions {
  /** Lambda memory. @default 256 */
  readonly memoryMb: number;
  /** Billed time of a healthy WebSocket run besides its settle window (handshake, publishing). @default 0.2 */
  readonly wsRunSecondsBesidesSettle: number;
  /** Billed time of a healthy HTTP run (request, publishing). @default 0.3 */
  readonly httpRunSeconds: number;
  /** One failing attempt; a failing run is two of them plus the retry pause. @default 0.3 - a fast verdict (403, refused) */
  readonly failedAttemptSeconds: number;
  /** Share of runs that fail. Failures are taken as independent, the upper bound on hours billed for Failures metrics. @default 0.001 */
  readonly failureRate: number;
  /** New execution environments per check per day (Lambda bills the init phase). @default 12 */
  readonly coldStartsPerDay: number;
  /** Init phase of one cold start. @default 0.3 */
  readonly initSeconds: number;
  /** How long a container keeps the token before reading the secret again. @default 5 */
  readonly secretCacheMinutes: number;
  /** Log bytes of a healthy run: the result line plus Lambda's START/END/REPORT lines. @default 1000 */
  readonly logBytesPerRun: number;
  /** Log bytes of a failing run (evidence, two attempts). @default 3000 */
  readonly logBytesPerFailedRun: number;
  /** Log group retention; storage is counted uncompressed, an upper bound. @default 1 */
  readonly logRetentionMonths: number;
  /** How datapoints reach CloudWatch: a PutMetricData call per run, or Embedded Metric Format log lines. @default 'putMetricData' */
  readonly metricsTransport: 'putMetricData' | 'emf';
  /** Bytes an EMF line adds to a run's logs (only with metricsTransport 'emf'). @default 400 */
  readonly emfBytesPerRun: number;
  /**
   * Publish Success every run besides Duration (DESIGN §6). Without it, Silent watches Duration's
   * SampleCount and Failing an aggregate Failures{Check} published only in failing hours. @default true
   */
  readonly successMetric: boolean;
  /** Where the token lives: Secrets Manager, or an SSM Parameter Store SecureString (standard tier: no monthly or API fee). @default 'secretsManager' */
  readonly tokenStore: 'secretsManager' | 'parameterStore';
  /** Count the dashboard as free (the account has at most 3 dashboards). @default false */
  readonly dashboardFree: boolean;
  /** The stack creates a KMS key for the alarm topic (SyntheticMonitorProps.topicKey unset). @default true */
  readonly ownTopicKey: boolean;
}

export const DEFAULT_COST_ASSUMPTIONS: CostAssumptions = {
  memoryMb: 256,
  wsRunSecondsBesidesSettle: 0.2,
  httpRunSeconds: 0.3,
  failedAttemptSeconds: 0.3,
  failureRate: 0.001,
  coldStartsPerDay: 12,
  initSeconds: 0.3,
  secretCacheMinutes: 5,
  logBytesPerRun: 1000,
  logBytesPerFailedRun: 3000,
  logRetentionMonths: 1,
  metricsTransport: 'putMetricData',
  emfBytesPerRun: 400,
  successMetric: true,
  tokenStore: 'secretsManager',
  dashboardFree: false,
  ownTopicKey: true,
};

/**
 * The design changes that bring a 1-minute check under the goal (see the report's notes): metrics
 * as EMF log lines, the token in Parameter Store, Duration as the only always-on metric, the
 * dashboard within the free three, an existing key (or none) for the alarm topic.
 */
export const LEAN_DESIGN: Partial<CostAssumptions> = {
  metricsTransport: 'emf',
  tokenStore: 'parameterStore',
  successMetric: false,
  dashboardFree: true,
  ownTopicKey: false,
};

/** One priced line of a check's monthly bill. */
export interface CostLine {
  readonly item: string;
  readonly quantity: number;
  /** What quantity counts, e.g. "GB-s", "metric-months". */
  readonly unit: string;
  readonly unitUsd: number;
  readonly usd: number;
  /** How the quantity was derived. */
  readonly basis: string;
  /** True when the line does not shrink with a longer interval. */
  readonly fixed: boolean;
}

export interface CheckCost {
  readonly check: string;
  readonly kind: Check['kind'];
  readonly runsPerMonth: number;
  readonly lines: readonly CostLine[];
  readonly totalUsd: number;
}

/** A hosted alternative running the same check at the same frequency. */
export interface Alternative {
  readonly name: 'cloudwatchSynthetics' | 'datadog' | 'checkly';
  readonly label: string;
  readonly usdPerCheckMonth: number;
  readonly basis: string;
}

export interface CostReport {
  readonly region: string;
  readonly pricesTakenOn: string;
  readonly intervalMinutes: number;
  readonly runsPerCheckMonth: number;
  readonly assumptions: CostAssumptions;
  readonly checks: readonly CheckCost[];
  /** The whole configuration per month. */
  readonly totalUsd: number;
  /** totalUsd / number of checks: the figure compared with the goal and the alternatives. */
  readonly perCheckMonthUsd: number;
  readonly alternatives: readonly Alternative[];
  readonly goalUsd: number;
  readonly meetsGoal: boolean;
  /** What blocks the goal and which design change would reach it, with computed figures. */
  readonly notes: readonly string[];
}

const fmtInt = (n: number) => Math.round(n).toLocaleString('en-US');
const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

/** The secret a check reads; checks naming the same secret share its monthly fee. */
function secretKey(check: Check): string | undefined {
  if (!check.auth) return undefined;
  const s = check.auth.secret;
  if (s && 'name' in s) return `name:${s.name}`;
  if (s && 'arn' in s) return `arn:${s.arn}`;
  return `created:${check.name}`;
}

function line(item: string, quantity: number, unit: string, price: Price | number, basis: string, fixed: boolean): CostLine {
  const unitUsd = typeof price === 'number' ? price : price.usd;
  return { item, quantity, unit, unitUsd, usd: quantity * unitUsd, basis, fixed };
}

function checkCost(config: MonitorConfig, check: Check, a: CostAssumptions, secretSharers: ReadonlyMap<string, number>): CheckCost {
  const P = PRICES;
  const interval = config.intervalMinutes;
  const runs = MINUTES_PER_MONTH / interval;
  const f = a.failureRate;
  const gb = a.memoryMb / 1024;
  const healthyS = check.kind === 'websocket' ? a.wsRunSecondsBesidesSettle + check.settleMs / 1000 : a.httpRunSeconds;
  const failedS = check.retryDelayMs > 0 ? 2 * a.failedAttemptSeconds + check.retryDelayMs / 1000 : a.failedAttemptSeconds;
  const meanS = (1 - f) * healthyS + f * failedS;
  const coldStarts = a.coldStartsPerDay * DAYS_PER_MONTH;
  // Probability that an hour holds at least one failing run: the hours a Failures metric is billed.
  const failingHourShare = 1 - (1 - f) ** (60 / interval);
  const lines: CostLine[] = [];

  lines.push(line('Lambda requests', runs, 'requests', P.lambdaRequest, `${fmtInt(runs)} runs`, false));
  lines.push(
    line('Lambda compute', runs * meanS * gb, 'GB-s', P.lambdaGbSecondArm64,
      `${fmtInt(runs)} runs × ${meanS.toFixed(3)} s × ${gb} GB (healthy ${healthyS} s, failing ${failedS} s at ${f * 100}%)`, false),
  );
  lines.push(
    line('Lambda init (cold starts)', coldStarts * a.initSeconds * gb, 'GB-s', P.lambdaGbSecondArm64,
      `${a.coldStartsPerDay}/day × ${a.initSeconds} s × ${gb} GB`, true),
  );
  lines.push(line('EventBridge Scheduler', runs, 'invocations', P.schedulerInvocation, `${fmtInt(runs)} runs`, false));

  const alwaysOn = (a.successMetric ? 2 : 1) + (config.phaseTimings ? PHASE_METRICS.length : 0);
  lines.push(
    line('Custom metrics (always published)', alwaysOn, 'metric-months', P.customMetricMonth,
      `${a.successMetric ? 'Success, Duration' : 'Duration'}${config.phaseTimings ? ` + ${PHASE_METRICS.length} phase timings` : ''}`, true),
  );
  const failureMetrics = a.successMetric ? 1 : 2;
  lines.push(
    line('Custom metrics (Failures, failing hours)', failureMetrics * failingHourShare, 'metric-months', P.customMetricMonth,
      `${(failingHourShare * 100).toFixed(1)}% of hours hold a failing run${failureMetrics > 1 ? '; Failures{Reason} and Failures{Check}' : ''}`, false),
  );
  if (a.metricsTransport === 'putMetricData') {
    lines.push(line('PutMetricData requests', runs, 'requests', P.putMetricDataRequest, `1 call per run`, false));
  }
  const alarms = checkAlarmDefinitions(config, check).length;
  lines.push(line('Alarms (standard)', alarms, 'alarm-months', P.standardAlarmMonth, `${alarms} per check, period ${interval * 60} s`, true));

  const key = secretKey(check);
  if (key && a.tokenStore === 'secretsManager') {
    const sharers = secretSharers.get(key) ?? 1;
    lines.push(line('Secrets Manager secret', 1 / sharers, 'secret-months', P.secretMonth, sharers > 1 ? `shared by ${sharers} checks` : '1 secret', true));
    // A warm container re-reads on the first run after its cache expires; a cold one reads at once.
    const refreshes = MINUTES_PER_MONTH / (Math.ceil(a.secretCacheMinutes / interval) * interval);
    lines.push(
      line('Secrets Manager API calls', refreshes + coldStarts, 'calls', P.secretApiCall,
        `every ${Math.ceil(a.secretCacheMinutes / interval) * interval} min + per cold start`, false),
    );
  }

  const bytesPerRun = (1 - f) * a.logBytesPerRun + f * a.logBytesPerFailedRun + (a.metricsTransport === 'emf' ? a.emfBytesPerRun : 0);
  const ingestGb = (runs * bytesPerRun) / BYTES_PER_GB;
  lines.push(line('Logs ingestion', ingestGb, 'GB', P.logsIngestionGb, `${fmtInt(runs)} runs × ${Math.round(bytesPerRun)} B`, false));
  lines.push(line('Logs storage', ingestGb * a.logRetentionMonths, 'GB-months', P.logsStorageGbMonth, `${a.logRetentionMonths} month retention, uncompressed`, false));

  const n = config.checks.length;
  const shared = `shared by ${n} check${n > 1 ? 's' : ''}`;
  if (!a.dashboardFree) lines.push(line('Dashboard (share)', 1 / n, 'dashboard-months', P.dashboardMonth, `1 dashboard ${shared}`, true));
  if (a.ownTopicKey) lines.push(line('KMS key of the alarm topic (share)', 1 / n, 'key-months', P.kmsKeyMonth, `1 key ${shared}`, true));

  return { check: check.name, kind: check.kind, runsPerMonth: runs, lines, totalUsd: sum(lines.map((l) => l.usd)) };
}

function totals(config: MonitorConfig, a: CostAssumptions) {
  const sharers = new Map<string, number>();
  for (const c of config.checks) {
    const key = secretKey(c);
    if (key) sharers.set(key, (sharers.get(key) ?? 0) + 1);
  }
  const checks = config.checks.map((c) => checkCost(config, c, a, sharers));
  const totalUsd = sum(checks.map((c) => c.totalUsd));
  return { checks, totalUsd, perCheckMonthUsd: totalUsd / checks.length };
}

function alternatives(runs: number): Alternative[] {
  const alt = (name: Alternative['name'], label: string, price: Price): Alternative => ({
    name,
    label,
    usdPerCheckMonth: runs * price.usd,
    basis: `${fmtInt(runs)} runs × $${price.usd} (${price.per})`,
  });
  return [
    alt('cloudwatchSynthetics', 'CloudWatch Synthetics', PRICES.cloudwatchSyntheticsRun),
    alt('datadog', 'Datadog API tests', PRICES.datadogApiTestRun),
    alt('checkly', 'Checkly API checks', PRICES.checklyApiCheckRun),
  ];
}

/** Sum of one item across checks, per check. */
function itemPerCheck(checks: readonly CheckCost[], predicate: (l: CostLine) => boolean): number {
  return sum(checks.flatMap((c) => c.lines.filter(predicate).map((l) => l.usd))) / checks.length;
}

function explain(config: MonitorConfig, a: CostAssumptions, checks: readonly CheckCost[], perCheck: number): string[] {
  const usd = (n: number) => `$${n.toFixed(2)}`;
  const notes: string[] = [
    `Free tiers are not counted (Lambda, Scheduler's 14M, the first 3 dashboards); prices ${priceTable.region}, taken ${priceTable.takenOn}.`,
  ];
  if (perCheck <= COST_GOAL_USD) {
    notes.push(`Meets the goal of ${usd(COST_GOAL_USD)} per check-month.`);
    return notes;
  }
  const names = [...new Set(checks.flatMap((c) => c.lines.map((l) => l.item)))];
  const byItem = names
    .map((item) => ({ item, usd: itemPerCheck(checks, (l) => l.item === item) }))
    .sort((x, y) => y.usd - x.usd);
  const fixed = itemPerCheck(checks, (l) => l.fixed);
  notes.push(
    `Over the goal of ${usd(COST_GOAL_USD)} by ${usd(perCheck - COST_GOAL_USD)} per check-month. Largest items: ` +
      byItem.slice(0, 4).map((b) => `${b.item} ${usd(b.usd)}`).join(', ') + '.',
  );
  if (fixed > COST_GOAL_USD) {
    notes.push(
      `No interval reaches the goal with this design: ${usd(fixed)} per check-month does not depend on frequency ` +
        '(always-on metrics, alarms, the secret, the dashboard and KMS key shares).',
    );
  }
  if (a.metricsTransport === 'putMetricData') {
    notes.push(
      `PutMetricData costs ${usd(itemPerCheck(checks, (l) => l.item === 'PutMetricData requests'))}: publishing the datapoints as Embedded Metric Format ` +
        'log lines instead (the fallback path already exists) costs only the extra log bytes.',
    );
  }
  const lean = totals(config, { ...a, ...LEAN_DESIGN });
  const byKind = (kind: Check['kind']) => {
    const cs = lean.checks.filter((c) => c.kind === kind);
    return cs.length ? `${kind} ${usd(sum(cs.map((c) => c.totalUsd)) / cs.length)}` : undefined;
  };
  notes.push(
    'Design that would reach it: metrics as EMF log lines (no PutMetricData), the token in an SSM Parameter Store ' +
      'SecureString (no monthly fee), Duration as the only always-on metric (Silent on its SampleCount, Failing on a ' +
      'Failures{Check} metric billed only in failing hours, success rate by metric math), the dashboard within the free 3, ' +
      'an existing KMS key for the alarm topic (topicKey) or an unencrypted topic: ' +
      `${usd(lean.perCheckMonthUsd)} per check-month (${[byKind('websocket'), byKind('http')].filter(Boolean).join(', ')}).`,
  );
  if (lean.perCheckMonthUsd > COST_GOAL_USD) {
    notes.push(`Even then over the goal: ${usd(lean.perCheckMonthUsd - COST_GOAL_USD)} more to cut (less memory, fewer alarms, or a longer interval).`);
  }
  return notes;
}

/** Monthly cost of a configuration, per check and line item, with hosted alternatives at the same frequency. */
export function estimateCost(config: MonitorConfig, assumptions: Partial<CostAssumptions> = {}): CostReport {
  const a: CostAssumptions = { ...DEFAULT_COST_ASSUMPTIONS, ...assumptions };
  const { checks, totalUsd, perCheckMonthUsd } = totals(config, a);
  const runs = MINUTES_PER_MONTH / config.intervalMinutes;
  return {
    region: priceTable.region,
    pricesTakenOn: priceTable.takenOn,
    intervalMinutes: config.intervalMinutes,
    runsPerCheckMonth: runs,
    assumptions: a,
    checks,
    totalUsd,
    perCheckMonthUsd,
    alternatives: alternatives(runs),
    goalUsd: COST_GOAL_USD,
    meetsGoal: perCheckMonthUsd <= COST_GOAL_USD,
    notes: explain(config, a, checks, perCheckMonthUsd),
  };
}

function table(rows: readonly (readonly string[])[], rightAligned: ReadonlySet<number>): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (rightAligned.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ').trimEnd());
}

const money = (n: number) => (n !== 0 && Math.abs(n) < 0.01 ? `$${n.toFixed(4)}` : `$${n.toFixed(2)}`);
const qty = (n: number) => (Number.isInteger(n) || n >= 100 ? fmtInt(n) : n.toPrecision(3));

/** The report as plain text: one table per check, the total, the alternatives and the notes. */
export function formatCostTable(report: CostReport): string {
  const out: string[] = [
    `Cost per month, ${report.region}, every ${report.intervalMinutes} min (${fmtInt(report.runsPerCheckMonth)} runs per check)`,
  ];
  for (const c of report.checks) {
    out.push('', `${c.check} (${c.kind})`);
    const rows = [['item', 'quantity', 'unit', 'USD', 'basis'], ...c.lines.map((l) => [l.item, qty(l.quantity), l.unit, money(l.usd), l.basis])];
    rows.push(['total', '', '', money(c.totalUsd), '']);
    out.push(...table(rows, new Set([1, 3])).map((r) => `  ${r}`));
  }
  out.push('', `All checks: ${money(report.totalUsd)}/month; per check-month: ${money(report.perCheckMonthUsd)} (goal ${money(report.goalUsd)}: ${report.meetsGoal ? 'met' : 'missed'})`);
  out.push('', 'Alternatives at the same frequency, per check-month:');
  out.push(
    ...table(
      [['synthmon', money(report.perCheckMonthUsd), 'this estimate'], ...report.alternatives.map((a) => [a.label, money(a.usdPerCheckMonth), a.basis])],
      new Set([1]),
    ).map((r) => `  ${r}`),
  );
  out.push('', 'Notes:', ...report.notes.map((n) => `  - ${n}`));
  return out.join('\n');
}
