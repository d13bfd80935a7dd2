/**
 * One self-contained HTML page from a ReportData (docs/DESIGN.md#reports): inline CSS and SVG, no
 * script, no external URL of any kind (a Content-Security-Policy forbids loading anything), so it
 * opens offline, from a CI artifact or an email. Every text is escaped; a scrub function given by
 * the caller (the CLI's token masking) runs on every text before that.
 */
import type { Outcome } from '../../contracts/outcomes';
import type { ReportAlarmSpan, ReportCheck, ReportData, ReportIncident, ReportPage } from './report';

/** Outcome classes and their colours: what broke, at a glance. */
export const OUTCOME_CLASS: Readonly<Record<Outcome, 'ok' | 'network' | 'auth' | 'http' | 'monitor'>> = {
  ok: 'ok',
  refused: 'network',
  dns: 'network',
  timeout: 'network',
  tls: 'network',
  reset: 'network',
  closed: 'network',
  forbidden: 'auth',
  unauthorized: 'auth',
  not_found: 'http',
  server_error: 'http',
  unexpected_status: 'http',
  assertion: 'http',
  error: 'monitor',
};
const CLASS_LABEL = {
  ok: 'ok',
  network: 'network (refused, dns, timeout, tls, reset, closed)',
  auth: 'auth (forbidden, unauthorized)',
  http: 'HTTP (not found, 5xx, status, assertion)',
  monitor: 'monitor error',
} as const;

/** Escape for HTML text and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const CSS = `
:root{--ok:#2e9d57;--network:#d64545;--auth:#e08a1e;--http:#b8860b;--monitor:#7b52c7;--alarm:#c62828;--muted:#9e9e9e;--fg:#1d2430;--bg:#fff;--line:#e3e6ea}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:1200px;margin:0 auto;padding:16px}h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 8px}p.sub{margin:0;color:#566}
.legend{display:flex;flex-wrap:wrap;gap:6px 14px;margin:12px 0;font-size:12px}.legend span{display:inline-flex;align-items:center;gap:5px}
.sw{display:inline-block;width:12px;height:12px;border-radius:2px}.ok{background:var(--ok)}.network{background:var(--network)}.auth{background:var(--auth)}.http{background:var(--http)}.monitor{background:var(--monitor)}.alarm{background:var(--alarm)}.mutedsw{background:var(--muted)}
svg{width:100%;height:auto;display:block;border:1px solid var(--line);border-radius:6px}svg text{font:11px system-ui,sans-serif;fill:var(--fg)}
.scroll{overflow-x:auto}table{border-collapse:collapse;width:100%;font-size:13px}th,td{text-align:left;padding:5px 8px;border-bottom:1px solid var(--line);vertical-align:top}th{background:#f6f7f9;font-weight:600}
td.t{white-space:nowrap;font-variant-numeric:tabular-nums}.pill{display:inline-block;padding:0 6px;border-radius:9px;color:#fff;font-size:12px;white-space:nowrap}.pill.muted{background:var(--muted)}
.msg{color:#445;word-break:break-word;min-width:18em}
@media (max-width:600px){main{padding:10px}h1{font-size:17px}th,td{padding:4px 5px}}
`;

/** Render the report as one HTML document. */
export function renderReportHtml(data: ReportData, scrub: (text: string) => string = (t) => t): string {
  const e = (text: string) => escapeHtml(scrub(text));
  const time = timeFormat(data);
  const classes = Object.keys(CLASS_LABEL) as Array<keyof typeof CLASS_LABEL>;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${e(data.title)}</title><style>${CSS}</style></head>
<body><main>
<h1>${e(data.title)}</h1><p class="sub">${e(data.subtitle)}</p>
<div class="legend">${classes.map((c) => `<span><i class="sw ${c}"></i>${e(CLASS_LABEL[c])}</span>`).join('')}<span><i class="sw alarm"></i>alarm in ALARM</span><span><i class="sw mutedsw"></i>muted / planned</span></div>
<h2>Timeline</h2>
${timelineSvg(data, e, time)}
${data.incidents.length ? incidentsTable(data.incidents, e, time) : ''}
${data.pages.length ? pagesTable(data.pages, e, time) : ''}
${checksTable(data.checks, e, time)}
${data.certificates.length ? `<h2>Certificates</h2><div class="scroll"><table><tr><th>host</th><th>days left</th><th>valid to</th></tr>${data.certificates.map((c) => `<tr><td>${e(c.host)}</td><td>${c.daysLeft}</td><td class="t">${e(c.validTo ?? '')}</td></tr>`).join('')}</table></div>` : ''}
</main></body></html>
`;
}

function timeFormat(data: ReportData): (ms: number) => string {
  if (data.clock === 'absolute') return (ms) => new Date(ms).toISOString().slice(11, 19);
  return (ms) => {
    const s = Math.max(0, Math.round((ms - data.startMs) / 1000));
    return `T+${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
  };
}

