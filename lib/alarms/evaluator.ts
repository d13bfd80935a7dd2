/**
 * A local alarm evaluator with CloudWatch's semantics (docs/DESIGN.md#alarms), so the demo, the tests and the
 * benchmark show when each alarm the stack deploys (./model.ts) would fire and notify, without AWS.
 *
 * Single-metric alarms follow the CloudWatch User Guide, "Evaluating an alarm" and "Configuring how
 * CloudWatch alarms treat missing data" (awsdocs/amazon-cloudwatch-user-guide, doc_source/AlarmThatSendsEmail.md),
 * plus the knowledge-center article "Why did my CloudWatch alarm send me a notification after a
 * single breached data point?" for the one case the tables show but the prose does not explain:
 *
 * 1. Datapoints are aggregated per period (aligned on the epoch) with the alarm's statistic, over the
 *    metric that matches namespace, name and the exact dimension set.
 * 2. Each evaluation retrieves an *evaluation range* of complete periods, longer than N (the
 *    evaluation periods): the docs' example retrieves 5 for N = 3. The real length "depends on the
 *    period"; N + 2 is assumed here and can be overridden.
 * 3. No datapoint in the range: missing → INSUFFICIENT_DATA, ignore → keep the state, breaching →
 *    ALARM, notBreaching → OK.
 * 4. At least N real datapoints: the N most recent real ones are evaluated; missing periods between
 *    them are skipped and the treatment is not used.
 * 5. Fewer than N: all real ones are evaluated, and the rest is filled with the treatment
 *    (breaching / notBreaching). With missing / ignore nothing is filled: ALARM when at least M real
 *    ones breach, OK when any real one does not; when the real ones all breach but are fewer than M,
 *    missing → ALARM if the oldest breaching datapoint is at least M periods old (the knowledge-center
 *    case, row "X - - - -" of the docs' table), else INSUFFICIENT_DATA; ignore keeps the state.
 * 6. Otherwise ALARM when at least M (datapoints to alarm) of the N evaluated datapoints breach, else OK.
 *
 * Resolution and cadence (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-evaluation.html):
 * 7. "If the alarm period is 10 seconds, 20 seconds, or 30 seconds, the alarm is evaluated every 10
 *    seconds"; "For any period of one minute or longer, an alarm is evaluated every minute". Only
 *    complete periods count. A datum published without StorageResolution 1 is stored at one-minute
 *    granularity, so a 10 s alarm sees it in the period that starts the minute and misses the others
 *    (PutMetricAlarm, Period: a 10/20/30 s alarm on a metric without sub-minute resolution "does not
 *    receive data for the attempts that do not correspond to a one-minute data resolution").
 *
 * Metrics Insights multi-time-series alarms (InsightsAlarmDefinition):
 * 8. The query is run over the evaluation range, clipped to the last 3 hours ("Only the latest 3 hours
 *    of data can be used for evaluating the alarm's conditions" —
 *    https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-limits.html): series with
 *    exactly the SCHEMA dimension keys and the WHERE values, grouped by the GROUP BY dimension, each
 *    group aggregated per period; groups ordered by the aggregate over the range, at most LIMIT.
 * 9. Every group (contributor) is judged with rules 3–6 on its own, but "each time series
 *    (contributor) can only be in ALARM or OK state, never in INSUFFICIENT_DATA state. This is because
 *    a time series only exists when data is present"
 *    (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Acting_Alarm_Changes.html): a
 *    contributor with no data in the range is gone (back to OK if it was in ALARM), and a judgement of
 *    INSUFFICIENT_DATA / unchanged keeps the contributor's state. "Alarms evaluating multiple time
 *    series will limit the number of contributors in ALARM to 100" (alarm-limits.html).
 * 10. The alarm is in ALARM while any contributor is: "as soon as at least one contributor is in alarm,
 *    the alarm also enters the alarm state"
 *    (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/multi-time-series-alarm.html);
 *    otherwise OK while the query returns series. When it returns none, rule 3 applies at the alarm
 *    level (the query's "no datapoint in the range"): notBreaching → OK, missing → INSUFFICIENT_DATA,
 *    ignore → keep, breaching → ALARM (an assumption: the docs describe only the contributors).
 *    So a new alarm leaves INSUFFICIENT_DATA at its first evaluation like any PutMetricAlarm alarm:
 *    "the alarm state is immediately set to INSUFFICIENT_DATA… The alarm is then evaluated and its
 *    state is set appropriately" (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html).
 *
 * Notifications and warm-up:
 * 11. Every state change is a transition; "Any actions associated with the new state are then
 *    executed", so INSUFFICIENT_DATA → OK runs the OK actions (a notification when OK actions are
 *    configured). SNS notifications go out at alarm level and at contributor level (Acting_Alarm_Changes.html),
 *    so an Insights alarm returns one transition per contributor change plus one for the alarm itself.
 * 12. Warm-up (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarm-warm-up.html):
 *    "During warm-up, the alarm stays in INSUFFICIENT_DATA and does not perform alarm actions" — no
 *    evaluation, no transition, no contributor. With OnlyStartEvaluatingAfterWarmUpPeriodEnds at its
 *    default (false) "the alarm ends warm-up early. Evaluation begins as soon as enough data fills its
 *    evaluation window": modelled as the N most recent complete periods all holding a datapoint (for
 *    an Insights alarm: of one contributor). "Warm-up applies only once at alarm creation and does not
 *    restart." The evaluation that ends warm-up is an ordinary one: its INSUFFICIENT_DATA → OK is a
 *    state change after warm-up, and the docs skip actions only *during* warm-up, so it is recorded and
 *    notifies. Warm-up therefore removes the false ALARM (and its OK) of an alarm created before its
 *    data exists (a Silent alarm treating missing data as breaching), not the INSUFFICIENT_DATA → OK
 *    of each new alarm: the monitor's alarms have no actions, and its notification rule does not
 *    forward that transition (./events.ts; test/alarms/notifications.test.ts).
 *
 * Metric math alarms (MathAlarmDefinition):
 * 13. `a - b` of two metric queries is computed per period where both have a value, then judged
 *    like a single metric with rules 3–7. Only this form is modelled, and the stack uses it only on
 *    two statistics of one metric (SampleCount and Sum of Success), so a period holds both values or
 *    neither: how CloudWatch pairs two unrelated series' timestamps is never exercised. Sub-minute
 *    periods are allowed in a math alarm's queries: "For high-resolution metrics … the period can be
 *    1, 5, 10, 20, 30, 60, or any multiple of 60" (AWS::CloudWatch::Alarm MetricStat, Period,
 *    https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-cloudwatch-alarm-metricstat.html).
 *
 * Ingestion delay: a datapoint counts only once visible (`PutOptions.visibleAtMs`).
 *
 * The rules live beside this file: ./metric-store.ts stores and aggregates datapoints (1, 7, 8),
 * ./judge.ts judges a series (3–6, and 12's full window), ./contributors.ts the contributors of an
 * Insights alarm (9, 10), ./definition-problems.ts lists what CloudWatch would reject, and
 * ./alarm-state.ts holds the states and transitions. This file keeps an alarm's state, cadence,
 * warm-up and history (7, 11, 12, 13), and re-exports the public API.
 */
