import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig, type MonitorConfigInput } from '../contracts/config';
import { estimateCost, formatCostTable, LEAN_DESIGN, PRICES, type CheckCost } from '../lib/cost/estimate';
import priceTable from '../lib/cost/prices.json';

const usdOf = (c: CheckCost, item: string) => {
  const found = c.lines.find((l) => l.item === item);
  if (!found) throw new Error(`no line "${item}" in ${c.lines.map((l) => l.item).join(', ')}`);
  return found;
};
const defaultConfig = () => parseConfig(JSON.parse(readFileSync(new URL('../config/default.json', import.meta.url), 'utf8')));

const oneHttp = (extra: Partial<MonitorConfigInput> = {}) =>
  parseConfig({ intervalMinutes: 5, checks: [{ name: 'api', kind: 'http', url: 'https://127.0.0.1/api/' }], ...extra });

describe('estimateCost', () => {
  it('prices one http check every 5 min line by line, as computed by hand', () => {
    const report = estimateCost(oneHttp(), { failureRate: 0.01 });
    const c = report.checks[0]!;
    // 730 h × 60 / 5 = 8,760 runs.
    expect(report.runsPerCheckMonth).toBe(8760);
    expect(usdOf(c, 'Lambda requests').usd).toBeCloseTo(0.001752, 9); // 8,760 × $0.20/1M
    // Mean run 0.99 × 0.3 s + 0.01 × (2 × 0.3 s + 2 s retry pause) = 0.323 s; × 8,760 × 0.25 GB = 707.37 GB-s.
    expect(usdOf(c, 'Lambda compute').quantity).toBeCloseTo(707.37, 6);
    expect(usdOf(c, 'Lambda compute').usd).toBeCloseTo(0.00943165, 8);
    // 12 cold starts/day × 30.4167 days × 0.3 s × 0.25 GB = 27.375 GB-s.
    expect(usdOf(c, 'Lambda init (cold starts)').usd).toBeCloseTo(0.000365, 6);
    expect(usdOf(c, 'EventBridge Scheduler').usd).toBeCloseTo(0.00876, 9);
    expect(usdOf(c, 'Custom metrics (always published)').usd).toBeCloseTo(0.6, 9); // Success + Duration
    // 12 runs/h: 1 − 0.99^12 = 11.36% of hours carry a Failures datapoint.
    expect(usdOf(c, 'Custom metrics (Failures, failing hours)').quantity).toBeCloseTo(0.1136151, 6);
    expect(usdOf(c, 'Custom metrics (Failures, failing hours)').usd).toBeCloseTo(0.0340845, 6);
    expect(usdOf(c, 'PutMetricData requests').usd).toBeCloseTo(0.0876, 9); // 8,760 × $0.01/1k
    expect(usdOf(c, 'Alarms (standard)').usd).toBeCloseTo(0.4, 9); // 4 × $0.10
    // 0.99 × 1000 B + 0.01 × 3000 B = 1020 B/run → 8.9352 MB.
    expect(usdOf(c, 'Logs ingestion').usd).toBeCloseTo(0.0044676, 9);
    expect(usdOf(c, 'Logs storage').usd).toBeCloseTo(0.000268056, 9);
    expect(usdOf(c, 'Dashboard (share)').usd).toBeCloseTo(3, 9); // one check carries the whole dashboard
    expect(usdOf(c, 'KMS key of the alarm topic (share)').usd).toBeCloseTo(1, 9); // and the whole topic key
    expect(c.lines.some((l) => l.item.startsWith('Secrets Manager'))).toBe(false); // no auth, no secret
    expect(c.totalUsd).toBeCloseTo(5.1467288, 6);
    expect(report.totalUsd).toBeCloseTo(5.1467288, 6);
    expect(report.perCheckMonthUsd).toBeCloseTo(5.1467288, 6);
  });

  it('prices the hosted alternatives per run at the same frequency', () => {
    const report = estimateCost(oneHttp());
    const alt = Object.fromEntries(report.alternatives.map((a) => [a.name, a.usdPerCheckMonth]));
    expect(alt.cloudwatchSynthetics).toBeCloseTo(10.512, 9); // 8,760 × $0.0012
    expect(alt.datadog).toBeCloseTo(4.38, 9); // 8,760 × $5/10k
    expect(alt.checkly).toBeCloseTo(1.752, 9); // 8,760 × $2/10k
  });

  it('splits a shared secret and the dashboard between checks and reads the secret once per cache period', () => {
    const secret = { name: 'synthmon/token' };
    const config = parseConfig({
      intervalMinutes: 1,
      checks: [
        { name: 'a', kind: 'http', url: 'https://127.0.0.1/a', auth: { secret } },
        { name: 'b', kind: 'http', url: 'https://127.0.0.1/b', auth: { secret } },
        { name: 'c', kind: 'websocket', url: 'wss://127.0.0.1/ws', auth: {} },
        { name: 'd', kind: 'http', url: 'https://127.0.0.1/d' },
      ],
    });
    const [a, b, c, d] = estimateCost(config).checks;
    expect(usdOf(a!, 'Secrets Manager secret').usd).toBeCloseTo(0.2, 9);
    expect(usdOf(b!, 'Secrets Manager secret').usd).toBeCloseTo(0.2, 9);
    expect(usdOf(c!, 'Secrets Manager secret').usd).toBeCloseTo(0.4, 9); // its own, created by the stack
    expect(d!.lines.some((l) => l.item.startsWith('Secrets Manager'))).toBe(false);
    // Every 5 min: 43,800 / 5 = 8,760 reads, plus 12 × 30.4167 = 365 cold-start reads.
    expect(usdOf(a!, 'Secrets Manager API calls').quantity).toBeCloseTo(9125, 6);
    expect(usdOf(a!, 'Dashboard (share)').usd).toBeCloseTo(0.75, 9);
    expect(usdOf(a!, 'KMS key of the alarm topic (share)').usd).toBeCloseTo(0.25, 9);
    // At 2 min the cache outlives two runs, so the third re-reads: every 6 min → 7,300 + 365.
    const every2 = estimateCost({ ...config, intervalMinutes: 2 }).checks[0]!;
    expect(usdOf(every2, 'Secrets Manager API calls').quantity).toBeCloseTo(7665, 6);
  });

  it('adds the settle window to a healthy WebSocket run', () => {
    const config = parseConfig({ checks: [{ name: 'ws', kind: 'websocket', url: 'wss://127.0.0.1/ws', settleMs: 1000 }] });
    const c = estimateCost(config, { failureRate: 0 }).checks[0]!;
    // 43,800 runs × (0.2 + 1.0) s × 0.25 GB = 13,140 GB-s.
    expect(usdOf(c, 'Lambda compute').quantity).toBeCloseTo(13140, 6);
    expect(usdOf(c, 'Lambda compute').usd).toBeCloseTo(0.17520088, 7);
  });

  it('scales per-run lines with the interval and leaves monthly fees alone', () => {
    const every1 = estimateCost(oneHttp({ intervalMinutes: 1 }));
    const every10 = estimateCost(oneHttp({ intervalMinutes: 10 }));
    expect(every1.runsPerCheckMonth / every10.runsPerCheckMonth).toBe(10);
    for (const item of ['Lambda requests', 'Lambda compute', 'EventBridge Scheduler', 'PutMetricData requests', 'Logs ingestion']) {
      expect(usdOf(every1.checks[0]!, item).usd / usdOf(every10.checks[0]!, item).usd).toBeCloseTo(10, 9);
    }
    for (const item of ['Custom metrics (always published)', 'Alarms (standard)', 'Dashboard (share)', 'KMS key of the alarm topic (share)', 'Lambda init (cold starts)']) {
      expect(usdOf(every10.checks[0]!, item).usd).toBe(usdOf(every1.checks[0]!, item).usd);
    }
    for (const [a, b] of every1.alternatives.map((alt, i) => [alt, every10.alternatives[i]!] as const)) {
      expect(a.usdPerCheckMonth / b.usdPerCheckMonth).toBeCloseTo(10, 9);
    }
    // Hourly proration: with one run an hour, the Failures metric is billed in exactly the failing share of hours.
    const hourly = estimateCost(oneHttp({ intervalMinutes: 60 }), { failureRate: 0.02 }).checks[0]!;
    expect(usdOf(hourly, 'Custom metrics (Failures, failing hours)').quantity).toBeCloseTo(0.02, 12);
    expect(every10.totalUsd).toBeLessThan(every1.totalUsd);
  });

  it('bills four more metrics with phase timings', () => {
    const off = estimateCost(oneHttp()).checks[0]!;
    const on = estimateCost(oneHttp({ phaseTimings: true })).checks[0]!;
    expect(usdOf(on, 'Custom metrics (always published)').usd - usdOf(off, 'Custom metrics (always published)').usd).toBeCloseTo(1.2, 9);
  });

  it('says which items block the goal on the default config and what design would meet it', () => {
    const report = estimateCost(defaultConfig());
    expect(report.meetsGoal).toBe(false);
    expect(report.perCheckMonthUsd).toBeGreaterThan(1);
    const notes = report.notes.join('\n');
    expect(notes).toContain(
      'Largest items: Dashboard (share) $1.50, Custom metrics (always published) $0.60, KMS key of the alarm topic (share) $0.50, PutMetricData requests $0.44.',
    );
    expect(notes).toMatch(/No interval reaches the goal/);
    expect(notes).toMatch(/Embedded Metric Format/);
    const lean = estimateCost(defaultConfig(), LEAN_DESIGN);
    expect(lean.meetsGoal).toBe(true);
    expect(lean.checks.every((c) => c.lines.every((l) => l.item !== 'PutMetricData requests' && !l.item.startsWith('Secrets') && !l.item.startsWith('KMS')))).toBe(true);
    expect(notes).toContain(`$${lean.perCheckMonthUsd.toFixed(2)} per check-month`);
  });

  it('formats every check, the total, the alternatives and the notes', () => {
    const report = estimateCost(defaultConfig());
    const text = formatCostTable(report);
    for (const c of report.checks) expect(text).toContain(`${c.check} (${c.kind})`);
    expect(text).toContain(`per check-month: $${report.perCheckMonthUsd.toFixed(2)} (goal $1.00: missed)`);
    expect(text).toMatch(/CloudWatch Synthetics\s+\$52\.56/);
    expect(text).toMatch(/Datadog API tests\s+\$21\.90/);
    expect(text).toMatch(/Checkly API checks\s+\$8\.76/);
    for (const note of report.notes) expect(text).toContain(note);
  });
});

describe('prices.json', () => {
  it('gives every price a source and the date it was taken', () => {
    expect(Object.keys(PRICES).length).toBeGreaterThanOrEqual(15);
    for (const [name, price] of Object.entries(priceTable.prices)) {
      expect({ name, ...price }).toEqual({
        name,
        usd: expect.any(Number),
        per: expect.stringMatching(/\S/),
        source: expect.stringMatching(/^[A-Z].+ https:\/\/\S+/),
        takenOn: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
      });
      expect(price.usd).toBeGreaterThan(0);
    }
  });
});
