/** Cost per check-month: estimateCost of benchmarkFleet (100 checks, half WebSocket, half HTTP), every 60 s and every 10 s, beside the hosted peers. */
import { benchmarkFleet, estimateCost, type CostReport } from '../../lib/cost/estimate';
import type { BenchSection } from '../context';
import { GOALS } from '../goals';
import { fmt, log } from '../print';

export type Peers = Record<'cloudwatchSynthetics' | 'datadog' | 'checkly', number>;

export interface CostFound {
  readonly cost: CostReport;
  readonly costFast: CostReport;
  readonly alt: Peers;
  readonly altFast: Peers;
}

function peers(report: CostReport): Record<'cloudwatchSynthetics' | 'datadog' | 'checkly', number> {
  return Object.fromEntries(report.alternatives.map((a) => [a.name, a.usdPerCheckMonth])) as Record<
    'cloudwatchSynthetics' | 'datadog' | 'checkly',
    number
  >;
}

export const costSection: BenchSection<'cost', CostFound> = {
  key: 'cost',
  heading: 'cost per check-month (estimateCost of benchmarkFleet: 100 checks, half WebSocket, half HTTP)',
  run() {
    const cost = estimateCost(benchmarkFleet({ checks: 100, intervalSeconds: 60 }));
    const costFast = estimateCost(benchmarkFleet({ checks: 100, intervalSeconds: 10 }));
    const alt = peers(cost);
    const altFast = peers(costFast);
    log(
      `every 60 s: synthmon $${fmt(cost.perCheckMonthUsd)} (goal $${fmt(GOALS.costUsd)}); CloudWatch Synthetics $${fmt(alt.cloudwatchSynthetics)}, Datadog $${fmt(alt.datadog)}, Checkly $${fmt(alt.checkly)}`,
    );
    log(
      `every 10 s: synthmon $${fmt(costFast.perCheckMonthUsd)} (goal $${fmt(GOALS.fastCostUsd)}); CloudWatch Synthetics $${fmt(altFast.cloudwatchSynthetics)} (runs at most once a minute), ` +
        `Datadog $${fmt(altFast.datadog)}, Checkly $${fmt(altFast.checkly)}`,
    );
    for (const note of [...cost.notes.slice(1, 2), ...costFast.notes.slice(1, 3)]) log(`  - ${note}`);
    return { cost, costFast, alt, altFast };
  },
};
