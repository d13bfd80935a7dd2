/**
 * The shard runner (docs/DESIGN.md#the-fleet-runner): one invocation probes one shard's checks concurrently through
 * runChecks, writes one log line per result and publishes the tick's datapoints (with the shard's
 * heartbeat) in as few PutMetricData calls as the limits allow. A fast shard runs its ticks on a
 * fixed cadence inside the one invocation per minute: tick k starts at scheduledTime + k × interval
 * whatever the previous tick is doing (a fast check's run, its confirmation retry included, is
 * bounded below the interval by validation, so ticks do not pile up), and each tick publishes on
 * its own as soon as its results are in.
 */
import type { FleetFile, FleetShard, HandlerEnv, ShardEvent } from '../contracts/handler-env';
import type { CheckResult } from '../contracts/result';
import type { IncidentEngine, IncidentReport } from './incidents/engine';
import { publishNotificationFailures } from './incidents/metrics';
import { intervalsByCheck } from '../contracts/metrics';
import { getCloudWatchClient, publishResults, type PublishReport } from './metrics/publish';
import { runChecks, type RunChecksDeps } from './probe-run';
import type { TokenStore } from './tokens';

/** Everything a shard run needs besides the event. */
export interface RunnerDeps {
  readonly fleet: FleetFile;
  readonly env: HandlerEnv;
  /** Named tokens. @default - none (checks with auth report `error`) */
  readonly tokens?: TokenStore;
  /** Test-only seam, see RunChecksDeps. */
  readonly attemptOptions?: RunChecksDeps['attemptOptions'];
  /** Where result lines and EMF fallback lines go. @default - process.stdout, one line each */
  readonly writeLine?: (line: string) => void;
  /** Where the publisher's error line goes. @default - console.error */
  readonly logError?: (line: string) => void;
  /** Clock (epoch ms). @default Date.now */
  readonly now?: () => number;
  /** @default - a timer */
  readonly sleep?: (ms: number) => Promise<void>;
  /** The CloudWatch client (tests); region and endpoint otherwise from the SDK configuration. */
  readonly publishClient?: Parameters<typeof publishResults>[1]['client'];
  /**
   * The runner's own region, where its log group is: EMF fallback lines become metrics there, which
   * for a runner outside the home region is not where the alarms are. @default process.env.AWS_REGION (set by Lambda)
   */
  readonly region?: string;
  /**
   * The incident engine (docs/DESIGN.md#incidents): claims the scheduled run before probing (a
   * duplicate Lambda delivery exits there) and records each tick's results. @default - none: no incidents
   */
  readonly incidents?: IncidentEngine;
  /** How long the engine may take after a tick's results (it runs beside publishing). @default INCIDENT_BUDGET_MS */
  readonly incidentBudgetMs?: number;
}

/**
 * Budget of the incident engine after a tick's results. It runs beside publishing, so it fits in
 * the PUBLISH_MARGIN_MS the function's timeout already reserves (contracts/kinds.ts).
 */
export const INCIDENT_BUDGET_MS = 20_000;

/** What one tick did. */
export interface TickReport {
  readonly tick: number;
  /** The tick's own time (ISO 8601): every datapoint of the tick carries it. */
  readonly at: string;
  readonly results: readonly CheckResult[];
  readonly publish: PublishReport;
  /** What the incident engine did with the tick's results, when it runs. */
  readonly incidents?: IncidentReport;
}

export interface ShardReport {
  readonly shard: string;
  readonly location: string;
  readonly ticks: readonly TickReport[];
  /** True when another invocation already claimed this scheduled run: nothing was probed or published. */
  readonly duplicate?: boolean;
}

/** Thrown after every tick ran when publishing of any tick failed (after the EMF fallback lines). */
export class PublishError extends Error {
  readonly code = 'SYNTHMON_PUBLISH_FAILED';
  constructor(readonly report: ShardReport) {
    const failed = report.ticks.filter((t) => !t.publish.ok);
    const where = failed.find((t) => t.publish.fallback)?.publish.fallback;
    super(
      `publishing the metrics of shard "${report.shard}" (location ${report.location}) failed in ${failed.length} of ${report.ticks.length} tick(s) ` +
        `(${[...new Set(failed.map((t) => t.publish.error ?? 'unknown error'))].join('; ')}); ` +
        `${failed.reduce((n, t) => n + t.publish.fallbackLines, 0)} EMF line(s) were written to the log instead` +
        (where ? `: ${where.note}` : ''),
    );
    this.name = 'PublishError';
  }
}

