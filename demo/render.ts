/**
 * The demo's text: an on-call story by default — each step, each check's outcome when it changes,
 * each page as delivered (or muted by a maintenance window), and one line per incident at the end
 * (notifications sent, time to page, time to recover); `--verbose` adds every result, the
 * datapoints the runner published and the alarms' internals (each state change with its reason).
 * Timestamps are simulated `T+mm:ss` from the start of the walk, never before it.
 */
import type { MetricDatum } from '@aws-sdk/client-cloudwatch';
import type { Check } from '../contracts/config';
import { tokenPlacement } from '../contracts/config';
import { Dimension, MetricName } from '../contracts/metrics';
import { plural } from '../contracts/text';
import type { CheckResult } from '../contracts/result';
import { certificateWarning } from '../lambda/probes/messages';
import type { AlarmDefinition } from '../lib/alarms/definitions';
import type { DemoPage, DemoRegressionSummary, MinuteVerdict } from './judge';
import { PLANS, stepLabel, type DemoStep } from './scenario';
import type { DemoMinute, WalkSetup } from './walk';

const ANSI = { reset: '\x1b[0m', bold: '\x1b[1m', dim: '\x1b[2m', red: '\x1b[31m', green: '\x1b[32m', yellow: '\x1b[33m', cyan: '\x1b[36m' } as const;
type Style = Exclude<keyof typeof ANSI, 'reset'>;

export interface RenderOptions {
  readonly say: (line?: string) => void;
  readonly color: boolean;
  readonly verbose: boolean;
  readonly at: (ms: number) => string;
  readonly minuteMs: number;
  readonly settleMs: number;
  readonly retryDelayMs: number;
  readonly timeoutMs: number;
  readonly ingestionMs: number;
}

