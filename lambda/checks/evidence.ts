/**
 * Evidence kept from a response, shared by both probes: a few headers and a body excerpt, both
 * with the token removed. Redact before cutting, so a token straddling the cut leaves no fragment.
 */
import { redact } from '../redact';

/** Body excerpt cap (DESIGN: ≤ 2 KB). */
export const EXCERPT_BYTES = 2048;

/** At most `maxBytes` of the text's UTF-8, cut on a character boundary. */
export function excerptUtf8(text: string, maxBytes = EXCERPT_BYTES): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  // The streaming decoder holds back a character cut in half instead of inventing U+FFFD for it.
  return new TextDecoder('utf-8').decode(bytes.subarray(0, maxBytes), { stream: true });
}

/** The headers `keep` accepts (names are lower-case in Node and undici), multi-values joined, token removed. */
export function keepHeaders(
  raw: Readonly<Record<string, string | string[] | undefined>>,
  keep: (name: string) => boolean,
  token: string | undefined,
): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined || !keep(name)) continue;
    kept[name] = redact(Array.isArray(value) ? value.join(', ') : value, token);
  }
  return kept;
}
