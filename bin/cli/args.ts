/**
 * Command-line parsing for `synthmon` (README.md#cli): argv → a typed command, or a UsageError that
 * names what was wrong and what it got. Nothing here touches the network or the environment.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { DEFAULT_TOKEN_NAME, defaultTokenEnv } from '../../contracts/fleet';
import { MIN_TOKEN_LENGTH } from '../../lambda/tokens';

/** A mistake on the command line: exit 2, message and short usage on stderr. */
export class UsageError extends Error {
  readonly code = 'SYNTHMON_USAGE';
  constructor(
    readonly problems: readonly string[],
    /** Which usage to print after the message. @default 'main' */
    readonly topic: HelpTopic = 'main',
  ) {
    super(problems.length === 1 ? problems[0] : `${problems.length} problems:\n  - ${problems.join('\n  - ')}`);
    this.name = 'UsageError';
  }
}

export type HelpTopic = 'main' | 'probe' | 'demo' | 'cost' | 'status';

/** `synthmon probe <url> …`: one ad-hoc check built from flags. */
export interface ProbeUrlCommand {
  readonly command: 'probe';
  readonly mode: 'url';
  readonly url: string;
  readonly origin?: string;
  readonly tokenEnv?: string;
  readonly tokenIn?: 'header' | 'query';
  readonly authScheme?: string;
  readonly expectStatus?: number;
  readonly timeoutMs?: number;
  readonly settleMs?: number;
  readonly noRetry: boolean;
  readonly json: boolean;
  readonly publish: boolean;
}

/** `synthmon probe --config FILE …`: the file's checks (or the `--check` ones). */
export interface ProbeConfigCommand {
  readonly command: 'probe';
  readonly mode: 'config';
  readonly configFile: string;
  /** Names given with `--check`, in order; empty = every check. */
  readonly checks: readonly string[];
  readonly noRetry: boolean;
  readonly json: boolean;
  readonly publish: boolean;
  /** `--report FILE.html`: the run as one self-contained HTML file (bin/cli/report-html.ts). */
  readonly reportFile?: string;
  /** `--junit FILE`: one JUnit testcase per check (bin/cli/junit.ts). */
  readonly junitFile?: string;
  /** Run the incident pipeline (record verdicts, open/update/resolve, deliver). */
  readonly notify: boolean;
  /** The location this run speaks for (`--location`). @default - the configuration's first location, else `local` */
  readonly location?: string;
}

export type Command =
  | { readonly command: 'help'; readonly topic: HelpTopic }
  | { readonly command: 'version' }
  | { readonly command: 'demo'; readonly verbose?: boolean; readonly reportFile?: string }
  | { readonly command: 'cost'; readonly configFile?: string }
  | StatusCommand
  | ProbeUrlCommand
  | ProbeConfigCommand;

/** `synthmon status [--config FILE] [--json]`: what a deployed monitor says is wrong now (bin/cli/status.ts). */
export interface StatusCommand {
  readonly command: 'status';
  readonly configFile?: string;
  readonly json: boolean;
}

export const SHORT_USAGE = `Usage:
  synthmon probe <url> [--origin O] [--token-env VAR] [--token-in header|query] [--auth-scheme S]
                       [--expect-status N] [--timeout MS] [--settle MS] [--no-retry] [--json] [--publish]
  synthmon probe --config FILE [--check NAME]... [--no-retry] [--json] [--publish] [--report FILE.html] [--junit FILE.xml]
  synthmon demo [--verbose] [--report FILE.html]
  synthmon status [--config FILE] [--json]
  synthmon cost [--config FILE]
  synthmon --version
  synthmon help [probe|demo|status|cost]`;

