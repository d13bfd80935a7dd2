/**
 * NotificationFailures{Channel}: one datapoint per channel per run whose delivery failed (a page
 * left in the outbox for the next run, or refused by the receiver), in the monitor's namespace in
 * the home region, where its alarm is (lib/incidents.ts). Nothing is published while deliveries succeed.
 */
import type { StandardUnit } from '@aws-sdk/client-cloudwatch';
import { MetricName, MetricUnit } from '../../contracts/metrics';
import { getCloudWatchClient, loadCloudWatchSdk } from '../metrics/publish';

/** The metric's name (contracts/metrics.ts; its alarm reads the same constant). */
export const NOTIFICATION_FAILURES_METRIC = MetricName.NOTIFICATION_FAILURES;

/** Publish failed deliveries per channel; resolves to an error text instead of throwing. */
export async function publishNotificationFailures(
  failures: Readonly<Record<string, number>>,
  options: {
    readonly namespace: string;
    readonly region?: string;
    readonly timestamp: Date;
    readonly client?: Awaited<ReturnType<typeof getCloudWatchClient>>;
  },
): Promise<string | undefined> {
  const channels = Object.entries(failures).filter(([, n]) => n > 0);
  if (!channels.length) return undefined;
  try {
    const { PutMetricDataCommand } = await loadCloudWatchSdk();
    const client = options.client ?? (await getCloudWatchClient(options.region));
    await client.send(
      new PutMetricDataCommand({
        Namespace: options.namespace,
        MetricData: channels.map(([channel, n]) => ({
          MetricName: NOTIFICATION_FAILURES_METRIC,
          Dimensions: [{ Name: 'Channel', Value: channel }],
          Value: n,
          Unit: MetricUnit[MetricName.NOTIFICATION_FAILURES] as StandardUnit,
          Timestamp: options.timestamp,
        })),
      }),
    );
    return undefined;
  } catch (err) {
    return `publishing ${NOTIFICATION_FAILURES_METRIC} failed: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`.slice(0, 300);
  }
}
