/**
 * The monitor's SNS topic by name (docs/DESIGN.md#notification-channels): where the alarm-state rule
 * forwards the alarms and the runners' email channel publishes. Its name is fixed,
 * `<alarm prefix>-alarms`, so a runner stack in another region builds its ARN from the name and the
 * home region, with no cross-stack reference (as for the incident table, lib/incidents.ts).
 */
import { createHash } from 'node:crypto';

/** "Up to 256 characters." (https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html) */
const MAX_TOPIC_NAME = 256;

/**
 * The topic's name from the monitor's alarm prefix (lib/alarms/deploy.ts alarmPrefixOf). Topic
 * names: "Up to 256 characters. Alphanumeric characters, hyphens (-) and underscores (_) are
 * allowed." (https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html): any other character
 * becomes `-`, and a longer name keeps its head and a hash.
 */
export function alarmTopicName(monitorPrefix: string): string {
  const name = `${monitorPrefix}-alarms`.replace(/[^A-Za-z0-9_-]/g, '-');
  if (name.length <= MAX_TOPIC_NAME) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 12);
  return `${name.slice(0, MAX_TOPIC_NAME - 20)}-${hash}-alarms`;
}
