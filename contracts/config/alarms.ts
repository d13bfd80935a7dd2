/**
 * Alarms: M of N and a threshold per failure class, the fast checks' own Failing alarm and the
 * certificate alarm. The limits that depend on the fleet (an evaluation window, a threshold a
 * period can reach) are cross-field rules (contracts/config/rules.ts).
 */
import { z } from 'zod';
import { countOf, wholeIn } from './fields';

const alarmSchema = (d: { datapointsToAlarm: number; evaluationPeriods: number; threshold: number }, noun: string) =>
  z
    .object(
      {
        /** M in "M out of N". */
        datapointsToAlarm: wholeIn(1, 1440, 'datapoints').default(d.datapointsToAlarm),
        /** N in "M out of N". */
        evaluationPeriods: wholeIn(1, 1440, 'periods').default(d.evaluationPeriods),
        threshold: countOf(noun).default(d.threshold),
      },
      { error: 'must be an object such as {"datapointsToAlarm": 2, "evaluationPeriods": 3, "threshold": 1}' },
    )
    .strict()
    .default(d);

const FAILED_RUNS = 'failed runs per period';
const HEARTBEATS = 'runner heartbeats per period';

/** Defaults of docs/DESIGN.md#alarms: each datapoint is already confirmed by a retry, so 1 of 1 pages. */
export const AlarmsSchema = z
  .object(
    {
      /** Failures{Reason=refused} Sum >= threshold (failed runs per period, all locations together). */
      refused: alarmSchema({ datapointsToAlarm: 1, evaluationPeriods: 1, threshold: 1 }, FAILED_RUNS),
      /** Failures{Reason=forbidden} Sum >= threshold. */
      forbidden: alarmSchema({ datapointsToAlarm: 1, evaluationPeriods: 1, threshold: 1 }, FAILED_RUNS),
      /** Failures Sum >= threshold (any outcome but ok); fast checks: their own per-check alarm. */
      failing: alarmSchema({ datapointsToAlarm: 2, evaluationPeriods: 3, threshold: 1 }, FAILED_RUNS),
      /** ShardResults SampleCount < threshold, missing data breaching: the probe stopped. */
      silent: alarmSchema({ datapointsToAlarm: 3, evaluationPeriods: 3, threshold: 1 }, HEARTBEATS),
      /**
       * A fast check's own Failing alarm on its interval's periods: M of N confirmed ticks (each tick
       * already confirmed by a retry inside it); its threshold follows from the quorum. @default 1 of 1
       */
      fastFailing: z
        .object(
          {
            datapointsToAlarm: wholeIn(1, 1440, 'datapoints').default(1),
            evaluationPeriods: wholeIn(1, 1440, 'periods').default(1),
          },
          { error: 'must be an object such as {"datapointsToAlarm": 1, "evaluationPeriods": 1}' },
        )
        .strict()
        .default({ datapointsToAlarm: 1, evaluationPeriods: 1 }),
      /** Per TLS host: CertificateDaysLeft below `daysLeft` (hourly, 1 of 1). @default 14 days */
      certificateExpiring: z
        .object({ daysLeft: wholeIn(1, 365, 'days').default(14) }, { error: 'must be an object such as {"daysLeft": 14}' })
        .strict()
        .default({ daysLeft: 14 }),
    },
    { error: 'must be an object with any of refused, forbidden, failing, silent, fastFailing, certificateExpiring' },
  )
  .strict()
  .prefault({});
export type AlarmsConfig = z.infer<typeof AlarmsSchema>;
