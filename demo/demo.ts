/**
 * The embedded default (`npm start`, `synthmon demo`; docs/DESIGN.md#the-embedded-default): the
 * seed's two checks, plus one fast (10 s) check of the orders API, against a local replica of the
 * backend, on a compressed clock, walking through the seed's regressions and back. Three parts:
 * walk.ts runs it (the runner's own code path, the deployed alarm definitions evaluated with
 * CloudWatch's rules, muted inside maintenance windows), judge.ts decides what it means (pages per
 * incident, time to page and to recover, surprises), render.ts tells it. No AWS, no network beyond
 * 127.0.0.1, and the token is never printed.
 */
import { randomBytes } from 'node:crypto';
import type { AlarmState, AlarmTransition } from '../lib/alarms/evaluator';
import { redact } from '../lambda/redact';
import { DemoJudge, type DemoPage, type DemoRegressionSummary } from './judge';
import { DemoRenderer } from './render';
import { DEFAULT_SCENARIO, MINUTE_MS, simulatedStart, validateScenario, type DemoStep } from './scenario';
import { startDemoPipeline, type IncidentPager } from './pipeline';
import { demoTime, walk, type DemoMinute, type WalkSetup } from './walk';

export { demoConfig, DEFAULT_SCENARIO, FAST_CHECK, simulatedStart, type DemoStep } from './scenario';
export type { DemoAlarmEvent, DemoPage, DemoRegressionSummary } from './judge';
export type { DemoMinute } from './walk';
export type { IncidentPager, PipelinePage } from './pipeline';

export interface DemoOptions {
  /** Where the story goes. @default process.stdout */
  readonly out?: NodeJS.WritableStream;
  /** ANSI colour. @default - when `out` is a TTY and NO_COLOR is unset or empty */
  readonly color?: boolean;
  /** Every result, the datapoints and the alarms' state changes with their reasons. @default false */
  readonly verbose?: boolean;
  /** Real time per simulated minute: the clock is scaled, so the fast shard's ticks keep their spacing. @default 1000 */
  readonly minuteMs?: number;
  /** The walk. @default DEFAULT_SCENARIO */
  readonly scenario?: readonly DemoStep[];
  /** The WebSocket check's settle window, compressed. @default 150 */
  readonly settleMs?: number;
  /** The pause before the confirmation retry, compressed. @default 100 */
  readonly retryDelayMs?: number;
  /** Deadline per attempt, compressed. @default 3000 */
  readonly timeoutMs?: number;
  /** Simulated delay between a datapoint's publication and its visibility to alarms (CloudWatch ingestion). @default 2000 */
  readonly ingestionMs?: number;
  /** The replica's valid token (tests pass a canary). @default - random, never printed */
  readonly token?: string;
  /**
   * The incident pipeline (see IncidentPager); false for none (the alarms' notifications are then the pages).
   * @default - the engine on dynalite paging a local PagerDuty (demo/pipeline.ts), when dynalite is installed
   */
  readonly pager?: IncidentPager | false;
}

export interface DemoSummary {
  /** Everything went as scripted: each regression gave the expected outcomes and paged (or, planned, did not), all alarms OK at the end. */
  readonly ok: boolean;
  /** What did not go as scripted, for humans. */
  readonly surprises: readonly string[];
  readonly simulatedStartMs: number;
  readonly endMs: number;
  readonly setup: Omit<WalkSetup, 'evaluators'>;
  readonly minutes: readonly DemoMinute[];
  /** One per regression of the script: an incident. */
  readonly regressions: readonly DemoRegressionSummary[];
  /** Every notification, delivered or muted, in order. */
  readonly pages: readonly DemoPage[];
  /** Every alarm-level and contributor-level state change. */
  readonly transitions: readonly AlarmTransition[];
  readonly finalStates: Readonly<Record<string, AlarmState>>;
}

/** Run the demo; resolves once every socket is closed and no timer is left. */
export async function runDemo(options: DemoOptions = {}): Promise<DemoSummary> {
  const out = options.out ?? process.stdout;
  const scenario = options.scenario ?? DEFAULT_SCENARIO;
  validateScenario(scenario);
  const token = options.token ?? randomBytes(20).toString('hex');
  const timing = {
    minuteMs: options.minuteMs ?? 1000,
    settleMs: options.settleMs ?? 150,
    retryDelayMs: options.retryDelayMs ?? 100,
    timeoutMs: options.timeoutMs ?? 3000,
    ingestionMs: options.ingestionMs ?? 2000,
  };
  const simStartMs = simulatedStart(scenario);
  const at = demoTime(simStartMs);
  const renderer = new DemoRenderer({
    // Defence in depth: nothing printed may carry the token, whatever a message might contain.
    say: (line = '') => void out.write(`${redact(line, token)}\n`),
    color: options.color ?? (Boolean((out as { isTTY?: boolean }).isTTY) && !process.env.NO_COLOR),
    verbose: options.verbose ?? false,
    at,
    ...timing,
  });

  let setup: WalkSetup | undefined;
  let judge: DemoJudge | undefined;
  const minutes: DemoMinute[] = [];
  const started = options.pager === undefined ? await startDemoPipeline() : options.pager;
  const pager = started && 'onTick' in started ? started : undefined;
  const pipeline = pager
    ? { description: pager.description }
    : { unavailable: started && 'unavailable' in started ? started.unavailable : 'turned off for this run' };
  try {
    for await (const event of walk({ scenario, token, ...timing, ...(pager ? { pager } : {}) }, simStartMs)) {
      if (event.type === 'setup') {
        setup = event.setup;
        judge = new DemoJudge(setup, scenario, at, Boolean(pager));
        renderer.header(setup, pipeline);
      } else if (event.type === 'step') {
        judge!.observeStep(event.step, event.startMs);
        renderer.step(scenario[event.step]!, event.step, event.startMs);
      } else {
        minutes.push(event.minute);
        renderer.minute(event.minute, judge!.observeMinute(event.minute));
      }
    }
  } finally {
    if (options.pager === undefined) await pager?.close();
  }

  const endMs = simStartMs + minutes.length * MINUTE_MS;
  const { finalStates, pending, renewedOkAtMs } = judge!.finish(endMs);
  const { evaluators, ...rest } = setup!;
  renderer.summary({
    minutes: minutes.length,
    steps: scenario.length,
    regressions: judge!.regressions,
    alarms: evaluators.length,
    notOk: Object.entries(finalStates)
      .filter(([id, s]) => s !== 'OK' && !pending.includes(id))
      .map(([id, s]) => `${id} ${s}`),
    pending,
    ...(renewedOkAtMs !== undefined ? { renewedOkAtMs } : {}),
    silentFired: evaluators.some((e) => e.definition.class === 'Silent' && e.transitions.some((t) => t.to === 'ALARM')),
    surprises: judge!.surprises,
  });
  return {
    ok: judge!.surprises.length === 0,
    surprises: judge!.surprises,
    simulatedStartMs: simStartMs,
    endMs,
    setup: rest,
    minutes,
    regressions: judge!.regressions,
    pages: judge!.pages,
    transitions: evaluators.flatMap((e) => e.transitions).sort((x, y) => x.atMs - y.atMs),
    finalStates,
  };
}
