/**
 * The states of a CloudWatch metric alarm and its contributors, and the state changes the local
 * evaluator (./evaluator.ts) records, as CloudWatch's alarm history would (docs/DESIGN.md#alarms).
 */
import type { AlarmClass } from './model';

/** The three states of a CloudWatch metric alarm. */
export const AlarmState = {
  OK: 'OK',
  ALARM: 'ALARM',
  INSUFFICIENT_DATA: 'INSUFFICIENT_DATA',
} as const;
export type AlarmState = (typeof AlarmState)[keyof typeof AlarmState];

/** A contributor of a multi-time-series alarm is in ALARM or OK, never INSUFFICIENT_DATA. */
export type ContributorState = typeof AlarmState.OK | typeof AlarmState.ALARM;

/**
 * One state change, as CloudWatch's alarm history would record it; each one runs the actions of its
 * new state (an SNS notification for ALARM and OK when the alarm has those actions).
 */
export interface AlarmTransition {
  /** The definition's `id`, e.g. `Refused-60s`. */
  readonly alarm: string;
  readonly class: AlarmClass;
  /**
   * The check concerned: the definition's `check` for a single-metric alarm, the contributor for an
   * Insights alarm grouped by Check. Absent for an alarm-level change of an Insights alarm.
   */
  readonly check?: string;
  /** Set on a contributor-level change of an Insights alarm: the GROUP BY value. */
  readonly contributor?: string;
  readonly from: AlarmState;
  readonly to: AlarmState;
  /** The evaluation time. */
  readonly atMs: number;
  /** Why, in the spirit of CloudWatch's StateReason. */
  readonly reason: string;
}

/** A contributor of an Insights alarm as the last evaluation left it. */
export interface ContributorStatus {
  readonly state: ContributorState;
  readonly reason: string;
  /** When it last changed state (or appeared). */
  readonly sinceMs: number;
}

/** Outcome of one evaluation: the state CloudWatch would set (`undefined` = keep) and why. */
export interface Judgement {
  readonly state?: AlarmState;
  readonly reason: string;
}
