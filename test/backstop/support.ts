/**
 * The backstop notifier's test rig: dynalite for the incident table, real loopback receivers for
 * PagerDuty, a Standard Webhooks consumer and Slack, the local SNS endpoint for email, and the
 * CloudWatch recorder for NotificationFailures. Channels are the real ones (lambda/notify), built
 * from a backstop file as the handler builds them.
 */
import { SNSClient } from '@aws-sdk/client-sns';
import type { BackstopAlarm, BackstopAlarmClass, BackstopFile } from '../../contracts/backstop';
import type { MaintenanceWindow } from '../../contracts/maintenance-windows';
import type { AlarmStateChangeEvent } from '../../lambda/backstop/event';
import type { BackstopDeps } from '../../lambda/backstop/notifier';
import { publishNotificationFailures } from '../../lambda/incidents/metrics';
import { IncidentStore } from '../../lambda/incidents/store';
import { createCloudWatchClient } from '../../lambda/metrics/publish';
import { createChannels } from '../../lambda/notify';
import { staticTokenStore } from '../../lambda/tokens';
import { startCloudWatchRecorder, type CloudWatchRecorder } from '../support/cloudwatch-recorder';
import { startLocalDynamo, type LocalDynamo } from '../support/dynamodb';
import {
  startPagerDutyReceiver,
  startSlackReceiver,
  startWebhookReceiver,
  type PagerDutyReceiver,
  type SlackReceiver,
  type WebhookReceiver,
} from '../support/receivers';
import { startSnsEndpoint, type SnsEndpoint } from '../support/sns-endpoint';
import { CANARY } from '../notify/support';

