import { Writable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import defaultConfigJson from '../../config/default.json';
import { parseConfig } from '../../contracts/config';
import { alarmDefinitions } from '../../lib/alarms/definitions';
import { demoConfig, runDemo, type DemoSummary } from '../../demo/demo';

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
  it('walks the seed regressions through the runner: each pages through its class alarm with the right cause, the fast check within seconds, and all alarms end OK', async () => {
    const { out, text } = capture();
    const summary = await demo({ out, color: false });
    const output = text();

    expect(summary.surprises).toEqual([]);
    expect(summary.ok).toBe(true);
    const by = (regression: string) => summary.regressions.find((r) => r.regression === regression)!;
    const pages = (r: ReturnType<typeof by>) => r.detectedBy.filter((d) => d.check).map((d) => `${d.alarm}/${d.check}@${d.afterMs / 1000}s`);

    const origin = by('origin-rejected');
    expect(origin.observed).toEqual({ 'chat-websocket': ['forbidden/origin_rejected'], 'buyer-orders': ['ok'], 'orders-fast': ['ok'] });
    expect(pages(origin).sort()).toEqual(['Failing-60s/chat-websocket@120s', 'Forbidden-60s/chat-websocket@60s']);

    const token = by('token-auth-removed');
    expect(token.observed).toEqual({
      'chat-websocket': ['ok'],
      'buyer-orders': ['forbidden/credentials_not_recognized'],
      'orders-fast': ['forbidden/credentials_not_recognized'],
    });
    // The fast check's own 10 s alarm pages within seconds; the class alarms at the end of their minute.
    expect(pages(token).sort()).toEqual(
      [
        'Failing-60s/buyer-orders@120s',
        'Failing-orders-fast/orders-fast@10s',
        'Forbidden-10s/orders-fast@60s',
        'Forbidden-60s/buyer-orders@60s',
      ].sort(),
    );

    const refusing = by('refusing');
    expect(refusing.observed).toEqual({ 'chat-websocket': ['refused'], 'buyer-orders': ['refused'], 'orders-fast': ['refused'] });
    expect(pages(refusing)).toEqual(
      expect.arrayContaining([
        'Refused-60s/chat-websocket@60s',
        'Refused-60s/buyer-orders@60s',
        'Refused-10s/orders-fast@60s',
        'Failing-orders-fast/orders-fast@10s',
      ]),
    );
    // The planned restart: the same alarms evaluate and change state, but the maintenance window
    // holds every page: the pipeline's at the channel, the alarms' in the backstop notifier (its 4
    // triggers held, their recoveries resolve silently).
    const planned = summary.regressions.find((r) => r.planned)!;
    expect(planned.label).toBe('planned work: backend refusing connections');
    expect(pages(planned).sort()).toEqual(pages(refusing).sort());
    expect(planned).toMatchObject({ notifications: 0, muted: 4, pipeline: { triggers: 0, resolves: 0, muted: 2 } });
    expect(planned.timeToPageMs).toBeUndefined();
    expect(summary.pages.filter((p) => p.incident === planned.label).every((p) => p.mutedBy === 0)).toBe(true);
    // Per incident: the pipeline's pages per channel (1 page + 1 resolve), the backstop notifier's
    // (none for an incident the pipeline paged: its class alarms are covered; the certificate's page), time to page (the pipeline's trigger, as its first failing run ended; the certificate's
    // alarm) and to recover (the pipeline's resolve after 2 passing runs; else the alarms' last OK).
    expect(
      summary.regressions.map((r) => [
        r.label,
        r.pipeline,
        r.notifications,
        r.timeToRecoverMs === undefined ? undefined : Math.round(r.timeToRecoverMs / 1000) * 1000,
      ]),
    ).toEqual([
      ['origin rejected', { triggers: 1, updates: 0, resolves: 1, muted: 0 }, 0, MINUTE],
      ['token authentication removed', { triggers: 1, updates: 0, resolves: 1, muted: 0 }, 0, MINUTE],
      ['backend refusing connections', { triggers: 1, updates: 0, resolves: 1, muted: 0 }, 0, MINUTE],
      ['planned work: backend refusing connections', { triggers: 0, updates: 0, resolves: 0, muted: 2 }, 0, undefined],
      ['certificate expiring', { triggers: 0, updates: 0, resolves: 0, muted: 0 }, 1, undefined],
    ]);
    // The page goes out as the first failing run ends: within its deadline, long before any alarm.
    for (const r of [origin, token, refusing]) expect(r.timeToPageMs).toBeLessThan(5_000);
    expect(by('certificate-expiring').timeToPageMs).toBe(2 * MINUTE);
    // Each page exactly as the PagerDuty endpoint received it: trigger with summary (the cause and its fix), severity, dedup_key; then resolve with the same key.
    const received = summary.pages.filter((p) => p.source === 'incident' && p.received).map((p) => ({ incident: p.incident, ...p.received }));
    const keys = [...new Set(received.map((e) => e.dedup_key))];
    expect(keys).toHaveLength(3);
    for (const k of keys) expect(received.filter((e) => e.dedup_key === k).map((e) => e.event_action)).toEqual(['trigger', 'resolve']);
    const triggers = received.filter((e) => e.event_action === 'trigger');
    expect(triggers.map((e) => [e.incident, e.severity])).toEqual([
      ['origin rejected', 'critical'],
      ['token authentication removed', 'critical'],
      ['backend refusing connections', 'critical'],
    ]);
    expect(triggers[0]!.summary).toMatch(/^chat-websocket: forbidden \(HTTP 403\): origin rejected: .* — ALLOWED_HOSTS \/ the origin validator/);
    expect(triggers[1]!.summary).toMatch(
      /^2 checks on 127\.0\.0\.1: forbidden \(HTTP 403\): token sent but not recognized: .* — REST_FRAMEWORK\['DEFAULT_AUTHENTICATION_CLASSES'\] includes TokenAuthentication/,
    );
    expect(triggers[2]!.summary).toMatch(/^3 checks on 127\.0\.0\.1: refused \(TCP connection refused/);
    expect(summary.pages.filter((p) => p.source === 'incident').map((p) => p.notification!.cause ?? p.notification!.outcome)).toEqual([
      'origin_rejected',
      'origin_rejected',
      'credentials_not_recognized',
      'credentials_not_recognized',
      'refused',
      'refused',
      'refused',
      'refused',
    ]);
    for (const r of [origin, token, refusing, planned]) {
      // Every page recovers, once.
      expect(r.recoveredBy.map((d) => `${d.alarm}/${d.check}`).sort()).toEqual(r.detectedBy.map((d) => `${d.alarm}/${d.check}`).sort());
    }

    // One incident pages once per class and check: no flapping, no Silent, nothing for the check that kept working.
    const alarmPages = summary.transitions.filter((t) => t.to === 'ALARM' && t.check).map((t) => `${t.alarm}/${t.check}`);
    expect(alarmPages.sort()).toEqual(
      [
        'Forbidden-60s/chat-websocket',
        'Failing-60s/chat-websocket',
        'Forbidden-60s/buyer-orders',
        'Failing-60s/buyer-orders',
        'Forbidden-10s/orders-fast',
        'Failing-orders-fast/orders-fast',
        'Refused-60s/chat-websocket',
        'Refused-60s/buyer-orders',
        'Failing-60s/chat-websocket',
        'Failing-60s/buyer-orders',
        'Refused-10s/orders-fast',
        'Failing-orders-fast/orders-fast',
        // the planned restart, muted
        'Refused-60s/chat-websocket',
        'Refused-60s/buyer-orders',
        'Failing-60s/chat-websocket',
        'Failing-60s/buyer-orders',
        'Refused-10s/orders-fast',
        'Failing-orders-fast/orders-fast',
      ].sort(),
    );
    // Issue 13: a certificate close to expiry pages through its host's alarm while every check stays ok;
    // that hourly alarm is still in ALARM at the end (it clears after a whole hour on the renewed one).
    const cert = by('certificate-expiring');
    expect(cert.observed).toEqual({ 'chat-websocket': ['ok'], 'buyer-orders': ['ok'], 'orders-fast': ['ok'] });
    expect(cert.detectedBy.map((d) => `${d.alarm}@${d.afterMs / 1000}s`)).toEqual(['CertificateExpiring-127.0.0.1@120s']);
    expect(cert.endedAtMs % (60 * MINUTE)).toBe(0);
    const { 'CertificateExpiring-127.0.0.1': certState, ...others } = summary.finalStates;
    expect(certState).toBe('ALARM');
    expect(Object.values(others)).toEqual(Array(Object.keys(others).length).fill('OK'));
    expect(Object.keys(summary.finalStates).filter((id) => id.startsWith('Silent-'))).toEqual(['Silent-10s-0-default', 'Silent-60s-0-default']);

    // Datapoints carry the tick's simulated time: the minute for 60 s checks, each 10 s tick (high resolution) for the fast one.
    for (const minute of summary.minutes) {
      const start = summary.simulatedStartMs + minute.index * MINUTE;
      for (const d of minute.datums)
        expect((d.Timestamp as Date).getTime()).toSatisfy((t: number) => t >= start && t < start + MINUTE && (t - start) % 10_000 === 0);
      const fast = minute.datums.filter((d) => d.Dimensions?.some((x) => x.Value === 'orders-fast'));
      expect(new Set(fast.map((d) => (d.Timestamp as Date).getTime() - start))).toEqual(new Set([0, 10_000, 20_000, 30_000, 40_000, 50_000]));
      expect(fast.every((d) => d.StorageResolution === 1)).toBe(true);
    }

    // Quiet by default: each step, each change of a check's outcome, each page; no datapoints.
    const lines = output.trimEnd().split('\n');
    expect(lines.length).toBeLessThanOrEqual(100);
    expect(output).not.toMatch(/T-\d/);
    expect(output).not.toContain('datapoints');
    expect(output).toContain('1 simulated minute = 0 ms');
    expect(output).toMatch(/^T\+02:00 {2}chat-websocket +FORBIDDEN \(origin_rejected\) {2}HTTP 403$/m);
    expect(output).toMatch(
      /^T\+02:00 {2}PAGE {3}pagerDuty trigger critical {2}dedup_key synthmon\/SyntheticMonitor\/endpoint-127\.0\.0\.1-\d{8}T\d{6}Z$/m,
    );
    expect(output).toMatch(/^ {11}chat-websocket: forbidden \(HTTP 403\): origin rejected: /m);
    expect(output).toMatch(/^T\+05:00 {2}PAGE {3}pagerDuty resolve {2}dedup_key synthmon\/SyntheticMonitor\/endpoint-127\.0\.0\.1-/m);
    expect(output).toMatch(/^T\+09:00 {2}PAGE {3}pagerDuty trigger critical /m);
    expect(output).toMatch(/^T\+23:00 {2}muted {2}pagerDuty trigger {2}dedup_key \S+ {2}\(not sent: maintenance window 1 until T\+30:00\)$/m);
    // The endpoint alarms' transitions reach the backstop notifier, which pages none of them: the pipeline did.
    expect(output).not.toMatch(/^T\+\d\d:\d\d {2}(?!muted).*ALARM (Forbidden|Refused|Failing)/m);
    expect(output).not.toMatch(/backstop (Forbidden|Refused|Failing)/);
    expect(output).toMatch(
      /^T\+30:00 {2}certificate CN=localhost \(from CN=synthmon local CA\) expires in 5 days, on \S+; CertificateExpiring pages below 14 days: renew it/m,
    );
    expect(output).toMatch(
      /^T\+32:00 {2}PAGE {3}backstop CertificateExpiring-127\.0\.0\.1: pagerDuty trigger warning {2}dedup_key synthmon\/SyntheticMonitor\/alarm-SyntheticMonitor-Monitor-CertificateExpiring-127\.0\.0\.1-\d{8}T\d{6}Z$/m,
    );
    expect(output).toMatch(
      /final: \d+ alarms OK; CertificateExpiring-127\.0\.0\.1 still ALARM as expected: its hourly period turns OK once a complete hour saw only the renewed certificate, at T\+92:00/,
    );
    // It ends with one line per incident.
    expect(lines.slice(-5)).toEqual([
      expect.stringMatching(
        /^incident {2}origin rejected +pagerDuty 1 page \+ 1 resolve, paged after (\d\.\d\ds|0m00s), recovered 1m00s after the fix; backstop alarms 0 notifications$/,
      ),
      expect.stringMatching(
        /^incident {2}token authentication removed +pagerDuty 1 page \+ 1 resolve, paged after (\d\.\d\ds|0m00s), recovered 1m00s after the fix; backstop alarms 0 notifications$/,
      ),
      expect.stringMatching(
        /^incident {2}backend refusing connections +pagerDuty 1 page \+ 1 resolve, paged after (\d\.\d\ds|0m00s), recovered 1m00s after the fix; backstop alarms 0 notifications$/,
      ),
      expect.stringMatching(
        /^incident {2}planned work: backend refusing connections +pagerDuty none \(2 muted by maintenance\), not paged, recovered 4m00s after the fix \(silently\); backstop alarms 0 notifications \(4 muted by maintenance\)$/,
      ),
      expect.stringMatching(
        /^incident {2}certificate expiring +pagerDuty none, paged after 2m00s, not recovered yet \(its hourly alarm clears at T\+92:00\); backstop alarms 1 notification$/,
      ),
    ]);
    expect(output).not.toContain('\x1b[');
    expect(output).not.toContain(CANARY);
    expect(JSON.stringify(summary)).not.toContain(CANARY);
  });

  it('--verbose adds every result, the datapoints and the alarm state changes, each threshold naming its metric, never a time before T+00:00', async () => {
    const { out, text } = capture();
    const summary = await demo({
      out,
      color: false,
      verbose: true,
      scenario: [
        { regression: 'healthy', minutes: 1 },
        { regression: 'token-auth-removed', minutes: 1 },
        { regression: 'healthy', minutes: 4 },
        { regression: 'certificate-expiring', minutes: 1 },
        { regression: 'healthy', minutes: 1 },
      ],
    });
    const output = text();
    expect(summary.surprises.filter((s) => !s.includes('did not page'))).toEqual([]);
    expect(output).toMatch(/^T\+01:00 {2}buyer-orders +FORBIDDEN \(credentials_not_recognized\) {2}HTTP 403 {2}2 attempts/m);
    expect(output).toMatch(/^T\+01:00 {2}chat-websocket +ok {2}HTTP 101/m);
    expect(output).toContain('Failures{Reason=forbidden}=1');
    expect(output).toContain('Failures{Interval=10,Reason=forbidden}=1 (1 s resolution)');
    expect(output).toContain('CertificateDaysLeft{Host=127.0.0.1}=5');
    expect(output).toMatch(/T\+01:10 {2}ALARM {2}Failing-orders-fast {2}OK → ALARM/);
    expect(output).toMatch(/T\+02:00 {2}ALARM {2}Forbidden-60s \(contributor buyer-orders\) {2}OK → ALARM/);
    // Every "breached" line names its metric: SUM(Failures), Average(Success{…}), Minimum(CertificateDaysLeft{…}).
    const breached = output.split('\n').filter((l) => l.includes('breached'));
    expect(breached.length).toBeGreaterThan(3);
    for (const line of breached)
      expect(line).toMatch(/breached (SUM\(Failures\)|Average\(Success\{Check=orders-fast\}\)|Minimum\(CertificateDaysLeft\{Host=127\.0\.0\.1\}\)) /);
    // The certificate's hourly period began before the walk: named by the hour it ends, not T-.
    expect(output).toMatch(/\[5 \(the hour to T\+07:00\)\] breached Minimum\(CertificateDaysLeft/);
    expect(output).not.toMatch(/T-\d/);
    expect(output).not.toContain(CANARY);
  });

  it('reports ok false when the walk ends with an alarm still firing', async () => {
    const { out, text } = capture();
    const summary = await demo({ out, color: false, scenario: [{ regression: 'refusing', minutes: 1 }] });
    expect(summary.ok).toBe(false);
    expect(summary.surprises).toContain('Refused-60s ended in ALARM, not OK');
    expect(text()).toContain('unexpected: Refused-10s ended in ALARM, not OK');
  });

  it('colours the timeline on a TTY unless NO_COLOR is set', async () => {
    const tty = capture(true);
    await demo({ out: tty.out, scenario: [{ regression: 'healthy', minutes: 1 }] });
    expect(tty.text()).toContain('\x1b[32m');

    vi.stubEnv('NO_COLOR', '1');
    const plain = capture(true);
    await demo({ out: plain.out, scenario: [{ regression: 'healthy', minutes: 1 }] });
    expect(plain.text()).not.toContain('\x1b[');
    expect(plain.text()).toMatch(/all \d+ alarms INSUFFICIENT_DATA → OK/);
  });

  it('evaluates the deployed alarm definitions: the demo config is config/default.json with other URLs, a compressed clock and one fast check', () => {
    const deployed = alarmDefinitions(parseConfig(defaultConfigJson));
    const local = alarmDefinitions(demoConfig({ port: 12345 }, { settleMs: 150, retryDelayMs: 100, timeoutMs: 3000 }));
    const strip = ({ description: _d, warmUpMinutes: _w, ...rest }: (typeof deployed)[number]) => rest;
    // Every alarm the seed deploys is in the demo, unchanged but for its description (the
    // certificate alarm watches the replica's host instead of the backend's).
    for (const def of deployed.filter((d) => d.class !== 'CertificateExpiring')) expect(local.map(strip)).toContainEqual(strip(def));
    expect(
      local
        .filter((d) => !deployed.some((x) => x.id === d.id))
        .map((d) => d.id)
        .sort(),
    ).toEqual(['CertificateExpiring-127.0.0.1', 'Failing-orders-fast', 'Forbidden-10s', 'Refused-10s', 'Silent-10s-0-default'].sort());
    expect(deployed.map((d) => d.id)).toContain('CertificateExpiring-multivendor-backend.indexo.ir');
  });
});
