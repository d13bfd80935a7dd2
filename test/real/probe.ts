/**
 * The two checks of the seed (docs/DESIGN.md#the-problem) pointed at the real stack, run through the project's own
 * runChecks (the code path of the Lambda runner and `synthmon probe --config`).
 */
import { parseConfig, type Check } from '../../contracts/config';
import type { CheckResult } from '../../contracts/result';
import { runChecks } from '../../lambda/probe-run';
import { staticTokenStore } from '../../lambda/tokens';
import { lookupTo } from '../support/fault-servers';
import type { RealStack } from './stack';

/** The front end's origin, as the browser app sends it. */
export const FRONT_END_ORIGIN = 'https://indexo.ir';

export interface CheckOverrides {
  readonly websocket?: Record<string, unknown>;
  readonly http?: Record<string, unknown>;
}

/**
 * The raw configuration of the two checks: the WebSocket with the front end's Origin and the token
 * in the query string, the orders API with `Authorization: Token …`. No confirmation retry (each
 * regression is steady), a short settle window; `overrides` replace fields per check.
 */
export function rawChecks(stack: RealStack, overrides: CheckOverrides = {}): Array<Record<string, unknown>> {
  return [
    {
      name: 'chat-websocket',
      kind: 'websocket',
      url: stack.wsUrl,
      origin: FRONT_END_ORIGIN,
      settleMs: 500,
      timeoutMs: 5000,
      retryDelayMs: 0,
      auth: {},
      ...overrides.websocket,
    },
    {
      name: 'buyer-orders',
      kind: 'http',
      url: stack.apiUrl,
      timeoutMs: 5000,
      retryDelayMs: 0,
      auth: {},
      assert: { json: 'array', fields: ['0.id'] },
      ...overrides.http,
    },
  ];
}

export function stackChecks(stack: RealStack, overrides: CheckOverrides = {}): Check[] {
  return parseConfig({ checks: rawChecks(stack, overrides) }).checks;
}

/** Both checks, concurrently; `token` replaces the buyer's real one (a rotated or wrong token). */
export async function probeBoth(
  stack: RealStack,
  options: { token?: string; overrides?: CheckOverrides } = {},
): Promise<{ ws: CheckResult; api: CheckResult }> {
  const [ws, api] = await runChecks(stackChecks(stack, options.overrides), {
    tokens: staticTokenStore({ default: options.token ?? stack.token }),
    // Trust the stack's CA in-process, and resolve every name to loopback: nothing else is contacted.
    attemptOptions: { ca: stack.ca, lookup: lookupTo('127.0.0.1') },
  });
  return { ws: ws!, api: api! };
}
