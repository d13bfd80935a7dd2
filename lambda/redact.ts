/**
 * Token hygiene: the token never leaves the process in a URL, message, error, log or metric.
 *
 * Servers echo what they received in whatever encoding their output uses: raw in a close reason,
 * JSON-escaped in an API body (`\"`, `\/`, `\u00e9`), URL-encoded in a Location header (`%2F` or
 * `%2f`, `+` or `%20` for a space), HTML-escaped on a debug page (`&quot;`). An encoder may also
 * escape some characters and leave others alone (encodeURI vs encodeURIComponent, Python's quote),
 * so each character of the token is matched in any of its encodings, independently.
 * Mask first, then cut: text is redacted before it is truncated, so a token at a cut leaves no part.
 *
 * A server may cut what it echoes (a WebSocket close reason ends at 123 bytes), so a fragment of
 * the token is masked too: any run of MIN_FRAGMENT_CHARS of its characters, in any of these
 * encodings, and runs of its base64 or hex (docs/CONFORMANCE.md#token-fragments).
 */

export const REDACTED = '***';

/** The shortest run of a token's characters that is masked: any 8 (the whole token when shorter). */
export const MIN_FRAGMENT_CHARS = 8;
/**
 * Base64 of 8 token bytes, at any alignment, has 10 characters that depend on those bytes alone
 * (64 bits less at most 4 at each end, in 6-bit characters): a run of 10 from a token's base64 is masked.
 */
const MIN_BASE64_CHARS = 10;
/** Hex of 8 token bytes. */
const MIN_HEX_CHARS = 16;
/** The longest encoding of one character read here (`\ud83d\ude00`, `%F0%9F%98%80`). */
const MAX_FORM_CHARS = 12;

const JSON_SHORT: Readonly<Record<string, number>> = { '"': 0x22, '\\': 0x5c, '/': 0x2f, b: 0x08, f: 0x0c, n: 0x0a, r: 0x0d, t: 0x09 };
const HTML_NAMED: Readonly<Record<string, number>> = { quot: 0x22, amp: 0x26, lt: 0x3c, gt: 0x3e, apos: 0x27 };

/**
 * The characters `text` may hold at `i`, each with the length it takes there: the character
 * itself, and when an escape starts at `i`, the character it encodes (percent-encoded UTF-8, `+`
 * for a space, JSON `\"` and `\uXXXX` (surrogate pairs joined), HTML `&quot;`, `&#233;`, `&#xE9;`).
 * Each character is read in any of its forms independently, as encoders escape some characters and
 * leave others (encodeURI vs encodeURIComponent).
 */
function readAt(text: string, i: number, out: number[]): void {
  out.length = 0;
  const cp = text.codePointAt(i)!;
  out.push(cp, cp > 0xffff ? 2 : 1);
  const c = text.charCodeAt(i);
  if (c === 0x2b) out.push(0x20, 1);
  else if (c === 0x25) {
    const bytes: number[] = [];
    let at = i;
    while (bytes.length < 4 && text.charCodeAt(at) === 0x25 && /^[0-9A-Fa-f]{2}$/.test(text.slice(at + 1, at + 3))) {
      bytes.push(parseInt(text.slice(at + 1, at + 3), 16));
      at += 3;
      const decoded = utf8CodePoint(bytes);
      if (decoded !== undefined) {
        out.push(decoded, at - i);
        break;
      }
    }
  } else if (c === 0x5c) {
    const next = text[i + 1];
    if (next !== undefined && JSON_SHORT[next] !== undefined) out.push(JSON_SHORT[next], 2);
    else if (next === 'u' || next === 'U') {
      const hi = hex4(text, i + 2);
      if (hi !== undefined) {
        const lo =
          hi >= 0xd800 && hi <= 0xdbff && text[i + 6] === '\\' && (text[i + 7] === 'u' || text[i + 7] === 'U') ? hex4(text, i + 8) : undefined;
        if (lo !== undefined && lo >= 0xdc00 && lo <= 0xdfff) out.push(0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00), 12);
        else out.push(hi, 6);
      }
    }
  } else if (c === 0x26) {
    const m = /^&(?:#([0-9]{1,7})|#[xX]([0-9A-Fa-f]{1,6})|([a-z]{2,4}));/.exec(text.slice(i, i + MAX_FORM_CHARS));
    if (m) {
      const value = m[1] !== undefined ? parseInt(m[1], 10) : m[2] !== undefined ? parseInt(m[2], 16) : HTML_NAMED[m[3]!];
      if (value !== undefined && value <= 0x10ffff) out.push(value, m[0].length);
    }
  }
}

