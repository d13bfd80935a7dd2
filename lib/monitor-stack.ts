/**
 * The deployable stack: one SyntheticMonitor built from the configuration, and the outputs an
 * operator needs after `cdk deploy` (topic, dashboard, the secrets to fill in). Environment-agnostic:
 * no account or region lookups, so `cdk synth` needs no credentials.
 */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { MonitorConfig } from '../contracts/config';
import { SyntheticMonitor, type SyntheticMonitorProps } from './synthetic-monitor';

export interface MonitorStackProps extends StackProps {
  /** The validated configuration. */
  readonly config: MonitorConfig;
  /** Further SyntheticMonitor settings. @default - the construct's defaults */
  readonly monitor?: Omit<SyntheticMonitorProps, 'config'>;
}

/** A stack holding one SyntheticMonitor. */
export class MonitorStack extends Stack {
  readonly monitor: SyntheticMonitor;

  constructor(scope: Construct, id: string, props: MonitorStackProps) {
    super(scope, id, props);
    this.monitor = new SyntheticMonitor(this, 'Monitor', { ...props.monitor, config: props.config });

    new CfnOutput(this, 'AlarmTopicArn', {
      description: 'SNS topic every alarm notifies: subscribe a pager here',
      value: this.monitor.topic.topicArn,
    });
    new CfnOutput(this, 'DashboardName', { value: this.monitor.dashboard.dashboard.dashboardName });
    for (const check of props.config.checks) {
      const secret = this.monitor.secretFor(check);
      if (!secret) continue;
      new CfnOutput(this, `TokenSecret${outputId(check.name)}`, {
        description: `Secret holding the token of check "${check.name}" (set it with put-secret-value)`,
        value: secret.secretArn,
      });
    }
  }
}

/** chat-websocket → ChatWebsocket (output ids are alphanumeric). */
function outputId(name: string): string {
  return name
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
