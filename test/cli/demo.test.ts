/**
 * `synthmon demo` (what `npm start` runs): the built CLI runs the embedded default against the local
 * replica to the end by itself, with no AWS account and no network beyond loopback.
 */
import { describe, expect, it } from 'vitest';
import { runCli } from './support';

describe('synthmon demo', () => {
  it('walks the default checks through the scripted regressions and exits 0 with plain text on a pipe', async () => {
    const run = await runCli(['demo'], { env: { NO_COLOR: '1' }, killAfterMs: 110_000 });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    // The default configuration's two checks, each probed more than once.
    expect(run.stdout.match(/chat-websocket {2}ok /g)?.length).toBeGreaterThan(1);
    expect(run.stdout.match(/buyer-orders {4}ok /g)?.length).toBeGreaterThan(1);
    expect(run.stdout).toContain('forbidden');
    expect(run.stdout).toContain('refused');
    expect(run.stdout).not.toContain('\u001b[');
  }, 120_000);
});
