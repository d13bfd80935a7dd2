/**
 * The rules that relate fields to each other, each a named function in one of three tables: rules
 * of one check (run for each check in order), rules of one alarm class (run for each class) and
 * rules of the whole monitor. They run even when other fields are invalid, so every problem is
 * reported at once, and each reads only fields that passed their own rules (one wrong field, one
 * problem). A new rule is a function and a line in its table.
 */
import type { z } from 'zod';
import { alarmsInMonitorStack, DEFAULT_TOKEN_NAME, isFastInterval, LAMBDA_MAX_TIMEOUT_S } from '../fleet';
import { attemptBudgetMs, isCheckKind, KINDS, PUBLISH_MARGIN_MS, runBudgetMs, TOKEN_READ_MARGIN_MS, type CheckKind } from '../kinds';
import { partitionOf } from '../regions';
import { plural } from '../text';
import type { AuthConfig, ParsedCheck } from './checks';
import { defaultRetryDelayMs, defaultTimeoutMs } from './defaults';
import { HTTP_TOKEN_RE, isObject } from './fields';
import { maintenanceRules } from './maintenance';
import { notificationTokenProblems } from './notifications';
import {
  ALARMS_PER_MONITOR_STACK,
  INSIGHTS_MAX_WINDOW_SECONDS,
  MONITOR_STACK_BASE_RESOURCES,
  shardEstimate,
  STACK_MAX_RESOURCES,
  STANDARD_MAX_WINDOW_SECONDS,
} from './limits';

type Path = readonly (string | number)[];

/** What every rule reads: the configuration as received, which fields are sound, and what several rules derive. */
export interface RuleContext {
  /** The configuration as received: it may be partly unparsed, so every read is guarded. */
  readonly cfg: Readonly<Record<string, unknown>>;
  /** True when no field at or under `path` has a problem of its own. */
  ok(...path: Path): boolean;
  /** Report a problem at `path`: what is expected, and the value received. */
  add(path: Path, message: string, input: unknown): void;
  /** Every check whose kind is sound, with what the rules derive from it. */
  readonly checks: readonly CheckFacts[];
  /** Checks per interval in use, in the order the intervals first appear (the size of the monitor's stack). */
  readonly perInterval: ReadonlyMap<number, number>;
  /** The locations, when the list itself is sound (its elements are checked one by one). */
  readonly locations: readonly unknown[] | undefined;
  /** How many locations probe (the deploy region alone counts 1), when the list is sound. */
  readonly locationCount: number | undefined;
}

/** One check as the rules see it. */
export interface CheckFacts {
  readonly index: number;
  readonly kind: CheckKind;
  readonly check: Partial<ParsedCheck> & Readonly<Record<string, unknown>>;
  /** The path of one of this check's fields. */
  at(...rest: Path): Path;
  /** True when this check's field at `rest` has no problem of its own. */
  valid(...rest: Path): boolean;
  /** The index of the first check with this check's name (when its name is sound). */
  readonly firstWithName: number | undefined;
  /** Its interval (its own or the top-level one), when sound. */
  readonly interval: number | undefined;
  /** Its own timeoutMs: undefined when unset (the interval decides), null when wrong (already reported). */
  readonly explicitTimeout: number | undefined | null;
  /** The deadline in force (its own or its interval's default), when known. */
  readonly timeoutMs: number | undefined;
  /** Its settle window (0 for http), when sound. */
  readonly settleMs: number | undefined;
}

type CheckRule = (c: CheckFacts, ctx: RuleContext) => void;
type AlarmClassRule = (a: AlarmClassFacts, ctx: RuleContext) => void;
type MonitorRule = (ctx: RuleContext) => void;

/** Runs per alarm period of a check of this interval, in one location (fast checks: 60 s periods). */
const runsPerPeriod = (interval: number) => (isFastInterval(interval) ? 60 / interval : 1);
const alarmPeriod = (interval: number) => (isFastInterval(interval) ? 60 : interval);

// ---------------------------------------------------------------------------------------------
// Rules of one check

function uniqueCheckName({ check, at, firstWithName, index }: CheckFacts, ctx: RuleContext): void {
  if (firstWithName !== undefined && firstWithName !== index)
    ctx.add(at('name'), `must be unique (also used by checks[${firstWithName}])`, check.name);
}

