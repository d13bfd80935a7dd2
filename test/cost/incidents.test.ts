import { describe, expect, it } from 'vitest';
import { loadConfigFile, parseConfig } from '../../contracts/config';
import { locationLabels } from '../../lib/alarms/definitions';
import { benchmarkFleet, COST_GOALS_USD, estimateCost, type CostReport } from '../../lib/cost/estimate';
import { DEFAULT_INCIDENT_COST_ASSUMPTIONS, INCIDENT_COST_ITEMS, incidentCostEntries } from '../../lib/cost/incidents';
import { costCuts } from '../../lib/cost/savings';
import { planFleet } from '../../lib/fleet/plan';

const WRU = 0.625e-6;
const RRU = 0.125e-6;
const GBS = 0.0000133334;
const incidentLines = (r: CostReport) => r.lines.filter((l) => (INCIDENT_COST_ITEMS as readonly string[]).includes(l.item));
const usdOf = (r: CostReport, item: string) => incidentLines(r).filter((l) => l.item === item).reduce((s, l) => s + l.usd, 0);
const seed = () => loadConfigFile('config/default.json');

describe('incident pipeline cost', () => {
  it('prices the seed (2 checks every 60 s, one region) by hand: guard puts, verdicts, reads, storage, runner wait, notifier, SNS', () => {
    const r = estimateCost(seed());
    // 43,800 invocations a month, one conditional put each (1 WRU), half a read unit each.
    expect(usdOf(r, 'Incidents: DynamoDB reads')).toBeCloseTo(43_800 * 0.5 * RRU, 12);
    // Writes: guard 43,800 + failed verdicts 2 checks × 43,800 runs × 0.1% × 2 WRU + 2 checks × 2 incidents × (3 + 2 × 1).
    expect(usdOf(r, 'Incidents: DynamoDB writes')).toBeCloseTo((43_800 + 175.2 + 20) * WRU, 12);
    // 1,440 guard items × 200 B + 2 × 2,048 B + 2 × 2 × 3 × 4,096 B, per 10^9 B, at $0.25.
    expect(usdOf(r, 'Incidents: DynamoDB storage')).toBeCloseTo(((1_440 * 200 + 2 * 2_048 + 2 * 2 * 3 * 4_096) / 1e9) * 0.25, 12);
    // The guard's round trip (10 ms) before probing, billed at 0.5 GB.
    expect(usdOf(r, 'Incidents: runner time on the store')).toBeCloseTo(43_800 * 0.01 * 0.5 * GBS, 12);
    // 20 state changes: requests and 1 s at 128 MB.
    expect(usdOf(r, 'Incidents: backstop notifier requests')).toBeCloseTo(20 * 2e-7, 12);
    expect(usdOf(r, 'Incidents: backstop notifier compute')).toBeCloseTo(20 * 0.125 * GBS, 12);
    // 2 checks × 2 incidents × 3 notifications: one SNS publish and one e-mail each.
    expect(usdOf(r, 'Incidents: SNS publishes')).toBeCloseTo(12 * 0.5e-6, 12);
    expect(usdOf(r, 'Incidents: SNS e-mail deliveries')).toBeCloseTo(12 * 2e-5, 12);
    const total = incidentLines(r).reduce((s, l) => s + l.usd, 0);
    expect(total).toBeCloseTo(0.0335, 4);
  });

  it('keeps 100 checks under the goals with the pipeline included: $1.00 at 60 s, $2.00 at 10 s', () => {
    const slow = estimateCost(benchmarkFleet({ checks: 100 }));
    const fast = estimateCost(benchmarkFleet({ checks: 100, intervalSeconds: 10 }));
    expect(slow.perCheckMonthUsd).toBeLessThanOrEqual(COST_GOALS_USD.standard);
    expect(fast.perCheckMonthUsd).toBeLessThanOrEqual(COST_GOALS_USD.fast);
    // 3 shards at 60 s: 131,400 guard puts and 65,700 read units; 1 shard at 10 s: 43,800 and 21,900.
    expect(usdOf(slow, 'Incidents: DynamoDB reads')).toBeCloseTo(65_700 * RRU, 12);
    expect(usdOf(fast, 'Incidents: DynamoDB reads')).toBeCloseTo(21_900 * RRU, 12);
    // A fast shard bills its whole minute: the guard's round trip adds no Lambda time.
    expect(incidentLines(fast).some((l) => l.item === 'Incidents: runner time on the store')).toBe(false);
    // The pipeline is about a tenth of a cent per check-month at 100 checks.
    expect(incidentLines(slow).reduce((s, l) => s + l.perCheckUsd, 0)).toBeCloseTo(0.00118, 5);
  });

  it('charges the cross-region round trip to the locations outside the home region', () => {
    const config = benchmarkFleet({ checks: 10, locations: ['us-east-1', 'eu-west-1', 'ap-southeast-1'] });
    const entries = incidentCostEntries({ config, plan: planFleet(config), locations: locationLabels(config), cost: { memoryMb: 512, failureRate: 0 } });
    const wait = entries.find((e) => e.item === 'Incidents: runner time on the store')!;
    // One shard: 43,800 invocations per location; us-east-1 (home) 10 ms, the two others 220 ms each; 0.5 GB.
    expect(wait.quantity).toBeCloseTo(43_800 * (0.01 + 2 * 0.22) * 0.5, 6);
    expect(wait.basis).toContain('0.22 s from 2 other regions');
    // With no failures, the writes are the guard's and the incidents' only.
    const writes = entries.filter((e) => e.item === 'Incidents: DynamoDB writes').reduce((s, e) => s + e.quantity, 0);
    expect(writes).toBeCloseTo(3 * 43_800 + 10 * 2 * (3 + 2 * 3), 6);
  });

  it('writes nothing per passing run: the per-check cost barely moves with the interval besides the guard', () => {
    const config = parseConfig({ checks: [{ name: 'a', kind: 'http', url: 'https://example.com/' }] });
    const plan = planFleet(config);
    const none = incidentCostEntries({ config, plan, locations: ['default'], cost: { memoryMb: 512, failureRate: 0 } }, { incidentsPerCheckMonth: 0 });
    const writes = none.filter((e) => e.item === 'Incidents: DynamoDB writes').reduce((s, e) => s + e.quantity, 0);
    expect(writes).toBe(43_800 * DEFAULT_INCIDENT_COST_ASSUMPTIONS.dedupWritesPerInvocation);
  });

  it('finds the seed under $6.00 a month with the proposed cuts, each priced by the estimate', () => {
    const c = costCuts(seed());
    const byKey = Object.fromEntries(c.cuts.map((x) => [x.key, x.savesUsd]));
    expect(byKey.awsManagedTopicKey).toBeCloseTo(3, 9); // $1 key + $2 rotation surcharges (steady state)
    expect(byKey.noDashboard).toBe(3);
    expect(byKey.smallShardMemory).toBeGreaterThan(0.15);
    expect(c.deployedUsd).toBeGreaterThan(9.17);
    expect(c.afterUsd).toBeLessThanOrEqual(6);
    // The dashboard kept: the key and the memory cuts alone reach $6.00.
    expect(c.afterKeepingDashboardUsd).toBeLessThanOrEqual(6);
    expect(c.afterKeepingDashboardUsd - c.afterUsd).toBeCloseTo(3, 9);
    expect(c.afterUsd).toBeCloseTo(c.deployedUsd - byKey.awsManagedTopicKey! - byKey.noDashboard! - byKey.smallShardMemory!, 2);
    for (const cut of c.cuts) expect(cut.source).toMatch(/https:\/\//);
  });
});
