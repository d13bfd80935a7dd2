/**
 * The contributors of a Metrics Insights multi-time-series alarm (docs/DESIGN.md#alarms; rules 8–10
 * of ./evaluator.ts): each group the query returns is judged on its own, is ALARM or OK only, and is
 * gone when it has no data; at most 100 are in ALARM; the alarm is in ALARM while any contributor is.
 */
import { AlarmState, type ContributorState, type ContributorStatus, type Judgement } from './alarm-state';
import { judge, noDataJudgement, TREATED_AS, type Rule } from './judge';
import type { InsightsGroup } from './metric-store';
import type { InsightsSelect, TreatMissingData } from './model';

const MINUTE_MS = 60_000;
/** alarm-limits.html: "Only the latest 3 hours of data can be used for evaluating the alarm's conditions". */
export const INSIGHTS_LOOKBACK_MS = 3 * 60 * MINUTE_MS;
/** alarm-limits.html: "Alarms evaluating multiple time series will limit the number of contributors in ALARM to 100". */
export const MAX_CONTRIBUTORS_IN_ALARM = 100;
/** alarm-limits.html: a query that "returns more than 500 time series" evaluates on partial data. */
export const MAX_INSIGHTS_SERIES = 500;

/** A contributor's state change (the evaluator records it as a transition). */
export interface ContributorChange {
  readonly from: ContributorState;
  readonly to: ContributorState;
  readonly reason: string;
  readonly contributor: string;
}

/** One evaluation of an Insights alarm's contributors. */
export interface ContributorsInput {
  readonly select: InsightsSelect;
  readonly treatMissingData: TreatMissingData;
  /** Every group the query returned, in query order, before LIMIT. */
  readonly groups: readonly InsightsGroup[];
  readonly rule: Rule;
  /** The contributors as the last evaluation left them; updated in place. */
  readonly states: Map<string, ContributorStatus>;
  /** Periods in the evaluation range (the reason of a query that returned nothing). */
  readonly periods: number;
  readonly nowMs: number;
}

/** What the evaluation of the contributors found. */
export interface ContributorsJudged {
  /** Contributor changes, the returned groups' first (in query order), then the ones gone. */
  readonly changes: readonly ContributorChange[];
  /** The alarm's own state (rule 10). */
  readonly judgement: Judgement;
  /** Groups dropped because the query's LIMIT kept only the first `limit`. */
  readonly droppedByLimit: number;
  /** Contributors kept in OK only because 100 were already in ALARM. */
  readonly cappedContributors: number;
}

/** Judge every contributor, update `states`, and judge the alarm from them. */
export function judgeContributors(input: ContributorsInput): ContributorsJudged {
  const returned = input.groups.slice(0, input.select.limit);
  const { changes, seen, cappedContributors } = returnedChanges(input, returned);
  const gone = goneChanges(input, seen);
  // After the gone ones left `states`: the alarm follows the contributors that remain.
  const judgement = alarmJudgement(input, returned.length);
  return {
    changes: [...changes, ...gone],
    judgement,
    droppedByLimit: input.groups.length - returned.length,
    cappedContributors,
  };
}

/** Rule 9 and the 100-contributor cap, over the groups the query returned. */
function returnedChanges(
  input: ContributorsInput,
  returned: readonly InsightsGroup[],
): { changes: ContributorChange[]; seen: Set<string>; cappedContributors: number } {
  const { states, nowMs } = input;
  const judged = returned.map((g) => {
    const judgement = judge(g.periods, input.rule);
    const previous = states.get(g.group)?.state ?? AlarmState.OK;
    // A contributor is ALARM or OK only: a judgement of INSUFFICIENT_DATA or "unchanged" keeps it.
    const wanted: ContributorState = judgement.state === AlarmState.ALARM || judgement.state === AlarmState.OK ? judgement.state : previous;
    return { group: g.group, judgement, previous, wanted };
  });
  // The 100-contributor cap: contributors already in ALARM keep their place, newcomers take the
  // free places in query order (the highest aggregate first); the rest stay OK. The docs state the
  // cap, not the choice; this one never flaps a contributor that is already paged.
  let places = MAX_CONTRIBUTORS_IN_ALARM - judged.filter((j) => j.previous === AlarmState.ALARM && j.wanted === AlarmState.ALARM).length;
  let cappedContributors = 0;
  const changes: ContributorChange[] = [];
  const seen = new Set<string>();
  for (const j of judged) {
    seen.add(j.group);
    let state = j.wanted;
    let reason = j.judgement.reason;
    if (state === AlarmState.ALARM && j.previous !== AlarmState.ALARM) {
      if (places > 0) places--;
      else {
        state = AlarmState.OK;
        reason = `Not in ALARM: ${MAX_CONTRIBUTORS_IN_ALARM} contributors already are (CloudWatch's limit); ${j.judgement.reason}`;
        cappedContributors++;
      }
    }
    const current = states.get(j.group);
    states.set(j.group, { state, reason, sinceMs: current && current.state === state ? current.sinceMs : nowMs });
    if (state !== j.previous) changes.push({ from: j.previous, to: state, reason, contributor: j.group });
  }
  return { changes, seen, cappedContributors };
}

/** Contributors the query no longer returns are gone: back to OK if they were in ALARM. */
function goneChanges(input: ContributorsInput, seen: ReadonlySet<string>): ContributorChange[] {
  const changes: ContributorChange[] = [];
  for (const [group, status] of [...input.states]) {
    if (seen.has(group)) continue;
    input.states.delete(group);
    if (status.state !== AlarmState.ALARM) continue;
    const why = input.groups.some((g) => g.group === group)
      ? `dropped by the query's LIMIT ${input.select.limit}`
      : 'no datapoints in the evaluation range';
    changes.push({
      from: AlarmState.ALARM,
      to: AlarmState.OK,
      reason: `Time series gone (${why}): the contributor is no longer in ALARM`,
      contributor: group,
    });
  }
  return changes;
}

/** Rule 10: ALARM while any contributor is, OK while the query returns series, else rule 3. */
function alarmJudgement(input: ContributorsInput, returned: number): Judgement {
  const inAlarm = [...input.states].filter(([, s]) => s.state === AlarmState.ALARM).map(([g]) => g);
  if (inAlarm.length > 0) {
    const names = inAlarm.slice(0, 5).join(', ') + (inAlarm.length > 5 ? `, … (${inAlarm.length - 5} more)` : '');
    return { state: AlarmState.ALARM, reason: `Threshold crossed: ${inAlarm.length} contributor(s) in ALARM: ${names}` };
  }
  if (returned > 0) {
    return {
      state: AlarmState.OK,
      reason: `Threshold not crossed: none of the ${returned} contributor(s) the query returned is in ALARM`,
    };
  }
  return noDataJudgement(
    input.treatMissingData,
    `the query returned no time series in the last ${input.periods} periods; missing data treated as ${TREATED_AS[input.treatMissingData]}`,
  );
}
