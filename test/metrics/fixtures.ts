import { vi } from 'vitest';
import { Outcome } from '../../contracts/outcomes';
import type { CheckResult } from '../../contracts/result';

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

/**
 * The only stand-in for AWS: credentials and a region the SDK signs with; the endpoint is local.
 * The credential chain is kept off the network and off any developer's ~/.aws. Undo with vi.unstubAllEnvs().
 */
export function stubLocalAwsEnv(): void {
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDSYNTHMONTEST');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'synthmon-test-secret');
  vi.stubEnv('AWS_REGION', 'us-east-1');
  vi.stubEnv('AWS_SESSION_TOKEN', undefined);
  vi.stubEnv('AWS_PROFILE', undefined);
  vi.stubEnv('AWS_MAX_ATTEMPTS', undefined);
  vi.stubEnv('AWS_ENDPOINT_URL', undefined);
  vi.stubEnv('AWS_ENDPOINT_URL_CLOUDWATCH', undefined);
  vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
  vi.stubEnv('AWS_CONFIG_FILE', '/nonexistent/synthmon-test-aws-config');
  vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', '/nonexistent/synthmon-test-aws-credentials');
}
