/**
 * bin/app.ts as the CDK CLI runs it (CDK_OUTDIR set, context from CDK_CONTEXT_JSON): the seed
 * configuration synthesizes with cdk-nag registered and passing, and a bad configuration stops the
 * app with the list of problems and exit status 1. Bundling is skipped here (the construct test
 * bundles for real); no AWS credentials are present.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'synthmon-app-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function runApp(context: Record<string, unknown>, outdir: string) {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CDK_OUTDIR: outdir,
    CDK_CONTEXT_JSON: JSON.stringify({ 'aws:cdk:bundling-stacks': [], ...context }),
  };
  // Prove synth needs no credentials.
  for (const key of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE']) delete env[key];
  return spawnSync(process.execPath, ['--import', 'tsx', 'bin/app.ts'], { cwd: ROOT, env, encoding: 'utf8', timeout: 120_000 });
}

describe('bin/app.ts', () => {
  it('synthesizes the seed configuration env-agnostic with cdk-nag passing', () => {
    const outdir = join(work, 'seed');
    const run = runApp({}, outdir);
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.status).toBe(0);
    const template = JSON.parse(readFileSync(join(outdir, 'SyntheticMonitor.template.json'), 'utf8'));
    // Both seed checks share one 60 s shard: one schedule naming it, with Scheduler's own time.
    const schedules = Object.values(template.Resources as Record<string, { Type: string; Properties: { Target: { Input: string } } }>)
      .filter((r) => r.Type === 'AWS::Scheduler::Schedule')
      .map((r) => JSON.parse(r.Properties.Target.Input));
    expect(schedules).toEqual([{ shard: '60s-0', scheduledTime: '<aws.scheduler.scheduled-time>' }]);
    // The description names the fleet's size, not its checks (it must fit any fleet).
    expect(template.Description).toBe('synthmon: 2 synthetic checks (config config/default.json)');
    const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8'));
    expect(manifest.artifacts.SyntheticMonitor.environment).toBe('aws://unknown-account/unknown-region');
    // cdk-nag is registered: its acknowledgments are written into the resources' Metadata.
    const suppressed = Object.values(
      template.Resources as Record<string, { Type: string; Metadata?: { cdk_nag?: { rules_to_suppress: Array<{ id: string }> } } }>,
    )
      .flatMap((r) => (r.Metadata?.cdk_nag?.rules_to_suppress ?? []).map((rule) => `${r.Type} ${rule.id}`))
      .sort();
    // PutMetricData's Resource "*" on the runner's and the backstop notifier's policies.
    expect(suppressed).toEqual(['AWS::IAM::Policy AwsSolutions-IAM5[Resource::*]', 'AWS::IAM::Policy AwsSolutions-IAM5[Resource::*]']);
  });

  it('synthesizes the seed from three regions offline: a stack per region, pinned to it, the runners publishing to and reading tokens from the home region, quorum 2 at home', () => {
    const file = join(work, 'three-regions.json');
    const seed = JSON.parse(readFileSync(join(ROOT, 'config', 'default.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(file, JSON.stringify({ ...seed, locations: ['us-east-1', 'eu-west-1', 'ap-southeast-1'] }));
    const outdir = join(work, 'three');
    const run = runApp({ config: file }, outdir);
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.status).toBe(0);

    // Three stacks, each pinned to its region, the account left to the CLI's credentials (cdk deploy --all).
    const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8')) as {
      artifacts: Record<string, { type: string; environment?: string }>;
    };
    const stacks = Object.fromEntries(
      Object.entries(manifest.artifacts)
        .filter(([, a]) => a.type === 'aws:cloudformation:stack')
        .map(([id, a]) => [id, a.environment]),
    );
    expect(stacks).toEqual({
      SyntheticMonitor: 'aws://unknown-account/us-east-1',
      'SyntheticMonitor-runner-eu-west-1': 'aws://unknown-account/eu-west-1',
      'SyntheticMonitor-runner-ap-southeast-1': 'aws://unknown-account/ap-southeast-1',
    });
    type Resource = { Type: string; Properties: Record<string, unknown> };
    const resources = (stack: string) =>
      Object.values(JSON.parse(readFileSync(join(outdir, `${stack}.template.json`), 'utf8')).Resources as Record<string, Resource>);
    const ofType = (stack: string, type: string) =>
      resources(stack)
        .filter((r) => r.Type === type)
        .map((r) => r.Properties);
    /** An IAM resource with CloudFormation's pseudo parameters shown as <Name>. */
    const arn = (value: unknown): unknown => {
      const join = (value as { 'Fn::Join'?: [string, unknown[]] })?.['Fn::Join'];
      return join
        ? join[1]
            .map((p) => (typeof p === 'string' ? p : `<${String((p as { Ref?: string }).Ref ?? JSON.stringify(p)).replace('AWS::', '')}>`))
            .join(join[0])
        : value;
    };

    for (const [stack, location] of [
      ['SyntheticMonitor-runner-eu-west-1', 'eu-west-1'],
      ['SyntheticMonitor-runner-ap-southeast-1', 'ap-southeast-1'],
    ] as const) {
      const [fn] = ofType(stack, 'AWS::Lambda::Function');
      expect((fn!.Environment as { Variables: Record<string, string> }).Variables).toEqual({
        SYNTHMON_LOCATION: location,
        SYNTHMON_HOME_REGION: 'us-east-1',
        SYNTHMON_INCIDENT_TABLE: 'SyntheticMonitor-Monitor-incidents',
      });
      const statements = ofType(stack, 'AWS::IAM::Policy').flatMap(
        (p) => (p.PolicyDocument as { Statement: Array<Record<string, unknown>> }).Statement,
      );
      expect(statements.find((st) => st.Sid === 'PutMetricDataInTheMonitorNamespaceOnly')).toMatchObject({
        Action: 'cloudwatch:PutMetricData',
        Resource: '*',
        Condition: { StringEquals: { 'cloudwatch:namespace': 'SyntheticMonitor' } },
      });
      // The token is read from the home region's Parameter Store, not the runner's own.
      const tokens = statements.find((st) => st.Sid === 'ReadTokenParameters')!;
      expect(tokens.Action).toBe('ssm:GetParameter');
      expect(arn(tokens.Resource)).toBe('arn:<Partition>:ssm:us-east-1:<AccountId>:parameter/synthmon/default');
      // No alarms, topic or dashboard outside the home region.
      expect(ofType(stack, 'AWS::CloudWatch::Alarm')).toEqual([]);
      expect(ofType(stack, 'AWS::SNS::Topic')).toEqual([]);
      expect(ofType(stack, 'AWS::Scheduler::Schedule')).toHaveLength(1);
    }

    // Home: its own runner (no home region to point at), the alarms with the quorum, a Silent alarm per location.
    const [homeFn] = ofType('SyntheticMonitor', 'AWS::Lambda::Function');
    expect((homeFn!.Environment as { Variables: Record<string, string> }).Variables).toEqual({
      SYNTHMON_LOCATION: 'us-east-1',
      SYNTHMON_INCIDENT_TABLE: { Ref: expect.stringMatching(/^MonitorIncidentsTable/) },
    });
    const alarms = ofType('SyntheticMonitor', 'AWS::CloudWatch::Alarm');
    const insights = alarms.filter((a) => Array.isArray(a.Metrics));
    expect(insights.map((a) => [a.AlarmName, a.Threshold])).toEqual([
      // Undelivered pages: counted by whichever runner holds the outbox, so no quorum.
      ['SyntheticMonitor-Monitor-NotificationFailures', 1],
      ['SyntheticMonitor-Monitor-Refused-60s', 2],
      ['SyntheticMonitor-Monitor-Forbidden-60s', 2],
      ['SyntheticMonitor-Monitor-Failing-60s', 2],
    ]);
    expect(
      alarms
        .map((a) => a.AlarmName)
        .filter((n) => String(n).includes('Silent'))
        .sort(),
    ).toEqual(['ap-southeast-1', 'eu-west-1', 'us-east-1'].map((l) => `SyntheticMonitor-Monitor-Silent-60s-0-${l}`));
    expect(ofType('SyntheticMonitor', 'AWS::SNS::Topic')).toHaveLength(1);
    expect(ofType('SyntheticMonitor', 'AWS::CloudWatch::Dashboard')).toHaveLength(1);
  });

  it('stops with every configuration problem and exit status 1, without a stack trace', () => {
    const file = join(work, 'bad.json');
    writeFileSync(file, JSON.stringify({ checks: [{ name: 'Bad Name', kind: 'http', url: 'ftp://x' }], intervalSeconds: 45 }));
    const run = runApp({ config: file }, join(work, 'bad'));
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`Invalid configuration in ${file} (3 problems):`);
    expect(run.stderr).toContain('intervalSeconds must be one of 10, 20, 30, 60, 120, 300, 600, 900, 1800, 3600');
    expect(run.stderr).toContain('checks[0].name must be 1-40 lower-case letters');
    expect(run.stderr).toContain('checks[0].url must use http:// or https:// for an http check, got "ftp://x"');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('names a configuration file that does not exist', () => {
    const run = runApp({ config: join(work, 'missing.json') }, join(work, 'missing'));
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`Invalid configuration in ${join(work, 'missing.json')} (1 problem):\n  - cannot read the file: ENOENT`);
  });
});
