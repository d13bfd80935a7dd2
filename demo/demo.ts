/**
 * The embedded default (`npm start`, `synthmon demo`; DESIGN §9): the seed's two checks against a
 * local replica of the backend, on a compressed clock, walking through the seed's regressions and
 * back. Each simulated minute runs both checks through runCheck (the Lambda's code path), turns the
 * results into the datapoints the publisher would send (toMetricData), and evaluates every alarm of
 * alarmDefinitions(config) — the very definitions the CDK construct deploys — with CloudWatch's rules.
 * No AWS, no network beyond 127.0.0.1, and the token is never printed.
 */
import type { MetricDatum } from '@aws-sdk/client-cloudwatch';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import defaultConfigJson from '../config/default.json';
import type { Check, MonitorConfig } from '../contracts/config';
import { parseConfig, tokenPlacement } from '../contracts/config';
import { toMetricData } from '../lambda/metrics/datums';
import { Dimension } from '../contracts/metrics';
import type { Cause, Outcome } from '../contracts/outcomes';
import { redact } from '../lambda/redact';
import type { CheckKind, CheckResult } from '../contracts/result';
import { runCheck } from '../lambda/run-check';
import { alarmDefinitions, type AlarmKind } from '../lib/alarms/definitions';
import { AlarmEvaluator, evaluateAll, MetricStore, type AlarmState, type AlarmTransition } from '../lib/alarms/evaluator';
import { Regression, startReplica, type Replica } from './replica';

const MINUTE_MS = 60_000;

/** One stretch of the walk: the replica in one state for a number of simulated minutes. */
export interface DemoStep {
  readonly regression: Regression;
  readonly minutes: number;
}

/**
 * healthy → origin rejected → healthy → token auth removed → healthy → refusing → healthy.
 * Two minutes per regression so the 2-of-3 Failing alarm fires too; three healthy minutes after each,
 * because Forbidden/Refused watch a metric that only exists while failing and CloudWatch keeps
 * evaluating its last datapoint until it leaves the evaluation range (N + 2 = 3 periods).
 */
export const DEFAULT_SCENARIO: readonly DemoStep[] = [
  { regression: Regression.HEALTHY, minutes: 2 },
  { regression: Regression.ORIGIN_REJECTED, minutes: 2 },
  { regression: Regression.HEALTHY, minutes: 3 },
  { regression: Regression.TOKEN_AUTH_REMOVED, minutes: 2 },
  { regression: Regression.HEALTHY, minutes: 3 },
  { regression: Regression.REFUSING, minutes: 2 },
  { regression: Regression.HEALTHY, minutes: 3 },
];

export interface DemoOptions {
  /** Where the timeline goes. @default process.stdout */
  readonly out?: NodeJS.WritableStream;
  /** ANSI colour. @default - when `out` is a TTY and NO_COLOR is unset or empty */
  readonly color?: boolean;
  /** Real time per simulated minute; pacing only, a minute is never cut short. @default 1000 */
  readonly minuteMs?: number;
  /** The walk. @default DEFAULT_SCENARIO */
  readonly scenario?: readonly DemoStep[];
  /** The WebSocket check's settle window, compressed. @default 150 */
  readonly settleMs?: number;
  /** The pause before the confirmation retry, compressed. @default 100 */
  readonly retryDelayMs?: number;
  /** Deadline per attempt, compressed. @default 3000 */
  readonly timeoutMs?: number;
  /** The replica's valid token (tests pass a canary). @default - random, never printed */
  readonly token?: string;
}

/** One alarm transition attributed to a regression, with the simulated time it took. */
export interface DemoAlarmEvent {
  readonly alarm: string;
  readonly kind: AlarmKind;
  readonly check: string;
  readonly atMs: number;
  /** Since the regression started (detection) or ended (recovery). */
  readonly afterMs: number;
}

export interface DemoRegressionSummary {
  readonly regression: Regression;
  readonly label: string;
  /** Simulated start and end (the fix) of the regression. */
  readonly startedAtMs: number;
  readonly endedAtMs: number;
  /** Alarms that should page for it (the configured checks it breaks, with Forbidden or Refused). */
  readonly expectedAlarms: readonly string[];
  readonly detectedBy: readonly DemoAlarmEvent[];
  readonly recoveredBy: readonly DemoAlarmEvent[];
  /** `check → outcome[/cause]` seen during the regression. */
  readonly observed: Readonly<Record<string, readonly string[]>>;
}

/** One simulated minute. */
export interface DemoMinute {
  readonly index: number;
  readonly regression: Regression;
  readonly results: readonly CheckResult[];
  readonly datums: readonly MetricDatum[];
  readonly transitions: readonly AlarmTransition[];
}

