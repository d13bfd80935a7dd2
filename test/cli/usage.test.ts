/**
 * Usage and configuration errors (exit 2, the exact message and a short usage on stderr, nothing on
 * stdout, never a stack trace), help, and `synthmon cost`, all through the built CLI.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CANARY, lines, runCli, scratch } from './support';

const PACKAGE_VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

let dir: ReturnType<typeof scratch>;
let goodConfig: string;
let badConfig: string;

beforeAll(() => {
  dir = scratch();
  goodConfig = dir.write(
    'good.json',
    JSON.stringify({
      checks: [
        { name: 'chat', kind: 'websocket', url: 'wss://127.0.0.1:9/ws/chat/' },
        { name: 'orders', kind: 'http', url: 'https://127.0.0.1:9/api/orders/' },
      ],
    }),
  );
  badConfig = dir.write(
    'bad.json',
    JSON.stringify({
      namespace: 'AWS/Bad',
      checks: [
        { name: 'Bad Name', kind: 'websocket', url: 'https://127.0.0.1/ws/' },
        { name: 'b', kind: 'http', url: 'https://127.0.0.1/', timeoutMs: 'soon', colour: 'red' },
      ],
    }),
  );
});
afterAll(() => dir?.cleanup());

/** The canary is in the environment of every run, so a message that echoed the token would fail. */
const env = { SYNTHMON_TOKEN: CANARY };

function expectUsageError(run: { code: number | null; stdout: string; stderr: string }, message: string) {
  expect(run.code).toBe(2);
  expect(run.stdout).toBe('');
  expect(lines(run.stderr)[0]).toBe(`synthmon: ${message}`);
  expect(run.stderr).toContain('\nUsage:\n  synthmon ');
  expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
}

