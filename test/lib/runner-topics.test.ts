/**
 * The runner's SNS channels as CloudFormation (docs/DESIGN.md#notification-channels): the monitor's
 * topic has a fixed name, the runner gets its ARN in SYNTHMON_TOPIC_ARN (by reference at home, built
 * from name and home region in another location's stack), and its role may publish to that topic
 * and to the Amazon Q topic, and use the topic's key only through SNS. No bundling: the templates only.
 */
import { Stack, type CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import type { MonitorConfigInput } from '../../contracts/config';
import { HandlerEnvVar } from '../../contracts/handler-env';
import { alarmTopicName } from '../../lib/alarm-topic';
import { buildMonitorStacks, MonitorStack } from '../../lib/monitor-stack';
import { fullConfig, testApp } from './support';

const AMAZON_Q_TOPIC = 'arn:aws:sns:eu-west-1:123456789012:synthmon-chat';

type Statement = { Sid?: string; Action: string | string[]; Resource: unknown; Condition?: unknown };
/** A statement's resources as a list (CDK writes one resource as a scalar). */
const resourcesOf = (s: Statement | undefined) => [s?.Resource].flat();
const logicalId = (c: IConstruct) => Stack.of(c).getLogicalId(c.node.defaultChild as CfnElement);

/** Every statement of the runner role's policy. */
function runnerStatements(stack: Stack): Statement[] {
  const policies = Template.fromStack(stack).findResources('AWS::IAM::Policy');
  const runner = Object.entries(policies).filter(([id]) => id.includes('RunnerRole'));
  expect(runner).toHaveLength(1);
  return (runner[0]![1] as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties.PolicyDocument.Statement;
}

function runnerEnvironment(stack: Stack): Record<string, unknown> {
  // The runner's function (the home stack also holds the backstop notifier, backstop.handler).
  const fns = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function', { Properties: { Handler: 'index.handler' } }));
  expect(fns).toHaveLength(1);
  return (fns[0] as { Properties: { Environment: { Variables: Record<string, unknown> } } }).Properties.Environment.Variables;
}

const withNotifications = (notifications: MonitorConfigInput['notifications']): MonitorConfigInput => ({ ...fullConfig(), notifications });

describe('the monitor topic and the runner', () => {
  it('names the topic <alarm prefix>-alarms and gives the home runner its ARN, sns:Publish on it and on the Amazon Q topic, and the key through SNS only', () => {
    const stack = new MonitorStack(testApp({ bundle: false }), 'TopicHome', {
      config: withNotifications({ emails: ['oncall@example.com'], amazonQ: { topicArn: AMAZON_Q_TOPIC } }),
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::SNS::Topic', { TopicName: 'TopicHome-Monitor-alarms', KmsMasterKeyId: Match.anyValue() });
    expect(stack.monitor.topic.topicName).toBeDefined();
    const topicRef = { Ref: logicalId(stack.monitor.topic) };
    expect(runnerEnvironment(stack)[HandlerEnvVar.TOPIC_ARN]).toEqual(topicRef);

    const statements = runnerStatements(stack);
    expect(statements.find((s) => s.Sid === 'PublishNotifications')).toEqual(
      expect.objectContaining({ Action: 'sns:Publish', Resource: [AMAZON_Q_TOPIC, topicRef] }),
    );
    expect(statements.find((s) => s.Sid === 'EncryptForTheMonitorTopicThroughSns')).toEqual(
      expect.objectContaining({
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        Resource: { 'Fn::GetAtt': [logicalId(stack.monitor.topicKey), 'Arn'] },
        Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['sns.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }]] } } },
      }),
    );
    // Nothing else publishes or uses a key.
    const kinds = statements.flatMap((s) => [s.Action].flat()).filter((a) => a.startsWith('sns:') || a.startsWith('kms:'));
    expect(kinds.sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey*', 'sns:Publish']);
  });

  it('grants the monitor topic when only httpsEndpoints subscribe (the email channel is on), and the Amazon Q topic alone without them', () => {
    // One app each: an app cannot grow after a template of it was synthesized.
    const https = new MonitorStack(testApp({ bundle: false }), 'TopicHttps', {
      config: withNotifications({ httpsEndpoints: ['https://pager.example.com/hook'] }),
    });
    expect(resourcesOf(runnerStatements(https).find((s) => s.Sid === 'PublishNotifications'))).toEqual([{ Ref: logicalId(https.monitor.topic) }]);
    expect(runnerStatements(https).some((s) => s.Sid === 'EncryptForTheMonitorTopicThroughSns')).toBe(true);

    const chatOnly = new MonitorStack(testApp({ bundle: false }), 'TopicChat', {
      config: withNotifications({ amazonQ: { topicArn: AMAZON_Q_TOPIC } }),
    });
    const statements = runnerStatements(chatOnly);
    expect(resourcesOf(statements.find((s) => s.Sid === 'PublishNotifications'))).toEqual([AMAZON_Q_TOPIC]);
    expect(statements.some((s) => [s.Action].flat().some((a) => a.startsWith('kms:')))).toBe(false);

    const none = new MonitorStack(testApp({ bundle: false }), 'TopicNone', { config: withNotifications({}) });
    expect(runnerStatements(none).some((s) => [s.Action].flat().some((a) => a.startsWith('sns:') || a.startsWith('kms:')))).toBe(false);
    // Nor is the variable set: the channel is off.
    expect(runnerEnvironment(none)[HandlerEnvVar.TOPIC_ARN]).toBeUndefined();
    expect(runnerEnvironment(chatOnly)[HandlerEnvVar.TOPIC_ARN]).toBeUndefined();
  });

  it("gives a runner in another region the home topic's ARN by name and any home-region key through SNS only, acknowledged for cdk-nag", () => {
    const { monitor, runners } = buildMonitorStacks(testApp({ bundle: false }), 'TopicMulti', {
      ...withNotifications({ emails: ['oncall@example.com'] }),
      locations: ['eu-west-1', 'us-east-1'],
    });
    const name = alarmTopicName(monitor.monitor.alarmPrefix());
    expect(name).toBe('TopicMulti-Monitor-alarms');
    Template.fromStack(monitor).hasResourceProperties('AWS::SNS::Topic', { TopicName: name });
    const remote = runners[0]!;
    expect(remote.region).toBe('us-east-1');
    // The stack's region is known, so CDK writes its partition (aws) itself.
    const arn = { 'Fn::Join': ['', ['arn:aws:sns:eu-west-1:', { Ref: 'AWS::AccountId' }, `:${name}`]] };
    expect(runnerEnvironment(remote)[HandlerEnvVar.TOPIC_ARN]).toEqual(arn);
    const statements = runnerStatements(remote);
    expect(resourcesOf(statements.find((s) => s.Sid === 'PublishNotifications'))).toEqual([arn]);
    expect(statements.find((s) => s.Sid === 'EncryptForTheMonitorTopicThroughSns')).toEqual(
      expect.objectContaining({
        Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        Resource: { 'Fn::Join': ['', ['arn:aws:kms:eu-west-1:', { Ref: 'AWS::AccountId' }, ':key/*']] },
        Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['sns.eu-west-1.', { Ref: 'AWS::URLSuffix' }]] } } },
      }),
    );
    expect(remote.runner.wildcardKeyResources).toEqual(['arn:aws:kms:eu-west-1:<AWS::AccountId>:key/*']);
    // No reference crosses the regions: the runner stack has no parameter or import.
    const json = JSON.stringify(Template.fromStack(remote).toJSON());
    expect(json).not.toMatch(/Fn::ImportValue/);
  });
});

describe('alarmTopicName', () => {
  it.each([
    ['Shop-Monitor', 'Shop-Monitor-alarms'],
    ['Shop-Monitor.v2 (prod)', 'Shop-Monitor-v2--prod--alarms'],
  ])('keeps only the characters SNS allows: %s → %s', (prefix, name) => {
    expect(alarmTopicName(prefix)).toBe(name);
  });

  it('keeps a long name within 256 characters, ending in a hash and -alarms, and two long prefixes apart', () => {
    const a = alarmTopicName(`${'x'.repeat(300)}a`);
    const b = alarmTopicName(`${'x'.repeat(300)}b`);
    for (const name of [a, b]) expect(name).toMatch(/^x{236}-[0-9a-f]{12}-alarms$/);
    expect(a).not.toBe(b);
  });
});
