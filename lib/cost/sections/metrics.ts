/** Metrics: every series the fleet publishes, prorated by the hours it exists. */
import { PHASE_METRICS } from '../../../contracts/metrics';
import type { CostScale } from '../report';
import { pct, type CostSection } from '../lines';

export const metricsSection: CostSection = ({ a, series }, book) => {
  for (const s of series) {
    const basis: Record<string, string> = {
      'Metrics: Success + Duration': 'Success{Check} + Duration{Check}, every hour',
      'Metrics: phase timings': `${PHASE_METRICS.map((p) => p.name).join(', ')} per check`,
      'Metrics: Failures (failing hours)': `Failures{Check,Reason} + Failures{Check,Interval,Reason}, in the ${pct(s.hourShare)} of hours with a failed run (failure rate ${pct(a.failureRate)} per run, independent)`,
      'Metrics: ShardResults heartbeat': 'ShardResults{Shard,Location}: one per shard and location',
      'Metrics: CertificateDaysLeft': 'CertificateDaysLeft{Host}: one per TLS host name',
    };
    const scalesWith: CostScale =
      s.item === 'Metrics: ShardResults heartbeat' ? 'shards' : s.item === 'Metrics: CertificateDaysLeft' ? 'hosts' : 'checks';
    book.add({
      item: s.item,
      ...(s.intervalSeconds ? { intervalSeconds: s.intervalSeconds } : {}),
      quantity: s.hourShare,
      unit: 'metric-months',
      price: 'customMetricMonth',
      scalesWith,
      basis: basis[s.item] ?? '',
    });
  }
};