/** `3m05s`; under ten seconds and not whole, to the hundredth (`0.21s`: a page sent as its run ended). */
export function duration(ms: number): string {
  if (ms < 10_000 && ms % 1000 !== 0) return `${(ms / 1000).toFixed(2)}s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

export class DemoRenderer {
  private setup!: WalkSetup;
  private lastWarning: string | undefined;
  private pipeline = false;
  constructor(private readonly o: RenderOptions) {}

  private paint(style: Style, text: string): string {
    return this.o.color ? `${ANSI[style]}${text}${ANSI.reset}` : text;
  }

  header(setup: WalkSetup, pipeline: { readonly description: string } | { readonly unavailable: string }): void {
    this.setup = setup;
    this.pipeline = 'description' in pipeline;
    const { say } = this.o;
    const { config, plan, definitions } = setup;
    say(this.paint('bold', "synthmon demo: the seed's regressions against a local replica of the backend, paged by the incident pipeline"));
    say(`  replica  ${setup.replicaOrigin} (TLS with a certificate made for this run; the token is generated for this run and never shown)`);
    for (const check of config.checks)
      say(
        `  check    ${check.name.padEnd(15)} every ${String(check.intervalSeconds).padStart(2)} s  ${this.o.verbose ? `${check.url}  ` : ''}${describeAuth(check)}`,
      );
    if ('description' in pipeline) {
      say(`  pages    ${pipeline.description}`);
      say(
        `  backstop ${definitions.length} alarms from alarmDefinitions(config), as deployed, evaluated as CloudWatch would; each ALARM and recovery goes through ` +
          `the backstop notifier's handle() (lambda/backstop/) on the same table and channel, which pages what the pipeline did not${this.o.verbose ? '' : ' (--verbose lists every alarm state change)'}`,
      );
    } else {
      say(`  pages    the alarms' notifications (the incident pipeline did not run: ${pipeline.unavailable})`);
      say(
        `  alarms   ${definitions.length} from alarmDefinitions(config), as deployed; each ALARM and each recovery notifies (an Insights alarm once per contributor and once for itself)`,
      );
    }
    say(
      `  clock    1 simulated minute = ${this.o.minuteMs} ms; 127.0.0.1 only, no AWS${this.o.verbose ? '' : '; --verbose for every result, datapoint and alarm state change'}`,
    );
    if (this.o.verbose) {
      say(
        `  runner   ${plan.shards.map((s) => `shard ${s.id} (${s.checks.join(', ')}${s.fast ? `, ${s.ticksPerInvocation} ticks per invocation` : ''})`).join('; ')}`,
      );
      say(
        `  timing   settle window ${this.o.settleMs} ms, retry pause ${this.o.retryDelayMs} ms, deadline ${this.o.timeoutMs} ms per attempt; ` +
          `ingestion ${this.o.ingestionMs / 1000} s; datapoints go to namespace ${config.namespace} with simulated timestamps`,
      );
    }
  }

  step(step: DemoStep, index: number, startMs: number): void {
    const p = PLANS[step.regression];
    this.o.say();
    this.o.say(this.paint('cyan', `== ${this.o.at(startMs)}  ${stepLabel(step)}: ${p.detail} (${step.minutes} min)`));
    if (step.maintenanceMinutes) {
      const w = this.setup.config.maintenance.find((m) => m.schedule === `at(${new Date(startMs).toISOString().slice(0, 16)})`);
      const n = w ? this.setup.config.maintenance.indexOf(w) + 1 : index;
      this.o.say(
        this.paint(
          'dim',
          `           maintenance window ${n}: ${w?.schedule ?? ''} for ${w?.duration ?? ''}: the alarms evaluate and change state, their notifications are muted${this.pipeline ? "; the pipeline's pages are held back at the channel (the deployed engine holds them itself and pages at the window's end if still open)" : ''}`,
        ),
      );
    }
  }

  minute(minute: DemoMinute, verdict: MinuteVerdict): void {
    const { say, at } = this.o;
    const shown = this.o.verbose
      ? this.setup.config.checks.flatMap((c) => minute.results.filter((r) => r.check === c.name).slice(-1))
      : verdict.changed;
    const told = new Set<string>();
    for (const r of shown) {
      const ticks = minute.results.filter((x) => x.check === r.check);
      say(this.resultLine(minute.startMs, r, ticks));
      // The probe's diagnosis and fix, once per change of verdict (and once for checks that share it).
      if (!r.ok && verdict.changed.includes(r) && !told.has(r.message)) say(this.paint('dim', `           ${r.message}`));
      told.add(r.message);
    }
    // The CLI's warning under an ok line, when it appears or changes (every minute with --verbose).
    const first = minute.results.find((r) => r.check === this.setup.config.checks[0]?.name);
    const warning = first ? certificateWarning(first.certificate, this.setup.config.alarms.certificateExpiring.daysLeft) : undefined;
    if (warning && (this.o.verbose || warning !== this.lastWarning)) say(this.paint('yellow', `${at(minute.startMs)}  ${warning}`));
    this.lastWarning = warning;
    if (this.o.verbose) say(this.paint('dim', `           datapoints  ${describeDatums(minute.datums)}`));

    if (verdict.arming.length) {
      const all = verdict.arming.length === this.setup.evaluators.length;
      say(
        this.paint(
          'dim',
          `${at(Math.max(...verdict.arming.map((t) => t.atMs)))}  ${all ? `all ${verdict.arming.length} alarms` : verdict.arming.map((t) => t.alarm).join(', ')} INSUFFICIENT_DATA → OK (first evaluation, no notification)`,
        ),
      );
    }
    if (this.o.verbose) this.transitions(minute);
    // The pipeline's and the backstop notifier's pages; without a pipeline, the alarms' own notifications (--verbose lists the transitions instead).
    const listed = verdict.pages.filter((p) => p.source !== 'alarm' || !this.o.verbose);
    for (const group of groupPages(listed))
      for (const line of group[0]!.notification ? this.pipelineLines(group[0]!) : [this.pageLine(group)]) say(line);
  }

  /** A page of the pipeline as the PagerDuty endpoint received it: action, severity, dedup_key, summary. */
  private pipelineLines(p: DemoPage): string[] {
    const n = p.notification!;
    const e = p.received;
    const from = p.source === 'backstop' ? `backstop ${p.name}: ` : '';
    const head = `${this.o.at(p.atMs)}  ${p.mutedBy !== undefined ? 'muted ' : this.paint(n.action === 'resolve' ? 'green' : 'red', this.paint('bold', 'PAGE  '))} ${from}pagerDuty ${e?.event_action ?? (n.action === 'resolve' ? 'resolve' : 'trigger')}`;
    const what = `${n.action === 'update' ? ' (update)' : ''}${e?.severity ? ` ${e.severity}` : ''}  dedup_key ${n.dedupKey}`;
    if (p.mutedBy !== undefined) {
      return [
        this.paint('dim', `${head}${what}  (not sent: maintenance window ${p.mutedBy + 1} until ${this.o.at(p.mutedUntilMs!)})`),
        this.paint('dim', `           ${n.summary}`),
      ];
    }
    if (!e) return [this.paint('red', `${head}${what}  (not received: the endpoint refused it)`)];
    return [`${head}${what}`, ...(e.summary ? [`           ${e.summary}`] : [])];
  }

  private resultLine(atMs: number, r: CheckResult, ticks: readonly CheckResult[]): string {
    const state = r.ok ? this.paint('green', 'ok') : this.paint('red', r.outcome.toUpperCase()) + (r.cause ? ` (${r.cause})` : '');
    const http = r.status !== undefined ? `HTTP ${r.status}` : 'no HTTP response';
    const detail = this.o.verbose
      ? `  ${r.attempts} attempt${r.attempts === 1 ? '' : 's'}, ${Math.round(r.timings.totalMs)} ms${r.certificate ? `, certificate ${r.certificate.daysLeft} days left` : ''}` +
        (ticks.length > 1 ? `  ${ticks.length} ticks: ${ticks.map((x) => (x.ok ? 'ok' : x.outcome)).join(' ')}` : '')
      : '';
    return `${this.o.at(atMs)}  ${r.check.padEnd(15)} ${state}  ${http}${this.paint('dim', detail)}`;
  }

  /** --verbose: every state change, with its reason (the threshold line names its metric). */
  private transitions(minute: DemoMinute): void {
    for (const t of minute.transitions) {
      if (t.from === 'INSUFFICIENT_DATA' && t.to === 'OK' && !t.contributor) continue;
      const state =
        t.to === 'ALARM'
          ? this.paint('red', this.paint('bold', 'ALARM'))
          : t.to === 'OK'
            ? this.paint('green', 'OK')
            : this.paint('yellow', 'INSUFFICIENT_DATA');
      const who = t.contributor ? ` (contributor ${t.contributor})` : '';
      const muted = t.mutedBy !== undefined ? `  muted by maintenance window ${t.mutedBy + 1} until ${this.o.at(t.mutedUntilMs!)}` : '';
      this.o.say(`${this.o.at(t.atMs)}  ${state}  ${t.alarm}${who}  ${t.from} → ${t.to}${this.paint('yellow', muted)}`);
      const def = this.setup.definitions.find((d) => d.id === t.alarm);
      this.o.say(this.paint('dim', `           ${def ? namedReason(t.reason, def) : t.reason}`));
    }
  }

  private pageLine(group: readonly DemoPage[]): string {
    const p = group[0]!;
    const checks = [...new Set(group.flatMap((g) => (g.check ? [g.check] : [])))];
    const what = `${p.action.padEnd(5)} ${p.name}${checks.length && !checks.every((c) => p.name.endsWith(c)) ? ` for ${checks.join(', ')}` : ''}`;
    const count = `${group.length} notification${group.length === 1 ? '' : 's'}${group.some((g) => g.contributor) && group.some((g) => !g.contributor) ? ': per contributor and for the alarm' : ''}`;
    if (p.mutedBy !== undefined)
      return this.paint(
        'dim',
        `${this.o.at(p.atMs)}  muted  ${what}  (${count}, not sent: maintenance window ${p.mutedBy + 1} until ${this.o.at(p.mutedUntilMs!)})`,
      );
    const style = p.action === 'ALARM' || p.action === 'trigger' ? 'red' : 'green';
    const label = this.pipeline ? 'backstop' : `${this.paint(style, this.paint('bold', 'PAGE'))}  `;
    return `${this.o.at(p.atMs)}  ${label} ${what}  (${count})`;
  }

  summary(s: {
    minutes: number;
    steps: number;
    regressions: readonly DemoRegressionSummary[];
    alarms: number;
    notOk: readonly string[];
    pending: readonly string[];
    renewedOkAtMs?: number;
    silentFired: boolean;
    surprises: readonly string[];
  }): void {
    const { say, at } = this.o;
    say();
    say(this.paint('cyan', `== summary (simulated time; ${s.minutes} minutes in ${s.steps} steps)`));
    if (s.notOk.length) say(this.paint('red', `final: ${s.notOk.join(', ')}`));
    else if (s.pending.length) {
      say(
        this.paint('green', `final: ${s.alarms - s.pending.length} alarms OK`) +
          `; ${s.pending.join(', ')} still ALARM as expected: its hourly period turns OK once a complete hour saw only the renewed certificate, at ${at(s.renewedOkAtMs!)}`,
      );
    } else say(this.paint('green', `final: all ${s.alarms} alarms OK`));
    if (!s.silentFired) say(this.paint('dim', 'Silent never fired: every shard published its heartbeat every run, failures included.'));
    for (const surprise of s.surprises) say(this.paint('red', `unexpected: ${surprise}`));
    const width = Math.max(...s.regressions.map((r) => r.label.length));
    for (const r of s.regressions) say(incidentLine(r, width, s.renewedOkAtMs !== undefined ? at(s.renewedOkAtMs) : undefined));
  }
}

