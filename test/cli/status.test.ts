/**
 * `synthmon status` against a local CloudWatch (test/support/cloudwatch-query.ts: DescribeAlarms and
 * GetMetricData in the SDK's own wire protocol), reached through the standard SDK configuration
 * (AWS_ENDPOINT_URL_CLOUDWATCH, AWS_REGION): the built CLI for the alarms and last results and the
 * exit statuses, and statusCommand in-process for the incident source (the incident pipeline's
 * reader is plugged in by the pipeline; here a function standing for its table).
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { statusCommand, type OpenIncident } from '../../bin/cli/status';
import type { Io } from '../../bin/cli/io';
import { localAwsEnv } from '../support/aws-env';
import { startCloudWatchQueryServer, type CloudWatchQueryServer } from '../support/cloudwatch-query';
import { createIncidentEngine } from '../../lambda/incidents';
import { startLocalDynamo } from '../support/dynamodb';
import { result } from '../incidents/support';
import { runCli, scratch } from './support';

let cw: CloudWatchQueryServer;
let dir: ReturnType<typeof scratch>;
const now = Date.now();
const minute = Math.floor(now / 60_000) * 60_000;

beforeAll(async () => {
  cw = await startCloudWatchQueryServer();
  dir = scratch();
});
afterAll(async () => {
  await cw?.close();
  dir?.cleanup();
});
afterEach(() => {
  vi.unstubAllEnvs();
});
beforeEach(() => {
  cw.alarms.length = 0;
  cw.datapoints.length = 0;
});

/** The default configuration's checks publishing: chat-websocket forbidden in its last minute, buyer-orders ok. */
function fixture(): void {
  const d = (MetricName: string, Dimensions: Record<string, string>, Value: number, ago: number) => ({
    Namespace: 'SyntheticMonitor',
    MetricName,
    Dimensions,
    Value,
    Timestamp: minute - ago * 60_000,
  });
  cw.datapoints.push(
    d('Success', { Check: 'chat-websocket' }, 1, 3),
    d('Success', { Check: 'chat-websocket' }, 0, 1),
    d('Failures', { Check: 'chat-websocket', Reason: 'forbidden' }, 1, 1),
    d('Success', { Check: 'buyer-orders' }, 0, 2),
    d('Failures', { Check: 'buyer-orders', Reason: 'refused' }, 1, 2),
    d('Success', { Check: 'buyer-orders' }, 1, 1),
    // Another monitor's namespace and an older failure are not this check's last result.
    { Namespace: 'Other', MetricName: 'Success', Dimensions: { Check: 'buyer-orders' }, Value: 0, Timestamp: minute },
  );
  cw.alarms.push(
    {
      AlarmName: 'SyntheticMonitor-Monitor-Forbidden-60s',
      StateValue: 'ALARM',
      StateReason: 'Threshold crossed: 1 contributor(s) in ALARM: chat-websocket',
      StateUpdatedTimestamp: minute,
    },
    { AlarmName: 'SyntheticMonitor-Monitor-Refused-60s', StateValue: 'OK' },
    { AlarmName: 'OtherStack-Monitor-Refused-60s', StateValue: 'ALARM' },
  );
}

const env = () => ({ ...localAwsEnv({ cloudwatch: cw.endpoint, home: dir.dir }) });

