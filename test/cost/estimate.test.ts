import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../contracts/config';
import type { IntervalSeconds } from '../../contracts/fleet';
import { alarmDefinitions } from '../../lib/alarms/definitions';
import {
  benchmarkFleet,
  COST_ITEMS,
  estimateCost,
  formatCostTable,
  PRICES,
  type CostItem,
  type CostLine,
  type CostReport,
} from '../../lib/cost/estimate';
import priceTable from '../../lib/cost/prices.json';
import { planFleet } from '../../lib/fleet/plan';

/** One cold start every 2 h for a month: 12 × 730 / 24. */
const COLD_STARTS_PER_MONTH = 365;

const lineOf = (r: CostReport, item: CostItem, intervalSeconds?: number): CostLine => {
  const found = r.lines.find((l) => l.item === item && (intervalSeconds === undefined || l.intervalSeconds === intervalSeconds));
  if (!found) throw new Error(`no line "${item}" in ${r.lines.map((l) => l.item).join(', ')}`);
  return found;
};
const has = (r: CostReport, item: CostItem) => r.lines.some((l) => l.item === item);
const total = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
/** The incident pipeline's lines per check-month (computed by hand in test/cost/incidents.test.ts). */
const incidents = (r: CostReport) => total(r.lines.filter((l) => l.item.startsWith('Incidents:')).map((l) => l.perCheckUsd));

const fleet100at60 = () => benchmarkFleet({ checks: 100, intervalSeconds: 60 });
/** The benchmark fleet's checks with per-check intervals (deadlines and retry pauses left to their interval's defaults). */
const mixedFleet = (checks: number, intervalOf: (index: number) => IntervalSeconds) =>
  parseConfig({
    checks: benchmarkFleet({ checks }).checks.map(({ timeoutMs: _t, retryDelayMs: _r, intervalSeconds: _i, ...c }, i) => ({
      ...c,
      intervalSeconds: intervalOf(i),
    })),
  });
const fleet100at10 = () => benchmarkFleet({ checks: 100, intervalSeconds: 10 });

