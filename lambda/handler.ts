/**
 * The Lambda entry point (docs/DESIGN.md#the-fleet-runner), deliberately thin: on the first invocation of a container,
 * read the environment and the fleet file the CDK app wrote into the asset, build the token store
 * and the runner; then run the shard the schedule names. The runner fails the invocation when
 * publishing failed, so the function's Errors metric shows it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { FLEET_FILE, readHandlerEnv, type FleetFile, type ShardEvent } from '../contracts/handler-env';
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
    runner = createRunner({ env, fleet, tokens: cloudTokenStore(fleet.tokens, env.homeRegion ? { region: env.homeRegion } : {}) });
  }
  return runner(event);
}
