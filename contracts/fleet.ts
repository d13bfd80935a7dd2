/**
 * Fleet-level facts shared by the configuration, the runner and the CDK app (README.md#configuration, docs/DESIGN.md#the-fleet-runner):
 * the allowed intervals, the shard limits, and the default names of a token's stores.
 * No imports: everything loads this cheaply.
 */

/**
 * The shape of an AWS region name such as eu-west-1, us-gov-west-1 or eusc-de-east-1 (the runner's
 * environment). The configuration checks more: a region this aws-cdk-lib knows (contracts/regions.ts).
 */
export const REGION_RE = /^[a-z]{2,4}(?:-[a-z]+)+-\d{1,2}$/;

/** Allowed check intervals in seconds (README.md#configuration, MUST). */
export const INTERVALS = [10, 20, 30, 60, 120, 300, 600, 900, 1800, 3600] as const;
export type IntervalSeconds = (typeof INTERVALS)[number];

/** Intervals below a minute: fast checks (high-resolution metrics, 10 s alarms, ticks inside one invocation). */
export const FAST_INTERVALS = [10, 20, 30] as const;

export function isFastInterval(seconds: number): boolean {
  return (FAST_INTERVALS as readonly number[]).includes(seconds);
}

/** The token a check uses when its auth names none. */
export const DEFAULT_TOKEN_NAME = 'default';

/** Environment variable holding a named token for local runs: SYNTHMON_TOKEN, or SYNTHMON_TOKEN_<NAME>. */
export function defaultTokenEnv(name: string): string {
  return name === DEFAULT_TOKEN_NAME ? 'SYNTHMON_TOKEN' : `SYNTHMON_TOKEN_${name.toUpperCase().replace(/-/g, '_')}`;
}

/** SSM parameter holding a named token unless the configuration says otherwise. */
export function defaultParameterName(name: string): string {
  return `/synthmon/${name}`;
}

/**
 * Lambda's longest timeout: "900 seconds (15 minutes)" —
 * https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html ("Function timeout: 900 seconds (15 minutes)").
 */
export const LAMBDA_MAX_TIMEOUT_S = 900;

/** Default of `shardMaxChecks`: see docs/DESIGN.md#the-fleet-runner for the measurement behind it. */
export const DEFAULT_SHARD_MAX_CHECKS = 50;

/**
 * Default of `fastShardMaxChecks`. A fast shard's invocation is billed for its whole minute of
 * ticks, mostly idle, so its cost per check falls with its size; a tick of 100 checks finishes far
 * inside its 10 s (docs/DESIGN.md#the-fleet-runner, `npm run bench`: runner).
 */
export const FAST_SHARD_MAX_CHECKS = 100;

/**
 * Alarms per stack: the monitor stack keeps the first ones, nested stacks take the rest, this many
 * each (CloudFormation allows 500 resources per stack:
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html).
 */
export const ALARMS_PER_STACK = 400;

/**
 * How many alarms the monitor stack itself holds: what ALARMS_PER_STACK leaves beside its own
 * schedules (one per shard of the home runner) and subscriptions. The construct places alarms by
 * this and validation counts with it, so they agree.
 */
export function alarmsInMonitorStack(schedules: number, subscriptions: number): number {
  return Math.max(0, ALARMS_PER_STACK - schedules - subscriptions);
}