describe('estimateCost', () => {
  it.each([
    ['100 checks every 60 s', fleet100at60()],
    ['100 checks every 10 s', fleet100at10()],
    ['1,000 checks every 60 s', benchmarkFleet({ checks: 1000 })],
    ['3 locations', benchmarkFleet({ checks: 100, locations: ['eu-west-1', 'us-east-1', 'ap-southeast-2'] })],
    ['a mixed fleet', mixedFleet(6, (i) => ([10, 60, 300] as const)[i % 3]!)],
  ])('sums its line items to the total, per check, per interval and for the first year (%s)', (_name, config) => {
    const r = estimateCost(config);
    expect(total(r.lines.map((l) => l.usd))).toBeCloseTo(r.totalUsd, 9);
    expect(total(r.lines.map((l) => l.perCheckUsd))).toBeCloseTo(r.perCheckMonthUsd, 9);
    expect(r.perCheckMonthUsd).toBeCloseTo(r.totalUsd / config.checks.length, 9);
    expect(total(r.intervals.map((g) => g.usd))).toBeCloseTo(r.totalUsd, 9);
    for (const l of r.lines) expect(l.usd).toBeCloseTo(l.quantity * l.unitUsd, 9);
    const rotations = has(r, 'KMS key rotations') ? lineOf(r, 'KMS key rotations').usd : 0;
    expect(r.firstYear.totalUsd).toBeCloseTo(r.totalUsd - rotations, 9);
    expect(r.lines.every((l) => COST_ITEMS.includes(l.item) && l.usd >= 0 && l.basis.length > 0)).toBe(true);
  });

  it('prices 100 checks every 60 s line by line as computed by hand (under $1.00 per check-month before the incident pipeline)', () => {
    const config = fleet100at60();
    const plan = planFleet(config);
    // The name hash spreads 100 checks over 4 buckets of at most 50.
    expect(plan.shards.map((s) => s.checks.length)).toEqual([34, 31, 35]);
    const r = estimateCost(config);
    expect(r.fleet).toMatchObject({ checks: 100, byKind: { websocket: 50, http: 50 }, shards: 3, locations: ['default'], tokens: 1, tlsHosts: 50 });

    // 3 shards × 2,628,000 s / 60 s = 131,400 invocations, schedules and PutMetricData calls.
    expect(lineOf(r, 'Lambda requests').quantity).toBeCloseTo(131_400, 6);
    expect(lineOf(r, 'Lambda requests').usd).toBeCloseTo(0.02628, 9);
    expect(lineOf(r, 'EventBridge Scheduler').usd).toBeCloseTo(0.1314, 9);
    expect(lineOf(r, 'PutMetricData requests').usd).toBeCloseTo(1.314, 9);
    // A shard runs as long as its slowest check: a WebSocket's 0.3 s handshake + 1 s settle, + 0.1 s publishing;
    // when one of its n checks fails (1 − 0.999^n), the failing run takes 0.3 + 2 s pause + 0.3 s.
    const gbs = total(
      plan.shards.map((s) => {
        const p = 1 - 0.999 ** s.checks.length;
        return 43_800 * ((1 - p) * 1.3 + p * 2.6 + 0.1) * 0.5;
      }),
    );
    expect(lineOf(r, 'Lambda compute').quantity).toBeCloseTo(gbs, 6);
    expect(lineOf(r, 'Lambda compute').usd).toBeCloseTo(1.2638, 4);
    // 3 containers × 365 cold starts × 0.3 s × 0.5 GB.
    expect(lineOf(r, 'Lambda INIT (cold starts)').quantity).toBeCloseTo(164.25, 6);

    expect(lineOf(r, 'Metrics: Success + Duration').usd).toBeCloseTo(60, 9); // 200 × $0.30
    // 60 runs an hour: 1 − 0.999^60 = 5.83% of hours hold a failure; two sparse series per check.
    expect(lineOf(r, 'Metrics: Failures (failing hours)').quantity).toBeCloseTo(200 * (1 - 0.999 ** 60), 9);
    expect(lineOf(r, 'Metrics: ShardResults heartbeat').usd).toBeCloseTo(0.9, 9);
    expect(lineOf(r, 'Metrics: CertificateDaysLeft').usd).toBeCloseTo(15, 9); // 50 hosts × $0.30
    expect(has(r, 'Metrics: phase timings')).toBe(false);

    // Refused, Forbidden and Failing: one Metrics Insights alarm each, analyzing the failing series; Silent per shard.
    expect(lineOf(r, 'Alarms: Metrics Insights (metrics analyzed)').quantity).toBeCloseTo(3 * 100 * (1 - 0.999 ** 60), 9);
    // Standard alarms: Silent per shard (3), RunnerDropped (1), CertificateExpiring per TLS host (50).
    expect(r.lines.filter((l) => l.item === 'Alarms: standard resolution').map((l) => l.quantity)).toEqual([3, 1, 50]);
    expect(has(r, 'Alarms: high resolution')).toBe(false);

    // 100 × 43,800 results × 600 B + 131,400 invocations × 300 B = 2.66742 GB.
    expect(lineOf(r, 'Logs: ingestion').quantity).toBeCloseTo(2.66742, 9);
    expect(lineOf(r, 'Logs: storage').usd).toBeCloseTo(2.66742 * 0.03, 9);
    // Each container reads the shared token every 5 min (8,760 a month) and on each cold start.
    expect(lineOf(r, 'Tokens: KMS Decrypt (SecureString)').quantity).toBeCloseTo(3 * (8_760 + COLD_STARTS_PER_MONTH), 6);
    expect(lineOf(r, 'Tokens: SSM GetParameter').usd).toBe(0);
    expect(has(r, 'Tokens: Secrets Manager secrets')).toBe(false);

    expect(lineOf(r, 'Dashboard').usd).toBe(3);
    expect(lineOf(r, 'KMS key (alarm topic)').usd).toBe(1);
    expect(lineOf(r, 'KMS key rotations')).toMatchObject({ usd: 2, fromYear: 2 });

    expect(r.perCheckMonthUsd - incidents(r)).toBeCloseTo(0.9678, 4);
    expect(r.firstYear.perCheckMonthUsd - incidents(r)).toBeCloseTo(0.9478, 4);
    expect(r.intervals).toEqual([expect.objectContaining({ intervalSeconds: 60, checks: 100, goalUsd: 1, meetsGoal: r.perCheckMonthUsd <= 1 })]);
    expect(r.meetsGoal).toBe(r.perCheckMonthUsd <= 1);
  });

  it('prices 100 checks every 10 s: a minute of Lambda per shard, a PutMetricData call per tick, a high-resolution Failing alarm per check', () => {
    const r = estimateCost(fleet100at10());
    // One fast shard of 100 checks (fastShardMaxChecks), invoked once a minute, ticking 6 times inside it.
    expect(lineOf(r, 'Lambda requests').quantity).toBeCloseTo(43_800, 6);
    expect(lineOf(r, 'Lambda compute').quantity).toBeCloseTo(43_800 * 60 * 0.5, 6);
    expect(lineOf(r, 'Lambda compute').usd).toBeCloseTo(17.52, 2);
    expect(lineOf(r, 'PutMetricData requests').quantity).toBeCloseTo(262_800, 6);
    // 360 runs an hour: 30.2% of hours hold a failure.
    expect(lineOf(r, 'Metrics: Failures (failing hours)').quantity).toBeCloseTo(200 * (1 - 0.999 ** 360), 9);
    expect(lineOf(r, 'Alarms: high resolution')).toMatchObject({ quantity: 100, usd: 30 });
    // Refused and Forbidden stay on 60 s Metrics Insights alarms; Silent watches each shard's 60 s heartbeat.
    expect(lineOf(r, 'Alarms: Metrics Insights (metrics analyzed)').quantity).toBeCloseTo(2 * 100 * (1 - 0.999 ** 360), 9);
    expect(lineOf(r, 'Alarms: standard resolution').quantity).toBe(1);
    // 100 × 262,800 results × 600 B + 43,800 invocations × 300 B.
    expect(lineOf(r, 'Logs: ingestion').quantity).toBeCloseTo(15.78114, 9);

    expect(r.intervals[0]).toMatchObject({ intervalSeconds: 10, fast: true, goalUsd: 2 });
    // A shard of 100 fast checks shares its idle minute of Lambda: the $2.00 goal is met.
    expect(r.perCheckMonthUsd - incidents(r)).toBeCloseTo(1.6929, 3);
    expect(r.meetsGoal).toBe(r.perCheckMonthUsd <= 2);
    const notes = r.notes.join('\n');
    expect(notes).toContain(`10 s checks: $${r.perCheckMonthUsd.toFixed(2)} per check-month meets the goal of $2.00`);
  });

  it('shares the fixed costs: the per-check cost falls as the fleet grows', () => {
    const sizes = [10, 100, 1000].map((n) => estimateCost(benchmarkFleet({ checks: n })));
    const perCheck = sizes.map((r) => r.perCheckMonthUsd);
    expect(perCheck[0]).toBeGreaterThan(perCheck[1]!);
    expect(perCheck[1]).toBeGreaterThan(perCheck[2]!);
    for (const r of sizes) {
      expect(lineOf(r, 'Dashboard').perCheckUsd).toBeCloseTo(3 / r.fleet.checks, 12);
      // What every check publishes costs the same per check at any size.
      expect(lineOf(r, 'Metrics: Success + Duration').perCheckUsd).toBeCloseTo(0.6, 12);
    }
    expect(sizes[2]!.perCheckMonthUsd - incidents(sizes[2]!)).toBeCloseTo(0.9075, 4);
  });

  it('bills the sparse Failures series and the Insights alarms more as the failure rate rises', () => {
    const at = (failureRate: number) => estimateCost(fleet100at60(), { failureRate });
    expect(has(at(0), 'Metrics: Failures (failing hours)')).toBe(false);
    expect(has(at(0), 'Alarms: Metrics Insights (metrics analyzed)')).toBe(false);
    const rates = [0.0001, 0.001, 0.01];
    const failures = rates.map((f) => lineOf(at(f), 'Metrics: Failures (failing hours)').usd);
    const insights = rates.map((f) => lineOf(at(f), 'Alarms: Metrics Insights (metrics analyzed)').usd);
    expect(failures[0]).toBeLessThan(failures[1]!);
    expect(failures[1]).toBeLessThan(failures[2]!);
    expect(insights[0]).toBeLessThan(insights[1]!);
    expect(insights[1]).toBeLessThan(insights[2]!);
    // Hourly checks make the proration exact: the series exist in the failing share of hours.
    const hourly = estimateCost(benchmarkFleet({ checks: 10, intervalSeconds: 3600 }), { failureRate: 0.02 });
    expect(lineOf(hourly, 'Metrics: Failures (failing hours)').quantity).toBeCloseTo(10 * 2 * 0.02, 12);
  });

  it('prices exactly the alarms alarmDefinitions deploys', () => {
    const fastFrom3 = benchmarkFleet({ checks: 20, intervalSeconds: 10, locations: ['eu-west-1', 'us-east-1', 'ap-southeast-2'] });
    for (const config of [fleet100at60(), fleet100at10(), benchmarkFleet({ checks: 40, locations: ['eu-west-1', 'us-east-1'] }), fastFrom3]) {
      const defs = alarmDefinitions(config);
      const r = estimateCost(config);
      // Billed per alarm metric: one for a single-metric alarm, one per metric of a metric math alarm.
      const alarmMetrics = defs.flatMap((d) => (d.type === 'metric' ? [d.metric] : d.type === 'math' ? Object.values(d.metrics) : []));
      const priced = r.lines.filter((l) => l.item === 'Alarms: standard resolution' || l.item === 'Alarms: high resolution');
      expect(total(priced.map((l) => l.quantity))).toBe(alarmMetrics.length);
      expect(total(r.lines.filter((l) => l.item === 'Alarms: high resolution').map((l) => l.quantity))).toBe(
        alarmMetrics.filter((m) => m.periodSeconds < 60).length,
      );
      expect(r.fleet.alarms).toBe(defs.length);
    }
    // From several locations a fast check's Failing alarm counts failed runs with metric math: two alarm metrics.
    expect(lineOf(estimateCost(fastFrom3), 'Alarms: high resolution')).toMatchObject({
      quantity: 40,
      unit: 'alarm metric-months',
      usd: expect.closeTo(12, 9),
    });
  });

  it('publishes from every location under shared identities: Success and Duration count once, heartbeats and runs per location', () => {
    const one = estimateCost(fleet100at60());
    const three = estimateCost(benchmarkFleet({ checks: 100, locations: ['eu-west-1', 'us-east-1', 'ap-southeast-2'] }));
    expect(three.fleet.description).toContain('3 shards × 3 locations (eu-west-1, us-east-1, ap-southeast-2)');
    expect(lineOf(three, 'Metrics: Success + Duration').usd).toBe(lineOf(one, 'Metrics: Success + Duration').usd);
    expect(lineOf(three, 'Metrics: ShardResults heartbeat').quantity).toBe(9);
    expect(lineOf(three, 'Alarms: standard resolution').quantity).toBe(9); // Silent per shard and location
    for (const item of ['Lambda requests', 'EventBridge Scheduler', 'PutMetricData requests', 'Logs: ingestion'] as const) {
      expect(lineOf(three, item).quantity / lineOf(one, item).quantity).toBeCloseTo(3, 9);
    }
    // 3 × 60 runs an hour feed the same Failures identity.
    expect(lineOf(three, 'Metrics: Failures (failing hours)').quantity).toBeCloseTo(200 * (1 - 0.999 ** 180), 9);
    expect(three.alternatives.find((a) => a.name === 'checkly')!.usdPerCheckMonth).toBeCloseTo(3 * 8.76, 9);
    expect(three.notes.join('\n')).toContain('inter-region transfer');
  });

  it('prices a check-month per location two ways: the all-in figure spread over the locations, and what one more location adds', () => {
    const locations = ['eu-west-1', 'us-east-1', 'ap-southeast-2'];
    const three = estimateCost(benchmarkFleet({ checks: 100, locations }));
    const two = estimateCost(benchmarkFleet({ checks: 100, locations: locations.slice(0, 2) }));
    expect(three.perLocation).toMatchObject({ locations: 3, averagePerCheckMonthUsd: expect.closeTo(three.perCheckMonthUsd / 3, 12) });
    // The third location: the same fleet's cost minus its cost from the first two.
    expect(three.perLocation!.marginalPerCheckMonthUsd).toBeCloseTo(three.perCheckMonthUsd - two.perCheckMonthUsd, 12);
    expect(total(three.perLocation!.marginalLines.map((l) => l.perCheckUsd))).toBeCloseTo(three.perLocation!.marginalPerCheckMonthUsd, 12);
    const marginal = Object.fromEntries(three.perLocation!.marginalLines.map((l) => [l.item, l.perCheckUsd]));
    // Its runner's invocations, schedules and publishing, a heartbeat and a Silent alarm per shard (3 shards)...
    expect(marginal['Lambda requests']).toBeCloseTo(lineOf(three, 'Lambda requests').perCheckUsd / 3, 12);
    expect(marginal['PutMetricData requests']).toBeCloseTo(lineOf(three, 'PutMetricData requests').perCheckUsd / 3, 12);
    expect(marginal['Metrics: ShardResults heartbeat']).toBeCloseTo((3 * 0.3) / 100, 12);
    expect(marginal['Alarms: standard resolution']).toBeCloseTo((3 * 0.1) / 100, 12);
    // ...but not the metrics every location shares, the dashboard or the key.
    for (const item of ['Metrics: Success + Duration', 'Dashboard', 'KMS key (alarm topic)', 'Metrics: CertificateDaysLeft'] as const)
      expect(marginal).not.toHaveProperty(item);
    expect(three.perLocation!.marginalPerCheckMonthUsd).toBeLessThan(three.perLocation!.averagePerCheckMonthUsd);
    // 100 checks every 60 s from three regions: $1.17 all-in, $0.39 per location on average, $0.10 for the third.
    expect(three.perCheckMonthUsd - incidents(three)).toBeCloseTo(1.1723, 4);
    expect(three.perLocation!.averagePerCheckMonthUsd - incidents(three) / 3).toBeCloseTo(0.3908, 4);
    expect(three.perLocation!.marginalPerCheckMonthUsd - (incidents(three) - incidents(two))).toBeCloseTo(0.1008, 4);

    const text = formatCostTable(three);
    expect(text).toContain('Per check-month per location (3 locations: eu-west-1, us-east-1, ap-southeast-2):');
    // $0.39 and $1.17 before the incident pipeline's lines (test/cost/incidents.test.ts).
    expect(text).toContain(
      `  $${three.perLocation!.averagePerCheckMonthUsd.toFixed(2)} on average: the all-in $${three.perCheckMonthUsd.toFixed(2)} per check-month divided by 3 locations.`,
    );
    // $0.10 before the incident pipeline's lines, whose verdict writes per location then lead.
    expect(text).toContain(
      `  $${three.perLocation!.marginalPerCheckMonthUsd.toFixed(2)} for one more location: this fleet minus the same fleet from eu-west-1, us-east-1 (largest: `,
    );
    // One location: no such section.
    expect(estimateCost(fleet100at60()).perLocation).toBeUndefined();
    expect(formatCostTable(estimateCost(fleet100at60()))).not.toContain('per location');
  });

  it('keeps the home region in the fleet it compares with: the location dropped is another one', () => {
    const config = benchmarkFleet({ checks: 10, locations: ['us-east-1', 'eu-west-1', 'ap-southeast-2'] });
    expect(estimateCost(config).perLocation!.comparedWith).toEqual(['us-east-1', 'eu-west-1']);
    expect(estimateCost({ ...config, homeRegion: 'ap-southeast-2' }).perLocation!.comparedWith).toEqual(['us-east-1', 'ap-southeast-2']);
  });

  it('prices a mixed fleet per interval group: fast checks against $2.00, the others against $1.00', () => {
    const r = estimateCost(mixedFleet(100, (i) => (i < 50 ? 10 : 60)));
    expect(r.intervals.map((g) => [g.intervalSeconds, g.checks, g.goalUsd])).toEqual([
      [10, 50, 2],
      [60, 50, 1],
    ]);
    expect(r.goalUsd).toBeCloseTo(1.5, 12);
    expect(r.meetsGoal).toBe(r.intervals.every((g) => g.meetsGoal));
    expect(lineOf(r, 'Lambda compute', 10).usd).toBeGreaterThan(lineOf(r, 'Lambda compute', 60).usd);
    expect(lineOf(r, 'Dashboard').intervalSeconds).toBeUndefined();
    // The fleet's peers are the check-weighted mean of each group's.
    const checkly = r.intervals.map((g) => g.alternatives.find((a) => a.name === 'checkly')!.usdPerCheckMonth);
    expect(r.alternatives.find((a) => a.name === 'checkly')!.usdPerCheckMonth).toBeCloseTo((checkly[0]! + checkly[1]!) / 2, 9);
    expect(formatCostTable(r)).toContain('Lambda compute (10 s)');
  });

  it('prices the hosted peers at the same frequency, CloudWatch Synthetics at its one-minute floor (docs/DESIGN.md#cost-and-time-to-detect anchors)', () => {
    const peers = (r: CostReport) => Object.fromEntries(r.alternatives.map((a) => [a.name, a.usdPerCheckMonth]));
    expect(peers(estimateCost(fleet100at60()))).toEqual({
      cloudwatchSynthetics: expect.closeTo(52.56, 9),
      checkly: expect.closeTo(8.76, 9),
      datadog: expect.closeTo(21.9, 9),
    });
    const fast = estimateCost(fleet100at10());
    expect(peers(fast)).toEqual({
      cloudwatchSynthetics: expect.closeTo(52.56, 9),
      checkly: expect.closeTo(52.56, 9),
      datadog: expect.closeTo(131.4, 9),
    });
    expect(fast.alternatives.find((a) => a.name === 'cloudwatchSynthetics')!.basis).toContain('it cannot run every 10 s');
  });

  it('adds four metrics per check with phase timings', () => {
    const r = estimateCost(benchmarkFleet({ checks: 100, phaseTimings: true }));
    expect(lineOf(r, 'Metrics: phase timings')).toMatchObject({ quantity: 400, usd: expect.closeTo(120, 9) });
  });

  it('prices a token kept in Secrets Manager per secret and per read, with no KMS request of its own', () => {
    const config = parseConfig({
      tokens: { api: { secret: { name: 'synthmon/api' } } },
      checks: benchmarkFleet({ checks: 4 }).checks.map((c) => ({ ...c, auth: { ...c.auth!, token: c.kind === 'http' ? 'api' : 'default' } })),
    });
    const r = estimateCost(config);
    expect(lineOf(r, 'Tokens: Secrets Manager secrets')).toMatchObject({ quantity: 1, usd: 0.4 });
    expect(lineOf(r, 'Tokens: Secrets Manager API calls').quantity).toBeCloseTo(8_760 + COLD_STARTS_PER_MONTH, 6);
    expect(lineOf(r, 'Tokens: KMS Decrypt (SecureString)').quantity).toBeCloseTo(8_760 + COLD_STARTS_PER_MONTH, 6); // the default token only
  });

  it('leaves the key out when the topic key is supplied, and counts the rotation surcharges only after year 1', () => {
    const own = estimateCost(fleet100at60());
    const supplied = estimateCost(fleet100at60(), { ownTopicKey: false });
    expect(has(supplied, 'KMS key (alarm topic)') || has(supplied, 'KMS key rotations')).toBe(false);
    expect(own.totalUsd - supplied.totalUsd).toBeCloseTo(3, 9);
    expect(own.totalUsd - own.firstYear.totalUsd).toBeCloseTo(2, 9);
    expect(own.notes.join('\n')).toContain('$1/month in year 1, $2 in year 2 and $3 from year 3');
  });

  it('counts the lines of the runner and the memory it runs with', () => {
    const at512 = estimateCost(fleet100at10());
    const at256 = estimateCost(fleet100at10(), { memoryMb: 256 });
    expect(lineOf(at256, 'Lambda compute').usd).toBeCloseTo(lineOf(at512, 'Lambda compute').usd / 2, 9);
    expect(lineOf(at256, 'Metrics: Success + Duration').usd).toBe(lineOf(at512, 'Metrics: Success + Duration').usd);
  });
});

