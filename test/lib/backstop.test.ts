/**
 * The backstop notifier as CloudFormation (lib/backstop.ts, docs/DESIGN.md#backstop-deployment):
 * one real synth with the local bundling (the asset's files and backstop.json are read back), the
 * function's settings, its role statement by statement, the alarm-state rule's target and its
 * invoke permission, and what changes without e-mail or Amazon Q channels or with several locations.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { BACKSTOP_FILE, BackstopEnvVar, type BackstopFile } from '../../contracts/backstop';
import { parseConfig, type MonitorConfigInput } from '../../contracts/config';
import { alarmDefinitions } from '../../lib/alarms/definitions';
import { BACKSTOP_MEMORY_MB } from '../../lib/backstop';
import { coverMsOf } from '../../lib/backstop-file';
import { incidentCostEntries } from '../../lib/cost/incidents';
import { planFleet } from '../../lib/fleet/plan';
import { buildMonitorStacks, MonitorStack } from '../../lib/monitor-stack';
import { mutedAlarmIds } from '../../lib/muting';
import { BACKSTOP_ASSET_FILES, LAZY_CHUNKS } from '../../lib/runner-bundle';
import { fullConfig, IMPORTED_SECRET_NAME, testApp } from './support';

const CHAT_TOPIC = 'arn:aws:sns:eu-west-1:123456789012:synthmon-chat';
const PAGER_SECRET = 'prod/synthmon/pager';

/** fullConfig with every channel kind that names a token, Amazon Q, and two maintenance windows. */
function backstopConfig(): MonitorConfigInput {
  const base = fullConfig();
  return {
    ...base,
    tokens: { ...base.tokens, pager: { secret: { name: PAGER_SECRET } }, slack: { parameter: '/synthmon/slack-webhook' } },
    notifications: {
      ...base.notifications,
      pagerDuty: { routingKey: 'pager' },
      slack: { webhookUrl: 'slack' },
      amazonQ: { topicArn: CHAT_TOPIC },
    },
    maintenance: [
      { schedule: 'cron(0 2 * * SUN)', duration: 'PT1H' },
      { schedule: 'cron(0 3 * * SAT)', duration: 'PT30M', checks: ['health'] },
    ],
  } as MonitorConfigInput;
}

type Resource = { Type: string; Properties: Record<string, unknown>; DependsOn?: string[] };
type Statement = { Sid?: string; Action: string | string[]; Resource: unknown; Condition?: unknown };

let stack: MonitorStack;
let template: Template;
let assemblyDir: string;
const id = (construct: IConstruct) => stack.getLogicalId(construct.node.defaultChild as CfnElement);
const resources = (t: Template, type: string): Array<[string, Resource]> =>
  Object.entries(t.toJSON().Resources as Record<string, Resource>).filter(([, r]) => r.Type === type);
const statementsOf = (t: Template, roleId: string): Statement[] =>
  resources(t, 'AWS::IAM::Policy')
    .filter(([, p]) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
    .flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);

beforeAll(() => {
  const app = testApp({ bundle: true });
  stack = new MonitorStack(app, 'BackstopTest', { config: backstopConfig(), monitor: { dashboardName: 'synthmon-backstop' } });
  assemblyDir = app.synth().directory;
  template = Template.fromStack(stack);
}, 180_000);

