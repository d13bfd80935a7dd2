/**
 * Shared by the CDK tests: an App with the feature flags of cdk.json (so tests synthesize what
 * `cdk synth` synthesizes), and a configuration that exercises every construct path.
 */
import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { parseConfig, type MonitorConfig } from '../../contracts/config';

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
 * Four checks: a WebSocket whose token secret the stack creates, an API whose secret is imported by
 * name, one imported by complete ARN, and a public health check without auth. Non-default interval,
 * namespace, alarm M/N and phase timings so nothing passes by matching a default by accident.
 */
export function fullConfig(): MonitorConfig {
  return parseConfig({
    namespace: 'Synthmon/Test',
    intervalMinutes: 2,
    functionTimeoutSeconds: 90,
    phaseTimings: true,
    alarms: {
      refused: { datapointsToAlarm: 2, evaluationPeriods: 3 },
      failing: { datapointsToAlarm: 3, evaluationPeriods: 5 },
    },
    notifications: { emails: ['oncall@example.com'], httpsEndpoints: [PAGER_URL] },
    checks: [
      {
        name: 'chat-websocket',
        kind: 'websocket',
        url: 'wss://backend.example.com/ws/chat/',
        origin: 'https://example.com',
        auth: { in: 'query' },
      },
      {
        name: 'buyer-orders',
        kind: 'http',
        url: 'https://backend.example.com/api/auth/buyer/orders/',
        auth: { secret: { name: IMPORTED_SECRET_NAME } },
      },
      {
        name: 'admin-orders',
        kind: 'http',
        url: 'https://backend.example.com/api/admin/orders/',
        auth: { scheme: 'Bearer', secret: { arn: IMPORTED_SECRET_ARN } },
      },
      { name: 'health', kind: 'http', url: 'https://backend.example.com/health/', expectStatus: 204 },
    ],
  }, 'test config');
}
