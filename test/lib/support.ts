/**
 * Shared by the CDK tests: an App with the feature flags of cdk.json (so tests synthesize what
 * `cdk synth` synthesizes), and configurations that exercise every construct path.
 */
import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import type { MonitorConfigInput } from '../../contracts/config';

const ROOT = new URL('../../', import.meta.url);

/** cdk.json's context without the app's own keys: the feature flags. */
export function cdkJsonFeatureFlags(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(new URL('cdk.json', ROOT), 'utf8')) as { context: Record<string, unknown> };
  return Object.fromEntries(Object.entries(cdkJson.context).filter(([key]) => key.startsWith('@aws-cdk/')));
}

/**
 * @param bundle run the real esbuild bundling (slow); off: CDK skips bundling for every stack.
 */
export function testApp(options: { bundle: boolean }): App {
  return new App({
    context: { ...cdkJsonFeatureFlags(), ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }) },
  });
}

export const IMPORTED_SECRET_NAME = 'prod/synthmon/orders-token';
export const IMPORTED_SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/synthmon/admin-token-AbC123';
export const PAGER_URL = 'https://events.example.com/integration/abc123/enqueue';

/**
 * Five checks: a WebSocket on the default token (an SSM parameter), an API on a token kept in a
 * secret named by name, one by complete ARN, a public health check without auth every 5 minutes,
 * and a fast (10 s) API check. Non-default namespace, alarm M/N and phase timings so nothing
 * passes by matching a default by accident.
 */
export function fullConfig(): MonitorConfigInput {
  return {
    namespace: 'Synthmon/Test',
    intervalSeconds: 120,
    phaseTimings: true,
    tokens: {
      orders: { secret: { name: IMPORTED_SECRET_NAME } },
      admin: { secret: { arn: IMPORTED_SECRET_ARN } },
    },
    alarms: {
      refused: { datapointsToAlarm: 2, evaluationPeriods: 3 },
      failing: { datapointsToAlarm: 3, evaluationPeriods: 5 },
    },
    notifications: { emails: ['oncall@example.com'], httpsEndpoints: [PAGER_URL] },
    checks: [
      { name: 'chat-websocket', kind: 'websocket', url: 'wss://backend.example.com/ws/chat/', origin: 'https://example.com', auth: { in: 'query' } },
      { name: 'buyer-orders', kind: 'http', url: 'https://backend.example.com/api/auth/buyer/orders/', auth: { token: 'orders' } },
      { name: 'admin-orders', kind: 'http', url: 'https://backend.example.com/api/admin/orders/', auth: { token: 'admin', scheme: 'Bearer' } },
      { name: 'health', kind: 'http', url: 'https://backend.example.com/health/', expectStatus: 204, intervalSeconds: 300 },
      { name: 'orders-fast', kind: 'http', url: 'https://backend.example.com/api/orders/', intervalSeconds: 10, auth: { token: 'orders' } },
    ],
  };
}

/** A generated fleet of `n` checks (half WebSocket, half HTTP, one shared token, realistic names). */
export function generatedFleet(n: number, extra: Partial<MonitorConfigInput> = {}): MonitorConfigInput {
  return {
    ...extra,
    checks: Array.from({ length: n }, (_, i) =>
      i % 2
        ? { name: `marketplace-orders-api-${i}`, kind: 'http' as const, url: `https://api-${i}.shop.example.com/api/auth/buyer/orders/`, auth: {} }
        : {
            name: `marketplace-chat-socket-${i}`,
            kind: 'websocket' as const,
            url: `wss://ws-${i}.shop.example.com/ws/chat/`,
            origin: 'https://shop.example.com',
            auth: {},
          },
    ),
  };
}
