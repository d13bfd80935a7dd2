/** Extra request headers of an http check: never a credential, never one the probe sets itself. */
import { z } from 'zod';
import { HEADER_NAME_ERROR, HTTP_TOKEN_RE } from './fields';

/** Headers the probe sets itself; a configured value would break the request or be ignored. */
const PROBE_HEADERS: Readonly<Record<string, string>> = {
  host: 'it follows from the URL',
  'content-length': 'the probe frames the request',
  'transfer-encoding': 'the probe frames the request',
  te: 'the probe frames the request',
  trailer: 'the probe frames the request',
  expect: 'the probe frames the request',
  connection: 'the probe manages the connection',
  'keep-alive': 'the probe manages the connection',
  'proxy-connection': 'the probe manages the connection',
  upgrade: 'the probe manages the connection; a WebSocket upgrade is a websocket check',
  'accept-encoding': 'the probe asks only for encodings it can decode',
};

/** Why the probe must control this header, if it must. */
export function probeHeaderReason(name: string): string | undefined {
  const lower = name.toLowerCase();
  if (lower.startsWith('sec-websocket-')) return 'the WebSocket client sets the handshake headers';
  return Object.hasOwn(PROBE_HEADERS, lower) ? PROBE_HEADERS[lower] : undefined;
}

/** Headers that carry a credential: credentials belong in tokens, never in the configuration. */
const CREDENTIAL_HEADERS: Readonly<Record<string, string>> = {
  authorization:
    'must not be set: put the token in tokens and use auth, which sends it in this header (auth {"scheme": "Token"} sends "Authorization: Token <token>")',
  'proxy-authorization':
    'must not be set: it carries a credential, and credentials belong in tokens (auth {"header": "Proxy-Authorization"} sends one)',
  cookie: 'must not be set: a cookie is a credential, and credentials belong in tokens, sent by auth in a header or the query',
};

export const headersSchema = z
  .record(z.string(), z.string({ error: "must be a string (the header's value)" }), {
    error: 'must be an object of header names and values, such as {"X-Request-Id": "synthmon"}',
  })
  .superRefine(
    (headers, ctx) => {
      if (!headers || typeof headers !== 'object') return;
      const seen = new Map<string, string>();
      for (const [name, value] of Object.entries(headers as Record<string, unknown>)) {
        if (typeof value !== 'string') continue; // already reported as not a string
        const add = (message: string, input: unknown, path: PropertyKey[] = [name]) => ctx.addIssue({ code: 'custom', path, message, input });
        const lower = name.toLowerCase();
        const other = seen.get(lower);
        seen.set(lower, other ?? name);
        // Formatted as "<path> key must be …, got <name>": the name itself is what is wrong.
        if (!HTTP_TOKEN_RE.test(name)) add(`key ${HEADER_NAME_ERROR}`, name, []);
        else if (Object.hasOwn(CREDENTIAL_HEADERS, lower)) add(CREDENTIAL_HEADERS[lower]!, '***');
        else if (probeHeaderReason(name)) add(`must not be set: the probe controls this header (${probeHeaderReason(name)})`, value);
        else if (other !== undefined) add(`must not repeat header "${other}" (header names ignore case)`, value);
        else if (/[\r\n]/.test(value)) add('must not contain a line break (CR or LF): it would end the header and inject another', value);
        else if (/[^\t\x20-\x7e]/.test(value)) add('must contain only printable ASCII characters, spaces and tabs', value);
      }
    },
    { when: () => true },
  );
