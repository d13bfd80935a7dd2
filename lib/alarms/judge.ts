/**
 * Judging one series' evaluation range as CloudWatch does (docs/DESIGN.md#alarms; rules 3–6 and 12
 * of ./evaluator.ts): M of N datapoints, missing data treated as the alarm says, and the knowledge-center
 * case of fewer breaching datapoints than M.
 */
import { AlarmState, type Judgement } from './alarm-state';
import type { PeriodValue } from './metric-store';
import type { ComparisonOperator, TreatMissingData } from './model';

const OPERATOR: Readonly<Record<ComparisonOperator, { test: (v: number, t: number) => boolean; text: string }>> = {
  GreaterThanOrEqualToThreshold: { test: (v, t) => v >= t, text: '>=' },
  GreaterThanThreshold: { test: (v, t) => v > t, text: '>' },
  LessThanThreshold: { test: (v, t) => v < t, text: '<' },
  LessThanOrEqualToThreshold: { test: (v, t) => v <= t, text: '<=' },
};

/** How a reason names each treatment of missing data. */
export const TREATED_AS: Readonly<Record<TreatMissingData, string>> = {
  breaching: 'breaching',
  notBreaching: 'not breaching',
  ignore: 'ignored (state kept)',
  missing: 'missing',
};

/** What rules 3–6 need to judge one series. */
export interface Rule {
  readonly n: number;
  readonly m: number;
  readonly treat: TreatMissingData;
  readonly threshold: number;
  readonly op: ComparisonOperator;
  /** The compared value as the reason names it, e.g. `Sum` or `SUM(Failures)`. */
  readonly valueName: string;
  readonly formatTime: (ms: number) => string;
}

/** Rule 3: the range holds no datapoint (for an Insights alarm: the query returned no series). */
export function noDataJudgement(treat: TreatMissingData, why: string): Judgement {
  switch (treat) {
    case 'missing':
      return { state: AlarmState.INSUFFICIENT_DATA, reason: `Insufficient data: ${why}` };
    case 'ignore':
      return { reason: `Unchanged: ${why}` };
    case 'breaching':
      return { state: AlarmState.ALARM, reason: `Threshold crossed: ${why}` };
    case 'notBreaching':
      return { state: AlarmState.OK, reason: `Threshold not crossed: ${why}` };
  }
}

/** Rules 3–6 over one series' evaluation range (oldest period first). */
export function judge(periods: readonly PeriodValue[], rule: Rule): Judgement {
  const { n, m, treat } = rule;
  const range = periods.length;
  const op = OPERATOR[rule.op];
  const real = periods
    .map((p, index) => ({ ...p, age: range - index, breaching: p.value !== undefined && op.test(p.value, rule.threshold) }))
    .filter((p): p is typeof p & { value: number } => p.value !== undefined);
  const cond = `${rule.valueName} ${op.text} ${rule.threshold}`;
  const list = (pts: typeof real) => pts.map((p) => `${round(p.value)} (${rule.formatTime(p.startMs)})`).join(', ');

  if (real.length === 0) return noDataJudgement(treat, `no datapoints in the last ${range} periods; missing data treated as ${TREATED_AS[treat]}`);

  const mOfN = (breaching: number, evaluated: string): Judgement =>
    breaching >= m
      ? {
          state: AlarmState.ALARM,
          reason: `Threshold crossed: ${breaching} of the last ${n} datapoints [${evaluated}] breached ${cond} (needs ${m} of ${n})`,
        }
      : {
          state: AlarmState.OK,
          reason: `Threshold not crossed: ${breaching} of the last ${n} datapoints [${evaluated}] breached ${cond} (needs ${m} of ${n})`,
        };

  if (real.length >= n) {
    const evaluated = real.slice(-n);
    return mOfN(evaluated.filter((p) => p.breaching).length, list(evaluated));
  }

  const fills = n - real.length;
  const breachingReal = real.filter((p) => p.breaching).length;
  const evaluated = `${list(real)}, ${fills} missing treated as ${TREATED_AS[treat]}`;
  switch (treat) {
    case 'breaching':
      return mOfN(breachingReal + fills, evaluated);
    case 'notBreaching':
      return mOfN(breachingReal, evaluated);
    case 'missing':
    case 'ignore': {
      if (breachingReal >= m || breachingReal < real.length) return mOfN(breachingReal, evaluated);
      const oldest = real[0]!;
      if (treat === 'ignore') return { reason: `Unchanged: only breaching datapoints [${evaluated}], fewer than ${m}` };
      return oldest.age >= m
        ? {
            state: AlarmState.ALARM,
            reason: `Threshold crossed: only breaching datapoints [${evaluated}], the oldest ${oldest.age} periods old (>= ${m})`,
          }
        : {
            state: AlarmState.INSUFFICIENT_DATA,
            reason: `Insufficient data: only ${real.length} breaching datapoint(s) [${evaluated}], fewer than ${m}`,
          };
    }
  }
}

/** Rule 12's early end: the N most recent periods of the range all hold a datapoint. */
export function windowFull(periods: readonly PeriodValue[], n: number): boolean {
  return periods.length >= n && periods.slice(-n).every((p) => p.value !== undefined);
}

const round = (v: number) => Math.round(v * 1000) / 1000;
