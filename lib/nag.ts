/**
 * cdk-nag (v3) acknowledgments for the SyntheticMonitor, each on the one resource it concerns and,
 * where a rule reports several findings, limited to the one finding (`Rule[finding]`), with the
 * reason it is acceptable. They are construct metadata only: stacks that do not run cdk-nag are
 * unaffected.
 */
import { Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Check, MonitorConfig } from '../contracts/config';

/** What the acknowledgments read from the monitor; declared here so this file does not import the construct. */
export interface NagSubject {
  readonly config: MonitorConfig;
  readonly checks: readonly Check[];
  functionFor(check: Check): lambda.IFunction;
  secretFor(check: Check): secretsmanager.ISecret | undefined;
}

/** Attach the monitor's suppressions (called by the construct itself). */
export function suppressMonitorFindings(monitor: NagSubject): void {
  for (const check of monitor.checks) {
    const fn = monitor.functionFor(check);
    const policy = fn.role?.node.tryFindChild('DefaultPolicy');
    if (policy instanceof iam.Policy) {
      Validations.of(policy).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'cloudwatch:PutMetricData supports no resource-level permissions, so its Resource must be "*"; ' +
          `the statement is limited by the condition cloudwatch:namespace = "${monitor.config.namespace}".`,
      });
    }

    const secret = monitor.secretFor(check);
    if (secret instanceof secretsmanager.Secret) {
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          'The secret holds an API token issued by the monitored backend (a DRF token), which no rotation ' +
          'Lambda can mint; the operator rotates it with put-secret-value and the probe picks the new value ' +
          'up within its 5-minute cache.',
      });
    }
  }
}