import { Dimension } from '../../contracts/metrics';
import { alarmPeriodSeconds, parseMathExpression, type AlarmDefinition, type InsightsAlarmDefinition } from './model';
import { AlarmState, type AlarmTransition, type ContributorStatus, type Judgement } from './alarm-state';
import { INSIGHTS_LOOKBACK_MS, judgeContributors } from './contributors';
import { definitionProblems, InvalidAlarmDefinitionError } from './definition-problems';
import { judge, windowFull, type Rule } from './judge';
import type { InsightsGroup, MetricStore, PeriodRange } from './metric-store';

export { AlarmState, type AlarmTransition, type ContributorState, type ContributorStatus } from './alarm-state';
export { MetricStore, type InsightsGroup, type PeriodRange, type PeriodValue, type PutOptions } from './metric-store';
export { MAX_CONTRIBUTORS_IN_ALARM, MAX_INSIGHTS_SERIES } from './contributors';
export { InvalidAlarmDefinitionError } from './definition-problems';

const MINUTE_MS = 60_000;
const mod = (a: number, b: number) => ((a % b) + b) % b;

export interface EvaluatorOptions {
  /**
   * Periods retrieved per evaluation (CloudWatch's "evaluation range"); must be at least N.
   * @default - evaluationPeriods + 2 (the docs' example retrieves 5 datapoints for N = 3)
   */
  readonly evaluationRangePeriods?: number;
  /** How period start times read in `reason`. @default - HH:MM in UTC, HH:MM:SS for periods under a minute */
  readonly formatTime?: (ms: number) => string;
  /**
   * When the alarm was created (the deploy): no evaluation before it, and warm-up runs from it.
   * @default - the time of the first `evaluate` call (a new alarm, as after a deploy)
   */
  readonly createdAtMs?: number;
  /**
   * Where in its cadence (every 10 s or every minute) CloudWatch evaluates this alarm: evaluations
   * are due at `evaluationOffsetMs` past each 10 s / minute boundary. Must be below the cadence.
   * @default 0
   */
  readonly evaluationOffsetMs?: number;
}

