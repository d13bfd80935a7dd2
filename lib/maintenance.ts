/**
 * Maintenance windows as CloudWatch alarm mute rules (docs/DESIGN.md#maintenance-windows): one
 * `AWS::CloudWatch::AlarmMuteRule` per window and per 100 alarms it mutes, in the stack of the
 * monitor (the home stack). aws-cdk-lib 2.276 has the L2 `AlarmMuteRule`; the L1 is used because
 * the schedule, duration and time zone are already validated strings in the mute rule's own syntax
 * (contracts/config/maintenance.ts), which the L2 would only take apart and put back together.
 *
 * "Each mute rule can target up to 100 specific alarms by name."
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudwatch-alarmmuterule.html
 */
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct, type IConstruct } from 'constructs';
import type { MonitorConfig } from '../contracts/config';
import { ALARMS_PER_MUTE_RULE } from '../contracts/config/maintenance';
import type { AlarmDefinition } from './alarms/model';
import { mutedAlarmIds } from './muting';

/**
 * Add the mute rules of `config.maintenance` under `monitor`, targeting the alarms the monitor
 * built from `definitions` (found by construct id among its CfnAlarms, nested stacks included).
 * Each rule depends on the alarms it names: a rule may name only alarms that exist.
 */
export function addMaintenanceMuteRules(
  monitor: Construct,
  config: MonitorConfig,
  definitions: readonly AlarmDefinition[],
): cloudwatch.CfnAlarmMuteRule[] {
  const windows = config.maintenance ?? [];
  if (!windows.length) return [];
  const alarms = alarmsById(monitor);
  const scope = new Construct(monitor, 'Maintenance');
  const rules: cloudwatch.CfnAlarmMuteRule[] = [];
  windows.forEach((window, i) => {
    const targets = mutedAlarmIds(window, config, definitions).flatMap((id) => {
      const alarm = alarms.get(id);
      return alarm ? [alarm] : [];
    });
    if (!targets.length) return;
    const parts = Math.ceil(targets.length / ALARMS_PER_MUTE_RULE);
    for (let p = 0; p < parts; p++) {
      const chunk = targets.slice(p * ALARMS_PER_MUTE_RULE, (p + 1) * ALARMS_PER_MUTE_RULE);
      const rule = new cloudwatch.CfnAlarmMuteRule(scope, parts === 1 ? `Window${i + 1}` : `Window${i + 1}Part${p + 1}`, {
        description:
          `synthmon maintenance window ${i + 1}: ${window.schedule} for ${window.duration}${window.timezone ? ` (${window.timezone})` : ''}` +
          `${window.checks ? `, checks ${window.checks.join(', ')}` : ', every check'}${parts > 1 ? ` (alarms part ${p + 1} of ${parts})` : ''}`.slice(
            0,
            1024,
          ),
        rule: { schedule: { expression: window.schedule, duration: window.duration, ...(window.timezone ? { timezone: window.timezone } : {}) } },
        muteTargets: { alarmNames: chunk.map((a) => a.alarmName!) },
      });
      for (const a of chunk) rule.addDependency(a);
      rules.push(rule);
    }
  });
  return rules;
}

/** The monitor's CfnAlarms by definition id: an L1 alarm's own id, or its L2 parent's (`Resource`). */
function alarmsById(monitor: IConstruct): Map<string, cloudwatch.CfnAlarm> {
  const out = new Map<string, cloudwatch.CfnAlarm>();
  for (const node of monitor.node.findAll()) {
    if (!(node instanceof cloudwatch.CfnAlarm) || typeof node.alarmName !== 'string') continue;
    const id = node.node.id === 'Resource' && node.node.scope ? node.node.scope.node.id : node.node.id;
    out.set(id, node);
  }
  return out;
}
