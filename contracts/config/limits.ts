/**
 * The limits a configuration is held to so that nothing it accepts crashes `cdk synth` or fails
 * every run: the fleet's size, the alarms' evaluation windows and the monitor stack's resources.
 */
import { ALARMS_PER_STACK } from '../fleet';

/**
 * Most checks in one configuration. The design target is 1,000 (docs/DESIGN.md#stacks-that-scale); a monitor's alarms
 * (one per fast check), schedules, dashboard and runner package grow with its checks, and past a
 * few thousand its stack outgrows CloudFormation's limits (see the stack-size rule below): a larger
 * fleet is several monitors.
 */
export const MAX_CHECKS = 5_000;

/**
 * Metrics Insights alarms see only the latest 3 hours: "Only the latest 3 hours of data can be used
 * for evaluating the alarm's conditions" (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-limits.html).
 */
export const INSIGHTS_MAX_WINDOW_SECONDS = 3 * 3600;
/**
 * Longest evaluation range of the standard (Silent) alarm: one day. PutMetricAlarm allows at most
 * 86,400 s for periods under an hour (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html);
 * synthmon keeps to it for every period.
 */
export const STANDARD_MAX_WINDOW_SECONDS = 86_400;

/** CloudFormation's resources per stack (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html). */
export const STACK_MAX_RESOURCES = 500;
/**
 * Alarms the monitor's own stack holds before the rest go to nested stacks, one resource each:
 * ALARMS_PER_STACK in lib/synthetic-monitor.ts (a test keeps the two in step).
 */
export const ALARMS_PER_MONITOR_STACK = ALARMS_PER_STACK;
/** The monitor stack's resources besides schedules, alarms and subscriptions (key, topic, roles, function, dashboard, …: 12 today), with room to spare. */
export const MONITOR_STACK_BASE_RESOURCES = 15;

/** Smallest shard: below it the fleet plan needs far more shards than checks ÷ shard size, and far longer to find them. */
export const MIN_SHARD_CHECKS = 10;

/**
 * Most runner shards the fleet plan (lib/fleet/plan.ts) makes of `checks` checks of one interval in
 * shards of at most `max`: it starts from the fewest that could hold them and adds shards until none
 * is over `max`, which ends below this many (a test sweeps the real plan); never more than one per check.
 */
export function shardEstimate(checks: number, max: number): number {
  const slack = max >= 50 ? 2 : max >= 20 ? 3 : 5;
  return Math.min(checks, slack * Math.ceil(checks / max));
}
