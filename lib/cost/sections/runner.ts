/** The runner: Lambda, Scheduler, PutMetricData, logs and token reads, per shard in every location. */
import { DAYS_PER_MONTH, MINUTES_PER_MONTH } from '../prices';
import { fmtInt } from '../format';
import { pct, plural, type CostSection } from '../lines';
import { BYTES_PER_GB, shardSeconds, shardUsage } from '../usage';
import { PUT_METRIC_DATA_MAX_DATUMS } from '../../../contracts/cloudwatch-limits';

export const runnerSection: CostSection = ({ config, a, plan, locations, gb, checkByName }, book) => {
  const L = locations.length;
  const usages = plan.shards.map((s) => shardUsage(s, s.checks.map((n) => checkByName.get(n)!), config, a));
  const coldStartsPerContainer = a.coldStartsPerContainerPerDay * DAYS_PER_MONTH;
  const tokenReadsPerContainer = MINUTES_PER_MONTH / a.tokenCacheMinutes + coldStartsPerContainer;
  for (const u of usages) {
    const s = u.shard;
    const i = s.intervalSeconds;
    const every = s.fast ? `every minute, ${s.ticksPerInvocation} ticks of ${i} s` : `every ${i} s`;
    const shardsHere = usages.filter((x) => x.shard.intervalSeconds === i).length * L;
    const invocations = u.invocations * L;
    book.add({ item: 'Lambda requests', intervalSeconds: i, quantity: invocations, unit: 'requests', price: 'lambdaRequest', scalesWith: 'shards',
      basis: `${plural(shardsHere, 'shard-location')} × ${fmtInt(u.invocations)} invocations (${every})` });
    book.add({ item: 'EventBridge Scheduler', intervalSeconds: i, quantity: invocations, unit: 'invocations', price: 'schedulerInvocation', scalesWith: 'shards',
      basis: `one schedule per shard and location, ${every}` });
    const checks = s.checks.map((n) => checkByName.get(n)!);
    const t = shardSeconds(checks, a);
    book.add({ item: 'Lambda compute', intervalSeconds: i, quantity: invocations * u.billedSeconds * gb, unit: 'GB-s', price: 'lambdaGbSecondArm64', scalesWith: 'shards',
      basis: s.fast
        ? `${plural(shardsHere, 'shard-location')} × ${fmtInt(u.invocations)} invocations × ${a.fastInvocationSeconds} s (the minute of ticks, mostly idle) × ${gb} GB`
        : `${plural(shardsHere, 'shard-location')} × ${fmtInt(u.invocations)} invocations × ~${t.mean.toFixed(2)} s × ${gb} GB ` +
          `(slowest healthy check ${t.healthy.toFixed(2)} s + publish ${a.publishSeconds} s; ${pct(t.pFail)} with a failing check: ${t.failing.toFixed(2)} s)` });
    book.add({ item: 'Lambda INIT (cold starts)', intervalSeconds: i, quantity: L * coldStartsPerContainer * a.initSeconds * gb, unit: 'GB-s', price: 'lambdaGbSecondArm64', scalesWith: 'shards',
      basis: `one container per shard and location × ${a.coldStartsPerContainerPerDay} cold starts/day × ${a.initSeconds} s × ${gb} GB` });
    book.add({ item: 'PutMetricData requests', intervalSeconds: i, quantity: u.putCalls * L, unit: 'requests', price: 'putMetricDataRequest', scalesWith: 'shards',
      basis: `one call per shard ${s.fast ? 'tick' : 'invocation'} and location (≤ ${PUT_METRIC_DATA_MAX_DATUMS} metrics a call)` });
    const logGb = (u.logBytes * L) / BYTES_PER_GB;
    book.add({ item: 'Logs: ingestion', intervalSeconds: i, quantity: logGb, unit: 'GB', price: 'logsIngestionGb', scalesWith: 'checks',
      basis: `${a.logBytesPerResult} B per check result + ${a.logBytesPerInvocation} B per invocation (START/END/REPORT)` });
    book.add({ item: 'Logs: storage', intervalSeconds: i, quantity: logGb * a.logRetentionMonths, unit: 'GB-months', price: 'logsStorageGbMonth', scalesWith: 'checks',
      basis: `${a.logRetentionMonths} month retention, uncompressed` });
    for (const name of u.tokens) {
      const token = config.tokens[name];
      const reads = L * tokenReadsPerContainer;
      const basis = `per shard, location and token: every ${a.tokenCacheMinutes} min + per cold start`;
      if (token?.secret) {
        book.add({ item: 'Tokens: Secrets Manager API calls', intervalSeconds: i, quantity: reads, unit: 'calls', price: 'secretApiCall', scalesWith: 'shards', basis });
      } else {
        book.add({ item: 'Tokens: SSM GetParameter', intervalSeconds: i, quantity: reads, unit: 'calls', price: 'ssmStandardParameterRead', scalesWith: 'shards', basis: `${basis} (standard throughput)` });
        book.add({ item: 'Tokens: KMS Decrypt (SecureString)', intervalSeconds: i, quantity: reads, unit: 'requests', price: 'kmsRequest', scalesWith: 'shards', basis });
      }
    }
  }
};
