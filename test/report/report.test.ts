/**
 * The HTML report (`--report FILE.html`) in a real browser: Debian's Chromium, headless, driven by
 * playwright-core (installed by .ci/run). The demo's report and a probe run's report render at
 * desktop (1280×800) and phone (390×844) widths with no console error and no network request, and
 * show the check names, their outcomes, the page texts and the certificate's days left; everything
 * from results is escaped and no token is in the file. Screenshots go to test-artifacts/report/.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeReport } from '../../bin/cli/report';
import { renderReportHtml } from '../../bin/cli/report-html';
import type { CheckResult } from '../../contracts/result';
import { runDemo, type DemoSummary } from '../../demo/demo';
import { demoReport } from '../../demo/report';
import { CHROMIUM_FLAGS } from '../conformance/browser';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(__dirname, '..', '..', 'test-artifacts', 'report');
const CANARY = 'r3portCanaryT0ken9d8c7b6a5f4e3d2c1b0a99';
const VIEWPORTS = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
] as const;

let browser: Browser;
let dir: string;
let demo: DemoSummary;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'synthmon-report-'));
  mkdirSync(ARTIFACTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    // A fresh profile per launch (playwright's default); nothing reaches out on its own.
    args: [...CHROMIUM_FLAGS],
    timeout: 60_000,
  });
  demo = await runDemo({ minuteMs: 0, token: CANARY, out: { write: () => true } as unknown as NodeJS.WritableStream });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Open the file at each viewport; collect console errors, page errors and every request but the file itself. */
async function open(file: string, shot: string): Promise<{ text: string; problems: string[]; requests: string[] }> {
  const url = pathToFileURL(file).href;
  const problems: string[] = [];
  const requests: string[] = [];
  let text = '';
  for (const vp of VIEWPORTS) {
    const context = await browser.newContext({ viewport: { width: vp.width, height: vp.height } });
    try {
      const page = await context.newPage();
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') problems.push(`${vp.name} console ${m.type()}: ${m.text()}`);
      });
      page.on('pageerror', (err) => problems.push(`${vp.name} page error: ${err.message}`));
      page.on('request', (r) => {
        if (r.url() !== url) requests.push(r.url());
      });
      await page.goto(url, { waitUntil: 'load', timeout: 30_000 });
      text = await page.innerText('body');
      // The page fits the viewport's width: the timeline scales, tables scroll inside their box.
      // A string: the test's tsconfig has no DOM types, the page runs it as is.
      const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
      expect(overflow, `${vp.name} horizontal overflow`).toBeLessThanOrEqual(0);
      await page.screenshot({ path: join(ARTIFACTS, `${shot}-${vp.name}.png`), fullPage: true });
    } finally {
      await context.close();
    }
  }
  return { text, problems, requests };
}

describe('the HTML report in Chromium', () => {
  it("shows the demo's checks, outcomes, incidents, page texts and certificate at desktop and phone width, offline and error-free", async () => {
    const html = renderReportHtml(demoReport(demo));
    const file = join(dir, 'demo.html');
    writeFileSync(file, html);
    expect(html).not.toContain(CANARY);
    // Nothing to load: no script, link, image or frame, no src/href attribute, no CSS url().
    expect(html).not.toMatch(/<(script|link|img|iframe)\b|\s(src|href)=|url\(/i);

    const { text, problems, requests } = await open(file, 'demo');
    expect(problems).toEqual([]);
    expect(requests).toEqual([]);
    for (const check of ['chat-websocket', 'buyer-orders', 'orders-fast']) expect(text).toContain(check);
    expect(text).toContain('forbidden (credentials_not_recognized)');
    expect(text).toMatch(/\brefused\b/);
    expect(text).toContain('origin rejected');
    expect(text).toContain('planned work: backend refusing connections');
    expect(text).toContain('ALARM (muted)');
    // A page text (an alarm the backstop notifier held: its threshold naming the metric), and the certificate's days left.
    expect(text).toMatch(/breached Average\(Success\{Check=orders-fast\}\) <= 0/);
    expect(text).toMatch(/127\.0\.0\.1\s+5\s/);
    expect(text).toContain('1m00s');
    // Every time shown is on the walk's simulated clock, inside it.
    const minutes = [...text.matchAll(/T\+(\d+):(\d\d)/g)].map((m) => Number(m[1]) + Number(m[2]) / 60);
    // (32 since the backstop notifier pages none of the incidents the pipeline paged: fewer rows than the alarms' 50-odd.)
    expect(minutes.length).toBeGreaterThan(25);
    expect(Math.max(...minutes)).toBeLessThanOrEqual(demo.minutes.length);
  }, 120_000);

  it('escapes what results carry and keeps tokens out of a probe report', async () => {
    const hostile: CheckResult = {
      check: 'api-<b>bold</b>',
      kind: 'http',
      url: 'https://127.0.0.1:8443/api/?q=<script>alert(1)</script>',
      ok: false,
      outcome: 'forbidden',
      cause: 'credentials_not_recognized',
      status: 403,
      attempts: 2,
      message: `HTTP 403 "<img src=x onerror=alert(1)>" & token ${CANARY}`,
      timings: { totalMs: 42 },
      startedAt: '2026-12-04T17:00:00.000Z',
      certificate: { subject: 'CN=api', issuer: 'CN=ca', validTo: '2026-12-20T00:00:00.000Z', daysLeft: 15 },
    } as CheckResult;
    const ok = { ...hostile, check: 'health', ok: true, outcome: 'ok', cause: undefined, status: 200, message: 'HTTP 200 OK' } as CheckResult;
    const scrub = (t: string) => t.split(CANARY).join('***');
    const html = renderReportHtml(
      probeReport([hostile, ok], 'config/<x>.json', new Date('2026-12-04T17:00:00Z'), new Date('2026-12-04T17:00:01Z')),
      scrub,
    );
    expect(html).not.toContain(CANARY);
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html).toContain('api-&lt;b&gt;bold&lt;/b&gt;');
    const file = join(dir, 'probe.html');
    writeFileSync(file, html);
    const { text, problems, requests } = await open(file, 'probe');
    expect(problems).toEqual([]);
    expect(requests).toEqual([]);
    expect(text).toContain('api-<b>bold</b>');
    expect(text).toContain('forbidden (credentials_not_recognized)');
    expect(text).toContain('HTTP 403 "<img src=x onerror=alert(1)>" & token ***');
    expect(text).toContain('health');
  }, 120_000);
});
