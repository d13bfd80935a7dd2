/**
 * The real stack: the seed's regressions (docs/DESIGN.md#the-problem) reproduced on a real Django 3.2 + DRF 3.14 +
 * Channels 4 backend served by daphne 4, behind nginx 1.22 with TLS on loopback (./stack.ts), and
 * what the project's own probe code (runChecks, the runner's code path) reports for both checks:
 * the WebSocket (wss://localhost:<port>/ws/chat/?token=…, Origin https://indexo.ir) and the orders
 * API (https://localhost:<port>/api/auth/buyer/orders/, Authorization: Token …).
 *
 * Every scenario starts from the healthy stack (beforeEach), changes settings (restarting daphne
 * or nginx as a deploy would), and asserts outcome, status, cause and a fragment of the message of
 * both results. The token must appear in no result.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../contracts/result';
import { FRONT_END_ORIGIN, probeBoth } from './probe';
import { IS_ADMIN_USER, SESSION_AUTH, startRealStack, stillRunning, type RealStack } from './stack';

let stack: RealStack;

beforeAll(async () => {
  stack = await startRealStack();
});

afterAll(async () => {
  if (!stack) return;
  await stack.close();
  // Every process this file started (daphne and nginx, across restarts) is gone.
  const left = stillRunning(stack.startedPids());
  if (left.length) throw new Error(`processes still running after the stack closed: ${left.join(', ')}`);
});

beforeEach(async () => {
  await stack.reset();
});

interface Expected {
  readonly outcome: string;
  readonly status?: number;
  readonly cause?: string;
  readonly closeCode?: number;
  /** Fragments the message must contain. */
  readonly says: readonly string[];
}

/** Outcome, status, cause (absent when not given) and message fragments; the token nowhere. */
function expectResult(result: CheckResult, expected: Expected): void {
  // The message rides along, so a failure shows what the probe said.
  const { outcome, status, cause, closeCode, message } = result;
  expect({ outcome, status, cause, closeCode, message }).toEqual({
    outcome: expected.outcome,
    status: expected.status,
    cause: expected.cause,
    closeCode: expected.closeCode,
    message: expect.stringContaining(expected.says[0] ?? ''),
  });
  for (const fragment of expected.says) expect(message).toContain(fragment);
  expect(JSON.stringify(result)).not.toContain(stack.token);
}

const WS_OK: Expected = { outcome: 'ok', status: 101, says: ['HTTP 101 Switching Protocols; the socket stayed open for 500 ms'] };
const API_OK: Expected = { outcome: 'ok', status: 200, says: ['HTTP 200 as expected'] };

