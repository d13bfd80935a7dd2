/**
 * The SyntheticMonitor as CloudFormation: one synth (with the real local esbuild bundling) of a
 * stack whose configuration exercises every path, then assertions on the template.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Stack, type CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Check } from '../../contracts/config';
import { HandlerEnvVar, TOKEN_SECRET_PLACEHOLDER } from '../../contracts/handler-env';
import { CAUSE_RUNBOOK, CAUSES, FAILURE_OUTCOMES, OUTCOME_RUNBOOK } from '../../contracts/outcomes';
import { AlarmKind, alarmDefinitions } from '../../lib/alarms/definitions';
import { failuresByReasonSearch } from '../../lib/dashboard';
import { MonitorStack } from '../../lib/monitor-stack';
import { HANDLER_BUNDLING, HANDLER_ESBUILD_OPTIONS, HANDLER_ENTRY, LAZY_CHUNKS, type SyntheticMonitor } from '../../lib/synthetic-monitor';
import { fullConfig, IMPORTED_SECRET_ARN, IMPORTED_SECRET_NAME, PAGER_URL, testApp } from './support';

const config = fullConfig();
const STACK_NAME = 'SynthmonTest';
let stack: MonitorStack;
let monitor: SyntheticMonitor;
let template: Template;
let assemblyDir: string;

const id = (construct: IConstruct) => stack.getLogicalId(construct.node.defaultChild as CfnElement);
const ref = (construct: IConstruct) => ({ Ref: id(construct) });
const arnOf = (construct: IConstruct) => ({ 'Fn::GetAtt': [id(construct), 'Arn'] });
const checkNamed = (name: string): Check => config.checks.find((c) => c.name === name)!;

/** The role policy statements of a check's probe function. */
function probeStatements(check: string): Array<Record<string, unknown>> {
  const role = monitor.functionFor(check).role!;
  const policyId = stack.getLogicalId(role.node.findChild('DefaultPolicy').node.defaultChild as CfnElement);
  return template.toJSON().Resources[policyId].Properties.PolicyDocument.Statement;
}

/** A Fn::Join-ed string with every token replaced by a marker, for inspecting the dashboard JSON. */
function flattenJoin(value: unknown): string {
  const join = (value as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
  return join[1].map((part) => (typeof part === 'string' ? part : 'TOKEN')).join(join[0]);
}

beforeAll(() => {
  const app = testApp({ bundle: true });
  stack = new MonitorStack(app, STACK_NAME, { config });
  monitor = stack.monitor;
  template = Template.fromStack(stack);
  assemblyDir = app.synth().directory;
}, 180_000);

describe('probe functions', () => {
  it('creates one arm64 Node.js 24 function per check with the configured timeout, 256 MB and JSON logs', () => {
    template.resourceCountIs('AWS::Lambda::Function', config.checks.length);
    for (const check of config.checks) {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        MemorySize: 256,
        Timeout: 90,
        Handler: 'index.handler',
        LoggingConfig: { LogFormat: 'JSON', LogGroup: ref(monitor.logGroupFor(check.name)) },
        Role: arnOf(monitor.functionFor(check.name).role!),
      });
    }
  });

  it('gives each function an explicit log group with one month retention', () => {
    template.resourceCountIs('AWS::Logs::LogGroup', config.checks.length);
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('turns off async retries and drops events older than a minute', () => {
    template.resourceCountIs('AWS::Lambda::EventInvokeConfig', config.checks.length);
    for (const check of config.checks) {
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: ref(monitor.functionFor(check.name)),
        Qualifier: '$LATEST',
        MaximumRetryAttempts: 0,
        MaximumEventAgeInSeconds: 60,
      });
    }
  });

  it('passes the namespace, phase timings and the token secret in the environment, and no secret to a check without auth', () => {
    const env = (check: string) =>
      template.toJSON().Resources[id(monitor.functionFor(check))].Properties.Environment.Variables as Record<string, unknown>;
    expect(env('chat-websocket')).toEqual({
      [HandlerEnvVar.NAMESPACE]: 'Synthmon/Test',
      [HandlerEnvVar.PHASE_TIMINGS]: 'true',
      [HandlerEnvVar.TOKEN_SECRET]: ref(monitor.secretFor('chat-websocket')!),
    });
    expect(env('buyer-orders')[HandlerEnvVar.TOKEN_SECRET]).toBe(IMPORTED_SECRET_NAME);
    expect(env('admin-orders')[HandlerEnvVar.TOKEN_SECRET]).toBe(IMPORTED_SECRET_ARN);
    expect(env('health')).not.toHaveProperty(HandlerEnvVar.TOKEN_SECRET);
  });

  it('bundles the handler with the local esbuild into a minified file with a source map, the SDK clients beside it', () => {
    const code = template.toJSON().Resources[id(monitor.functionFor('health'))].Properties.Code;
    const assetDir = join(assemblyDir, `asset.${String(code.S3Key).replace(/\.zip$/, '')}`);
    expect(existsSync(join(assetDir, 'index.js.map'))).toBe(true);
    const bundle = readFileSync(join(assetDir, 'index.js'), 'utf8');
    // Minified: a few license comments aside, the code is on a handful of very long lines.
    expect(bundle.length / bundle.split('\n').length).toBeGreaterThan(2000);
    // The runtime's own SDK is not relied on: the bundled clients, loaded on first use, are the ones the tests ran against.
    const chunk = (file: string) => readFileSync(join(assetDir, file), 'utf8');
    expect(chunk('node_modules/@aws-sdk/client-secrets-manager/index.js')).toContain('GetSecretValue');
    expect(chunk('node_modules/@aws-sdk/client-cloudwatch/index.js')).toContain('PutMetricData');
    expect(chunk('node_modules/@aws-sdk/client-cloudwatch/index.js')).toContain('GraniteServiceVersion20100801');
    expect(bundle).not.toContain('GraniteServiceVersion20100801');
    expect(HANDLER_BUNDLING).toMatchObject({ minify: true, sourceMap: true, forceDockerBundling: false, target: 'node24', bundleAwsSDK: true });
    expect(HANDLER_BUNDLING.externalModules).toEqual(LAZY_CHUNKS.map((c) => c.specifier));
    expect(HANDLER_ESBUILD_OPTIONS).toMatchObject({ entryPoints: [HANDLER_ENTRY], minify: true, sourcemap: true, format: 'cjs', external: HANDLER_BUNDLING.externalModules });
  });
});

