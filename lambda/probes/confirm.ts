/**
 * One check, run one way: runChecks (./probe-run.ts, the one code path of docs/DESIGN.md#the-fleet-runner
 * that the Lambda runner and `synthmon probe` both call) runs every check through runCheck. It runs
 * one attempt, confirms a failing outcome once after a pause (README.md#configuration), and scrubs
 * the token.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Check } from '../../contracts/config';
import { tokenPlacement } from '../../contracts/kinds';
import { Outcome, OUTCOME_RUNBOOK } from '../../contracts/outcomes';
import { redact, redactUrl } from '../redact';
import { errorResult, type CheckResult } from '../../contracts/result';
import { probeFor } from '../probe-loaders';
import { bugMessage, compose, fixOfMessage } from './messages';
import type { AttemptOptions, AttemptResult } from './types';

export type { AttemptOptions, AttemptResult } from './types';

export interface RunOptions extends AttemptOptions {
  /** Skip the confirmation retry. @default false */
  readonly noRetry?: boolean;
}

/** Run one check: attempt, confirm a failure once, return the final attempt's result. */
export async function runCheck(check: Check, options: RunOptions = {}): Promise<CheckResult> {
  if (check.auth && !options.token) {
    const message = compose({
      what: `token unavailable: check "${check.name}" has auth but no token was provided`,
      detail: `token "${check.auth.token}"`,
      fix: OUTCOME_RUNBOOK.error.check,
    });
    return finish(check, options, errorResult(check.name, check.kind, check.url, message), 1);
  }
  let result = await attempt(check, options);
  let attempts = 1;
  if (!result.ok && result.outcome !== Outcome.ERROR && !options.noRetry && check.retryDelayMs > 0) {
    await sleep(check.retryDelayMs);
    result = await attempt(check, options);
    attempts = 2;
  }
  return finish(check, options, result, attempts);
}

async function attempt(check: Check, options: AttemptOptions): Promise<AttemptResult> {
  try {
    return await (
      await probeFor(check)
    )(check, options);
  } catch (err) {
    // A probe settles every failure itself (a bug inside one is its `error` finding); reaching
    // here is a bug outside the probes (e.g. loading one), worded the same way, token masked.
    return errorResult(
      check.name,
      check.kind,
      check.url,
      bugMessage(err, (text) => redact(text, options.token)),
    );
  }
}

/** Defence in depth: whatever a probe wrote, the token is scrubbed from every string field. */
function finish(check: Check, options: AttemptOptions, result: AttemptResult, attempts: number): CheckResult {
  const token = options.token;
  const param = tokenPlacement(check) === 'query' ? check.auth?.param : undefined;
  const evidence = result.evidence && {
    ...result.evidence,
    headers: result.evidence.headers && Object.fromEntries(Object.entries(result.evidence.headers).map(([k, v]) => [k, redact(v, token)])),
    bodyExcerpt: result.evidence.bodyExcerpt === undefined ? undefined : redact(result.evidence.bodyExcerpt, token),
  };
  return {
    ...result,
    url: redactUrl(result.url, token, param),
    message: redact(result.message, token),
    ...(fixOf(result) !== undefined ? { fix: redact(fixOf(result)!, token) } : {}),
    attempts,
    ...(evidence ? { evidence } : {}),
  };
}

/** The fix the message builder chose for this result (looked up by the message it built, before the token scrub). */
function fixOf(result: AttemptResult): string | undefined {
  return result.fix ?? fixOfMessage(result.message);
}