describe('formatCostTable', () => {
  it('names the fleet size and prints every line, the totals, the peers, the assumptions, the notes and the sources', () => {
    const r = estimateCost(fleet100at60());
    const text = formatCostTable(r);
    expect(text).toContain(
      'Fleet: 100 checks (50 websocket, 50 http) every 60 s; 3 shards × 1 location (the deploy region); 1 token; 50 TLS hosts; 58 alarms',
    );
    for (const l of r.lines) expect(text).toContain(l.item);
    expect(text).toMatch(/Metrics: Success \+ Duration\s+200\s+metric-months\s+\$0\.30\s+\$60\.00\s+\$0\.60/);
    // $96.78 and $94.78 before the incident pipeline's lines, which add $2.54 (test/cost/incidents.test.ts:
    // the engine writes only changed verdicts; it added $3.82 when it wrote every verdict, $1.006 per check-month).
    expect(incidents(r)).toBeCloseTo(0.0254, 3);
    expect(text).toMatch(/total \(steady state\)\s+\$99\.32\s+\$0\.99\s+100 checks/);
    expect(text).toMatch(/total \(first year\)\s+\$97\.32\s+\$0\.97/);
    expect(text).toMatch(/60 s\s+100\s+3\s+\$0\.99\s+\$1\.00\s+met\s+\$52\.56\s+\$8\.76\s+\$21\.90/);
    for (const key of Object.keys(r.assumptions)) expect(text).toContain(`${key} = `);
    for (const note of r.notes) expect(text).toContain(note.trim());
    for (const s of r.sources) {
      expect(text).toContain(`${s.name}: $`);
      expect(text).toContain(s.source);
      expect(text).toContain(`[${s.evidence}]`);
    }
  });

  it('prints the fast checks against their goal and the peers at 10 s', () => {
    const r = estimateCost(fleet100at10());
    const text = formatCostTable(r);
    expect(text).toContain('every 10 s');
    // $1.69 before the incident pipeline's lines (test/cost/incidents.test.ts).
    expect(text).toMatch(
      new RegExp(
        `10 s \\(fast\\)\\s+100\\s+1\\s+\\$${(1.6929 + incidents(r)).toFixed(2).replace('.', '\\.')}\\s+\\$2\\.00\\s+met\\s+\\$52\\.56\\s+\\$52\\.56\\s+\\$131\\.40`,
      ),
    );
    expect(text).toContain('at its floor of one run a minute: it cannot run every 10 s');
  });
});

