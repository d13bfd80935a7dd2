/**
 * The embedded default (`npm start`, `synthmon demo`; DESIGN §9): the seed's two checks, plus one
 * fast (10 s) check of the orders API, against a local replica of the backend, on a compressed
 * clock, walking through the seed's regressions and back. Each simulated minute invokes the
 * runner's shards exactly as EventBridge Scheduler would (createRunner, the Lambda's own code path:
 * runChecks, the tick loop, publishResults); the PutMetricData calls land in a local sink instead
 * of CloudWatch, and every alarm of alarmDefinitions(config) — the very definitions the CDK
 * construct deploys — is evaluated with CloudWatch's rules (10 s alarms every 10 s).
 * No AWS, no network beyond 127.0.0.1, and the token is never printed.
 */
import type { MetricDatum, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import defaultConfigJson from '../config/default.json';
import type { Check, MonitorConfig, MonitorConfigInput } from '../contracts/config';
import { parseConfig, tokenPlacement } from '../contracts/config';
import { isFastInterval } from '../contracts/fleet';
import { Dimension, MetricName } from '../contracts/metrics';
import type { Cause, Outcome } from '../contracts/outcomes';
import type { CheckKind, CheckResult } from '../contracts/result';
import { redact } from '../lambda/redact';
import { createRunner } from '../lambda/runner';
import { staticTokenStore } from '../lambda/tokens';
import { certificateWarning } from '../lambda/checks/messages';
import { alarmDefinitions, DEFAULT_LOCATION, tlsHosts, type AlarmClass } from '../lib/alarms/definitions';
import { AlarmEvaluator, evaluateBetween, MetricStore, type AlarmState, type AlarmTransition } from '../lib/alarms/evaluator';
import { planFleet } from '../lib/fleet/plan';
import { fleetFile } from '../lib/fleet/file';
import { EXPIRING_CERTIFICATE_DAYS, Regression, startReplica, type Replica } from './replica';

const MINUTE_MS = 60_000;

/** The fast check the demo adds to the seed: the orders API every 10 s (DESIGN §4: fast checks). */
export const FAST_CHECK = 'orders-fast';

/** One stretch of the walk: the replica in one state for a number of simulated minutes. */
export interface DemoStep {
  readonly regression: Regression;
  readonly minutes: number;
}

/**
 * healthy → origin rejected → healthy → token auth removed → healthy → refusing → healthy →
 * certificate expiring → renewed. Two minutes per regression so the 2-of-3 Failing alarm fires too;
 * five healthy minutes after each: a Metrics Insights contributor leaves ALARM only once its
 * Failures series has no datapoint left in the evaluation range (N + 2 periods: 5 for Failing's
 * 2 of 3), so every alarm is OK before the next. The certificate comes last: CertificateExpiring
 * evaluates complete hours, so the walk's clock is set for that step to end on the hour (see
 * simulatedStart), and the alarm fires in the renewed minute after it; it returns to OK only after
 * a whole hour of the renewed certificate, past the end of the walk.
 */
export const DEFAULT_SCENARIO: readonly DemoStep[] = [
  { regression: Regression.HEALTHY, minutes: 2 },
  { regression: Regression.ORIGIN_REJECTED, minutes: 2 },
  { regression: Regression.HEALTHY, minutes: 5 },
  { regression: Regression.TOKEN_AUTH_REMOVED, minutes: 2 },
  { regression: Regression.HEALTHY, minutes: 5 },
  { regression: Regression.REFUSING, minutes: 2 },
  { regression: Regression.HEALTHY, minutes: 5 },
  { regression: Regression.CERTIFICATE_EXPIRING, minutes: 2 },
  { regression: Regression.HEALTHY, minutes: 1 },
];

export interface DemoOptions {
  /** Where the timeline goes. @default process.stdout */
  readonly out?: NodeJS.WritableStream;
  /** ANSI colour. @default - when `out` is a TTY and NO_COLOR is unset or empty */
  readonly color?: boolean;
  /** Real time per simulated minute: the clock is scaled, so the fast shard's ticks keep their spacing. @default 1000 */
  readonly minuteMs?: number;
  /** The walk. @default DEFAULT_SCENARIO */
  readonly scenario?: readonly DemoStep[];
  /** The WebSocket check's settle window, compressed. @default 150 */
  readonly settleMs?: number;
  /** The pause before the confirmation retry, compressed. @default 100 */
  readonly retryDelayMs?: number;
  /** Deadline per attempt, compressed. @default 3000 */
  readonly timeoutMs?: number;
  /** Simulated delay between a datapoint's publication and its visibility to alarms (CloudWatch ingestion). @default 2000 */
  readonly ingestionMs?: number;
  /** The replica's valid token (tests pass a canary). @default - random, never printed */
  readonly token?: string;
}

/** One alarm transition attributed to a regression, with the simulated time it took. */
export interface DemoAlarmEvent {
  readonly alarm: string;
  readonly class: AlarmClass;
  /** The check (a contributor of an Insights alarm, or the check of a per-check alarm). */
  readonly check?: string;
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
  /** `<alarm>/<check>` pages expected for it: the class alarm per broken check, and the fast check's Failing. */
  readonly expectedPages: readonly string[];
  readonly detectedBy: readonly DemoAlarmEvent[];
  readonly recoveredBy: readonly DemoAlarmEvent[];
  /** `check → outcome[/cause]` seen during the regression. */
  readonly observed: Readonly<Record<string, readonly string[]>>;
}

/** One simulated minute. */
export interface DemoMinute {
  readonly index: number;
  readonly regression: Regression;
  /** Every result of the minute: one per check per tick. */
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
  /** Every alarm-level and contributor-level state change (each one an SNS notification, arming aside). */
  readonly transitions: readonly AlarmTransition[];
  readonly finalStates: Readonly<Record<string, AlarmState>>;
}

interface Plan {
  readonly label: string;
  readonly detail: string;
  readonly expect: Readonly<Record<CheckKind, { readonly outcome: Outcome; readonly cause?: Cause }>>;
  /** The class that must page for a check this regression breaks. */
  readonly alarm?: AlarmClass;
  /** The alarm is per TLS host, not per check. */
  readonly perHost?: boolean;
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
  'certificate-expiring': {
    label: 'certificate expiring',
    detail: `the proxy's certificate renewal stopped: it serves one that expires in ${EXPIRING_CERTIFICATE_DAYS} days (every check still ok)`,
    expect: OK_BOTH,
    alarm: 'CertificateExpiring',
    perHost: true,
  },
};

const HOUR_MS = 60 * MINUTE_MS;

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

const ANSI = { reset: '\x1b[0m', bold: '\x1b[1m', dim: '\x1b[2m', red: '\x1b[31m', green: '\x1b[32m', yellow: '\x1b[33m', cyan: '\x1b[36m' } as const;
type Style = Exclude<keyof typeof ANSI, 'reset'>;

/**
 * The demo configuration: config/default.json with the checks pointed at the replica and the clock
 * compressed, plus the fast check of the orders API.
 */
export function demoConfig(replica: Pick<Replica, 'port'>, opts: { settleMs: number; retryDelayMs: number; timeoutMs: number }): MonitorConfig {
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
  return parseConfig(raw, 'the demo configuration (config/default.json pointed at the replica, plus a 10 s check)');
}

/**
 * A clock that runs `60_000 / minuteMs` times faster than the real one: the runner's sleeps and its
 * reading of "now" both go through it, so a fast shard's ticks keep their 10 s (simulated) spacing.
 */
class DemoClock {
  private simMs: number;
  constructor(
    startMs: number,
    private readonly scale: number,
  ) {
    this.simMs = startMs;
  }
  now = (): number => this.simMs;
  set(ms: number): void {
    this.simMs = Math.max(this.simMs, ms);
  }
  sleep = async (ms: number): Promise<void> => {
    this.simMs += ms;
    const real = ms * this.scale;
    if (real > 0) await sleep(real);
  };
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
  const ingestionMs = options.ingestionMs ?? 2000;
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
    const plan = planFleet(config);
    const definitions = alarmDefinitions(config, plan).filter((d) => d.class !== 'RunnerDropped');
    const simStart = simulatedStart(scenario);
    const clock = new DemoClock(simStart, minuteMs / MINUTE_MS);
    const at = (simMs: number) => {
      const s = Math.round((simMs - simStart) / 1000);
      const abs = Math.abs(s);
      // Before the walk (an hourly period that started earlier): T-35:00.
      return `T${s < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
    };
    // The monitor was deployed before the walk starts: its alarms' warm-up is over.
    const deployedAt = simStart - Math.max(...definitions.map((d) => d.warmUpMinutes ?? 0)) * MINUTE_MS;
    const evaluators = definitions.map((d) => new AlarmEvaluator(d, { formatTime: at, createdAtMs: deployedAt }));
    const store = new MetricStore();

    // The runner, as Lambda builds it, with two stand-ins for AWS: the token store holds the
    // replica's token, and PutMetricData lands in the local metric store after the ingestion delay.
    let published: MetricDatum[] = [];
    const sink = {
      send: async (command: PutMetricDataCommand) => {
        const data = command.input.MetricData ?? [];
        published.push(...data);
        // Visible to the alarms `ingestionMs` after the tick's own time (every datum of a call carries it).
        const tickMs = data[0]?.Timestamp ? new Date(data[0].Timestamp).getTime() : clock.now();
        store.put(command.input.Namespace!, data, { visibleAtMs: tickMs + ingestionMs });
        return {};
      },
    };
    const runner = createRunner({
      fleet: fleetFile(config, plan),
      env: { location: DEFAULT_LOCATION },
      tokens: staticTokenStore({ default: token }),
      attemptOptions: { ca: replica.ca },
      writeLine: () => undefined,
      now: clock.now,
      sleep: clock.sleep,
      publishClient: sink as never,
    });

    say(paint('bold', "synthmon demo: the seed's regressions against a local replica of the backend, alarms evaluated as CloudWatch would"));
    say(`  replica  ${replica.origin} (TLS with a certificate made for this run; the token is generated for this run and never shown)`);
    for (const check of config.checks) say(`  check    ${check.name.padEnd(15)} every ${String(check.intervalSeconds).padStart(2)} s  ${check.url}  ${describeAuth(check)}`);
    say(`  runner   ${plan.shards.map((s) => `shard ${s.id} (${s.checks.join(', ')}${s.fast ? `, ${s.ticksPerInvocation} ticks per invocation` : ''})`).join('; ')}`);
    const a = config.alarms;
    say(
      `  alarms   ${definitions.length} from alarmDefinitions(config), as deployed: Refused / Forbidden (${a.refused.datapointsToAlarm} of ${a.refused.evaluationPeriods}) and ` +
        `Failing (${a.failing.datapointsToAlarm} of ${a.failing.evaluationPeriods}) per interval as Metrics Insights alarms (one contributor per check), ` +
        `the fast check's own Failing alarm on 10 s periods, Silent per shard, CertificateExpiring per TLS host`,
    );
    say(
      `  clock    compressed: 1 simulated minute = ${minuteMs} ms; settle window ${settleMs} ms, retry pause ${retryDelayMs} ms, ` +
        `deadline ${timeoutMs} ms per attempt; ingestion ${ingestionMs / 1000} s; metric timestamps are simulated`,
    );
    say(`  network  127.0.0.1 only; no AWS: the datapoints below are what the runner publishes to namespace ${config.namespace}`);

    const minutes: DemoMinute[] = [];
    const regressions: Array<DemoRegressionSummary & { detectedBy: DemoAlarmEvent[]; recoveredBy: DemoAlarmEvent[]; observed: Record<string, string[]> }> = [];
    const surprises: string[] = [];
    const lastVerdict = new Map<string, string>();
    let index = 0;
    let evaluatedTo = simStart;

    for (const step of scenario) {
      const p = PLANS[step.regression];
      const stepStart = simStart + index * MINUTE_MS;
      await replica.set(step.regression);
      say();
      say(paint('cyan', `== ${at(stepStart)}  ${p.label}: ${p.detail} (${step.minutes} min)`));
      if (step.regression !== Regression.HEALTHY) {
        const broken = config.checks.filter((c) => p.expect[c.kind].outcome !== 'ok');
        regressions.push({
          regression: step.regression,
          label: p.label,
          startedAtMs: stepStart,
          endedAtMs: stepStart + step.minutes * MINUTE_MS,
          expectedPages: p.perHost
            ? tlsHosts(config).map((host) => `${p.alarm}-${host}/`)
            : broken.flatMap((c) => [
                `${p.alarm}-${c.intervalSeconds >= 60 ? c.intervalSeconds : 10}s/${c.name}`,
                ...(isFastInterval(c.intervalSeconds) ? [`Failing-${c.name}/${c.name}`] : []),
              ]),
          detectedBy: [],
          recoveredBy: [],
          observed: {},
        });
      }
      const current = step.regression === Regression.HEALTHY ? undefined : regressions.at(-1);

      for (let m = 0; m < step.minutes; m++, index++) {
        const minuteStart = simStart + index * MINUTE_MS;
        clock.set(minuteStart);
        published = [];
        const scheduledTime = new Date(minuteStart).toISOString();
        // EventBridge Scheduler fires every shard at the top of the minute.
        const reports = await Promise.all(plan.shards.map((s) => runner({ shard: s.id, scheduledTime })));
        const results = reports.flatMap((r) => r.ticks.flatMap((t) => t.results));
        const datums = published;

        for (const check of config.checks) {
          const mine = results.filter((r) => r.check === check.name);
          const expected = p.expect[check.kind];
          for (const r of mine) {
            const verdict = r.cause ? `${r.outcome}/${r.cause}` : r.outcome;
            if (r.outcome !== expected.outcome || r.cause !== expected.cause) {
              surprises.push(`${at(minuteStart)} ${check.name}: expected ${expected.cause ? `${expected.outcome}/${expected.cause}` : expected.outcome} while ${p.label}, got ${verdict}`);
            }
            const seen = current ? (current.observed[check.name] ??= []) : undefined;
            if (seen && !seen.includes(verdict)) seen.push(verdict);
          }
          const r = mine.at(-1)!;
          const verdict = r.cause ? `${r.outcome}/${r.cause}` : r.outcome;
          const shown = r.ok ? paint('green', 'ok') : paint('red', r.outcome.toUpperCase()) + (r.cause ? ` (${r.cause})` : '');
          const ticks = mine.length > 1 ? `  ${mine.length} ticks: ${mine.map((x) => (x.ok ? 'ok' : x.outcome)).join(' ')}` : '';
          const days = r.certificate ? `, certificate ${r.certificate.daysLeft} days left` : '';
          say(
            `${at(minuteStart)}  ${r.check.padEnd(15)} ${shown}  ${r.status !== undefined ? `HTTP ${r.status}` : 'no HTTP response'}` +
              paint('dim', `  ${r.attempts} attempt${r.attempts === 1 ? '' : 's'}, ${Math.round(r.timings.totalMs)} ms${days}${ticks}`),
          );
          // The likely fix, once per change of verdict: the runbook line a paged engineer reads.
          if (!r.ok && lastVerdict.get(r.check) !== verdict) say(paint('dim', `           ${r.message}`));
          // The CLI's warning under an ok line, once per minute for the whole fleet's host.
          const warning = certificateWarning(r.certificate, config.alarms.certificateExpiring.daysLeft);
          if (warning && check === config.checks[0]) say(paint('yellow', `           ${warning}`));
          lastVerdict.set(r.check, verdict);
        }
        say(paint('dim', `           datapoints  ${describeDatums(datums)}`));

        const minuteEnd = minuteStart + MINUTE_MS;
        clock.set(minuteEnd);
        const transitions = evaluateBetween(evaluators, store, evaluatedTo + 1, minuteEnd);
        evaluatedTo = minuteEnd;
        minutes.push({ index, regression: step.regression, results, datums, transitions });
        const arming = transitions.filter((t) => t.from === 'INSUFFICIENT_DATA' && t.to === 'OK' && t.contributor === undefined);
        if (arming.length) {
          say(`${at(Math.max(...arming.map((t) => t.atMs)))}  ${paint('green', 'OK')}     ${arming.length === evaluators.length ? `all ${arming.length} alarms` : arming.map((t) => t.alarm).join(', ')} INSUFFICIENT_DATA → OK (first evaluation)`);
        }
        for (const t of transitions) {
          if (arming.includes(t)) continue;
          // A page belongs to the regression under way; a recovery to the regression that paged it.
          const owner =
            t.to === 'ALARM'
              ? (current ?? regressions.at(-1))
              : regressions.filter((r) => r.detectedBy.some((d) => d.alarm === t.alarm && d.check === t.check) && !r.recoveredBy.some((d) => d.alarm === t.alarm && d.check === t.check)).at(-1);
          let note = '';
          const who = t.contributor ? ` (contributor ${t.contributor})` : '';
          if (owner && t.to === 'ALARM') {
            const event: DemoAlarmEvent = { alarm: t.alarm, class: t.class, ...(t.check ? { check: t.check } : {}), atMs: t.atMs, afterMs: t.atMs - owner.startedAtMs };
            owner.detectedBy.push(event);
            note = `detected ${duration(event.afterMs)} after "${owner.label}" started`;
          } else if (owner && t.to === 'OK' && t.from === 'ALARM') {
            const event: DemoAlarmEvent = { alarm: t.alarm, class: t.class, ...(t.check ? { check: t.check } : {}), atMs: t.atMs, afterMs: t.atMs - owner.endedAtMs };
            owner.recoveredBy.push(event);
            note = `recovered ${duration(event.afterMs)} after the fix`;
          }
          const state = t.to === 'ALARM' ? paint('red', paint('bold', 'ALARM')) : t.to === 'OK' ? paint('green', 'OK') : paint('yellow', 'INSUFFICIENT_DATA');
          say(`${at(t.atMs)}  ${state}  ${t.alarm}${who}  ${t.from} → ${t.to}${note ? `  ${paint('bold', note)}` : ''}`);
          say(paint('dim', `           ${t.reason}`));
        }
      }
    }

    const finalStates = Object.fromEntries(evaluators.map((e) => [e.definition.id, e.state]));
    for (const r of regressions) {
      for (const page of r.expectedPages) {
        const [alarm, check] = page.split('/');
        if (!r.detectedBy.some((d) => d.alarm === alarm && (d.check ?? '') === check)) surprises.push(`"${r.label}" did not page ${check || alarm} through ${alarm}`);
      }
    }
    // A certificate alarm stays in ALARM until a whole hour has passed on the renewed certificate:
    // expected at the end when the walk stops sooner (it does, by design: the hour is not worth waiting for).
    const endMs = simStart + index * MINUTE_MS;
    const stillExpiring = (id: string) => {
      const fired = regressions.filter((r) => r.regression === Regression.CERTIFICATE_EXPIRING && r.detectedBy.some((d) => d.alarm === id)).at(-1);
      return fired !== undefined && endMs < Math.ceil(fired.endedAtMs / HOUR_MS) * HOUR_MS + HOUR_MS;
    };
    const pending: string[] = [];
    for (const [id, state] of Object.entries(finalStates)) {
      if (state === 'ALARM' && stillExpiring(id)) pending.push(id);
      else if (state !== 'OK') surprises.push(`${id} ended in ${state}, not OK`);
    }

    say();
    say(paint('cyan', `== summary (simulated time; ${index} minutes in ${scenario.length} steps)`));
    for (const r of regressions) {
      say(paint('bold', `${r.label} (${at(r.startedAtMs)}–${at(r.endedAtMs)}): ${Object.entries(r.observed).map(([c, v]) => `${c} ${v.join(', ')}`).join('; ')}`));
      const name = (d: DemoAlarmEvent) => `${d.alarm}${d.check && !d.alarm.endsWith(d.check) ? ` (${d.check})` : ''}`;
      say(`  detected   ${r.detectedBy.length ? r.detectedBy.map((d) => `${name(d)} in ${duration(d.afterMs)}`).join(', ') : paint('red', 'by no alarm')}`);
      say(`  recovered  ${r.recoveredBy.length ? r.recoveredBy.map((d) => `${name(d)} ${duration(d.afterMs)} after the fix`).join(', ') : paint('yellow', 'not yet')}`);
    }
    const notOk = Object.entries(finalStates).filter(([id, s]) => s !== 'OK' && !pending.includes(id));
    if (notOk.length) say(paint('red', `final: ${notOk.map(([id, s]) => `${id} ${s}`).join(', ')}`));
    else if (pending.length) {
      const renewed = regressions.filter((r) => r.regression === Regression.CERTIFICATE_EXPIRING).at(-1)!.endedAtMs;
      say(
        paint('green', `final: ${evaluators.length - pending.length} alarms OK`) +
          `; ${pending.join(', ')} still ALARM as expected: its hourly period turns OK once a complete hour saw only the renewed certificate, at ${at(Math.ceil(renewed / HOUR_MS) * HOUR_MS + HOUR_MS)}`,
      );
    } else say(paint('green', `final: all ${evaluators.length} alarms OK`));
    const silentFired = evaluators.some((e) => e.definition.class === 'Silent' && e.transitions.some((t) => t.to === 'ALARM'));
    if (!silentFired) say(paint('dim', 'Silent never fired: every shard published its heartbeat every run, failures included.'));
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

/** `chat-websocket: Success=0 Duration=212ms Failures{Reason=forbidden}=1 · …` (the fast check's first tick, and the heartbeats). */
function describeDatums(datums: readonly MetricDatum[]): string {
  const byKey = new Map<string, string[]>();
  const seen = new Set<string>();
  for (const d of datums) {
    const dims = d.Dimensions ?? [];
    const check = dims.find((x) => x.Name === Dimension.CHECK)?.Value;
    const key = check ?? (d.MetricName === MetricName.SHARD_RESULTS ? 'heartbeats' : d.MetricName === MetricName.CERTIFICATE_DAYS_LEFT ? 'certificates' : '?');
    const extra = dims.filter((x) => x.Name !== Dimension.CHECK).map((x) => `${x.Name}=${x.Value}`);
    const name = `${d.MetricName}${extra.length ? `{${extra.join(',')}}` : ''}`;
    // One entry per series: a fast shard's six ticks repeat the same names.
    if (seen.has(`${key} ${name}`)) continue;
    seen.add(`${key} ${name}`);
    const unit = d.Unit === 'Milliseconds' ? 'ms' : '';
    const value = `${Math.round((d.Value ?? 0) * 10) / 10}${unit}${d.StorageResolution === 1 ? ' (1 s resolution)' : ''}`;
    const list = byKey.get(key) ?? [];
    list.push(`${name}=${value}`);
    byKey.set(key, list);
  }
  return [...byKey].map(([key, list]) => `${key}: ${list.join(' ')}`).join(' · ');
}

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}
