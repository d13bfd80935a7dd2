/**
 * The demo's judgement: what each check reported against what the script expects, which
 * notifications each incident (one regression of the script) sent and which a maintenance window
 * muted, how long it took to page and to recover, and whether everything went as scripted.
 * No I/O: render.ts prints what this decides.
 */
import { isFastInterval } from '../contracts/fleet';
import type { Notification } from '../contracts/notification';
import type { CheckResult } from '../contracts/result';
import { tlsHosts, type AlarmClass } from '../lib/alarms/definitions';
import type { AlarmState, AlarmTransition } from '../lib/alarms/evaluator';
import type { ActedTransition } from '../lib/muting';
import type { BackstopDemoPage, PipelinePage } from './pipeline';
import { Regression } from './replica';
import { HOUR_MS, MINUTE_MS, PLANS, stepLabel, type DemoStep } from './scenario';
import type { DemoMinute, WalkSetup } from './walk';

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

/**
 * One notification as a channel receives it: an alarm's (CloudWatch runs the alarm's actions on
 * ALARM and on ALARM → OK, for the alarm and for each contributor) or, with the incident pipeline
 * plugged in, the pipeline's own.
 */
export interface DemoPage {
  readonly atMs: number;
  /** An alarm's own notification (no pipeline), the pipeline's page, or the backstop notifier's. */
  readonly source: 'alarm' | 'incident' | 'backstop';
  /** ALARM / OK for an alarm's notification; trigger / update / resolve for the pipeline's. */
  readonly action: AlarmState | Notification['action'];
  /** The alarm id, or the incident's dedup key. */
  readonly name: string;
  readonly check?: string;
  /** Set on an Insights contributor's notification: the contributor (check). */
  readonly contributor?: string;
  /** The pipeline's PagerDuty event as the endpoint received it (dedup_key, severity, summary). */
  readonly received?: PipelinePage['received'];
  /** What the page says (the alarm's reason; the notification's summary). */
  readonly text: string;
  /** The maintenance window (index in config.maintenance) that muted it: not delivered. */
  readonly mutedBy?: number;
  readonly mutedUntilMs?: number;
  /** The incident (regression label) it belongs to. */
  readonly incident?: string;
  readonly notification?: Notification;
}

export interface DemoRegressionSummary {
  readonly regression: Regression;
  readonly label: string;
  /** A planned step: inside a maintenance window, it must page nobody. */
  readonly planned: boolean;
  /** Simulated start and end (the fix) of the regression. */
  readonly startedAtMs: number;
  readonly endedAtMs: number;
  /** `<alarm>/<check>` alarms expected to fire for it: the class alarm per broken check, and the fast check's Failing. */
  readonly expectedPages: readonly string[];
  readonly detectedBy: readonly DemoAlarmEvent[];
  readonly recoveredBy: readonly DemoAlarmEvent[];
  /** `check → outcome[/cause]` seen during the regression. */
  readonly observed: Readonly<Record<string, readonly string[]>>;
  /** Alarm notifications delivered for it: the backstop notifier's pages with a pipeline, else the alarms' own (muted ones excluded). */
  readonly notifications: number;
  /** Alarm notifications a maintenance window muted (held by the notifier). */
  readonly muted: number;
  /** The incident pipeline's notifications per channel (undefined without a pipeline). */
  readonly pipeline?: { triggers: number; updates: number; resolves: number; muted: number };
  /** From the start to the first delivered page (the pipeline's trigger, or an alarm's ALARM). */
  readonly timeToPageMs?: number;
  /** From the fix to the pipeline's resolve when it paged; else to the last alarm back to OK. */
  readonly timeToRecoverMs?: number;
}

/** What a minute changed, for the renderer. */
export interface MinuteVerdict {
  /** Checks whose verdict changed (or were seen for the first time) this minute: their last result. */
  readonly changed: readonly CheckResult[];
  /** INSUFFICIENT_DATA → OK of whole alarms (their first evaluation: no notification). */
  readonly arming: readonly AlarmTransition[];
  readonly pages: readonly DemoPage[];
}