/** `3m05s` */
function duration(ms: number | undefined): string {
  if (ms === undefined) return '—';
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

const LABEL_W = 170;
const WIDTH = 1000;
const ROW = 28;

/** The SVG timeline: incidents on top, then per check its results and, under them, its alarm spans. */
function timelineSvg(data: ReportData, e: (t: string) => string, time: (ms: number) => string): string {
  const span = Math.max(1, data.endMs - data.startMs);
  const x = (ms: number) => LABEL_W + ((Math.min(Math.max(ms, data.startMs), data.endMs) - data.startMs) / span) * (WIDTH - LABEL_W - 10);
  const parts: string[] = [];
  let y = 8;
  if (data.incidents.length) {
    parts.push(`<text x="6" y="${y + 14}">incidents</text>`);
    for (const i of data.incidents) {
      parts.push(
        `<rect x="${x(i.startMs).toFixed(1)}" y="${y + 3}" width="${Math.max(2, x(i.endMs) - x(i.startMs)).toFixed(1)}" height="16" rx="3" fill="${i.planned ? 'var(--muted)' : 'var(--alarm)'}" fill-opacity="0.8"><title>${e(`${i.label}: ${time(i.startMs)} to ${time(i.endMs)}`)}</title></rect>`,
      );
    }
    y += ROW;
  }
  for (const check of data.checks) {
    parts.push(
      checkRow(
        check,
        data.alarmSpans.filter((s) => s.check === check.name),
        y,
        x,
        e,
        time,
        data.endMs,
      ),
    );
    y += ROW + 8;
  }
  const hostSpans = data.alarmSpans.filter((s) => !s.check);
  if (hostSpans.length) {
    parts.push(`<text x="6" y="${y + 12}">other alarms</text>`);
    parts.push(...hostSpans.map((s) => spanRect(s, y + 5, x, e, time, data.endMs)));
    y += ROW;
  }
  // The time axis: five ticks.
  for (let k = 0; k <= 4; k++) {
    const ms = data.startMs + (span * k) / 4;
    parts.push(
      `<line x1="${x(ms).toFixed(1)}" x2="${x(ms).toFixed(1)}" y1="4" y2="${y}" stroke="#e3e6ea"/><text x="${x(ms).toFixed(1)}" y="${y + 14}" text-anchor="${k === 4 ? 'end' : k === 0 ? 'start' : 'middle'}">${e(time(ms))}</text>`,
    );
  }
  y += 22;
  return `<svg viewBox="0 0 ${WIDTH} ${y}" role="img" aria-label="timeline of check results, incidents and alarms">${parts.join('')}</svg>`;
}

function checkRow(
  check: ReportCheck,
  spans: readonly ReportAlarmSpan[],
  y: number,
  x: (ms: number) => number,
  e: (t: string) => string,
  time: (ms: number) => string,
  endMs: number,
): string {
  const parts = [`<text x="6" y="${y + 14}">${e(check.name)}</text>`];
  const results = [...check.results].sort((a, b) => a.atMs - b.atMs);
  // Each result lasts until the next; the last one as long as the typical gap (a single one: to the end).
  const gap = results.length > 1 ? (results.at(-1)!.atMs - results[0]!.atMs) / (results.length - 1) : endMs - (results[0]?.atMs ?? endMs);
  results.forEach((r, i) => {
    const next = results[i + 1]?.atMs ?? r.atMs + gap;
    const from = x(r.atMs);
    const width = Math.max(3, x(next) - from - 0.5);
    const what = `${time(r.atMs)} ${check.name}: ${r.outcome}${r.cause ? ` (${r.cause})` : ''}${r.status !== undefined ? ` HTTP ${r.status}` : ''}${r.daysLeft !== undefined ? `, certificate ${r.daysLeft} days left` : ''} — ${r.message}`;
    parts.push(
      `<rect x="${from.toFixed(1)}" y="${y}" width="${width.toFixed(1)}" height="16" fill="var(--${OUTCOME_CLASS[r.outcome]})"><title>${e(what)}</title></rect>`,
    );
  });
  parts.push(...spans.map((s) => spanRect(s, y + 19, x, e, time, endMs)));
  return parts.join('');
}

function spanRect(
  s: ReportAlarmSpan,
  y: number,
  x: (ms: number) => number,
  e: (t: string) => string,
  time: (ms: number) => string,
  endMs: number,
): string {
  const to = s.toMs ?? endMs;
  const label = `${s.alarm}${s.check ? ` (${s.check})` : ''} in ALARM ${time(s.fromMs)} to ${s.toMs !== undefined ? time(s.toMs) : 'the end'}`;
  return `<rect x="${x(s.fromMs).toFixed(1)}" y="${y}" width="${Math.max(2, x(to) - x(s.fromMs)).toFixed(1)}" height="5" rx="2" fill="var(--alarm)"><title>${e(label)}</title></rect>`;
}

function incidentsTable(incidents: readonly ReportIncident[], e: (t: string) => string, time: (ms: number) => string): string {
  const rows = incidents.map(
    (i) =>
      `<tr><td>${e(i.label)}${i.planned ? ' <span class="pill muted">maintenance</span>' : ''}</td><td class="t">${e(time(i.startMs))}–${e(time(i.endMs))}</td>` +
      `<td>${i.notifications}${i.muted ? ` (${i.muted} muted)` : ''}</td><td class="t">${duration(i.timeToPageMs)}</td><td class="t">${duration(i.timeToRecoverMs)}</td></tr>`,
  );
  return `<h2>Incidents</h2><div class="scroll"><table><tr><th>incident</th><th>when</th><th>notifications</th><th>time to page</th><th>time to recover</th></tr>${rows.join('')}</table></div>`;
}

function pagesTable(pages: readonly ReportPage[], e: (t: string) => string, time: (ms: number) => string): string {
  const rows = pages.map((p) => {
    const colour = p.muted ? 'var(--muted)' : p.action === 'ALARM' || p.action === 'trigger' ? 'var(--alarm)' : 'var(--ok)';
    return `<tr><td class="t">${e(time(p.atMs))}</td><td><span class="pill" style="background:${colour}">${e(p.muted ? `${p.action} (muted)` : p.action)}</span></td><td>${e(p.name)}${p.check && !p.name.endsWith(p.check) ? ` · ${e(p.check)}` : ''}</td><td class="msg">${e(p.text)}</td></tr>`;
  });
  return `<h2>Pages</h2><div class="scroll"><table><tr><th>time</th><th>action</th><th>alarm / incident</th><th>text</th></tr>${rows.join('')}</table></div>`;
}

function checksTable(checks: readonly ReportCheck[], e: (t: string) => string, time: (ms: number) => string): string {
  const rows = checks.map((c) => {
    const last = c.results.at(-1);
    const outcome = last
      ? `<span class="pill" style="background:var(--${OUTCOME_CLASS[last.outcome]})">${e(last.outcome)}${last.cause ? ` (${e(last.cause)})` : ''}</span>`
      : '';
    // Every outcome the check reported, with how often: the timeline's colours in words.
    const seen = new Map<string, { outcome: Outcome; n: number }>();
    for (const r of c.results) {
      const key = r.cause ? `${r.outcome} (${r.cause})` : r.outcome;
      seen.set(key, { outcome: r.outcome, n: (seen.get(key)?.n ?? 0) + 1 });
    }
    const outcomes = [...seen]
      .map(([key, v]) => `<span class="pill" style="background:var(--${OUTCOME_CLASS[v.outcome]})">${e(key)} ×${v.n}</span>`)
      .join(' ');
    return `<tr><td>${e(c.name)}</td><td>${e(c.kind)}</td><td>${outcome}</td><td class="t">${last ? e(time(last.atMs)) : ''}</td><td>${outcomes}</td><td class="msg">${last ? e(last.message) : ''}</td></tr>`;
  });
  return `<h2>Checks</h2><div class="scroll"><table><tr><th>check</th><th>kind</th><th>last outcome</th><th>at</th><th>outcomes seen</th><th>last message</th></tr>${rows.join('')}</table></div>`;
}
