/**
 * The Lambda entry point (docs/DESIGN.md#the-fleet-runner), deliberately thin: on the first invocation of a container,
 * read the environment and the fleet file the CDK app wrote into the asset, build the token store
 * and the runner; then run the shard the schedule names. The runner fails the invocation when
 * publishing failed, so the function's Errors metric shows it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { FLEET_FILE, readHandlerEnv, type FleetFile, type ShardEvent } from '../contracts/handler-env';
import { createIncidentEngine } from './incidents';
import { createRunner, type ShardReport } from './runner';
import { cloudTokenStore } from './tokens';

let runner: ((event: ShardEvent) => Promise<ShardReport>) | undefined;

/** Read the fleet file beside index.js; a missing or unreadable one fails every invocation, loudly. */
export function loadFleetFile(dir: string = __dirname): FleetFile {
  const file = path.join(dir, FLEET_FILE);
  const fleet = JSON.parse(readFileSync(file, 'utf8')) as FleetFile;
  if (fleet?.version !== 1 || typeof fleet.shards !== 'object') throw new Error(`${file} is not a synthmon fleet file (version 1)`);
  return fleet;
}

/** The Lambda handler. */
export async function handler(event: ShardEvent): Promise<ShardReport> {
  if (!runner) {
    const env = readHandlerEnv(process.env);
    const fleet = loadFleetFile();
    const tokens = cloudTokenStore(fleet.tokens, env.homeRegion ? { region: env.homeRegion } : {});
    // The incident pipeline when the stack created the table (docs/DESIGN.md#incidents).
    const region = process.env.AWS_REGION;
    // Set by Lambda: "AWS_LAMBDA_LOG_GROUP_NAME, AWS_LAMBDA_LOG_STREAM_NAME – The name of the Amazon
    // CloudWatch Logs group and stream for the function." (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html)
    const logGroup = process.env.AWS_LAMBDA_LOG_GROUP_NAME;
    const home = env.homeRegion ?? region;
    const incidents =
      env.incidentTable && fleet.incidents
        ? createIncidentEngine({
            table: env.incidentTable,
            incidents: fleet.incidents,
            location: env.location,
            ...(env.homeRegion ? { region: env.homeRegion } : {}),
            secrets: tokens,
            links: {
              ...(env.dashboard && home ? { dashboard: { region: home, name: env.dashboard } } : {}),
              ...(logGroup && region ? { logs: { region, group: logGroup } } : {}),
            },
          })
        : undefined;
    runner = createRunner({ env, fleet, tokens, ...(incidents ? { incidents } : {}) });
  }
  return runner(event);
}
