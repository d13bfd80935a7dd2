/**
 * The fleet file the runner reads (`fleet.json` beside its `index.js`, contracts/handler-env.ts):
 * the shards' checks and the tokens they use, from a validated configuration and its plan. No CDK
 * import: the demo builds the same file without loading aws-cdk-lib.
 */
import type { MonitorConfig } from '../../contracts/config';
import { notificationTokenNames } from '../../contracts/config/notifications';
import type { FleetFile } from '../../contracts/handler-env';
import { locationLabels, quorumOf } from '../alarms/definitions';
import type { FleetPlan } from './plan';

/**
 * The fleet file for a validated configuration and its plan; with `incidents`, the incident
 * engine's settings and the channels' tokens too (docs/DESIGN.md#incidents).
 */
export function fleetFile(config: MonitorConfig, plan: FleetPlan, incidents?: { readonly monitor: string }): FleetFile {
  const byName = new Map(config.checks.map((c) => [c.name, c]));
  const used = new Set([
    ...config.checks.flatMap((c) => (c.auth ? [c.auth.token] : [])),
    ...(incidents ? notificationTokenNames(config.notifications) : []),
  ]);
  return {
    version: 1,
    namespace: config.namespace,
    phaseTimings: config.phaseTimings,
    tokens: Object.fromEntries(Object.entries(config.tokens).filter(([name]) => used.has(name))),
    shards: Object.fromEntries(
      plan.shards.map((s) => [
        s.id,
        { intervalSeconds: s.intervalSeconds, ticks: s.ticksPerInvocation, checks: s.checks.map((n) => byName.get(n)!) },
      ]),
    ),
    ...(incidents
      ? {
          incidents: {
            monitor: incidents.monitor,
            locations: locationLabels(config),
            quorum: quorumOf(config),
            resolveAfterRuns: config.incidents.resolveAfterRuns,
            notifications: config.notifications,
            ...(config.maintenance.length ? { maintenance: config.maintenance } : {}),
          },
        }
      : {}),
  };
}