function hex4(text: string, at: number): number | undefined {
  const h = text.slice(at, at + 4);
  return /^[0-9A-Fa-f]{4}$/.test(h) ? parseInt(h, 16) : undefined;
}

/** The code point of a complete UTF-8 sequence, or undefined while incomplete or invalid. */
function utf8CodePoint(bytes: readonly number[]): number | undefined {
  const b0 = bytes[0]!;
  const need = b0 < 0x80 ? 1 : b0 >= 0xf0 ? 4 : b0 >= 0xe0 ? 3 : b0 >= 0xc0 ? 2 : 0;
  if (need === 0 || bytes.length !== need) return undefined;
  if (need === 1) return b0;
  let cp = b0 & (0xff >> (need + 1));
  for (const b of bytes.slice(1)) {
    if ((b & 0xc0) !== 0x80) return undefined;
    cp = (cp << 6) | (b & 0x3f);
  }
  return cp;
}

/** A sequence to find runs of: the token's characters, or its base64 or hex, as code points. */
interface Pattern {
  readonly length: number;
  /** Shortest run that is masked. */
  readonly min: number;
  /** How a character read from the text is compared (case of hex digits, URL-safe base64). */
  readonly fold: (cp: number) => number;
  /** Character (folded) → where it occurs in the pattern. */
  readonly at: ReadonlyMap<number, readonly number[]>;
}

const same = (cp: number) => cp;
const lowerAscii = (cp: number) => (cp >= 65 && cp <= 90 ? cp + 32 : cp);
const base64Twin = (cp: number) => (cp === 0x2d ? 0x2b : cp === 0x5f ? 0x2f : cp);

function pattern(text: string, min: number, fold: (cp: number) => number): Pattern {
  const cps = [...text].map((c) => fold(c.codePointAt(0)!));
  const at = new Map<number, number[]>();
  cps.forEach((cp, j) => {
    const list = at.get(cp);
    if (list) list.push(j);
    else at.set(cp, [j]);
  });
  return { length: cps.length, min: Math.min(min, cps.length), fold, at };
}

/**
 * The base64 characters of the token that depend on the token's bytes alone, for each of the three
 * alignments the token can have inside longer base64 input (`user:token`, a JSON document).
 */
export function base64Cores(token: string): string[] {
  const bytes = Buffer.from(token, 'utf8');
  const cores: string[] = [];
  for (let a = 0; a < 3; a++) {
    const b64 = Buffer.concat([Buffer.alloc(a), bytes])
      .toString('base64')
      .replace(/=+$/, '');
    cores.push(b64.slice(Math.ceil((8 * a) / 6), Math.floor((8 * (a + bytes.length)) / 6)));
  }
  return cores;
}

/** Compiled patterns, so masking many strings with one token reads the token once. */
let cached: { token: string; patterns: Pattern[] } | undefined;

function compile(token: string): Pattern[] {
  if (cached?.token === token) return cached.patterns;
  const patterns = [pattern(token, MIN_FRAGMENT_CHARS, same)];
  // Base64 and hex only for tokens long enough to have an 8-character fragment: a shorter token's
  // encodings are a few characters that ordinary text contains by chance.
  if ([...token].length >= MIN_FRAGMENT_CHARS) {
    for (const core of base64Cores(token)) patterns.push(pattern(core, MIN_BASE64_CHARS, base64Twin));
    patterns.push(pattern(Buffer.from(token, 'utf8').toString('hex'), MIN_HEX_CHARS, lowerAscii));
  }
  cached = { token, patterns };
  return patterns;
}

/**
 * Rolling rows of the run table, right to left: `len[row][j]` is the longest run of pattern
 * characters j, j+1, … read from text position i (row = i mod ROWS), `end` where it stops, and
 * `stamp` the position a cell was written for (a cell with another stamp reads 0: no clearing).
 */
const ROWS = MAX_FORM_CHARS + 1;
class Runs {
  readonly len: Int32Array;
  readonly end: Int32Array;
  readonly stamp: Int32Array;
  constructor(readonly width: number) {
    this.len = new Int32Array(ROWS * width);
    this.end = new Int32Array(ROWS * width);
    this.stamp = new Int32Array(ROWS * width).fill(-1);
  }
}

/**
 * The tables, kept with the compiled token: each call stamps its cells with `base + i` and moves
 * `base` past its text, so no table is allocated or cleared per call (the runner masks many texts).
 */
