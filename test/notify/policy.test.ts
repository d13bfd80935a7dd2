/** The pieces of the delivery policy and the shared texts that need no receiver. */
import { describe, expect, it } from 'vitest';
import { classifyStatus, deliverWithRetries, MAX_ATTEMPTS, retryAfterMs, type AttemptOutcome } from '../../lambda/notify/retry';
import { cut, plainText } from '../../lambda/notify/text';
import { sampleNotification } from './support';

describe('cut', () => {
  it('keeps short text as is and cuts long text to the limit with an ellipsis', () => {
    expect(cut('abc', 3)).toBe('abc');
    expect(cut('abcdef', 4)).toBe('abc…');
  });

  it('never splits a surrogate pair', () => {
    const text = `${'a'.repeat(1022)}😀tail`;
    const out = cut(text, 1024);
    expect(out.length).toBeLessThanOrEqual(1024);
    expect(out).toBe(`${'a'.repeat(1022)}…`);
    expect(() => encodeURIComponent(out)).not.toThrow();
  });
});

describe('Retry-After', () => {
  it('reads delta-seconds and an HTTP date, and ignores what it cannot read', () => {
    const now = Date.parse('2026-12-04T16:00:00Z');
    expect(retryAfterMs('3', now)).toBe(3000);
    expect(retryAfterMs('Fri, 04 Dec 2026 16:00:10 GMT', now)).toBe(10_000);
    expect(retryAfterMs('Fri, 04 Dec 2026 15:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(undefined, now)).toBeUndefined();
  });
});

describe('status policy', () => {
  it.each<[number, boolean, boolean]>([
    [200, true, false],
    [202, true, false],
    [204, true, false],
    [301, false, false],
    [400, false, false],
    [401, false, false],
    [404, false, false],
    [410, false, false],
    [429, false, true],
    [500, false, true],
    [503, false, true],
  ])('HTTP %i: ok %s, retryable %s', (status, ok, retryable) => {
    expect(classifyStatus(status, 'X', '')).toMatchObject({ ok, retryable, status });
  });

  it('gives up after MAX_ATTEMPTS however long the deadline', async () => {
    let calls = 0;
    const attempt = async (): Promise<AttemptOutcome> => {
      calls += 1;
      return { ok: false, retryable: true, error: 'X failed (HTTP 500)' };
    };
    const waits: number[] = [];
    const d = await deliverWithRetries('x', attempt, { deadline: Date.now() + 3_600_000, random: () => 0, sleep: async (ms) => void waits.push(ms) });
    // 250 ms doubling, halved by the jitter's floor, capped at 2 s (also halved).
    expect(waits).toEqual([125, 250, 500, 1000, 1000, 1000, 1000]);
    expect(calls).toBe(MAX_ATTEMPTS);
    expect(d).toMatchObject({ ok: false, retryable: true, attempts: MAX_ATTEMPTS, error: `X failed (HTTP 500) (${MAX_ATTEMPTS} attempts)` });
  });
});

describe('plain text page', () => {
  it('leads with the summary and carries the fix, locations and links', () => {
    const n = sampleNotification();
    const text = plainText(n);
    expect(text.split('\n')[0]).toBe(`Incident opened (critical): ${n.summary}`);
    expect(text).toContain(`Fix: ${n.fix}`);
    expect(text).toContain('us-east-1: unauthorized (credentials_not_recognized), HTTP 401, at 2026-12-04T16:00:02.000Z');
    expect(text).toContain(`Logs: ${n.links!.logs}`);
  });
});
