import { describe, expect, it } from 'vitest';
import { loadConfigFile, parseConfig } from '../../contracts/config';
import { locationLabels } from '../../lib/alarms/definitions';
import { benchmarkFleet, COST_GOALS_USD, estimateCost, type CostReport } from '../../lib/cost/estimate';
import { DEFAULT_INCIDENT_COST_ASSUMPTIONS, INCIDENT_COST_ITEMS, incidentCostEntries, passingVerdictWriteUnits } from '../../lib/cost/incidents';
import { PRICES } from '../../lib/cost/prices';
import { costCuts } from '../../lib/cost/savings';
import { planFleet } from '../../lib/fleet/plan';

const WRU = 0.625e-6;
const RRU = 0.125e-6;
const GBS = 0.0000133334;
const incidentLines = (r: CostReport) => r.lines.filter((l) => (INCIDENT_COST_ITEMS as readonly string[]).includes(l.item));
const usdOf = (r: CostReport, item: string) =>
  incidentLines(r)
    .filter((l) => l.item === item)
    .reduce((s, l) => s + l.usd, 0);
const seed = () => loadConfigFile('config/default.json');

describe('incident pipeline cost', () => {
  it('prices the seed (2 checks every 60 s, one region) by hand: claims, verdicts, reads, storage, runner wait, notifier, SNS', () => {
    const r = estimateCost(seed());
    // 43,800 invocations a month, one run claim each (1 WRU).
    // Verdicts: 2 checks × 43,800 runs × (1/3 written × 1 WRU + 0.1% × 2 WRU) + 2 checks × 2 incidents × 3 transitions × 8 WRU.
    expect(usdOf(r, 'Incidents: DynamoDB writes')).toBeCloseTo((43_800 + 87_600 * (1 / 3 + 0.002) + 96) * WRU, 12);
    // One host: its two incident items, strongly consistent, every run; and each check's item (1 RRU) every run.
    expect(usdOf(r, 'Incidents: DynamoDB reads')).toBeCloseTo((43_800 * 2 + 87_600) * RRU, 12);
    // 1,440 claims × 200 B + 2 check items × 2,048 B + 2 × 2 incidents × 4,096 B, per 10^9 B, at $0.25.
    expect(usdOf(r, 'Incidents: DynamoDB storage')).toBeCloseTo(((1_440 * 200 + 2 * 2_048 + 4 * 4_096) / 1e9) * 0.25, 12);
    // The claim's round trip (10 ms) before probing, billed at 0.5 GB.
    expect(usdOf(r, 'Incidents: runner time on the store')).toBeCloseTo(43_800 * 0.01 * 0.5 * GBS, 12);
    // 20 state changes: requests and 1 s at 256 MB (the notifier as deployed, lib/backstop.ts).
    expect(usdOf(r, 'Incidents: backstop notifier requests')).toBeCloseTo(20 * 2e-7, 12);
    expect(usdOf(r, 'Incidents: backstop notifier compute')).toBeCloseTo(20 * 0.25 * GBS, 12);
    // 2 checks × 2 incidents × 3 notifications: one SNS publish and one e-mail each.
    expect(usdOf(r, 'Incidents: SNS publishes')).toBeCloseTo(12 * 0.5e-6, 12);
    expect(usdOf(r, 'Incidents: SNS e-mail deliveries')).toBeCloseTo(12 * 2e-5, 12);
    expect(incidentLines(r).reduce((s, l) => s + l.usd, 0)).toBeCloseTo(0.071, 4);
  });

  it('prices 100 checks: writing only changed verdicts meets the $1.00 goal at 60 s, which recording every verdict missed by under a cent', () => {
    const slow = estimateCost(benchmarkFleet({ checks: 100 }));
    const fast = estimateCost(benchmarkFleet({ checks: 100, intervalSeconds: 10 }));
    // 3 shards at 60 s: 131,400 claims; 4,380,000 check-runs; 50 hosts spread over the shards read every run.
    expect(usdOf(slow, 'Incidents: DynamoDB writes')).toBeCloseTo((131_400 + 4_380_000 * (1 / 3 + 0.002) + 100 * 2 * 3 * 8) * WRU, 9);
    expect(fast.perCheckMonthUsd).toBeLessThanOrEqual(COST_GOALS_USD.fast);
    // A fast shard bills its whole minute: the claim's round trip adds no Lambda time.
    expect(incidentLines(fast).some((l) => l.item === 'Incidents: runner time on the store')).toBe(false);
    expect(slow.perCheckMonthUsd).toBeLessThanOrEqual(COST_GOALS_USD.standard);
    expect(slow.perCheckMonthUsd).toBeGreaterThan(COST_GOALS_USD.standard - 0.02);
    // The engine before: a write of every verdict (1 WRU per check-run), no read of the check item.
    const config = benchmarkFleet({ checks: 100 });
    const everyRun = incidentCostEntries(
      { config, plan: planFleet(config), locations: ['default'], cost: { memoryMb: 512, failureRate: 0.001 } },
      { verdictWriteShare: 1, checkReadUnitsPerCheckRun: 0 },
    );
    const everyRunUsd = everyRun.reduce((s, e) => s + e.quantity * PRICES[e.price].usd, 0);
    const withoutIncidents = slow.totalUsd - incidentLines(slow).reduce((s, l) => s + l.usd, 0);
    expect((withoutIncidents + everyRunUsd) / 100).toBeGreaterThan(COST_GOALS_USD.standard);
    expect((withoutIncidents + everyRunUsd) / 100).toBeLessThan(COST_GOALS_USD.standard + 0.01);
  });

  it('charges the cross-region round trip to the locations outside the home region, and bigger verdict items', () => {
    const config = benchmarkFleet({ checks: 10, locations: ['us-east-1', 'eu-west-1', 'ap-southeast-1'] });
    const entries = incidentCostEntries({
      config,
      plan: planFleet(config),
      locations: locationLabels(config),
      cost: { memoryMb: 512, failureRate: 0 },
    });
    const wait = entries.find((e) => e.item === 'Incidents: runner time on the store')!;
    // One shard: 43,800 invocations per location; us-east-1 (home) 10 ms, the two others 220 ms each; 0.5 GB.
    expect(wait.quantity).toBeCloseTo(43_800 * (0.01 + 2 * 0.22) * 0.5, 6);
    expect(wait.basis).toContain('0.22 s from 2 other regions');
    // Three locations' passing verdicts fit one item under 1 KB (measured on dynalite by the bench); five do not.
    expect(passingVerdictWriteUnits(3)).toBe(1);
    expect(passingVerdictWriteUnits(5)).toBe(2);
    const writes = entries.filter((e) => e.item === 'Incidents: DynamoDB writes').reduce((s, e) => s + e.quantity, 0);
    expect(writes).toBeCloseTo(3 * 43_800 + (10 * 43_800 * 3 * 1) / 3 + 10 * 2 * 3 * 8, 6);
  });

  it('writes only the run claims when no verdict is written', () => {
    const config = parseConfig({ checks: [{ name: 'a', kind: 'http', url: 'https://example.com/' }] });
    const plan = planFleet(config);
    const none = incidentCostEntries(
      { config, plan, locations: ['default'], cost: { memoryMb: 512, failureRate: 0 } },
      { incidentsPerCheckMonth: 0, verdictWriteShare: 0 },
    );
    const writes = none.filter((e) => e.item === 'Incidents: DynamoDB writes').reduce((s, e) => s + e.quantity, 0);
    expect(writes).toBe(43_800 * DEFAULT_INCIDENT_COST_ASSUMPTIONS.claimWriteUnitsPerInvocation);
  });

  it('finds the seed under $6.00 a month with the proposed cuts (the dashboard one included), each priced by the estimate', () => {
    const c = costCuts(seed());
    const byKey = Object.fromEntries(c.cuts.map((x) => [x.key, x.savesUsd]));
    expect(byKey.awsManagedTopicKey).toBeCloseTo(3, 9); // $1 key + $2 rotation surcharges (steady state)
    expect(byKey.noDashboard).toBe(3);
    expect(byKey.smallShardMemory).toBeGreaterThan(0.15);
    expect(c.deployedUsd).toBeGreaterThan(9.17);
    expect(c.afterUsd).toBeLessThanOrEqual(6);
    // The dashboard kept, the key and the memory cuts leave the seed a few cents above $6.00 (the verdict writes).
    expect(c.afterKeepingDashboardUsd).toBeGreaterThan(6);
    expect(c.afterKeepingDashboardUsd).toBeLessThan(6.1);
    expect(c.afterKeepingDashboardUsd - c.afterUsd).toBeCloseTo(3, 9);
    expect(c.afterUsd).toBeCloseTo(c.deployedUsd - byKey.awsManagedTopicKey! - byKey.noDashboard! - byKey.smallShardMemory!, 2);
    for (const cut of c.cuts) expect(cut.source).toMatch(/https:\/\//);
  });
});
