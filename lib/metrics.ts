/**
 * The monitor's metrics as CDK objects (DESIGN §6): one builder that the alarms, the dashboard and
 * users' own alarms share, in the style of aws-cdk's `metricX()` accessors. Names and dimensions
 * come from contracts/metrics.ts; nothing here creates a resource.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { isFastInterval } from '../contracts/fleet';
import { Dimension, MetricName } from '../contracts/metrics';
import type { Outcome } from '../contracts/outcomes';

/** A check as the metric builder needs it: its name and interval. */
export interface MetricCheck {
  readonly name: string;
  readonly intervalSeconds: number;
}

/** Builds the monitor's metrics for one namespace. */
export class MonitorMetrics {
  constructor(readonly namespace: string) {}

  /** `Success` of a check: Average over a period is its success ratio. @default period - the check's interval */
  metricSuccess(check: MetricCheck, options: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return this.metric(MetricName.SUCCESS, { [Dimension.CHECK]: check.name }, 'Average', check.intervalSeconds, options);
  }

  /** `Duration` of a check's runs in milliseconds. @default statistic - Average */
  metricDuration(check: MetricCheck, options: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return this.metric(MetricName.DURATION, { [Dimension.CHECK]: check.name }, 'Average', check.intervalSeconds, options);
  }

  /** `Failures` of a check for one outcome: Sum is the failed runs (of all locations) with that outcome. */
  metricFailures(check: MetricCheck, reason: Outcome, options: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return this.metric(MetricName.FAILURES, { [Dimension.CHECK]: check.name, [Dimension.REASON]: reason }, 'Sum', check.intervalSeconds, options);
  }

  /** A runner shard's heartbeat in one location: SampleCount is its runs (ticks). */
  metricShardResults(shard: string, location: string, periodSeconds: number, options: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return this.metric(MetricName.SHARD_RESULTS, { [Dimension.SHARD]: shard, [Dimension.LOCATION]: location }, 'SampleCount', periodSeconds, options);
  }

  /** Fleet success rate in percent (Metrics Insights over every check's Success). */
  fleetSuccessPercent(period: Duration = Duration.minutes(1)): cloudwatch.MathExpression {
    return this.insights(`SELECT AVG(${MetricName.SUCCESS}) FROM SCHEMA(${this.schema(Dimension.CHECK)})`, 'fleet success ratio', period);
  }

  /** The `limit` checks with the lowest success ratio (one line each). */
  worstChecks(limit = 10, period: Duration = Duration.minutes(5)): cloudwatch.MathExpression {
    return this.insights(
      `SELECT AVG(${MetricName.SUCCESS}) FROM SCHEMA(${this.schema(Dimension.CHECK)}) GROUP BY ${Dimension.CHECK} ORDER BY AVG() ASC LIMIT ${limit}`,
      '',
      period,
    );
  }

  /** The `limit` slowest checks by average Duration. */
  slowestChecks(limit = 10, period: Duration = Duration.minutes(5)): cloudwatch.MathExpression {
    return this.insights(
      `SELECT AVG(${MetricName.DURATION}) FROM SCHEMA(${this.schema(Dimension.CHECK)}) GROUP BY ${Dimension.CHECK} ORDER BY AVG() DESC LIMIT ${limit}`,
      '',
      period,
    );
  }

  /** Failed runs of the whole fleet by Reason (every outcome that occurs shows up). */
  failuresByReason(period: Duration = Duration.minutes(1)): cloudwatch.MathExpression {
    return this.insights(
      `SELECT SUM(${MetricName.FAILURES}) FROM SCHEMA(${this.schema(Dimension.CHECK, Dimension.REASON)}) GROUP BY ${Dimension.REASON} ORDER BY SUM() DESC`,
      '',
      period,
    );
  }

  private schema(...dimensions: string[]): string {
    return [JSON.stringify(this.namespace), ...dimensions].join(', ');
  }

  private insights(expression: string, label: string, period: Duration): cloudwatch.MathExpression {
    return new cloudwatch.MathExpression({ expression, usingMetrics: {}, period, ...(label ? { label } : {}) });
  }

  private metric(
    metricName: string,
    dimensionsMap: Record<string, string>,
    statistic: string,
    intervalSeconds: number,
    options: cloudwatch.MetricOptions,
  ): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: this.namespace,
      metricName,
      dimensionsMap,
      statistic,
      // A fast check's datapoints are high resolution; its natural period is its interval.
      period: Duration.seconds(isFastInterval(intervalSeconds) ? intervalSeconds : Math.max(60, intervalSeconds)),
      ...options,
    });
  }
}