/** Evaluates one alarm definition against a MetricStore, keeping state and history like CloudWatch. */
export class AlarmEvaluator {
  /** Current state; CloudWatch creates alarms in INSUFFICIENT_DATA. */
  state: AlarmState = AlarmState.INSUFFICIENT_DATA;
  /** Why the last evaluation reached (or kept) the state. */
  stateReason = 'Unchecked: initial alarm creation';
  /** Every state change so far (alarm and contributor level), oldest first. */
  readonly transitions: AlarmTransition[] = [];
  /** Periods retrieved per evaluation. */
  readonly evaluationRangePeriods: number;
  /** How often CloudWatch evaluates this alarm: 10 s for 10/20/30 s periods, else 60 s (rule 7). */
  readonly evaluationIntervalMs: number;
  readonly evaluationOffsetMs: number;
  /** Creation time; set by the first `evaluate` when not given. */
  createdAtMs: number | undefined;
  /** When warm-up ended (rule 12); undefined while warming up or without warm-up. */
  warmUpEndedAtMs: number | undefined;
  /**
   * Insights alarms: groups the last evaluation dropped because the query's LIMIT kept only the
   * first `limit` (ordered by the aggregate, descending). With LIMIT ≤ 500 CloudWatch does not flag
   * these as PARTIAL_DATA; surfaced here so a test or the bench can see them.
   */
  droppedByLimit = 0;
  /** Insights alarms: contributors the last evaluation kept in OK only because 100 were already in ALARM. */
  cappedContributors = 0;
  private readonly contributorStates = new Map<string, ContributorStatus>();
  private readonly formatTime: (ms: number) => string;
  private readonly periodMs: number;

  constructor(
    readonly definition: AlarmDefinition,
    options: EvaluatorOptions = {},
  ) {
    this.evaluationRangePeriods = options.evaluationRangePeriods ?? definition.evaluationPeriods + 2;
    const problems = definitionProblems(definition, this.evaluationRangePeriods);
    const periodSeconds = alarmPeriodSeconds(definition);
    this.periodMs = periodSeconds * 1000;
    this.evaluationIntervalMs = periodSeconds < 60 ? 10_000 : MINUTE_MS;
    this.evaluationOffsetMs = options.evaluationOffsetMs ?? 0;
    if (!(this.evaluationOffsetMs >= 0 && this.evaluationOffsetMs < this.evaluationIntervalMs)) {
      problems.push(`evaluationOffsetMs must be from 0 to below ${this.evaluationIntervalMs}, got ${this.evaluationOffsetMs}`);
    }
    if (options.createdAtMs !== undefined && !Number.isFinite(options.createdAtMs))
      problems.push(`createdAtMs must be a finite time, got ${options.createdAtMs}`);
    if (problems.length > 0) throw new InvalidAlarmDefinitionError(definition.id, problems);
    this.createdAtMs = options.createdAtMs;
    this.formatTime = options.formatTime ?? ((ms) => new Date(ms).toISOString().slice(11, periodSeconds < 60 ? 19 : 16));
  }

