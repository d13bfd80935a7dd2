/**
 * The incident pipeline's resources in a real CDK synth (bundling skipped: only templates are read):
 * the table in the home stack as DESIGN asks (partition key `pk` String, no sort key, on demand,
 * TTL), every location's runner granted exactly the store's calls on it by ARN from its name and
 * the home region, its name in SYNTHMON_INCIDENT_TABLE, and the NotificationFailures alarm (an alarm
 * definition like every other, lib/alarms/definitions.ts).
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { incidentTableName } from '../../lib/incidents';
import { buildMonitorStacks } from '../../lib/monitor-stack';

const CONFIG = {
  locations: ['us-east-1', 'eu-west-1'],
  checks: [{ kind: 'http' as const, name: 'api', url: 'https://api.example.com/health' }],
};

describe('incident resources', () => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const { monitor, runners } = buildMonitorStacks(app, 'Incidents', CONFIG);
  const home = Template.fromStack(monitor);
  const remote = Template.fromStack(runners[0]!);

  it('creates one on-demand table with partition key pk (String), no sort key, TTL on ttl, in the home stack only', () => {
    const tables = Object.values(home.findResources('AWS::DynamoDB::Table'));
    expect(tables).toHaveLength(1);
    expect(tables[0]!.Properties).toMatchObject({
      TableName: 'Incidents-Monitor-incidents',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
    });
    expect(tables[0]!.Properties.GlobalSecondaryIndexes).toBeUndefined();
    expect(Object.keys(remote.findResources('AWS::DynamoDB::Table'))).toEqual([]);
  });

  it('grants each runner exactly the store calls on the home table, by name, and names it in the environment', () => {
    const homeTable = { Ref: expect.stringMatching(/^MonitorIncidentsTable/) };
    for (const [template, region] of [
      [home, 'us-east-1'],
      [remote, 'eu-west-1'],
    ] as const) {
      const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
        (p) => p.Properties.PolicyDocument.Statement as Array<{ Sid?: string; Action: string[]; Resource: unknown }>,
      );
      const grant = statements.find((s) => s.Sid === 'IncidentTable')!;
      expect([...grant.Action].sort()).toEqual(['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']);
      expect(JSON.stringify(grant.Resource)).toContain(':dynamodb:us-east-1:');
      // The home runner refers to the table (a dependency), a remote one names it.
      expect(JSON.stringify(grant.Resource)).toMatch(/:table\/(Incidents-Monitor-incidents"|",\{"Ref":"MonitorIncidentsTable[0-9A-F]+"\})/);
      const fn = Object.values(template.findResources('AWS::Lambda::Function'))[0]!;
      const expected = template === home ? homeTable : 'Incidents-Monitor-incidents';
      expect(fn.Properties.Environment.Variables.SYNTHMON_INCIDENT_TABLE).toEqual(expected);
      expect(fn.Properties.Environment.Variables.SYNTHMON_LOCATION).toBe(region);
    }
  });

  it('alarms on NotificationFailures per channel, every identifier quoted, no direct actions, under its old logical id', () => {
    const alarms = Object.entries(home.findResources('AWS::CloudWatch::Alarm')).filter(([, a]) =>
      String(a.Properties.AlarmName).endsWith('-NotificationFailures'),
    );
    expect(alarms).toHaveLength(1);
    const [logicalId, alarm] = alarms[0]!;
    // Where the bespoke alarm was (Monitor/Incidents/NotificationFailures): an update changes it in place.
    expect(logicalId).toMatch(/^MonitorIncidentsNotificationFailures[0-9A-F]{8}$/);
    expect(alarm.Properties).toMatchObject({
      AlarmName: 'Incidents-Monitor-NotificationFailures',
      Metrics: [
        {
          Expression:
            'SELECT SUM("NotificationFailures") FROM SCHEMA("SyntheticMonitor", "Channel") GROUP BY "Channel" ORDER BY SUM() DESC LIMIT 500',
          Period: 60,
        },
      ],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      TreatMissingData: 'notBreaching',
    });
    expect(alarm.Properties.AlarmDescription).toMatch(/^A page could not be delivered to a notification channel/);
    expect(alarm.Properties.AlarmActions).toBeUndefined();
    expect(alarm.Properties.WarmUpConfiguration).toBeUndefined();
  });

  it("names tables within DynamoDB's rules however long or odd the prefix", () => {
    expect(incidentTableName('My Stack/Monitor')).toBe('My-Stack-Monitor-incidents');
    const long = incidentTableName('x'.repeat(400));
    expect(long).toMatch(/^[A-Za-z0-9_.-]{3,255}$/);
    expect(long).not.toBe(incidentTableName(`${'x'.repeat(399)}y`));
  });
});
