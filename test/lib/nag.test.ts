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
import { MonitorStack } from '../../lib/monitor-stack';
import { fullConfig, testApp } from './support';

const app = testApp({ bundle: false });
const full = new MonitorStack(app, 'NagFull', { config: fullConfig() });
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

  it('acknowledges only PutMetricData\'s Resource "*" per probe policy and rotation of the created secret', () => {
    const acks = acknowledgments(full).map(({ path, id }) => ({ path, id: id.replace(/^Annotation::/i, '') }));
    expect(acks).toEqual([
      { path: 'NagFull/Monitor/chat-websocket/Role/DefaultPolicy', id: 'AwsSolutions-IAM5[Resource::*]' },
      { path: 'NagFull/Monitor/chat-websocket/TokenSecret', id: 'AwsSolutions-SMG4' },
      { path: 'NagFull/Monitor/buyer-orders/Role/DefaultPolicy', id: 'AwsSolutions-IAM5[Resource::*]' },
      { path: 'NagFull/Monitor/admin-orders/Role/DefaultPolicy', id: 'AwsSolutions-IAM5[Resource::*]' },
      { path: 'NagFull/Monitor/health/Role/DefaultPolicy', id: 'AwsSolutions-IAM5[Resource::*]' },
    ]);
    for (const { reason } of acknowledgments(full)) expect(reason.length).toBeGreaterThan(80);
    expect(acknowledgments(full).find((a) => a.id.includes('IAM5'))?.reason).toContain('cloudwatch:namespace = "Synthmon/Test"');
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