describe('synthmon status', () => {
  it("--json lists the alarm in ALARM and each check's last result, and exits 1", async () => {
    fixture();
    const run = await runCli(['status', '--json'], { env: env() });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(report).toMatchObject({
      stack: 'SyntheticMonitor',
      region: 'eu-west-1',
      alarmPrefix: 'SyntheticMonitor-Monitor-',
      alarms: [
        {
          name: 'SyntheticMonitor-Monitor-Forbidden-60s',
          reason: 'Threshold crossed: 1 contributor(s) in ALARM: chat-websocket',
          since: new Date(minute).toISOString(),
        },
      ],
      incidents: null,
      checks: [
        { name: 'chat-websocket', last: { at: new Date(minute - 60_000).toISOString(), ok: false, outcomes: ['forbidden'] } },
        { name: 'buyer-orders', last: { at: new Date(minute - 60_000).toISOString(), ok: true, outcomes: [] } },
      ],
      clear: false,
    });
    expect(cw.operations).toContain('DescribeAlarms');
    expect(cw.operations).toContain('GetMetricData');
  });

  it('says all clear and exits 0 when nothing is in ALARM; human text names what it could not read', async () => {
    cw.alarms.push({ AlarmName: 'SyntheticMonitor-Monitor-Refused-60s', StateValue: 'OK' });
    const run = await runCli(['status'], { env: env() });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('synthmon status: SyntheticMonitor in eu-west-1 (alarms SyntheticMonitor-Monitor-*)');
    expect(run.stdout).toContain('alarms in ALARM: 0');
    expect(run.stdout).toContain('open incidents: not read (SYNTHMON_INCIDENT_TABLE is not set)');
    expect(run.stdout).toMatch(/chat-websocket +no data/);
    expect(run.stdout.trimEnd().split('\n').at(-1)).toBe('all clear');
  });

  it('reads another stack by SYNTHMON_STACK, and exits 2 with a clear line when CloudWatch cannot be reached', async () => {
    fixture();
    const other = await runCli(['status', '--json'], { env: { ...env(), SYNTHMON_STACK: 'OtherStack' } });
    expect(JSON.parse(other.stdout)).toMatchObject({ alarms: [{ name: 'OtherStack-Monitor-Refused-60s' }] });
    const down = await runCli(['status'], { env: { ...localAwsEnv({ cloudwatch: 'http://127.0.0.1:9', home: dir.dir }) }, killAfterMs: 90_000 });
    expect(down.code).toBe(2);
    expect(down.stderr).toMatch(/^synthmon: status could not read the monitor SyntheticMonitor: .*ECONNREFUSED/m);
  }, 120_000);

  it('refuses unknown options with exit 2', async () => {
    const run = await runCli(['status', '--watch']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('unknown option --watch for status');
  });

  it('lists open incidents from the incident source when SYNTHMON_INCIDENT_TABLE is set', async () => {
    const incident: OpenIncident = {
      id: 'synthmon/SyntheticMonitor/abc',
      checks: ['chat-websocket'],
      outcome: 'forbidden',
      cause: 'origin_rejected',
      locations: ['eu-west-1', 'us-east-1'],
      since: new Date(minute - 120_000).toISOString(),
    };
    // In-process, the SDK reads its standard configuration from process.env, as in the CLI.
    for (const [k, v] of Object.entries(env())) vi.stubEnv(k, v);
    const out: string[] = [];
    const io: Io = {
      env: { ...process.env, ...env(), SYNTHMON_INCIDENT_TABLE: 'incidents' },
      color: false,
      out: (t) => void out.push(t),
      err: (t) => void out.push(`ERR ${t}`),
      addSecret: () => undefined,
    };
    const code = await statusCommand({ command: 'status', json: true }, io, {
      incidents: async (_config, e) => (e.SYNTHMON_INCIDENT_TABLE === 'incidents' ? [incident] : []),
    });
    expect(code).toBe(1);
    expect(JSON.parse(out.join('\n'))).toMatchObject({ alarms: [], incidents: [incident], clear: false });

    out.length = 0;
    expect(await statusCommand({ command: 'status', json: false }, io, { incidents: async () => [incident] })).toBe(1);
    expect(out.join('\n')).toContain(
      `open incidents: 1\n  chat-websocket: forbidden (origin_rejected) in eu-west-1, us-east-1 since ${incident.since}`,
    );
    expect(out.at(-1)).toBe('open: 1 incident');
  });

  it('--json lists the alarm and the incident the real engine opened, read from the incident table (dynalite) through AWS_ENDPOINT_URL_DYNAMODB', async () => {
    fixture();
    const dynamo = await startLocalDynamo();
    try {
      await dynamo.createTable('synthmon-incidents');
      // The runner's engine opens the incident (no channel configured: nothing is delivered).
      const engine = createIncidentEngine({
        client: dynamo.client,
        table: 'synthmon-incidents',
        location: 'eu-west-1',
        incidents: { monitor: 'SyntheticMonitor', locations: ['eu-west-1'], quorum: 1, resolveAfterRuns: 2, notifications: {} },
        secrets: {
          describe: () => 'none',
          tokenFor: async () => {
            throw new Error('no token is read');
          },
        } as never,
        log: () => undefined,
      });
      const at = minute - 60_000;
      const report = await engine.record(
        [result('chat-websocket', 'forbidden', { url: 'wss://multivendor-backend.indexo.ir/ws/chat/', cause: 'origin_rejected', at })],
        { at, intervals: new Map([['chat-websocket', 60]]), deadline: Date.now() + 20_000 },
      );
      expect(report.errors).toEqual([]);
      expect(report.notifications.map((n) => n.action)).toEqual(['trigger']);

      const run = await runCli(['status', '--json'], {
        env: { ...env(), AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint, SYNTHMON_INCIDENT_TABLE: 'synthmon-incidents' },
      });
      expect(run.stderr).toBe('');
      expect(run.code).toBe(1);
      expect(JSON.parse(run.stdout)).toMatchObject({
        alarms: [{ name: 'SyntheticMonitor-Monitor-Forbidden-60s' }],
        incidents: [
          {
            id: expect.stringMatching(/^endpoint-multivendor-backend\.indexo\.ir-\d{8}T\d{6}Z$/),
            checks: ['chat-websocket'],
            outcome: 'forbidden',
            cause: 'origin_rejected',
            locations: ['eu-west-1'],
            since: new Date(at).toISOString(),
          },
        ],
        clear: false,
      });
      const human = await runCli(['status'], {
        env: { ...env(), AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint, SYNTHMON_INCIDENT_TABLE: 'synthmon-incidents' },
      });
      expect(human.stdout).toContain(
        `open incidents: 1\n  chat-websocket: forbidden (origin_rejected) in eu-west-1 since ${new Date(at).toISOString()}`,
      );
      expect(human.stdout.trimEnd().split('\n').at(-1)).toBe('open: 1 alarm in ALARM, 1 incident');
    } finally {
      await dynamo.close();
    }
  });
});
