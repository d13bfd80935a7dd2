/**
 * cdk-nag (v3) acknowledgments for the SyntheticMonitor, each on the one resource it concerns and,
 * where a rule reports several findings, limited to the one finding (`Rule[finding]`), with the
 * reason it is acceptable. They are construct metadata only: stacks that do not run cdk-nag are
 * unaffected.
 */
import { Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import type { BackstopNotifier } from './backstop';
import type { ProbeRunner } from './runner';

/** Attach the monitor's suppressions (called by the monitor, and by a runner stack for its runner). */
export function suppressMonitorFindings(_monitor: IConstruct, runner: ProbeRunner | undefined, backstop?: BackstopNotifier): void {
  for (const fn of [runner, backstop]) if (fn) acknowledgeFunctionPolicy(fn);
}

/** The runner's and the backstop notifier's role policies: the same two kinds of finding. */
function acknowledgeFunctionPolicy(fn: {
  readonly role: iam.IRole;
  readonly wildcardSecretResources: readonly string[];
  readonly wildcardKeyResources?: readonly string[];
}): void {
  const policy = fn.role.node.tryFindChild('DefaultPolicy');
  if (!(policy instanceof iam.Policy)) return;
  Validations.of(policy).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'cloudwatch:PutMetricData supports no resource-level permissions, so its Resource must be "*"; ' +
      'the statement is limited by the condition cloudwatch:namespace.',
  });
  // Secrets named (not given by complete ARN) are granted on "<name>-??????": Secrets Manager appends
  // six random characters to every secret's ARN, unknown until the operator creates the secret.
  for (const resource of fn.wildcardSecretResources) {
    Validations.of(policy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${resource}]`,
      reason:
        'Secrets Manager appends a random 6-character suffix to a secret ARN; "-??????" matches exactly that suffix of the one named secret, whose ARN is unknown until the operator creates it.',
    });
  }
  // A runner in another region than the monitor's topic publishes to it by name (lib/alarm-topic.ts);
  // the topic's key is created with a generated id in the home stack, so its ARN is not known here.
  for (const resource of fn.wildcardKeyResources ?? []) {
    Validations.of(policy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${resource}]`,
      reason:
        "The monitor topic's KMS key lives in the home region's stack with a generated key id, unknown to a runner stack in another region " +
        '(no cross-stack reference between regions). The statement is limited by kms:ViaService to SNS in the home region, so only a publish to an encrypted topic there can use a key.',
    });
    Validations.of(policy).acknowledge({
      id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      reason:
        'kms:GenerateDataKey* is the action SNS documents (and CDK Topic.grantPublish grants) for publishing to an encrypted topic; limited by kms:ViaService to SNS in the home region.',
    });
  }
}
