/**
 * Problems: what is wrong with a configuration, structured (`{path, message, received}`) so the
 * CLI and the construct can name a field their own way (a flag, the check's real index) without
 * parsing text, and written out as "<path> <message>, got <received>". Never zod's own wording.
 */
import type { z } from 'zod';
import { INTERVALS } from '../fleet';
import { plural } from '../text';
import { FINITE, isObject, nonFinite } from './fields';
import { redactCredentials } from './urls';

/** Keys and list indexes from the configuration's root. */
export type ConfigPath = readonly (string | number)[];

/** One problem of a configuration: where, what is expected, what was received. */
export interface ConfigProblem {
  /** Where, from the configuration's root ([] for the root itself); absent for the file as a whole (unreadable, not JSON). */
  readonly path?: ConfigPath;
  /** What is wrong, in words: "must be at least 100 ms", "unknown key \"colour\"". */
  readonly message: string;
  /** The value received, as shown (JSON, credentials masked, at most 80 characters); absent for a problem of keys or of the file. */
  readonly received?: string;
}

/** `checks[0].auth.token`; `(root)` for the root. */
export function formatPath(path: ConfigPath): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || '(root)';
}

/**
 * A problem in words: "<path> <message>, got <received>" ("<path>: <message>" without a value, the
 * message alone for the file). `where` names the field another way (the CLI names a flag).
 */
export function problemText(problem: ConfigProblem, where: string | undefined = problem.path && formatPath(problem.path)): string {
  if (where === undefined) return problem.message;
  return problem.received === undefined ? `${where}: ${problem.message}` : `${where} ${problem.message}, got ${problem.received}`;
}

/** Thrown for any invalid configuration; `details` lists every problem, `problems` the same in words. */
export class ConfigError extends Error {
  readonly code = 'SYNTHMON_CONFIG_INVALID';
  /** Every problem in words, in the order found. */
  readonly problems: readonly string[];
  constructor(
    readonly source: string,
    readonly details: readonly ConfigProblem[],
  ) {
    const problems = details.map((p) => problemText(p));
    super(`Invalid configuration in ${source} (${plural(problems.length, 'problem')}):\n  - ${problems.join('\n  - ')}`);
    this.problems = problems;
    this.name = 'ConfigError';
  }
}

/** The value received, as JSON (Infinity and NaN by name), credentials in URLs masked, cut at 80 characters. */
export function describeInput(input: unknown): string {
  if (input === undefined) return 'nothing';
  let text: string;
  try {
    text = JSON.stringify(input, (_key, v: unknown) => (nonFinite(v) || typeof v === 'bigint' ? String(v) : v)) ?? String(input);
    if (nonFinite(input)) text = String(input);
  } catch {
    text = Object.prototype.toString.call(input); // a cycle (the construct API can pass one)
  }
  text = redactCredentials(text);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** v1 keys: say what replaced them instead of "unknown key". */
const MOVED_KEYS: ReadonlyArray<{
  readonly at: (path: readonly PropertyKey[]) => boolean;
  readonly key: string;
  readonly hint: (value: unknown) => string;
}> = [
  {
    at: (p) => p.length === 0,
    key: 'intervalMinutes',
    hint: (v) => {
      const seconds = typeof v === 'number' ? v * 60 : undefined;
      return `was replaced by intervalSeconds (60 = 1 minute)${seconds !== undefined && (INTERVALS as readonly number[]).includes(seconds) ? `: write "intervalSeconds": ${seconds}` : ''}`;
    },
  },
  {
    at: (p) => p.length === 0,
    key: 'functionTimeoutSeconds',
    hint: () => "is no longer set: the runner's timeout follows from the checks' deadlines",
  },
  {
    at: (p) => p.length === 3 && p[0] === 'checks' && p[2] === 'auth',
    key: 'tokenEnv',
    hint: () => 'moved to tokens.<name>.env; name the token with auth.token',
  },
  {
    at: (p) => p.length === 3 && p[0] === 'checks' && p[2] === 'auth',
    key: 'secret',
    hint: () => 'moved to tokens.<name>.secret; name the token with auth.token',
  },
];

/** A problem and the field it belongs to: one field, one problem (the first found). */
interface FieldProblem {
  readonly field: string;
  readonly problem: ConfigProblem;
}

/** One zod issue as problems: its path, what is expected, what was received. */
export function describeIssue(issue: z.core.$ZodIssue): FieldProblem[] {
  const path = issue.path as ConfigPath;
  const field = formatPath(path);
  if (issue.code === 'unrecognized_keys') {
    const input = isObject(issue.input) ? issue.input : {};
    const out: FieldProblem[] = [];
    const unknown: string[] = [];
    for (const key of issue.keys) {
      const moved = MOVED_KEYS.find((m) => m.key === key && m.at(path));
      if (moved)
        out.push({
          field: formatPath([...path, key]),
          problem: { path: [...path, key], message: moved.hint(input[key]), received: describeInput(input[key]) },
        });
      else unknown.push(key);
    }
    if (unknown.length)
      out.push({
        field: `${field}:unknown`,
        problem: { path, message: `unknown key${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')}` },
      });
    return out;
  }
  if (issue.code === 'invalid_key') {
    // A record key (e.g. a token name) failed: name the record and the key, not "Invalid key in record".
    const key = path.at(-1);
    return [
      { field, problem: { path: path.slice(0, -1), message: `key ${issue.issues[0]?.message ?? 'is invalid'}`, received: describeInput(key) } },
    ];
  }
  // A bad record key ("key must be …") is a problem of that key: each key is its own field.
  if (issue.code === 'custom' && issue.message.startsWith('key ')) {
    return [{ field: `${field} key ${String(issue.input)}`, problem: { path, message: issue.message, received: describeInput(issue.input) } }];
  }
  // A bad discriminator reports the whole check as its input; show just the kind.
  const input = path.at(-1) === 'kind' && issue.input && typeof issue.input === 'object' ? (issue.input as { kind?: unknown }).kind : issue.input;
  return [{ field, problem: { path, message: issue.message, received: describeInput(input) } }];
}

/**
 * Words for anything a field builder above does not cover, so zod's own text ("Invalid input:
 * expected string, received number") never reaches a user.
 */
export function fallbackMessage(issue: z.core.$ZodRawIssue): string {
  switch (issue.code) {
    case 'invalid_type': {
      const expected = String(issue.expected);
      if (nonFinite(issue.input)) return FINITE;
      const noun =
        expected === 'array' ? 'a list' : expected === 'boolean' ? 'true or false' : /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
      return `must be ${noun}`;
    }
    case 'too_small':
      return issue.origin === 'string' && Number(issue.minimum) === 1
        ? 'must not be empty'
        : `must have at least ${String(issue.minimum)} ${issue.origin === 'array' ? 'items' : 'characters'}`;
    case 'too_big':
      return `must have at most ${String(issue.maximum)} ${issue.origin === 'array' ? 'items' : issue.origin === 'string' ? 'characters' : ''}`.trimEnd();
    case 'invalid_value':
      return `must be ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}`;
    default:
      return 'is not valid here';
  }
}