describe('the backstop notifier function', () => {
  it('runs backstop.handler on Node.js 24 (arm64), 256 MB, 60 s, JSON logs in its own log group of the monitor retention', () => {
    const fn = stack.monitor.backstop;
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'backstop.handler',
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      MemorySize: 256,
      Timeout: 60,
      LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: id(fn.logGroup) } },
      Role: { 'Fn::GetAtt': [id(fn.role), 'Arn'] },
    });
    const [, logs] = resources(template, 'AWS::Logs::LogGroup').find(([logicalId]) => logicalId === id(fn.logGroup))!;
    expect(logs.Properties.RetentionInDays).toBe(30);
  });

  it('is priced by the cost model at the memory it deploys', () => {
    const config = parseConfig(backstopConfig());
    const entries = incidentCostEntries({ config, plan: planFleet(config), locations: ['default'], cost: { memoryMb: 512, failureRate: 0.001 } });
    const compute = entries.find((e) => e.item === 'Incidents: backstop notifier compute')!;
    expect(compute.basis).toContain(`× ${BACKSTOP_MEMORY_MB} MB per state change`);
    expect(compute.quantity).toBeCloseTo(20 * 1 * (BACKSTOP_MEMORY_MB / 1024), 9);
    template.hasResourceProperties('AWS::Lambda::Function', { Handler: 'backstop.handler', MemorySize: BACKSTOP_MEMORY_MB });
  });

  it('retries a failed event twice and keeps an event at most an hour', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: id(stack.monitor.backstop.function) },
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 3600,
    });
  });

  it('names the incident table, the monitor topic and the dashboard in its environment', () => {
    const [, fn] = resources(template, 'AWS::Lambda::Function').find(([logicalId]) => logicalId === id(stack.monitor.backstop.function))!;
    expect((fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables).toEqual({
      [BackstopEnvVar.INCIDENT_TABLE]: { Ref: id(stack.monitor.node.findChild('Incidents').node.findChild('Table')) },
      [BackstopEnvVar.TOPIC_ARN]: { Ref: id(stack.monitor.topic) },
      [BackstopEnvVar.DASHBOARD]: 'synthmon-backstop',
    });
  });

  it("may write its logs, use the incident table, read the channels' tokens, publish to the channel topics and PutMetricData in the namespace, and nothing else", () => {
    const statements = statementsOf(template, id(stack.monitor.backstop.role));
    const bySid = (sid: string) => statements.find((s) => s.Sid === sid)!;
    expect(statements.flatMap((s) => [s.Action].flat()).sort()).toEqual(
      [
        'cloudwatch:PutMetricData',
        'dynamodb:BatchGetItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'kms:Decrypt',
        'kms:GenerateDataKey*',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'secretsmanager:GetSecretValue',
        'sns:Publish',
        'ssm:GetParameter',
      ].sort(),
    );
    expect(bySid('PutMetricDataInTheMonitorNamespaceOnly')).toMatchObject({
      Resource: '*',
      Condition: { StringEquals: { 'cloudwatch:namespace': 'Synthmon/Test' } },
    });
    expect(JSON.stringify(bySid('IncidentTable').Resource)).toContain(':table/');
    // Exactly the channels' tokens, as the runner's role gets them: not the checks' tokens.
    expect(JSON.stringify(bySid('ReadTokenParameters').Resource)).toContain(':parameter/synthmon/slack-webhook');
    expect([bySid('ReadTokenParameters').Resource].flat()).toHaveLength(1);
    const secrets = [bySid('ReadTokenSecrets').Resource].flat().map((r) => JSON.stringify(r));
    expect(secrets).toHaveLength(1);
    expect(secrets[0]).toContain(`secret:${PAGER_SECRET}-??????`);
    expect(secrets[0]).not.toContain(IMPORTED_SECRET_NAME);
    expect(bySid('PublishToTheChannelTopics').Resource).toEqual(expect.arrayContaining([{ Ref: id(stack.monitor.topic) }, CHAT_TOPIC]));
    expect([bySid('PublishToTheChannelTopics').Resource].flat()).toHaveLength(2);
    expect(bySid('EncryptForTheMonitorTopicThroughSns').Resource).toEqual({ 'Fn::GetAtt': [id(stack.monitor.topicKey), 'Arn'] });
    expect(bySid('EncryptForTheMonitorTopicThroughSns').Condition).toEqual({
      StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['sns.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }]] } },
    });
    expect(JSON.stringify(statements.find((s) => [s.Action].flat().includes('logs:PutLogEvents'))!.Resource)).toContain(
      id(stack.monitor.backstop.logGroup),
    );
  });

  it('is the target of the alarm-state rule, which alone may invoke it (SourceArn)', () => {
    const [ruleId, rule] = resources(template, 'AWS::Events::Rule')[0]!;
    const fnArn = { 'Fn::GetAtt': [id(stack.monitor.backstop.function), 'Arn'] };
    expect((rule.Properties.Targets as Array<{ Arn: unknown }>).map((t) => t.Arn)).toEqual([fnArn]);
    const permissions = resources(template, 'AWS::Lambda::Permission').filter(([, p]) => p.Properties.Principal === 'events.amazonaws.com');
    expect(permissions).toHaveLength(1);
    expect(permissions[0]![1].Properties).toEqual({
      Action: 'lambda:InvokeFunction',
      FunctionName: fnArn,
      Principal: 'events.amazonaws.com',
      SourceArn: { 'Fn::GetAtt': [ruleId, 'Arn'] },
    });
  });
});

