/**
 * Structured problems: every ConfigError carries `{path, message, received}` for each problem, and
 * its words are exactly those parts put together, so a caller names a field its own way (a flag,
 * a check's real index) without parsing the text.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, formatPath, parseConfig, problemText } from '../../contracts/config';
import { http, withChecks, ws } from './support';

function errorOf(raw: unknown): ConfigError {
  try {
    parseConfig(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('structured configuration problems', () => {
  it('gives each problem as path, message and received, and its text from those parts', () => {
    const err = errorOf({ ...withChecks({ ...ws, timeoutMs: 50 }, { ...http, name: 'a', method: 'FETCH' }), colour: 'red' });
    expect(err.details).toEqual([
      { path: ['checks', 0, 'timeoutMs'], message: 'must be at least 100 ms', received: '50' },
      { path: ['checks', 1, 'method'], message: 'must be an HTTP method in upper case', received: '"FETCH"' },
      { path: [], message: 'unknown key "colour"' },
    ]);
    expect(err.problems).toEqual(err.details.map((p) => problemText(p)));
    expect(err.problems[0]).toBe('checks[0].timeoutMs must be at least 100 ms, got 50');
    expect(err.problems[2]).toBe('(root): unknown key "colour"');
  });

  it('names a field another way without touching the message or the value received', () => {
    const [problem] = errorOf(withChecks({ ...ws, timeoutMs: 50 })).details;
    expect(formatPath(problem!.path!)).toBe('checks[0].timeoutMs');
    expect(problemText(problem!, '--timeout')).toBe('--timeout must be at least 100 ms, got 50');
  });
});
