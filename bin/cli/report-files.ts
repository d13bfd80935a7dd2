/**
 * The report files of `synthmon probe --config FILE --report FILE.html --junit FILE.xml` and
 * `synthmon demo --report FILE.html`: written after the run, every text scrubbed of every token the
 * configuration names (whatever a message might carry) on top of the probe's own redaction.
 */
import { writeFileSync } from 'node:fs';
import type { MonitorConfig } from '../../contracts/config';
import type { CheckResult } from '../../contracts/result';
import { redact } from '../../lambda/redact';
import { MIN_TOKEN_LENGTH } from '../../lambda/tokens';
import type { Io } from './io';
import { junitXml } from './junit';
import { probeReport, type ReportData } from './report';
import { renderReportHtml } from './report-html';

/** Masks every token value the configuration's tokens hold in the environment. */
export function tokenScrubber(
  config: Pick<MonitorConfig, 'tokens'>,
  env: NodeJS.ProcessEnv,
  extra: readonly string[] = [],
): (text: string) => string {
  const secrets = [...Object.values(config.tokens).map((t) => env[t.env]), ...extra].flatMap((v) =>
    v && v.trim().length >= MIN_TOKEN_LENGTH ? [v.trim()] : [],
  );
  return (text) => secrets.reduce((out, secret) => redact(out, secret), text);
}

/** Write one file; false (and a line on stderr naming the file and why) when it cannot be written. */
function write(io: Io, flag: string, file: string, text: string): boolean {
  try {
    writeFileSync(file, text);
    return true;
  } catch (err) {
    io.err(`synthmon: cannot write ${flag} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    return false;
  }
}

/** The --report and --junit files of a probe run; false when one could not be written. */
export function writeProbeReports(
  cmd: { readonly reportFile?: string; readonly junitFile?: string; readonly configFile?: string },
  results: readonly CheckResult[],
  run: { readonly config: MonitorConfig; readonly startedAt: Date; readonly io: Io },
): boolean {
  const scrub = tokenScrubber(run.config, run.io.env);
  const source = cmd.configFile ?? 'configuration';
  let ok = true;
  if (cmd.reportFile)
    ok = write(run.io, '--report', cmd.reportFile, renderReportHtml(probeReport(results, source, run.startedAt, new Date()), scrub)) && ok;
  if (cmd.junitFile) ok = write(run.io, '--junit', cmd.junitFile, junitXml(results, { suite: source, startedAt: run.startedAt, scrub })) && ok;
  return ok;
}

/** The demo's --report file. */
export function writeReportFile(io: Io, file: string, data: ReportData, scrub: (text: string) => string): boolean {
  return write(io, '--report', file, renderReportHtml(data, scrub));
}
