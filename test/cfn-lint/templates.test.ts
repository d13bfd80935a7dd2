/**
 * cfn-lint over every template the monitor synthesizes (nested stacks included), and the boundary
 * fuzz: each configuration either is refused by validation with a message, or synthesizes without
 * crashing, within every CloudFormation and CloudWatch limit (./limits.ts), with 0 cfn-lint errors.
 *
 * The one allowed exception: cfn-lint's schemas predate AWS::CloudWatch::Alarm's WarmUpConfiguration
 * ("The WarmUpConfiguration property type specifies ... for an AWS::CloudWatch::Alarm",
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-cloudwatch-alarm-warmupconfiguration.html;
 * PutMetricAlarm's WarmUpConfiguration: "During the warm-up period, the alarm stays in
 * INSUFFICIENT_DATA and does not perform alarm actions",
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_WarmUpConfiguration.html), so
 * it reports E3002 "Additional properties are not allowed ('WarmUpConfiguration' was unexpected)".
 *
 * A second, narrower one, found by this test: cfn-lint's E3615 ("Valid values are 10, 30, 60, and
 * any multiple of 60") refuses an alarm Period of 20, which CloudWatch accepts — PutMetricAlarm,
 * Period: "Valid values are 10, 20, 30, and any multiple of 60" (the CloudWatch API reference, e.g.
 * https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/cloudwatch/aws.sdk.kotlin.services.cloudwatch.model/-put-metric-alarm-request/period.html,
 * and https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html), and
 * AWS::CloudWatch::Alarm MetricStat, Period: "the period can be 1, 5, 10, 20, 30, 60, or any multiple
 * of 60". Only the value 20 is excused; any other E3615 fails.
 *
 * cfn-lint must be installed (CI and these machines have it; elsewhere `pip install cfn-lint`).
 */
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { largeFleetConfig } from '../../bench/fleet';
import defaultConfigJson from '../../config/default.json';
import { ConfigError, parseConfig, type MonitorConfigInput } from '../../contracts/config';
import { benchmarkFleet } from '../../lib/cost/benchmark-fleet';
import { generatedFleet } from '../lib/support';
import { boundaryConfig, limitProblems, prng } from './limits';
import { cfnLint, cfnLintVersion, countByRule, synthTemplates, type LintFinding } from './lint';

const SEED = defaultConfigJson as MonitorConfigInput;
const THREE = ['us-east-1', 'eu-west-1', 'ap-southeast-1'];
const TEN = [
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
  'eu-west-1',
  'eu-west-2',
  'eu-central-1',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-northeast-1',
];
const SYNTH_TIMEOUT = 600_000;

/** cfn-lint's documented false positives here (see the header): WarmUpConfiguration, and a 20 s alarm period. */
const isWarmUpException = (f: LintFinding) => f.Rule.Id === 'E3002' && f.Message.includes("'WarmUpConfiguration' was unexpected");
const isPeriod20Exception = (f: LintFinding) => f.Rule.Id === 'E3615' && f.Message.startsWith('20 is not one of');
/** The errors that count: every Error but the two exceptions, as "rule file: message". */
const errors = (findings: readonly LintFinding[]) =>
  findings
    .filter((f) => f.Level === 'Error' && !isWarmUpException(f) && !isPeriod20Exception(f))
    .map((f) => `${f.Rule.Id} ${f.Filename.split('/').pop()}: ${f.Message.slice(0, 300)}`);

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Synthesize (kept until the end of the file), with the limit problems of every template. */
function synth(config: MonitorConfigInput): { templates: string[]; limits: string[] } {
  const { dir, templates } = synthTemplates(config);
  dirs.push(dir);
  return { templates, limits: templates.flatMap(limitProblems) };
}

