/**
 * The Lambda entry point (DESIGN §8), deliberately thin: validate the scheduled event, get the token,
 * run the one shared code path (runCheck → publishResults), log one structured line, and fail the
 * invocation when publishing failed so the function's Errors metric shows it.
 *
 * One function per check: EventBridge Scheduler sends `{ "check": <the validated check JSON> }`.
 */
import { AUTH_DEFAULTS } from '../contracts/kinds';
import type { Check } from '../contracts/config';
import { readHandlerEnv, type HandlerEnv } from '../contracts/handler-env';
import { publishResults, type PublishReport } from './metrics/publish';
import { OUTCOME_RUNBOOK } from '../contracts/outcomes';
import { errorResult, type CheckResult } from '../contracts/result';
import { runCheck, type AttemptOptions } from './run-check';
import { envTokenSource, secretsManagerTokenSource, TokenError, type TokenSource } from './token-source';

/** The scheduled event: one check per invocation. */
export interface CheckEvent {
  readonly check: unknown;
}

/** Everything the handler needs besides the event; `handler` builds it from the environment once. */
export interface HandlerDeps {
  readonly env: HandlerEnv;
  /**
   * The token source for a check with auth.
   * @default - Secrets Manager when env.tokenSecretId is set, else the check's tokenEnv variable
   */
  readonly tokenSourceFor?: (check: Check) => TokenSource;
  /**
   * Test-only seam: extra trusted CAs and a resolver for loopback servers. NODE_EXTRA_CA_CERTS is
   * read at process start only, so a test cannot use it for a server it starts itself.
   * @default - Node's trust store and dns.lookup
   */
  readonly attemptOptions?: Pick<AttemptOptions, 'ca' | 'lookup'>;
  /** Where the result line and any EMF fallback lines go. @default - process.stdout, one line each */
  readonly writeLine?: (line: string) => void;
  /** Where the publisher's error line goes. @default - console.error */
  readonly logError?: (line: string) => void;
}

/** Thrown after the EMF fallback lines were written, so the invocation counts as an error. */
export class PublishError extends Error {
  readonly code = 'SYNTHMON_PUBLISH_FAILED';
  constructor(
    readonly report: PublishReport,
    readonly result: CheckResult,
  ) {
    super(
      `publishing the metrics of check "${result.check}" failed (${report.error ?? 'unknown error'}); ` +
        `${report.fallbackLines} EMF line(s) were written to the log instead`,
    );
    this.name = 'PublishError';
  }
}

/** Build a handler around explicit dependencies (tests use this; Lambda uses `handler`). */
export function createHandler(deps: HandlerDeps): (event: CheckEvent) => Promise<CheckResult> {
  const writeLine = deps.writeLine ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const sources = new Map<string, TokenSource>();
  const sourceFor =
    deps.tokenSourceFor ??
    ((check: Check): TokenSource => {
      const secretId = deps.env.tokenSecretId;
      return secretId ? secretsManagerTokenSource({ secretId }) : envTokenSource(check.auth?.tokenEnv ?? AUTH_DEFAULTS.tokenEnv);
    });

  // One source per check, kept for the container's life: that is what makes the token cache work.
  const sourceOf = (check: Check): TokenSource => {
    let source = sources.get(check.name);
    if (!source) sources.set(check.name, (source = sourceFor(check)));
    return source;
  };

  const run = async (check: Check): Promise<CheckResult> => {
    if (!check.auth) return runCheck(check, { ...deps.attemptOptions });
    const source = sourceOf(check);
    let token: string;
    try {
      token = await source.getToken();
    } catch (err) {
      // No token, no probe: an empty or stale one would page as 401/403 with a misleading fix.
      return errorResult(check.name, check.kind, check.url, tokenMessage(err, source));
    }
    return runCheck(check, { ...deps.attemptOptions, token });
  };

  return async (event: CheckEvent): Promise<CheckResult> => {
    const parsed = await parseEvent(event);
    // Metrics under a name that is not a configured check would page nobody and clutter the
    // namespace; the Silent alarm of the real check still fires.
    const publishable = 'check' in parsed || parsed.validName;
    const result = 'check' in parsed ? await run(parsed.check) : parsed.problem;

    const report = publishable
      ? await publishResults([result], {
          namespace: deps.env.namespace,
          phaseTimings: deps.env.phaseTimings,
          writeLine,
          ...(deps.logError ? { log: deps.logError } : {}),
        })
      : undefined;

    writeLine(resultLine(result, report));
    if (report && !report.ok) throw new PublishError(report, result);
    return result;
  };
}

let coldStart: ((event: CheckEvent) => Promise<CheckResult>) | undefined;

/**
 * The Lambda handler. The environment is read on the first invocation of a container and kept; a
 * missing variable fails every invocation with "Environment variable X is required".
 */
export async function handler(event: CheckEvent): Promise<CheckResult> {
  coldStart ??= createHandler({ env: readHandlerEnv(process.env) });
  return coldStart(event);
}

type ParsedEvent = { check: Check } | { problem: CheckResult; validName: boolean };

/**
 * The schedule's input was validated when the stack was synthesized; this re-check guards against
 * hand-edited schedules and manual invocations. zod is loaded here, on the first event, not at init.
 */
async function parseEvent(event: CheckEvent | null | undefined): Promise<ParsedEvent> {
  const { ConfigError, parseCheck } = await import('./event-schema');
  const raw = event && typeof event === 'object' ? (event as { check?: unknown }).check : undefined;
  const fields = raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
  try {
    if (raw === undefined) throw new ConfigError('the event', ['check is required: the event must be {"check": {...}}']);
    return { check: parseCheck(raw, 'the event') };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    // parseCheck validates the check as checks[0] of a configuration; the event calls it "check".
    const problems = err.problems.map((p) => p.replace(/^checks\[0\]/, 'check'));
    const name = typeof fields.name === 'string' ? fields.name : undefined;
    // The name alone decides where the datapoint goes, so it is checked on its own.
    const validName = name !== undefined && !problems.some((p) => p.startsWith('check.name '));
    const kind = fields.kind === 'websocket' ? 'websocket' : 'http';
    const url = typeof fields.url === 'string' ? fields.url : '';
    return {
      problem: errorResult(name ?? '(invalid event)', kind, url, `invalid check event: ${problems.join('; ')}; ${OUTCOME_RUNBOOK.error.check}`),
      validName,
    };
  }
}

function tokenMessage(err: unknown, source: TokenSource): string {
  const detail = err instanceof TokenError ? err.message : `reading the token from ${source.description} failed`;
  return `token unavailable: ${detail}; ${OUTCOME_RUNBOOK.error.check}`;
}

/**
 * One JSON object per invocation, written as a plain line: with Lambda's JSON log format the object
 * stays top-level (Logs Insights fields), where console.log would nest it in "message".
 */
function resultLine(result: CheckResult, report: PublishReport | undefined): string {
  return JSON.stringify({
    timestamp: new Date().toISOString(),
    level: result.ok ? 'INFO' : 'WARN',
    msg: 'check result',
    ...result,
    publish: report ?? { skipped: 'no valid check name' },
  });
}
