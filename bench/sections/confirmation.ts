/** How a 10 s check confirms a failure before it pages: three designs and two reference rows, side by side. */
import { parseConfig, type MonitorConfig } from '../../contracts/config';
import { round } from '../stats';
import type { BenchSection, RawConfig } from '../context';
import { GOALS } from '../goals';
import { DEFAULT_BLIP_PARAMS, DEFAULT_MTTD_PARAMS, simulateFalsePages, simulateMttd, type FalsePageStats } from '../mttd';
import { fmt, line3, log, pad, rate, stats3, type Stats3 } from '../print';

/** One design of the fast-check confirmation study: how a 10 s check confirms a failure before it pages. */
interface ConfirmationDesign {
  readonly key: string;
  readonly label: string;
  /** Part of the comparison asked for (a–c), or a reference row. */
  readonly role: 'candidate' | 'reference';
  readonly retryDelayMs: number;
  /** Per-attempt deadline; undefined: the default for 10 s checks (7000 ms). */
  readonly timeoutMs?: number;
  readonly failing: { readonly datapointsToAlarm: number; readonly evaluationPeriods: number };
}

const CONFIRMATION_DESIGNS: readonly ConfirmationDesign[] = [
  // (a) Both attempts and the pause fit in the tick: 2 × (3000 + 1000 settle) + 1000 = 9000 ms < 10 s.
  {
    key: 'inRunRetry1of1',
    label: '(a) in-run retry 1 s, Failing 1 of 1',
    role: 'candidate',
    retryDelayMs: 1000,
    timeoutMs: 3000,
    failing: { datapointsToAlarm: 1, evaluationPeriods: 1 },
  },
  {
    key: 'noRetry2of3',
    label: '(b) no retry, Failing 2 of 3 ticks',
    role: 'candidate',
    retryDelayMs: 0,
    failing: { datapointsToAlarm: 2, evaluationPeriods: 3 },
  },
  {
    key: 'noRetry1of1',
    label: '(c) no retry, Failing 1 of 1',
    role: 'candidate',
    retryDelayMs: 0,
    failing: { datapointsToAlarm: 1, evaluationPeriods: 1 },
  },
  {
    key: 'inRunRetry2of3',
    label: 'in-run retry 1 s, Failing 2 of 3',
    role: 'reference',
    retryDelayMs: 1000,
    timeoutMs: 3000,
    failing: { datapointsToAlarm: 2, evaluationPeriods: 3 },
  },
];

export interface ConfirmationResult {
  readonly label: string;
  readonly role: ConfirmationDesign['role'];
  readonly retryDelayMs: number;
  readonly timeoutMs: number;
  readonly failing: string;
  readonly forbidden: Stats3;
  readonly timeout: Stats3;
  /** Per check-month, blips read as `reset` (only Failing can page) and as `refused` (the Refused class too). */
  readonly falsePagesPerCheckMonth: { readonly reset: number; readonly refused: number };
  readonly falseIncidentsPerCheckMonth: { readonly reset: number; readonly refused: number };
}

function designConfig(raw: RawConfig, d: ConfirmationDesign): MonitorConfig {
  return parseConfig({
    ...raw,
    intervalSeconds: 10,
    checks: raw.checks.map((c) => ({ ...c, retryDelayMs: d.retryDelayMs, ...(d.timeoutMs !== undefined ? { timeoutMs: d.timeoutMs } : {}) })),
    // The fast check's own Failing alarm (alarms.fastFailing); alarms.failing drives the 60 s ones.
    alarms: { fastFailing: d.failing },
  });
}

