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
      expect(lines.slice(-6, -1).every((l) => /^incident {2}\S.* \d+ notifications?.*, (paged after \d+m\d\ds|not paged), /.test(l))).toBe(true);
      // The default configuration's checks, their outcomes, the pages.
      expect(run.stdout).toMatch(/^T\+00:00 {2}chat-websocket {2}ok {2}HTTP 101$/m);
      expect(run.stdout).toMatch(/^T\+00:00 {2}buyer-orders {4}ok {2}HTTP 200$/m);
      expect(run.stdout).toContain('FORBIDDEN (origin_rejected)');
      expect(run.stdout).toContain('REFUSED');
      expect(run.stdout).toMatch(/^T\+\d\d:\d\d {2}PAGE {3}ALARM /m);
      expect(run.stdout).toMatch(/^T\+\d\d:\d\d {2}muted {2}ALARM /m);
      expect(run.stdout).not.toContain('\u001b[');
      const html = readFileSync(report, 'utf8');
      expect(html).toMatch(/^<!doctype html>/);
      expect(html).toContain('planned work: backend refusing connections');
    } finally {
      dir.cleanup();
    }
  }, 120_000);
});