describe('schedules', () => {
  it('invokes each function every interval with the flexible window off and the validated check as input', () => {
    template.resourceCountIs('AWS::Scheduler::Schedule', config.checks.length);
    const schedules = template.findResources('AWS::Scheduler::Schedule');
    for (const check of config.checks) {
      const target = monitor.functionFor(check.name);
      const [schedule] = Object.values(schedules).filter(
        (s) => JSON.stringify(s.Properties.Target.Arn) === JSON.stringify(arnOf(target)),
      );
      expect(schedule?.Properties).toMatchObject({
        ScheduleExpression: 'rate(2 minutes)',
        FlexibleTimeWindow: { Mode: 'OFF' },
        State: 'ENABLED',
        Target: { RetryPolicy: { MaximumEventAgeInSeconds: 60, MaximumRetryAttempts: 2 } },
      });
      expect(JSON.parse(schedule!.Properties.Target.Input)).toEqual({ check: checkNamed(check.name) });
    }
  });

  it('lets the scheduler role invoke only its own function, unqualified', () => {
    const roleId = (check: string) => {
      const schedule = monitor.scheduleFor(check).node.defaultChild as CfnElement;
      return (template.toJSON().Resources[stack.getLogicalId(schedule)].Properties.Target.RoleArn as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];
    };
    for (const check of config.checks) {
      const fnArn = arnOf(monitor.functionFor(check.name));
      template.hasResourceProperties('AWS::IAM::Policy', {
        Roles: [{ Ref: roleId(check.name) }],
        PolicyDocument: {
          Statement: [
            { Action: 'lambda:InvokeFunction', Effect: 'Allow', Resource: [fnArn, { 'Fn::Join': ['', [fnArn, ':$LATEST']] }] },
          ],
        },
      });
      template.hasResourceProperties('AWS::IAM::Role', {
        AssumeRolePolicyDocument: {
          Statement: [
            Match.objectLike({
              Principal: { Service: 'scheduler.amazonaws.com' },
              Condition: { StringEquals: Match.objectLike({ 'aws:SourceAccount': { Ref: 'AWS::AccountId' } }) },
            }),
          ],
        },
        Description: Match.stringLikeRegexp(`/${check.name}/Function$`),
      });
    }
  });
});

