/**
 * The configuration's stack-size rule (nothing validation accepts may crash `cdk synth`)
 * against the real fleet plan and the real construct: its shard estimate bounds the plan's shards,
 * its alarm-per-stack figure is the construct's, and the largest fleets it accepts synthesize with
 * every stack within CloudFormation's 500 resources.
 */
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import {
  ALARMS_PER_MONITOR_STACK,
  MIN_SHARD_CHECKS,
  parseConfig,
  shardEstimate,
  STACK_MAX_RESOURCES,
  type MonitorConfigInput,
} from '../../contracts/config';
import { REGION_PARTITIONS } from '../../contracts/regions';
import { bucketize } from '../../lib/fleet/plan';
import { buildMonitorStacks } from '../../lib/monitor-stack';
import { ALARMS_PER_STACK } from '../../lib/synthetic-monitor';
import { generatedFleet, testApp } from '../lib/support';

describe('shardEstimate', () => {
  it.each([MIN_SHARD_CHECKS, 12, 20, 30, 50, 100, 500])('bounds the shards the plan makes of up to 1,000 checks in shards of %i', (max) => {
    for (const n of [1, 9, 10, 11, 49, 51, 99, 101, 250, 499, 501, 1000]) {
      for (const prefix of ['marketplace-orders-api', 'c', 'x9']) {
        const names = Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
        expect(bucketize(names, max).size, `${n} checks named ${prefix}-<i>`).toBeLessThanOrEqual(shardEstimate(n, max));
      }
    }
  });

  it('never counts more shards than checks', () => {
    expect(shardEstimate(7, MIN_SHARD_CHECKS)).toBe(5);
    expect(shardEstimate(3, MIN_SHARD_CHECKS)).toBe(3);
  });
});

describe('the monitor stack budget', () => {
  it("counts the construct's alarms per stack", () => {
    expect(ALARMS_PER_MONITOR_STACK).toBe(ALARMS_PER_STACK);
  });

  /** Resources and template bytes (compact JSON, as the stacks are written) of every stack, nested ones included. */
  const stackSizes = (input: MonitorConfigInput) => {
    const { monitor, runners } = buildMonitorStacks(testApp({ bundle: false }), 'Fleet', input);
    // The fleet (alarms, and the nested stacks past the first 400) is built just before synthesis:
    // build it now, or the nested stacks are not there to be found.
    expect(monitor.monitor.alarms.length).toBeGreaterThan(0);
    const nested = monitor.node.findAll().filter((c): c is Stack => c instanceof Stack && c !== monitor);
    return [monitor, ...runners, ...nested].map((s) => {
      const json = Template.fromStack(s).toJSON();
      return { resources: Object.keys(json.Resources ?? {}).length, bytes: JSON.stringify(json).length };
    });
  };

  it.each<[string, MonitorConfigInput]>([
    ['5,000 checks every 60 s from one location', generatedFleet(5_000)],
    ['1,000 fast checks from three locations', generatedFleet(1_000, { intervalSeconds: 10, locations: ['eu-west-1', 'us-east-1', 'ap-south-1'] })],
    [
      '1,000 checks from twenty locations',
      generatedFleet(1_000, {
        locations: Object.keys(REGION_PARTITIONS)
          .filter((r) => REGION_PARTITIONS[r] === 'aws')
          .slice(0, 20),
      }),
    ],
    ['450 checks in shards of 10', generatedFleet(450, { shardMaxChecks: MIN_SHARD_CHECKS })],
    ['5,000 fast checks from one location', generatedFleet(5_000, { intervalSeconds: 10 })],
    // Issue 14: from several locations a fast check's Failing alarm is metric math (three queries, not one).
    ['5,000 fast checks from three locations', generatedFleet(5_000, { intervalSeconds: 10, locations: ['eu-west-1', 'us-east-1', 'ap-south-1'] })],
  ])('accepts %s, and every stack synthesizes within 500 resources and 1 MB', { timeout: 600_000 }, (_what, input) => {
    expect(() => parseConfig(input)).not.toThrow();
    for (const { resources, bytes } of stackSizes(input)) {
      expect(resources).toBeLessThanOrEqual(STACK_MAX_RESOURCES);
      // CloudFormation's template body limit from S3 is 1 MB (cloudformation-limits.html).
      expect(bytes).toBeLessThanOrEqual(1_000_000);
    }
  });
});