describe('the real stack, probed by runChecks', () => {
  it('1. healthy: both checks ok', async () => {
    const { ws, api } = await probeBoth(stack);
    expectResult(ws, WS_OK);
    expectResult(api, API_OK);
    expect(api.evidence?.bodyExcerpt).toContain('"id":1042');
  });

  it('2. ALLOWED_HOSTS without the front end (localhost only): WebSocket forbidden / origin_rejected, API still ok', async () => {
    await stack.configure({ backend: { allowedHosts: ['localhost'] } });
    const { ws, api } = await probeBoth(stack);
    expectResult(ws, {
      outcome: 'forbidden',
      status: 403,
      cause: 'origin_rejected',
      says: [
        `HTTP 403 on the upgrade with Origin ${FRONT_END_ORIGIN}, but 101 with the target's own origin https://localhost:${stack.port}`,
        'AllowedHostsOriginValidator',
      ],
    });
    expectResult(api, API_OK);
  });

  it("3. TokenAuthentication removed (DRF's defaults, Session + Basic): API forbidden / credentials_not_recognized, WebSocket still ok", async () => {
    await stack.configure({ backend: { authenticationClasses: [] } });
    const { ws, api } = await probeBoth(stack);
    expectResult(ws, WS_OK);
    expectResult(api, {
      outcome: 'forbidden',
      status: 403,
      cause: 'credentials_not_recognized',
      says: [
        'HTTP 403 Forbidden although a token was sent',
        '"Authentication credentials were not provided."',
        'includes TokenAuthentication (add it)',
      ],
    });
  });

  it('3b. SessionAuthentication only: the same 403 / credentials_not_recognized', async () => {
    await stack.configure({ backend: { authenticationClasses: [SESSION_AUTH] } });
    const { ws, api } = await probeBoth(stack);
    expectResult(ws, WS_OK);
    expectResult(api, { outcome: 'forbidden', status: 403, cause: 'credentials_not_recognized', says: ['although a token was sent'] });
  });

  it('4. a wrong token with TokenAuthentication first: API unauthorized / token_rejected; the consumer refuses the WebSocket with 403 whatever the origin', async () => {
    const { ws, api } = await probeBoth(stack, { token: 'f'.repeat(40) });
    expectResult(api, {
      outcome: 'unauthorized',
      status: 401,
      cause: 'token_rejected',
      says: ['HTTP 401 Unauthorized "Invalid token."', 'WWW-Authenticate: Token; sent "Token"', 'update the secret'],
    });
    // The follow-up with the target's own origin is refused too, so it is not the origin check.
    expectResult(ws, {
      outcome: 'forbidden',
      status: 403,
      says: [
        `and also with the target's own origin https://localhost:${stack.port}, so not the origin check`,
        'the consumer refused the connection before accept(), usually its authentication',
      ],
    });
  });

  it('5. the proxy does not forward Upgrade/Connection: the upgrade reaches the HTTP router, 404 (not_found) blaming Upgrade forwarding; API ok', async () => {
    await stack.configure({ proxy: { forwardUpgrade: false } });
    const { ws, api } = await probeBoth(stack);
    expectResult(ws, {
      outcome: 'not_found',
      status: 404,
      says: [
        'HTTP 404 Not Found instead of 101 Switching Protocols',
        'the proxy forwards Upgrade/Connection (without them the request reaches the HTTP router',
      ],
    });
    // Django's own 404 page: the plain GET did reach daphne.
    expect(ws.evidence?.bodyExcerpt).toContain('The requested resource was not found on this server.');
    expectResult(api, API_OK);
  });

  it('6. the proxy drops X-Forwarded-Proto under SECURE_SSL_REDIRECT + SECURE_PROXY_SSL_HEADER: API 301 to itself (unexpected_status); WebSocket ok (no HTTP middleware on it)', async () => {
    await stack.configure({ proxy: { forwardProto: false } });
    const { ws, api } = await probeBoth(stack);
    expectResult(ws, WS_OK);
    expectResult(api, {
      outcome: 'unexpected_status',
      status: 301,
      says: [
        'HTTP 301 Moved Permanently instead of 200: a redirect to the same URL (a redirect loop)',
        `Location: ${stack.apiUrl}`,
        'X-Forwarded-Proto',
        'SECURE_PROXY_SSL_HEADER',
      ],
    });
  });

  it('7. daphne down: nginx answers 502, server_error for both', async () => {
    await stack.stopBackend();
    const { ws, api } = await probeBoth(stack);
    const blame = 'the backend behind the proxy (daphne/gunicorn): down, not ready or too slow';
    expectResult(ws, { outcome: 'server_error', status: 502, says: ['HTTP 502 Bad Gateway instead of 101 Switching Protocols', blame] });
    expectResult(api, { outcome: 'server_error', status: 502, says: ['HTTP 502 Bad Gateway instead of 200', blame] });
  });

  it('8. nginx stopped (everything down): refused for both', async () => {
    await stack.stopBackend();
    await stack.stopProxy();
    const { ws, api } = await probeBoth(stack);
    for (const result of [ws, api]) {
      expectResult(result, {
        outcome: 'refused',
        says: [`connection refused (connect ECONNREFUSED 127.0.0.1:${stack.port})`, 'the proxy (Traefik) is down'],
      });
    }
  });

  it('10. no token at all: the WebSocket is refused by the consumer (403), the API answers 401 with its Token challenge (no cause: nothing was sent)', async () => {
    const { ws, api } = await probeBoth(stack, { overrides: { websocket: { auth: undefined }, http: { auth: undefined } } });
    expectResult(ws, { outcome: 'forbidden', status: 403, says: ['so not the origin check', 'usually its authentication'] });
    expectResult(api, {
      outcome: 'unauthorized',
      status: 401,
      says: ['HTTP 401 Unauthorized instead of 200 ("Authentication credentials were not provided."; WWW-Authenticate: Token)'],
    });
  });

  it('11. a permission class the buyer does not pass (IsAdminUser): API forbidden / permission_denied; WebSocket ok', async () => {
    await stack.configure({ backend: { extraPermissions: [IS_ADMIN_USER] } });
    const { ws, api } = await probeBoth(stack);
    expectResult(ws, WS_OK);
    expectResult(api, {
      outcome: 'forbidden',
      status: 403,
      cause: 'permission_denied',
      says: ['authenticated but not permitted: "You do not have permission to perform this action."', 'permission_classes'],
    });
  });

  it('12. a consumer that accepts and then closes with 4003 on a wrong token: closed 4003; the API says token_rejected', async () => {
    await stack.configure({ backend: { chatAuthFailure: 'close4003' } });
    const { ws, api } = await probeBoth(stack, { token: 'e'.repeat(40) });
    expectResult(ws, {
      outcome: 'closed',
      status: 101,
      closeCode: 4003,
      says: [
        'the server accepted the WebSocket (101), then closed it after',
        'with code 4003, an application code',
        'most likely its authentication',
      ],
    });
    expectResult(api, { outcome: 'unauthorized', status: 401, cause: 'token_rejected', says: ['"Invalid token."'] });
  });

  it("13. ALLOWED_HOSTS without the API's own host (front end only): API 400 from Django's host check; the WebSocket stays ok (Channels checks Origin, not Host)", async () => {
    await stack.configure({ backend: { allowedHosts: ['.indexo.ir'] } });
    const { ws, api } = await probeBoth(stack);
    expectResult(ws, WS_OK);
    expectResult(api, { outcome: 'unexpected_status', status: 400, says: ['HTTP 400 Bad Request instead of 200', 'its answer is in the evidence'] });
    expect(api.evidence?.bodyExcerpt).toContain('Bad Request (400)');
  });

  it('14. daphne hung (SIGSTOP): nginx waits, both checks time out in the phase they were in', async () => {
    stack.suspendBackend();
    try {
      const { ws, api } = await probeBoth(stack, { overrides: { websocket: { timeoutMs: 2000 }, http: { timeoutMs: 2000 } } });
      expectResult(ws, {
        outcome: 'timeout',
        says: ['WebSocket upgrade response timed out after 2000 ms', 'the ASGI server behind the proxy (daphne): hung or overloaded'],
      });
      expectResult(api, { outcome: 'timeout', says: ['response headers timed out after 2000 ms', 'hung or overloaded workers'] });
    } finally {
      stack.resumeBackend();
    }
  });

  it("15. URLs without the trailing slash: Channels' URLRouter raises (No route found), daphne answers the upgrade 500; Django redirects the API to its canonical path", async () => {
    const { ws, api } = await probeBoth(stack, {
      overrides: { websocket: { url: stack.wsUrl.replace(/\/$/, '') }, http: { url: stack.apiUrl.replace(/\/$/, '') } },
    });
    expectResult(ws, {
      outcome: 'server_error',
      status: 500,
      says: [
        'HTTP 500 Internal Server Error instead of 101 Switching Protocols',
        "no route for this path in Channels' URLRouter (the check's URL, its trailing slash)",
      ],
    });
    expectResult(api, {
      outcome: 'unexpected_status',
      status: 301,
      says: ['a redirect to the canonical path (Location: /api/auth/buyer/orders/)', 'trailing slash, APPEND_SLASH'],
    });
  });
});
