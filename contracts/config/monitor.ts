/**
 * The schema of a whole monitor configuration: one zod schema, validated once, for the CDK app,
 * the construct and the CLI alike (README.md#configuration). It is made of one piece per concept (this folder);
 * a new concept is a new file exporting its schema, and one line below.
 */
import { z } from 'zod';
import { DEFAULT_SHARD_MAX_CHECKS, FAST_SHARD_MAX_CHECKS } from '../fleet';
import { AlarmsSchema } from './alarms';
import { checksSchema, intervalSchema } from './checks';
import { applyDefaults } from './defaults';
import { checkedString, isObject, wholeIn } from './fields';
import { MIN_SHARD_CHECKS } from './limits';
import { regionSchema } from './regions';
import { crossFieldRules } from './rules';
import { SubscriptionsSchema } from './subscriptions';
import { tokensSchema } from './tokens';
import { IncidentsSchema } from './incidents';
import { MaintenanceSchema } from './maintenance';

/** CloudWatch's namespace characters (PutMetricData allows spaces too; the dashboard's SEARCH would need them quoted). */
const NAMESPACE_RE = /^[A-Za-z0-9._/#:-]{1,255}$/;
const NAMESPACE_ERROR = 'must be a CloudWatch namespace (1-255 letters, digits, . _ / # : -)';

/** The whole configuration: each concept's schema under its key, then the cross-field rules, then the derived defaults. */
export const MonitorConfigSchema = z
  .object(
    {
      /** CloudWatch namespace. @default 'SyntheticMonitor' */
      namespace: checkedString(NAMESPACE_ERROR, (ns) =>
        !NAMESPACE_RE.test(ns)
          ? NAMESPACE_ERROR
          : ns.startsWith(':')
            ? 'must not start with ":" (CloudWatch refuses it)'
            : ns.startsWith('AWS/')
              ? 'must not start with "AWS/" (reserved)'
              : undefined,
      ).default('SyntheticMonitor'),
      /** How often each check runs (and its alarm period); a check may set its own. @default 60 */
      intervalSeconds: intervalSchema.default(60),
      /** AWS regions to probe from. @default - the deploy region alone */
      locations: z
        .array(regionSchema, { error: 'must be a list of AWS region names' })
        .max(20, { error: 'must list at most 20 regions' })
        .default([]),
      /** Where metrics, alarms, dashboard and tokens live (need not be a location). @default - the first location (or the deploy region) */
      homeRegion: regionSchema.optional(),
      /** Locations that must see a failure before a class pages. @default - a majority of locations */
      quorum: wholeIn(1, 20, 'locations').optional(),
      /** Most checks one runner invocation probes (one shard). @default 50 */
      shardMaxChecks: wholeIn(MIN_SHARD_CHECKS, 500, 'checks', " (measured to fit the runner's memory)").default(DEFAULT_SHARD_MAX_CHECKS),
      /** The same for fast checks (10-30 s), whose invocation is billed for its whole minute of ticks. @default 100 */
      fastShardMaxChecks: wholeIn(MIN_SHARD_CHECKS, 500, 'checks', " (measured to fit the runner's memory)").default(FAST_SHARD_MAX_CHECKS),
      /** Named tokens that checks refer to with auth.token. @default - "default": env SYNTHMON_TOKEN, parameter /synthmon/default */
      tokens: tokensSchema.default({}),
      /** Publish DnsMs/ConnectMs/TlsMs/FirstByteMs too (each custom metric costs money monthly). @default false */
      phaseTimings: z.boolean({ error: 'must be true or false' }).default(false),
      alarms: AlarmsSchema,
      notifications: SubscriptionsSchema,
      maintenance: MaintenanceSchema,
      incidents: IncidentsSchema,
      checks: checksSchema,
    },
    { error: (iss) => (iss.code === 'invalid_type' ? 'must be a JSON object with at least "checks"' : undefined) },
  )
  .strict()
  // Cross-field rules run even when other fields are invalid, so every problem is reported at once;
  // each rule reads only fields that passed their own rules (one wrong field, one problem).
  .superRefine((cfg, ctx) => crossFieldRules(cfg as unknown as Record<string, unknown>, ctx), { when: (payload) => isObject(payload.value) })
  .transform(applyDefaults);

/** A validated configuration, every default applied. */
export type MonitorConfig = z.output<typeof MonitorConfigSchema>;
/** A configuration as written (defaults may be left out). */
export type MonitorConfigInput = z.input<typeof MonitorConfigSchema>;
