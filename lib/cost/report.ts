/**
 * The shape of a cost estimate (lib/cost/estimate.ts builds it, lib/cost/format.ts prints it) and
 * the assumptions it rests on besides the configuration and the price table.
 */
import type { CheckKind } from '../../contracts/kinds';
import type { IntervalSeconds } from '../../contracts/fleet';
import { INCIDENT_COST_ITEMS } from './incident-items';
import type { PriceEvidence, PriceName } from './prices';

/** Everything the estimate assumes besides the configuration and prices. Defaults are documented per field. */
export interface CostAssumptions {
  /** Memory of the runner function. @default 512 */
  readonly memoryMb: number;
  /** Billed time a shard invocation spends publishing its datapoints, after the slowest check. @default 0.1 */
  readonly publishSeconds: number;
  /** One failing attempt; a failing run is two of them plus the retry pause. @default 0.3 - a fast verdict (403, refused) */
  readonly failedAttemptSeconds: number;
  /**
   * Share of runs (per check, per location) that fail. Failures are taken as independent, which is
   * the upper bound on the hours a sparse Failures series exists (and is billed). @default 0.001
   */
  readonly failureRate: number;
  /** Billed time of a fast shard's invocation, which runs its ticks across the minute. @default 60 */
  readonly fastInvocationSeconds: number;
  /** New execution environments per container per day (Lambda bills the INIT phase). @default 12 */
  readonly coldStartsPerContainerPerDay: number;
  /** INIT phase of one cold start. @default 0.3 */
  readonly initSeconds: number;
  /** How long a container keeps a token before reading its store again. @default 5 */
  readonly tokenCacheMinutes: number;
  /** Log bytes of one check result (the JSON result line). @default 600 */
  readonly logBytesPerResult: number;
  /** Log bytes Lambda adds per invocation (START, END, REPORT). @default 300 */
  readonly logBytesPerInvocation: number;
  /** Log group retention; storage is counted uncompressed, an upper bound. @default 1 */
  readonly logRetentionMonths: number;
  /** Publish CertificateDaysLeft{Host} for every TLS host (README.md#metrics-and-alarms). @default true */
  readonly certificateMetric: boolean;
  /** The stack creates the KMS key of the alarm topic (SyntheticMonitorProps.topicKey unset). @default true */
  readonly ownTopicKey: boolean;
}

/** Line items, in the order they print. */
export const COST_ITEMS = [
  'Lambda requests',
  'Lambda compute',
  'Lambda INIT (cold starts)',
  'EventBridge Scheduler',
  'Metrics: Success + Duration',
  'Metrics: phase timings',
  'Metrics: Failures (failing hours)',
  'Metrics: ShardResults heartbeat',
  'Metrics: CertificateDaysLeft',
  'PutMetricData requests',
  'Alarms: standard resolution',
  'Alarms: high resolution',
  'Alarms: Metrics Insights (metrics analyzed)',
  'Logs: ingestion',
  'Logs: storage',
  'Tokens: SSM GetParameter',
  'Tokens: KMS Decrypt (SecureString)',
  'Tokens: Secrets Manager API calls',
  'Tokens: Secrets Manager secrets',
  ...INCIDENT_COST_ITEMS,
  'Dashboard',
  'KMS key (alarm topic)',
  'KMS key rotations',
] as const;
export type CostItem = (typeof COST_ITEMS)[number];

/** What a line grows with: the figure that multiplies it. */
export type CostScale = 'checks' | 'shards' | 'hosts' | 'tokens' | 'fleet';

/** One priced line of the monthly bill. */
export interface CostLine {
  readonly item: CostItem;
  /** The interval group the line belongs to; absent for lines the whole fleet shares. */
  readonly intervalSeconds?: IntervalSeconds;
  readonly quantity: number;
  /** What quantity counts, e.g. "GB-s", "metric-months". */
  readonly unit: string;
  readonly price: PriceName;
  readonly unitUsd: number;
  /** Per month, the whole fleet. */
  readonly usd: number;
  /** usd / number of checks in the fleet. */
  readonly perCheckUsd: number;
  /** How the quantity was derived. */
  readonly basis: string;
  readonly scalesWith: CostScale;
  /** First year of the deployment the line is billed in (KMS rotation surcharges); absent: from the start. */
  readonly fromYear?: number;
}

