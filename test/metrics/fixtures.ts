import { Outcome } from '../../lambda/outcomes';
import type { CheckResult } from '../../lambda/result';

/** The simulated start of every sample result (the metric timestamp). */
export const STARTED_AT = '2025-03-04T05:06:07.890Z';

/** A healthy WebSocket result with every timing present; override what a test varies. */
export function sampleResult(overrides: Partial<CheckResult> = {}): CheckResult {
  return {
    check: 'chat-websocket',
    kind: 'websocket',
    url: 'wss://backend.test/ws/chat/?token=***',
    ok: true,
    outcome: Outcome.OK,
    attempts: 1,
    message: 'upgrade answered 101 and the socket stayed open',
    timings: { dnsMs: 1.5, connectMs: 2.25, tlsMs: 8, firstByteMs: 20, totalMs: 1021.75 },
    startedAt: STARTED_AT,
    ...overrides,
  };
}