describe('usage errors exit 2 with the exact message', () => {
  it.each([
    ['an unknown flag', ['probe', 'https://127.0.0.1/', '--bogus'], 'unknown option --bogus for probe'],
    [
      'an unsupported URL scheme',
      ['probe', 'ftp://127.0.0.1/file'],
      'URL scheme must be ws, wss, http or https, got "ftp" in "ftp://127.0.0.1/file"',
    ],
    [
      'a URL that is not absolute',
      ['probe', 'example.com/api'],
      'URL must be absolute, like wss://host/path or https://host/path, got "example.com/api"',
    ],
    ['a non-numeric --timeout', ['probe', 'https://127.0.0.1/', '--timeout', 'abc'], '--timeout must be a whole number of ms, got "abc"'],
    ['a fractional --settle', ['probe', 'wss://127.0.0.1/', '--settle', '1.5'], '--settle must be a whole number of ms, got "1.5"'],
    [
      'a non-numeric --expect-status',
      ['probe', 'https://127.0.0.1/', '--expect-status', 'ok'],
      '--expect-status must be a whole number (an HTTP status such as 200), got "ok"',
    ],
    [
      'a --timeout below the schema minimum (same text as the config file)',
      ['probe', 'https://127.0.0.1/', '--timeout', '50'],
      '--timeout must be at least 100 ms, got 50',
    ],
    ['a bad --token-in', ['probe', 'https://127.0.0.1/', '--token-in', 'body'], '--token-in must be "header" or "query", got "body"'],
    [
      'a bad --auth-scheme',
      ['probe', 'https://127.0.0.1/', '--auth-scheme', 'Bad Scheme'],
      '--auth-scheme must be an auth scheme such as Token or Bearer, got "Bad Scheme"',
    ],
    ['a missing URL', ['probe'], 'probe needs a URL or --config FILE'],
    ['two URLs', ['probe', 'https://127.0.0.1/a', 'https://127.0.0.1/b'], 'probe takes one URL, got 2: "https://127.0.0.1/a" "https://127.0.0.1/b"'],
    ['a flag without its value', ['probe', 'https://127.0.0.1/', '--timeout'], "option '--timeout <value>' argument missing"],
    ['--settle on an http URL', ['probe', 'https://127.0.0.1/', '--settle', '100'], '--settle applies to ws:// and wss:// URLs only'],
    [
      '--expect-status on a websocket URL',
      ['probe', 'wss://127.0.0.1/', '--expect-status', '101'],
      '--expect-status applies to http:// and https:// URLs only',
    ],
    [
      '--check without --config',
      ['probe', 'https://127.0.0.1/', '--check', 'chat'],
      '--check selects checks of a configuration file: use it with --config FILE',
    ],
    ['an unknown command', ['frobnicate'], 'unknown command "frobnicate"'],
    ['no command', [], 'missing command'],
    ['an argument to demo', ['demo', 'now'], 'demo takes no arguments, got "now"'],
    ['an unknown flag to cost', ['cost', '--json'], 'unknown option --json for cost'],
    ['an argument to --version', ['--version', 'probe'], '--version takes no arguments, got "probe"'],
  ])('rejects %s', async (_what, args, message) => {
    expectUsageError(await runCli(args, { env }), message);
  });

  it('rejects a URL together with --config', async () => {
    expectUsageError(
      await runCli(['probe', 'https://127.0.0.1/', '--config', goodConfig], { env }),
      'give either a URL or --config FILE, not both (got URL "https://127.0.0.1/")',
    );
  });

  it('rejects URL flags together with --config', async () => {
    expectUsageError(
      await runCli(['probe', '--config', goodConfig, '--timeout', '500'], { env }),
      '--timeout cannot be combined with --config (set it in the configuration file)',
    );
  });

  it('rejects --token-env naming an unset variable, without probing', async () => {
    expectUsageError(
      await runCli(['probe', 'https://127.0.0.1:9/api/', '--token-env', 'SYNTHMON_CLI_TEST_UNSET'], { env }),
      '--token-env names SYNTHMON_CLI_TEST_UNSET, but that environment variable is unset or empty',
    );
  });

  it('rejects --token-env naming an empty variable', async () => {
    expectUsageError(
      await runCli(['probe', 'https://127.0.0.1:9/api/', '--token-env', 'EMPTY_TOKEN'], { env: { ...env, EMPTY_TOKEN: '' } }),
      '--token-env names EMPTY_TOKEN, but that environment variable is unset or empty',
    );
  });

  it('rejects a SYNTHMON_TOKEN too short to be a token, naming the variable and the minimum, never the value', async () => {
    const run = await runCli(['probe', 'https://127.0.0.1:9/api/'], { env: { SYNTHMON_TOKEN: 'q7Zx1' } });
    expectUsageError(
      run,
      'SYNTHMON_TOKEN holds fewer than 8 characters, too short to be a token (a truncated paste or a placeholder?): set it to the whole token, or unset it to probe without one',
    );
    expect(run.stderr).not.toContain('q7Zx1');
  });

  it('rejects a --token-env variable too short to be a token, never printing it', async () => {
    const run = await runCli(['probe', 'https://127.0.0.1:9/api/', '--token-env', 'SHORT_TOKEN'], { env: { ...env, SHORT_TOKEN: ' q7Zx1w9 ' } });
    expectUsageError(
      run,
      '--token-env names SHORT_TOKEN, which holds fewer than 8 characters, too short to be a token (a truncated paste or a placeholder?): set it to the whole token',
    );
    expect(run.stderr).not.toContain('q7Zx1w9');
  });

  it('lists every problem of the command line at once', async () => {
    const run = await runCli(['probe', 'wss://127.0.0.1/', '--expect-status', '101', '--token-env', 'SYNTHMON_CLI_TEST_UNSET', '--timeout', '50'], {
      env,
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      new RegExp(
        '^synthmon: 3 problems:\\n' +
          '  - --expect-status applies to http:// and https:// URLs only\\n' +
          '  - --token-env names SYNTHMON_CLI_TEST_UNSET, but that environment variable is unset or empty\\n' +
          '  - --timeout must be at least 100 ms, got 50\\n\\nUsage:',
      ),
    );
  });

  it('rejects an unknown --check, listing the known names', async () => {
    expectUsageError(
      await runCli(['probe', '--config', goodConfig, '--check', 'orders', '--check', 'nope'], { env }),
      `unknown check "nope" in ${goodConfig}; known checks: chat, orders`,
    );
  });
});

describe('configuration errors exit 2 listing every problem', () => {
  const problems = [
    'namespace must not start with "AWS/" (reserved), got "AWS/Bad"',
    'checks[0].name must be 1-40 lower-case letters, digits or hyphens, starting and ending with a letter or digit, got "Bad Name"',
    'checks[0].url must use ws:// or wss:// for a websocket check, got "https://127.0.0.1/ws/"',
    'checks[1].timeoutMs must be a number of ms, got "soon"',
    'checks[1]: unknown key "colour"',
  ];

  it.each([
    ['probe', ['probe', '--config']],
    ['cost', ['cost', '--config']],
  ])('%s --config reports all five problems of an invalid file', async (_cmd, args) => {
    const run = await runCli([...args, badConfig], { env });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(`synthmon: Invalid configuration in ${badConfig} (5 problems):\n${problems.map((p) => `  - ${p}\n`).join('')}`);
  });

  it('names what replaced each v1 key of a configuration file', async () => {
    const file = dir.write(
      'v1.json',
      JSON.stringify({
        intervalMinutes: 5,
        functionTimeoutSeconds: 60,
        checks: [{ name: 'orders', kind: 'http', url: 'https://127.0.0.1:9/api/', auth: { tokenEnv: 'ORDERS_TOKEN' } }],
      }),
    );
    const run = await runCli(['probe', '--config', file], { env });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      `synthmon: Invalid configuration in ${file} (3 problems):\n` +
        '  - checks[0].auth.tokenEnv moved to tokens.<name>.env; name the token with auth.token, got "ORDERS_TOKEN"\n' +
        '  - intervalMinutes was replaced by intervalSeconds (60 = 1 minute): write "intervalSeconds": 300, got 5\n' +
        "  - functionTimeoutSeconds is no longer set: the runner's timeout follows from the checks' deadlines, got 60\n",
    );
  });

  it('refuses a configuration that puts a token in a check URL, without echoing it', async () => {
    const file = dir.write(
      'url-token.json',
      JSON.stringify({ checks: [{ name: 'chat', kind: 'websocket', url: `wss://127.0.0.1:9/ws/chat/?token=${CANARY}` }] }),
    );
    const run = await runCli(['probe', '--config', file], { env });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `synthmon: Invalid configuration in ${file} (1 problem):\n` +
        '  - checks[0].url must not carry a credential in its query (token=***): put the token in tokens and use auth {"in": "query", "param": "token"}, ' +
        'got "wss://127.0.0.1:9/ws/chat/?token=***"\n',
    );
  });

  it('reports a file that is not JSON', async () => {
    const file = dir.write('broken.json', '{"checks": [');
    const run = await runCli(['probe', '--config', file], { env });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`^synthmon: Invalid configuration in ${file} \\(1 problem\\):\\n  - not valid JSON: `));
  });

  it('reports a file that does not exist', async () => {
    const file = `${dir.dir}/missing.json`;
    const run = await runCli(['probe', '--config', file], { env });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`synthmon: Invalid configuration in ${file} (1 problem):\n  - cannot read the file: ENOENT\n`);
  });
});

