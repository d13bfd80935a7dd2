/**
 * The Lambda entry point (docs/DESIGN.md#the-fleet-runner), deliberately thin: on the first invocation of a container,
 * read the environment and the fleet file the CDK app wrote into the asset, build the token store
 * and the runner; then run the shard the schedule names. The runner fails the invocation when
 * publishing failed, so the function's Errors metric shows it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { FLEET_FILE, readHandlerEnv, type FleetFile, type HandlerEnv, type ShardEvent } from '../contracts/handler-env';
import { getStoreClient } from './incidents/store';
import { runClaimer } from './run-claim';
import { createRunner, type RunnerDeps, type ShardReport } from './runner';
import { cloudTokenStore, type TokenStore } from './tokens';

let runner: ((event: ShardEvent) => Promise<ShardReport>) | undefined;

/** Read the fleet file beside index.js; a missing or unreadable one fails every invocation, loudly. */
export function loadFleetFile(dir: string = __dirname): FleetFile {
  const file = path.join(dir, FLEET_FILE);
  const fleet = JSON.parse(readFileSync(file, 'utf8')) as FleetFile;
  if (fleet?.version !== 1 || typeof fleet.shards !== 'object') throw new Error(`${file} is not a synthmon fleet file (version 1)`);
  return fleet;
}

/**
 * The incident pipeline when the stack created the table (docs/DESIGN.md#incidents): the run claim
 * (lambda/run-claim.ts, the DynamoDB client only) and a loader of the engine, whose chunk
 * (`./incidents`: the engine, the page, the channels) the runner loads beside the first invocation's
 * probes, not at init. The claim and the engine share one DynamoDB client.
 */
export function incidentDeps(env: HandlerEnv, fleet: FleetFile, secrets: TokenStore): Pick<RunnerDeps, 'claimRun' | 'incidents'> {
  const table = env.incidentTable;
  const incidents = fleet.incidents;
  if (!table || !incidents) return {};
  const client = getStoreClient(env.homeRegion);
  const region = process.env.AWS_REGION;
  // Set by Lambda: "AWS_LAMBDA_LOG_GROUP_NAME, AWS_LAMBDA_LOG_STREAM_NAME – The name of the Amazon
  // CloudWatch Logs group and stream for the function." (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html)
  const logGroup = process.env.AWS_LAMBDA_LOG_GROUP_NAME;
  const home = env.homeRegion ?? region;
  return {
    claimRun: runClaimer({ table, client }),
    incidents: async () =>
      (await import('./incidents')).createIncidentEngine({
        table,
        incidents,
        location: env.location,
        client,
        secrets,
        links: {
          ...(env.dashboard && home ? { dashboard: { region: home, name: env.dashboard } } : {}),
          ...(logGroup && region ? { logs: { region, group: logGroup } } : {}),
        },
        // The email channel publishes to the monitor's topic (docs/DESIGN.md#notification-channels).
        ...(env.topicArn ? { channelDeps: { topicArn: env.topicArn } } : {}),
      }),
  };
}

/** The Lambda handler. */
export async function handler(event: ShardEvent): Promise<ShardReport> {
  if (!runner) {
    const env = readHandlerEnv(process.env);
    const fleet = loadFleetFile();
    const tokens = cloudTokenStore(fleet.tokens, env.homeRegion ? { region: env.homeRegion } : {});
    runner = createRunner({ env, fleet, tokens, ...incidentDeps(env, fleet, tokens) });
  }
  return runner(event);
}
