/**
 * Maintenance windows at run time (docs/DESIGN.md#maintenance-windows): parsing the mute rule's
 * schedule and duration syntax, and whether a check is in a window. No zod: the runner's incident
 * engine loads this, and the schema (contracts/config/maintenance.ts) re-exports it.
 */

/** One window as validated by MaintenanceWindowSchema (contracts/config/maintenance.ts). */
export interface MaintenanceWindow {
  readonly checks?: readonly string[];
  readonly schedule: string;
  readonly duration: string;
  readonly timezone?: string;
}

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;
/** PT1M .. P15D (API_Schedule, above). */
export const MIN_MAINTENANCE_MS = MINUTE_MS;
export const MAX_MAINTENANCE_MS = 15 * DAY_MS;
/** "Each mute rule can target up to 100 specific alarms by name." (AWS::CloudWatch::AlarmMuteRule). */
export const ALARMS_PER_MUTE_RULE = 100;

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] as const;
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] as const;

/** One cron field: its name, numeric range and (month, day of week) English names. */
interface FieldSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  /** The number of names[0]. */
  readonly namesFrom?: number;
}
const FIELDS: readonly FieldSpec[] = [
  { name: 'minutes', min: 0, max: 59 },
  { name: 'hours', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS, namesFrom: 1 },
  // Standard five-field cron numbering, Sunday = 0; the names are what the documentation shows.
  { name: 'day-of-week', min: 0, max: 6, names: DAYS, namesFrom: 0 },
];

/** A parsed schedule: a recurring cron (the set of allowed values per field) or one local date-time. */
export type ParsedSchedule =
  | { readonly kind: 'cron'; readonly fields: readonly (ReadonlySet<number> | undefined)[] }
  | { readonly kind: 'at'; readonly year: number; readonly month: number; readonly day: number; readonly hour: number; readonly minute: number };

/** Parse a mute-rule schedule; returns the problem as a string when AWS would refuse it. */
export function parseSchedule(expression: string): ParsedSchedule | string {
  if (expression.length > 256) return 'must be at most 256 characters (the mute rule limit)';
  const at = /^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})\)$/.exec(expression);
  if (at) {
    const [year, month, day, hour, minute] = at.slice(1).map(Number) as [number, number, number, number, number];
    const d = new Date(Date.UTC(year, month - 1, day, hour, minute));
    if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day || hour > 23 || minute > 59) {
      return 'must be a real date and time in at(yyyy-MM-ddThh:mm)';
    }
    return { kind: 'at', year, month, day, hour, minute };
  }
  if (expression.startsWith('at(')) return 'must be at(yyyy-MM-ddThh:mm), e.g. at(2026-05-10T14:00)';
  const cron = /^cron\((.*)\)$/.exec(expression);
  if (!cron) return 'must be cron(Minutes Hours Day-of-month Month Day-of-week) or at(yyyy-MM-ddThh:mm), e.g. cron(0 2 * * SUN)';
  const parts = cron[1]!.trim().split(/\s+/);
  if (parts.length !== 5) {
    return `must have five cron fields (Minutes Hours Day-of-month Month Day-of-week), found ${parts.length}${parts.length === 6 ? ' (the year field of EventBridge schedules is not part of mute rules)' : ''}`;
  }
  const fields: (ReadonlySet<number> | undefined)[] = [];
  for (let i = 0; i < 5; i++) {
    const values = parseField(parts[i]!, FIELDS[i]!);
    if (typeof values === 'string') return values;
    fields.push(values);
  }
  // aws-cdk-lib's ScheduleExpression.cron refuses both ("Cannot supply both 'day' and 'weekDay',
  // use at most one"), and cron's OR of the two is rarely what a maintenance window means.
  if (fields[2] && fields[4]) return 'must not restrict both day-of-month and day-of-week (use * for one of them)';
  return { kind: 'cron', fields };
}

/** One field: `*` (undefined = any), or a list of values and ranges. */
function parseField(text: string, spec: FieldSpec): Set<number> | undefined | string {
  if (text === '*') return undefined;
  if (/[/?LW#]/.test(text)) {
    return `${spec.name} field "${text}": only numbers, names, "*", "-" and "," are supported in mute rule cron fields`;
  }
  const out = new Set<number>();
  for (const item of text.split(',')) {
    const range = item.split('-');
    if (range.length > 2 || range.some((r) => r === '')) return `${spec.name} field "${text}": "${item}" is not a value or a range a-b`;
    const [from, to] = range.map((r) => valueOf(r, spec));
    if (typeof from === 'string') return from;
    if (typeof to === 'string') return to;
    const end = to ?? from!;
    if (end < from!) return `${spec.name} field "${text}": the range "${item}" runs backwards`;
    for (let v = from!; v <= end; v++) out.add(v);
  }
  return out;
}

function valueOf(text: string, spec: FieldSpec): number | string {
  const byName = spec.names?.indexOf(text.toUpperCase() as never) ?? -1;
  if (byName >= 0) return byName + (spec.namesFrom ?? 0);
  if (!/^\d+$/.test(text) || Number(text) < spec.min || Number(text) > spec.max) {
    const names = spec.names ? ` or ${spec.names[0]}-${spec.names.at(-1)}` : '';
    return `${spec.name} value "${text}" must be ${spec.min}-${spec.max}${names}`;
  }
  return Number(text);
}

/** ISO 8601 duration in days, hours and minutes (`PT30M`, `PT4H`, `P2DT12H`) → ms; or the problem. */
export function parseDuration(text: string): number | string {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$/.exec(text);
  if (!m || text === 'P' || text.endsWith('T')) {
    return 'must be an ISO 8601 duration in days, hours and minutes, from PT1M to P15D (e.g. PT30M, PT4H, P2DT12H)';
  }
  const ms = (Number(m[1] ?? 0) * 24 * 60 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0)) * MINUTE_MS;
  if (ms < MIN_MAINTENANCE_MS) return 'must be at least PT1M (1 minute)';
  if (ms > MAX_MAINTENANCE_MS) return 'must be at most P15D (15 days, the mute rule limit)';
  return ms;
}

