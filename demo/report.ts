/**
 * The demo's walk as a visual report (`synthmon demo --report FILE.html`): every result of every
 * check, the incidents (one per regression), the alarms' spans in ALARM, every page with its text,
 * and the certificate's days left. bin/cli/report-html.ts renders it.
 */
import { certificatesOf, reportResult, type ReportAlarmSpan, type ReportData } from '../bin/cli/report';
import type { DemoSummary } from './demo';
import { namedReason } from './render';

/** The report of a finished demo. */
export function demoReport(summary: DemoSummary): ReportData {
  const { config, definitions } = summary.setup;
  const results = summary.minutes.flatMap((m) => m.results);
  const delivered = summary.pages.filter((p) => p.mutedBy === undefined).length;
  return {
    title: "synthmon demo: the seed's regressions against a local replica",
    subtitle:
      `${summary.minutes.length} simulated minutes, ${summary.regressions.length} incidents, ${delivered} notifications delivered` +
      `${summary.pages.length > delivered ? ` (${summary.pages.length - delivered} muted by maintenance)` : ''}; ${summary.ok ? 'everything went as scripted' : `${summary.surprises.length} surprises`}`,
    startMs: summary.simulatedStartMs,
    endMs: summary.endMs,
    clock: 'relative',
    checks: config.checks.map((c) => ({
      name: c.name,
      kind: c.kind,
      url: c.url,
      // On the simulated clock (an attempt's startedAt is wall time): the minute's start, and for a
      // fast check each tick its place in the minute.
      results: summary.minutes.flatMap((m) =>
        m.results.filter((r) => r.check === c.name).map((r, k) => reportResult(r, m.startMs + k * c.intervalSeconds * 1000)),
      ),
    })),
    incidents: summary.regressions.map((r) => ({
      label: r.label,
      startMs: r.startedAtMs,
      endMs: r.endedAtMs,
      planned: r.planned,
      notifications: r.notifications,
      muted: r.muted,
      ...(r.timeToPageMs !== undefined ? { timeToPageMs: r.timeToPageMs } : {}),
      ...(r.timeToRecoverMs !== undefined ? { timeToRecoverMs: r.timeToRecoverMs } : {}),
    })),
    alarmSpans: alarmSpans(summary),
    pages: summary.pages.map((p) => {
      const def = definitions.find((d) => d.id === p.name);
      return {
        atMs: p.atMs,
        action: p.action,
        name: p.name,
        ...(p.check ? { check: p.check } : {}),
        text: def ? namedReason(p.text, def) : p.text,
        muted: p.mutedBy !== undefined,
      };
    }),
    certificates: certificatesOf(results),
  };
}

/** ALARM → OK spans per alarm and check (contributors and per-check alarms; an Insights alarm's own level is their union). */
function alarmSpans(summary: DemoSummary): ReportAlarmSpan[] {
  const open = new Map<string, ReportAlarmSpan>();
  const spans: ReportAlarmSpan[] = [];
  for (const t of summary.transitions) {
    const def = summary.setup.definitions.find((d) => d.id === t.alarm);
    if (def?.type === 'insights' && !t.contributor) continue;
    const check = t.contributor ?? t.check;
    const key = `${t.alarm}/${check ?? ''}`;
    if (t.to === 'ALARM' && !open.has(key)) open.set(key, { alarm: t.alarm, ...(check ? { check } : {}), fromMs: t.atMs });
    else if (t.to !== 'ALARM' && open.has(key)) {
      spans.push({ ...open.get(key)!, toMs: t.atMs });
      open.delete(key);
    }
  }
  return [...spans, ...open.values()].sort((a, b) => a.fromMs - b.fromMs);
}