export const MONITOR = 'bs-monitor';
export const NAMESPACE = 'Synthmon/BackstopTest';
export const TABLE = 'bs-incidents';
export const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:bs-monitor-alarms';
export const REGION = 'eu-west-1';
const CREDENTIALS = { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-secret-key' };

/** Every secret the channels read: none of them may appear in a log line or an error. */
export function secretValues(rig: Rig): string[] {
  return [CANARY.routingKey, CANARY.webhookSecret, rig.slack.url, new URL(rig.slack.url).pathname];
}

export interface Rig {
  readonly dynamo: LocalDynamo;
  readonly cloudwatch: CloudWatchRecorder;
  readonly sns: SnsEndpoint;
  readonly pd: PagerDutyReceiver;
  readonly hook: WebhookReceiver;
  readonly slack: SlackReceiver;
  readonly snsClient: SNSClient;
  close(): Promise<void>;
}

export async function startRig(): Promise<Rig> {
  const [dynamo, cloudwatch, sns, pd, hook, slack] = await Promise.all([
    startLocalDynamo(),
    startCloudWatchRecorder(),
    startSnsEndpoint([TOPIC]),
    startPagerDutyReceiver({ routingKeys: [CANARY.routingKey] }),
    startWebhookReceiver({ secret: CANARY.webhookSecret }),
    startSlackReceiver(),
  ]);
  await dynamo.createTable(TABLE);
  const snsClient = new SNSClient({ endpoint: sns.endpoint, region: REGION, credentials: CREDENTIALS, maxAttempts: 1 });
  return {
    dynamo,
    cloudwatch,
    sns,
    pd,
    hook,
    slack,
    snsClient,
    async close() {
      snsClient.destroy();
      await Promise.all([dynamo.close(), cloudwatch.close(), sns.close(), pd.close(), hook.close(), slack.close()]);
    },
  };
}

/** One alarm of a class, covering `hosts` (one check per host unless `checks` says otherwise). */
export function alarm(cls: BackstopAlarmClass, over: Partial<BackstopAlarm> = {}): BackstopAlarm {
  const hosts = over.hosts ?? (['Silent', 'RunnerDropped', 'NotificationFailures'].includes(cls) ? [] : ['api.example.com']);
  return {
    class: cls,
    id: `${cls}60`,
    description: `${cls} alarm: what it means; check the thing that ${cls.toLowerCase()} points at`,
    checks: hosts.map((h) => `check-${h}`),
    hosts,
    windows: [],
    coverMs: 5 * 60_000,
    ...over,
  };
}

/** The backstop file: every channel kind, with token names as the CDK app resolves them. */
export function backstopFile(rig: Rig, alarms: Record<string, BackstopAlarm>, maintenance?: MaintenanceWindow[]): BackstopFile {
  return {
    version: 1,
    monitor: MONITOR,
    namespace: NAMESPACE,
    tokens: {
      pagerduty: { name: 'pagerduty', env: 'SYNTHMON_TOKEN_PAGERDUTY', parameter: '/synthmon/bs/pagerduty' },
      hook: { name: 'hook', env: 'SYNTHMON_TOKEN_HOOK', parameter: '/synthmon/bs/hook' },
      'slack-webhook': { name: 'slack-webhook', env: 'SYNTHMON_TOKEN_SLACK_WEBHOOK', parameter: '/synthmon/bs/slack-webhook' },
    },
    notifications: {
      pagerDuty: { routingKey: 'pagerduty', url: rig.pd.url },
      webhooks: [{ url: rig.hook.url, secret: 'hook' }],
      slack: { webhookUrl: 'slack-webhook' },
      emails: ['oncall@example.com'],
    },
    ...(maintenance ? { maintenance } : {}),
    alarms,
  };
}

/** The channels' secrets as the token store would read them. */
export const tokenValues = (rig: Rig) => ({ pagerduty: CANARY.routingKey, hook: CANARY.webhookSecret, 'slack-webhook': rig.slack.url });

/** Dependencies as handler.ts builds them, on the rig; log lines collected. */
export function depsFor(rig: Rig, file: BackstopFile, over: Partial<BackstopDeps> = {}): BackstopDeps & { readonly lines: string[] } {
  const lines: string[] = [];
  const metricClient = createCloudWatchClient({
    connectionTimeoutMs: 1000,
    requestTimeoutMs: 2000,
    maxAttempts: 1,
    config: { endpoint: rig.cloudwatch.endpoint, region: REGION, credentials: CREDENTIALS },
  });
  return {
    lines,
    file,
    store: new IncidentStore(rig.dynamo.client, TABLE),
    channels: createChannels(file.notifications as never, { secrets: staticTokenStore(tokenValues(rig)), sns: rig.snsClient, topicArn: TOPIC }),
    publishFailures: async (failures, timestamp) =>
      publishNotificationFailures(failures, { namespace: NAMESPACE, timestamp, client: await metricClient }),
    dashboard: 'bs-dashboard',
    region: REGION,
    log: (line) => lines.push(line),
    ...over,
  };
}

let clock = Date.UTC(2026, 11, 5, 10, 0, 0);
/** A fresh episode time (each test its own dedup keys), a minute after the last. */
export function nextTime(): number {
  clock += 60_000;
  return clock;
}

/** The documentation's timestamp shape: `2019-10-01T13:56:40.987+0000`. */
export const awsTime = (ms: number) => new Date(ms).toISOString().replace('Z', '+0000');

/** An "Alarm State Change" event shaped as the CloudWatch documentation's example. */
export function alarmEvent(
  name: string,
  from: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA',
  to: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA',
  times: { readonly at: number; readonly since?: number; readonly reason?: string },
): AlarmStateChangeEvent {
  return {
    version: '0',
    id: `evt-${name}-${times.at}`,
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account: '123456789012',
    time: new Date(times.at).toISOString().replace(/\.\d+Z$/, 'Z'),
    region: REGION,
    resources: [`arn:aws:cloudwatch:${REGION}:123456789012:alarm:${name}`],
    detail: {
      alarmName: name,
      configuration: { description: 'from the event' },
      previousState: { value: from, reason: 'before', timestamp: awsTime(times.since ?? times.at - 600_000) },
      state: {
        value: to,
        reason:
          times.reason ?? `Threshold Crossed: 1 out of the last 1 datapoints was ${to === 'ALARM' ? 'greater' : 'not greater'} than the threshold`,
        timestamp: awsTime(times.at),
      },
    },
  } as AlarmStateChangeEvent;
}

/** What each channel accepted for one dedup key, as actions in order. */
export function received(rig: Rig, dedupKey: string): Record<'pagerDuty' | 'webhooks[0]' | 'slack' | 'email', string[]> {
  const email = rig.sns.published
    .map((p) => JSON.parse(p.as('https')) as { type: string; data: { dedupKey: string; action: string } })
    .filter((p) => p.data.dedupKey === dedupKey)
    .map((p) => p.data.action);
  return {
    pagerDuty: rig.pd.events.filter((e) => e.dedup_key === dedupKey).map((e) => e.event_action),
    'webhooks[0]': rig.hook.verified.filter((v) => v.payload.data.dedupKey === dedupKey).map((v) => String(v.payload.data.action)),
    slack: rig.slack.messages.filter((m) => JSON.stringify(m).includes(dedupKey)).map((m) => (m.text.startsWith('Resolved') ? 'resolve' : 'trigger')),
    email,
  };
}

/** Every channel got exactly these actions. */
export const everywhere = (...actions: string[]) => ({ pagerDuty: actions, 'webhooks[0]': actions, slack: actions, email: actions });
