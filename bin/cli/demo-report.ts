/** `synthmon demo --report FILE.html`: the finished walk as one self-contained HTML page. */
import type { DemoSummary } from '../../demo/demo';
import { demoReport } from '../../demo/report';
import type { Io } from './io';
import { writeReportFile } from './report-files';

/** Write the demo's report; false (and a line on stderr) when the file cannot be written. */
export function writeDemoReport(io: Io, file: string, summary: DemoSummary): boolean {
  // The demo's token is generated per run and never leaves runDemo; its texts are redacted there.
  const ok = writeReportFile(io, file, demoReport(summary), (text) => text);
  if (ok) io.out(`report: ${file}`);
  return ok;
}