/** Thrown for an event that names no shard of the fleet file (a hand-made or stale schedule). */
export class ShardEventError extends Error {
  readonly code = 'SYNTHMON_EVENT_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'ShardEventError';
  }
}

/** Build the runner around explicit dependencies (tests); Lambda's handler builds it once per container. */
export function createRunner(deps: RunnerDeps): (event: ShardEvent) => Promise<ShardReport> {
  const writeLine = deps.writeLine ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const region = deps.region ?? process.env.AWS_REGION;

  return async (event: ShardEvent): Promise<ShardReport> => {
    const { id, shard } = shardOf(deps.fleet, event);
    // Load the CloudWatch SDK while the probes wait on the network, not after the slowest check
    // (~50-80 ms on a cold container). A failure here surfaces, handled, when publishing.
    if (!deps.publishClient) getCloudWatchClient(deps.env.homeRegion).catch(() => undefined);
    const intervals = intervalsByCheck(shard.checks);
    const fast = shard.ticks > 1;
    const base = fast
      ? staggeredBase(baseTime(event.scheduledTime, now()), shard.intervalSeconds, deps.fleet.incidents?.locations ?? [], deps.env.location)
      : baseTime(event.scheduledTime, now());
    if (
      deps.incidents &&
      event.scheduledTime !== undefined &&
      !(await claimed(deps.incidents, { shard: id, location: deps.env.location, scheduledTime: event.scheduledTime }, deps.logError ?? console.error))
    ) {
      writeLine(
        JSON.stringify({
          timestamp: new Date().toISOString(),
          level: 'INFO',
          msg: 'duplicate delivery: this scheduled run was already claimed; nothing probed or published',
          shard: id,
          location: deps.env.location,
          scheduledTime: event.scheduledTime,
        }),
      );
      return { shard: id, location: deps.env.location, ticks: [], duplicate: true };
    }

    const runTick = async (tick: number): Promise<TickReport> => {
      const at = new Date(base + tick * shard.intervalSeconds * 1000);
      const results = await runChecks(shard.checks, {
        ...(deps.tokens ? { tokens: deps.tokens } : {}),
        ...(deps.attemptOptions ? { attemptOptions: deps.attemptOptions } : {}),
      });
      // The engine runs beside publishing (each bounded on its own), so a page waits for neither.
      const incidentRun = deps.incidents?.record(results, {
        at: at.getTime(),
        intervals,
        deadline: now() + (deps.incidentBudgetMs ?? INCIDENT_BUDGET_MS),
      });
      const publish = await publishResults(results, {
        namespace: deps.fleet.namespace,
        phaseTimings: deps.fleet.phaseTimings,
        intervals,
        timestamp: at,
        heartbeat: { shard: id, location: deps.env.location, highResolution: fast },
        writeLine,
        ...(deps.logError ? { log: deps.logError } : {}),
        // Every location publishes to the home region, under the same identities (README.md#metrics-and-alarms); the
        // EMF fallback lands in this runner's own region (its log group), which the log line names.
        ...(deps.publishClient ? { client: deps.publishClient } : {}),
        ...(deps.env.homeRegion ? { region: deps.env.homeRegion } : {}),
        ...(region ? { emfRegion: region } : {}),
      });
      for (const result of results) writeLine(resultLine(result, { shard: id, location: deps.env.location, tick, at, publish }));
      const incidents = await incidentRun;
      if (incidents && Object.keys(incidents.failures).length) {
        const error = await publishNotificationFailures(incidents.failures, {
          namespace: deps.fleet.namespace,
          timestamp: at,
          ...(deps.publishClient ? { client: deps.publishClient } : {}),
          ...(deps.env.homeRegion ? { region: deps.env.homeRegion } : {}),
        });
        if (error)
          (deps.logError ?? console.error)(
            JSON.stringify({ timestamp: new Date().toISOString(), level: 'ERROR', msg: error, shard: id, location: deps.env.location }),
          );
      }
      return { tick, at: at.toISOString(), results, publish, ...(incidents ? { incidents } : {}) };
    };

    // Every tick is started at its own time, not after the previous one ends.
    const ticks: Promise<TickReport>[] = [];
    for (let tick = 0; tick < shard.ticks; tick++) {
      const wait = base + tick * shard.intervalSeconds * 1000 - now();
      if (wait > 0) await sleep(wait);
      ticks.push(runTick(tick));
    }
    const report: ShardReport = { shard: id, location: deps.env.location, ticks: await Promise.all(ticks) };
    if (report.ticks.some((t) => !t.publish.ok)) throw new PublishError(report);
    return report;
  };
}