describe('prices.json', () => {
  it('gives every price a source URL, the quoted sentence or row, its evidence and the date', () => {
    expect(Object.keys(PRICES).length).toBeGreaterThanOrEqual(20);
    for (const [name, price] of Object.entries(priceTable.prices)) {
      expect({ name, ...price }).toEqual({
        name,
        usd: expect.any(Number),
        per: expect.stringMatching(/\S/),
        source: expect.stringMatching(/^[A-Z].+ https:\/\/\S+/),
        quote: expect.stringMatching(/\S{3}/),
        evidence: expect.stringMatching(/^(official|official-research|vendor-docs|third-party|unverified)$/),
        takenOn: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
      });
    }
    // Only the standard-throughput parameter read is free (its KMS Decrypt is priced on its own).
    const free = Object.entries(priceTable.prices)
      .filter(([, p]) => !(p.usd > 0))
      .map(([name]) => name);
    expect(free).toEqual(['ssmStandardParameterRead']);
  });

  it('labels the figures no official page confirmed', () => {
    expect(PRICES.insightsMetricAnalyzedMonth).toMatchObject({
      evidence: 'third-party',
      per: expect.stringContaining('NOT FROM AN OFFICIAL SOURCE'),
    });
    expect(PRICES.logsIngestionGb).toMatchObject({ evidence: 'third-party', source: expect.stringContaining('no official quote found') });
    expect(PRICES.checklyApiCheckRun).toMatchObject({
      evidence: 'vendor-docs',
      per: expect.stringContaining('PREPAID-BUNDLE'),
      quote: expect.stringContaining('prepaid check bundles'),
    });
    expect(PRICES.datadogApiTestRun).toMatchObject({ evidence: 'unverified', per: expect.stringContaining('NOT RE-VERIFIED') });
    expect(PRICES.customMetricMonth.quote).toContain('prorated by the hour');
  });
});