describe("the notifier's asset", () => {
  const assetDir = () => {
    const [, fn] = resources(template, 'AWS::Lambda::Function').find(([logicalId]) => logicalId === id(stack.monitor.backstop.function))!;
    return join(assemblyDir, `asset.${String((fn.Properties.Code as { S3Key: string }).S3Key).replace(/\.zip$/, '')}`);
  };
  const files = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true, recursive: true })
      .filter((e) => e.isFile())
      .map((e) => relative(dir, join(e.parentPath, e.name)));

  it('holds backstop.js, backstop.json and the SDK chunks but not the probes, and every chunk backstop.js requires', () => {
    const dir = assetDir();
    expect(files(dir).sort()).toEqual([...BACKSTOP_ASSET_FILES, BACKSTOP_FILE].sort());
    expect(files(dir).some((f) => f.startsWith('probes/') || f === 'index.js' || f === 'fleet.json')).toBe(false);
    // backstop.js requires a lazy chunk by its specifier (a lowered import()): each one must be here.
    const code = readFileSync(join(dir, 'backstop.js'), 'utf8');
    const required = [...code.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]!).filter((s) => !s.startsWith('node:'));
    for (const specifier of required) {
      const chunk = LAZY_CHUNKS.find((c) => c.specifier === specifier);
      expect(chunk, `backstop.js requires ${specifier}`).toBeDefined();
      expect(files(dir)).toContain(chunk!.file);
    }
  });

  it('describes every deployed alarm by its deployed name, with its checks, hosts, windows and cover', () => {
    const file = JSON.parse(readFileSync(join(assetDir(), BACKSTOP_FILE), 'utf8')) as BackstopFile;
    const config = parseConfig(backstopConfig());
    const definitions = stack.monitor.alarmDefinitions;
    expect(file).toMatchObject({
      version: 1,
      monitor: 'BackstopTest',
      namespace: 'Synthmon/Test',
      notifications: config.notifications,
      maintenance: config.maintenance,
    });
    // The channels' tokens only, resolved as in the runner's fleet file.
    expect(file.tokens).toEqual({ pager: config.tokens.pager, slack: config.tokens.slack });
    const deployedNames = resources(template, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties.AlarmName);
    expect(Object.keys(file.alarms).sort()).toEqual([...deployedNames].sort());
    expect(Object.keys(file.alarms)).toHaveLength(definitions.length);

    const byId = new Map(Object.values(file.alarms).map((a) => [a.id, a]));
    expect(byId.get('Refused-120s')).toMatchObject({
      class: 'Refused',
      checks: ['chat-websocket', 'buyer-orders', 'admin-orders'],
      hosts: ['backend.example.com'],
    });
    expect(byId.get('Failing-orders-fast')).toMatchObject({ class: 'Failing', checks: ['orders-fast'] });
    const silent = definitions.find((d) => d.class === 'Silent')!;
    expect(byId.get(silent.id)).toMatchObject({ shard: planFleet(config).shards[0]!.id, location: 'default' });
    expect(byId.get(silent.id)!.checks).toEqual(planFleet(config).shards.find((s) => s.id === byId.get(silent.id)!.shard)!.checks);
    expect(byId.get('CertificateExpiring-backend.example.com')).toMatchObject({ host: 'backend.example.com', hosts: ['backend.example.com'] });
    expect(byId.get('NotificationFailures')).toMatchObject({ class: 'NotificationFailures', checks: [], hosts: [] });
    expect(byId.get('RunnerDropped-default')).toMatchObject({ checks: [], hosts: [] });
    for (const d of definitions) expect(byId.get(d.id)!.description).toBe(d.description);
  });

  it('holds an alarm by exactly the windows whose mute rules target it (one source of truth)', () => {
    const file = JSON.parse(readFileSync(join(assetDir(), BACKSTOP_FILE), 'utf8')) as BackstopFile;
    const muted = resources(template, 'AWS::CloudWatch::AlarmMuteRule').map(([, r]) => ({
      window: Number(/maintenance window (\d+)/.exec(String(r.Properties.Description))![1]) - 1,
      names: (r.Properties.MuteTargets as { AlarmNames: string[] }).AlarmNames,
    }));
    for (const [name, alarm] of Object.entries(file.alarms)) {
      const expected = muted.filter((m) => m.names.includes(name)).map((m) => m.window);
      expect({ name, windows: alarm.windows }).toEqual({ name, windows: expected });
    }
    // The every-check window holds all but NotificationFailures; the health window the 300 s class alarms.
    expect(Object.values(file.alarms).filter((a) => a.windows.includes(0))).toHaveLength(Object.keys(file.alarms).length - 1);
    const config = parseConfig(backstopConfig());
    expect(
      Object.values(file.alarms)
        .filter((a) => a.windows.includes(1))
        .map((a) => a.id)
        .sort(),
    ).toEqual(mutedAlarmIds(config.maintenance[1]!, config, alarmDefinitions(config)).sort());
  });

  it("covers an alarm for its evaluation range plus CloudWatch's delay after an incident resolved", () => {
    const file = JSON.parse(readFileSync(join(assetDir(), BACKSTOP_FILE), 'utf8')) as BackstopFile;
    const byId = new Map(Object.values(file.alarms).map((a) => [a.id, a]));
    // Refused-120s: N = 3 (fullConfig), range N + 2 = 5 periods of 120 s, evaluated every minute, 60 s ingestion.
    expect(byId.get('Refused-120s')!.coverMs).toBe(5 * 120_000 + 60_000 + 60_000);
    // A fast check's own alarm: periods of 10 s, evaluated every 10 s.
    const fast = stack.monitor.alarmDefinitions.find((d) => d.id === 'Failing-orders-fast')!;
    expect(byId.get('Failing-orders-fast')!.coverMs).toBe((fast.evaluationPeriods + 2) * 10_000 + 10_000 + 60_000);
    for (const d of stack.monitor.alarmDefinitions) expect(byId.get(d.id)!.coverMs).toBe(coverMsOf(d));
  });
});

