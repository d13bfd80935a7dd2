/**
 * What a visual report shows (docs/DESIGN.md#reports), as plain data: the checks' results over
 * time, the incidents and alarm spans, the pages, the certificates. `synthmon demo --report` and
 * `synthmon probe --config --report` build it; report-html.ts renders it. Every text in it comes
 * from results and pages that are already redacted; the renderer escapes it all the same.
 */
import type { CheckResult } from '../../contracts/result';
import type { Outcome } from '../../contracts/outcomes';

export interface ReportResult {
  readonly atMs: number;
  readonly outcome: Outcome;
  readonly cause?: string;
  readonly status?: number;
  readonly message: string;
  readonly daysLeft?: number;
}

export interface ReportCheck {
  readonly name: string;
  readonly kind: string;
  readonly url: string;
  readonly results: readonly ReportResult[];
}

export interface ReportIncident {
  readonly label: string;
  readonly startMs: number;
  readonly endMs: number;
  /** Planned work inside a maintenance window. */
  readonly planned: boolean;
  readonly notifications: number;
  readonly muted: number;
  readonly timeToPageMs?: number;
  readonly timeToRecoverMs?: number;
}

/** An alarm (or one contributor of it) in ALARM from `fromMs` to `toMs` (open when absent). */
export interface ReportAlarmSpan {
  readonly alarm: string;
  readonly check?: string;
  readonly fromMs: number;
  readonly toMs?: number;
}

export interface ReportPage {
  readonly atMs: number;
  readonly action: string;
  readonly name: string;
  readonly check?: string;
  readonly text: string;
  /** Not delivered: a maintenance window muted it. */
  readonly muted: boolean;
}

export interface ReportData {
  readonly title: string;
  readonly subtitle: string;
  readonly startMs: number;
  readonly endMs: number;
  /** `relative`: times as T+mm:ss from startMs (the demo's simulated clock); `absolute`: UTC clock times. */
  readonly clock: 'relative' | 'absolute';
  readonly checks: readonly ReportCheck[];
  readonly incidents: readonly ReportIncident[];
  readonly alarmSpans: readonly ReportAlarmSpan[];
  readonly pages: readonly ReportPage[];
  readonly certificates: ReadonlyArray<{ readonly host: string; readonly daysLeft: number; readonly validTo?: string }>;
}

/** One result as the report keeps it. */
export function reportResult(r: CheckResult, atMs = Date.parse(r.startedAt)): ReportResult {
  return {
    atMs,
    outcome: r.outcome,
    ...(r.cause ? { cause: r.cause } : {}),
    ...(r.status !== undefined ? { status: r.status } : {}),
    message: r.message,
    ...(r.certificate ? { daysLeft: r.certificate.daysLeft } : {}),
  };
}

/** The fewest days left each TLS host's certificate showed, from the results. */
export function certificatesOf(results: readonly CheckResult[]): ReportData['certificates'] {
  const byHost = new Map<string, { host: string; daysLeft: number; validTo?: string }>();
  for (const r of results) {
    if (!r.certificate) continue;
    let host: string;
    try {
      host = new URL(r.url).hostname;
    } catch {
      continue;
    }
    const seen = byHost.get(host);
    if (!seen || r.certificate.daysLeft < seen.daysLeft) byHost.set(host, { host, daysLeft: r.certificate.daysLeft, validTo: r.certificate.validTo });
  }
  return [...byHost.values()];
}

/** The report of one `probe --config` run: one result per check, no incident or alarm. */
export function probeReport(results: readonly CheckResult[], source: string, startedAt: Date, endedAt: Date): ReportData {
  const failed = results.filter((r) => !r.ok).length;
  return {
    title: `synthmon probe: ${source}`,
    subtitle: `${results.length} check${results.length === 1 ? '' : 's'}, ${failed ? `${failed} failing` : 'all ok'}, run at ${startedAt.toISOString()}`,
    startMs: startedAt.getTime(),
    endMs: Math.max(endedAt.getTime(), startedAt.getTime() + 1000),
    clock: 'absolute',
    checks: results.map((r) => ({ name: r.check, kind: r.kind, url: r.url, results: [reportResult(r)] })),
    incidents: [],
    alarmSpans: [],
    pages: [],
    certificates: certificatesOf(results),
  };
}