/**
 * Claim the scheduled run. A store that cannot answer does not stop the run (probing twice is
 * better than not probing); the error is logged.
 */
async function claimed(
  engine: IncidentEngine,
  run: { shard: string; location: string; scheduledTime: string },
  log: (line: string) => void,
): Promise<boolean> {
  try {
    return await engine.claimRun(run);
  } catch (err) {
    log(
      JSON.stringify({
        timestamp: new Date().toISOString(),
        level: 'ERROR',
        msg: 'claiming the scheduled run failed; probing anyway',
        ...run,
        error: err instanceof Error ? `${err.name}: ${err.message}`.slice(0, 300) : String(err),
      }),
    );
    return true;
  }
}

function shardOf(fleet: FleetFile, event: ShardEvent | null | undefined): { id: string; shard: FleetShard } {
  const id = event && typeof event === 'object' ? event.shard : undefined;
  if (typeof id !== 'string' || !Object.prototype.hasOwnProperty.call(fleet.shards, id)) {
    const known = Object.keys(fleet.shards);
    throw new ShardEventError(
      `the event must be {"shard": "<id>"} naming a shard of this fleet (${known.slice(0, 10).join(', ')}${known.length > 10 ? ', …' : ''}), got ${JSON.stringify(id ?? event)?.slice(0, 100)}`,
    );
  }
  return { id, shard: fleet.shards[id]! };
}

/**
 * The run's base time: the schedule's own time when given and recent (so every datapoint lands in
 * the period it belongs to even after a cold start), else now. A scheduled time more than a minute
 * off (a replayed or hand-made event) is not trusted.
 */
/**
 * A fast shard's first tick, staggered per location (docs/DESIGN.md#cost-and-time-to-detect): the
 * location at index i of L (the fleet file's incident locations) ticks at the first instant at or
 * after `baseMs` that is i × interval / L past a multiple of the interval (epoch time), so the
 * locations' runs interleave whatever their schedules' phases and a regression meets the next run
 * of some location sooner (bench/ttp-model.ts: worst time to page 14.6 → 12.2 s at 10 s, 3
 * locations, quorum 2). Free: the invocation spans its minute anyway, and its last tick still starts
 * before the minute is over (the function's timeout counts 60 s of ticks, lib/fleet/plan.ts). One
 * location, or one not in the list: unchanged.
 */
export function staggeredBase(baseMs: number, intervalSeconds: number, locations: readonly string[], location: string): number {
  const index = locations.indexOf(location);
  if (locations.length < 2 || index < 0) return baseMs;
  const period = intervalSeconds * 1000;
  const slot = Math.round((index * period) / locations.length);
  return baseMs + ((((slot - baseMs) % period) + period) % period);
}

function baseTime(scheduledTime: string | undefined, nowMs: number): number {
  const t = scheduledTime === undefined ? NaN : Date.parse(scheduledTime);
  return Number.isFinite(t) && Math.abs(nowMs - t) <= 60_000 ? t : nowMs;
}

interface LineContext {
  readonly shard: string;
  readonly location: string;
  readonly tick: number;
  readonly at: Date;
  readonly publish: PublishReport;
}

/**
 * One JSON object per check result, written as a plain line: with Lambda's JSON log format the
 * object stays top-level (Logs Insights fields), where console.log would nest it in "message".
 */
function resultLine(result: CheckResult, ctx: LineContext): string {
  return JSON.stringify({
    timestamp: new Date().toISOString(),
    level: result.ok ? 'INFO' : 'WARN',
    msg: 'check result',
    shard: ctx.shard,
    location: ctx.location,
    tick: ctx.tick,
    tickAt: ctx.at.toISOString(),
    ...result,
    publish: { ok: ctx.publish.ok, calls: ctx.publish.calls, datums: ctx.publish.datums },
  });
}
