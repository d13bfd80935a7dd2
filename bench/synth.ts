/**
 * Scale of the deployment (docs/DESIGN.md#stacks-that-scale): a fleet of 1,000 checks in three locations synthesized the
 * way `cdk synth` does it — cdk.json's `app` command (bin/app.ts under tsx: validation, the stacks,
 * cdk-nag) in a child process, with the CLI's two inputs, CDK_OUTDIR and CDK_CONTEXT_JSON (cdk.json's
 * context plus the configuration file), and the real local esbuild bundling of every runner. No
 * credentials and no network: the stacks of named locations pin only their region.
 *
 * Then every template of the cloud assembly, nested stacks included, is counted against
 * CloudFormation's and CloudWatch's quotas: resources and outputs per stack, template size, widgets
 * of the dashboard; and what must not grow with checks: Lambda functions and IAM roles.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { largeFleetConfig } from './fleet';

export interface StackCount {
  /** Template file name without `.template.json` (nested stacks end in `.nested`). */
  readonly stack: string;
  readonly resources: number;
  readonly outputs: number;
  readonly templateBytes: number;
}

export interface SynthScaleResult {
  readonly checks: number;
  readonly locations: readonly string[];
  /** Wall time of the app command: load, validate, build, bundle every runner, cdk-nag, write. */
  readonly synthSeconds: number;
  /** Templates in the assembly, nested stacks included. */
  readonly stacks: number;
  readonly maxResourcesPerStack: number;
  readonly maxTemplateBytes: number;
  readonly maxOutputsPerStack: number;
  /** Widgets of the largest dashboard. */
  readonly dashboardWidgets: number;
  readonly functions: number;
  readonly roles: number;
  readonly alarms: number;
  readonly schedules: number;
  /** Runner bundles built (esbuild, one per location's function), as the app reported them. */
  readonly bundlings: number;
  /** Distinct code assets in the assembly (functions with identical output share one). */
  readonly assets: number;
  readonly perStack: readonly StackCount[];
}

type Template = { Resources?: Record<string, { Type: string; Properties?: Record<string, unknown> }>; Outputs?: Record<string, unknown> };

/** The dashboard body with every intrinsic (an alarm ARN, the region) replaced by a placeholder string. */
function dashboardBody(body: unknown): string {
  if (typeof body === 'string') return body;
  const join = (body as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (!join) throw new Error(`unexpected DashboardBody ${JSON.stringify(body).slice(0, 200)}`);
  return join[1].map((part) => (typeof part === 'string' ? part : 'X')).join(join[0]);
}

/**
 * Synthesize a generated fleet of `checks` checks in `locations` with cdk.json's app command, then
 * count. Throws with the app's output when the synth fails (a fleet that does not synthesize is a
 * finding, not a number).
 */
export function measureScaleSynth(opts: { projectRoot: string; checks: number; locations: readonly string[]; timeoutMs: number }): SynthScaleResult {
  const work = mkdtempSync(join(tmpdir(), 'synthmon-scale-'));
  try {
    const configFile = join(work, 'fleet.json');
    writeFileSync(configFile, JSON.stringify(largeFleetConfig({ checks: opts.checks, locations: opts.locations })));
    const cdkJson = JSON.parse(readFileSync(join(opts.projectRoot, 'cdk.json'), 'utf8')) as { app: string; context?: Record<string, unknown> };
    const outdir = join(work, 'cdk.out');
    const t0 = performance.now();
    const r = spawnSync('sh', ['-c', cdkJson.app], {
      cwd: opts.projectRoot,
      env: {
        ...process.env,
        CDK_OUTDIR: outdir,
        CDK_CONTEXT_JSON: JSON.stringify({ ...cdkJson.context, config: configFile }),
        // No instance metadata lookups: nothing here may leave the machine.
        AWS_EC2_METADATA_DISABLED: 'true',
      },
      encoding: 'utf8',
      timeout: opts.timeoutMs,
      maxBuffer: 64 * 1024 * 1024,
    });
    const synthSeconds = (performance.now() - t0) / 1000;
    if (r.status !== 0)
      throw new Error(`synthesizing ${opts.checks} checks failed (${r.status ?? r.signal}): ${`${r.stderr}${r.stdout}`.trim().slice(-3000)}`);

    const perStack: StackCount[] = [];
    const resources: Array<{ Type: string; Properties?: Record<string, unknown> }> = [];
    for (const file of readdirSync(outdir)
      .filter((f) => f.endsWith('.template.json'))
      .sort()) {
      const path = join(outdir, file);
      const template = JSON.parse(readFileSync(path, 'utf8')) as Template;
      const own = Object.values(template.Resources ?? {});
      resources.push(...own);
      perStack.push({
        stack: file.replace(/\.template\.json$/, ''),
        resources: own.length,
        outputs: Object.keys(template.Outputs ?? {}).length,
        templateBytes: statSync(path).size,
      });
    }
    const count = (type: string) => resources.filter((x) => x.Type === type).length;
    const widgets = resources
      .filter((x) => x.Type === 'AWS::CloudWatch::Dashboard')
      .map((x) => (JSON.parse(dashboardBody(x.Properties?.DashboardBody)) as { widgets: unknown[] }).widgets.length);
    return {
      checks: opts.checks,
      locations: opts.locations,
      synthSeconds,
      stacks: perStack.length,
      maxResourcesPerStack: Math.max(...perStack.map((s) => s.resources)),
      maxTemplateBytes: Math.max(...perStack.map((s) => s.templateBytes)),
      maxOutputsPerStack: Math.max(...perStack.map((s) => s.outputs)),
      dashboardWidgets: Math.max(0, ...widgets),
      functions: count('AWS::Lambda::Function'),
      roles: count('AWS::IAM::Role'),
      alarms: count('AWS::CloudWatch::Alarm'),
      schedules: count('AWS::Scheduler::Schedule'),
      bundlings: (`${r.stderr}${r.stdout}`.match(/Bundling asset /g) ?? []).length,
      assets: readdirSync(outdir).filter((f) => f.startsWith('asset.')).length,
      perStack,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