let tables: { patterns: readonly Pattern[]; runs: Runs[]; base: number; ascii: Array<readonly number[] | undefined> } | undefined;

/** For each ASCII character: the (pattern, position) pairs it may continue, flattened. */
function asciiIndex(patterns: readonly Pattern[]): Array<readonly number[] | undefined> {
  const index: Array<number[] | undefined> = [];
  for (let c = 0; c < 128; c++) {
    const pairs: number[] = [];
    patterns.forEach((p, k) => {
      for (const j of p.at.get(p.fold(c)) ?? []) pairs.push(k, j);
    });
    index.push(pairs.length ? pairs : undefined);
  }
  return index;
}
const read: number[] = [];

/** Spans of `text` holding a run of at least `min` consecutive characters of any pattern. */
function spans(text: string, patterns: readonly Pattern[]): Array<[number, number]> {
  if (tables?.patterns !== patterns || tables.base + text.length + MAX_FORM_CHARS >= 0x7fffffff) {
    tables = { patterns, runs: patterns.map((p) => new Runs(p.length + 1)), base: 0, ascii: asciiIndex(patterns) };
  }
  const { runs, ascii } = tables;
  const base = tables.base;
  tables.base += text.length + MAX_FORM_CHARS + 1;
  const found: Array<[number, number]> = [];
  for (let i = text.length - 1; i >= 0; i--) {
    // A low surrogate is read as part of the pair before it.
    const c = text.charCodeAt(i);
    if (c >= 0xdc00 && c <= 0xdfff && i > 0 && text.charCodeAt(i - 1) >= 0xd800 && text.charCodeAt(i - 1) <= 0xdbff) continue;
    // Most characters are plain ASCII that no escape starts with: one table lookup, no decoding.
    if (c < 128 && c !== 0x25 && c !== 0x2b && c !== 0x5c && c !== 0x26) {
      const pairs = ascii[c];
      if (!pairs) continue;
      let spanEnd = -1;
      for (let x = 0; x < pairs.length; x += 2)
        spanEnd = Math.max(spanEnd, step(patterns[pairs[x]!]!, runs[pairs[x]!]!, base, i, i + 1, pairs[x + 1]!));
      if (spanEnd > i) found.push([i, spanEnd]);
      continue;
    }
    readAt(text, i, read);
    let spanEnd = -1;
    for (let k = 0; k < patterns.length; k++) {
      const p = patterns[k]!;
      for (let e = 0; e < read.length; e += 2) {
        const js = p.at.get(p.fold(read[e]!));
        if (!js) continue;
        for (const j of js) spanEnd = Math.max(spanEnd, step(p, runs[k]!, base, i, i + read[e + 1]!, j));
      }
    }
    if (spanEnd > i) found.push([i, spanEnd]);
  }
  return found;
}

/**
 * Pattern character j read at text position i (up to `next`): the run from (i, j) is this
 * character and the run from (next, j + 1). Returns where a long-enough run ends, or -1.
 */
function step(p: Pattern, r: Runs, base: number, i: number, next: number, j: number): number {
  const cell = (next % ROWS) * r.width + j + 1;
  const tail = j + 1 < p.length && r.stamp[cell] === base + next ? r.len[cell]! : 0;
  const length = tail + 1;
  const mine = (i % ROWS) * r.width + j;
  if (r.stamp[mine] !== base + i || r.len[mine]! < length) {
    r.stamp[mine] = base + i;
    r.len[mine] = length;
    r.end[mine] = tail > 0 ? r.end[cell]! : next;
  }
  return r.len[mine]! >= p.min ? r.end[mine]! : -1;
}

/**
 * Replace every run of 8 or more consecutive characters of the token (the whole token when it is
 * shorter), in any encoding or mix of encodings, and every run of its base64 (10+) or hex (16+),
 * with `***`. A fragment is what a server leaves when it cuts an echo (a close reason at 123 bytes).
 */
export function redact(text: string, token: string | undefined): string {
  if (!token || !text) return text;
  const found = spans(text, compile(token));
  if (!found.length) return text;
  found.reverse();
  let out = '';
  let copiedTo = 0;
  let at = 0;
  while (at < found.length) {
    const [start, first] = found[at++]!;
    let end = first;
    while (at < found.length && found[at]![0] <= end) end = Math.max(end, found[at++]![1]);
    out += text.slice(copiedTo, start) + REDACTED;
    copiedTo = end;
  }
  return out + text.slice(copiedTo);
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