export const HELP: Readonly<Record<HelpTopic, string>> = {
  main: `synthmon: synthetic monitor for WebSocket and authorized HTTP endpoints.

${SHORT_USAGE}

Commands:
  probe   run checks now and report each outcome (exit 0 all ok, 1 any failed, 2 usage/config error)
  demo    the embedded default: a local replica walks through the seed's regressions (npm start)
  status  what a deployed monitor says is wrong now: alarms in ALARM, open incidents, each check's last result
  cost    estimate the monthly AWS cost of a configuration
  help    this text, or "help probe" for the probe flags
  --version  print the version

Run "synthmon help probe" for the probe flags and environment.`,

  probe: `Usage:
  synthmon probe <url> [--origin O] [--token-env VAR] [--token-in header|query] [--auth-scheme S]
                       [--expect-status N] [--timeout MS] [--settle MS] [--no-retry] [--json] [--publish]
  synthmon probe --config FILE [--check NAME]... [--no-retry] [--json] [--publish] [--report FILE.html] [--junit FILE.xml]
  synthmon probe --config FILE [--check NAME]... [--no-retry] [--json] [--publish] [--notify [--location L]]

Probes one URL (ws:// or wss:// = websocket check, http:// or https:// = http check), or the
checks of a configuration file (run once, now, concurrently, reported in file order; their
intervalSeconds applies to the deployed schedule only).

Flags for a URL:
  --origin O           Origin header sent (default for websocket: the target's own origin)
  --token-env VAR      read the token from environment variable VAR (must be set, at least ${MIN_TOKEN_LENGTH} characters)
                       default: SYNTHMON_TOKEN when set, else no token (no auth)
  --token-in W         header | query (default: header for http(s), query parameter "token" for ws(s))
  --auth-scheme S      scheme in "Authorization: S <token>" (default Token)
  --expect-status N    expected HTTP status, http only (default 200)
  --timeout MS         deadline per attempt (default 10000)
  --settle MS          how long a websocket must stay open after 101; 0 disables (default 1000)
Flags for both:
  --config FILE        run the checks of a JSON configuration file; each check's auth.token names a token
                       read from that token's env (SYNTHMON_TOKEN for "default", SYNTHMON_TOKEN_<NAME> otherwise)
  --check NAME         only this check of the file (repeatable)
  --no-retry           skip the confirmation retry of a failing outcome
  --json               one JSON object per check per line on stdout
  --publish            publish the metrics as the Lambda does (AWS_REGION, AWS_ENDPOINT_URL_CLOUDWATCH, ...);
                       if CloudWatch stays unavailable the datapoints go to stdout as EMF JSON lines
                       (objects with an "_aws" key, after the result lines) and the exit status is 1
  --report FILE.html   with --config: also write the run as one self-contained HTML page (no network)
  --junit FILE.xml     with --config: also write a JUnit XML report, one testcase per check (for CI)
Flags for a configuration file:
  --notify             run the incident pipeline as the runner does: record the verdicts in the table
                       SYNTHMON_INCIDENT_TABLE (AWS_ENDPOINT_URL_DYNAMODB, AWS_REGION, ...), open, update or
                       resolve incidents and deliver them to the configured notification channels
  --location L         the location this run speaks for (default: the first of "locations", else "local")

Environment: NODE_EXTRA_CA_CERTS (extra trusted CAs), SYNTHMON_TOKEN (the default token), NO_COLOR, FORCE_COLOR.
Exit status: 0 every check ok, 1 any check failed or publishing failed, 2 usage or configuration error.`,

  demo: `Usage:
  synthmon demo [--verbose] [--report FILE.html]

Starts a replica of the backend on loopback (TLS, origin validation, token auth), runs the default
checks through the seed's regressions and back (one in a maintenance window), and tells it as an
on-call story: each step, each check's outcome, each page, and per incident the notifications
sent, the time to page and to recover. No AWS account or network needed; ends by itself.

  --verbose            also every result, the datapoints published and each alarm state change with its reason
  --report FILE.html   also write the walk as one self-contained HTML page (timeline, incidents, pages)`,

  status: `Usage:
  synthmon status [--config FILE] [--json]

Asks a deployed monitor what is wrong now: its alarms in ALARM (CloudWatch DescribeAlarms, by the
monitor's alarm name prefix), each check's last result (GetMetricData on Success and Failures), and,
when SYNTHMON_INCIDENT_TABLE is set, its open incidents. Uses the standard AWS SDK configuration
(AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL_CLOUDWATCH, ...).

  --config FILE        the monitor's configuration (default: the embedded default)
  --json               one JSON object on stdout

Environment: SYNTHMON_STACK (the stack name, default SyntheticMonitor), SYNTHMON_INCIDENT_TABLE.
Exit status: 0 all clear, 1 something is open (an alarm or an incident), 2 usage or configuration error.`,

  cost: `Usage:
  synthmon cost [--config FILE]

Estimates the monthly AWS cost (Lambda, Scheduler, metrics, alarms, logs) of a configuration
(its checks, intervalSeconds and locations); without --config, of the embedded default.`,
};

type Options = NonNullable<ParseArgsConfig['options']>;

