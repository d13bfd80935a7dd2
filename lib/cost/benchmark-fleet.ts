/**
 * The standard fleets of the cost targets (docs/DESIGN.md#cost-and-time-to-detect), built one way for the benchmark, the tests and
 * `synthmon cost`: half WebSocket and half HTTP checks, one shared token, every pair of checks on one
 * backend host (the seed's shape: a chat WebSocket and an orders API behind one proxy).
 */
import { parseConfig, type MonitorConfig, type MonitorConfigInput } from '../../contracts/config';
import type { IntervalSeconds } from '../../contracts/fleet';

export interface BenchmarkFleetOptions {
  /** Number of checks: half WebSocket, half HTTP (an odd count gets one more WebSocket check). */
  readonly checks: number;
  /** Interval of every check. @default 60 */
  readonly intervalSeconds?: IntervalSeconds;
  /** Distinct backend hosts (TLS host names). @default - one per WebSocket/HTTP pair, ceil(checks / 2) */
  readonly hosts?: number;
  /** Regions to probe from. @default - none: the deploy region alone */
  readonly locations?: readonly string[];
  /** Publish phase timings. @default false */
  readonly phaseTimings?: boolean;
}

/** A validated configuration of the standard benchmark fleet. */
export function benchmarkFleet(options: BenchmarkFleetOptions): MonitorConfig {
  const n = options.checks;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`benchmarkFleet: checks must be a whole number of at least 1, got ${n}`);
  const hosts = options.hosts ?? Math.ceil(n / 2);
  if (!Number.isInteger(hosts) || hosts < 1 || hosts > n) {
    throw new RangeError(`benchmarkFleet: hosts must be a whole number from 1 to checks (${n}), got ${hosts}`);
  }
  const width = String(n).length;
  const id = (i: number) => String(i + 1).padStart(width, '0');
  const host = (pair: number) => `backend-${String((pair % hosts) + 1).padStart(String(hosts).length, '0')}.example.com`;
  const checks: MonitorConfigInput['checks'] = [];
  for (let i = 0; i < n; i++) {
    const pair = Math.floor(i / 2);
    checks.push(
      i % 2 === 0
        ? {
            kind: 'websocket',
            name: `ws-${id(i)}`,
            url: `wss://${host(pair)}/ws/chat/`,
            origin: 'https://app.example.com',
            auth: { token: 'default' },
          }
        : { kind: 'http', name: `api-${id(i)}`, url: `https://${host(pair)}/api/auth/buyer/orders/`, auth: { token: 'default' } },
    );
  }
  return parseConfig(
    {
      intervalSeconds: options.intervalSeconds ?? 60,
      ...(options.locations ? { locations: [...options.locations] } : {}),
      ...(options.phaseTimings ? { phaseTimings: true } : {}),
      checks,
    },
    `benchmarkFleet(${n} checks)`,
  );
}
