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
  const env: NodeJS.ProcessEnv = { ...process.env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify({ 'aws:cdk:bundling-stacks': [], ...context }) };
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
    const suppressed = Object.values(template.Resources as Record<string, { Type: string; Metadata?: { cdk_nag?: { rules_to_suppress: Array<{ id: string }> } } }>)
      .flatMap((r) => (r.Metadata?.cdk_nag?.rules_to_suppress ?? []).map((rule) => `${r.Type} ${rule.id}`))
      .sort();
    expect(suppressed).toEqual(['AWS::IAM::Policy AwsSolutions-IAM5[Resource::*]']);
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