describe('token secrets and permissions', () => {
  it('creates a secret with the placeholder only for a check with auth and no secret of its own', () => {
    template.resourceCountIs('AWS::SecretsManager::Secret', 1);
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      SecretString: TOKEN_SECRET_PLACEHOLDER,
      Description: Match.stringLikeRegexp('chat-websocket.*put-secret-value'),
    });
    expect(monitor.secretFor('health')).toBeUndefined();
  });

  it('grants each function read access to its own secret only', () => {
    const secretResources = (check: string) =>
      probeStatements(check)
        .filter((s) => JSON.stringify(s.Action).includes('secretsmanager:'))
        .map((s) => ({ Action: s.Action, Resource: s.Resource }));
    const read = ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'];
    expect(secretResources('chat-websocket')).toEqual([{ Action: read, Resource: ref(monitor.secretFor('chat-websocket')!) }]);
    expect(secretResources('buyer-orders')).toEqual([
      {
        Action: read,
        Resource: {
          'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':secretsmanager:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:secret:${IMPORTED_SECRET_NAME}-??????`]],
        },
      },
    ]);
    expect(secretResources('admin-orders')).toEqual([{ Action: read, Resource: IMPORTED_SECRET_ARN }]);
    expect(secretResources('health')).toEqual([]);
  });

  it('allows PutMetricData only in the configured namespace, and the log writes only to its own log group', () => {
    for (const check of config.checks) {
      const statements = probeStatements(check.name);
      expect(statements).toContainEqual(
        expect.objectContaining({
          Action: 'cloudwatch:PutMetricData',
          Resource: '*',
          Condition: { StringEquals: { 'cloudwatch:namespace': 'Synthmon/Test' } },
        }),
      );
      expect(statements.filter((s) => JSON.stringify(s.Action).includes('cloudwatch:'))).toHaveLength(1);
      expect(statements).toContainEqual(
        expect.objectContaining({ Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: arnOf(monitor.logGroupFor(check.name)) }),
      );
      expect(statements).toHaveLength(check.auth ? 3 : 2);
    }
    // No AWS managed policy (AWSLambdaBasicExecutionRole would grant every log group).
    for (const role of Object.values(template.findResources('AWS::IAM::Role'))) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });
});

describe('alarms', () => {
  const definitions = alarmDefinitions(config);

  it('builds one alarm per definition with exactly its metric, statistic, period, threshold, M of N and missing-data rule', () => {
    template.resourceCountIs('AWS::CloudWatch::Alarm', definitions.length);
    expect(definitions).toHaveLength(config.checks.length * 4);
    const topicRef = ref(monitor.topic);
    for (const def of definitions) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: `${STACK_NAME}-${def.id}`,
        AlarmDescription: def.description,
        Namespace: def.metric.namespace,
        MetricName: def.metric.metricName,
        Dimensions: Object.entries(def.metric.dimensions).map(([Name, Value]) => ({ Name, Value })),
        Statistic: def.metric.statistic,
        Period: def.metric.periodSeconds,
        Threshold: def.threshold,
        ComparisonOperator: def.comparisonOperator,
        EvaluationPeriods: def.evaluationPeriods,
        DatapointsToAlarm: def.datapointsToAlarm,
        TreatMissingData: def.treatMissingData,
        AlarmActions: [topicRef],
        OKActions: [topicRef],
      });
    }
  });

  it('carries the configured M of N and the DESIGN §7 semantics for all four kinds', () => {
    const props = (kind: AlarmKind) =>
      template.toJSON().Resources[id(monitor.alarm('chat-websocket', kind) as cloudwatch.Alarm)].Properties;
    expect(props(AlarmKind.REFUSED)).toMatchObject({
      MetricName: 'Failures',
      Dimensions: [{ Name: 'Check', Value: 'chat-websocket' }, { Name: 'Reason', Value: 'refused' }],
      Statistic: 'Sum',
      Period: 120,
      DatapointsToAlarm: 2,
      EvaluationPeriods: 3,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
      TreatMissingData: 'notBreaching',
    });
    expect(props(AlarmKind.FORBIDDEN)).toMatchObject({
      Dimensions: [{ Name: 'Check', Value: 'chat-websocket' }, { Name: 'Reason', Value: 'forbidden' }],
      DatapointsToAlarm: 1,
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
    });
    expect(props(AlarmKind.FAILING)).toMatchObject({
      MetricName: 'Success',
      Statistic: 'Average',
      ComparisonOperator: 'LessThanThreshold',
      DatapointsToAlarm: 3,
      EvaluationPeriods: 5,
      TreatMissingData: 'notBreaching',
    });
    expect(props(AlarmKind.SILENT)).toMatchObject({
      MetricName: 'Success',
      Statistic: 'SampleCount',
      DatapointsToAlarm: 3,
      EvaluationPeriods: 3,
      TreatMissingData: 'breaching',
    });
  });
});

describe('alarm topic', () => {
  it('encrypts the topic with a rotating customer key that CloudWatch may use', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: arnOf(monitor.topicKey) });
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Effect: 'Allow',
          }),
        ]),
      },
    });
  });

  it('denies publishing without TLS and lets only this account\'s alarms publish', () => {
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [ref(monitor.topic)],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Principal: '*', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Condition: Match.objectLike({ StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } }),
          }),
        ]),
      },
    });
  });

  it('subscribes the configured email and HTTPS endpoints', () => {
    template.resourceCountIs('AWS::SNS::Subscription', 2);
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.com', TopicArn: ref(monitor.topic) });
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'https', Endpoint: PAGER_URL, TopicArn: ref(monitor.topic) });
  });
});

describe('dashboard', () => {
  interface Widget { type: string; properties: Record<string, unknown> }
  let widgets: Widget[];
  beforeAll(() => {
    const [dashboard] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
    widgets = (JSON.parse(flattenJoin(dashboard!.Properties.DashboardBody)) as { widgets: Widget[] }).widgets;
  });
  const titled = (title: string) => widgets.find((w) => w.properties.title === title)?.properties;

  it('graphs failures by reason with a SEARCH expression per check, so any Reason shows up', () => {
    for (const check of config.checks) {
      const metrics = titled(`${check.name}: failures by reason`)?.metrics as unknown[][];
      const expected = failuresByReasonSearch('Synthmon/Test', check.name, 120);
      expect(expected).toBe(`SEARCH('{"Synthmon/Test",Check,Reason} MetricName="Failures" Check="${check.name}"', 'Sum', 120)`);
      expect(metrics).toEqual([[expect.objectContaining({ expression: expected })]]);
    }
  });

  it('graphs the success rate and the p50/p90/p99 duration per check', () => {
    for (const check of config.checks) {
      const success = titled(`${check.name}: success rate`)?.metrics as unknown[][];
      expect(success).toContainEqual([expect.objectContaining({ expression: '100 * success' })]);
      expect(success).toContainEqual(['Synthmon/Test', 'Success', 'Check', check.name, expect.objectContaining({ id: 'success' })]);
      const duration = titled(`${check.name}: duration`)?.metrics as unknown[][];
      expect(duration.map((m) => (m[4] as { stat: string }).stat)).toEqual(['p50', 'p90', 'p99']);
      expect(duration.every((m) => m[1] === 'Duration' && m[3] === check.name)).toBe(true);
    }
  });

  it('shows every alarm in an alarm status widget', () => {
    const alarmWidget = widgets.find((w) => w.type === 'alarm');
    expect(alarmWidget?.properties.alarms).toHaveLength(config.checks.length * 4);
  });

  it('carries the runbook of every failing outcome and cause in a text widget', () => {
    const text = widgets.filter((w) => w.type === 'text').map((w) => String(w.properties.markdown)).join('\n');
    for (const outcome of FAILURE_OUTCOMES) {
      expect(text).toContain(`\`${outcome}\``);
      expect(text).toContain(OUTCOME_RUNBOOK[outcome].check.replace(/\|/g, '\\|'));
    }
    for (const cause of CAUSES) expect(text).toContain(CAUSE_RUNBOOK[cause]);
  });
});

