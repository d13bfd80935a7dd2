/**
 * The real `handler` export (lambda/backstop/handler.ts) as Lambda runs it: backstop.json on disk,
 * the environment set, every AWS call through the standard SDK configuration to local endpoints
 * (dynalite, SSM for the channels' tokens, SNS, the CloudWatch recorder), pages to loopback receivers.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BACKSTOP_FILE, BackstopEnvVar } from '../../contracts/backstop';
import { handler, setBackstopDirectory } from '../../lambda/backstop/handler';
import { backstopDedupKey } from '../../lambda/backstop/page';
import { localAwsEnv } from '../support/aws-env';
import { Faults } from '../support/receivers';
import { startSsmEndpoint, type SsmEndpoint } from '../support/ssm-endpoint';
import {
  alarm,
  alarmEvent,
  backstopFile,
  everywhere,
  MONITOR,
  NAMESPACE,
  nextTime,
  received,
  secretValues,
  startRig,
  TABLE,
  tokenValues,
  TOPIC,
  type Rig,
} from './support';

const SILENT = `${MONITOR}-Silent-s60-0-eu-west-1`;
const saved = { ...process.env };
let rig: Rig;
let ssm: SsmEndpoint;
let dir: string;

beforeAll(async () => {
  [rig, ssm] = await Promise.all([startRig(), startSsmEndpoint()]);
  const file = backstopFile(rig, {
    [SILENT]: alarm('Silent', { id: 'Silent-s60-0-eu-west-1', shard: 's60-0', location: 'eu-west-1', checks: ['orders-api'] }),
  });
  for (const [name, value] of Object.entries(tokenValues(rig))) ssm.set(file.tokens[name]!.parameter!, { kind: 'value', value });
  dir = mkdtempSync(join(tmpdir(), 'synthmon-backstop-'));
  writeFileSync(join(dir, BACKSTOP_FILE), JSON.stringify(file));
});
afterAll(async () => {
  process.env = saved;
  setBackstopDirectory(__dirname);
  rmSync(dir, { recursive: true, force: true });
  await Promise.all([rig?.close(), ssm?.close()]);
});
afterEach(() => {
  process.env = { ...saved };
});

/** The environment the construct sets, and the SDK's local endpoints. */
function lambdaEnv(over: Record<string, string | undefined> = {}): void {
  process.env = {
    ...saved,
    ...localAwsEnv({ cloudwatch: rig.cloudwatch.endpoint }),
    AWS_ENDPOINT_URL_DYNAMODB: rig.dynamo.endpoint,
    AWS_ENDPOINT_URL_SNS: rig.sns.endpoint,
    AWS_ENDPOINT_URL_SSM: ssm.endpoint,
    [BackstopEnvVar.INCIDENT_TABLE]: TABLE,
    [BackstopEnvVar.TOPIC_ARN]: TOPIC,
    [BackstopEnvVar.DASHBOARD]: 'bs-dashboard',
  };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  setBackstopDirectory(dir);
}

const context = (ms: number) => ({ getRemainingTimeInMillis: () => ms });

/** Run `fn` with stdout and the console captured. */
async function captured<T>(fn: () => Promise<T>): Promise<{ value?: T; error?: unknown; out: string[] }> {
  const out: string[] = [];
  const original = { log: console.log, error: console.error, warn: console.warn, write: process.stdout.write.bind(process.stdout) };
  console.log = console.error = console.warn = (...args: unknown[]) => void out.push(args.map(String).join(' '));
  process.stdout.write = ((chunk: string | Uint8Array) => (out.push(String(chunk)), true)) as typeof process.stdout.write;
  try {
    return { value: await fn(), out };
  } catch (error) {
    return { error, out };
  } finally {
    Object.assign(console, { log: original.log, error: original.error, warn: original.warn });
    process.stdout.write = original.write;
  }
}

describe('the Lambda handler', () => {
  it('pages every channel with the tokens from SSM, records the episode, and sends a redelivery nothing', async () => {
    lambdaEnv();
    const at = nextTime();
    const event = alarmEvent(SILENT, 'OK', 'ALARM', { at });
    const first = await captured(() => handler(event, context(20_000)));
    expect(first.error).toBeUndefined();
    expect(first.value).toMatchObject({ outcome: 'forwarded' });
    const key = backstopDedupKey(MONITOR, SILENT, at);
    expect(received(rig, key)).toEqual(everywhere('trigger'));
    expect(ssm.reads.every((r) => r.withDecryption)).toBe(true);
    const email = rig.sns.published.find((p) => p.as('email').includes(key))!;
    expect(email.topicArn).toBe(TOPIC);
    expect(email.as('email')).toContain(
      'Dashboard: https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#dashboards/dashboard/bs-dashboard',
    );
    expect(email.as('email')).toContain(`Alarm: https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/${SILENT}`);
    const again = await captured(() => handler(event, context(20_000)));
    expect(again.value).toMatchObject({ outcome: 'duplicate' });
    expect(received(rig, key)).toEqual(everywhere('trigger'));
    const said = [...first.out, ...again.out].join('\n');
    expect(said).toContain('backstop trigger delivered');
    for (const secret of secretValues(rig)) expect(said).not.toContain(secret);
  });

  it('publishes NotificationFailures{Channel} through the SDK configuration and fails the invocation for a retry', async () => {
    lambdaEnv();
    const at = nextTime();
    rig.hook.failAlways(Faults.close);
    const run = await captured(() => handler(alarmEvent(SILENT, 'OK', 'ALARM', { at }), context(9_000)));
    rig.hook.failAlways(undefined);
    expect((run.error as Error)?.name).toBe('BackstopRetryError');
    const datum = rig.cloudwatch.requests
      .flatMap((r) => (r.input?.Namespace === NAMESPACE ? r.input.MetricData : []))
      .find((d) => d.MetricName === 'NotificationFailures' && d.Dimensions?.[0]?.Value === 'webhooks[0]');
    expect(datum).toMatchObject({ Value: 1, Dimensions: [{ Name: 'Channel', Value: 'webhooks[0]' }] });
    const retry = await captured(() => handler(alarmEvent(SILENT, 'OK', 'ALARM', { at }), context(20_000)));
    expect(retry.value!.deliveries.map((d) => d.channel)).toEqual(['webhooks[0]']);
    expect(received(rig, backstopDedupKey(MONITOR, SILENT, at))).toEqual(everywhere('trigger'));
    for (const secret of secretValues(rig)) expect([...run.out, ...retry.out, String(run.error)].join('\n')).not.toContain(secret);
  });

  it.each([
    [{ [BackstopEnvVar.INCIDENT_TABLE]: undefined }, 'Environment variable SYNTHMON_INCIDENT_TABLE is required'],
    [{ [BackstopEnvVar.INCIDENT_TABLE]: 'a b' }, 'Environment variable SYNTHMON_INCIDENT_TABLE must be a DynamoDB table name'],
    [{ [BackstopEnvVar.TOPIC_ARN]: 'alerts' }, 'Environment variable SYNTHMON_TOPIC_ARN must be an SNS topic ARN'],
  ])('fails every invocation with an error naming the variable (%o)', async (over, message) => {
    lambdaEnv(over);
    await expect(handler(alarmEvent(SILENT, 'OK', 'ALARM', { at: nextTime() }))).rejects.toThrow(message);
  });

  it('fails loudly without its backstop.json', async () => {
    lambdaEnv();
    setBackstopDirectory(join(dir, 'missing'));
    await expect(handler(alarmEvent(SILENT, 'OK', 'ALARM', { at: nextTime() }))).rejects.toThrow(BACKSTOP_FILE);
  });
});