const PROBE_OPTIONS = {
  origin: { type: 'string' },
  'token-env': { type: 'string' },
  'token-in': { type: 'string' },
  'auth-scheme': { type: 'string' },
  'expect-status': { type: 'string' },
  timeout: { type: 'string' },
  settle: { type: 'string' },
  'no-retry': { type: 'boolean' },
  json: { type: 'boolean' },
  publish: { type: 'boolean' },
  notify: { type: 'boolean' },
  location: { type: 'string' },
  config: { type: 'string' },
  check: { type: 'string', multiple: true },
  report: { type: 'string' },
  junit: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

/** Flags that only describe an ad-hoc URL probe (a config file carries these itself). */
const URL_ONLY_FLAGS = ['origin', 'token-env', 'token-in', 'auth-scheme', 'expect-status', 'timeout', 'settle'] as const;

const COST_OPTIONS = { config: { type: 'string' }, help: { type: 'boolean', short: 'h' } } as const satisfies Options;
const DEMO_OPTIONS = { verbose: { type: 'boolean' }, report: { type: 'string' }, help: { type: 'boolean', short: 'h' } } as const satisfies Options;
const STATUS_OPTIONS = { config: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const satisfies Options;

/** Parse `synthmon`'s arguments (without `node` and the script path). */
export function parseCommandLine(argv: readonly string[]): Command {
  const [first, ...rest] = argv;
  if (first === undefined) throw new UsageError(['missing command']);
  if (first === '--help' || first === '-h') return { command: 'help', topic: 'main' };
  if (first === '--version') {
    if (rest.length) throw new UsageError([`--version takes no arguments, got "${rest[0]}"`]);
    return { command: 'version' };
  }
  switch (first) {
    case 'help': {
      const topic = rest[0];
      if (topic === undefined) return { command: 'help', topic: 'main' };
      if (topic === 'probe' || topic === 'demo' || topic === 'cost' || topic === 'status') return { command: 'help', topic };
      throw new UsageError([`no help for "${topic}": try probe, demo, status or cost`]);
    }
    case 'probe':
      return parseProbe(rest);
    case 'demo': {
      const { values } = strictParse(rest, DEMO_OPTIONS, 'demo', false);
      if (values.help) return { command: 'help', topic: 'demo' };
      return { command: 'demo', ...defined({ verbose: values.verbose, reportFile: fileFlag(values.report, '--report', 'demo') }) };
    }
    case 'status': {
      const { values } = strictParse(rest, STATUS_OPTIONS, 'status', false);
      if (values.help) return { command: 'help', topic: 'status' };
      return { command: 'status', json: values.json ?? false, ...defined({ configFile: values.config }) };
    }
    case 'cost': {
      const { values } = strictParse(rest, COST_OPTIONS, 'cost', false);
      if (values.help) return { command: 'help', topic: 'cost' };
      return values.config === undefined ? { command: 'cost' } : { command: 'cost', configFile: values.config };
    }
    default:
      throw new UsageError([first.startsWith('-') ? `unknown option ${first} (give a command first)` : `unknown command "${first}"`]);
  }
}

function parseProbe(args: readonly string[]): Command {
  const { values, positionals } = strictParse(args, PROBE_OPTIONS, 'probe', true);
  if (values.help) return { command: 'help', topic: 'probe' };
  const problems: string[] = [];
  const common = { noRetry: values['no-retry'] ?? false, json: values.json ?? false, publish: values.publish ?? false };

  if (values.config !== undefined) {
    if (positionals.length > 0) problems.push(`give either a URL or --config FILE, not both (got URL "${positionals[0]}")`);
    for (const flag of URL_ONLY_FLAGS) {
      if (values[flag] !== undefined) problems.push(`--${flag} cannot be combined with --config (set it in the configuration file)`);
    }
    if (values.location !== undefined && !values.notify) problems.push('--location applies with --notify only');
    if (values.location !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(values.location)) {
      problems.push(
        `--location must be a location label such as eu-west-1 or local (letters, digits, . _ -, at most 64), got "${values.location.slice(0, 80)}"`,
      );
    }
    if (problems.length) throw new UsageError(problems, 'probe');
    const files = defined({ reportFile: fileFlag(values.report, '--report'), junitFile: fileFlag(values.junit, '--junit') });
    return {
      command: 'probe',
      mode: 'config',
      configFile: values.config,
      checks: values.check ?? [],
      ...common,
      ...files,
      notify: values.notify ?? false,
      ...(values.location !== undefined ? { location: values.location } : {}),
    };
  }
  if (values.notify !== undefined || values.location !== undefined) {
    problems.push('--notify and --location need --config FILE (the notification channels and locations come from the configuration)');
  }

  if (positionals.length === 0) throw new UsageError(['probe needs a URL or --config FILE'], 'probe');
  if (positionals.length > 1) {
    throw new UsageError([`probe takes one URL, got ${positionals.length}: ${positionals.map((p) => `"${p}"`).join(' ')}`], 'probe');
  }
  if (values.check !== undefined) problems.push('--check selects checks of a configuration file: use it with --config FILE');
  for (const flag of ['report', 'junit'] as const)
    if (values[flag] !== undefined) problems.push(`--${flag} writes a report of a configuration's checks: use it with --config FILE`);

  const tokenIn = values['token-in'];
  if (tokenIn !== undefined && tokenIn !== 'header' && tokenIn !== 'query') {
    problems.push(`--token-in must be "header" or "query", got "${tokenIn}"`);
  }
  const tokenEnv = values['token-env'];
  if (tokenEnv !== undefined && tokenEnv === '') problems.push('--token-env must name an environment variable, got ""');
  const expectStatus = wholeNumber(values['expect-status'], '--expect-status', '(an HTTP status such as 200)', problems);
  const timeoutMs = wholeNumber(values.timeout, '--timeout', 'of ms', problems);
  const settleMs = wholeNumber(values.settle, '--settle', 'of ms', problems);
  if (problems.length) throw new UsageError(problems, 'probe');

  return {
    command: 'probe',
    mode: 'url',
    url: positionals[0]!,
    ...defined({
      origin: values.origin,
      tokenEnv,
      tokenIn: tokenIn as 'header' | 'query' | undefined,
      authScheme: values['auth-scheme'],
      expectStatus,
      timeoutMs,
      settleMs,
    }),
    ...common,
  };
}

/**
 * A token the CLI would send that is too short to be one, as a usage problem naming the variable
 * (never its value), or undefined. The token store refuses such tokens anyway (MIN_TOKEN_LENGTH in
 * lambda/tokens.ts), and output masking leaves them alone: masking every "e" would mangle all text.
 * Only `probe <url>` takes its token from SYNTHMON_TOKEN or --token-env; a configuration's checks
 * report a short token as their outcome `error`.
 */
export function shortTokenProblem(command: Command, env: NodeJS.ProcessEnv): string | undefined {
  if (command.command !== 'probe' || command.mode !== 'url') return undefined;
  const variable = command.tokenEnv ?? defaultTokenEnv(DEFAULT_TOKEN_NAME);
  const value = env[variable];
  if (!value || value.trim().length >= MIN_TOKEN_LENGTH) return undefined;
  const why = `fewer than ${MIN_TOKEN_LENGTH} characters, too short to be a token (a truncated paste or a placeholder?)`;
  return command.tokenEnv !== undefined
    ? `--token-env names ${variable}, which holds ${why}: set it to the whole token`
    : `${variable} holds ${why}: set it to the whole token, or unset it to probe without one`;
}

/**
 * node:util parseArgs in strict mode, with its errors turned into UsageErrors. Node's own text for an
 * unknown option is long and suggests `--`; ours names the option and the command.
 */
function strictParse<O extends Options>(args: readonly string[], options: O, command: string, allowPositionals: boolean) {
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals });
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const unknown = firstUnknownOption(args, options);
      throw new UsageError([`unknown option ${unknown ?? '(unrecognized)'} for ${command}`], topicOf(command));
    }
    if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      const extra = args.find((a) => !a.startsWith('-'));
      throw new UsageError([`${command} takes no arguments, got "${extra ?? ''}"`], topicOf(command));
    }
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      // e.g. "Option '--timeout <value>' argument missing", "Option '--json' does not take an argument"
      throw new UsageError([lowerFirst((err as Error).message)], topicOf(command));
    }
    throw err;
  }
}

