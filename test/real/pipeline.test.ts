/**
 * End to end on the real stack (./stack.ts): the shard runner (lambda/runner.ts, as the
 * Lambda handler builds it) probing the real backend and publishing through the real CloudWatch
 * SDK to the local recorder (test/support/cloudwatch-recorder.ts); and the built CLI
 * (`dist/synthmon.js probe --config … --json`) trusting the stack's CA through NODE_EXTRA_CA_CERTS.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../contracts/config';
import type { FleetFile } from '../../contracts/handler-env';
import { createRunner } from '../../lambda/runner';
import { staticTokenStore } from '../../lambda/tokens';
import { lines, runCli, scratch } from '../cli/support';
import { localAwsEnv } from '../support/aws-env';
import { Answer, startCloudWatchRecorder, type CloudWatchRecorder, type WireDatum } from '../support/cloudwatch-recorder';
import { lookupTo } from '../support/fault-servers';
import { rawChecks } from './probe';
import { startRealStack, stillRunning, type RealStack } from './stack';

const NAMESPACE = 'Synthmon/RealStack';
const AWS_ENV = ['AWS_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_ENDPOINT_URL_CLOUDWATCH', 'AWS_EC2_METADATA_DISABLED'] as const;

let stack: RealStack;
let cloudwatch: CloudWatchRecorder;
let dir: ReturnType<typeof scratch>;
const savedEnv: Partial<Record<(typeof AWS_ENV)[number], string>> = {};

beforeAll(async () => {
  dir = scratch();
  [stack, cloudwatch] = await Promise.all([startRealStack(), startCloudWatchRecorder()]);
  for (const name of AWS_ENV) if (process.env[name] !== undefined) savedEnv[name] = process.env[name];
  // The real SDK, pointed at the local recorder (the signature is required, not verified).
  Object.assign(process.env, localAwsEnv({ cloudwatch: cloudwatch.endpoint }));
});

afterAll(async () => {
  for (const name of AWS_ENV) {
    if (savedEnv[name] === undefined) delete process.env[name];
    else process.env[name] = savedEnv[name];
  }
  await Promise.all([stack?.close(), cloudwatch?.close()]);
  dir?.cleanup();
  const left = stack ? stillRunning(stack.startedPids()) : [];
  if (left.length) throw new Error(`processes still running after the stack closed: ${left.join(', ')}`);
});

beforeEach(async () => {
  await stack.reset();
  cloudwatch.setThen(Answer.ok);
});

function describeDatum(d: WireDatum): string {
  const dims = (d.Dimensions ?? []).map((x) => `${x.Name}=${x.Value}`).join(',');
  return `${d.MetricName}{${dims}}=${d.Value}`;
}

describe('the shard runner against the real stack', () => {
  it('9. ALLOWED_HOSTS loses the front end: the runner publishes Success=0 and Failures{Reason=forbidden} for the WebSocket check only, and logs origin_rejected', async () => {
    await stack.configure({ backend: { allowedHosts: ['localhost'] } });
    const checks = parseConfig({ checks: rawChecks(stack) }).checks;
    const fleet: FleetFile = {
      version: 1,
      namespace: NAMESPACE,
      phaseTimings: false,
      tokens: {},
      shards: { '60s-0': { intervalSeconds: 60, ticks: 1, checks } },
    };
    const logged: string[] = [];
    const runner = createRunner({
      fleet,
      env: { location: 'eu-west-1' },
      tokens: staticTokenStore({ default: stack.token }),
      attemptOptions: { ca: stack.ca, lookup: lookupTo('127.0.0.1') },
      writeLine: (line) => logged.push(line),
      logError: (line) => logged.push(line),
    });
    const from = cloudwatch.requests.length;
    const report = await runner({ shard: '60s-0', scheduledTime: new Date().toISOString() });

    const [tick] = report.ticks;
    expect(tick!.results.map((r) => [r.check, r.outcome, r.cause ?? null])).toEqual([
      ['chat-websocket', 'forbidden', 'origin_rejected'],
      ['buyer-orders', 'ok', null],
    ]);
    expect(tick!.results[0]!.message).toContain(
      `HTTP 403 on the upgrade with Origin https://indexo.ir, but 101 with the target's own origin https://localhost:${stack.port}`,
    );
    expect(tick!.results[1]!.message).toContain('HTTP 200 as expected');

    const calls = cloudwatch.requests.slice(from);
    expect(calls.map((c) => c.answer)).toEqual(['ok']);
    expect(calls[0]!.input!.Namespace).toBe(NAMESPACE);
    const data = calls[0]!.input!.MetricData.map(describeDatum);
    expect(data).toEqual(
      expect.arrayContaining([
        'Success{Check=chat-websocket}=0',
        'Failures{Check=chat-websocket,Reason=forbidden}=1',
        'Failures{Check=chat-websocket,Interval=60,Reason=forbidden}=1',
        'Success{Check=buyer-orders}=1',
        'ShardResults{Shard=60s-0,Location=eu-west-1}=2',
      ]),
    );
    // Failures only for the failing check, and only with its own reason.
    expect(data.filter((d) => d.startsWith('Failures{'))).toHaveLength(2);
    expect(data.filter((d) => d.includes('Check=buyer-orders') && !d.startsWith('Success{') && !d.startsWith('Duration{'))).toEqual([]);

    const results = logged.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'check result');
    expect(results.map((l) => [l.check, l.level, l.outcome, l.cause ?? null])).toEqual([
      ['chat-websocket', 'WARN', 'forbidden', 'origin_rejected'],
      ['buyer-orders', 'INFO', 'ok', null],
    ]);
    expect([...logged, calls[0]!.body].join('\n')).not.toContain(stack.token);
  });
});

describe('the built CLI against the real stack', () => {
  /** `synthmon probe --config <file> --json` with the token in SYNTHMON_TOKEN and the CA in NODE_EXTRA_CA_CERTS. */
  async function probeCli(): Promise<{ code: number | null; results: Array<Record<string, unknown>> }> {
    const file = dir.write('synthmon.json', JSON.stringify({ checks: rawChecks(stack) }));
    const run = await runCli(['probe', '--config', file, '--json'], { env: { NODE_EXTRA_CA_CERTS: stack.caFile, SYNTHMON_TOKEN: stack.token } });
    expect(run.stderr).toBe('');
    expect(run.stdout).not.toContain(stack.token);
    return { code: run.code, results: lines(run.stdout).map((l) => JSON.parse(l) as Record<string, unknown>) };
  }

  it('exits 0 with both checks ok when healthy', async () => {
    const { code, results } = await probeCli();
    expect(results).toMatchObject([
      {
        check: 'chat-websocket',
        outcome: 'ok',
        status: 101,
        url: `${stack.wsUrl}?token=***`,
        message: expect.stringContaining('HTTP 101 Switching Protocols'),
      },
      { check: 'buyer-orders', outcome: 'ok', status: 200, message: expect.stringContaining('HTTP 200 as expected') },
    ]);
    expect(code).toBe(0);
  });

  it("exits 1 with forbidden / credentials_not_recognized for the API once TokenAuthentication is removed (DRF's defaults); the WebSocket stays ok", async () => {
    await stack.configure({ backend: { authenticationClasses: [] } });
    const { code, results } = await probeCli();
    expect(results).toMatchObject([
      { check: 'chat-websocket', outcome: 'ok', status: 101 },
      {
        check: 'buyer-orders',
        ok: false,
        outcome: 'forbidden',
        status: 403,
        cause: 'credentials_not_recognized',
        message: expect.stringContaining('HTTP 403 Forbidden although a token was sent'),
      },
    ]);
    expect(results[0]).not.toHaveProperty('cause');
    expect(code).toBe(1);
  });
});