describe('accessors', () => {
  it('returns metrics with the namespace, dimensions and interval of the configuration', () => {
    const resolve = (m: cloudwatch.Metric) => ({
      namespace: m.namespace,
      metricName: m.metricName,
      dimensions: m.dimensions,
      statistic: m.statistic,
      period: m.period.toSeconds(),
    });
    expect(resolve(monitor.metricSuccess('health'))).toEqual({
      namespace: 'Synthmon/Test', metricName: 'Success', dimensions: { Check: 'health' }, statistic: 'Average', period: 120,
    });
    expect(resolve(monitor.metricDuration(checkNamed('health'), { statistic: 'p99' }))).toMatchObject({ metricName: 'Duration', statistic: 'p99' });
    expect(resolve(monitor.metricFailures('health', 'timeout'))).toEqual({
      namespace: 'Synthmon/Test', metricName: 'Failures', dimensions: { Check: 'health', Reason: 'timeout' }, statistic: 'Sum', period: 120,
    });
  });

  it('finds the alarm of each kind and the function of each check', () => {
    const silent = monitor.alarm('buyer-orders', AlarmKind.SILENT) as cloudwatch.Alarm;
    expect(template.toJSON().Resources[id(silent)].Properties.AlarmName).toBe(`${STACK_NAME}-buyer-orders-Silent`);
    expect(monitor.functionFor('buyer-orders').node.path).toBe(`${STACK_NAME}/Monitor/buyer-orders/Function`);
  });

  it('names the configured checks when asked for an unknown one', () => {
    expect(() => monitor.metricSuccess('nope')).toThrow(
      'unknown check "nope": the configured checks are "chat-websocket", "buyer-orders", "admin-orders", "health"',
    );
  });

  it('outputs the topic ARN and the secret of the created token secret', () => {
    template.hasOutput('AlarmTopicArn', { Value: ref(monitor.topic) });
    template.hasOutput('TokenSecretChatWebsocket', { Value: ref(monitor.secretFor('chat-websocket')!) });
    expect(Stack.of(monitor).stackName).toBe(STACK_NAME);
  });
});
