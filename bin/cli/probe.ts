/**
 * `synthmon probe`: build or load checks, run them through the Lambda's own runCheck, print each
 * result, and optionally publish through the Lambda's own publisher (DESIGN §5, §8: one code path).
 */
import type { Check, MonitorConfig } from '../../contracts/config';
import { AUTH_DEFAULTS } from '../../contracts/kinds';
import { ConfigError, ENV_NAME_RE, loadConfigFile, parseConfig } from '../../contracts/config';
import { DEFAULT_NAMESPACE } from '../../contracts/metrics';
import { toJsonLine, type CheckResult } from '../../contracts/result';
import { runCheck } from '../../lambda/run-check';
import type { ProbeConfigCommand, ProbeUrlCommand } from './args';
import { UsageError } from './args';
import { formatHuman } from './format';
import type { Io } from './io';

/** The variable read when `--token-env` is not given (the config schema's default). */
export const DEFAULT_TOKEN_ENV = AUTH_DEFAULTS.tokenEnv;

/**
 * The config schema checks that two attempts fit the Lambda timeout (default 60 s); a local probe has
 * no such limit, so an ad-hoc check is validated as if the function had the longest timeout allowed.
 */
const AD_HOC_FUNCTION_TIMEOUT_S = 900;

/** Where each schema path of an ad-hoc check came from on the command line. */
const FLAG_FOR_PATH: ReadonlyArray<[string, string]> = [
  ['checks[0].url', 'URL'],
  ['checks[0].timeoutMs', '--timeout'],
  ['checks[0].settleMs', '--settle'],
  ['checks[0].expectStatus', '--expect-status'],
  ['checks[0].origin', '--origin'],
  ['checks[0].headers.Origin', '--origin'],
  ['checks[0].auth.in', '--token-in'],
  ['checks[0].auth.scheme', '--auth-scheme'],
  ['checks[0].auth.tokenEnv', '--token-env'],
  ['checks[0].name', 'the name derived from the URL host'],
];

/** A check name from a host: lower-case letters, digits and hyphens, at most 40, per the name rule. */
export function nameFromHost(hostname: string): string {
  const name = hostname
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return name || 'probe';
}

/** The check described by `probe <url> [flags]`, validated by the config schema, and its token. */
export function buildAdHocCheck(cmd: ProbeUrlCommand, env: NodeJS.ProcessEnv): { check: Check; token?: string; notes: string[] } {
  let url: URL;
  try {
    url = new URL(cmd.url);
  } catch {
    throw new UsageError([`URL must be absolute, like wss://host/path or https://host/path, got "${cmd.url}"`], 'probe');
  }
  const scheme = url.protocol.replace(/:$/, '');
  const kind = scheme === 'ws' || scheme === 'wss' ? 'websocket' : scheme === 'http' || scheme === 'https' ? 'http' : undefined;

  const problems: string[] = [];
  if (!kind) problems.push(`URL scheme must be ws, wss, http or https, got "${scheme}" in "${cmd.url}"`);
  if (kind === 'http' && cmd.settleMs !== undefined) problems.push('--settle applies to ws:// and wss:// URLs only');
  if (kind === 'websocket' && cmd.expectStatus !== undefined) problems.push('--expect-status applies to http:// and https:// URLs only');

  let token: string | undefined;
  if (cmd.tokenEnv !== undefined) {
    token = env[cmd.tokenEnv] || undefined;
    if (!token && ENV_NAME_RE.test(cmd.tokenEnv)) {
      problems.push(`--token-env names ${cmd.tokenEnv}, but that environment variable is unset or empty`);
    }
  } else {
    token = env[DEFAULT_TOKEN_ENV] || undefined;
  }
  if (!kind) throw new UsageError(problems, 'probe');

  const wantsAuth = token !== undefined || cmd.tokenIn !== undefined || cmd.authScheme !== undefined || cmd.tokenEnv !== undefined;
  const raw = {
    kind,
    name: nameFromHost(url.hostname),
    url: cmd.url,
    ...(cmd.timeoutMs !== undefined ? { timeoutMs: cmd.timeoutMs } : {}),
    ...(kind === 'websocket'
      ? { ...(cmd.origin !== undefined ? { origin: cmd.origin } : {}), ...(cmd.settleMs !== undefined ? { settleMs: cmd.settleMs } : {}) }
      : {
          ...(cmd.expectStatus !== undefined ? { expectStatus: cmd.expectStatus } : {}),
          // A browser sends Origin on API calls too; CSRF/CORS middleware may depend on it.
          ...(cmd.origin !== undefined ? { headers: { Origin: cmd.origin } } : {}),
        }),
    ...(wantsAuth
      ? {
          auth: {
            ...(cmd.tokenIn !== undefined ? { in: cmd.tokenIn } : {}),
            ...(cmd.authScheme !== undefined ? { scheme: cmd.authScheme } : {}),
            tokenEnv: cmd.tokenEnv ?? DEFAULT_TOKEN_ENV,
          },
        }
      : {}),
  };

  let check: Check | undefined;
  try {
    check = parseConfig({ functionTimeoutSeconds: AD_HOC_FUNCTION_TIMEOUT_S, checks: [raw] }, 'command line').checks[0]!;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...err.problems.map(toFlagProblem));
  }
  if (problems.length || !check) throw new UsageError(problems, 'probe');

  const notes: string[] = [];
  if (!token) {
    // No token means no auth (DESIGN §5); the auth flags were still validated above.
    const unused = [cmd.tokenIn !== undefined && '--token-in', cmd.authScheme !== undefined && '--auth-scheme'].filter(Boolean);
    if (unused.length) notes.push(`no token (set SYNTHMON_TOKEN or use --token-env VAR), so ${unused.join(' and ')} ${unused.length > 1 ? 'are' : 'is'} not used`);
    const { auth: _auth, ...withoutAuth } = check;
    check = withoutAuth as Check;
  }
  return { check, token, notes };
}

