/** The CLI's pure parts, in process: colour decision, check names from hosts, flag parsing, token length. */
import { describe, expect, it } from 'vitest';
import { parseCommandLine, shortTokenProblem, UsageError, type Command } from '../../bin/cli/args';
import { MIN_TOKEN_LENGTH } from '../../lambda/tokens';
import { shouldColor } from '../../bin/cli/format';
import { nameFromHost } from '../../bin/cli/probe';

describe('shouldColor', () => {
  it.each([
    ['a terminal', {}, true, true],
    ['a pipe', {}, false, false],
    ['a terminal with NO_COLOR', { NO_COLOR: '1' }, true, false],
    ['a terminal with an empty NO_COLOR (no-color.org: ignored)', { NO_COLOR: '' }, true, true],
    ['a pipe with FORCE_COLOR', { FORCE_COLOR: '1' }, false, true],
    ['a pipe with FORCE_COLOR and NO_COLOR', { FORCE_COLOR: '1', NO_COLOR: '1' }, false, false],
    ['a terminal with FORCE_COLOR=0', { FORCE_COLOR: '0' }, true, false],
    ['a dumb terminal', { TERM: 'dumb' }, true, false],
  ])('decides for %s', (_what, env, isTTY, expected) => {
    expect(shouldColor(env, { isTTY })).toBe(expected);
  });
});

describe('nameFromHost', () => {
  it.each([
    ['multivendor-backend.indexo.ir', 'multivendor-backend-indexo-ir'],
    ['127.0.0.1', '127-0-0-1'],
    ['[::1]', '1'],
    ['API.Example.COM', 'api-example-com'],
    ['a'.repeat(39) + '.example.com', 'a'.repeat(39)],
    ['a'.repeat(38) + '.-b.example.com', 'a'.repeat(38) + '-b'],
    ['---', 'probe'],
  ])('names %s as %s, which satisfies the check name rule', (host, name) => {
    expect(nameFromHost(host)).toBe(name);
    expect(name).toMatch(/^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/);
  });
});

describe('parseCommandLine', () => {
  it('parses every probe flag of the synopsis', () => {
    expect(
      parseCommandLine([
        'probe',
        'wss://h/ws/',
        '--origin',
        'https://indexo.ir',
        '--token-env',
        'T',
        '--token-in',
        'query',
        '--auth-scheme',
        'Bearer',
        '--timeout',
        '5000',
        '--settle',
        '0',
        '--no-retry',
        '--json',
        '--publish',
      ]),
    ).toEqual({
      command: 'probe',
      mode: 'url',
      url: 'wss://h/ws/',
      origin: 'https://indexo.ir',
      tokenEnv: 'T',
      tokenIn: 'query',
      authScheme: 'Bearer',
      timeoutMs: 5000,
      settleMs: 0,
      noRetry: true,
      json: true,
      publish: true,
    });
  });

  it('collects repeated --check names in order', () => {
    expect(parseCommandLine(['probe', '--config', 'c.json', '--check', 'b', '--check', 'a'])).toEqual({
      command: 'probe',
      mode: 'config',
      configFile: 'c.json',
      checks: ['b', 'a'],
      noRetry: false,
      json: false,
      publish: false,
      notify: false,
    });
  });

  it('reports every bad number at once', () => {
    let error: unknown;
    try {
      parseCommandLine(['probe', 'https://h/', '--timeout', '1e3', '--expect-status=-1']);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).problems).toEqual([
      '--expect-status must be a whole number (an HTTP status such as 200), got "-1"',
      '--timeout must be a whole number of ms, got "1e3"',
    ]);
  });
});

describe('parseCommandLine: --version', () => {
  it('parses --version as the version command', () => {
    expect(parseCommandLine(['--version'])).toEqual({ command: 'version' });
  });

  it('refuses anything after --version', () => {
    expect(() => parseCommandLine(['--version', 'now'])).toThrow(new UsageError(['--version takes no arguments, got "now"']));
  });
});

describe('shortTokenProblem', () => {
  const probeUrl = (tokenEnv?: string): Command => parseCommandLine(['probe', 'https://h/', ...(tokenEnv ? ['--token-env', tokenEnv] : [])]);
  const seven = 'q7Zx1w9';
  const eight = 'q7Zx1w9k';

  it("follows the token store's minimum of 8 characters", () => {
    expect(MIN_TOKEN_LENGTH).toBe(8);
    expect(eight).toHaveLength(MIN_TOKEN_LENGTH);
  });

  it.each<[string, Command, NodeJS.ProcessEnv, string | undefined]>([
    [
      'a 7-character SYNTHMON_TOKEN',
      probeUrl(),
      { SYNTHMON_TOKEN: seven },
      'SYNTHMON_TOKEN holds fewer than 8 characters, too short to be a token (a truncated paste or a placeholder?): set it to the whole token, or unset it to probe without one',
    ],
    [
      'a 7-character token padded with spaces (the store trims)',
      probeUrl(),
      { SYNTHMON_TOKEN: `  ${seven}\n` },
      'SYNTHMON_TOKEN holds fewer than 8 characters, too short to be a token (a truncated paste or a placeholder?): set it to the whole token, or unset it to probe without one',
    ],
    [
      'a 7-character --token-env variable',
      probeUrl('API_TOKEN'),
      { API_TOKEN: seven, SYNTHMON_TOKEN: eight },
      '--token-env names API_TOKEN, which holds fewer than 8 characters, too short to be a token (a truncated paste or a placeholder?): set it to the whole token',
    ],
    ['an 8-character token', probeUrl(), { SYNTHMON_TOKEN: eight }, undefined],
    ['no token at all (no auth)', probeUrl(), {}, undefined],
    ['an empty --token-env variable (probe reports it as unset)', probeUrl('API_TOKEN'), { API_TOKEN: '' }, undefined],
    ['a short SYNTHMON_TOKEN that --token-env replaces', probeUrl('API_TOKEN'), { API_TOKEN: eight, SYNTHMON_TOKEN: 'e' }, undefined],
    ['a short SYNTHMON_TOKEN with a command that sends no token', parseCommandLine(['--help']), { SYNTHMON_TOKEN: 'e' }, undefined],
    [
      'a short SYNTHMON_TOKEN with --config (its checks report it)',
      parseCommandLine(['probe', '--config', 'c.json']),
      { SYNTHMON_TOKEN: 'e' },
      undefined,
    ],
  ])('for %s', (_what, command, env, problem) => {
    const got = shortTokenProblem(command, env);
    expect(got).toBe(problem);
    expect(got ?? '').not.toContain(seven);
  });
});
