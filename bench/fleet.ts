/**
 * A large, realistic fleet for the scale benchmark (docs/DESIGN.md#stacks-that-scale): checks named the way teams name
 * them (`marketplace-orders-api-123`), both kinds, mostly every minute with some fast (10 s) and
 * some slow (5 min) checks, a handful of named tokens, several backends per team. Deterministic:
 * the same count gives the same configuration.
 */
import type { MonitorConfigInput } from '../contracts/config';

const TEAMS = ['marketplace', 'payments', 'catalog', 'identity', 'shipping', 'search', 'support', 'seller'] as const;
const SERVICES = ['orders', 'cart', 'checkout', 'chat', 'inventory', 'profile', 'invoices', 'reviews', 'tracking', 'offers'] as const;

export interface LargeFleetOptions {
  readonly checks: number;
  /** Regions to probe from. @default - none (the deploy region) */
  readonly locations?: readonly string[];
}

/**
 * The fleet as a configuration file would hold it. Every tenth check is fast (10 s), every tenth
 * (offset by five) runs every 5 minutes, the rest every minute; even checks are HTTP APIs, odd ones
 * WebSockets; each team has its own token.
 */
export function largeFleetConfig(options: LargeFleetOptions): MonitorConfigInput {
  const checks: NonNullable<MonitorConfigInput['checks']> = [];
  for (let i = 0; i < options.checks; i++) {
    const team = TEAMS[i % TEAMS.length]!;
    const service = SERVICES[Math.floor(i / TEAMS.length) % SERVICES.length]!;
    const host = `${service}.${team}.example.com`;
    const intervalSeconds = i % 10 === 0 ? 10 : i % 10 === 5 ? 300 : 60;
    const auth = { token: team };
    checks.push(
      i % 2 === 0
        ? { kind: 'http', name: `${team}-${service}-api-${i + 1}`, url: `https://${host}/api/v1/${service}/`, intervalSeconds, auth }
        : {
            kind: 'websocket',
            name: `${team}-${service}-ws-${i + 1}`,
            url: `wss://${host}/ws/${service}/`,
            origin: `https://${team}.example.com`,
            intervalSeconds,
            auth,
          },
    );
  }
  return {
    namespace: 'SyntheticMonitor',
    ...(options.locations ? { locations: [...options.locations] } : {}),
    tokens: Object.fromEntries(TEAMS.map((t) => [t, { parameter: `/synthmon/${t}` }])),
    checks,
  };
}
