/**
 * The SyntheticMonitor as CloudFormation: one synth (with the real local esbuild bundling) of a
 * stack whose configuration exercises every path, then assertions on the template; plus the
 * construct API (addCheck, accessors, eager validation) and fleets at the limits of docs/DESIGN.md#stacks-that-scale.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Stack, type CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Construct, type IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../contracts/config';
import { FLEET_FILE, HandlerEnvVar, type FleetFile } from '../../contracts/handler-env';
import { CAUSE_RUNBOOK, CAUSES, FAILURE_OUTCOMES, OUTCOME_RUNBOOK } from '../../contracts/outcomes';
import { AlarmClass, alarmDefinitions, type AlarmDefinition } from '../../lib/alarms/definitions';
import { failuresByReasonSearch } from '../../lib/dashboard';
import { planFleet } from '../../lib/fleet/plan';
import { buildMonitorStacks, MonitorStack } from '../../lib/monitor-stack';
import { HANDLER_ESBUILD_OPTIONS, LAZY_CHUNKS } from '../../lib/runner';
import { SyntheticMonitor } from '../../lib/synthetic-monitor';
import { fullConfig, generatedFleet, IMPORTED_SECRET_ARN, IMPORTED_SECRET_NAME, PAGER_URL, testApp } from './support';

const config = parseConfig(fullConfig());
const plan = planFleet(config);
const STACK_NAME = 'SynthmonTest';
let stack: MonitorStack;
let monitor: SyntheticMonitor;
let template: Template;
let assemblyDir: string;

const id = (construct: IConstruct) => stack.getLogicalId(construct.node.defaultChild as CfnElement);
const ref = (construct: IConstruct) => ({ Ref: id(construct) });
type Resource = { Type: string; Properties: Record<string, unknown>; DependsOn?: string[] };
const resources = (type: string): Array<[string, Resource]> =>
  Object.entries(template.toJSON().Resources as Record<string, Resource>).filter(([, r]) => r.Type === type);
const runnerFunction = (): Resource => resources('AWS::Lambda::Function').find(([logicalId]) => logicalId === id(monitor.runner!.function))![1];

beforeAll(() => {
  const app = testApp({ bundle: true });
  stack = new MonitorStack(app, STACK_NAME, { config: fullConfig() });
  monitor = stack.monitor;
  assemblyDir = app.synth().directory;
  template = Template.fromStack(stack);
}, 180_000);

describe('runner', () => {
  it('is one arm64 Node.js 24 function for the whole fleet, its timeout covering the slowest shard, with JSON logs', () => {
    // The runner and the backstop notifier (test/lib/backstop.test.ts).
    template.resourceCountIs('AWS::Lambda::Function', 2);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      MemorySize: 512,
      Timeout: plan.functionTimeoutSeconds,
      Handler: 'index.handler',
      LoggingConfig: { LogFormat: 'JSON', LogGroup: ref(monitor.runner!.logGroup) },
      Environment: { Variables: { [HandlerEnvVar.LOCATION]: 'default' } },
    });
    // The description names no check or URL (visible to anyone who can list functions).
    const fn = runnerFunction();
    expect(fn.Properties.Description).toBe(`synthmon runner (default): 5 checks in ${plan.shards.length} shards`);
  });

  it('turns off async retries and drops events older than a minute, with one log group of one month', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: ref(monitor.runner!.function),
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 60,
    });
    // The runner's and the backstop notifier's, both of one month.
    template.resourceCountIs('AWS::Logs::LogGroup', 2);
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it("ships the fleet file with every shard's validated checks, the chunks beside index.js, and no source maps", () => {
    const fn = runnerFunction();
    const assetDir = join(assemblyDir, `asset.${String((fn.Properties.Code as { S3Key: string }).S3Key).replace(/\.zip$/, '')}`);
    const fleet = JSON.parse(readFileSync(join(assetDir, FLEET_FILE), 'utf8')) as FleetFile;
    expect(Object.keys(fleet.shards).sort()).toEqual(plan.shards.map((s) => s.id).sort());
    expect(
      Object.values(fleet.shards)
        .flatMap((s) => s.checks.map((c) => c.name))
        .sort(),
    ).toEqual(config.checks.map((c) => c.name).sort());
    expect(fleet.shards['10s-0']).toMatchObject({ intervalSeconds: 10, ticks: 6 });
    expect(Object.keys(fleet.tokens).sort()).toEqual(['admin', 'default', 'orders']);
    expect(fleet).toMatchObject({ version: 1, namespace: 'Synthmon/Test', phaseTimings: true });
    const walk = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
    expect(walk(assetDir).filter((f) => f.endsWith('.map'))).toEqual([]);
    for (const chunk of LAZY_CHUNKS) expect(existsSync(join(assetDir, chunk.file))).toBe(true);
    expect(HANDLER_ESBUILD_OPTIONS).toMatchObject({ minify: true, sourcemap: false, target: 'node24', format: 'cjs' });
  });
});

describe('schedules', () => {
  it("invokes the runner once per shard with the shard id and Scheduler's own time, every interval (fast shards every minute), flexible window off", () => {
    const schedules = resources('AWS::Scheduler::Schedule');
    expect(schedules).toHaveLength(plan.shards.length);
    const byShard = new Map(schedules.map(([, r]) => [JSON.parse((r.Properties.Target as { Input: string }).Input).shard as string, r]));
    for (const shard of plan.shards) {
      const r = byShard.get(shard.id)!;
      expect(JSON.parse((r.Properties.Target as { Input: string }).Input)).toEqual({
        shard: shard.id,
        scheduledTime: '<aws.scheduler.scheduled-time>',
      });
      const minutes = shard.invokeEverySeconds / 60;
      expect(r.Properties.ScheduleExpression).toBe(`rate(${minutes} minute${minutes === 1 ? '' : 's'})`);
      expect(r.Properties.FlexibleTimeWindow).toEqual({ Mode: 'OFF' });
      expect(r.Properties.Target).toMatchObject({ RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 60 } });
    }
  });

  it('waits for the scheduler role and its policy before a schedule exists (no denied first run)', () => {
    const [roleId] = resources('AWS::IAM::Role').find(([, r]) =>
      JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes('scheduler.amazonaws.com'),
    )!;
    const policyId = resources('AWS::IAM::Policy').find(([, r]) => JSON.stringify(r.Properties.Roles).includes(roleId))![0];
    for (const [, schedule] of resources('AWS::Scheduler::Schedule')) {
      expect(schedule.DependsOn).toEqual(expect.arrayContaining([roleId, policyId]));
    }
  });
});

describe('permissions', () => {
  const runnerStatements = () => {
    const roleId = id(monitor.runner!.role);
    const [, policy] = resources('AWS::IAM::Policy').find(([, r]) => JSON.stringify(r.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))!;
    return (policy.Properties.PolicyDocument as { Statement: Array<Record<string, unknown>> }).Statement;
  };

  it('grants the runner read on exactly the token parameters and secrets its checks use', () => {
    const statements = runnerStatements();
    const ssm = statements.find((s) => s.Sid === 'ReadTokenParameters')!;
    expect(ssm.Action).toBe('ssm:GetParameter');
    expect(JSON.stringify(ssm.Resource)).toContain(':parameter/synthmon/default');
    expect([ssm.Resource].flat()).toHaveLength(1);
    const secrets = statements.find((s) => s.Sid === 'ReadTokenSecrets')!;
    expect(secrets.Action).toBe('secretsmanager:GetSecretValue');
    const resources = [secrets.Resource].flat().map((r) => JSON.stringify(r));
    expect(resources).toHaveLength(2);
    expect(resources).toContain(JSON.stringify(IMPORTED_SECRET_ARN));
    expect(resources.find((r) => r.includes(`secret:${IMPORTED_SECRET_NAME}-??????`))).toBeDefined();
  });

  it('allows PutMetricData only in the configured namespace, log writes only to its own log group, and nothing else', () => {
    const statements = runnerStatements();
    expect(
      statements
        .map((s) => s.Action)
        .flat()
        .sort(),
    ).toEqual(
      [
        'cloudwatch:PutMetricData',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'secretsmanager:GetSecretValue',
        'ssm:GetParameter',
        // The incident table (lib/incidents.ts), by ARN.
        'dynamodb:BatchGetItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        // The email channel (emails and httpsEndpoints subscribe): the monitor's topic and its key through SNS (test/lib/runner-topics.test.ts).
        'sns:Publish',
        'kms:Decrypt',
        'kms:GenerateDataKey*',
      ].sort(),
    );
    expect(statements.find((s) => s.Action === 'cloudwatch:PutMetricData')).toMatchObject({
      Resource: '*',
      Condition: { StringEquals: { 'cloudwatch:namespace': 'Synthmon/Test' } },
    });
    expect(statements.find((s) => JSON.stringify(s.Action).includes('logs:'))).toMatchObject({
      Resource: { 'Fn::GetAtt': [id(monitor.runner!.logGroup), 'Arn'] },
    });
  });

  it("lets the scheduler role invoke only the runner's latest version (unqualified or $LATEST, no alias), and be assumed only by this account's schedules", () => {
    const [roleId, role] = resources('AWS::IAM::Role').find(([, r]) =>
      JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes('scheduler.amazonaws.com'),
    )!;
    expect(JSON.stringify(role.Properties.AssumeRolePolicyDocument)).toContain('aws:SourceAccount');
    const [, policy] = resources('AWS::IAM::Policy').find(([, r]) => JSON.stringify(r.Properties.Roles).includes(roleId))!;
    const arn = { 'Fn::GetAtt': [id(monitor.runner!.function), 'Arn'] };
    expect((policy.Properties.PolicyDocument as { Statement: unknown[] }).Statement).toEqual([
      { Action: 'lambda:InvokeFunction', Effect: 'Allow', Resource: [arn, { 'Fn::Join': ['', [arn, ':$LATEST']] }] },
    ]);
  });
});

describe('alarms', () => {
  const definitions = alarmDefinitions(config, plan);
  const deployed = () => new Map(resources('AWS::CloudWatch::Alarm').map(([, r]) => [String(JSON.stringify(r.Properties.AlarmName)), r.Properties]));
  const find = (def: AlarmDefinition) =>
    [...deployed().values()].find((p) => JSON.stringify(p.AlarmName).includes(`${STACK_NAME}-Monitor-${def.id}`))!;

  it('deploys one alarm per definition (what the local evaluator evaluates; test/alarms/deployed.test.ts compares their semantics)', () => {
    // The incident pipeline's NotificationFailures alarm is one of them (lib/alarms/definitions.ts).
    expect(resources('AWS::CloudWatch::Alarm')).toHaveLength(definitions.length);
    expect(definitions.map((d) => d.class)).toContain(AlarmClass.NOTIFICATION_FAILURES);
    for (const def of definitions) expect(find(def)).toBeDefined();
    expect(definitions.map((d) => d.class)).toContain(AlarmClass.RUNNER_DROPPED);
  });

  it('deploys each Metrics Insights alarm with exactly its query, period, threshold, M of N, missing-data rule and warm-up', () => {
    const insights = definitions.filter((d) => d.type === 'insights');
    // Three classes per interval of 60 s or more, Refused and Forbidden for the fast interval.
    expect(insights.map((d) => d.id).sort()).toEqual(
      [
        'Failing-120s',
        'Failing-300s',
        'Forbidden-10s',
        'Forbidden-120s',
        'Forbidden-300s',
        'NotificationFailures',
        'Refused-10s',
        'Refused-120s',
        'Refused-300s',
      ].sort(),
    );
    for (const def of insights) {
      const p = find(def);
      expect(p).toMatchObject({
        Metrics: [{ Id: 'q', Expression: def.query, Period: def.periodSeconds, ReturnData: true }],
        Threshold: def.threshold,
        ComparisonOperator: def.comparisonOperator,
        EvaluationPeriods: def.evaluationPeriods,
        DatapointsToAlarm: def.datapointsToAlarm,
        TreatMissingData: def.treatMissingData,
      });
      // NotificationFailures has no warm-up: no datapoint is its OK (lib/alarms/definitions.ts).
      expect(p.WarmUpConfiguration).toEqual(def.warmUpMinutes ? { WarmUpPeriodDurationInMinutes: def.warmUpMinutes } : undefined);
      // No actions: the notification rule forwards the real transitions (see 'notifications' below).
      expect(p).not.toHaveProperty('AlarmActions');
      expect(p).not.toHaveProperty('OKActions');
      expect(p).not.toHaveProperty('InsufficientDataActions');
    }
    expect(find(insights.find((d) => d.id === 'Refused-120s')!)).toMatchObject({
      Metrics: [
        {
          Expression: `SELECT SUM("Failures") FROM SCHEMA("Synthmon/Test", "Check", "Interval", "Reason") WHERE "Interval" = '120' AND "Reason" = 'refused' GROUP BY "Check" ORDER BY SUM() DESC LIMIT 500`,
          Period: 120,
        },
      ],
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
    });
  });

  it("deploys the fast check's Failing alarm on its 10 s high-resolution period, and a Silent alarm per shard", () => {
    const fast = definitions.find((d) => d.id === 'Failing-orders-fast')!;
    expect(find(fast)).toMatchObject({
      Namespace: 'Synthmon/Test',
      MetricName: 'Success',
      Dimensions: [{ Name: 'Check', Value: 'orders-fast' }],
      Statistic: 'Average',
      Period: 10,
      Threshold: 0,
      ComparisonOperator: 'LessThanOrEqualToThreshold',
      // alarms.fastFailing (1 of 1: each tick is confirmed by a retry inside it), not alarms.failing (3 of 5 here).
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      TreatMissingData: 'notBreaching',
    });
    const silent = definitions.filter((d) => d.class === AlarmClass.SILENT);
    expect(silent).toHaveLength(plan.shards.length);
    for (const def of silent) {
      expect(find(def)).toMatchObject({
        MetricName: 'ShardResults',
        Statistic: 'SampleCount',
        ComparisonOperator: 'LessThanThreshold',
        TreatMissingData: 'breaching',
        WarmUpConfiguration: { WarmUpPeriodDurationInMinutes: def.warmUpMinutes },
      });
    }
  });

  it("carries the runbook in each description, within CloudWatch's 1,024 characters", () => {
    for (const def of definitions) expect(def.description.length).toBeLessThanOrEqual(1024);
    expect(definitions.find((d) => d.id === 'Forbidden-120s')!.description).toContain(CAUSE_RUNBOOK.credentials_not_recognized);
    expect(definitions.find((d) => d.id === 'Refused-120s')!.description).toContain(OUTCOME_RUNBOOK.refused.check);
  });

  it('alarms on runs Lambda dropped (AsyncEventsDropped) of the runner function', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'AsyncEventsDropped',
      Namespace: 'AWS/Lambda',
      Statistic: 'Sum',
      Threshold: 1,
      Dimensions: [{ Name: 'FunctionName', Value: ref(monitor.runner!.function) }],
      AlarmActions: Match.absent(),
    });
  });
});

describe('alarm topic', () => {
  it("encrypts the topic with a rotating key that CloudWatch may use, with the SNS guide's statement, and no EventBridge principal", () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          {
            Sid: 'AllowAwsServicesToPublishToTheEncryptedTopic',
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Resource: '*',
          },
        ]),
      },
    });
    // Exactly the documented statement: no condition key that the services' KMS calls may not carry.
    const key = resources('AWS::KMS::Key')[0]![1].Properties as { KeyPolicy: { Statement: Array<{ Sid?: string; Condition?: unknown }> } };
    expect(key.KeyPolicy.Statement.find((st) => st.Sid === 'AllowAwsServicesToPublishToTheEncryptedTopic')).not.toHaveProperty('Condition');
    // Nothing in EventBridge publishes to the topic: the alarm-state rule targets the notifier.
    expect(JSON.stringify(key.KeyPolicy)).not.toContain('events.amazonaws.com');
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    // Deleted with the stack (after KMS's 7-day waiting period), not left billing.
    template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Delete', Properties: Match.objectLike({ PendingWindowInDays: 7 }) });
  });

  it("denies publishing without TLS and lets only this account's alarms publish", () => {
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Sid: 'AllowCloudWatchAlarmsToPublish',
            Condition: Match.objectLike({ StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } }),
          }),
        ]),
      },
    });
    for (const [, policy] of resources('AWS::SNS::TopicPolicy')) expect(JSON.stringify(policy.Properties)).not.toContain('events.amazonaws.com');
  });

  it("hands only ALARM and ALARM -> OK of this monitor's alarms with one EventBridge rule to the backstop notifier", () => {
    const rules = resources('AWS::Events::Rule');
    expect(rules).toHaveLength(1);
    const rule = rules[0]![1].Properties as { EventPattern: unknown; Targets: Array<{ Arn: unknown }> };
    expect(rule.EventPattern).toEqual({
      source: ['aws.cloudwatch'],
      'detail-type': ['CloudWatch Alarm State Change'],
      detail: {
        alarmName: [{ prefix: `${STACK_NAME}-Monitor-` }],
        $or: [{ state: { value: ['ALARM'] } }, { state: { value: ['OK'] }, previousState: { value: ['ALARM'] } }],
      },
    });
    expect(rule.Targets).toEqual([expect.objectContaining({ Arn: { 'Fn::GetAtt': [id(monitor.backstop.function), 'Arn'] } })]);
    // Every alarm's name has the rule's prefix.
    for (const [, r] of resources('AWS::CloudWatch::Alarm')) expect(String(r.Properties.AlarmName)).toMatch(new RegExp(`^${STACK_NAME}-Monitor-`));
  });

  it('subscribes the configured email and HTTPS endpoints', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.com' });
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'https', Endpoint: PAGER_URL });
  });
});

describe('dashboard', () => {
  const body = () => {
    const [, dash] = resources('AWS::CloudWatch::Dashboard')[0]!;
    const join = (dash.Properties.DashboardBody as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
    // A token stands alone ("region": "<token>") or inside a string (an alarm ARN): either way inside quotes.
    return JSON.parse(join[1].map((part) => (typeof part === 'string' ? part : 'TOKEN')).join(join[0])) as {
      widgets: Array<{ type: string; properties: { markdown?: string; title?: string; metrics?: unknown[] } }>;
    };
  };

  it('shows fleet widgets built on Metrics Insights queries, so they cover every check', () => {
    const expressions = body().widgets.flatMap((w) =>
      (w.properties.metrics ?? []).flatMap((m) => (m as Array<{ expression?: string }>).map((x) => x.expression)),
    );
    expect(expressions).toContain('SELECT AVG("Success") FROM SCHEMA("Synthmon/Test", "Check") GROUP BY "Check" ORDER BY AVG() ASC LIMIT 10');
    expect(expressions).toContain('SELECT SUM("Failures") FROM SCHEMA("Synthmon/Test", "Check", "Reason") GROUP BY "Reason" ORDER BY SUM() DESC');
    expect(expressions).toContain('SELECT AVG("Success") FROM SCHEMA("Synthmon/Test", "Check")');
  });

  it('graphs failures by reason with a SEARCH expression per check, and carries the runbook of every outcome and cause', () => {
    const text = JSON.stringify(body());
    expect(text).toContain(JSON.stringify(failuresByReasonSearch('Synthmon/Test', 'chat-websocket', 120)).slice(1, 40));
    const runbook = body().widgets.find((w) => w.properties.markdown?.startsWith('## Runbook'))!.properties.markdown!;
    for (const o of FAILURE_OUTCOMES) expect(runbook).toContain(`\`${o}\``);
    for (const c of CAUSES) expect(runbook).toContain(`\`${c}\``);
  });
});

describe('construct API', () => {
  it('adds checks with addCheck, validating each at once with its path and value', () => {
    const app = testApp({ bundle: false });
    const s = new Stack(app, 'Api');
    const m = new SyntheticMonitor(s, 'Monitor', { namespace: 'Api' });
    m.addCheck({ name: 'one', kind: 'http', url: 'https://one.example.com/' });
    expect(() => m.addCheck({ name: 'one', kind: 'http', url: 'https://two.example.com/' })).toThrow(/checks\[1\]\.name must be unique/);
    const err = (() => {
      try {
        m.addCheck({ name: 'Bad', kind: 'http', url: 'ftp://x' } as never);
      } catch (e) {
        return e as ConfigError;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect(err!.problems).toEqual([
      'checks[1].name must be 1-40 lower-case letters, digits or hyphens, starting and ending with a letter or digit, got "Bad"',
      'checks[1].url must use http:// or https:// for an http check, got "ftp://x"',
    ]);
    m.addCheck({ name: 'two', kind: 'websocket', url: 'wss://two.example.com/ws/' });
    expect(m.checks.map((c) => c.name)).toEqual(['one', 'two']);
    expect(() => m.addCheck({ name: 'three', kind: 'http', url: 'https://three.example.com/' })).toThrow(/already planned/);
  });

  it('refuses a bad prop at construction with the value in the message', () => {
    const s = new Stack(testApp({ bundle: false }), 'Bad');
    expect(
      () => new SyntheticMonitor(s, 'M', { namespace: 'AWS/Lambda', checks: [{ name: 'x', kind: 'http', url: 'https://x.example.com/' }] }),
    ).toThrow(/namespace must not start with "AWS\/" \(reserved\), got "AWS\/Lambda"/);
  });

  it("gives metrics with the namespace, dimensions and the check's interval as period, and the alarm of each class", () => {
    const check = monitor.checks.find((c) => c.name === 'orders-fast')!;
    const success = stack.resolve(monitor.metricSuccess(check).toMetricConfig());
    expect(success.metricStat).toMatchObject({
      namespace: 'Synthmon/Test',
      metricName: 'Success',
      statistic: 'Average',
      dimensions: [{ name: 'Check', value: 'orders-fast' }],
    });
    expect(monitor.metricSuccess(check).period.toSeconds()).toBe(10);
    expect(monitor.metricFailures(monitor.checks[0]!, 'forbidden').dimensions).toEqual({ Check: 'chat-websocket', Reason: 'forbidden' });
    expect(monitor.alarmFor('chat-websocket', AlarmClass.FORBIDDEN)).toBeDefined();
    expect(monitor.alarmFor('orders-fast', AlarmClass.FAILING)).toBeDefined();
    expect(() => monitor.alarmFor('nope', AlarmClass.REFUSED)).toThrow(/unknown check "nope": the configured checks are "chat-websocket"/);
  });

  it('names alarms so that two monitors in one stack cannot collide', () => {
    const app = testApp({ bundle: false });
    const s = new Stack(app, 'Two');
    new SyntheticMonitor(s, 'Shop', { checks: [{ name: 'api', kind: 'http', url: 'https://a.example.com/' }] });
    new SyntheticMonitor(s, 'Admin', { checks: [{ name: 'api', kind: 'http', url: 'https://b.example.com/' }] });
    const names = Object.values(Template.fromStack(s).toJSON().Resources as Record<string, Resource>)
      .filter((r) => r.Type === 'AWS::CloudWatch::Alarm')
      .map((r) => JSON.stringify(r.Properties.AlarmName));
    expect(new Set(names).size).toBe(names.length);
  });

  it('names alarms uniquely for two monitors with the same id under different parents, within 255 characters', () => {
    const app = testApp({ bundle: false });
    const s = new Stack(app, 'x'.repeat(120));
    const checks = [{ name: 'a'.repeat(40), kind: 'http' as const, url: 'https://a.example.com/', intervalSeconds: 10 as const }];
    // Same id under different parents; and two paths that join alike with hyphens (A-B/M vs A/B-M).
    const monitors = [
      new SyntheticMonitor(new Construct(s, 'Shop'), 'Monitor', { checks }),
      new SyntheticMonitor(new Construct(s, 'Admin'), 'Monitor', { checks }),
      new SyntheticMonitor(new Construct(s, 'A-B'), 'M', { checks }),
      new SyntheticMonitor(new Construct(new Construct(s, 'A'), 'B-M'), 'Monitor', { checks }),
    ];
    const alarms = Object.values(Template.fromStack(s).toJSON().Resources as Record<string, Resource>).filter(
      (r) => r.Type === 'AWS::CloudWatch::Alarm',
    );
    const names = alarms.map((r) => String(r.Properties.AlarmName));
    // Each monitor's definitions, its NotificationFailures alarm among them.
    expect(names.length).toBe(monitors.reduce((n, m) => n + m.alarmDefinitions.length, 0));
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name.length).toBeLessThanOrEqual(255);
    // Each monitor's alarms keep its prefix, the one its notification rule matches.
    for (const m of monitors) for (const name of m.alarmNames.values()) expect(name.startsWith(`${m.alarmPrefix()}-`)).toBe(true);
    expect(new Set(monitors.map((m) => m.alarmPrefix())).size).toBe(4);
  });

  it('outputs the topic and, per token, the exact command that sets it', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    // The stack's own region filled in by CloudFormation; the value read at a prompt, never on the command line.
    const region = (before: string, after: string) => ({ 'Fn::Join': ['', [before, { Ref: 'AWS::Region' }, after]] });
    expect(outputs.TokenDefault!.Value).toEqual(
      region(
        `read -rsp 'token: ' T && (umask 077 && printf %s "$T" > token.txt) && aws ssm put-parameter --region `,
        ' --name /synthmon/default --type SecureString --overwrite --value file://token.txt; rm -f token.txt; unset T',
      ),
    );
    expect(outputs.TokenOrders!.Value).toEqual(
      region(
        `read -rsp 'token: ' T && (umask 077 && printf '{"token":"%s"}' "$T" > token.json) && aws secretsmanager put-secret-value --region `,
        ` --secret-id ${IMPORTED_SECRET_NAME} --secret-string file://token.json; rm -f token.json; unset T`,
      ),
    );
    expect(JSON.stringify(outputs)).not.toContain('<token>');
    expect(outputs.AlarmTopicArn!.Value).toEqual({ Ref: id(monitor.topic) });
  });
});

describe('fleets at the limits (docs/DESIGN.md#stacks-that-scale)', () => {
  const limits = (stacks: readonly Stack[]) =>
    stacks.map((s) => {
      const json = Template.fromStack(s).toJSON();
      return {
        resources: Object.keys(json.Resources ?? {}).length,
        bytes: JSON.stringify(json).length,
        outputs: Object.keys(json.Outputs ?? {}).length,
      };
    });

  it.each([
    ['1,000 checks at 60 s from three locations', generatedFleet(1000, { locations: ['eu-west-1', 'us-east-1', 'ap-south-1'] })],
    ['1,000 fast checks (10 s), one high-resolution alarm each', generatedFleet(1000, { intervalSeconds: 10 })],
  ])('synthesizes %s with every stack within 500 resources, 1 MB and 200 outputs, and a dashboard of at most 500 widgets', (_name, input) => {
    const app = testApp({ bundle: false });
    const { monitor: home, runners } = buildMonitorStacks(app, 'Fleet', input);
    // Built before synthesis by an aspect: build it now so the nested alarm stacks are found too.
    expect(home.monitor.alarms.length).toBeGreaterThan(0);
    const nested = home.node.findAll().filter((c): c is Stack => c instanceof Stack && c !== home);
    for (const l of limits([home, ...runners, ...nested])) {
      expect(l.resources).toBeLessThanOrEqual(500);
      expect(l.bytes).toBeLessThanOrEqual(1_000_000);
      expect(l.outputs).toBeLessThanOrEqual(200);
    }
    const widgets = home.monitor.dashboard.checksShown.length * 3;
    expect(widgets).toBeLessThanOrEqual(500);
    // Functions and roles grow with locations, not checks: a runner and its scheduler role per
    // location, and the home stack's backstop notifier with its role.
    const all = [home, ...runners, ...nested].flatMap((s) => Object.values(Template.fromStack(s).toJSON().Resources as Record<string, Resource>));
    expect(all.filter((r) => r.Type === 'AWS::Lambda::Function').length).toBe(Math.max(1, (input.locations ?? []).length) + 1);
    expect(all.filter((r) => r.Type === 'AWS::IAM::Role').length).toBe(2 * Math.max(1, (input.locations ?? []).length) + 1);
  });
});