describe('help and version', () => {
  it.each([[['--help']], [['-h']], [['help']]])('prints the overview for %j and exits 0', async (args) => {
    const run = await runCli(args, { env });
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain('synthmon probe <url> [--origin O] [--token-env VAR] [--token-in header|query] [--auth-scheme S]');
    expect(run.stdout).toContain('synthmon probe --config FILE [--check NAME]... [--no-retry] [--json] [--publish]');
    expect(run.stdout).toContain('synthmon demo');
    expect(run.stdout).toContain('synthmon cost [--config FILE]');
    expect(run.stdout).toContain('synthmon --version');
  });

  it.each([[['probe', '--help']], [['help', 'probe']], [['probe', 'https://127.0.0.1/', '-h']]])('prints the probe flags for %j', async (args) => {
    const run = await runCli(args, { env });
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    for (const flag of [
      '--origin',
      '--token-env',
      '--token-in',
      '--auth-scheme',
      '--expect-status',
      '--timeout',
      '--settle',
      '--no-retry',
      '--json',
      '--publish',
      '--config',
      '--check',
    ]) {
      expect(run.stdout).toContain(`  ${flag} `);
    }
    expect(run.stdout).toContain('NODE_EXTRA_CA_CERTS');
    // v2: tokens are named, each read from its token's env; intervals are in seconds.
    expect(run.stdout).toContain('SYNTHMON_TOKEN_<NAME>');
    expect(run.stdout).toContain('intervalSeconds');
    expect(run.stdout).not.toContain('tokenEnv');
  });

  it('prints the package version with --version and exits 0', async () => {
    const run = await runCli(['--version'], { env });
    expect(run).toMatchObject({ code: 0, stdout: `${PACKAGE_VERSION}\n`, stderr: '' });
  });

  it('masks no text with a SYNTHMON_TOKEN too short to be a token (was "synth***tic monitor")', async () => {
    const run = await runCli(['--help'], { env: { SYNTHMON_TOKEN: 'e' } });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^synthmon: synthetic monitor for WebSocket and authorized HTTP endpoints\./);
    expect(run.stdout).not.toContain('***');
  });
});

describe('synthmon cost', () => {
  it('prices the embedded default configuration', async () => {
    const run = await runCli(['cost'], { env });
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/^Fleet: 2 checks \(1 websocket, 1 http\) every 60 s; .*; 1 token;/);
    expect(run.stdout).toContain('\nCost per month, ');
  });

  it('prices a configuration file', async () => {
    const run = await runCli(['cost', '--config', goodConfig], { env });
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/^Fleet: 2 checks \(1 websocket, 1 http\) every 60 s; .*; 0 tokens;/);
    expect(run.stdout).toContain('\nCost per month, ');
  });
});
