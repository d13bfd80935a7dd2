/**
 * cdk-nag v3 (AwsSolutionsChecks, a policy-validation plugin) over the monitor: zero unacknowledged
 * findings, the acknowledgments exactly the expected narrow ones, and a control showing the pack
 * does report what those acknowledgments cover. No bundling: nag reads the construct tree.
 */
import { Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../contracts/config';
import { buildMonitorStacks, MonitorStack } from '../../lib/monitor-stack';
import { fullConfig, testApp } from './support';

const app = testApp({ bundle: false });
const full = new MonitorStack(app, 'NagFull', { config: fullConfig() });
const multi = buildMonitorStacks(app, 'NagMulti', { ...fullConfig(), locations: ['eu-west-1', 'us-east-1'] });
// Channels whose tokens are named secrets: the backstop notifier's policy gets the suffix wildcard too.
const channels = new MonitorStack(app, 'NagChannels', {
  config: {
    ...fullConfig(),
    tokens: { ...fullConfig().tokens, pager: { secret: { name: 'prod/synthmon/pager' } } },
    notifications: { pagerDuty: { routingKey: 'pager' }, emails: ['oncall@example.com'] },
  },
});
const seed = new MonitorStack(app, 'NagSeed', { config: loadConfigFile(new URL('../../config/default.json', import.meta.url).pathname) });

function acknowledgments(root: IConstruct): Array<{ path: string; id: string; reason: string }> {
  return root.node
    .findAll()
    .flatMap((c) =>
      c.node.metadata
        .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((m) => Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({ path: c.node.path, id, reason }))),
    );
}

describe('cdk-nag AwsSolutionsChecks', () => {
  it.each([
    ['the seed configuration', seed],
    ['a configuration with every construct path', full],
    ['the home stack of two locations', multi.monitor],
    ['the runner stack of the other location', multi.runners[0]!],
    ['channels whose tokens are named secrets', channels],
  ])('reports no unacknowledged finding for %s', (_name, stack) => {
    const report = new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(stack);
    expect(report.violations).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('leaves no CDK warning or error annotation', () => {
    for (const stack of [seed, full]) {
      Annotations.fromStack(stack).hasNoError('*', Match.anyValue());
      Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
    }
  });

  it('acknowledges only PutMetricData\'s Resource "*" and the named secret\'s 6-character suffix on the runner and backstop policies', () => {
    const acks = acknowledgments(full).map(({ path, id }) => ({ path, id: id.replace(/^Annotation::/i, '') }));
    const runner = acks.filter((a) => a.path === 'NagFull/Monitor/Runner/Role/DefaultPolicy');
    const backstop = acks.filter((a) => a.path === 'NagFull/Monitor/Backstop/Role/DefaultPolicy');
    expect(runner.length + backstop.length).toBe(acks.length);
    expect(runner.map((a) => a.id)).toEqual([
      'AwsSolutions-IAM5[Resource::*]',
      expect.stringMatching(
        /^AwsSolutions-IAM5\[Resource::arn:<AWS::Partition>:secretsmanager:<AWS::Region>:<AWS::AccountId>:secret:prod\/synthmon\/orders-token-\?\?\?\?\?\?\]$/,
      ),
    ]);
    // The notifier reads no check's token (the full configuration's channels name none).
    expect(backstop.map((a) => a.id)).toEqual(['AwsSolutions-IAM5[Resource::*]']);
    for (const { reason } of acknowledgments(full)) expect(reason.length).toBeGreaterThan(80);
  });

  it("acknowledges a remote runner's topic key as any key of the home region, used through SNS only", () => {
    const runner = multi.runners[0]!;
    const acks = acknowledgments(runner).filter((a) => a.id.includes('kms'));
    expect(acks.map((a) => [a.path, a.id.replace(/^Annotation::/i, '')])).toEqual([
      [`${runner.node.path}/Runner/Role/DefaultPolicy`, 'AwsSolutions-IAM5[Resource::arn:aws:kms:eu-west-1:<AWS::AccountId>:key/*]'],
      [`${runner.node.path}/Runner/Role/DefaultPolicy`, 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]'],
    ]);
    for (const { reason } of acks) expect(reason).toMatch(/kms:ViaService/);
  });

  it('does report what those acknowledgments cover when they are missing (control)', () => {
    const control = new Stack(testApp({ bundle: false }), 'Control');
    new secretsmanager.Secret(control, 'Secret');
    const role = new iam.Role(control, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['cloudwatch:PutMetricData'], resources: ['*'] }));
    const report = new AwsSolutionsChecks().validateScope(control);
    expect(report.violations.map((v) => v.ruleName).sort()).toEqual(['AwsSolutions-IAM5[Resource::*]', 'AwsSolutions-SMG4']);
  });
});
