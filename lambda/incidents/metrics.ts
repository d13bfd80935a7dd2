/**
 * NotificationFailures{Channel}: one datapoint per channel per run whose delivery failed (a page
 * left in the outbox for the next run, or refused by the receiver), in the monitor's namespace in
 * the home region, where its alarm is (lib/incidents.ts). Nothing is published while deliveries succeed.
 */
import type { StandardUnit } from '@aws-sdk/client-cloudwatch';
import { Dimension, MetricName, MetricUnit } from '../../contracts/metrics';
import { getCloudWatchClient, loadCloudWatchSdk } from '../metrics/publish';

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
          MetricName: MetricName.NOTIFICATION_FAILURES,
          Dimensions: [{ Name: Dimension.CHANNEL, Value: channel }],
          Value: n,
          Unit: MetricUnit[MetricName.NOTIFICATION_FAILURES] as StandardUnit,
          Timestamp: options.timestamp,
        })),
      }),
    );
    return undefined;
  } catch (err) {
    return `publishing ${MetricName.NOTIFICATION_FAILURES} failed: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`.slice(
      0,
      300,
    );
  }
}