export interface DemoSummary {
  /** Everything went as scripted: each regression gave the expected outcomes and paged, all alarms OK at the end. */
  readonly ok: boolean;
  /** What did not go as scripted, for humans. */
  readonly surprises: readonly string[];
  readonly simulatedStartMs: number;
  readonly minutes: readonly DemoMinute[];
  readonly regressions: readonly DemoRegressionSummary[];
  readonly transitions: readonly AlarmTransition[];
  readonly finalStates: Readonly<Record<string, AlarmState>>;
}

interface Plan {
  readonly label: string;
  readonly detail: string;
  readonly expect: Readonly<Record<CheckKind, { readonly outcome: Outcome; readonly cause?: Cause }>>;
  /** The alarm that must page for a check this regression breaks. */
  readonly alarm?: AlarmKind;
}

const OK_BOTH = { websocket: { outcome: 'ok' }, http: { outcome: 'ok' } } as const;
const PLANS: Readonly<Record<Regression, Plan>> = {
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
};

const ANSI = { reset: '\x1b[0m', bold: '\x1b[1m', dim: '\x1b[2m', red: '\x1b[31m', green: '\x1b[32m', yellow: '\x1b[33m', cyan: '\x1b[36m' } as const;
type Style = Exclude<keyof typeof ANSI, 'reset'>;

