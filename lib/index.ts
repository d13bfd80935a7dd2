/**
 * synthmon as a CDK construct library (docs/DESIGN.md#packaging): `import { SyntheticMonitor } from
 * 'synthmon'`. The package's `main`/`types` point at this module's compiled form (dist/lib/index.js
 * and .d.ts); everything a CDK app needs to build, configure and extend a monitor is exported here,
 * nothing the CLI alone uses. `aws-cdk-lib` and `constructs` are peer dependencies: the app's own
 * copies, so a `Stack` or `Duration` of the app is the type the construct expects.
 */

// The construct and its props.
export { SyntheticMonitor, type CheckInput, type SyntheticMonitorProps } from './synthetic-monitor';
// Whole stacks: one location, or a home stack and one runner stack per further location.
export { buildMonitorStacks, MonitorStack, RunnerStack, type MonitorStackProps, type RunnerStackProps } from './monitor-stack';
// The runner of one location, and the dashboard (built by the monitor; exported for their props and accessors).
export { ProbeRunner, PROBE_RUNTIME, type ProbeRunnerProps } from './runner';
export { MonitorDashboard, type MonitorDashboardProps } from './dashboard';
// The backstop notifier beside them: pages alarms' transitions the incident pipeline did not.
export { BackstopNotifier, type BackstopNotifierProps } from './backstop';
// Metrics for alarms and widgets of your own.
export { MonitorMetrics, type MetricCheck } from './metrics';
// What the monitor deploys: its shard plan and its alarm definitions.
export type { FleetPlan, ShardPlan } from './fleet/plan';
export { AlarmClass, type AlarmDefinition } from './alarms/definitions';

// The configuration: one schema for construct props, JSON files and the CLI.
export {
  ConfigError,
  loadConfigFile,
  parseConfig,
  type AlarmsConfig,
  type AuthConfig,
  type Check,
  type HttpCheck,
  type MonitorConfig,
  type MonitorConfigInput,
  type WebSocketCheck,
} from '../contracts/config';
export { INTERVALS, type IntervalSeconds } from '../contracts/fleet';
export { CHECK_KINDS, type CheckKind } from '../contracts/kinds';
// The outcome taxonomy and the metric identities the runners publish.
export { Cause, CAUSES, Outcome, OUTCOMES } from '../contracts/outcomes';
export { DEFAULT_NAMESPACE, Dimension, MetricName } from '../contracts/metrics';
export type { CheckResult } from '../contracts/result';
