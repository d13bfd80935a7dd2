/**
 * Shared invariants for probe tests (not a test file itself): every attempt returns within its
 * budget plus a generous margin (deadlines are asserted, never speed), leaves no socket, DNS
 * request or timer behind on our side and no connection open on the servers', and its result
 * carries timings and no trace of the token.
 */
import { createHook } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';
import { expect } from 'vitest';
import type { Check } from '../../contracts/config';
import { probeHttp } from '../../lambda/probes/http';
import type { AttemptOptions, AttemptResult } from '../../lambda/probes/types';
import { probeWebSocket } from '../../lambda/probes/websocket';

/** Two shared cores, other test files running at the same time. */
export const MARGIN_MS = 2_500;
/** Handle types a leaked socket, connect request or DNS request shows up as. */
const LEAKABLE = new Set(['TCPSocketWrap', 'TLSWrap', 'TCPConnectWrap', 'GetAddrInfoReqWrap']);

/** Something with connections: a backend or a fault server. */
export type Server = { openConnections(): number } | { readonly connections: number };

const openOf = (s: Server) => ('openConnections' in s ? s.openConnections() : s.connections);

/** Timers created while a probe runs and not yet cleared or fired, each followed from creation to destruction. */
const liveTimers = new Map<number, string>();
let trackTimers = false;
const hook = createHook({
  init(asyncId, type) {
    if (trackTimers && (type === 'Timeout' || type === 'Immediate')) liveTimers.set(asyncId, type);
  },
  destroy(asyncId) {
    liveTimers.delete(asyncId);
  },
});
hook.enable();

function leakable(): number {
  return process.getActiveResourcesInfo().filter((r) => LEAKABLE.has(r)).length;
}

/** Wait (bounded) until the servers saw every connection close and the process holds no more handles than before. */
async function expectReleased(before: number, servers: readonly Server[]): Promise<void> {
  const until = performance.now() + 3_000;
  for (;;) {
    const open = servers.reduce((n, s) => n + openOf(s), 0);
    const handles = leakable();
    if (open === 0 && handles <= before && liveTimers.size === 0) return;
    if (performance.now() > until) {
      expect({ openConnections: open, handles, timers: liveTimers.size }).toEqual({ openConnections: 0, handles: before, timers: 0 });
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Run one attempt of the check's own probe and check the invariants every case shares. */
export async function probeOnce(check: Check, options: AttemptOptions, servers: readonly Server[] = []): Promise<AttemptResult> {
  const before = leakable();
  const budget = check.timeoutMs + (check.kind === 'websocket' ? check.settleMs : 0);
  liveTimers.clear();
  trackTimers = true;
  const t0 = performance.now();
  let result: AttemptResult;
  try {
    result = check.kind === 'websocket' ? await probeWebSocket(check, options) : await probeHttp(check, options);
  } finally {
    trackTimers = false;
  }
  const elapsed = performance.now() - t0;
  expect(elapsed).toBeLessThan(budget + MARGIN_MS);
  if (options.token) expect(JSON.stringify(result)).not.toContain(options.token);
  expect(result.timings.totalMs).toBeGreaterThan(0);
  expect(result.timings.totalMs).toBeLessThanOrEqual(elapsed + 1);
  expect(result.ok).toBe(result.outcome === 'ok');
  expect(result.message).not.toMatch(/[\r\n]/);
  await expectReleased(before, servers);
  return result;
}
