/**
 * Maintenance windows (docs/DESIGN.md#maintenance-windows): `maintenance: [{ checks?, schedule,
 * duration, timezone? }]`. One source of truth for two consumers: the CDK construct turns each
 * window into CloudWatch alarm mute rules (lib/maintenance.ts), and the incident pipeline asks
 * inMaintenance() whether a check's page must wait (it records, does not page, and pages once at
 * the window's end if the incident is still open).
 *
 * The schedule is the mute rule's own syntax, validated as AWS documents it, so nothing accepted
 * here is refused at deploy time:
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_Schedule.html
 * - "Cron expressions - For recurring mute windows. Format: cron(Minutes Hours Day-of-month Month Day-of-week)";
 *   "The characters *, -, and , are supported in all fields. English names can be used for the
 *   month (JAN-DEC) and day of week (SUN-SAT) fields."
 * - "At expressions - For one-time mute windows. Format: at(yyyy-MM-ddThh:mm)"
 * - Duration: "Specify the duration using ISO 8601 duration format with a minimum of 1 minute (PT1M)
 *   and maximum of 15 days (P15D)."; Expression: "must be between 1 and 256 characters in length".
 * - Timezone (AWS::CloudWatch::AlarmMuteRule Schedule): "Minimum: 1, Maximum: 50" characters; an
 *   IANA name (aws-cdk-lib passes TimeZone.timezoneName; the default is UTC).
 *   https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-cloudwatch-alarmmuterule-schedule.html
 *
 * No import from ../config.ts (it imports this file).
 */
import { z } from 'zod';
import { parseDuration, parseSchedule, timeZoneProblem } from '../maintenance-windows';
import type { MaintenanceWindow as RuntimeWindow } from '../maintenance-windows';

export {
  MIN_MAINTENANCE_MS,
  MAX_MAINTENANCE_MS,
  ALARMS_PER_MUTE_RULE,
  parseSchedule,
  parseDuration,
  timeZoneProblem,
  inMaintenance,
  maintenanceEndsAt,
  openingAt,
  zonedToUtc,
  type ParsedSchedule,
  type ActiveWindow,
  type MaintenanceConfig,
} from '../maintenance-windows';

const checked = (typeError: string, problemOf: (value: string) => string | undefined) =>
  z.string({ error: typeError }).superRefine((value, ctx) => {
    const message = problemOf(value);
    if (message) ctx.addIssue({ code: 'custom', message, input: value });
  });

export const MaintenanceWindowSchema = z
  .object(
    {
      /** The checks whose pages the window holds back. @default - every check of the monitor */
      checks: z
        .array(z.string({ error: 'must be a check name' }), { error: 'must be a list of check names' })
        .min(1, { error: 'must name at least one check (leave checks out for the whole monitor)' })
        .optional(),
      /** When the window opens: `cron(Minutes Hours Day-of-month Month Day-of-week)` or `at(yyyy-MM-ddThh:mm)`. */
      schedule: checked('must be a schedule such as "cron(0 2 * * SUN)" or "at(2026-05-10T14:00)"', (s) => {
        const parsed = parseSchedule(s);
        return typeof parsed === 'string' ? parsed : undefined;
      }),
      /** How long each opening lasts: ISO 8601, PT1M to P15D. */
      duration: checked('must be an ISO 8601 duration such as "PT30M"', (d) => {
        const ms = parseDuration(d);
        return typeof ms === 'string' ? ms : undefined;
      }),
      /** IANA time zone of the schedule. @default UTC */
      timezone: checked('must be an IANA time zone name such as "Europe/Berlin"', timeZoneProblem).optional(),
    },
    { error: 'must be an object such as {"schedule": "cron(0 2 * * SUN)", "duration": "PT30M"}' },
  )
  .strict();

export type MaintenanceWindow = z.output<typeof MaintenanceWindowSchema>;

/** The `maintenance` key of the configuration. @default [] */
export const MaintenanceSchema = z
  .array(MaintenanceWindowSchema, { error: 'must be a list of maintenance windows' })
  .max(100, { error: 'must list at most 100 maintenance windows' })
  .default([]);

/**
 * The cross-field rule: every check a window names exists. `add(path, message, input)` reports a
 * problem in the configuration's style; `cfg` may be partly unparsed, so every read is guarded.
 */
export function maintenanceRules(
  cfg: Record<string, unknown>,
  add: (path: readonly (string | number)[], message: string, input: unknown) => void,
): void {
  if (!Array.isArray(cfg.maintenance) || !Array.isArray(cfg.checks)) return;
  const known = cfg.checks.flatMap((c: unknown) =>
    c && typeof c === 'object' && typeof (c as { name?: unknown }).name === 'string' ? [(c as { name: string }).name] : [],
  );
  cfg.maintenance.forEach((w: unknown, i) => {
    const checks = w && typeof w === 'object' ? (w as { checks?: unknown }).checks : undefined;
    if (!Array.isArray(checks)) return;
    checks.forEach((name: unknown, j) => {
      if (typeof name === 'string' && !known.includes(name)) {
        add(
          ['maintenance', i, 'checks', j],
          `must name a check of this configuration (${known.slice(0, 10).join(', ')}${known.length > 10 ? ', ...' : ''})`,
          name,
        );
      }
    });
  });
}

// A validated window is the run-time shape.
const _windowShape: (w: MaintenanceWindow) => RuntimeWindow = (w) => w;
void _windowShape;