function tokenIsDefined({ check, at, valid }: CheckFacts, ctx: RuleContext): void {
  const tokenNames = isObject(ctx.cfg.tokens) ? Object.keys(ctx.cfg.tokens) : [];
  const tokenName = isObject(check.auth) && valid('auth', 'token') ? (check.auth as { token?: unknown }).token : undefined;
  if (typeof tokenName === 'string' && tokenName !== DEFAULT_TOKEN_NAME && !tokenNames.includes(tokenName)) {
    ctx.add(
      at('auth', 'token'),
      `names a token that tokens does not define (${tokenNames.length ? `defined: ${tokenNames.map((k) => `"${k}"`).join(', ')}` : 'tokens is empty'})`,
      tokenName,
    );
  }
}

/** Both attempts, the retry pause and the settle windows, as this check is configured. */
function runBudget({ kind, check, valid, interval, timeoutMs, settleMs }: CheckFacts) {
  if (interval === undefined || timeoutMs === undefined || settleMs === undefined) return undefined;
  const budget = { kind, timeoutMs, settleMs };
  const retryOk = valid('retryDelayMs');
  const retryDelayMs = retryOk && typeof check.retryDelayMs === 'number' ? check.retryDelayMs : defaultRetryDelayMs(interval);
  return { interval, budget, retryOk, retryDelayMs, tickMs: runBudgetMs({ ...budget, retryDelayMs }) };
}

/** A fast check confirms a failure inside its tick: both attempts and the pause must end before its next run. */
function fitsItsTick(c: CheckFacts, ctx: RuleContext): void {
  const run = runBudget(c);
  if (!run || !isFastInterval(run.interval) || !run.retryOk || run.tickMs < run.interval * 1000) return;
  const { kind, at, explicitTimeout, timeoutMs, settleMs } = c;
  const { budget, retryDelayMs, tickMs, interval } = run;
  const onTimeout = explicitTimeout !== undefined || kind !== 'websocket';
  const parts =
    retryDelayMs > 0
      ? `two attempts of ${attemptBudgetMs(budget)} ms${kind === 'websocket' ? ' (settle window included)' : ''} and the ${retryDelayMs} ms retry pause, ${tickMs} ms in all,`
      : `one attempt of ${tickMs} ms${kind === 'websocket' ? ' (settle window included)' : ''}`;
  ctx.add(
    at(onTimeout ? 'timeoutMs' : 'settleMs'),
    `leaves no room in the tick: ${parts} must end before the check's next run ${interval} s later ` +
      '(lower timeoutMs, settleMs or retryDelayMs; retryDelayMs 0 turns the confirmation retry off)',
    onTimeout ? timeoutMs : settleMs,
  );
}

/** Unreachable with today's field bounds (at most 456 s); guards a future raise of them. */
function fitsLambdaTimeout(c: CheckFacts, ctx: RuleContext): void {
  const run = runBudget(c);
  if (!run) return;
  const tokenMs = c.check.auth ? TOKEN_READ_MARGIN_MS : 0;
  const runMs = runBudgetMs({ ...run.budget, retryDelayMs: run.retryDelayMs }) + tokenMs + PUBLISH_MARGIN_MS;
  if (runMs > LAMBDA_MAX_TIMEOUT_S * 1000) {
    ctx.add(
      c.at('timeoutMs'),
      `leaves no room: two attempts, the retry pause${tokenMs ? ', reading the token' : ''} and publishing need ${runMs} ms, more than Lambda's longest timeout (${LAMBDA_MAX_TIMEOUT_S} s)`,
      c.timeoutMs,
    );
  }
}

const assertionsOf = (check: CheckFacts['check']) => (isObject(check.assert) ? check.assert : {});

/** A latency assertion at or above the deadline could never fail: a slower answer times out first. */
function latencyBelowTimeout({ kind, check, at, valid, explicitTimeout, timeoutMs }: CheckFacts, ctx: RuleContext): void {
  if (kind !== 'http') return;
  const latency = valid('assert', 'maxLatencyMs') ? assertionsOf(check).maxLatencyMs : undefined;
  if (typeof latency === 'number' && timeoutMs !== undefined && latency >= timeoutMs) {
    ctx.add(
      at('assert', 'maxLatencyMs'),
      `must be below the check's ${explicitTimeout === undefined ? 'default ' : ''}timeoutMs (${timeoutMs} ms): a slower answer times out first, so this assertion could never fail`,
      latency,
    );
  }
}

