/**
 * The monitor's metrics as CDK objects (README.md#metrics-and-alarms): one builder that users' own alarms and widgets
 * share, in the style of aws-cdk's `metricX()` accessors, and the monitor's Metrics Insights queries.
 * Identities come from contracts/metrics.ts (`metricIdentity`, the same the publisher, the alarm
 * definitions and the dashboard use); queries go through the one renderer (lib/alarms/insights.ts).
 * Nothing here creates a resource.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { checkPeriodSeconds, Dimension, MetricName, metricIdentity, type MetricRead, type Statistic } from '../contracts/metrics';
import type { Outcome } from '../contracts/outcomes';
import { renderQuery, type InsightsFunction } from './alarms/insights';

/** A check as the metric builder needs it: its name and interval. */
export interface MetricCheck {
  readonly name: string;
  readonly intervalSeconds: number;
}

/**
 * Periods aws-cdk-lib's `Metric` accepts: "'period' must be 1, 5, 10, 30, or a multiple of 60
 * seconds" (its own check; CloudWatch itself also accepts 20 s, see lib/alarms/deploy.ts). A 20 s
 * check's `metricX()` therefore defaults to 10 s periods, the nearest CDK accepts that still shows
 * every datapoint; the construct's own alarms and dashboard write 20 s directly.
 */
export function cdkPeriodSeconds(seconds: number): number {
  return seconds === 20 ? 10 : seconds;
}

/** A metric read (contracts/metrics.ts) as a CDK Metric. */
export function cdkMetric(read: MetricRead, options: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: read.namespace,
    metricName: read.metricName,
    dimensionsMap: { ...read.dimensions },
    statistic: read.statistic,
    period: Duration.seconds(cdkPeriodSeconds(read.periodSeconds)),
    ...options,
  });
}

/** Builds the monitor's metrics for one namespace. */
export class MonitorMetrics {
  constructor(readonly namespace: string) {}

  /** `Success` of a check: Average over a period is its success ratio. @default period - the check's interval */
  metricSuccess(check: MetricCheck, options: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return cdkMetric(this.success(check), options);
  }

  /** `Duration` of a check's runs in milliseconds. @default statistic - Average */
  metricDuration(check: MetricCheck, options: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return cdkMetric(this.duration(check), options);
  }

  /** `Failures` of a check for one outcome: Sum is the failed runs (of all locations) with that outcome. */
  metricFailures(check: MetricCheck, reason: Outcome, options: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return cdkMetric(this.failures(check, reason), options);
  }

  /** A runner shard's heartbeat in one location: SampleCount is its runs (ticks). */
  metricShardResults(shard: string, location: string, periodSeconds: number, options: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return cdkMetric({ ...metricIdentity.shardResults(this.namespace, shard, location), statistic: 'SampleCount', periodSeconds }, options);
  }

  /** `Success` of a check as data: Average per the check's period. */
  success(check: MetricCheck, statistic: Statistic = 'Average'): MetricRead {
    return { ...metricIdentity.success(this.namespace, check.name), statistic, periodSeconds: checkPeriodSeconds(check.intervalSeconds) };
  }

  /** `Duration` of a check as data. */
  duration(check: MetricCheck, statistic: Statistic = 'Average'): MetricRead {
    return { ...metricIdentity.duration(this.namespace, check.name), statistic, periodSeconds: checkPeriodSeconds(check.intervalSeconds) };
  }

  /** `Failures` of a check for one outcome as data: Sum per the check's period. */
  failures(check: MetricCheck, reason: Outcome): MetricRead {
    return {
      ...metricIdentity.failures(this.namespace, check.name, reason),
      statistic: 'Sum',
      periodSeconds: checkPeriodSeconds(check.intervalSeconds),
    };
  }

  /** Fleet success ratio: Metrics Insights over every check's Success. */
  fleetSuccessQuery(): string {
    return this.query('AVG', MetricName.SUCCESS);
  }

  /** The `limit` checks with the lowest success ratio (one line each). */
  worstChecksQuery(limit = 10): string {
    return this.query('AVG', MetricName.SUCCESS, { groupBy: Dimension.CHECK, direction: 'ASC', limit });
  }

  /** The `limit` slowest checks by average Duration. */
  slowestChecksQuery(limit = 10): string {
    return this.query('AVG', MetricName.DURATION, { groupBy: Dimension.CHECK, direction: 'DESC', limit });
  }

  /** Failed runs of the whole fleet by Reason (every outcome that occurs shows up). */
  failuresByReasonQuery(): string {
    return renderQuery({
      aggregate: 'SUM',
      metricName: MetricName.FAILURES,
      namespace: this.namespace,
      schemaDimensions: [Dimension.CHECK, Dimension.REASON],
      groupBy: [Dimension.REASON],
      orderBy: { aggregate: 'SUM', direction: 'DESC' },
    });
  }

  /** Fleet success rate (a MathExpression for widgets of your own). */
  fleetSuccessPercent(period: Duration = Duration.minutes(1)): cloudwatch.MathExpression {
    return new cloudwatch.MathExpression({ expression: this.fleetSuccessQuery(), usingMetrics: {}, period, label: 'fleet success ratio' });
  }

  private query(aggregate: InsightsFunction, metricName: MetricName, by?: { groupBy: string; direction: 'ASC' | 'DESC'; limit: number }): string {
    return renderQuery({
      aggregate,
      metricName,
      namespace: this.namespace,
      schemaDimensions: [Dimension.CHECK],
      ...(by ? { groupBy: [by.groupBy], orderBy: { aggregate, direction: by.direction }, limit: by.limit } : {}),
    });
  }
}
