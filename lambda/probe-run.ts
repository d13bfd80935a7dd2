/**
 * The one code path (docs/DESIGN.md#the-fleet-runner): the Lambda runner and `synthmon probe` both call runChecks. It runs
 * several checks concurrently, each under its own deadline, with its token from the token store,
 * and returns one result per check, in order: a check that could not run is an `error` result,
 * never a missing one.
 */
import type { Check } from '../contracts/config';
import { attemptBudgetMs, runBudgetMs, TOKEN_READ_MARGIN_MS } from '../contracts/kinds';
import { OUTCOME_RUNBOOK } from '../contracts/outcomes';
import { errorResult, type CheckResult } from '../contracts/result';
import { compose } from './probes/messages';
import type { AttemptOptions } from './probes/types';
import { runCheck } from './probes/confirm';
import type { TokenStore } from './tokens';

export interface RunChecksDeps {
  /** Where tokens come from (lambda/tokens.ts: SSM / Secrets Manager in the cloud, environment locally). @default - none: a check with auth gets an `error` result */
  readonly tokens?: TokenStore;
  /** Skip the confirmation retry (`synthmon probe --no-retry`). @default false */
  readonly noRetry?: boolean;
  /**
   * Test-only seam: extra trusted CAs and a resolver for loopback servers (NODE_EXTRA_CA_CERTS is
   * read at process start only). @default - Node's trust store and dns.lookup
   */
  readonly attemptOptions?: Pick<AttemptOptions, 'ca' | 'lookup'>;
}

/**
 * Slack over a check's own budget before the guard below reports it: the probes already bound
 * every wait, so the guard only fires on a bug, and must not race a result that is on time.
 */
const GUARD_SLACK_MS = 2_000;

/** Run every check concurrently; results in the order of `checks`. Never rejects. */
export function runChecks(checks: readonly Check[], deps: RunChecksDeps = {}): Promise<CheckResult[]> {
  return Promise.all(checks.map((check) => runGuarded(check, deps)));
}

/** One check, its token read included, bounded by its own budget; any throw becomes `error`. */
async function runGuarded(check: Check, deps: RunChecksDeps): Promise<CheckResult> {
  const budgetMs = (deps.noRetry ? attemptBudgetMs(check) : runBudgetMs(check)) + (check.auth ? TOKEN_READ_MARGIN_MS : 0) + GUARD_SLACK_MS;
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<CheckResult>((resolve) => {
    timer = setTimeout(
      () =>
        resolve(
          errorResult(
            check.name,
            check.kind,
            check.url,
            compose({ what: `probe did not finish within its budget of ${budgetMs} ms (a bug in the probe)`, fix: OUTCOME_RUNBOOK.error.check }),
          ),
        ),
      budgetMs,
    );
  });
  try {
    return await Promise.race([runOne(check, deps), guard]);
  } catch (err) {
    return errorResult(
      check.name,
      check.kind,
      check.url,
      compose({ what: 'probe failed unexpectedly', detail: describe(err), fix: OUTCOME_RUNBOOK.error.check }),
    );
  } finally {
    clearTimeout(timer);
  }
}

async function runOne(check: Check, deps: RunChecksDeps): Promise<CheckResult> {
  const options = { ...deps.attemptOptions, ...(deps.noRetry ? { noRetry: true } : {}) };
  if (!check.auth) return runCheck(check, options);
  let token: string;
  try {
    if (!deps.tokens) throw new Error(`no token store is configured for token "${check.auth.token}"`);
    token = await deps.tokens.tokenFor(check.auth.token);
  } catch (err) {
    // No token, no probe: an empty or stale one would page as 401/403 with a misleading fix.
    return errorResult(check.name, check.kind, check.url, compose({ what: `token unavailable: ${describe(err)}`, fix: OUTCOME_RUNBOOK.error.check }));
  }
  return runCheck(check, { ...options, token });
}

/** An error's message (token stores never put the token in one), one line, bounded. */
function describe(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/\s+/g, ' ').slice(0, 500);
}
