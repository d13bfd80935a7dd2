/** The runner: Lambda, Scheduler, PutMetricData, logs and token reads, per shard in every location. */
import { DAYS_PER_MONTH, MINUTES_PER_MONTH } from '../prices';
import { fmtInt } from '../format';
import { pct, plural, type CostSection, type LineBook, type PricedFleet } from '../lines';
import { BYTES_PER_GB, shardSeconds, shardUsage, type ShardUsage } from '../usage';
import { PUT_METRIC_DATA_MAX_DATUMS } from '../../../contracts/cloudwatch-limits';

/** What every step of one shard's lines reads: the fleet, the shard's usage in one location, and what is worked out once for the shard. */
interface ShardStep {
  readonly fleet: PricedFleet;
  readonly u: ShardUsage;
  /** Locations the shard runs in. */
  readonly L: number;
  /** "every minute, 4 ticks of 15 s" or "every 60 s". */
  readonly every: string;
  /** Shard-locations at this shard's interval. */
  readonly shardsHere: number;
  /** Invocations in every location together. */
  readonly invocations: number;
}

export const runnerSection: CostSection = (fleet, book) => {
  const { plan, locations, checkByName, config, a } = fleet;
  const L = locations.length;
  const usages = plan.shards.map((s) =>
    shardUsage(
      s,
      s.checks.map((n) => checkByName.get(n)!),
      config,
      a,
    ),
  );
  for (const u of usages) {
    const s = u.shard;
    const i = s.intervalSeconds;
    const step: ShardStep = {
      fleet,
      u,
      L,
      every: s.fast ? `every minute, ${s.ticksPerInvocation} ticks of ${i} s` : `every ${i} s`,
      shardsHere: usages.filter((x) => x.shard.intervalSeconds === i).length * L,
      invocations: u.invocations * L,
    };
    invocationLines(step, book);
    logLines(step, book);
    tokenLines(step, book);
  }
};

/** Lambda requests, the schedule, compute, cold starts and the PutMetricData calls of one shard. */
function invocationLines({ fleet, u, L, every, shardsHere, invocations }: ShardStep, book: LineBook): void {
  const { a, gb, checkByName } = fleet;
  const s = u.shard;
  const i = s.intervalSeconds;
  const coldStartsPerContainer = a.coldStartsPerContainerPerDay * DAYS_PER_MONTH;
  book.add({
    item: 'Lambda requests',
    intervalSeconds: i,
    quantity: invocations,
    unit: 'requests',
    price: 'lambdaRequest',
    scalesWith: 'shards',
    basis: `${plural(shardsHere, 'shard-location')} × ${fmtInt(u.invocations)} invocations (${every})`,
  });
  book.add({
    item: 'EventBridge Scheduler',
    intervalSeconds: i,
    quantity: invocations,
    unit: 'invocations',
    price: 'schedulerInvocation',
    scalesWith: 'shards',
    basis: `one schedule per shard and location, ${every}`,
  });
  const checks = s.checks.map((n) => checkByName.get(n)!);
  const t = shardSeconds(checks, a);
  book.add({
    item: 'Lambda compute',
    intervalSeconds: i,
    quantity: invocations * u.billedSeconds * gb,
    unit: 'GB-s',
    price: 'lambdaGbSecondArm64',
    scalesWith: 'shards',
    basis: s.fast
      ? `${plural(shardsHere, 'shard-location')} × ${fmtInt(u.invocations)} invocations × ${a.fastInvocationSeconds} s (the minute of ticks, mostly idle) × ${gb} GB`
      : `${plural(shardsHere, 'shard-location')} × ${fmtInt(u.invocations)} invocations × ~${t.mean.toFixed(2)} s × ${gb} GB ` +
        `(slowest healthy check ${t.healthy.toFixed(2)} s + publish ${a.publishSeconds} s; ${pct(t.pFail)} with a failing check: ${t.failing.toFixed(2)} s)`,
  });
  book.add({
    item: 'Lambda INIT (cold starts)',
    intervalSeconds: i,
    quantity: L * coldStartsPerContainer * a.initSeconds * gb,
    unit: 'GB-s',
    price: 'lambdaGbSecondArm64',
    scalesWith: 'shards',
    basis: `one container per shard and location × ${a.coldStartsPerContainerPerDay} cold starts/day × ${a.initSeconds} s × ${gb} GB`,
  });
  book.add({
    item: 'PutMetricData requests',
    intervalSeconds: i,
    quantity: u.putCalls * L,
    unit: 'requests',
    price: 'putMetricDataRequest',
    scalesWith: 'shards',
    basis: `one call per shard ${s.fast ? 'tick' : 'invocation'} and location (≤ ${PUT_METRIC_DATA_MAX_DATUMS} metrics a call)`,
  });
}

/** The shard's log ingestion and storage. */
function logLines({ fleet: { a }, u, L }: ShardStep, book: LineBook): void {
  const i = u.shard.intervalSeconds;
  const logGb = (u.logBytes * L) / BYTES_PER_GB;
  book.add({
    item: 'Logs: ingestion',
    intervalSeconds: i,
    quantity: logGb,
    unit: 'GB',
    price: 'logsIngestionGb',
    scalesWith: 'checks',
    basis: `${a.logBytesPerResult} B per check result + ${a.logBytesPerInvocation} B per invocation (START/END/REPORT)`,
  });
  book.add({
    item: 'Logs: storage',
    intervalSeconds: i,
    quantity: logGb * a.logRetentionMonths,
    unit: 'GB-months',
    price: 'logsStorageGbMonth',
    scalesWith: 'checks',
    basis: `${a.logRetentionMonths} month retention, uncompressed`,
  });
}

/** The reads of each token the shard's checks send: Secrets Manager calls, or SSM GetParameter with its KMS Decrypt. */
function tokenLines({ fleet: { a, config }, u, L }: ShardStep, book: LineBook): void {
  const i = u.shard.intervalSeconds;
  const coldStartsPerContainer = a.coldStartsPerContainerPerDay * DAYS_PER_MONTH;
  const tokenReadsPerContainer = MINUTES_PER_MONTH / a.tokenCacheMinutes + coldStartsPerContainer;
  for (const name of u.tokens) {
    const token = config.tokens[name];
    const reads = L * tokenReadsPerContainer;
    const basis = `per shard, location and token: every ${a.tokenCacheMinutes} min + per cold start`;
    if (token?.secret) {
      book.add({
        item: 'Tokens: Secrets Manager API calls',
        intervalSeconds: i,
        quantity: reads,
        unit: 'calls',
        price: 'secretApiCall',
        scalesWith: 'shards',
        basis,
      });
    } else {
      book.add({
        item: 'Tokens: SSM GetParameter',
        intervalSeconds: i,
        quantity: reads,
        unit: 'calls',
        price: 'ssmStandardParameterRead',
        scalesWith: 'shards',
        basis: `${basis} (standard throughput)`,
      });
      book.add({
        item: 'Tokens: KMS Decrypt (SecureString)',
        intervalSeconds: i,
        quantity: reads,
        unit: 'requests',
        price: 'kmsRequest',
        scalesWith: 'shards',
        basis,
      });
    }
  }
}
