/**
 * Shard planning: sizes within the limit, one interval per shard, deterministic, and stable when
 * the fleet changes (adding one check moves no other check unless the bucket count doubles, and
 * then each check stays or moves to exactly one new shard).
 */
import { describe, expect, it } from 'vitest';
import { parseConfig, type MonitorConfig } from '../../contracts/config';
import { bucketize, jumpHash, nameHash, planFleet, type FleetPlan } from '../../lib/fleet/plan';

function fleet(n: number, extra: Record<string, unknown> = {}, interval?: (i: number) => number): MonitorConfig {
  return parseConfig({
    ...extra,
    checks: Array.from({ length: n }, (_, i) => ({
      name: `check-${i}`,
      kind: i % 2 ? 'http' : 'websocket',
      url: i % 2 ? `https://h${i}.example.com/` : `wss://h${i}.example.com/ws/`,
      ...(interval ? { intervalSeconds: interval(i) } : {}),
    })),
  });
}

const shardOf = (plan: FleetPlan): Map<string, string> => new Map(plan.shards.flatMap((s) => s.checks.map((c) => [c, s.id] as const)));

describe('planFleet', () => {
  it('puts every check in exactly one shard of at most shardMaxChecks checks', () => {
    const config = fleet(1000);
    const plan = planFleet(config);
    const all = plan.shards.flatMap((s) => s.checks);
    expect(all.sort()).toEqual(config.checks.map((c) => c.name).sort());
    expect(Math.max(...plan.shards.map((s) => s.checks.length))).toBeLessThanOrEqual(50);
    expect(plan.shards.length).toBeGreaterThanOrEqual(20);
  });

  it('honours a configured shardMaxChecks', () => {
    const plan = planFleet(fleet(300, { shardMaxChecks: 10 }));
    expect(Math.max(...plan.shards.map((s) => s.checks.length))).toBeLessThanOrEqual(10);
  });

  it('keeps one interval per shard and marks fast shards with their ticks', () => {
    const plan = planFleet(fleet(90, {}, (i) => [10, 60, 300][i % 3]!));
    for (const shard of plan.shards) {
      expect(new Set(shard.checks.map((c) => Number(c.split('-')[1]) % 3)).size).toBe(1);
      expect(shard.id.startsWith(`${shard.intervalSeconds}s-`)).toBe(true);
    }
    const fast = plan.shards.filter((s) => s.intervalSeconds === 10);
    expect(fast.every((s) => s.fast && s.ticksPerInvocation === 6 && s.invokeEverySeconds === 60)).toBe(true);
    const slow = plan.shards.filter((s) => s.intervalSeconds === 300);
    expect(slow.every((s) => !s.fast && s.ticksPerInvocation === 1 && s.invokeEverySeconds === 300)).toBe(true);
  });

  it('is deterministic: the same checks in another order give the same plan', () => {
    const config = fleet(200);
    const shuffled = { ...config, checks: [...config.checks].reverse() };
    expect(planFleet(shuffled)).toEqual(planFleet(config));
  });

  it('moves no other check when one check is added (no doubling)', () => {
    const before = shardOf(planFleet(fleet(120)));
    const afterConfig = fleet(121);
    const after = shardOf(planFleet(afterConfig));
    const moved = [...before].filter(([name, shard]) => after.get(name) !== shard);
    expect(moved).toEqual([]);
  });

  it('moves only checks into the new shard when the shard count grows, about 1/S of them, never reshuffling every shard', () => {
    // Find the fleet size at which one more check needs one more shard.
    let n = 50;
    while (planFleet(fleet(n + 1)).shards.length <= planFleet(fleet(n)).shards.length) n++;
    const shardsAfter = planFleet(fleet(n + 1)).shards.length;
    const before = shardOf(planFleet(fleet(n)));
    const after = shardOf(planFleet(fleet(n + 1)));
    const moved = [...before].filter(([name, shard]) => after.get(name) !== shard);
    // Jump consistent hashing: a check either stays or moves to the newest bucket.
    for (const [name] of moved) expect(after.get(name)).toBe(`60s-${shardsAfter - 1}`);
    expect(moved.length).toBeGreaterThan(0);
    expect(moved.length).toBeLessThanOrEqual(Math.ceil((2 * before.size) / shardsAfter));
  });

  it('fills shards well: 1,000 checks of 50 at most need few more shards than the minimum of 20', () => {
    expect(planFleet(fleet(1000)).shards.length).toBeLessThanOrEqual(28);
  });

  it('gives the runner a timeout covering the slowest check, the token read and publishing, capped at 900 s', () => {
    const plan = planFleet(parseConfig({ checks: [{ name: 'slow', kind: 'http', url: 'https://x.example.com/', timeoutMs: 120_000, auth: {} }] }));
    // 2 × 120 s + 2 s pause + 6 s token + 30 s publishing
    expect(plan.functionTimeoutSeconds).toBe(278);
    const fast = planFleet(parseConfig({ intervalSeconds: 10, checks: [{ name: 'f', kind: 'http', url: 'https://x.example.com/' }] }));
    // one minute of ticks, one attempt of 7 s, publishing
    expect(fast.functionTimeoutSeconds).toBe(60 + 7 + 30);
  });
});

describe('bucketize', () => {
  it('spreads names evenly: 1,000 names in buckets of at most 50, all placed once', () => {
    const names = Array.from({ length: 1000 }, (_, i) => `api-check-${i}`);
    const buckets = bucketize(names, 50);
    expect(buckets.size).toBeLessThanOrEqual(28);
    expect([...buckets.values()].every((b) => b.length <= 50)).toBe(true);
    expect([...buckets.values()].flat().sort()).toEqual([...names].sort());
  });

  it("implements jump consistent hashing (reference values from the paper's algorithm)", () => {
    // Same key, growing bucket counts: the bucket only ever changes to the newest one.
    const key = 0x0123456789abcdefn;
    let last = jumpHash(key, 1);
    expect(last).toBe(0);
    for (let n = 2; n <= 200; n++) {
      const b = jumpHash(key, n);
      expect(b === last || b === n - 1).toBe(true);
      last = b;
    }
  });

  it('hashes with FNV-1a (fixed values, so plans match across machines)', () => {
    expect(nameHash('')).toBe(0x811c9dc5);
    expect(nameHash('a')).toBe(0xe40c292c);
  });
});
