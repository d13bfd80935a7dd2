/**
 * The monitor configuration (README.md#configuration): one zod schema, validated once, for the
 * CDK app, the construct and the CLI alike. Every problem is reported at once, each with its path,
 * what is expected and the value received; one wrong field is one problem (the first rule it
 * breaks), never zod's own wording. Nothing this schema accepts may crash `cdk synth` or fail every
 * run: each rule says which limit or failure it guards against.
 *
 * One file per concept: fields.ts (the builders), regions.ts, urls.ts, headers.ts, tokens.ts,
 * checks.ts, alarms.ts, subscriptions.ts (the topic's subscribers), limits.ts, rules.ts (cross-field
 * rules, a table of named functions), defaults.ts (derived defaults, in one place), monitor.ts (the
 * whole schema), problems.ts (structured problems, ConfigError) and parse.ts.
 */
export { AlarmsSchema, type AlarmsConfig } from './alarms';
export {
  AuthSchema,
  CheckSchema,
  HttpCheckSchema,
  WebSocketCheckSchema,
  type AuthConfig,
  type Check,
  type HttpCheck,
  type WebSocketCheck,
} from './checks';
export { homeRegionOf } from './defaults';
export { ENV_NAME_RE } from './fields';
export {
  ALARMS_PER_MONITOR_STACK,
  INSIGHTS_MAX_WINDOW_SECONDS,
  MAX_CHECKS,
  MIN_SHARD_CHECKS,
  shardEstimate,
  STACK_MAX_RESOURCES,
  STANDARD_MAX_WINDOW_SECONDS,
} from './limits';
export { MonitorConfigSchema, type MonitorConfig, type MonitorConfigInput } from './monitor';
export { loadConfigFile, parseCheck, parseConfig } from './parse';
export { ConfigError, formatPath, problemText, type ConfigPath, type ConfigProblem } from './problems';
export { SubscriptionsSchema, type SubscriptionsConfig } from './subscriptions';
export { TokenSchema, type ResolvedToken, type TokenConfig } from './tokens';
export { isCredentialParam, redactCredentials } from './urls';

// Runtime helpers live in ../kinds (no zod), so the probes and the Lambda load without the schema.
export { attemptBudgetMs, PUBLISH_MARGIN_MS, runBudgetMs, TOKEN_READ_MARGIN_MS, tokenPlacement } from '../kinds';