/** "checks[0].timeoutMs must be at least 100 ms, got 50" → "--timeout must be at least 100 ms, got 50". */
function toFlagProblem(problem: string): string {
  for (const [path, flag] of FLAG_FOR_PATH) {
    if (problem.startsWith(`${path} `) || problem.startsWith(`${path}:`)) return flag + problem.slice(path.length);
  }
  return problem;
}

/** Values of query parameters named like a token (`token`, `access_token`, …) long enough to be one. */
function tokenLikeQueryValues(url: string): string[] {
  const values: string[] = [];
  for (const [name, value] of new URL(url).searchParams) {
    if (/token|key|secret|auth/i.test(name) && value.length >= 6) values.push(value);
  }
  return values;
}

/** The checks of a configuration file to run: all, or those named with --check (in file order). */
export function selectChecks(config: MonitorConfig, names: readonly string[], source: string): Check[] {
  if (names.length === 0) return [...config.checks];
  const known = config.checks.map((c) => c.name);
  const unknown = [...new Set(names.filter((n) => !known.includes(n)))];
  if (unknown.length) {
    throw new UsageError(
      [
        `unknown check${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `"${n}"`).join(', ')} in ${source}; known checks: ${known.join(', ')}`,
      ],
      'probe',
    );
  }
  return config.checks.filter((c) => names.includes(c.name));
}

/** Run `synthmon probe`; resolves to the exit status. Usage and configuration errors throw. */
export async function probeCommand(cmd: ProbeUrlCommand | ProbeConfigCommand, io: Io): Promise<number> {
  let runs: Array<{ check: Check; token?: string }>;
  let namespace = DEFAULT_NAMESPACE;
  let phaseTimings = false;

  if (cmd.mode === 'url') {
    const { check, token, notes } = buildAdHocCheck(cmd, io.env);
    if (token) io.addSecret(token);
    // A token typed into the URL itself (`wss://host/ws/chat/?token=…`, the seed's form) is still a token.
    for (const value of tokenLikeQueryValues(check.url)) io.addSecret(value);
    for (const note of notes) io.err(`synthmon: note: ${note}`);
    runs = [{ check, token }];
  } else {
    const config = loadConfigFile(cmd.configFile);
    namespace = config.namespace;
    phaseTimings = config.phaseTimings;
    runs = selectChecks(config, cmd.checks, cmd.configFile).map((check) => {
      // An unset variable leaves the token out; runCheck then reports outcome `error` for that check.
      const token = check.auth ? io.env[check.auth.tokenEnv] || undefined : undefined;
      if (token) io.addSecret(token);
      return { check, token };
    });
  }

  // Concurrently, as the Lambda would run them; printed in configuration order.
  const results = await Promise.all(runs.map(({ check, token }) => runCheck(check, { token, noRetry: cmd.noRetry })));
  printResults(results, cmd.json, io);
  let exitCode = results.every((r) => r.ok) ? 0 : 1;

  if (cmd.publish) {
    const published = await publish(results, { namespace, phaseTimings }, cmd.json, io);
    if (!published) exitCode = 1;
  }
  return exitCode;
}

function printResults(results: readonly CheckResult[], json: boolean, io: Io): void {
  if (json) {
    for (const result of results) io.out(toJsonLine(result));
    return;
  }
  const nameWidth = Math.max(...results.map((r) => r.check.length));
  for (const result of results) io.out(formatHuman(result, { color: io.color, nameWidth }));
}

/**
 * Publish through the Lambda's publisher. On failure it has already written the datapoints to stdout
 * as EMF lines (JSON objects with an `_aws` key, after the result lines, so `--json` output stays
 * JSON lines); we add one line on stderr. The status line goes to stderr under --json.
 */
async function publish(
  results: readonly CheckResult[],
  options: { namespace: string; phaseTimings: boolean },
  json: boolean,
  io: Io,
): Promise<boolean> {
  // Loaded only when asked for: the AWS SDK takes a while to load and most probes never publish.
  const { publishResults } = await import('../../lambda/metrics/publish');
  const report = await publishResults(results, {
    ...options,
    // EMF lines through the scrubbing writer; the publisher's JSON error log is replaced by our line.
    writeLine: (line) => io.out(line),
    log: () => {},
  });
  const points = plural(report.datums, 'datapoint');
  if (report.ok) {
    const line = `published ${points} to CloudWatch namespace ${options.namespace} (${plural(report.calls, 'call')})`;
    if (json) io.err(`synthmon: ${line}`);
    else io.out(line);
    return true;
  }
  io.err(
    `synthmon: publishing to CloudWatch failed${report.error ? `: ${report.error}` : ''}; ` +
      `the ${points} went to stdout as ${plural(report.fallbackLines, 'EMF line')} instead`,
  );
  return false;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