/** Whether the runtime knows the IANA time zone (as CloudWatch does; `UTC` included). */
export function timeZoneProblem(name: string): string | undefined {
  if (name.length > 50) return 'must be at most 50 characters (the mute rule limit)';
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return undefined;
  } catch {
    return 'must be an IANA time zone name such as "UTC", "Europe/Berlin" or "America/New_York"';
  }
}

/** A string checked by `problemOf`, in the configuration's message style (path, expected, received). */

// ---------------------------------------------------------------------------------------------
// When is a check in maintenance (pure; the incident engine and the local evaluator use it)

/** One opening of a window: which window, and when it opened and closes. */
export interface ActiveWindow {
  /** Index in `config.maintenance`. */
  readonly index: number;
  readonly window: MaintenanceWindow;
  readonly startsAt: Date;
  /** The instant the window closes (exclusive): a page held back is sent at or after this. */
  readonly endsAt: Date;
}

/** The parts of a configuration this needs (a MonitorConfig fits). */
export interface MaintenanceConfig {
  readonly maintenance?: readonly MaintenanceWindow[];
}

/**
 * The window that holds back `check`'s pages at `at`, or undefined. When several are open, the one
 * that closes last (a page waits for all of them). This is the incident engine's hook: inside a
 * window it records the incident but does not page; once `endsAt` has passed, it pages once if the
 * incident is still open.
 */
export function inMaintenance(config: MaintenanceConfig, check: string, at: Date): ActiveWindow | undefined {
  let best: ActiveWindow | undefined;
  (config.maintenance ?? []).forEach((window, index) => {
    if (window.checks && !window.checks.includes(check)) return;
    const open = openingAt(window, at.getTime());
    if (open && (!best || open.endsMs > best.endsAt.getTime()))
      best = { index, window, startsAt: new Date(open.startMs), endsAt: new Date(open.endsMs) };
  });
  return best;
}

/**
 * When `check`'s maintenance ends, if it is in one at `at`: following windows that overlap or
 * touch are joined, so a page held back is sent once, after the last of them.
 */
export function maintenanceEndsAt(config: MaintenanceConfig, check: string, at: Date): Date | undefined {
  let end: Date | undefined;
  for (let t = at, guard = 0; guard < 100; guard++) {
    const open = inMaintenance(config, check, t);
    if (!open) break;
    end = open.endsAt;
    t = open.endsAt;
  }
  return end;
}

/** The opening of `window` that contains `atMs`, if any (the latest start ≤ atMs with start + duration > atMs). */
export function openingAt(window: MaintenanceWindow, atMs: number): { startMs: number; endsMs: number } | undefined {
  const schedule = parseSchedule(window.schedule);
  const duration = parseDuration(window.duration);
  if (typeof schedule === 'string' || typeof duration === 'string') return undefined; // validated config never gets here
  const zone = window.timezone ?? 'UTC';
  if (schedule.kind === 'at') {
    const startMs = zonedToUtc(zone, schedule.year, schedule.month, schedule.day, schedule.hour, schedule.minute);
    return startMs <= atMs && atMs < startMs + duration ? { startMs, endsMs: startMs + duration } : undefined;
  }
  // Walk back minute by minute from `at` over one duration, skipping whole local days and hours
  // that cannot match: at most ~15 days x (1 + 24 + 60) steps.
  const earliest = atMs - duration;
  let t = Math.floor(atMs / MINUTE_MS) * MINUTE_MS;
  const f = schedule.fields;
  while (t > earliest) {
    const p = localParts(zone, t);
    const dayOk = (!f[2] || f[2].has(p.day)) && (!f[3] || f[3].has(p.month)) && (!f[4] || f[4].has(p.weekday));
    if (!dayOk) {
      t -= (p.hour * 60 + p.minute + 1) * MINUTE_MS;
      continue;
    }
    if (f[1] && !f[1].has(p.hour)) {
      t -= (p.minute + 1) * MINUTE_MS;
      continue;
    }
    if (!f[0] || f[0].has(p.minute)) return { startMs: t, endsMs: t + duration };
    t -= MINUTE_MS;
  }
  return undefined;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function localParts(zone: string, ms: number): { year: number; month: number; day: number; hour: number; minute: number; weekday: number } {
  let fmt = formatters.get(zone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      weekday: 'short',
    });
    formatters.set(zone, fmt);
  }
  const parts: Record<string, string> = {};
  for (const part of fmt.formatToParts(new Date(ms))) parts[part.type] = part.value;
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    weekday: DAYS.indexOf(String(parts.weekday).toUpperCase() as (typeof DAYS)[number]),
  };
}

/** The UTC instant of a local date-time in `zone` (the earlier one when a DST change repeats it). */
export function zonedToUtc(zone: string, year: number, month: number, day: number, hour: number, minute: number): number {
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  let guess = wall;
  for (let i = 0; i < 3; i++) {
    const p = localParts(zone, guess);
    const shown = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute);
    const next = guess + (wall - shown);
    if (next === guess) break;
    guess = next;
  }
  return guess;
}
