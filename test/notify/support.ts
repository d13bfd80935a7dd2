/** Shared pieces of the channel tests: a notification as the engine builds it, canary secrets, a PKI. */
import type { Notification } from '../../contracts/notification';
import { staticTokenStore } from '../../lambda/tokens';

/** Secrets that must never appear in a Delivery, an error or a log (each distinctive, so a leak is found). */
export const CANARY = {
  /** PagerDuty integration keys are 32 characters. */
  routingKey: 'CANARYroutingKEY0123456789abcdef',
  /** `whsec_` + base64 of 32 bytes. */
  webhookSecret: `whsec_${Buffer.from('CANARY-webhook-signing-secret-32').toString('base64')}`,
} as const;

export const secretsWith = (extra: Record<string, string> = {}) =>
  staticTokenStore({ pagerduty: CANARY.routingKey, hook: CANARY.webhookSecret, ...extra });

/** The seed incident's first page, as the engine builds it. */
export function sampleNotification(over: Partial<Notification> = {}): Notification {
  return {
    action: 'trigger',
    dedupKey: 'synthmon/prod-monitor/orders-api/2026-12-04T16:00:00Z',
    severity: 'critical',
    kind: 'endpoint',
    monitor: 'prod-monitor',
    checks: ['orders-api'],
    host: 'api.example.com',
    outcome: 'unauthorized',
    cause: 'credentials_not_recognized',
    status: 401,
    summary:
      "orders-api: unauthorized (credentials_not_recognized) — the API did not recognize the token's scheme; add TokenAuthentication to REST_FRAMEWORK['DEFAULT_AUTHENTICATION_CLASSES']",
    message: 'HTTP 401 with WWW-Authenticate: Basic realm="api": the server does not accept Token authentication',
    fix: "add rest_framework.authentication.TokenAuthentication to REST_FRAMEWORK['DEFAULT_AUTHENTICATION_CLASSES']",
    evidence: { status: 401, 'www-authenticate': 'Basic realm="api"', body: '{"detail":"Authentication credentials were not provided."}' },
    locations: [
      { location: 'eu-west-1', outcome: 'unauthorized', cause: 'credentials_not_recognized', status: 401, at: '2026-12-04T16:00:01.000Z' },
      { location: 'us-east-1', outcome: 'unauthorized', cause: 'credentials_not_recognized', status: 401, at: '2026-12-04T16:00:02.000Z' },
    ],
    firstFailureAt: '2026-12-04T16:00:01.000Z',
    at: '2026-12-04T16:00:03.000Z',
    links: {
      dashboard: 'https://console.aws.amazon.com/cloudwatch/home?region=eu-west-1#dashboards/dashboard/prod-monitor',
      logs: 'https://console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logsV2:log-groups',
    },
    ...over,
  };
}

/** Waits until `check` holds (sockets close asynchronously on the server side), at most `ms`. */
export async function eventually(check: () => boolean, ms = 2_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}