/** The demo configuration: config/default.json with the checks pointed at the replica and the clock compressed. */
export function demoConfig(replica: Pick<Replica, 'port'>, opts: { settleMs: number; retryDelayMs: number; timeoutMs: number }): MonitorConfig {
  const raw = structuredClone(defaultConfigJson) as { checks: Array<Record<string, unknown>> } & Record<string, unknown>;
  raw.checks = raw.checks.map((check) => {
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
  return parseConfig(raw, 'the demo configuration (config/default.json pointed at the replica)');
}

/** Run the demo; resolves once every socket is closed and no timer is left. */
export async function runDemo(options: DemoOptions = {}): Promise<DemoSummary> {
  const out = options.out ?? process.stdout;
  const color = options.color ?? (Boolean((out as { isTTY?: boolean }).isTTY) && !process.env.NO_COLOR);
  const minuteMs = options.minuteMs ?? 1000;
  const scenario = options.scenario ?? DEFAULT_SCENARIO;
  const settleMs = options.settleMs ?? 150;
  const retryDelayMs = options.retryDelayMs ?? 100;
  const timeoutMs = options.timeoutMs ?? 3000;
  const token = options.token ?? randomBytes(20).toString('hex');
  if (!scenario.length || scenario.some((s) => !(s.minutes > 0) || !Number.isInteger(s.minutes))) {
    throw new RangeError('demo scenario: every step needs a whole number of minutes > 0');
  }

  const paint = (style: Style, text: string) => (color ? `${ANSI[style]}${text}${ANSI.reset}` : text);
  // Defence in depth: nothing printed may carry the token, whatever a message might contain.
  const say = (line = '') => out.write(`${redact(line, token)}\n`);

  const replica = await startReplica({ token });
  try {
    const config = demoConfig(replica, { settleMs, retryDelayMs, timeoutMs });
    const definitions = alarmDefinitions(config);
    const simStart = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS;
    const at = (simMs: number) => {
      const s = Math.round((simMs - simStart) / 1000);
      return `T+${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
    };
    const evaluators = definitions.map((d) => new AlarmEvaluator(d, { formatTime: at }));
    const store = new MetricStore();
    const defaultChecks = parseConfig(defaultConfigJson).checks;

    say(paint('bold', "synthmon demo: the seed's regressions against a local replica of the backend, alarms evaluated as CloudWatch would"));
    say(`  replica  ${replica.origin} (TLS with a certificate made for this run; the token is generated for this run and never shown)`);
    for (const check of config.checks) say(`  check    ${check.name.padEnd(15)} ${check.url}  ${describeAuth(check)}`);
    const a = config.alarms;
    say(
      `  alarms   ${definitions.length} from alarmDefinitions(config), as deployed: per check Refused and Forbidden ` +
        `(${a.refused.datapointsToAlarm} of ${a.refused.evaluationPeriods}), Failing (${a.failing.datapointsToAlarm} of ${a.failing.evaluationPeriods}), ` +
        `Silent (${a.silent.datapointsToAlarm} of ${a.silent.evaluationPeriods}); evaluated at the end of every simulated minute`,
    );
    say(
      `  clock    compressed: 1 simulated minute = ${minuteMs} ms; settle window ${settleMs} ms ` +
        `(configured ${defaultChecks.find((c) => c.kind === 'websocket')?.settleMs ?? 1000} ms), retry pause ${retryDelayMs} ms ` +
        `(configured ${defaultChecks[0]?.retryDelayMs ?? 2000} ms), deadline ${timeoutMs} ms per attempt; metric timestamps are simulated`,
    );
    say(`  network  127.0.0.1 only; no AWS: the datapoints below are what the Lambda would publish to namespace ${config.namespace}`);

    const minutes: DemoMinute[] = [];
    const regressions: Array<DemoRegressionSummary & { detectedBy: DemoAlarmEvent[]; recoveredBy: DemoAlarmEvent[]; observed: Record<string, string[]> }> = [];
    const surprises: string[] = [];
    const lastVerdict = new Map<string, string>();
    let index = 0;

    for (const step of scenario) {
      const plan = PLANS[step.regression];
      const stepStart = simStart + index * MINUTE_MS;
      await replica.set(step.regression);
      say();
      say(paint('cyan', `== ${at(stepStart)}  ${plan.label}: ${plan.detail} (${step.minutes} min)`));
      if (step.regression !== Regression.HEALTHY) {
        regressions.push({
          regression: step.regression,
          label: plan.label,
          startedAtMs: stepStart,
          endedAtMs: stepStart + step.minutes * MINUTE_MS,
          expectedAlarms: config.checks.filter((c) => plan.expect[c.kind].outcome !== 'ok').map((c) => `${c.name}-${plan.alarm}`),
          detectedBy: [],
          recoveredBy: [],
          observed: {},
        });
      }
      const current = step.regression === Regression.HEALTHY ? undefined : regressions.at(-1);

      for (let m = 0; m < step.minutes; m++, index++) {
        const minuteStart = simStart + index * MINUTE_MS;
        const realStartMs = Date.now();
        const realStart = performance.now();
        const raw = await Promise.all(config.checks.map((check) => runCheck(check, { token, ca: replica.ca })));
        // The reported attempt's offset into the real minute becomes its offset into the simulated one.
        const results = raw.map((r) => ({
          ...r,
          startedAt: new Date(minuteStart + Math.min(Math.max(Date.parse(r.startedAt) - realStartMs, 0), MINUTE_MS - 1)).toISOString(),
        }));
        const datums = toMetricData(results, { phaseTimings: config.phaseTimings });
        store.put(config.namespace, datums);

        results.forEach((r, i) => {
          const check = config.checks[i]!;
          const verdict = r.cause ? `${r.outcome}/${r.cause}` : r.outcome;
          const expected = plan.expect[check.kind];
          if (r.outcome !== expected.outcome || r.cause !== expected.cause) {
            surprises.push(`${at(minuteStart)} ${check.name}: expected ${expected.cause ? `${expected.outcome}/${expected.cause}` : expected.outcome} while ${plan.label}, got ${verdict}`);
          }
          const seen = current ? (current.observed[check.name] ??= []) : undefined;
          if (seen && !seen.includes(verdict)) seen.push(verdict);
          const shown = r.ok ? paint('green', 'ok') : paint('red', r.outcome.toUpperCase()) + (r.cause ? ` (${r.cause})` : '');
          say(
            `${at(minuteStart)}  ${r.check.padEnd(15)} ${shown}  ${r.status !== undefined ? `HTTP ${r.status}` : 'no HTTP response'}` +
              paint('dim', `  ${r.attempts} attempt${r.attempts === 1 ? '' : 's'}, ${Math.round(r.timings.totalMs)} ms`),
          );
          // The likely fix, once per change of verdict: the runbook line a paged engineer reads.
          if (!r.ok && lastVerdict.get(r.check) !== verdict) say(paint('dim', `           ${r.message}`));
          lastVerdict.set(r.check, verdict);
        });
        say(paint('dim', `           datapoints  ${describeDatums(datums)}`));

        const minuteEnd = minuteStart + MINUTE_MS;
        const transitions = evaluateAll(evaluators, store, minuteEnd);
        minutes.push({ index, regression: step.regression, results, datums, transitions });
        const arming = transitions.filter((t) => t.from === 'INSUFFICIENT_DATA' && t.to === 'OK');
        if (arming.length) {
          say(`${at(minuteEnd)}  ${paint('green', 'OK')}     ${arming.length === evaluators.length ? `all ${arming.length} alarms` : arming.map((t) => t.alarm).join(', ')} INSUFFICIENT_DATA → OK (first evaluation)`);
        }
        for (const t of transitions) {
          if (arming.includes(t)) continue;
          const owner = t.to === 'ALARM' ? (current ?? regressions.at(-1)) : regressions.filter((r) => r.startedAtMs < t.atMs).at(-1);
          let note = '';
          if (owner && t.to === 'ALARM') {
            const event = { alarm: t.alarm, kind: t.kind, check: t.check, atMs: t.atMs, afterMs: t.atMs - owner.startedAtMs };
            owner.detectedBy.push(event);
            note = `detected ${duration(event.afterMs)} after "${owner.label}" started`;
          } else if (owner && t.to === 'OK' && t.from === 'ALARM') {
            const event = { alarm: t.alarm, kind: t.kind, check: t.check, atMs: t.atMs, afterMs: t.atMs - owner.endedAtMs };
            owner.recoveredBy.push(event);
            note = `recovered ${duration(event.afterMs)} after the fix`;
          }
          const state = t.to === 'ALARM' ? paint('red', paint('bold', 'ALARM')) : t.to === 'OK' ? paint('green', 'OK') : paint('yellow', 'INSUFFICIENT_DATA');
          say(`${at(t.atMs)}  ${state}  ${t.alarm}  ${t.from} → ${t.to}${note ? `  ${paint('bold', note)}` : ''}`);
          say(paint('dim', `           ${t.reason}`));
        }
        const rest = minuteMs - (performance.now() - realStart);
        if (rest > 0) await sleep(rest);
      }
    }

    const finalStates = Object.fromEntries(evaluators.map((e) => [e.definition.id, e.state]));
    for (const r of regressions) {
      for (const alarm of r.expectedAlarms) {
        if (!r.detectedBy.some((d) => d.alarm === alarm)) surprises.push(`"${r.label}" did not page through ${alarm}`);
      }
    }
    for (const [id, state] of Object.entries(finalStates)) if (state !== 'OK') surprises.push(`${id} ended in ${state}, not OK`);

    say();
    say(paint('cyan', `== summary (simulated time; ${index} minutes in ${scenario.length} steps)`));
    for (const r of regressions) {
      say(paint('bold', `${r.label} (${at(r.startedAtMs)}–${at(r.endedAtMs)}): ${Object.entries(r.observed).map(([c, v]) => `${c} ${v.join(', ')}`).join('; ')}`));
      say(`  detected   ${r.detectedBy.length ? r.detectedBy.map((d) => `${d.alarm} in ${duration(d.afterMs)}`).join(', ') : paint('red', 'by no alarm')}`);
      say(`  recovered  ${r.recoveredBy.length ? r.recoveredBy.map((d) => `${d.alarm} ${duration(d.afterMs)} after the fix`).join(', ') : paint('yellow', 'not yet')}`);
    }
    const notOk = Object.entries(finalStates).filter(([, s]) => s !== 'OK');
    say(notOk.length ? paint('red', `final: ${notOk.map(([id, s]) => `${id} ${s}`).join(', ')}`) : paint('green', `final: all ${evaluators.length} alarms OK`));
    const silentFired = evaluators.some((e) => e.definition.kind === 'Silent' && e.transitions.some((t) => t.to === 'ALARM'));
    if (!silentFired) say(paint('dim', 'Silent never fired: the probe reported Success every minute, failures included.'));
    const sparse = evaluators.find((e) => e.definition.kind === 'Refused');
    if (sparse) {
      say(
        paint(
          'dim',
          `Refused/Forbidden watch Failures, which exists only while failing; CloudWatch keeps evaluating its last datapoint while it is ` +
            `in the evaluation range (${sparse.evaluationRangePeriods} periods here), hence OK ${sparse.evaluationRangePeriods} min after the fix.`,
        ),
      );
    }
    for (const s of surprises) say(paint('red', `unexpected: ${s}`));

    return {
      ok: surprises.length === 0,
      surprises,
      simulatedStartMs: simStart,
      minutes,
      regressions,
      transitions: evaluators.flatMap((e) => e.transitions).sort((x, y) => x.atMs - y.atMs),
      finalStates,
    };
  } finally {
    await replica.close();
  }
}

function describeAuth(check: Check): string {
  if (!check.auth) return 'no auth';
  const where = tokenPlacement(check) === 'query' ? `token in query parameter "${check.auth.param}"` : `${check.auth.header}: ${check.auth.scheme} ***`;
  return check.kind === 'websocket' ? `origin ${check.origin ?? '(own)'}, ${where}` : where;
}

/** `chat-websocket: Success=0 Duration=212ms Failures{Reason=forbidden}=1 · buyer-orders: …` */
function describeDatums(datums: readonly MetricDatum[]): string {
  const byCheck = new Map<string, string[]>();
  for (const d of datums) {
    const dims = d.Dimensions ?? [];
    const check = dims.find((x) => x.Name === Dimension.CHECK)?.Value ?? '?';
    const extra = dims.filter((x) => x.Name !== Dimension.CHECK).map((x) => `${x.Name}=${x.Value}`);
    const unit = d.Unit === 'Milliseconds' ? 'ms' : '';
    const value = `${Math.round((d.Value ?? 0) * 10) / 10}${unit}`;
    const list = byCheck.get(check) ?? [];
    list.push(`${d.MetricName}${extra.length ? `{${extra.join(',')}}` : ''}=${value}`);
    byCheck.set(check, list);
  }
  return [...byCheck].map(([check, list]) => `${check}: ${list.join(' ')}`).join(' · ');
}

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}
