/** How the benchmark prints: one line at a time to stdout, a heading per section, figures rounded alike. */
import { round } from './stats';

/** Mean, p95 and worst of a time to detect, in seconds. */
export type Stats3 = { readonly meanS: number; readonly p95S: number; readonly worstS: number };

export const pad = (s: string, n: number) => s.padEnd(n);
export const fmt = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : String(n));
export const stats3 = (s: Stats3): Stats3 => ({ meanS: round(s.meanS, 1), p95S: round(s.p95S, 1), worstS: round(s.worstS, 1) });
export const line3 = (s: Stats3) =>
  `mean ${fmt(s.meanS, 1).padStart(5)} s  p95 ${fmt(s.p95S, 1).padStart(5)} s  worst ${fmt(s.worstS, 1).padStart(5)} s`;
/** No goal (null) prints no verdict: a figure shown for context is not a goal met. */
export const verdict = (ok: boolean | null) => (ok === null ? '' : ok ? 'met' : 'MISSED');
export const rate = (n: number) => (n >= 100 ? fmt(n, 0) : n >= 1 ? fmt(n, 1) : fmt(n, 3));

export function log(line = ''): void {
  process.stdout.write(`${line}\n`);
}

export function section(title: string): void {
  log();
  log(`== ${title} ==`);
}
