/**
 * The demo's script: which regressions the replica walks through, for how long, what each check
 * must report in each, and which alarm must page. Also the demo's configuration (config/default.json
 * pointed at the replica, plus one fast check, plus the maintenance window of the planned step).
 */
import defaultConfigJson from '../config/default.json';
import type { MonitorConfig, MonitorConfigInput } from '../contracts/config';
import { parseConfig } from '../contracts/config';
import type { Cause, Outcome } from '../contracts/outcomes';
import type { CheckKind } from '../contracts/result';
import type { AlarmClass } from '../lib/alarms/definitions';
import { EXPIRING_CERTIFICATE_DAYS, Regression, type Replica } from './replica';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;

/** The fast check the demo adds to the seed: the orders API every 10 s (docs/DESIGN.md#kinds-of-check). */
export const FAST_CHECK = 'orders-fast';

/** One stretch of the walk: the replica in one state for a number of simulated minutes. */
export interface DemoStep {
  readonly regression: Regression;
  readonly minutes: number;
  /**
   * The step is planned work: a maintenance window (every check) opens with it and lasts this many
   * minutes, so its alarms evaluate and change state but page nobody.
   */
  readonly maintenanceMinutes?: number;
}

/**
 * healthy → origin rejected → healthy → token auth removed → healthy → refusing → healthy →
 * planned restart (refusing inside a maintenance window) → healthy → certificate expiring → renewed.
 * Two minutes per regression so the 2-of-3 Failing alarm fires too; five healthy minutes after
 * each: a Metrics Insights contributor leaves ALARM only once its Failures series has no datapoint
 * left in the evaluation range (N + 2 periods: 5 for Failing's 2 of 3), so every alarm is OK before
 * the next. The maintenance window covers the planned step and the recovery after it (7 minutes),
 * so neither its ALARM nor its OK notifications go out. The certificate comes last: its alarm
 * evaluates complete hours, so the walk's clock is set for that step to end on the hour (see
 * simulatedStart), and it fires in the renewed minute after it; it returns to OK only after a whole
 * hour of the renewed certificate, past the end of the walk.
 */
export const DEFAULT_SCENARIO: readonly DemoStep[] = [
  { regression: Regression.HEALTHY, minutes: 2 },
  { regression: Regression.ORIGIN_REJECTED, minutes: 2 },
  { regression: Regression.HEALTHY, minutes: 5 },
  { regression: Regression.TOKEN_AUTH_REMOVED, minutes: 2 },
  { regression: Regression.HEALTHY, minutes: 5 },
  { regression: Regression.REFUSING, minutes: 2 },
  { regression: Regression.HEALTHY, minutes: 5 },
  { regression: Regression.REFUSING, minutes: 2, maintenanceMinutes: 7 },
  { regression: Regression.HEALTHY, minutes: 5 },
  { regression: Regression.CERTIFICATE_EXPIRING, minutes: 2 },
  { regression: Regression.HEALTHY, minutes: 1 },
];

/** What a regression is and what it must do. */
export interface Plan {
  readonly label: string;
  readonly detail: string;
  readonly expect: Readonly<Record<CheckKind, { readonly outcome: Outcome; readonly cause?: Cause }>>;
  /** The class that must page for a check this regression breaks. */
  readonly alarm?: AlarmClass;
  /** The alarm is per TLS host, not per check. */
  readonly perHost?: boolean;
}

const OK_BOTH = { websocket: { outcome: 'ok' }, http: { outcome: 'ok' } } as const;
export const PLANS: Readonly<Record<Regression, Plan>> = {
  healthy: { label: 'healthy', detail: 'the fixed configuration', expect: OK_BOTH },
  'origin-rejected': {
    label: 'origin rejected',
    detail: 'ALLOWED_HOSTS lost the front-end origin https://indexo.ir (the host itself is still allowed)',
    expect: { websocket: { outcome: 'forbidden', cause: 'origin_rejected' }, http: { outcome: 'ok' } },
    alarm: 'Forbidden',
  },
  'token-auth-removed': {
    label: 'token authentication removed',
    detail: "REST_FRAMEWORK lost TokenAuthentication (DRF's defaults, Session + Basic, remain)",
    expect: { websocket: { outcome: 'ok' }, http: { outcome: 'forbidden', cause: 'credentials_not_recognized' } },
    alarm: 'Forbidden',
  },
  refusing: {
    label: 'backend refusing connections',
    detail: 'the proxy is down: nothing listens on the port',
    expect: { websocket: { outcome: 'refused' }, http: { outcome: 'refused' } },
    alarm: 'Refused',
  },
  'certificate-expiring': {
    label: 'certificate expiring',
    detail: `the proxy's certificate renewal stopped: it serves one that expires in ${EXPIRING_CERTIFICATE_DAYS} days (every check still ok)`,
    expect: OK_BOTH,
    alarm: 'CertificateExpiring',
    perHost: true,
  },
};

