/** Validating a configuration: every problem reported at once, one per field, as a ConfigError. */
import { readFileSync } from 'node:fs';
import type { Check } from './checks';
import { MonitorConfigSchema, type MonitorConfig } from './monitor';
import { ConfigError, describeIssue, fallbackMessage, type ConfigProblem } from './problems';

/** Validate raw configuration; throws ConfigError naming every problem with its path and input. */
export function parseConfig(raw: unknown, source = 'configuration'): MonitorConfig {
  const result = MonitorConfigSchema.safeParse(raw, { reportInput: true, error: fallbackMessage });
  if (result.success) return result.data;
  // One field, one problem: the first rule it broke (the field builders stop at their first, and a
  // cross-field rule never adds to a field that already has one; this is the last safety net).
  const seen = new Set<string>();
  const problems: ConfigProblem[] = [];
  for (const { field, problem } of result.error.issues.flatMap(describeIssue)) {
    if (seen.has(field)) continue;
    seen.add(field);
    problems.push(problem);
  }
  throw new ConfigError(source, problems);
}

/** Validate one check on its own, as the only check of a configuration (the benchmark's and the tests' checks). */
export function parseCheck(raw: unknown, source = 'check'): Check {
  return parseConfig({ checks: [raw] }, source).checks[0]!;
}

/** Read and validate a JSON configuration file. */
export function loadConfigFile(file: string): MonitorConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [{ message: `cannot read the file: ${(err as NodeJS.ErrnoException).code ?? String(err)}` }]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(file, [{ message: `not valid JSON: ${(err as Error).message}` }]);
  }
  return parseConfig(raw, file);
}