type MutableRegression = {
  -readonly [K in keyof DemoRegressionSummary]: DemoRegressionSummary[K];
} & { detectedBy: DemoAlarmEvent[]; recoveredBy: DemoAlarmEvent[]; observed: Record<string, string[]> };

const verdictOf = (r: Pick<CheckResult, 'outcome' | 'cause'>) => (r.cause ? `${r.outcome}/${r.cause}` : r.outcome);

/** Judges the walk as it goes (observeStep, observeMinute), then sums it up (finish). */
export class DemoJudge {
  readonly regressions: MutableRegression[] = [];
  readonly surprises: string[] = [];
  readonly pages: DemoPage[] = [];
  private readonly lastVerdict = new Map<string, string>();
  private current: MutableRegression | undefined;

  constructor(
    private readonly setup: WalkSetup,
    private readonly scenario: readonly DemoStep[],
    private readonly at: (ms: number) => string,
    /** The incident pipeline pages (its resolve is the recovery); else the alarms do. */
    private readonly pipeline = false,
  ) {}

  observeStep(index: number, startMs: number): void {
    const step = this.scenario[index]!;
    const p = PLANS[step.regression];
    if (step.regression === Regression.HEALTHY) {
      this.current = undefined;
      return;
    }
    const { config } = this.setup;
    const broken = config.checks.filter((c) => p.expect[c.kind].outcome !== 'ok');
    this.current = {
      regression: step.regression,
      label: stepLabel(step),
      planned: Boolean(step.maintenanceMinutes),
      startedAtMs: startMs,
      endedAtMs: startMs + step.minutes * MINUTE_MS,
      expectedPages: p.perHost
        ? tlsHosts(config).map((host) => `${p.alarm}-${host}/`)
        : broken.flatMap((c) => [
            `${p.alarm}-${c.intervalSeconds >= 60 ? c.intervalSeconds : 10}s/${c.name}`,
            ...(isFastInterval(c.intervalSeconds) ? [`Failing-${c.name}/${c.name}`] : []),
          ]),
      detectedBy: [],
      recoveredBy: [],
      observed: {},
      notifications: 0,
      muted: 0,
      ...(this.pipeline ? { pipeline: { triggers: 0, updates: 0, resolves: 0, muted: 0 } } : {}),
    };
    this.regressions.push(this.current);
  }

  observeMinute(minute: DemoMinute): MinuteVerdict {
    const p = PLANS[minute.regression];
    const changed: CheckResult[] = [];
    for (const check of this.setup.config.checks) {
      const mine = minute.results.filter((r) => r.check === check.name);
      const expected = p.expect[check.kind];
      for (const r of mine) {
        if (r.outcome !== expected.outcome || r.cause !== expected.cause) {
          this.surprises.push(`${this.at(minute.startMs)} ${check.name}: expected ${verdictOf(expected)} while ${p.label}, got ${verdictOf(r)}`);
        }
        if (this.current) {
          const seen = (this.current.observed[check.name] ??= []);
          if (!seen.includes(verdictOf(r))) seen.push(verdictOf(r));
        }
      }
      const last = mine.at(-1);
      if (last && this.lastVerdict.get(check.name) !== verdictOf(last)) changed.push(last);
      if (last) this.lastVerdict.set(check.name, verdictOf(last));
    }
    const arming = minute.transitions.filter((t) => t.from === 'INSUFFICIENT_DATA' && t.to === 'OK' && t.contributor === undefined);
    const pages = [
      ...minute.transitions.filter((t) => !arming.includes(t)).flatMap((t) => this.alarmPage(t)),
      ...minute.notifications.map((n) => this.incidentPage(n)),
      ...minute.backstop.flatMap((b) => this.backstopPage(b)),
    ].sort((a, b) => a.atMs - b.atMs);
    this.pages.push(...pages);
    return { changed, arming, pages };
  }

