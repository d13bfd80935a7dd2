/**
 * Token hygiene: the token never leaves the process in a URL, message, error, log or metric.
 *
 * Servers echo what they received in whatever encoding their output uses: raw in a close reason,
 * JSON-escaped in an API body (`\"`, `\/`, `\u00e9`), URL-encoded in a Location header (`%2F` or
 * `%2f`, `+` or `%20` for a space), HTML-escaped on a debug page (`&quot;`). An encoder may also
 * escape some characters and leave others alone (encodeURI vs encodeURIComponent, Python's quote),
 * so each character of the token is matched in any of its encodings, independently.
 * Mask first, then cut: text is redacted before it is truncated, so a token at a cut leaves no part.
 */

export const REDACTED = '***';

/** One way a character of the token can be written; `ci`: compare ignoring case (hex digits). */
interface Form {
  readonly text: string;
  readonly ci: boolean;
}

const JSON_SHORT: Readonly<Record<string, string>> = { '"': '\\"', '\\': '\\\\', '/': '\\/', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t' };
const HTML_NAMED: Readonly<Record<string, readonly string[]>> = { '"': ['&quot;'], '&': ['&amp;'], '<': ['&lt;'], '>': ['&gt;'], "'": ['&apos;'] };

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

/** Every form of one character (a code point) that server text may carry. */
function formsOf(ch: string): Form[] {
  const forms: Form[] = [{ text: ch, ci: false }];
  const bytes = Buffer.from(ch, 'utf8');
  forms.push({ text: [...bytes].map((b) => `%${hex(b, 2)}`).join(''), ci: true });
  if (ch === ' ') forms.push({ text: '+', ci: false });
  if (JSON_SHORT[ch]) forms.push({ text: JSON_SHORT[ch], ci: false });
  // \uXXXX, as a surrogate pair for a character outside the BMP.
  const units = [...Array(ch.length).keys()].map((i) => `\\u${hex(ch.charCodeAt(i), 4)}`).join('');
  forms.push({ text: units, ci: true });
  const cp = ch.codePointAt(0)!;
  forms.push({ text: `&#${cp};`, ci: false }, { text: `&#x${hex(cp, 1)};`, ci: true });
  for (const named of HTML_NAMED[ch] ?? []) forms.push({ text: named, ci: false });
  return forms.map((f) => (f.ci ? { text: f.text.toLowerCase(), ci: true } : f));
}

function formAt(text: string, at: number, form: Form): boolean {
  if (!form.ci) return text.startsWith(form.text, at);
  return text.slice(at, at + form.text.length).toLowerCase() === form.text;
}

/** End of a match of the token's characters `units[k..]` at `at`, or -1. */
function matchFrom(text: string, at: number, units: readonly Form[][], k: number): number {
  if (k === units.length) return at;
  for (const form of units[k]!) {
    if (!formAt(text, at, form)) continue;
    const end = matchFrom(text, at + form.text.length, units, k + 1);
    if (end >= 0) return end;
  }
  return -1;
}

/** Compiled token matchers, so redacting many strings with one token parses the token once. */
let cached: { token: string; units: Form[][]; starts: Set<string> } | undefined;

function compile(token: string): { units: Form[][]; starts: Set<string> } {
  if (cached?.token === token) return cached;
  const units = [...token].map(formsOf);
  const starts = new Set<string>();
  for (const form of units[0]!) {
    const first = form.text[0]!;
    starts.add(first);
    if (form.ci) starts.add(first.toUpperCase());
  }
  cached = { token, units, starts };
  return cached;
}

/** Replace every occurrence of the token, in any encoding or mix of encodings, with `***`. */
export function redact(text: string, token: string | undefined): string {
  if (!token || !text) return text;
  const { units, starts } = compile(token);
  let out = '';
  let copiedTo = 0;
  for (let i = 0; i < text.length; i++) {
    if (!starts.has(text[i]!)) continue;
    const end = matchFrom(text, i, units, 0);
    if (end < 0) continue;
    out += text.slice(copiedTo, i) + REDACTED;
    copiedTo = end;
    i = end - 1;
  }
  return copiedTo === 0 ? text : out + text.slice(copiedTo);
}

/** A URL for display: the token query parameter (if any) shown as `***`, and the token removed anywhere else. */
export function redactUrl(url: string, token: string | undefined, tokenParam?: string): string {
  let shown = url;
  if (tokenParam) {
    try {
      const u = new URL(url);
      if (u.searchParams.has(tokenParam)) {
        u.searchParams.set(tokenParam, 'REDACTEDPLACEHOLDER');
        shown = u.toString().replace('REDACTEDPLACEHOLDER', REDACTED);
      }
    } catch {
      // not a URL: fall through to plain replacement
    }
  }
  return redact(shown, token);
}