/** Body assertions need an answer with a body: not HEAD, not 204, 205 or 304. */
function bodyAssertionsHaveABody({ kind, check, at, valid }: CheckFacts, ctx: RuleContext): void {
  if (kind !== 'http') return;
  const assert = assertionsOf(check);
  const bodyAssertions = (['json', 'fields', 'bodyContains'] as const).filter((k) => assert[k] !== undefined && valid('assert', k));
  if (!bodyAssertions.length) return;
  const list = bodyAssertions.map((k) => `assert.${k}`).join(', ');
  if (check.method === 'HEAD' && valid('method')) {
    ctx.add(at('method'), `must not be HEAD with body assertions (${list}): a HEAD answer has no body; use GET`, 'HEAD');
  } else if (typeof check.expectStatus === 'number' && [204, 205, 304].includes(check.expectStatus) && valid('expectStatus')) {
    ctx.add(
      at('expectStatus'),
      `must not be ${check.expectStatus} with body assertions (${list}): a ${check.expectStatus} answer has no body`,
      check.expectStatus,
    );
  }
}

/** The token header replaces a same-named extra header: the configured value would silently never be sent. */
function headerNotReplacedByToken({ kind, check, at, valid }: CheckFacts, ctx: RuleContext): void {
  if (kind !== 'http') return;
  const auth = isObject(check.auth) && valid('auth') ? (check.auth as AuthConfig) : undefined;
  const tokenInHeader = auth && (auth.in ?? KINDS.http.defaultTokenIn) === 'header';
  if (!tokenInHeader || !isObject(check.headers) || typeof auth.header !== 'string') return;
  for (const name of Object.keys(check.headers)) {
    if (name.toLowerCase() === auth.header.toLowerCase() && valid('headers', name) && HTTP_TOKEN_RE.test(name)) {
      ctx.add(
        at('headers', name),
        `must not be set: auth sends the token in this header (auth.header) and would replace it; the token belongs in tokens`,
        '***',
      );
    }
  }
}

/** The rules of one check, in the order their problems are listed. */
const CHECK_RULES: readonly CheckRule[] = [
  uniqueCheckName,
  tokenIsDefined,
  fitsItsTick,
  fitsLambdaTimeout,
  latencyBelowTimeout,
  bodyAssertionsHaveABody,
  headerNotReplacedByToken,
];

// ---------------------------------------------------------------------------------------------
// Rules of one alarm class (refused, forbidden, failing, silent)

/** One alarm class as the rules see it: its sound numeric fields and the intervals it has an alarm for. */
interface AlarmClassFacts {
  readonly cls: 'refused' | 'forbidden' | 'failing' | 'silent';
  readonly datapointsToAlarm: number | undefined;
  readonly evaluationPeriods: number | undefined;
  readonly threshold: number | undefined;
  /** Intervals in use that this class has an alarm for, ascending: fast checks' Failing is a per-check alarm of its own. */
  readonly covered: readonly number[];
}

function datapointsWithinPeriods({ cls, datapointsToAlarm: m, evaluationPeriods: n }: AlarmClassFacts, ctx: RuleContext): void {
  if (m !== undefined && n !== undefined && m > n) ctx.add(['alarms', cls, 'datapointsToAlarm'], `must not exceed evaluationPeriods (${n})`, m);
}

/** Metrics Insights alarms see 3 hours; the Silent (standard) alarm at most a day. */
function periodsFitTheWindow({ cls, evaluationPeriods: n, covered }: AlarmClassFacts, ctx: RuleContext): void {
  if (n === undefined || !covered.length) return;
  const longest = covered.reduce((a, b) => (alarmPeriod(b) > alarmPeriod(a) ? b : a));
  const period = alarmPeriod(longest);
  const window = cls === 'silent' ? STANDARD_MAX_WINDOW_SECONDS : INSIGHTS_MAX_WINDOW_SECONDS;
  const max = Math.floor(window / period);
  if (n <= max) return;
  ctx.add(
    ['alarms', cls, 'evaluationPeriods'],
    cls === 'silent'
      ? `must be at most ${max}: ${plural(max, 'period')} of ${period} s (checks every ${longest} s) make one day, the longest a Silent alarm may evaluate`
      : `must be at most ${max}: ${plural(max, 'period')} of ${period} s (checks every ${longest} s) fill the 3 hours a Metrics Insights alarm can evaluate`,
    n,
  );
}