/** A hosted peer running the same check at the same frequency from the same number of locations. */
export interface Alternative {
  readonly name: 'cloudwatchSynthetics' | 'checkly' | 'datadog';
  readonly label: string;
  readonly usdPerCheckMonth: number;
  /** Runs per check-month the figure is for (CloudWatch Synthetics: at most one a minute). */
  readonly runsPerCheckMonth: number;
  readonly basis: string;
}

/** The checks of one interval: their share of the bill against the goal and the peers. */
export interface IntervalCost {
  readonly intervalSeconds: IntervalSeconds;
  readonly fast: boolean;
  readonly checks: number;
  /** Shards of this interval in each location. */
  readonly shards: number;
  /** Runs of one check per month, all locations together. */
  readonly runsPerCheckMonth: number;
  /** The group's own lines plus its checks' share of the fleet-wide lines (steady state). */
  readonly usd: number;
  readonly perCheckMonthUsd: number;
  /** docs/DESIGN.md#cost-and-time-to-detect: $1.00 per check-month at 60 s and slower, $2.00 for fast checks. */
  readonly goalUsd: number;
  readonly meetsGoal: boolean;
  readonly alternatives: readonly Alternative[];
}

/** The fleet the estimate is for, as planned (lib/fleet/plan.ts). */
export interface FleetSummary {
  readonly checks: number;
  readonly byKind: Readonly<Record<CheckKind, number>>;
  /** Shards per location. */
  readonly shards: number;
  readonly locations: readonly string[];
  readonly homeRegion?: string;
  readonly tokens: number;
  /** Distinct host names of TLS checks (one CertificateDaysLeft series each). */
  readonly tlsHosts: number;
  readonly alarms: number;
  /** One line, e.g. "100 checks (50 websocket, 50 http) every 60 s; 4 shards × 1 location; 1 token; 50 TLS hosts; 7 alarms". */
  readonly description: string;
}

/** A price the estimate used, with its provenance, for the printed source list. */
export interface PriceSource {
  readonly name: PriceName;
  readonly usd: number;
  readonly per: string;
  readonly source: string;
  readonly quote: string;
  readonly evidence: PriceEvidence;
}

export interface CostReport {
  readonly region: string;
  readonly pricesTakenOn: string;
  readonly fleet: FleetSummary;
  readonly assumptions: CostAssumptions;
  /** Every line item of the fleet's month (steady state: KMS rotations included). */
  readonly lines: readonly CostLine[];
  /** Sum of lines. */
  readonly totalUsd: number;
  /** totalUsd / number of checks: the figure compared with the goal and the peers. */
  readonly perCheckMonthUsd: number;
  /** The first year of a deployment: lines with fromYear > 1 left out. */
  readonly firstYear: { readonly totalUsd: number; readonly perCheckMonthUsd: number };
  /** Per interval group, ascending. */
  readonly intervals: readonly IntervalCost[];
  /** Peers averaged over the fleet's checks (each at its own interval). */
  readonly alternatives: readonly Alternative[];
  /** Check-weighted goal of the fleet's interval groups. */
  readonly goalUsd: number;
  /** Every interval group meets its goal. */
  readonly meetsGoal: boolean;
  /** The prices the lines and peers used. */
  readonly sources: readonly PriceSource[];
  /** What is and is not counted, what blocks a goal, what an assumption hides. */
  readonly notes: readonly string[];
  /** With several locations: the cost per check-month per location, two ways. */
  readonly perLocation?: LocationCost;
}

/**
 * What a location costs per check-month. Most of the bill does not grow with locations (every
 * location publishes the same Success / Duration identities; the dashboard, key and class alarms are
 * the home region's), so the marginal cost of a location is well below the average.
 */
export interface LocationCost {
  readonly locations: number;
  /** perCheckMonthUsd / locations: the all-in cost of a check-month spread evenly over the locations. */
  readonly averagePerCheckMonthUsd: number;
  /** What the last location adds per check-month: this fleet's cost minus the same fleet's from one location fewer. */
  readonly marginalPerCheckMonthUsd: number;
  /** The locations of that fleet: all but the last one that is not the home region. */
  readonly comparedWith: readonly string[];
  /** The marginal cost by line item, per check-month, largest first (lines that do not change left out). */
  readonly marginalLines: ReadonlyArray<{ readonly item: CostItem; readonly perCheckUsd: number }>;
}