  /** An alarm transition: detection or recovery of an incident, and a notification unless it is neither ALARM nor a recovery. */
  private alarmPage(t: ActedTransition): DemoPage[] {
    const same = (d: DemoAlarmEvent) => d.alarm === t.alarm && d.check === t.check;
    // A page belongs to the regression under way; a recovery to the regression that paged it.
    const owner =
      t.to === 'ALARM'
        ? (this.current ?? this.regressions.at(-1))
        : this.regressions.filter((r) => r.detectedBy.some(same) && !r.recoveredBy.some(same)).at(-1);
    const event = (fromMs: number): DemoAlarmEvent => ({
      alarm: t.alarm,
      class: t.class,
      ...(t.check ? { check: t.check } : {}),
      atMs: t.atMs,
      afterMs: t.atMs - fromMs,
    });
    const notifies = t.to === 'ALARM' || (t.to === 'OK' && t.from === 'ALARM');
    if (owner && t.to === 'ALARM') owner.detectedBy.push(event(owner.startedAtMs));
    else if (owner && notifies) owner.recoveredBy.push(event(owner.endedAtMs));
    // With the pipeline, an alarm's transition is an event for the backstop notifier, not a notification.
    if (!notifies || this.pipeline) return [];
    const page: DemoPage = {
      atMs: t.atMs,
      source: 'alarm',
      action: t.to,
      name: t.alarm,
      ...(t.check ? { check: t.check } : {}),
      ...(t.contributor ? { contributor: t.contributor } : {}),
      text: t.reason,
      ...(t.mutedBy !== undefined ? { mutedBy: t.mutedBy, mutedUntilMs: t.mutedUntilMs! } : {}),
      ...(owner ? { incident: owner.label } : {}),
    };
    if (owner) this.count(owner, page);
    return [page];
  }

  private incidentPage(p: PipelinePage): DemoPage {
    const n = p.notification;
    // A resolve belongs to the incident its trigger paged for.
    const owner =
      n.action === 'resolve'
        ? (this.regressions.filter((r) => this.pages.some((x) => x.name === n.dedupKey && x.incident === r.label)).at(-1) ?? this.regressions.at(-1))
        : (this.current ?? this.regressions.at(-1));
    const page: DemoPage = {
      atMs: p.atMs,
      source: 'incident',
      action: n.action,
      name: n.dedupKey,
      ...(n.checks[0] ? { check: n.checks[0] } : {}),
      text: p.received?.summary ?? n.summary,
      notification: n,
      ...(p.received ? { received: p.received } : {}),
      ...(p.mutedBy !== undefined ? { mutedBy: p.mutedBy, mutedUntilMs: p.mutedUntilMs! } : {}),
      ...(owner ? { incident: owner.label } : {}),
    };
    if (owner) this.count(owner, page);
    return page;
  }

  /** What the backstop notifier sent (or held) for an alarm transition; nothing when it suppressed or ignored it. */
  private backstopPage(b: BackstopDemoPage): DemoPage[] {
    const n = b.notification;
    if (!n && b.mutedBy === undefined) return [];
    // A held trigger is the alarm's ALARM, muted: no notification was made of it.
    const action = n?.action ?? 'ALARM';
    // A resolve belongs to the incident its trigger paged for.
    const owner =
      action === 'resolve'
        ? (this.regressions.filter((r) => this.pages.some((x) => x.source === 'backstop' && x.name === b.alarm && x.incident === r.label)).at(-1) ??
          this.regressions.at(-1))
        : (this.current ?? this.regressions.at(-1));
    const page: DemoPage = {
      atMs: b.atMs,
      source: 'backstop',
      action,
      name: b.alarm,
      ...(n?.checks[0] ? { check: n.checks[0] } : {}),
      text: b.received?.summary ?? n?.summary ?? b.reason,
      ...(n ? { notification: n } : {}),
      ...(b.received ? { received: b.received } : {}),
      ...(b.mutedBy !== undefined ? { mutedBy: b.mutedBy, mutedUntilMs: b.mutedUntilMs! } : {}),
      ...(owner ? { incident: owner.label } : {}),
    };
    if (owner) this.count(owner, page);
    return [page];
  }

