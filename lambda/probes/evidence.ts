/**
 * Evidence kept from a response, shared by both probes: a few headers and a body excerpt, both
 * with the token removed. Redact before cutting, so a token straddling the cut leaves no fragment.
 */

/** Body excerpt cap (DESIGN: ≤ 2 KB). */
export const EXCERPT_BYTES = 2048;

/**
 * How much of a body is masked before the excerpt is cut from it: the excerpt itself plus room for
 * any token occurrence that starts inside the excerpt, however encoded (a token of 500 characters
 * takes at most ~6 KB as `&#x…;` entities). Masking the whole of a 64 MiB body would cost a second.
 */
const MASKED_PREFIX_CHARS = EXCERPT_BYTES + 8 * 1024;

/** The body excerpt for evidence: token masked first, then cut to EXCERPT_BYTES. */
export function bodyExcerpt(text: string, mask: (text: string) => string): string {
  return excerptUtf8(mask(text.slice(0, MASKED_PREFIX_CHARS)));
}

/** At most `maxBytes` of the text's UTF-8, cut on a character boundary. */
export function excerptUtf8(text: string, maxBytes = EXCERPT_BYTES): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  // The streaming decoder holds back a character cut in half instead of inventing U+FFFD for it.
  return new TextDecoder('utf-8').decode(bytes.subarray(0, maxBytes), { stream: true });
}

/** The headers `keep` accepts (names are lower-case in Node and undici), multi-values joined, token masked (Attempt.redact). */
export function keepHeaders(
  raw: Readonly<Record<string, string | string[] | undefined>>,
  keep: (name: string) => boolean,
  mask: (text: string) => string,
): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined || !keep(name)) continue;
    kept[name] = mask(Array.isArray(value) ? value.join(', ') : value);
  }
  return kept;
}
