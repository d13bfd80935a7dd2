/**
 * The fleet file the runner reads (`fleet.json` beside its `index.js`, contracts/handler-env.ts):
 * the shards' checks and the tokens they use, from a validated configuration and its plan. No CDK
 * import: the demo builds the same file without loading aws-cdk-lib.
 */
import type { MonitorConfig } from '../../contracts/config';
import type { FleetFile } from '../../contracts/handler-env';
import type { FleetPlan } from './plan';

/** The fleet file for a validated configuration and its plan. */
export function fleetFile(config: MonitorConfig, plan: FleetPlan): FleetFile {
  const byName = new Map(config.checks.map((c) => [c.name, c]));
  const used = new Set(config.checks.flatMap((c) => (c.auth ? [c.auth.token] : [])));
  return {
    version: 1,
    namespace: config.namespace,
    phaseTimings: config.phaseTimings,
    tokens: Object.fromEntries(Object.entries(config.tokens).filter(([name]) => used.has(name))),
    shards: Object.fromEntries(
      plan.shards.map((s) => [s.id, { intervalSeconds: s.intervalSeconds, ticks: s.ticksPerInvocation, checks: s.checks.map((n) => byName.get(n)!) }]),
    ),
  };
}