/** A threshold above what a period can hold never fires (Silent: is always in alarm). */
function thresholdReachable({ cls, threshold, covered }: AlarmClassFacts, ctx: RuleContext): void {
  if (threshold === undefined || !covered.length || (cls !== 'silent' && ctx.locationCount === undefined)) return;
  const perLocation = cls === 'silent' ? 1 : ctx.locationCount!;
  const binding = covered.reduce((a, b) => (runsPerPeriod(b) < runsPerPeriod(a) ? b : a));
  const runs = runsPerPeriod(binding);
  const max = runs * perLocation;
  if (threshold <= max) return;
  ctx.add(
    ['alarms', cls, 'threshold'],
    cls === 'silent'
      ? `must be at most ${max}: a runner sends ${plural(max, 'heartbeat')} per period (checks every ${binding} s), so a higher threshold is always in alarm`
      : `must be at most ${max}: a period holds at most ${plural(max, 'failed run')} ` +
          `(${plural(runs, 'run')} of a ${binding} s check per ${alarmPeriod(binding)} s period${perLocation > 1 ? `, in each of ${perLocation} locations` : ''}), so a higher threshold never fires`,
    threshold,
  );
}

/** The rules of one alarm class, in the order their problems are listed. */
const ALARM_CLASS_RULES: readonly AlarmClassRule[] = [datapointsWithinPeriods, periodsFitTheWindow, thresholdReachable];

// ---------------------------------------------------------------------------------------------
// Rules of the whole monitor

function uniqueLocations({ ok, add, locations }: RuleContext): void {
  locations?.forEach((region, i) => {
    if (ok('locations', i) && locations.indexOf(region) !== i)
      add(['locations', i], `must be unique (also locations[${locations.indexOf(region)}])`, region);
  });
}

/**
 * One partition: a runner publishes to the home region's CloudWatch and reads its tokens there, and
 * credentials of one partition are not valid in another.
 */
function onePartition({ cfg, ok, add, locations }: RuleContext): void {
  const home =
    cfg.homeRegion !== undefined
      ? ok('homeRegion') && typeof cfg.homeRegion === 'string'
        ? { region: cfg.homeRegion, name: `homeRegion "${cfg.homeRegion}"` }
        : undefined
      : locations && ok('locations', 0) && typeof locations[0] === 'string'
        ? { region: locations[0], name: `the first location "${locations[0]}" (the home region)` }
        : undefined;
  const homePartition = home && partitionOf(home.region);
  const partitions = (locations ?? []).map((region, i) => (typeof region === 'string' && ok('locations', i) ? partitionOf(region) : undefined));
  if (cfg.homeRegion !== undefined && homePartition && partitions.length && partitions.every((p) => p !== undefined && p !== homePartition)) {
    // No location shares the home region's partition: the home region is the one that is wrong.
    const others = [...new Set(partitions)];
    add(
      ['homeRegion'],
      `must be in the partition of the locations: "${home.region}" is in ${homePartition}, the locations in ${others.join(' and ')}, ` +
        'and a runner cannot publish metrics or read tokens across partitions (a monitor per partition)',
      home.region,
    );
  } else if (home && homePartition) {
    partitions.forEach((partition, i) => {
      if (partition === undefined || partition === homePartition) return;
      add(
        ['locations', i],
        `must be in the partition of the home region: "${String(locations![i])}" is in ${partition}, ${home.name} in ${homePartition}, ` +
          'and a runner cannot publish metrics or read tokens across partitions (a monitor per partition)',
        locations![i],
      );
    });
  }
}

function quorumWithinLocations({ cfg, ok, add, locationCount }: RuleContext): void {
  if (locationCount !== undefined && typeof cfg.quorum === 'number' && ok('quorum') && cfg.quorum > locationCount) {
    add(['quorum'], `must not exceed the number of locations (${locationCount})`, cfg.quorum);
  }
}

const alarmsOf = (cfg: RuleContext['cfg']) => (isObject(cfg.alarms) ? cfg.alarms : {});

/** The fast checks' own Failing alarm: M of N, and N periods of the check's interval within a day (a high-resolution alarm may look back at most a day as well). */
function fastFailingFits({ cfg, ok, add, perInterval }: RuleContext): void {
  const fast = alarmsOf(cfg).fastFailing;
  if (!isObject(fast) || !ok('alarms', 'fastFailing', 'datapointsToAlarm') || !ok('alarms', 'fastFailing', 'evaluationPeriods')) return;
  const [m, n] = [fast.datapointsToAlarm, fast.evaluationPeriods];
  if (typeof m === 'number' && typeof n === 'number' && m > n)
    add(['alarms', 'fastFailing', 'datapointsToAlarm'], `must not exceed evaluationPeriods (${n})`, m);
  const fastUsed = [...perInterval.keys()].filter((i) => isFastInterval(i));
  if (typeof n === 'number' && fastUsed.length && n * Math.max(...fastUsed) > STANDARD_MAX_WINDOW_SECONDS) {
    add(
      ['alarms', 'fastFailing', 'evaluationPeriods'],
      `must be at most ${Math.floor(STANDARD_MAX_WINDOW_SECONDS / Math.max(...fastUsed))}: N periods of the check's interval must fit one day`,
      n,
    );
  }
}

