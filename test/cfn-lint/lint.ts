/**
 * cfn-lint over the monitor's synthesized templates (nested stacks included): the templates are
 * synthesized as `cdk synth` writes them (cdk.json's feature flags, no bundling: the function code is
 * not what cfn-lint reads), written to a temporary cloud assembly, and linted in one cfn-lint run.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import type { MonitorConfigInput } from '../../contracts/config';
import { buildMonitorStacks } from '../../lib/monitor-stack';
import { cdkJsonFeatureFlags } from '../lib/support';

/** One cfn-lint finding (its JSON output format). */
export interface LintFinding {
  readonly Rule: { readonly Id: string; readonly Description: string };
  readonly Level: 'Error' | 'Warning' | 'Informational';
  readonly Message: string;
  readonly Filename: string;
  readonly Location?: { readonly Path?: readonly (string | number)[] };
}

/** Whether cfn-lint can be run here (CI and these machines have it: `pip install cfn-lint`). */
export function cfnLintVersion(): string | undefined {
  const r = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8', timeout: 60_000 });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** Synthesize a configuration's stacks into a fresh directory; returns it and the template files. */
export function synthTemplates(config: MonitorConfigInput, stackName = 'SyntheticMonitor'): { dir: string; templates: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'synthmon-lint-'));
  const app = new App({ outdir: dir, context: { ...cdkJsonFeatureFlags(), 'aws:cdk:bundling-stacks': [] } });
  buildMonitorStacks(app, stackName, config);
  app.synth();
  const templates = readdirSync(dir)
    .filter((f) => f.endsWith('.template.json'))
    .map((f) => join(dir, f));
  return { dir, templates };
}

/** Run cfn-lint over template files; every finding (errors, warnings and informational). */
export function cfnLint(templates: readonly string[]): LintFinding[] {
  if (templates.length === 0) return [];
  const r = spawnSync('cfn-lint', ['--format', 'json', '--non-zero-exit-code', 'none', '--', ...templates], {
    encoding: 'utf8',
    timeout: 600_000,
    maxBuffer: 256 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`cfn-lint exited ${r.status}: ${r.stderr.slice(0, 2000)}`);
  return JSON.parse(r.stdout || '[]') as LintFinding[];
}

/** Synthesize and lint a configuration; the temporary assembly is removed on every path. */
export function lintConfig(config: MonitorConfigInput, stackName?: string): { templates: number; findings: LintFinding[] } {
  const { dir, templates } = synthTemplates(config, stackName);
  try {
    return { templates: templates.length, findings: cfnLint(templates) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Findings counted per rule id, e.g. { E3002: 4 }. */
export function countByRule(findings: readonly LintFinding[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of findings) out[f.Rule.Id] = (out[f.Rule.Id] ?? 0) + 1;
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}
