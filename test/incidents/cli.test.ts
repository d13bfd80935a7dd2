/**
 * The "done when", end to end: `synthmon probe --config FILE --notify` (the built CLI,
 * dist/synthmon.js) run as two `--location`s against dynalite (real SDK, DynamoDB's wire protocol)
 * and a local PagerDuty Events API v2 receiver sends exactly one trigger for an incident confirmed
 * by a quorum of two, nothing more while it lasts, and one resolve with the same dedup_key after
 * recovery. The endpoint is a real HTTP server on loopback that answers 503, then 200.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localAwsEnv } from '../support/aws-env';
import { startLocalDynamo, type LocalDynamo } from '../support/dynamodb';
import { startPagerDutyReceiver, type PagerDutyReceiver } from '../support/receivers';
import { CANARY, runCli, scratch } from '../cli/support';

/** A 32-character integration key, containing the canary (runCli fails if it is ever printed). */
const ROUTING_KEY = `${CANARY}-0123456789`.slice(0, 32);

let dynamo: LocalDynamo;
let pd: PagerDutyReceiver;
let backend: Server;
let status = 503;
const dir = scratch();

beforeAll(async () => {
  dynamo = await startLocalDynamo();
  await dynamo.createTable('synthmon-incidents');
  pd = await startPagerDutyReceiver({ routingKeys: [ROUTING_KEY] });
  backend = createServer((_req, res) => res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'upstream down'));
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  backend?.closeAllConnections();
  await new Promise<void>((resolve) => (backend ? backend.close(() => resolve()) : resolve()));
  await pd?.close();
  await dynamo?.close();
  dir.cleanup();
});

describe('synthmon probe --notify', () => {
  it('pages once for an incident confirmed by two locations, stays quiet while it lasts, and resolves once with the same dedup_key', async () => {
    expect(ROUTING_KEY).toHaveLength(32);
    const config = dir.write(
      'monitor.json',
      JSON.stringify({
        locations: ['eu-west-1', 'us-east-1'],
        tokens: { pagerduty: { env: 'PD_ROUTING_KEY' } },
        notifications: { pagerDuty: { routingKey: 'pagerduty', url: pd.url } },
        checks: [
          { kind: 'http', name: 'orders-api', url: `http://127.0.0.1:${(backend.address() as AddressInfo).port}/api/orders/`, retryDelayMs: 0 },
        ],
      }),
    );
    const env = {
      ...localAwsEnv({ home: dir.dir }),
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      SYNTHMON_INCIDENT_TABLE: 'synthmon-incidents',
      PD_ROUTING_KEY: ROUTING_KEY,
    };
    const probe = async (location: string) => {
      const run = await runCli(['probe', '--config', config, '--notify', '--location', location], { env });
      expect(run.stderr).toBe('');
      return run;
    };

    status = 503;
    const first = await probe('eu-west-1');
    expect(first.code).toBe(1);
    expect(first.stdout).toContain('nothing to send');
    expect(pd.events).toHaveLength(0);
    const second = await probe('us-east-1');
    expect(second.stdout).toMatch(
      /incident trigger \(synthmon\/SyntheticMonitor\/endpoint-127\.0\.0\.1-\d{8}T\d{6}Z\) as us-east-1: orders-api: server error .*\[sent: pagerDuty\]/,
    );
    expect(pd.events.map((e) => e.event_action)).toEqual(['trigger']);
    // While it lasts: more failing runs from both locations send nothing.
    await probe('eu-west-1');
    await probe('us-east-1');
    expect(pd.events).toHaveLength(1);

    status = 200;
    // Two passing runs in each location (resolveAfterRuns 2 at a quorum of 2): the last one resolves.
    await probe('eu-west-1');
    await probe('us-east-1');
    await probe('eu-west-1');
    expect(pd.events).toHaveLength(1);
    const last = await probe('us-east-1');
    expect(last.code).toBe(0);
    expect(last.stdout).toMatch(/incident resolve .*orders-api: recovered/);
    expect(pd.events.map((e) => e.event_action)).toEqual(['trigger', 'resolve']);
    expect(pd.events[1]!.dedup_key).toBe(pd.events[0]!.dedup_key);
    expect(pd.alerts()).toEqual([expect.objectContaining({ status: 'resolved', triggers: [expect.anything()], resolves: 1 })]);
    const trigger = pd.events[0]!;
    expect(trigger.payload?.severity).toBe('critical');
    expect(trigger.payload?.summary).toMatch(/^orders-api: /);
  });

  it('refuses --notify without the table name, and --location without --notify, naming what was wrong', async () => {
    const config = dir.write('plain.json', JSON.stringify({ checks: [{ kind: 'http', name: 'a', url: 'http://127.0.0.1:9/' }] }));
    const noTable = await runCli(['probe', '--config', config, '--notify', '--no-retry'], { env: localAwsEnv({ home: dir.dir }) });
    expect(noTable.code).toBe(2);
    expect(noTable.stderr).toContain('--notify needs SYNTHMON_INCIDENT_TABLE');
    const stray = await runCli(['probe', '--config', config, '--location', 'eu-west-1'], { env: localAwsEnv({ home: dir.dir }) });
    expect(stray.code).toBe(2);
    expect(stray.stderr).toContain('--location applies with --notify only');
  });
});
