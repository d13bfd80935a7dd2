/**
 * The fleet plan (docs/DESIGN.md#the-fleet-runner): which runner shard probes which checks, and what each shard needs.
 * Pure data from the validated configuration, shared by the CDK construct (one schedule per shard),
 * the runner's shard file, the cost model and the benchmark.
 *
 * Shards group checks of one interval, at most `shardMaxChecks` each (`fastShardMaxChecks` for
 * 10–30 s checks). A check's shard is chosen by jump consistent hashing of its name (Lamping and
 * Veach, "A Fast, Minimal Memory, Consistent Hash Algorithm", 2014): with S shards, adding or
 * removing a check moves no other check unless S changes, and when S grows by one only the checks
 * that land in the new shard move (about 1/S of them) — never a reshuffle of every shard. S starts
 * at the fewest shards that could hold the checks and grows until no shard is over the limit.
 */
import type { Check, MonitorConfig } from '../../contracts/config';
import { isFastInterval, LAMBDA_MAX_TIMEOUT_S, type IntervalSeconds } from '../../contracts/fleet';
import { PUBLISH_MARGIN_MS, runBudgetMs, TOKEN_READ_MARGIN_MS } from '../../contracts/kinds';

/** One runner shard: checks of one interval that one invocation probes together. */
export interface ShardPlan {
  /** Stable id, e.g. `60s-3` (interval and bucket). Used in schedule names and the Shard dimension. */
  readonly id: string;
  readonly intervalSeconds: IntervalSeconds;
  /** Fast shards (10–30 s) run their ticks inside one invocation per minute. */
  readonly fast: boolean;
  /** Check names, sorted. */
  readonly checks: readonly string[];
  /** How often the schedule invokes the shard: the interval, or every minute for fast shards. */
  readonly invokeEverySeconds: number;
  /** Ticks per invocation (60 / interval for fast shards, else 1). */
  readonly ticksPerInvocation: number;
  /** Longest a run of this shard may take: its slowest check, the token read and publishing. */
  readonly budgetMs: number;
}

export interface FleetPlan {
  readonly shards: readonly ShardPlan[];
  /** The Lambda timeout of the runner: the longest shard budget, whole seconds. */
  readonly functionTimeoutSeconds: number;
}

/** FNV-1a, 32 bit: a fixed, well-spread hash (no dependency, same result everywhere). */
export function nameHash(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

const MASK_64 = (1n << 64n) - 1n;

/**
 * A well-mixed 64-bit key from a name: FNV-1a of the name and of its reverse, through SplitMix64's
 * finalizer (names differ in a few trailing digits; jump hashing needs uniform keys).
 */
function nameKey(name: string): bigint {
  const reversed = [...name].reverse().join('');
  let z = ((BigInt(nameHash(name)) << 32n) | BigInt(nameHash(`${reversed}\u0000`))) & MASK_64;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK_64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK_64;
  return z ^ (z >> 31n);
}

/** Jump consistent hash: the bucket in [0, buckets) of a 64-bit key. */
export function jumpHash(key: bigint, buckets: number): number {
  let b = -1;
  let j = 0;
  let k = key & MASK_64;
  while (j < buckets) {
    b = j;
    k = (k * 2862933555777941757n + 1n) & MASK_64;
    j = Math.floor((b + 1) * (2 ** 31 / (Number(k >> 33n) + 1)));
  }
  return b;
}

/** Buckets of names: jump hash into S buckets, S grown from the minimum until no bucket holds more than `max`. */
export function bucketize(names: readonly string[], max: number): Map<number, string[]> {
  const keys = names.map((name) => [name, nameKey(name)] as const);
  // Bounded: at `names.length` buckets the search stops, whatever the spread (validation keeps
  // shardMaxChecks ≥ 10, where it never gets there).
  for (let buckets = Math.max(1, Math.ceil(names.length / max)); ; buckets++) {
    const out = new Map<number, string[]>();
    for (const [name, key] of keys) {
      const b = jumpHash(key, buckets);
      const list = out.get(b) ?? [];
      list.push(name);
      out.set(b, list);
    }
    if ([...out.values()].every((l) => l.length <= max) || buckets >= names.length) {
      for (const list of out.values()) list.sort();
      return new Map([...out.entries()].sort(([a], [b]) => a - b));
    }
  }
}

/** Time one run of a shard may take, in ms. */
function shardBudgetMs(checks: readonly Check[], fast: boolean): number {
  const slowest = Math.max(...checks.map((c) => runBudgetMs(c)));
  const token = checks.some((c) => c.auth) ? TOKEN_READ_MARGIN_MS : 0;
  // A fast shard's invocation runs its ticks across one minute; its last tick starts at 60 s minus
  // one interval and is bounded like any other (its attempt budget is below the interval).
  const ticks = fast ? 60_000 : 0;
  return ticks + slowest + token + PUBLISH_MARGIN_MS;
}

/** Plan the shards of a validated configuration. Deterministic: the same checks give the same plan. */
export function planFleet(config: MonitorConfig): FleetPlan {
  const byInterval = new Map<IntervalSeconds, Check[]>();
  for (const check of config.checks) {
    const list = byInterval.get(check.intervalSeconds) ?? [];
    list.push(check);
    byInterval.set(check.intervalSeconds, list);
  }
  const byName = new Map(config.checks.map((c) => [c.name, c]));
  const shards: ShardPlan[] = [];
  for (const [interval, checks] of [...byInterval.entries()].sort(([a], [b]) => a - b)) {
    const fast = isFastInterval(interval);
    const max = fast ? config.fastShardMaxChecks : config.shardMaxChecks;
    for (const [bucket, names] of bucketize(
      checks.map((c) => c.name),
      max,
    )) {
      const members = names.map((n) => byName.get(n)!);
      shards.push({
        id: `${interval}s-${bucket}`,
        intervalSeconds: interval,
        fast,
        checks: names,
        invokeEverySeconds: fast ? 60 : interval,
        ticksPerInvocation: fast ? 60 / interval : 1,
        budgetMs: shardBudgetMs(members, fast),
      });
    }
  }
  const longest = Math.max(...shards.map((s) => s.budgetMs));
  return { shards, functionTimeoutSeconds: Math.min(LAMBDA_MAX_TIMEOUT_S, Math.ceil(longest / 1000)) };
}