  /** Insights alarms: the contributors the query returned at the last evaluation (empty for a single-metric alarm). */
  get contributors(): ReadonlyMap<string, ContributorStatus> {
    return this.contributorStates;
  }

  /** Whether CloudWatch evaluates this alarm at `nowMs` (its cadence and offset, and the alarm exists). */
  isDue(nowMs: number): boolean {
    if (this.createdAtMs !== undefined && nowMs < this.createdAtMs) return false;
    return mod(nowMs - this.evaluationOffsetMs, this.evaluationIntervalMs) === 0;
  }

  /** Every time in [fromMs, toMs] at which CloudWatch evaluates this alarm, ascending. */
  evaluationTimes(fromMs: number, toMs: number): number[] {
    const interval = this.evaluationIntervalMs;
    const start = Math.max(fromMs, this.createdAtMs ?? fromMs);
    const out: number[] = [];
    for (let t = start + mod(this.evaluationOffsetMs - start, interval); t <= toMs; t += interval) out.push(t);
    return out;
  }

  /**
   * Evaluate at `nowMs` over the complete periods before it, whatever the cadence (`evaluateAll`
   * and `evaluateBetween` keep CloudWatch's). Returns the state changes (also recorded in
   * `transitions`): for an Insights alarm the contributor changes first, then the alarm's own.
   */
  evaluate(store: MetricStore, nowMs: number): AlarmTransition[] {
    this.createdAtMs ??= nowMs;
    if (nowMs < this.createdAtMs) return [];
    const d = this.definition;
    // Only complete periods count: the one containing `nowMs` is still filling.
    const toMs = Math.floor(nowMs / this.periodMs) * this.periodMs;
    let fromMs = toMs - this.evaluationRangePeriods * this.periodMs;
    if (d.type === 'insights') fromMs = Math.max(fromMs, Math.ceil((nowMs - INSIGHTS_LOOKBACK_MS) / this.periodMs) * this.periodMs);
    const range = { fromMs, toMs, nowMs };

    if (d.type === 'metric') {
      const periods = store.periodValues(d.metric, range);
      if (this.warmingUp(nowMs, windowFull(periods, d.evaluationPeriods))) return [];
      return this.setState(judge(periods, this.rule(d.metric.statistic)), nowMs);
    }
    if (d.type === 'math') {
      // Rule 13: a - b per period, where both queries have a value.
      const { minuend, subtrahend } = parseMathExpression(d.expression)!;
      const a = store.periodValues(d.metrics[minuend]!, range);
      const b = store.periodValues(d.metrics[subtrahend]!, range);
      const periods = a.map((p, i) =>
        p.value !== undefined && b[i]!.value !== undefined ? { startMs: p.startMs, value: p.value - b[i]!.value! } : { startMs: p.startMs },
      );
      if (this.warmingUp(nowMs, windowFull(periods, d.evaluationPeriods))) return [];
      return this.setState(judge(periods, this.rule(d.label)), nowMs);
    }
    const groups = store.queryInsights(d.select, { ...range, periodSeconds: d.periodSeconds });
    if (
      this.warmingUp(
        nowMs,
        groups.some((g) => windowFull(g.periods, d.evaluationPeriods)),
      )
    )
      return [];
    return this.evaluateInsights(d, groups, range, nowMs);
  }

