/**
 * The field builders every configuration concept is made of, and the patterns several share. Each
 * builder reports one problem per field, in words (what is expected), never zod's default text;
 * the value received is added when the problem is described (contracts/config/problems.ts).
 */
import { z } from 'zod';

/**
 * Names become CloudWatch dimensions and parts of alarm names (`<stack>-<monitor>-Failing-<name>`,
 * at most 255 characters): 40 leave the stack name (at most 128) and the construct id room. Two
 * names that differ only by hyphens (api-1, api1) are fine: alarm construct ids keep the hyphens.
 */
export const NAME_RE = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/;
export const NAME_ERROR = 'must be 1-40 lower-case letters, digits or hyphens, starting and ending with a letter or digit';
/** An environment variable name (also checked by the CLI's --token-env). */
export const ENV_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** RFC 9110 token: what a header name or auth scheme may contain. */
export const HTTP_TOKEN_RE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
export const HEADER_NAME_ERROR = 'must be a valid HTTP header name';
/** RFC 3986 unreserved characters (and [ ] for names such as auth[token]): the name reaches the server as written. */
export const QUERY_PARAM_RE = /^[A-Za-z0-9._~[\]-]{1,100}$/;
/** "results", "data.items": dot-separated keys, none empty. */
export const FIELD_PATH_RE = /^[^.\s]+(?:\.[^.\s]+)*$/;

// Field builders

export const FINITE = 'must be a finite number';
export const nonFinite = (v: unknown) => typeof v === 'number' && !Number.isFinite(v);

/** "1 minute", "2 minutes", "1 ms", "1 byte". */
export const quantity = (n: number, unit: string) => (n === 1 && unit !== 'ms' && unit.endsWith('s') ? `${n} ${unit.slice(0, -1)}` : `${n} ${unit}`);

/** A whole number from min to max: the range is checked first, so 1e308 reads "at most", not "whole". */
export const wholeIn = (min: number, max: number, unit: string, whyMax = '') =>
  z.number({ error: (iss) => (nonFinite(iss.input) ? FINITE : `must be a number of ${unit}`) }).superRefine((v, ctx) => {
    const message =
      v < min
        ? `must be at least ${quantity(min, unit)}`
        : v > max
          ? `must be at most ${quantity(max, unit)}${whyMax}`
          : !Number.isInteger(v)
            ? `must be a whole number of ${unit}`
            : undefined;
    if (message) ctx.addIssue({ code: 'custom', message, input: v });
  });

/** A count of at least 1; the upper bound depends on the fleet (checked across fields). */
export const countOf = (noun: string) =>
  z.number({ error: (iss) => (nonFinite(iss.input) ? FINITE : `must be a number of ${noun}`) }).superRefine((v, ctx) => {
    const message = v < 1 ? `must be at least 1 (a count of ${noun})` : !Number.isInteger(v) ? `must be a whole number of ${noun}` : undefined;
    if (message) ctx.addIssue({ code: 'custom', message, input: v });
  });

/** A string matching `re`; a value of another type gets the same message. */
export const pattern = (re: RegExp, message: string) => z.string({ error: message }).regex(re, { error: message });

/** A string checked by `problemOf` (the first rule it breaks, or undefined). */
export const checkedString = (typeError: string, problemOf: (value: string) => { message: string; input?: unknown } | string | undefined) =>
  z.string({ error: typeError }).superRefine((value, ctx) => {
    const problem = problemOf(value);
    if (problem === undefined) return;
    const { message, input } = typeof problem === 'string' ? { message: problem, input: value } : problem;
    ctx.addIssue({ code: 'custom', message, input: input === undefined ? value : input });
  });

export const nonEmpty = (what: string) => z.string({ error: `must be ${what}` }).min(1, { error: 'must not be empty' });

/** A plain object (not null, not a list): what every guarded read of a partly parsed configuration checks first. */
export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
