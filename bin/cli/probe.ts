/**
 * `synthmon probe`: build or load checks, run them through the runner's own runChecks (tokens from
 * the environment), print each result, and optionally publish through the runner's own publisher
 * (README.md#cli, docs/DESIGN.md#the-fleet-runner: one code path).
 */
import type { Check, MonitorConfig } from '../../contracts/config';
import { DEFAULT_TOKEN_NAME, defaultTokenEnv } from '../../contracts/fleet';
import { kindForUrl } from '../../contracts/kinds';
import { intervalsByCheck } from '../../contracts/metrics';
import {
  ConfigError,
  ENV_NAME_RE,
  formatPath,
  homeRegionOf,
  loadConfigFile,
  parseConfig,
  problemText,
  redactCredentials,
  type ConfigProblem,
} from '../../contracts/config';
import { HandlerEnvVar, TABLE_NAME_RE } from '../../contracts/handler-env';
import { toJsonLine, type CheckResult } from '../../contracts/result';
import { plural } from '../../contracts/text';
import { runChecks } from '../../lambda/probe-run';
import { envTokenStore } from '../../lambda/tokens';
import type { ProbeConfigCommand, ProbeUrlCommand } from './args';
import { UsageError } from './args';
import { formatHuman } from './format';
import { writeProbeReports } from './report-files';
import type { Io } from './io';

/** The variable read when `--token-env` is not given (the default token's variable). */
export const DEFAULT_TOKEN_ENV = defaultTokenEnv(DEFAULT_TOKEN_NAME);

/** Where each field of an ad-hoc check came from on the command line (by its path in the schema). */
const FLAG_FOR_PATH: ReadonlyMap<string, string> = new Map([
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
]);

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
export function buildAdHocCheck(
  cmd: ProbeUrlCommand,
  env: NodeJS.ProcessEnv,
): { config: MonitorConfig; check: Check; token?: string; notes: string[] } {
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
    problems.push(...err.details.map(toFlagProblem));
  }
  if (problems.length || !config) throw new UsageError(problems, 'probe');
  let check = config.checks[0]!;

  const notes: string[] = [];
  if (!token) {
    // No token means no auth (README.md#cli); the auth flags were still validated above.
    const unused = [cmd.tokenIn !== undefined && '--token-in', cmd.authScheme !== undefined && '--auth-scheme'].filter(Boolean);
    if (unused.length)
      notes.push(`no token (set SYNTHMON_TOKEN or use --token-env VAR), so ${unused.join(' and ')} ${unused.length > 1 ? 'are' : 'is'} not used`);
    const { auth: _auth, ...withoutAuth } = check;
    check = withoutAuth as Check;
    config = { ...config, checks: [check] };
  }
  return { config, check, token, notes };
}

/** A problem of the one-check configuration, named by its flag: "--timeout must be at least 100 ms, got 50". */
function toFlagProblem(problem: ConfigProblem): string {
  // The configuration's advice for a credential in the URL, in the command line's terms.
  const message = problem.message.replace(
    /put the token in tokens and use auth \{"in": "query", "param": "([^"]+)"\}/,
    (_m, param: string) =>
      `pass it in SYNTHMON_TOKEN (or --token-env VAR) with --token-in query${param === 'token' ? '' : ` (the probe sends it as ?token=; use a --config file with auth.param "${param}")`}`,
  );
  const path = problem.path && formatPath(problem.path);
  return problemText({ ...problem, message }, (path !== undefined && FLAG_FOR_PATH.get(path)) || path);
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
      [`unknown check${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `"${n}"`).join(', ')} in ${source}; known checks: ${known.join(', ')}`],
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
  if (cmd.mode === 'config' && !writeProbeReports(cmd, results, { config, startedAt, io })) exitCode = 1;

  if (cmd.publish) {
    const published = await publish(results, { config, checks, startedAt }, cmd.json, io);
    if (!published) exitCode = 1;
  }
  if (cmd.mode === 'config' && cmd.notify) {
    const notified = await notify(results, { config, checks, startedAt, location: cmd.location }, cmd.json, io);
    if (!notified) exitCode = 1;
  }
  return exitCode;
}

/** The monitor name a local run speaks for: the CDK app's default stack name, so its dedup keys match a default deployment's. */
export const CLI_MONITOR_NAME = 'SyntheticMonitor';

/**
 * `--notify`: the runner's incident engine on this run's results (docs/DESIGN.md#incidents): the
 * table named by SYNTHMON_INCIDENT_TABLE at the SDK's endpoint, the configured channels, tokens
 * from the environment. One line per notification won; false when the store or a delivery failed.
 */
async function notify(
  results: readonly CheckResult[],
  run: { config: MonitorConfig; checks: readonly Check[]; startedAt: Date; location: string | undefined },
  json: boolean,
  io: Io,
): Promise<boolean> {
  const table = io.env[HandlerEnvVar.INCIDENT_TABLE]?.trim();
  if (!table || !TABLE_NAME_RE.test(table)) {
    throw new UsageError(
      [
        `--notify needs ${HandlerEnvVar.INCIDENT_TABLE} set to the incident table's name (3-255 of A-Z a-z 0-9 _ . -), got ${table ? `"${table.slice(0, 80)}"` : 'nothing'}`,
      ],
      'probe',
    );
  }
  const { config } = run;
  const location = run.location ?? config.locations[0] ?? 'local';
  // Loaded only when asked for: the DynamoDB SDK and the channels.
  const { createIncidentEngine } = await import('../../lambda/incidents');
  const home = homeRegionOf(config);
  const engine = createIncidentEngine({
    table,
    location,
    ...(home ? { region: home } : {}),
    incidents: {
      monitor: CLI_MONITOR_NAME,
      locations: config.locations.length ? [...config.locations] : [location],
      quorum: config.quorum ?? Math.floor(Math.max(1, config.locations.length) / 2) + 1,
      resolveAfterRuns: config.incidents.resolveAfterRuns,
      notifications: config.notifications,
      ...(config.maintenance.length ? { maintenance: config.maintenance } : {}),
    },
    secrets: envTokenStore(config.tokens, io.env),
    log: () => {},
  });
  const report = await engine.record(results, {
    at: run.startedAt.getTime(),
    intervals: new Map(run.checks.map((c) => [c.name, c.intervalSeconds])),
    deadline: Date.now() + 20_000,
  });
  const say = (line: string) => (json ? io.err(`synthmon: ${line}`) : io.out(line));
  for (const n of report.notifications) {
    const sent = report.deliveries.filter((d) => d.ok).map((d) => d.channel);
    say(`incident ${n.action} (${n.dedupKey}) as ${location}: ${n.summary}${sent.length ? ` [sent: ${[...new Set(sent)].join(', ')}]` : ''}`);
  }
  for (const d of report.deliveries.filter((x) => !x.ok)) {
    io.err(
      `synthmon: notification to ${d.channel} failed${d.status ? ` (HTTP ${d.status})` : ''}: ${d.error ?? 'unknown error'}; ${d.retryable ? 'it stays in the outbox and is sent by the next --notify run' : 'not retried'}`,
    );
  }
  for (const e of report.errors) io.err(`synthmon: incident store: ${e}`);
  if (!report.notifications.length && !report.errors.length) say(`incidents: ${report.recorded} verdict(s) recorded as ${location}; nothing to send`);
  return report.errors.length === 0 && report.deliveries.every((d) => d.ok);
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