/** The step's label: a planned step says so. */
export function stepLabel(step: DemoStep): string {
  return step.maintenanceMinutes ? `planned work: ${PLANS[step.regression].label}` : PLANS[step.regression].label;
}

/** Throws a RangeError for a walk the demo cannot run. */
export function validateScenario(scenario: readonly DemoStep[]): void {
  if (!scenario.length || scenario.some((s) => !(s.minutes > 0) || !Number.isInteger(s.minutes))) {
    throw new RangeError('demo scenario: every step needs a whole number of minutes > 0');
  }
  if (scenario.some((s) => s.maintenanceMinutes !== undefined && !(Number.isInteger(s.maintenanceMinutes) && s.maintenanceMinutes >= 1))) {
    throw new RangeError('demo scenario: maintenanceMinutes must be a whole number of minutes >= 1');
  }
}

/**
 * Where the walk's simulated clock starts: the top of the current minute, or — when the walk holds a
 * certificate step — so that the first one ends on the hour, since CertificateExpiring's hourly
 * period is evaluated once complete (CloudWatch counts only complete periods).
 */
export function simulatedStart(scenario: readonly DemoStep[], nowMs = Date.now()): number {
  const cert = scenario.findIndex((s) => s.regression === Regression.CERTIFICATE_EXPIRING);
  if (cert < 0) return Math.floor(nowMs / MINUTE_MS) * MINUTE_MS;
  const minutesToEnd = scenario.slice(0, cert + 1).reduce((n, s) => n + s.minutes, 0);
  return Math.floor(nowMs / HOUR_MS) * HOUR_MS - minutesToEnd * MINUTE_MS;
}

/** When each step starts (simulated ms). */
export function stepStarts(scenario: readonly DemoStep[], simStartMs: number): number[] {
  let at = simStartMs;
  return scenario.map((s) => {
    const start = at;
    at += s.minutes * MINUTE_MS;
    return start;
  });
}

/** `at(yyyy-MM-ddThh:mm)` in UTC: the mute rule's one-time schedule. */
function atExpression(ms: number): string {
  return `at(${new Date(ms).toISOString().slice(0, 16)})`;
}

/**
 * The demo configuration: config/default.json with the checks pointed at the replica and the clock
 * compressed, plus the fast check of the orders API, plus one maintenance window per planned step.
 */
export function demoConfig(
  replica: Pick<Replica, 'port'>,
  opts: { settleMs: number; retryDelayMs: number; timeoutMs: number; scenario?: readonly DemoStep[]; simStartMs?: number },
): MonitorConfig {
  const raw = structuredClone(defaultConfigJson) as Omit<MonitorConfigInput, 'checks'> & { checks: Array<Record<string, unknown>> };
  const seed = raw.checks;
  const orders = seed.find((c) => c.kind === 'http')!;
  raw.checks = [...seed, { ...orders, name: FAST_CHECK, intervalSeconds: 10 }].map((check) => {
    const url = new URL(String(check.url));
    url.hostname = '127.0.0.1';
    url.port = String(replica.port);
    return {
      ...check,
      url: url.toString(),
      retryDelayMs: opts.retryDelayMs,
      timeoutMs: opts.timeoutMs,
      ...(check.kind === 'websocket' ? { settleMs: opts.settleMs } : {}),
    };
  });
  if (opts.scenario && opts.simStartMs !== undefined) {
    const starts = stepStarts(opts.scenario, opts.simStartMs);
    const windows = opts.scenario.flatMap((s, i) =>
      s.maintenanceMinutes ? [{ schedule: atExpression(starts[i]!), duration: `PT${s.maintenanceMinutes}M` }] : [],
    );
    if (windows.length) (raw as Record<string, unknown>).maintenance = windows;
  }
  return parseConfig(raw, 'the demo configuration (config/default.json pointed at the replica, plus a 10 s check)');
}
