/**
 * `synthmon status`'s incident source (docs/DESIGN.md#synthmon-status): the open incidents in the
 * incident table named by SYNTHMON_INCIDENT_TABLE, read as the engine writes them
 * (lambda/incidents/items.ts: items `i#<kind>#<host>` with `state` open and the incident in `doc`),
 * through the standard SDK configuration (AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL_DYNAMODB); the
 * configuration's home region wins when it names one.
 *
 * A Scan with a filter: the table is small (one item per check, one per host and kind, a day of run
 * claims) and status is run by hand, so reading it whole is cheap; the filter is applied after the
 * read ("A single Scan operation reads up to the maximum number of items set (if using the Limit
 * parameter) or a maximum of 1 MB of data and then apply any filtering to the results using
 * FilterExpression.", https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Scan.html),
 * so every page is followed through LastEvaluatedKey.
 */
import type { ScanCommandOutput } from '@aws-sdk/client-dynamodb';
import { homeRegionOf } from '../../contracts/config';
import type { IncidentDoc } from '../../lambda/incidents/page';
import { createStoreClient, loadDynamoSdk, type Item } from '../../lambda/incidents/store';
import type { IncidentSource, OpenIncident } from './status';

/** Most Scan pages read (at 1 MB a page, far beyond the table's size): a bound on the wait. */
const MAX_PAGES = 50;

/** The open incident of one item, or undefined for another kind of item. */
export function openIncidentOf(item: Item): OpenIncident | undefined {
  if (!item.pk?.S?.startsWith('i#') || item.state?.S !== 'open' || !item.doc?.S) return undefined;
  const doc = JSON.parse(item.doc.S) as IncidentDoc;
  const checks = Object.keys(doc.checks).sort();
  const first = doc.checks[checks[0]!];
  const locations = [...new Set(checks.flatMap((c) => doc.checks[c]!.locations.map((l) => l.location)))].sort();
  return {
    id: doc.id,
    checks,
    outcome: first?.outcome ?? 'unknown',
    ...(first?.cause ? { cause: first.cause } : {}),
    locations,
    since: doc.firstFailureAt,
  };
}

/** Read the open incidents of the table in SYNTHMON_INCIDENT_TABLE. */
export const tableIncidents: IncidentSource = async (config, env) => {
  const table = env.SYNTHMON_INCIDENT_TABLE!;
  const home = homeRegionOf(config);
  const client = await createStoreClient(home ? { region: home } : {});
  const { ScanCommand } = await loadDynamoSdk();
  const open: OpenIncident[] = [];
  try {
    let start: Item | undefined;
    let pages = 0;
    do {
      const page: ScanCommandOutput = await client.send(
        new ScanCommand({
          TableName: table,
          FilterExpression: 'begins_with(pk, :i) AND #s = :open',
          ExpressionAttributeNames: { '#s': 'state' },
          ExpressionAttributeValues: { ':i': { S: 'i#' }, ':open': { S: 'open' } },
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const item of page.Items ?? []) {
        const incident = openIncidentOf(item);
        if (incident) open.push(incident);
      }
      start = page.LastEvaluatedKey;
    } while (start && ++pages < MAX_PAGES);
  } finally {
    client.destroy();
  }
  return open.sort((a, b) => a.since.localeCompare(b.since));
};