/** One line per incident: pipeline pages (per channel), time to page, time to recover, and the alarms' notifications. */
export function incidentLine(r: DemoRegressionSummary, width = r.label.length, certificateClearsAt?: string): string {
  const alarms = `${plural(r.notifications, 'notification')}${r.muted ? ` (${r.muted} muted by maintenance)` : ''}`;
  const p = r.pipeline;
  const none = p && p.triggers + p.updates + p.resolves === 0;
  const sent = none
    ? `pagerDuty none${p.muted ? ` (${p.muted} muted by maintenance)` : ''}`
    : p
      ? `pagerDuty ${p.triggers} page${p.triggers === 1 ? '' : 's'}${p.updates ? ` + ${plural(p.updates, 'update')}` : ''} + ${plural(p.resolves, 'resolve')}${p.muted ? ` (${p.muted} muted by maintenance)` : ''}`
      : alarms;
  const paged = r.timeToPageMs !== undefined ? `paged after ${duration(r.timeToPageMs)}` : 'not paged';
  const recovered =
    r.timeToRecoverMs !== undefined
      ? `recovered ${duration(r.timeToRecoverMs)} after the fix`
      : r.recoveredBy.length
        ? `recovered ${duration(Math.max(...r.recoveredBy.map((d) => d.afterMs)))} after the fix (silently)`
        : `not recovered yet${certificateClearsAt && r.regression === 'certificate-expiring' ? ` (its hourly alarm clears at ${certificateClearsAt})` : ''}`;
  return `incident  ${r.label.padEnd(width)}  ${sent}, ${paged}, ${recovered}${p ? `; backstop alarms ${alarms}` : ''}`;
}

