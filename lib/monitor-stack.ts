/**
 * The deployable stacks. One location (the default): one MonitorStack in the deploy region holding
 * the monitor and its runner, environment-agnostic so `cdk synth` needs no credentials. Several
 * locations: the MonitorStack in the home region (alarms, topic, dashboard, and the home location's
 * runner when it probes from there) and one RunnerStack per other location, each publishing to
 * and reading tokens from the home region.
 */
import { CfnOutput, Stack, type App, type StackProps } from 'aws-cdk-lib';
import * as sns from 'aws-cdk-lib/aws-sns';
import { alarmTopicName } from './alarm-topic';
import { tokenSetCommand } from './token-command';
import type { Construct } from 'constructs';
import { homeRegionOf, type MonitorConfig, type MonitorConfigInput } from '../contracts/config';
import type { FleetPlan } from './fleet/plan';
import { suppressMonitorFindings } from './nag';
import { ProbeRunner, type ProbeRunnerProps } from './runner';
import { SyntheticMonitor, type SyntheticMonitorProps } from './synthetic-monitor';

/** Outputs a stack may have (CloudFormation quota: 200). Token outputs stop well before it. */
const MAX_TOKEN_OUTPUTS = 150;

export interface MonitorStackProps extends StackProps {
  /** The configuration (validated by the monitor). */
  readonly config: MonitorConfigInput;
  /** Further SyntheticMonitor settings. @default - the construct's defaults */
  readonly monitor?: Omit<SyntheticMonitorProps, 'config'>;
}

/** A stack holding one SyntheticMonitor, and the outputs an operator needs after `cdk deploy`. */
export class MonitorStack extends Stack {
  readonly monitor: SyntheticMonitor;

  constructor(scope: Construct, id: string, props: MonitorStackProps) {
    // Compact JSON: a fleet's template stays well inside CloudFormation's 1 MB.
    super(scope, id, { suppressTemplateIndentation: true, ...props });
    this.monitor = new SyntheticMonitor(this, 'Monitor', { ...props.monitor, config: props.config });

    new CfnOutput(this, 'AlarmTopicArn', {
      description:
        "SNS topic of the e-mail channel: the runner's incident pages and the backstop notifier's alarm pages are published here (e-mail and HTTPS subscriptions must be confirmed before they receive pages)",
      value: this.monitor.topic.topicArn,
    });
    const config = this.monitor.config;
    const tokens = Object.values(config.tokens).filter((t) => config.checks.some((c) => c.auth?.token === t.name));
    for (const token of tokens.slice(0, MAX_TOKEN_OUTPUTS)) {
      const region = homeRegionOf(config) ?? this.region;
      new CfnOutput(this, `Token${outputId(token.name)}`, {
        description: `Token "${token.name}": set it before the checks that use it can run (they report "error" until then)`,
        value: tokenSetCommand(token, region),
      });
    }
  }
}

export interface RunnerStackProps extends StackProps {
  readonly config: MonitorConfig;
  readonly plan: FleetPlan;
  readonly location: string;
  readonly runner?: Omit<ProbeRunnerProps, 'config' | 'plan' | 'location' | 'homeRegion' | 'topic'>;
  /**
   * The name of the monitor's topic in the home region (lib/alarm-topic.ts): the runner's email
   * channel publishes there, by an ARN built from the name and the home region (no cross-stack
   * reference). @default - no topic: the email channel has nowhere to publish
   */
  readonly alarmTopicName?: string;
}

/** The runner of one location, publishing to the home region. */
export class RunnerStack extends Stack {
  readonly runner: ProbeRunner;

  constructor(scope: Construct, id: string, props: RunnerStackProps) {
    super(scope, id, { suppressTemplateIndentation: true, ...props });
    const home = homeRegionOf(props.config);
    const topic = props.alarmTopicName
      ? sns.Topic.fromTopicArn(this, 'AlarmTopic', this.formatArn({ service: 'sns', region: home ?? this.region, resource: props.alarmTopicName }))
      : undefined;
    this.runner = new ProbeRunner(this, 'Runner', {
      ...props.runner,
      config: props.config,
      plan: props.plan,
      location: props.location,
      ...(home && home !== props.location ? { homeRegion: home } : {}),
      ...(topic ? { topic } : {}),
    });
    suppressMonitorFindings(this, this.runner);
  }
}

/**
 * The stacks for a configuration: one MonitorStack, plus a RunnerStack per location other than the
 * home region. Stacks of named locations are pinned to their region (account left to the CLI's
 * environment), the single-location stack is environment-agnostic.
 */
export function buildMonitorStacks(
  app: App,
  stackName: string,
  config: MonitorConfigInput,
  description?: string,
): { monitor: MonitorStack; runners: RunnerStack[] } {
  const locations = (config.locations ?? []) as string[];
  const home = (config.homeRegion as string | undefined) ?? locations[0];
  const monitor = new MonitorStack(app, stackName, {
    config,
    ...(home ? { env: { region: home } } : {}),
    ...(description ? { description } : {}),
  });
  const validated = monitor.monitor.config;
  const runners = validated.locations
    .filter((l) => l !== home)
    .map(
      (location) =>
        new RunnerStack(app, `${stackName}-runner-${location}`, {
          env: { region: location },
          config: validated,
          plan: monitor.monitor.plan,
          location,
          runner: { incidents: { tableName: monitor.monitor.incidentTableName, monitor: stackName } },
          alarmTopicName: alarmTopicName(monitor.monitor.alarmPrefix()),
          description: `synthmon runner in ${location} for ${stackName} (publishes to ${home})`,
        }),
    );
  // `cdk deploy --all` deploys a stack after the stacks it depends on: the runners first, so every
  // location publishes before the home stack's alarms start their warm-up (ordering only, no
  // references between the stacks). aws-cdk-lib Stack.addStackDependency: "This can be used to define dependencies between any two stacks within an app".
  for (const runner of runners) monitor.addStackDependency(runner, 'runners publish before the alarms warm up');
  return { monitor, runners };
}

/** chat-websocket → ChatWebsocket (output ids are alphanumeric). */
function outputId(name: string): string {
  return name
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