  /** Rule 12: true (and nothing happens) while the alarm is in warm-up at `nowMs`. */
  private warmingUp(nowMs: number, windowIsFull: boolean): boolean {
    const minutes = this.definition.warmUpMinutes;
    if (minutes === undefined || this.warmUpEndedAtMs !== undefined) return false;
    const endsAtMs = this.createdAtMs! + minutes * MINUTE_MS;
    if (nowMs < endsAtMs && !windowIsFull) {
      this.stateReason = `Warm-up: in INSUFFICIENT_DATA without actions until ${this.formatTime(endsAtMs)} or until data fills the last ${this.definition.evaluationPeriods} periods`;
      return true;
    }
    this.warmUpEndedAtMs = nowMs;
    return false;
  }

  private rule(valueName: string): Rule {
    const d = this.definition;
    return {
      n: d.evaluationPeriods,
      m: d.datapointsToAlarm,
      treat: d.treatMissingData,
      threshold: d.threshold,
      op: d.comparisonOperator,
      valueName,
      formatTime: this.formatTime,
    };
  }

  private evaluateInsights(d: InsightsAlarmDefinition, groups: readonly InsightsGroup[], range: PeriodRange, nowMs: number): AlarmTransition[] {
    const judged = judgeContributors({
      select: d.select,
      treatMissingData: d.treatMissingData,
      groups,
      rule: this.rule(`${d.select.aggregate}(${d.select.metricName})`),
      states: this.contributorStates,
      periods: Math.round((range.toMs - range.fromMs) / this.periodMs),
      nowMs,
    });
    this.droppedByLimit = judged.droppedByLimit;
    this.cappedContributors = judged.cappedContributors;
    const out = judged.changes.map((change) => this.record(change, nowMs));
    return [...out, ...this.setState(judged.judgement, nowMs)];
  }

  private setState(judgement: Judgement, nowMs: number): AlarmTransition[] {
    this.stateReason = judgement.reason;
    if (judgement.state === undefined || judgement.state === this.state) return [];
    const t = this.record({ from: this.state, to: judgement.state, reason: judgement.reason }, nowMs);
    this.state = judgement.state;
    return [t];
  }

  private record(change: { from: AlarmState; to: AlarmState; reason: string; contributor?: string }, nowMs: number): AlarmTransition {
    const d = this.definition;
    const check =
      d.type !== 'insights' ? d.check : change.contributor !== undefined && d.select.groupBy === Dimension.CHECK ? change.contributor : undefined;
    const t: AlarmTransition = {
      alarm: d.id,
      class: d.class,
      ...(check !== undefined ? { check } : {}),
      ...(change.contributor !== undefined ? { contributor: change.contributor } : {}),
      from: change.from,
      to: change.to,
      atMs: nowMs,
      reason: change.reason,
    };
    this.transitions.push(t);
    return t;
  }
}

/**
 * Evaluate, at `nowMs`, every alarm CloudWatch evaluates then (see `AlarmEvaluator.isDue`: 10 s
 * alarms every 10 s, the others every minute); returns the transitions in the evaluators' order.
 */
export function evaluateAll(evaluators: readonly AlarmEvaluator[], store: MetricStore, nowMs: number): AlarmTransition[] {
  const out: AlarmTransition[] = [];
  for (const e of evaluators) if (e.isDue(nowMs)) out.push(...e.evaluate(store, nowMs));
  return out;
}

/** Evaluate every alarm at each of its evaluation times in [fromMs, toMs], in time order; returns the transitions. */
export function evaluateBetween(evaluators: readonly AlarmEvaluator[], store: MetricStore, fromMs: number, toMs: number): AlarmTransition[] {
  const times = [...new Set(evaluators.flatMap((e) => e.evaluationTimes(fromMs, toMs)))].sort((a, b) => a - b);
  return times.flatMap((t) => evaluateAll(evaluators, store, t));
}
