/**
 * Time to page through the incident pipeline (docs/DESIGN.md#cost-and-time-to-detect and docs/DESIGN.md#incidents): from
 * the instant an endpoint regresses to the page's arrival at the channel, for the deployed
 * schedules. Pure and seeded: bench/time-to-page.ts feeds it what it measured here and the cited
 * parameters of what cannot run here, and test/bench/time-to-page.test.ts checks its distribution
 * against the analytic expectation.
 *
 * A trial draws the regression's instant and, for every location, its schedule's phase inside the
 * minute, then adds everything between the regression and the page:
 *
 * - schedule: every shard has one EventBridge Scheduler schedule, `rate(interval)` for 60 s shards,
 *   once a minute for fast shards (lib/fleet/plan.ts). The schedule's phase inside the minute is
 *   not ours to choose: the scheduled time carries seconds (the Scheduler guide's example is
 *   "2022-03-22T18:59:43Z",
 *   https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-schedule-context-attributes.html),
 *   and cron has no seconds field (Scheduler's ScheduleExpression: "A cron expression consists of
 *   six fields separated by white spaces: (minutes hours day_of_month month day_of_week year)",
 *   https://docs.aws.amazon.com/scheduler/latest/APIReference/API_GetSchedule.html, as quoted by
 *   https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/scheduler/aws.sdk.kotlin.services.scheduler.model/-get-schedule-response/schedule-expression.html), so
 *   each location's phase is uniform in [0, 60 s) and independent of the others'. After the
 *   scheduled time, the invocation starts a little late: AWS says only "there can be a delay of
 *   several seconds between the time the scheduled rule runs and the time the target service
 *   performs the action on the target resource" (EventBridge scheduled rules, quoted in
 *   https://github.com/laravel/vapor-core/pull/167); `latenessS` is our assumption of what "several
 *   seconds" means, uniform, fresh every invocation.
 * - the run claim (one conditional put in the home region) before probing;
 * - a 60 s shard probes at its invocation; a fast shard's tick `k` starts at `scheduledTime + k ×
 *   interval`, or at once if the invocation (and its claim) came later (lambda/runner.ts);
 * - the probe: a failing attempt (measured against the demo's replica), the confirmation pause
 *   (`retryDelayMs`, the configuration's default for the interval) and the second attempt; the
 *   tick's results are complete when its slowest healthy check is done too;
 * - the engine (lambda/incidents/record.ts, engine.ts): the verdict's conditional update, the read of the
 *   host's incident items and the versioned put that opens the incident — three round trips to the
 *   home region's table; with a quorum, the location whose verdict lands `quorum`-th opens;
 * - delivery: the POST to the channel from the opening location.
 *
 * Staggering: `ticks` spreads a fast shard's tick grid over the interval by location (tick times ≡
 * location index × interval / locations, modulo the interval: free, the invocation spans the minute
 * anyway); `sleep` does the same for 60 s shards by sleeping from the invocation to the location's
 * slot in the minute (billed Lambda time, reported as `sleepS`).
 */
import { mean, quantile, seededRandom, uniform } from './stats';

/** Durations in seconds. */
export interface TimeToPageParams {
  readonly trials: number;
  readonly seed: number;
  /** Invocation after its scheduled time, uniform. @default [0, 5] - AWS: "a delay of several seconds" (assumption) */
  readonly latenessS: readonly [number, number];
  /** Failing attempts to draw from (measured); empty: uniform in `quickFailureS`. */
  readonly failingAttemptsS: readonly number[];
  /** @default [0.15, 0.6] */
  readonly quickFailureS: readonly [number, number];
  /** When the tick's other (healthy) checks are done: a WebSocket's 1 s settle window and the run. @default 1.3 */
  readonly shardHealthyS: number;
  /** The table's round trip from each location (local measurement + network), by location. */
  readonly storeRttS: Readonly<Record<string, number>>;
  /** Round trips to the table after the results are in and before the page leaves (verdict, incident read, open). @default 3 */
  readonly storeRoundTripsToOpen: number;
  /** The delivery from each location: the POST and its answer. */
  readonly deliveryS: Readonly<Record<string, number>>;
}

export type Stagger = 'none' | 'ticks' | 'sleep';

export interface TimeToPageScenario {
  readonly name: string;
  readonly intervalSeconds: number;
  readonly locations: readonly string[];
  readonly quorum: number;
  /** The confirmation pause, ms (0: no retry). */
  readonly retryDelayMs: number;
  /** @default 'none' */
  readonly stagger?: Stagger;
}

export interface TimeToPageStats {
  readonly trials: number;
  readonly meanS: number;
  readonly p95S: number;
  readonly worstS: number;
  /** Mean of each part: the wait for the probe that fails, the confirmation, the store, the delivery. */
  readonly parts: { readonly waitS: number; readonly confirmS: number; readonly storeS: number; readonly deliveryS: number };
  /** Mean Lambda sleep per invocation the stagger costs (60 s shards with `sleep`). */
  readonly sleepS: number;
}

