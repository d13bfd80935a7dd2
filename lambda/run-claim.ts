/**
 * The run claim (docs/DESIGN.md#incidents): one conditional put per scheduled run, written before
 * probing, so a second Lambda delivery of the same event ("it's possible for it to receive the same
 * event from Lambda multiple times", https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html)
 * exits without probing, publishing or recording. Kept apart from the incident engine
 * (lambda/incidents/, a lazy chunk loaded beside the probes): the claim must be written before the
 * probes start, and it needs only the DynamoDB client chunk, not the engine, the page or the channels.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { getStoreClient, isConditionFailure, loadDynamoSdk } from './incidents/store';

/** One scheduled run of a shard in a location. */
export interface ScheduledRun {
  readonly shard: string;
  readonly location: string;
  /** EventBridge Scheduler's `<aws.scheduler.scheduled-time>`, as the event carries it. */
  readonly scheduledTime: string;
}

/** How long a claim is kept (the table's TTL attribute; the engine's TTL_SECONDS.run is this). */
export const RUN_CLAIM_TTL_SECONDS = 86_400;

/** The claim's item key (the engine's `claimRun`, which the tests and the bench call, writes the same). */
export function runClaimKey(run: ScheduledRun): string {
  return `run#${run.shard}#${run.location}#${run.scheduledTime}`;
}

/** Where claims are written. */
export interface RunClaimOptions {
  /** The incident table (SYNTHMON_INCIDENT_TABLE). */
  readonly table: string;
  /** A client (the handler shares its own with the engine; tests: one at dynalite). @default - the process's shared client for `region` */
  readonly client?: DynamoDBClient | Promise<DynamoDBClient>;
  /** The table's region (the home region). @default - the SDK's configuration */
  readonly region?: string;
  /** Clock (epoch ms), for the item's TTL. @default Date.now */
  readonly now?: () => number;
}

/**
 * A claimer: true when this invocation claimed the run, false when another already had (the
 * conditional put lost). A store error is thrown: the runner logs it and probes anyway.
 */
export function runClaimer(o: RunClaimOptions): (run: ScheduledRun) => Promise<boolean> {
  const now = o.now ?? Date.now;
  return async (run) => {
    const [{ PutItemCommand }, client] = await Promise.all([loadDynamoSdk(), o.client ?? getStoreClient(o.region)]);
    try {
      await client.send(
        new PutItemCommand({
          TableName: o.table,
          Item: { pk: { S: runClaimKey(run) }, ttl: { N: String(Math.floor(now() / 1000) + RUN_CLAIM_TTL_SECONDS) } },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  };
}