/** Each alarm class through ALARM_CLASS_RULES, one class after another. */
function alarmClassesFit(ctx: RuleContext): void {
  const alarms = alarmsOf(ctx.cfg);
  const used = [...ctx.perInterval.keys()].sort((a, b) => a - b);
  for (const cls of ['refused', 'forbidden', 'failing', 'silent'] as const) {
    const alarm = alarms[cls];
    if (!isObject(alarm)) continue;
    const field = (k: string) => (ctx.ok('alarms', cls, k) && typeof alarm[k] === 'number' ? (alarm[k] as number) : undefined);
    const facts: AlarmClassFacts = {
      cls,
      datapointsToAlarm: field('datapointsToAlarm'),
      evaluationPeriods: field('evaluationPeriods'),
      threshold: field('threshold'),
      covered: cls === 'failing' ? used.filter((i) => !isFastInterval(i)) : used,
    };
    for (const rule of ALARM_CLASS_RULES) rule(facts, ctx);
  }
}

/**
 * The monitor's stack holds the home location's schedules (one per shard), the first alarms (Silent
 * per shard and location, one per fast check, three per interval) and a resource per subscription;
 * past that CloudFormation refuses the stack and `cdk synth` fails.
 */
function fitsOneStack({ cfg, ok, add, perInterval, locationCount }: RuleContext): void {
  const maxPerShard = ok('shardMaxChecks') && typeof cfg.shardMaxChecks === 'number' ? cfg.shardMaxChecks : undefined;
  const maxPerFastShard = ok('fastShardMaxChecks') && typeof cfg.fastShardMaxChecks === 'number' ? cfg.fastShardMaxChecks : undefined;
  const notifications = isObject(cfg.notifications) ? cfg.notifications : {};
  const subscriptions = [notifications.emails, notifications.httpsEndpoints].reduce<number>((n, l) => n + (Array.isArray(l) ? l.length : 0), 0);
  if (
    maxPerShard === undefined ||
    maxPerFastShard === undefined ||
    locationCount === undefined ||
    !perInterval.size ||
    !ok('checks') ||
    !Array.isArray(cfg.checks)
  )
    return;
  const counts = [...perInterval.entries()];
  const shards = counts.reduce((n, [interval, count]) => n + shardEstimate(count, isFastInterval(interval) ? maxPerFastShard : maxPerShard), 0);
  const fast = counts.reduce((n, [interval, count]) => n + (isFastInterval(interval) ? count : 0), 0);
  // One CertificateExpiring alarm per TLS host: at most one per check.
  const alarmCount = 3 * perInterval.size + fast + shards * locationCount + 1 + cfg.checks.length;
  const inMonitor = Math.min(alarmCount, alarmsInMonitorStack(shards, subscriptions));
  const nested = Math.ceil((alarmCount - inMonitor) / ALARMS_PER_MONITOR_STACK);
  const resources = MONITOR_STACK_BASE_RESOURCES + subscriptions + shards + inMonitor + nested;
  if (resources <= STACK_MAX_RESOURCES) return;
  add(
    ['checks'],
    `must fit one monitor stack: ${cfg.checks.length} checks in up to ${shards} runner shards (shardMaxChecks ${maxPerShard}${fast ? `, fastShardMaxChecks ${maxPerFastShard}` : ''}) from ${plural(locationCount, 'location')} ` +
      `need about ${resources} resources (a schedule per shard, a Silent alarm per shard and location, an alarm per fast check), more than the ${STACK_MAX_RESOURCES} CloudFormation allows; ` +
      'raise shardMaxChecks, probe from fewer locations or split the fleet into several monitors',
    cfg.checks.length,
  );
}

/** Maintenance windows: schedules, durations, time zones and the checks they name (contracts/config/maintenance.ts). */
function maintenanceWindows({ cfg, ok, add }: RuleContext): void {
  maintenanceRules(cfg as Record<string, unknown>, (path, message, input) => {
    if (ok(...path)) add(path, message, input);
  });
}