/** The notifications of one alarm at one moment in one direction make one line. */
function groupPages(pages: readonly DemoPage[]): DemoPage[][] {
  const groups = new Map<string, DemoPage[]>();
  for (const p of pages) {
    const key = `${p.atMs} ${p.source} ${p.action} ${p.name} ${p.mutedBy ?? ''}`;
    const list = groups.get(key) ?? [];
    list.push(p);
    groups.set(key, list);
  }
  return [...groups.values()];
}

/** `breached Average <= 0` → `breached Average(Success{Check=orders-fast}) <= 0`: a threshold line names its metric. */
export function namedReason(reason: string, def: AlarmDefinition): string {
  if (def.type !== 'metric') return reason;
  const dims = Object.entries(def.metric.dimensions).map(([k, v]) => `${k}=${v}`);
  return reason.replace(
    new RegExp(`breached ${def.metric.statistic} `),
    `breached ${def.metric.statistic}(${def.metric.metricName}${dims.length ? `{${dims.join(',')}}` : ''}) `,
  );
}

function describeAuth(check: Check): string {
  if (!check.auth) return 'no auth';
  const where =
    tokenPlacement(check) === 'query' ? `token in query parameter "${check.auth.param}"` : `${check.auth.header}: ${check.auth.scheme} ***`;
  return check.kind === 'websocket' ? `origin ${check.origin ?? '(own)'}, ${where}` : where;
}

/** `chat-websocket: Success=0 Duration=212ms Failures{Reason=forbidden}=1 · …` (the fast check's first tick, and the heartbeats). */
export function describeDatums(datums: readonly MetricDatum[]): string {
  const byKey = new Map<string, string[]>();
  const seen = new Set<string>();
  for (const d of datums) {
    const dims = d.Dimensions ?? [];
    const check = dims.find((x) => x.Name === Dimension.CHECK)?.Value;
    const key =
      check ?? (d.MetricName === MetricName.SHARD_RESULTS ? 'heartbeats' : d.MetricName === MetricName.CERTIFICATE_DAYS_LEFT ? 'certificates' : '?');
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