describe('cfn-lint', () => {
  it('is installed (pip install cfn-lint)', () => {
    expect(cfnLintVersion(), 'cfn-lint was not found on PATH: install it with `pip install cfn-lint`').toMatch(/^cfn-lint \d+\./);
  });

  it.each<[string, () => MonitorConfigInput]>([
    ['the default configuration', () => SEED],
    [
      'the seed from three locations with a 10 s check',
      () => ({
        ...SEED,
        locations: THREE,
        checks: [
          ...SEED.checks,
          { name: 'orders-fast', kind: 'http', url: 'https://multivendor-backend.indexo.ir/api/orders/', intervalSeconds: 10 },
        ],
      }),
    ],
    ['the 1,000-check scale bench fleet (bench/fleet.ts) from one location', () => largeFleetConfig({ checks: 1000 })],
    ['the 1,000-check scale bench fleet from three locations', () => largeFleetConfig({ checks: 1000, locations: THREE })],
    ['the 1,000-check cost bench fleet (lib/cost/benchmark-fleet.ts)', () => benchmarkFleet({ checks: 1000 })],
    ['the 1,000-check cost bench fleet of 20 s checks', () => benchmarkFleet({ checks: 1000, intervalSeconds: 20 })],
  ])(
    'finds 0 errors in every template of %s, each within every limit',
    (_what, config) => {
      const { templates, limits } = synth(config());
      expect(limits).toEqual([]);
      const findings = cfnLint(templates);
      expect(errors(findings)).toEqual([]);
      // What remains: the exceptions (and warnings), counted per rule for the record.
      const remaining = Object.keys(countByRule(findings.filter((f) => f.Level === 'Error')));
      expect(remaining.filter((id) => id !== 'E3002' && id !== 'E3615')).toEqual([]);
      console.info(`cfn-lint findings per rule: ${JSON.stringify(countByRule(findings))}`);
    },
    SYNTH_TIMEOUT,
  );
});

/** Each case: refused by validation with a message, or synthesized within every limit with 0 cfn-lint errors. */
function judge(config: MonitorConfigInput): { refused: string } | { templates: string[]; limits: string[] } {
  try {
    parseConfig(config);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    expect(err.problems.length).toBeGreaterThan(0);
    return { refused: err.message };
  }
  return synth(config);
}

describe('boundary fuzz: validation refuses, or the templates fit every limit and lint clean', () => {
  it.each<[string, MonitorConfigInput]>([
    // The three reproductions (nested alarm stacks with 216-322 outputs; a 1.3 MB home template).
    ['1,000 checks in shards of 10 from 3 locations', generatedFleet(1000, { shardMaxChecks: 10, locations: THREE })],
    ['1,400 checks from 10 locations', generatedFleet(1400, { locations: TEN })],
    [
      '1,000 checks with 39-character names and a 230-character namespace',
      {
        namespace: 'N'.repeat(230),
        checks: Array.from({ length: 1000 }, (_, i) => ({
          name: `c${String(i).padStart(4, '0')}-${'x'.repeat(33)}`,
          kind: 'http' as const,
          url: `https://h${i}.example.com/`,
        })),
      },
    ],
    ['1,000 checks every 20 s from 3 locations', generatedFleet(1000, { intervalSeconds: 20, locations: THREE })],
    ['900 checks in shards of 10 from one location', generatedFleet(900, { shardMaxChecks: 10 })],
  ])(
    '%s',
    (_what, config) => {
      const r = judge(config);
      // Refused: with the stack-size rule's message. Synthesized: within every limit, lint clean.
      const outcome =
        'refused' in r
          ? { refused: /must fit one monitor stack|must list at most/.test(r.refused) }
          : { limits: r.limits, errors: errors(cfnLint(r.templates)) };
      expect(outcome).toEqual('refused' in r ? { refused: true } : { limits: [], errors: [] });
    },
    SYNTH_TIMEOUT,
  );

  it(
    '16 seeded configurations of up to 200 checks (shards, locations, names, namespace, intervals incl. 20 s)',
    () => {
      const random = prng(20261204);
      const synthesized: string[] = [];
      let refused = 0;
      for (let i = 0; i < 16; i++) {
        const config = boundaryConfig(random, { maxChecks: 200 });
        const r = judge(config);
        if ('refused' in r) {
          refused++;
          continue;
        }
        expect(r.limits, `case ${i}`).toEqual([]);
        synthesized.push(...r.templates);
      }
      // The seed yields mostly accepted configurations: the fuzz exercises synthesis, not only validation.
      expect(refused).toBeLessThan(6);
      expect(errors(cfnLint(synthesized))).toEqual([]);
    },
    SYNTH_TIMEOUT,
  );
});