/** The first option token (as typed) that the command does not define. */
function firstUnknownOption(args: readonly string[], options: Options): string | undefined {
  const { tokens } = parseArgs({ args: [...args], options, strict: false, allowPositionals: true, tokens: true });
  const shorts = new Set(
    Object.values(options)
      .map((o) => o.short)
      .filter(Boolean),
  );
  for (const token of tokens ?? []) {
    if (token.kind !== 'option') continue;
    const known = token.rawName.startsWith('--') ? token.name in options : shorts.has(token.name);
    if (!known) return token.rawName;
  }
  return undefined;
}

/** A flag value that must be a whole number: `--timeout must be a whole number of ms, got "abc"`. */
function wholeNumber(raw: string | undefined, flag: string, unit: string, problems: string[]): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw)) {
    problems.push(`${flag} must be a whole number ${unit}, got "${raw}"`);
    return undefined;
  }
  return Number(raw);
}

function topicOf(command: string): HelpTopic {
  return command === 'probe' || command === 'demo' || command === 'cost' || command === 'status' ? command : 'main';
}

/** A file flag's value: not empty. */
function fileFlag(value: string | undefined, flag: string, topic: HelpTopic = 'probe'): string | undefined {
  if (value === '') throw new UsageError([`${flag} needs a file name, got ""`], topic);
  return value;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

function defined<T extends Record<string, unknown>>(obj: T): Partial<T> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as Partial<T>;
}
