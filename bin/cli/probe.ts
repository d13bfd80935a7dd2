/**
 * `synthmon probe`: build or load checks, run them through the runner's own runChecks (tokens from
 * the environment), print each result, and optionally publish through the runner's own publisher
 * (DESIGN §5, §8: one code path).
 */
import type { Check, MonitorConfig } from '../../contracts/config';
import { DEFAULT_TOKEN_NAME, defaultTokenEnv } from '../../contracts/fleet';
import { kindForUrl } from '../../contracts/kinds';
import { intervalsByCheck } from '../../contracts/metrics';
import { ConfigError, ENV_NAME_RE, loadConfigFile, parseConfig, redactCredentials } from '../../contracts/config';
import { toJsonLine, type CheckResult } from '../../contracts/result';
import { runChecks } from '../../lambda/run-checks';
import { envTokenStore } from '../../lambda/tokens';
import type { ProbeConfigCommand, ProbeUrlCommand } from './args';
import { UsageError } from './args';
import { formatHuman } from './format';
import type { Io } from './io';

/** The variable read when `--token-env` is not given (the default token's variable). */
export const DEFAULT_TOKEN_ENV = defaultTokenEnv(DEFAULT_TOKEN_NAME);

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
  ['tokens.default.env', '--token-env'],
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

/** The check described by `probe <url> [flags]`, validated by the config schema (as a one-check configuration), and its token. */
export function buildAdHocCheck(cmd: ProbeUrlCommand, env: NodeJS.ProcessEnv): { config: MonitorConfig; check: Check; token?: string; notes: string[] } {
  let url: URL;
  try {
    url = new URL(cmd.url);
  } catch {
    throw new UsageError([`URL must be absolute, like wss://host/path or https://host/path, got "${redactCredentials(cmd.url)}"`], 'probe');
  }
  const scheme = url.protocol.replace(/:$/, '');
  const kind = kindForUrl(cmd.url);

  const problems: string[] = [];
  if (!kind) problems.push(`URL scheme must be ws, wss, http or https, got "${scheme}" in "${redactCredentials(cmd.url)}"`);
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
          },
        }
      : {}),
  };

  let config: MonitorConfig | undefined;
  try {
    config = parseConfig({ tokens: { [DEFAULT_TOKEN_NAME]: { env: cmd.tokenEnv ?? DEFAULT_TOKEN_ENV } }, checks: [raw] }, 'command line');
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...err.problems.map(toFlagProblem));
  }
  if (problems.length || !config) throw new UsageError(problems, 'probe');
  let check = config.checks[0]!;

  const notes: string[] = [];
  if (!token) {
    // No token means no auth (DESIGN §5); the auth flags were still validated above.
    const unused = [cmd.tokenIn !== undefined && '--token-in', cmd.authScheme !== undefined && '--auth-scheme'].filter(Boolean);
    if (unused.length) notes.push(`no token (set SYNTHMON_TOKEN or use --token-env VAR), so ${unused.join(' and ')} ${unused.length > 1 ? 'are' : 'is'} not used`);
    const { auth: _auth, ...withoutAuth } = check;
    check = withoutAuth as Check;
    config = { ...config, checks: [check] };
  }
  return { config, check, token, notes };
}

/** "checks[0].timeoutMs must be at least 100 ms, got 50" → "--timeout must be at least 100 ms, got 50". */
function toFlagProblem(problem: string): string {
  // The configuration's advice for a credential in the URL, in the command line's terms.
  const advice = problem.replace(
    /put the token in tokens and use auth \{"in": "query", "param": "([^"]+)"\}/,
    (_m, param: string) => `pass it in SYNTHMON_TOKEN (or --token-env VAR) with --token-in query${param === 'token' ? '' : ` (the probe sends it as ?token=; use a --config file with auth.param "${param}")`}`,
  );
  for (const [path, flag] of FLAG_FOR_PATH) {
    if (advice.startsWith(`${path} `) || advice.startsWith(`${path}:`)) return flag + advice.slice(path.length);
  }
  return advice;
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
  let config: MonitorConfig;
  let checks: Check[];
  if (cmd.mode === 'url') {
    const adHoc = buildAdHocCheck(cmd, io.env);
    if (adHoc.token) io.addSecret(adHoc.token);
    // A token typed into the URL itself (`wss://host/ws/chat/?token=…`, the seed's form) is still a token.
    for (const value of tokenLikeQueryValues(adHoc.check.url)) io.addSecret(value);
    for (const note of adHoc.notes) io.err(`synthmon: note: ${note}`);
    config = adHoc.config;
    checks = [adHoc.check];
  } else {
    config = loadConfigFile(cmd.configFile);
    checks = selectChecks(config, cmd.checks, cmd.configFile);
  }
  // Every token value in the environment is masked in all output, whether or not a check uses it.
  for (const token of Object.values(config.tokens)) {
    const value = io.env[token.env];
    if (value) io.addSecret(value);
  }

  // The runner's own path: concurrently, each under its own deadline, tokens by name; printed in
  // configuration order. An unset variable gives that check outcome `error`.
  const startedAt = new Date();
  const results = await runChecks(checks, { tokens: envTokenStore(config.tokens, io.env), noRetry: cmd.noRetry });
  printResults(results, cmd.json, io, config.alarms.certificateExpiring.daysLeft);
  let exitCode = results.every((r) => r.ok) ? 0 : 1;

  if (cmd.publish) {
    const published = await publish(results, { config, checks, startedAt }, cmd.json, io);
    if (!published) exitCode = 1;
  }
  return exitCode;
}

function printResults(results: readonly CheckResult[], json: boolean, io: Io, certificateWarningDays: number): void {
  if (json) {
    for (const result of results) io.out(toJsonLine(result));
    return;
  }
  const nameWidth = Math.max(...results.map((r) => r.check.length));
  for (const result of results) io.out(formatHuman(result, { color: io.color, nameWidth, certificateWarningDays }));
}

/**
 * Publish through the Lambda's publisher. On failure it has already written the datapoints to stdout
 * as EMF lines (JSON objects with an `_aws` key, after the result lines, so `--json` output stays
 * JSON lines); we add one line on stderr. The status line goes to stderr under --json.
 */
async function publish(
  results: readonly CheckResult[],
  run: { config: MonitorConfig; checks: readonly Check[]; startedAt: Date },
  json: boolean,
  io: Io,
): Promise<boolean> {
  // Loaded only when asked for: the AWS SDK takes a while to load and most probes never publish.
  const { publishResults } = await import('../../lambda/metrics/publish');
  const options = { namespace: run.config.namespace, phaseTimings: run.config.phaseTimings };
  const report = await publishResults(results, {
    ...options,
    // As the runner publishes a run: the checks' intervals (fast checks high-resolution, the
    // Interval copy of Failures) and the run's own time on every datapoint.
    intervals: intervalsByCheck(run.checks),
    timestamp: run.startedAt,
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
