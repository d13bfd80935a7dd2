import { Writable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import defaultConfigJson from '../config/default.json';
import { parseConfig } from '../contracts/config';
import { alarmDefinitions } from '../lib/alarms/definitions';
import { demoConfig, runDemo, type DemoSummary } from '../demo/demo';

/** Alphanumeric so every encoded form is the same string: one search covers them all. */
const CANARY = 'dem0canary5ecretT0ken7f3a9c00000000000ab';
const MINUTE = 60_000;
/** Handles that would keep a process alive or a port open. (An Immediate runs once on the next turn: not a leak, and the runner schedules its own.) */
const LEAKABLE = ['TCPSocketWrap', 'TCPServerWrap', 'TLSWrap', 'Timeout'];

function capture(isTTY = false) {
  const chunks: string[] = [];
  const out = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  if (isTTY) Object.assign(out, { isTTY: true });
  return { out, text: () => chunks.join('') };
}

function leakable(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) if (LEAKABLE.includes(r)) counts[r] = (counts[r] ?? 0) + 1;
  return counts;
}

/** Run the demo and check it left no socket, server or timer behind. */
async function demo(options: Parameters<typeof runDemo>[0]): Promise<DemoSummary> {
  const before = leakable();
  const summary = await runDemo({ minuteMs: 0, token: CANARY, ...options });
  const after = leakable();
  for (const [kind, n] of Object.entries(after)) expect(n, `${kind} left behind`).toBeLessThanOrEqual(before[kind] ?? 0);
  return summary;
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('demo (npm start)', () => {
  it('walks the seed regressions: each pages through its alarm with the right cause, and all alarms end OK', async () => {
    const { out, text } = capture();
    const summary = await demo({ out, color: false });
    const output = text();

    expect(summary.surprises).toEqual([]);
    expect(summary.ok).toBe(true);
    const by = (regression: string) => summary.regressions.find((r) => r.regression === regression)!;

    const origin = by('origin-rejected');
    expect(origin.observed).toEqual({ 'chat-websocket': ['forbidden/origin_rejected'], 'buyer-orders': ['ok'] });
    expect(origin.detectedBy).toContainEqual(expect.objectContaining({ alarm: 'chat-websocket-Forbidden', kind: 'Forbidden', afterMs: MINUTE }));
    expect(origin.detectedBy.filter((d) => d.check === 'buyer-orders')).toEqual([]);

    const token = by('token-auth-removed');
    expect(token.observed).toEqual({ 'chat-websocket': ['ok'], 'buyer-orders': ['forbidden/credentials_not_recognized'] });
    expect(token.detectedBy).toContainEqual(expect.objectContaining({ alarm: 'buyer-orders-Forbidden', afterMs: MINUTE }));
    expect(token.detectedBy.filter((d) => d.check === 'chat-websocket')).toEqual([]);

    const refusing = by('refusing');
    expect(refusing.observed).toEqual({ 'chat-websocket': ['refused'], 'buyer-orders': ['refused'] });
    for (const alarm of ['chat-websocket-Refused', 'buyer-orders-Refused']) {
      expect(refusing.detectedBy).toContainEqual(expect.objectContaining({ alarm, kind: 'Refused', afterMs: MINUTE }));
      expect(refusing.recoveredBy.map((r) => r.alarm)).toContain(alarm);
    }

    // Exactly the expected pages: no Silent, no alarm of the check that kept working.
    const paged = summary.transitions.filter((t) => t.to === 'ALARM').map((t) => t.alarm);
    expect(paged.sort()).toEqual(
      [
        'chat-websocket-Forbidden', 'chat-websocket-Failing',
        'buyer-orders-Forbidden', 'buyer-orders-Failing',
        'chat-websocket-Refused', 'buyer-orders-Refused', 'chat-websocket-Failing', 'buyer-orders-Failing',
      ].sort(),
    );
    expect(Object.values(summary.finalStates)).toEqual(Array(8).fill('OK'));

    // Datapoints carry simulated timestamps inside their minute.
    for (const minute of summary.minutes) {
      const start = summary.simulatedStartMs + minute.index * MINUTE;
      for (const d of minute.datums) expect((d.Timestamp as Date).getTime()).toSatisfy((t: number) => t >= start && t < start + MINUTE);
    }

    expect(output).toContain('compressed: 1 simulated minute = 0 ms');
    expect(output).toMatch(/T\+03:00 {2}ALARM {2}chat-websocket-Forbidden {2}OK → ALARM {2}detected 1m00s after "origin rejected" started/);
    expect(output).toMatch(/chat-websocket +FORBIDDEN \(origin_rejected\) {2}HTTP 403/);
    expect(output).toMatch(/buyer-orders +FORBIDDEN \(credentials_not_recognized\) {2}HTTP 403/);
    expect(output).toMatch(/T\+08:00 {2}ALARM {2}buyer-orders-Forbidden {2}OK → ALARM/);
    expect(output).toMatch(/T\+13:00 {2}ALARM {2}chat-websocket-Refused/);
    expect(output).toMatch(/T\+13:00 {2}ALARM {2}buyer-orders-Refused/);
    expect(output).toContain('Failures{Reason=forbidden}=1');
    expect(output).toContain('final: all 8 alarms OK');
    expect(output).not.toContain('\x1b[');
    expect(output).not.toContain(CANARY);
    expect(JSON.stringify(summary)).not.toContain(CANARY);
  });

  it('reports ok false when the walk ends with an alarm still firing', async () => {
    const { out, text } = capture();
    const summary = await demo({ out, color: false, scenario: [{ regression: 'refusing', minutes: 1 }] });
    expect(summary.ok).toBe(false);
    expect(summary.surprises).toContain('chat-websocket-Refused ended in ALARM, not OK');
    expect(text()).toContain('unexpected: buyer-orders-Refused ended in ALARM, not OK');
  });

  it('colours the timeline on a TTY unless NO_COLOR is set', async () => {
    const tty = capture(true);
    await demo({ out: tty.out, scenario: [{ regression: 'healthy', minutes: 1 }] });
    expect(tty.text()).toContain('\x1b[32m');

    vi.stubEnv('NO_COLOR', '1');
    const plain = capture(true);
    await demo({ out: plain.out, scenario: [{ regression: 'healthy', minutes: 1 }] });
    expect(plain.text()).not.toContain('\x1b[');
    expect(plain.text()).toContain('all 8 alarms INSUFFICIENT_DATA → OK');
  });

  it('evaluates the deployed alarm definitions: the demo config differs from config/default.json only in URLs and the compressed clock', () => {
    const deployed = alarmDefinitions(parseConfig(defaultConfigJson));
    const local = alarmDefinitions(demoConfig({ port: 12345 }, { settleMs: 150, retryDelayMs: 100, timeoutMs: 3000 }));
    const strip = ({ description: _d, ...rest }: (typeof deployed)[number]) => rest;
    expect(local.map(strip)).toEqual(deployed.map(strip));
  });
});