describe('the notifier in other shapes of monitor', () => {
  it('has no topic, no SNS and no KMS grant without e-mail, HTTPS or Amazon Q channels', () => {
    const app = testApp({ bundle: false });
    const base = fullConfig();
    const s = new MonitorStack(app, 'BackstopBare', { config: { ...base, notifications: {} } });
    const t = Template.fromStack(s);
    const fnId = s.getLogicalId(s.monitor.backstop.function.node.defaultChild as CfnElement);
    const [, fn] = resources(t, 'AWS::Lambda::Function').find(([logicalId]) => logicalId === fnId)!;
    expect(Object.keys((fn.Properties.Environment as { Variables: object }).Variables)).toEqual([BackstopEnvVar.INCIDENT_TABLE]);
    const actions = statementsOf(t, s.getLogicalId(s.monitor.backstop.role.node.defaultChild as CfnElement)).flatMap((st) => [st.Action].flat());
    expect(actions.filter((a) => a.startsWith('sns:') || a.startsWith('kms:') || a.startsWith('ssm:') || a.startsWith('secretsmanager:'))).toEqual(
      [],
    );
  });

  it('lives in the home stack only when the monitor has several locations', () => {
    const app = testApp({ bundle: false });
    const { monitor, runners } = buildMonitorStacks(app, 'BackstopMulti', { ...fullConfig(), locations: ['eu-west-1', 'us-east-1'] });
    const home = Template.fromStack(monitor);
    expect(resources(home, 'AWS::Lambda::Function').filter(([, f]) => f.Properties.Handler === 'backstop.handler')).toHaveLength(1);
    for (const r of runners) {
      expect(resources(Template.fromStack(r), 'AWS::Lambda::Function').map(([, f]) => f.Properties.Handler)).toEqual(['index.handler']);
    }
    // Silent alarms of every location are in its file, each naming its location.
    const locations = Object.values(monitor.monitor.backstop.file.alarms)
      .filter((a) => a.class === 'Silent')
      .map((a) => a.location);
    expect(new Set(locations)).toEqual(new Set(['eu-west-1', 'us-east-1']));
  });
});
