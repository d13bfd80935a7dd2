import { describe, expect, it } from 'vitest';
import { benchmarkFleet } from '../../lib/cost/benchmark-fleet';

describe('benchmarkFleet', () => {
  it('builds half WebSocket and half HTTP checks that share one token, each pair on one host', () => {
    const config = benchmarkFleet({ checks: 100, intervalSeconds: 10 });
    expect(config.checks).toHaveLength(100);
    expect(config.checks.filter((c) => c.kind === 'websocket')).toHaveLength(50);
    expect(config.checks.every((c) => c.intervalSeconds === 10 && c.auth?.token === 'default')).toBe(true);
    expect(Object.keys(config.tokens)).toEqual(['default']);
    expect(new Set(config.checks.map((c) => new URL(c.url).hostname)).size).toBe(50);
    expect(new URL(config.checks[0]!.url).hostname).toBe(new URL(config.checks[1]!.url).hostname);
    expect(config.locations).toEqual([]);
  });

  it('takes the hosts, locations and phase timings it is given', () => {
    const config = benchmarkFleet({ checks: 7, hosts: 2, locations: ['eu-west-1', 'us-east-1'], phaseTimings: true });
    expect(config.checks.filter((c) => c.kind === 'websocket')).toHaveLength(4);
    expect(new Set(config.checks.map((c) => new URL(c.url).hostname)).size).toBe(2);
    expect(config).toMatchObject({ intervalSeconds: 60, locations: ['eu-west-1', 'us-east-1'], phaseTimings: true });
  });

  it.each([
    [{ checks: 0 }, 'benchmarkFleet: checks must be a whole number of at least 1, got 0'],
    [{ checks: 2.5 }, 'benchmarkFleet: checks must be a whole number of at least 1, got 2.5'],
    [{ checks: 4, hosts: 5 }, 'benchmarkFleet: hosts must be a whole number from 1 to checks (4), got 5'],
  ])('rejects %o naming the value it got', (options, message) => {
    expect(() => benchmarkFleet(options)).toThrow(message);
  });
});
