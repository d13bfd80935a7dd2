/**
 * `synthmon demo` (what `npm start` runs): the built CLI runs the embedded default against the local
 * replica to the end by itself, with no AWS account and no network beyond loopback, tells it in at
 * most about 100 lines ending with one line per incident, and writes the --report file.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, scratch } from './support';

describe('synthmon demo', () => {
  it('walks the default checks through the scripted regressions, quietly, and exits 0 with plain text on a pipe and a report file', async () => {
    const dir = scratch();
    try {
      const report = join(dir.dir, 'demo.html');
      const run = await runCli(['demo', '--report', report], { env: { NO_COLOR: '1' }, killAfterMs: 110_000 });
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const lines = run.stdout.trimEnd().split('\n');
      // At most about 100 lines: the story, then the report's path.
      expect(lines.length).toBeLessThanOrEqual(101);
      expect(lines.at(-1)).toBe(`report: ${report}`);
      // One line per incident: the pipeline's pages per channel, time to page and to recover, the backstop's count.
      expect(
        lines
          .slice(-6, -1)
          .every((l) => /^incident {2}\S.* pagerDuty .*, (paged after \S+|not paged), .*; backstop alarms \d+ notifications?/.test(l)),
      ).toBe(true);
      expect(lines.slice(-6, -3).every((l) => l.includes('pagerDuty 1 page + 1 resolve'))).toBe(true);
      // The default configuration's checks, their outcomes, the pages.
      expect(run.stdout).toMatch(/^T\+00:00 {2}chat-websocket {2}ok {2}HTTP 101$/m);
      expect(run.stdout).toMatch(/^T\+00:00 {2}buyer-orders {4}ok {2}HTTP 200$/m);
      expect(run.stdout).toContain('FORBIDDEN (origin_rejected)');
      expect(run.stdout).toContain('REFUSED');
      // Each page as the local PagerDuty received it, with its cause and fix.
      expect(run.stdout).toMatch(/^T\+\d\d:\d\d {2}PAGE {3}pagerDuty trigger critical {2}dedup_key synthmon\/SyntheticMonitor\//m);
      expect(run.stdout).toMatch(/^ {11}chat-websocket: forbidden \(HTTP 403\): origin rejected: .* — ALLOWED_HOSTS/m);
      expect(run.stdout).toMatch(/^ {11}2 checks on 127\.0\.0\.1: forbidden \(HTTP 403\): token sent but not recognized: .* — REST_FRAMEWORK/m);
      expect(run.stdout).toMatch(/^ {11}3 checks on 127\.0\.0\.1: refused \(TCP connection refused/m);
      expect(run.stdout.match(/PAGE {3}pagerDuty resolve /g)).toHaveLength(3);
      expect(run.stdout).toMatch(/^T\+\d\d:\d\d {2}muted {2}pagerDuty trigger /m);
      expect(run.stdout).not.toContain('\u001b[');
      const html = readFileSync(report, 'utf8');
      expect(html).toMatch(/^<!doctype html>/);
      expect(html).toContain('planned work: backend refusing connections');
      // The report keeps the page texts: the pipeline's summaries.
      expect(html).toContain('origin rejected: the handshake succeeds with the target');
      expect(html).toContain('token sent but not recognized');
    } finally {
      dir.cleanup();
    }
  }, 120_000);
});
