/**
 * `synthmon probe --config FILE --junit FILE.xml`: the run as JUnit XML, the report format CI
 * systems read (Jenkins, GitLab, GitHub Actions reporters, Azure Pipelines): one `testsuite` for
 * the configuration, one `testcase` per check; a failing check carries a `failure` whose `type` is
 * the outcome (and cause), whose `message` is the probe's message, and whose text adds the status
 * and the attempt count. An `error` outcome (the probe could not run: a token unreadable) is an
 * `error` element, as JUnit separates a broken test from a failing one. The structure follows
 * Jenkins' JUnit schema (jenkinsci/xunit-plugin, junit-10.xsd); test/report/junit.xsd states it.
 * Messages are already redacted; `scrub` masks again.
 */
import type { CheckResult } from '../../contracts/result';

/** Escape for XML text and attributes; drops characters XML 1.0 cannot carry. */
export function escapeXml(text: string): string {
  const legal = text.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '');
  return legal.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** Seconds with millisecond precision, as JUnit's `time` attributes take them. */
const seconds = (ms: number) => (Math.max(0, ms) / 1000).toFixed(3);

/** The JUnit XML of one probe run. */
export function junitXml(results: readonly CheckResult[], opts: { suite: string; startedAt: Date; scrub?: (text: string) => string }): string {
  const x = (text: string) => escapeXml((opts.scrub ?? ((t: string) => t))(text));
  const failures = results.filter((r) => !r.ok && r.outcome !== 'error').length;
  const errors = results.filter((r) => r.outcome === 'error').length;
  const total = results.reduce((sum, r) => sum + r.timings.totalMs, 0);
  const cases = results.map((r) => {
    const head = `    <testcase name="${x(r.check)}" classname="synthmon.${x(r.kind)}" time="${seconds(r.timings.totalMs)}"`;
    if (r.ok) return `${head}/>`;
    const type = r.cause ? `${r.outcome}/${r.cause}` : r.outcome;
    const element = r.outcome === 'error' ? 'error' : 'failure';
    const detail = [
      `outcome: ${r.outcome}`,
      ...(r.cause ? [`cause: ${r.cause}`] : []),
      ...(r.status !== undefined ? [`status: ${r.status}`] : []),
      `attempts: ${r.attempts}`,
      `url: ${r.url}`,
      `message: ${r.message}`,
    ].join('\n');
    return `${head}>\n      <${element} type="${x(type)}" message="${x(r.message)}">${x(detail)}</${element}>\n    </testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="synthmon" tests="${results.length}" failures="${failures}" errors="${errors}" time="${seconds(total)}">`,
    `  <testsuite name="${x(opts.suite)}" tests="${results.length}" failures="${failures}" errors="${errors}" skipped="0" time="${seconds(total)}" timestamp="${opts.startedAt.toISOString().slice(0, 19)}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
