/**
 * The failure taxonomy (README.md#outcomes): one closed set of outcomes and causes, defined here only.
 * The probe, metrics, alarms, dashboard and CLI import these; nothing else spells them out.
 */

/** Every verdict a check can reach. */
export const Outcome = {
  OK: 'ok',
  REFUSED: 'refused',
  DNS: 'dns',
  TIMEOUT: 'timeout',
  TLS: 'tls',
  RESET: 'reset',
  FORBIDDEN: 'forbidden',
  UNAUTHORIZED: 'unauthorized',
  NOT_FOUND: 'not_found',
  SERVER_ERROR: 'server_error',
  UNEXPECTED_STATUS: 'unexpected_status',
  CLOSED: 'closed',
  ASSERTION: 'assertion',
  ERROR: 'error',
} as const;
export type Outcome = (typeof Outcome)[keyof typeof Outcome];

/** All outcomes, in the order of README.md#outcomes. */
export const OUTCOMES: readonly Outcome[] = Object.values(Outcome);

/** Outcomes that are failures of the endpoint (everything but `ok`). */
export const FAILURE_OUTCOMES: readonly Outcome[] = OUTCOMES.filter((o) => o !== Outcome.OK);

/** What narrows `forbidden` / `unauthorized` when the evidence allows. */
export const Cause = {
  ORIGIN_REJECTED: 'origin_rejected',
  CREDENTIALS_NOT_RECOGNIZED: 'credentials_not_recognized',
  PERMISSION_DENIED: 'permission_denied',
  TOKEN_REJECTED: 'token_rejected',
  SCHEME_NOT_ACCEPTED: 'scheme_not_accepted',
} as const;
export type Cause = (typeof Cause)[keyof typeof Cause];

export const CAUSES: readonly Cause[] = Object.values(Cause);

/** True when the outcome is a valid member of the taxonomy (for parsing untrusted input). */
export function isOutcome(value: unknown): value is Outcome {
  return typeof value === 'string' && (OUTCOMES as readonly string[]).includes(value);
}

/**
 * What each outcome means and what to check first. Used for result messages, alarm descriptions
 * and the dashboard runbook, so a paged engineer reads the same advice everywhere.
 */
export const OUTCOME_RUNBOOK: Readonly<Record<Outcome, { meaning: string; check: string }>> = {
  ok: { meaning: 'the endpoint answered as expected', check: 'nothing to do' },
  refused: {
    meaning: 'TCP connection refused: nothing listens on the port',
    check: 'the proxy (Traefik) is down or not listening on this port, or the load balancer lost its targets',
  },
  dns: {
    meaning: 'the host name did not resolve',
    check: 'the DNS record for the host (deleted, expired domain, wrong zone) and the resolver',
  },
  timeout: {
    meaning: 'no complete answer within the deadline (DNS, connect, TLS, headers, upgrade or body)',
    check: 'firewall / security group dropping packets, an overloaded proxy or backend, or a hung worker',
  },
  tls: {
    meaning: 'TLS handshake or certificate failure',
    check: 'the certificate (expired? issued for this host? full chain served?) and the proxy TLS configuration',
  },
  reset: {
    meaning: 'the connection was reset or closed before any HTTP response',
    check: 'the proxy crashing or rejecting the connection, protocol mismatch (TLS vs plain), or an idle-timeout too short',
  },
  forbidden: {
    meaning: 'HTTP 403',
    check:
      'for a WebSocket: ALLOWED_HOSTS / the origin validator and that the proxy forwards Origin and Host; ' +
      "for the API: REST_FRAMEWORK['DEFAULT_AUTHENTICATION_CLASSES'] includes TokenAuthentication, and the user's permissions",
  },
  unauthorized: {
    meaning: 'HTTP 401: the server did not accept the credentials',
    check: 'the token (revoked, rotated, wrong user) in the secret, and the scheme the server expects (WWW-Authenticate)',
  },
  not_found: {
    meaning: 'HTTP 404',
    check: 'the route exists on the backend, and for WebSockets that the proxy forwards Upgrade/Connection (a plain GET hits the HTTP router)',
  },
  server_error: {
    meaning: 'HTTP 5xx',
    check: '502/503/504 from the proxy mean the backend (daphne/gunicorn) is down or too slow; 500 means an exception in the app',
  },
  unexpected_status: {
    meaning: 'a status other than the expected one',
    check: 'a 3xx loop (proxy not forwarding X-Forwarded-Proto with SECURE_SSL_REDIRECT), or a proxy answering a WebSocket as plain HTTP',
  },
  closed: {
    meaning: 'the WebSocket was accepted (101), then closed or dropped by the server within the settle window',
    check: "the consumer's connect(): authentication middleware (token in the query string), and the close code it sent",
  },
  assertion: {
    meaning: 'the status was as expected but a body or latency assertion failed',
    check: 'the response body shape (API change?) or the latency budget',
  },
  error: {
    meaning: 'the probe could not run (bad configuration, token unavailable, or a bug in the probe); not an endpoint verdict',
    check: 'the monitor configuration and its access to the token secret',
  },
};

/**
 * What each cause means and what to check, in the parts result messages are built from
 * (`<meaning>; check: <check>`, lambda/probes/messages.ts).
 */
export const CAUSE_GUIDE: Readonly<Record<Cause, { meaning: string; check: string }>> = {
  origin_rejected: {
    meaning: "origin rejected: the handshake succeeds with the target's own origin but not with the configured one",
    check: 'ALLOWED_HOSTS / the origin validator (AllowedHostsOriginValidator) and that the proxy forwards Origin',
  },
  credentials_not_recognized: {
    meaning: 'token sent but not recognized: "Authentication credentials were not provided."',
    check: "REST_FRAMEWORK['DEFAULT_AUTHENTICATION_CLASSES'] includes TokenAuthentication (add it), and the proxy forwards Authorization",
  },
  permission_denied: {
    meaning: 'authenticated but not permitted: "You do not have permission to perform this action."',
    check: "the user's role and the view's permission_classes",
  },
  token_rejected: {
    meaning: 'the server rejected the token itself (401 with a challenge for the scheme sent): it is invalid, revoked or rotated',
    check: 'the token in the store: update the secret',
  },
  scheme_not_accepted: {
    meaning: 'the server does not accept the auth scheme sent (the 401 challenge names other schemes)',
    check: 'the scheme (Token vs Bearer) and DEFAULT_AUTHENTICATION_CLASSES',
  },
};

/** What each cause means, with the likely fix, as one line (alarm descriptions, the dashboard). */
export const CAUSE_RUNBOOK: Readonly<Record<Cause, string>> = Object.fromEntries(
  CAUSES.map((c) => [c, `${CAUSE_GUIDE[c].meaning}; check: ${CAUSE_GUIDE[c].check}`]),
) as Record<Cause, string>;