/** The three confirmation designs for 10 s checks (and two reference rows), side by side. */
function confirmationStudy(raw: RawConfig, quick: boolean): Record<string, ConfirmationResult> {
  const out: Record<string, ConfirmationResult> = {};
  const trials = quick ? 300 : 2000;
  const blip = quick ? { checkMonths: 50, sampledClusters: 40 } : {};
  log(
    `p = ${DEFAULT_BLIP_PARAMS.attemptFailureP} per attempt, independent, blips shorter than 1 s; ingestion ${DEFAULT_MTTD_PARAMS.ingestionDelayS.join('–')} s; ${trials} regressions per row`,
  );
  log(`${pad('design', 40)} ${pad('forbidden regression', 42)} ${pad('timeout regression', 42)} false pages / check-month (reset | refused blips)`);
  for (const d of CONFIRMATION_DESIGNS) {
    const config = designConfig(raw, d);
    const forbidden = simulateMttd({ name: d.key, config, regression: 'forbidden' }, { trials });
    const timeout = simulateMttd({ name: d.key, config, regression: 'timeout' }, { trials: Math.ceil(trials / 2) });
    const reset: FalsePageStats = simulateFalsePages(config, { ...blip, outcome: 'reset' });
    const refused: FalsePageStats = simulateFalsePages(config, { ...blip, outcome: 'refused' });
    out[d.key] = {
      label: d.label,
      role: d.role,
      retryDelayMs: d.retryDelayMs,
      timeoutMs: config.checks[0]!.timeoutMs,
      failing: `${d.failing.datapointsToAlarm} of ${d.failing.evaluationPeriods}`,
      forbidden: stats3(forbidden),
      timeout: stats3(timeout),
      falsePagesPerCheckMonth: { reset: round(reset.pagesPerCheckMonth, 2), refused: round(refused.pagesPerCheckMonth, 2) },
      falseIncidentsPerCheckMonth: { reset: round(reset.incidentsPerCheckMonth, 2), refused: round(refused.incidentsPerCheckMonth, 2) },
    };
    log(
      `${pad(d.label, 40)} ${pad(line3(forbidden), 42)} ${pad(line3(timeout), 42)} ${rate(reset.pagesPerCheckMonth)} | ${rate(refused.pagesPerCheckMonth)}` +
        ` (incidents ${rate(reset.incidentsPerCheckMonth)} | ${rate(refused.incidentsPerCheckMonth)}; failed ticks ${rate(reset.failedTicksPerCheckMonth)})`,
    );
    if (forbidden.falseAlarms + timeout.falseAlarms > 0 || forbidden.undetected + timeout.undetected > 0) {
      log(`  ! false alarms ${forbidden.falseAlarms + timeout.falseAlarms}, undetected ${forbidden.undetected + timeout.undetected}`);
    }
  }
  return out;
}

/**
 * The recommendation: among the candidates whose time to detect meets the goals (mean ≤ 20 s and
 * worst ≤ 40 s for a forbidden regression), the fewest false pages under reset blips.
 */
function recommend(designs: Record<string, ConfirmationResult>): string {
  const ok = Object.entries(designs).filter(
    ([, d]) => d.role === 'candidate' && d.forbidden.meanS <= GOALS.fastMttdMeanS && d.forbidden.worstS <= GOALS.fastMttdWorstS,
  );
  const pool = ok.length ? ok : Object.entries(designs).filter(([, d]) => d.role === 'candidate');
  return pool.sort(([, a], [, b]) => a.falsePagesPerCheckMonth.reset - b.falsePagesPerCheckMonth.reset)[0]![0];
}

export interface ConfirmationFound {
  readonly designs: Record<string, ConfirmationResult>;
  readonly recommended: string;
}

export const confirmationSection: BenchSection<'confirmation', ConfirmationFound> = {
  key: 'confirmation',
  heading: 'fast-check confirmation (a failing fast check retried before it counts): 10 s checks of config/default.json',
  run({ raw, quick }) {
    const designs = confirmationStudy(raw, quick);
    const recommended = recommend(designs);
    const r = designs[recommended]!;
    log(
      `recommended: ${r.label} — forbidden mean ${fmt(r.forbidden.meanS, 1)} s, worst ${fmt(r.forbidden.worstS, 1)} s; ` +
        `${rate(r.falsePagesPerCheckMonth.reset)} false pages per check-month at p = ${DEFAULT_BLIP_PARAMS.attemptFailureP} (they scale with p²)`,
    );
    return { designs, recommended };
  },
};
