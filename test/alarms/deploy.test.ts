/** Alarm names (unique per construct path, within 255 characters), properties and mute rule groups (lib/alarms/deploy.ts). */
import { describe, expect, it } from 'vitest';
import { alarmNameOf, alarmPrefixOf, alarmProps, muteRuleGroups } from '../../lib/alarms/deploy';
import { metricAlarm } from './helpers';

describe('alarm names', () => {
  it("keeps a direct child's prefix readable and hashes nested paths apart", () => {
    expect(alarmPrefixOf('Stack', ['Monitor'], 'Stack/Monitor')).toBe('Stack-Monitor');
    const a = alarmPrefixOf('Stack', ['A-B', 'M'], 'Stack/A-B/M');
    const b = alarmPrefixOf('Stack', ['A', 'B-M'], 'Stack/A/B-M');
    expect(a.startsWith('Stack-A-B-M-')).toBe(true);
    expect(b.startsWith('Stack-A-B-M-')).toBe(true);
    expect(a).not.toBe(b);
  });

  it('stays within 255 characters, keeping the prefix, and never collides by truncation', () => {
    const prefix = alarmPrefixOf('S'.repeat(128), ['x'.repeat(100), 'Monitor'], 'long/path');
    expect(prefix.length).toBeLessThanOrEqual(180);
    const one = alarmNameOf(`${prefix}-Failing-${'a'.repeat(66)}`);
    const two = alarmNameOf(`${prefix}-Failing-${'a'.repeat(65)}b`);
    expect([one.length, two.length]).toEqual([255, 255]);
    expect(one).not.toBe(two);
    expect(one.startsWith(`${prefix}-`) && two.startsWith(`${prefix}-`)).toBe(true);
  });
});

describe('alarm properties', () => {
  it("writes a 20 s period as is (aws-cdk-lib's Metric would refuse it) and no actions", () => {
    const props = alarmProps(metricAlarm({ metric: { periodSeconds: 20 } }), 'name');
    expect(props).toMatchObject({ alarmName: 'name', period: 20 });
    expect(props).not.toHaveProperty('alarmActions');
    expect(props).not.toHaveProperty('okActions');
  });
});

describe('mute rule groups', () => {
  it('splits alarm names into groups of at most 100, in order', () => {
    const names = Array.from({ length: 250 }, (_, i) => `a${i}`);
    const groups = muteRuleGroups(names);
    expect(groups.map((g) => g.length)).toEqual([100, 100, 50]);
    expect(groups.flat()).toEqual(names);
    expect(muteRuleGroups([])).toEqual([]);
  });
});
