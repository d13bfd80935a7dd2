/** Alarms: exactly the definitions the stack deploys. */
import type { CostSection } from '../lines';
import { alarmInterval, matchedSeries, sum } from '../usage';

export const alarmsSection: CostSection = ({ alarms, checkByName, shardById, series }, book) => {
  for (const alarm of alarms) {
    if (alarm.type === 'math') {
      // Billed per metric the expression uses (pricing: "$0.30 per alarm metric").
      const high = alarm.periodSeconds < 60;
      const interval = alarmInterval(alarm, checkByName, shardById, []);
      const metrics = Object.keys(alarm.metrics).length;
      book.add({
        item: high ? 'Alarms: high resolution' : 'Alarms: standard resolution',
        ...(interval ? { intervalSeconds: interval } : {}),
        quantity: metrics,
        unit: 'alarm metric-months',
        price: high ? 'highResolutionAlarmMonth' : 'standardAlarmMonth',
        scalesWith: 'checks',
        basis: `${alarm.class} per check on a quorum of locations: metric math ${alarm.expression} over ${metrics} alarm metrics, period ${alarm.periodSeconds} s`,
      });
    } else if (alarm.type === 'metric') {
      const high = alarm.metric.periodSeconds < 60;
      const interval = alarmInterval(alarm, checkByName, shardById, []);
      const what = alarm.check ? 'per check' : alarm.shard ? 'per shard and location' : alarm.host ? 'per TLS host' : 'per runner';
      book.add({
        item: high ? 'Alarms: high resolution' : 'Alarms: standard resolution',
        ...(interval ? { intervalSeconds: interval } : {}),
        quantity: 1,
        unit: 'alarm-months',
        price: high ? 'highResolutionAlarmMonth' : 'standardAlarmMonth',
        scalesWith: alarm.check ? 'checks' : alarm.shard ? 'shards' : alarm.host ? 'hosts' : 'fleet',
        basis: `${alarm.class} ${what}, period ${alarm.metric.periodSeconds} s`,
      });
    } else {
      const matched = matchedSeries(alarm, series);
      const interval = alarmInterval(alarm, checkByName, shardById, matched);
      book.add({
        item: 'Alarms: Metrics Insights (metrics analyzed)',
        ...(interval ? { intervalSeconds: interval } : {}),
        quantity: sum(matched.map((s) => s.hourShare)),
        unit: 'metric-months analyzed',
        price: 'insightsMetricAnalyzedMonth',
        scalesWith: 'checks',
        basis:
          'one per class and interval; each analyzes the failing Failures{Check,Interval,Reason} series, as if every failure had its Reason (upper bound)',
      });
    }
  }
};