/** Every secret a notification channel names is a token that `tokens` defines (contracts/config/notifications.ts). */
function notificationTokens({ cfg, ok, add }: RuleContext): void {
  const tokenNames = isObject(cfg.tokens) ? Object.keys(cfg.tokens) : [];
  for (const p of notificationTokenProblems(cfg.notifications, tokenNames))
    if (ok('notifications', ...p.path)) add(['notifications', ...p.path], p.message, p.input);
}

/** The rules of the whole monitor, run after every check's rules, in the order their problems are listed. */
const MONITOR_RULES: readonly MonitorRule[] = [
  maintenanceWindows,
  notificationTokens,
  uniqueLocations,
  onePartition,
  quorumWithinLocations,
  fastFailingFits,
  alarmClassesFit,
  fitsOneStack,
];

// ---------------------------------------------------------------------------------------------
// Running the tables

type Ctx = z.RefinementCtx & { readonly issues: ReadonlyArray<{ readonly code?: string; readonly path?: readonly PropertyKey[] }> };

/** What the rules derive from each check whose kind is sound. */
function checkFacts(cfg: RuleContext['cfg'], ok: RuleContext['ok']): CheckFacts[] {
  const topInterval = ok('intervalSeconds') && typeof cfg.intervalSeconds === 'number' ? cfg.intervalSeconds : undefined;
  const firstByName = new Map<string, number>();
  const out: CheckFacts[] = [];
  (Array.isArray(cfg.checks) ? cfg.checks : []).forEach((raw: unknown, index) => {
    if (!isObject(raw) || !isCheckKind(raw.kind) || !ok('checks', index, 'kind')) return;
    const check = raw as Partial<ParsedCheck> & Record<string, unknown>;
    const kind: CheckKind = raw.kind;
    const at = (...rest: Path): Path => ['checks', index, ...rest];
    const valid = (...rest: Path) => ok(...at(...rest));
    let firstWithName: number | undefined;
    if (typeof check.name === 'string' && valid('name')) {
      firstWithName = firstByName.get(check.name) ?? index;
      if (firstWithName === index) firstByName.set(check.name, index);
    }
    const interval = valid('intervalSeconds') ? ((check.intervalSeconds as number | undefined) ?? topInterval) : undefined;
    const explicitTimeout = valid('timeoutMs') ? (check.timeoutMs as number | undefined) : null;
    const timeoutMs = explicitTimeout === null ? undefined : (explicitTimeout ?? (interval !== undefined ? defaultTimeoutMs(interval) : undefined));
    const settleMs = kind === 'websocket' ? (valid('settleMs') ? (check.settleMs as number | undefined) : undefined) : 0;
    out.push({ index, kind, check, at, valid, firstWithName, interval, explicitTimeout, timeoutMs, settleMs });
  });
  return out;
}

/** Run every cross-field rule over a configuration that may be partly unparsed (a zod superRefine). */
export function crossFieldRules(cfg: Record<string, unknown>, zctx: z.RefinementCtx): void {
  const issues = (zctx as Ctx).issues;
  // Paths that already have a problem (unknown keys name other fields, so they do not count).
  const reported = issues.filter((i) => i.code !== 'unrecognized_keys').map((i) => i.path ?? []);
  const ok = (...path: Path) => !reported.some((p) => path.every((k, n) => p[n] === k));
  const add = (path: Path, message: string, input: unknown) => zctx.addIssue({ code: 'custom', path: [...path], message, input });
  const checks = checkFacts(cfg, ok);
  const perInterval = new Map<number, number>();
  for (const { interval } of checks) if (interval !== undefined) perInterval.set(interval, (perInterval.get(interval) ?? 0) + 1);
  // The list itself is sound (a list of at most 20): its elements are checked one by one, so a bad
  // region does not hide another's problem.
  const listOk = !reported.some((p) => p.length === 1 && p[0] === 'locations');
  const locations = listOk && Array.isArray(cfg.locations) ? (cfg.locations as unknown[]) : undefined;
  const ctx: RuleContext = { cfg, ok, add, checks, perInterval, locations, locationCount: locations ? Math.max(1, locations.length) : undefined };
  for (const check of checks) for (const rule of CHECK_RULES) rule(check, ctx);
  for (const rule of MONITOR_RULES) rule(ctx);
}