  private count(owner: MutableRegression, page: DemoPage): void {
    if (page.source === 'incident' && owner.pipeline) {
      const counts = owner.pipeline;
      if (page.mutedBy !== undefined) counts.muted++;
      else if (page.action === 'trigger') counts.triggers++;
      else if (page.action === 'update') counts.updates++;
      else counts.resolves++;
    } else if (page.mutedBy !== undefined) owner.muted++;
    else owner.notifications++;
    if (page.mutedBy !== undefined) return;
    const paging = page.action === 'ALARM' || page.action === 'trigger';
    if (paging) owner.timeToPageMs = Math.min(owner.timeToPageMs ?? Infinity, page.atMs - owner.startedAtMs);
    if (paging || page.action === 'update') return;
    const afterFix = page.atMs - owner.endedAtMs;
    // Once the pipeline paged, its resolve is the recovery the on-call is told; the alarms' OKs are the backstop's.
    if (page.source === 'incident') owner.timeToRecoverMs = afterFix;
    else if (!owner.pipeline?.triggers) owner.timeToRecoverMs = Math.max(owner.timeToRecoverMs ?? 0, afterFix);
  }

  /** Final states, what did not go as scripted, and the alarms still (rightly) in ALARM. */
  finish(endMs: number): { finalStates: Record<string, AlarmState>; pending: string[]; renewedOkAtMs?: number } {
    const finalStates = Object.fromEntries(this.setup.evaluators.map((e) => [e.definition.id, e.state]));
    for (const r of this.regressions) {
      for (const expected of r.expectedPages) {
        const [alarm, check] = expected.split('/');
        if (!r.detectedBy.some((d) => d.alarm === alarm && (d.check ?? '') === check))
          this.surprises.push(`"${r.label}" did not page ${check || alarm} through ${alarm}`);
      }
      if (r.planned && r.notifications > 0) this.surprises.push(`"${r.label}" sent ${r.notifications} notifications inside its maintenance window`);
      const p = r.pipeline;
      if (!p) continue;
      const sent = p.triggers + p.updates + p.resolves;
      if (r.planned && sent > 0) this.surprises.push(`"${r.label}" sent ${sent} pipeline pages inside its maintenance window`);
      // The target: 1 page + 1 resolve per channel for every regression an endpoint check reports (a certificate is the alarms').
      const paging = !r.planned && Object.values(r.observed).some((v) => v.some((o) => o !== 'ok'));
      if (paging && (p.triggers !== 1 || p.resolves !== 1))
        this.surprises.push(`"${r.label}" sent ${p.triggers} page(s) and ${p.resolves} resolve(s) through the pipeline, not 1 + 1`);
      if (!paging && !r.planned && sent > 0) this.surprises.push(`"${r.label}" sent ${sent} pipeline pages although every check stayed ok`);
      // The backstop pages only what the pipeline did not: nothing for an incident the pipeline paged.
      if (paging && r.notifications > 0)
        this.surprises.push(`"${r.label}" sent ${r.notifications} backstop notification(s) for an incident the pipeline paged`);
    }
    // A certificate alarm stays in ALARM until a whole hour has passed on the renewed certificate:
    // expected at the end when the walk stops sooner (it does, by design: the hour is not worth waiting for).
    const renewed = this.regressions.filter((r) => r.regression === Regression.CERTIFICATE_EXPIRING).at(-1);
    const renewedOkAtMs = renewed ? Math.ceil(renewed.endedAtMs / HOUR_MS) * HOUR_MS + HOUR_MS : undefined;
    const pending: string[] = [];
    for (const [id, state] of Object.entries(finalStates)) {
      const stillExpiring = renewed?.detectedBy.some((d) => d.alarm === id) && endMs < renewedOkAtMs!;
      if (state === 'ALARM' && stillExpiring) pending.push(id);
      else if (state !== 'OK') this.surprises.push(`${id} ended in ${state}, not OK`);
    }
    return { finalStates, pending, ...(renewedOkAtMs !== undefined ? { renewedOkAtMs } : {}) };
  }
}