export const DEFAULT_TTP_PARAMS: Omit<TimeToPageParams, 'storeRttS' | 'deliveryS'> = {
  trials: 4000,
  seed: 20261204,
  latenessS: [0, 5],
  failingAttemptsS: [],
  quickFailureS: [0.15, 0.6],
  shardHealthyS: 1.3,
  storeRoundTripsToOpen: 3,
};

/** Smallest t ≥ from with t ≡ offset (mod period). */
function nextSlot(from: number, offset: number, period: number): number {
  return from + ((((offset - from) % period) + period) % period);
}

/** Time to page for a scenario: mean, p95, worst over `trials` regressions at seeded random instants. */
export function simulateTimeToPage(s: TimeToPageScenario, p: TimeToPageParams): TimeToPageStats {
  const rng = seededRandom(p.seed);
  const I = s.intervalSeconds;
  const fast = I < 60;
  const ticks = fast ? Math.round(60 / I) : 1;
  const L = s.locations.length;
  const stagger = s.stagger ?? 'none';
  if (s.quorum < 1 || s.quorum > L) throw new RangeError(`quorum must be 1..${L}, got ${s.quorum}`);
  const attempt = () =>
    p.failingAttemptsS.length
      ? p.failingAttemptsS[Math.floor(rng() * p.failingAttemptsS.length)]!
      : uniform(rng, p.quickFailureS[0], p.quickFailureS[1]);
  const rtt = (loc: string) => p.storeRttS[loc] ?? p.storeRttS.default ?? 0;
  const delivery = (loc: string) => p.deliveryS[loc] ?? p.deliveryS.default ?? 0;
  const samples: number[] = [];
  const parts = { waitS: [] as number[], confirmS: [] as number[], storeS: [] as number[], deliveryS: [] as number[] };
  const sleeps: number[] = [];

  for (let trial = 0; trial < p.trials; trial++) {
    // The regression starts in the third minute; schedules run from minute 0 with their own phase.
    const T = 120 + rng() * 60;
    const recorded: Array<{ at: number; loc: string; wait: number; confirm: number }> = [];
    for (let li = 0; li < L; li++) {
      const loc = s.locations[li]!;
      const phase = rng() * 60;
      const slot = (li * (fast ? I : 60)) / L;
      let first: { start: number } | undefined;
      for (let k = 0; !first && k < 8; k++) {
        const scheduled = phase + 60 * k;
        const claimed = scheduled + uniform(rng, p.latenessS[0], p.latenessS[1]) + rtt(loc);
        if (!fast) {
          let start = claimed;
          if (stagger === 'sleep') {
            // The slot after the scheduled time (the same every minute: scheduled times are a minute
            // apart), or at once when the invocation came later than the slot.
            start = Math.max(nextSlot(scheduled, slot, 60), claimed);
            // One invocation per location and trial: an unbiased sample of the sleep.
            if (k === 0) sleeps.push(start - claimed);
          }
          if (start >= T) first = { start };
          continue;
        }
        const base = stagger === 'ticks' ? nextSlot(scheduled, slot, I) : scheduled;
        for (let j = 0; j < ticks && !first; j++) {
          const start = Math.max(base + j * I, claimed);
          if (start >= T) first = { start };
        }
      }
      if (!first) throw new Error(`no run after the regression in 8 minutes (scenario ${s.name})`);
      const a1 = attempt();
      const run = s.retryDelayMs > 0 ? a1 + s.retryDelayMs / 1000 + attempt() : a1;
      const done = first.start + Math.max(run, p.shardHealthyS);
      recorded.push({ at: done + rtt(loc), loc, wait: first.start - T, confirm: done - first.start });
    }
    recorded.sort((x, y) => x.at - y.at);
    const opener = recorded[s.quorum - 1]!;
    const opened = opener.at + (p.storeRoundTripsToOpen - 1) * rtt(opener.loc);
    const arrival = opened + delivery(opener.loc);
    samples.push(arrival - T);
    parts.waitS.push(opener.wait);
    parts.confirmS.push(opener.confirm);
    parts.storeS.push(p.storeRoundTripsToOpen * rtt(opener.loc));
    parts.deliveryS.push(delivery(opener.loc));
  }
  return {
    trials: p.trials,
    meanS: mean(samples),
    p95S: quantile(samples, 0.95),
    worstS: Math.max(...samples),
    parts: { waitS: mean(parts.waitS), confirmS: mean(parts.confirmS), storeS: mean(parts.storeS), deliveryS: mean(parts.deliveryS) },
    sleepS: sleeps.length ? mean(sleeps) : 0,
  };
}
