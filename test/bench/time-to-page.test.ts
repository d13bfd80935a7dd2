import { describe, expect, it } from 'vitest';
import { DEFAULT_TTP_PARAMS, simulateTimeToPage, type TimeToPageParams, type TimeToPageScenario } from '../../bench/ttp-model';

/** No lateness, no network, a constant 0.2 s failing attempt, nothing else in the shard: only the schedule and the confirmation are left. */
const bare: TimeToPageParams = {
  ...DEFAULT_TTP_PARAMS,
  trials: 4000,
  latenessS: [0, 0],
  failingAttemptsS: [0.2],
  shardHealthyS: 0,
  storeRttS: { default: 0 },
  deliveryS: { default: 0 },
};
const one = ['us-east-1'];
const three = ['us-east-1', 'eu-west-1', 'ap-southeast-1'];
const at60 = (over: Partial<TimeToPageScenario> = {}): TimeToPageScenario => ({
  name: 't',
  intervalSeconds: 60,
  locations: one,
  quorum: 1,
  retryDelayMs: 2000,
  ...over,
});
const at10 = (over: Partial<TimeToPageScenario> = {}): TimeToPageScenario => ({
  name: 't',
  intervalSeconds: 10,
  locations: one,
  quorum: 1,
  retryDelayMs: 1000,
  ...over,
});

describe('time to page model (bench/ttp-model.ts)', () => {
  it('waits half an interval on average for a 60 s check, then confirms: 30 s + 0.2 + 2 + 0.2 s', () => {
    const s = simulateTimeToPage(at60(), bare);
    // The wait is uniform in [0, 60): mean 30 s, standard error 17.3 / sqrt(4000) ≈ 0.27 s.
    expect(s.meanS).toBeGreaterThan(32.4 - 1);
    expect(s.meanS).toBeLessThan(32.4 + 1);
    expect(s.worstS).toBeLessThanOrEqual(60 + 2.4);
    expect(s.worstS).toBeGreaterThan(59 + 2.4 - 1);
    expect(s.p95S).toBeGreaterThan(57 + 2.4 - 1.5);
    expect(s.p95S).toBeLessThan(57 + 2.4 + 1.5);
    expect(s.parts.confirmS).toBeCloseTo(2.4, 9);
  });

  it('with a quorum, waits for the quorum-th location: the order statistics of independent uniform phases', () => {
    // E[k-th smallest of 3 uniforms on [0, 60)] = 60 k / 4: 15, 30, 45 s.
    const expected = [15, 30, 45];
    for (const quorum of [1, 2, 3]) {
      const s = simulateTimeToPage(at60({ locations: three, quorum }), bare);
      expect(Math.abs(s.meanS - (expected[quorum - 1]! + 2.4))).toBeLessThan(1.2);
    }
  });

  it("waits half the interval for a 10 s check; staggered ticks bound the quorum-th location's wait by 2/3 of the interval", () => {
    const s = simulateTimeToPage(at10(), bare);
    expect(Math.abs(s.meanS - (5 + 1.4))).toBeLessThan(0.3);
    expect(s.worstS).toBeLessThanOrEqual(10 + 1.4);
    const plain = simulateTimeToPage(at10({ locations: three, quorum: 2 }), bare);
    const ticks = simulateTimeToPage(at10({ locations: three, quorum: 2, stagger: 'ticks' }), bare);
    expect(ticks.worstS).toBeLessThanOrEqual((2 * 10) / 3 + 1.4 + 1e-9);
    expect(plain.worstS).toBeGreaterThan(ticks.worstS);
    // Staggering moves the worst case, not the mean (both 5 s of wait).
    expect(Math.abs(ticks.meanS - plain.meanS)).toBeLessThan(0.4);
  });

  it('staggers 60 s checks only by sleeping in the Lambda, and reports the sleep', () => {
    const plain = simulateTimeToPage(at60({ locations: three, quorum: 2 }), bare);
    const sleep = simulateTimeToPage(at60({ locations: three, quorum: 2, stagger: 'sleep' }), bare);
    expect(plain.sleepS).toBe(0);
    // Each location sleeps from its own phase to its slot: uniform in [0, 60), mean 30 s.
    expect(Math.abs(sleep.sleepS - 30)).toBeLessThan(1.5);
    expect(sleep.worstS).toBeLessThanOrEqual(40 + 2.4 + 1e-9);
  });

  it('adds the store round trips and the delivery of the location that opens', () => {
    const base = simulateTimeToPage(at60(), bare);
    const slow = simulateTimeToPage(at60(), { ...bare, storeRttS: { default: 0.1 }, deliveryS: { default: 0.5 } });
    // The claim's round trip shifts the probe too (phases are uniform, so not the mean wait); three more before the page, then the delivery.
    expect(Math.abs(slow.meanS - base.meanS - (3 * 0.1 + 0.5))).toBeLessThan(1);
    expect(slow.parts.storeS).toBeCloseTo(0.3, 9);
    expect(slow.parts.deliveryS).toBeCloseTo(0.5, 9);
  });

  it('is seeded: the same seed gives the same figures, another seed others', () => {
    const a = simulateTimeToPage(at60({ locations: three, quorum: 2 }), DEFAULT_TTP_PARAMS_WITH_NETWORK);
    const b = simulateTimeToPage(at60({ locations: three, quorum: 2 }), DEFAULT_TTP_PARAMS_WITH_NETWORK);
    const c = simulateTimeToPage(at60({ locations: three, quorum: 2 }), { ...DEFAULT_TTP_PARAMS_WITH_NETWORK, seed: 7 });
    expect(a).toEqual(b);
    expect(c.meanS).not.toBe(a.meanS);
  });

  it('refuses a quorum the locations cannot reach', () => {
    expect(() => simulateTimeToPage(at60({ quorum: 2 }), bare)).toThrow(/quorum must be 1\.\.1, got 2/);
  });
});

const DEFAULT_TTP_PARAMS_WITH_NETWORK: TimeToPageParams = {
  ...DEFAULT_TTP_PARAMS,
  trials: 500,
  storeRttS: { default: 0.05 },
  deliveryS: { default: 0.3 },
};
