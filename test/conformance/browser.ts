/**
 * Headless Chromium (Debian's `chromium`, driven by playwright-core) as the reference client of
 * the conformance harness (docs/CONFORMANCE.md#the-browser-side).
 *
 * - Trust store: a fresh HOME whose NSS database (`$HOME/.pki/nssdb`, where Chromium on Linux reads
 *   locally trusted roots) holds only the test CA, imported with `certutil -t C,,`. Certificate
 *   chain and name cases are judged by Chromium's real verifier; no `--ignore-certificate-errors*`.
 * - Origin: the page is served on loopback (`http://127.0.0.1:<port>/`), and Chromium runs with
 *   `--disable-web-security`, so `fetch` to a raw server on another port sees the real status and
 *   body instead of a CORS failure (CORS is a read permission for the page, not the server's
 *   behaviour being judged). WebSocket has no CORS; the browser sends the page's Origin.
 * - Names: `--host-resolver-rules` maps every name to 127.0.0.1, so a certificate for `localhost`
 *   served to `wrong.test` is a name mismatch, and nothing leaves loopback.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
const CERTUTIL = '/usr/bin/certutil';

/** Why the browser cannot run here, or undefined when it can. */
export function browserMissing(): string | undefined {
  if (!existsSync(CHROMIUM)) return `${CHROMIUM} not found: apt-get install -y chromium libnss3-tools (.ci/run does this)`;
  if (!existsSync(CERTUTIL)) return `${CERTUTIL} not found: apt-get install -y libnss3-tools (.ci/run does this)`;
  return undefined;
}

/** What Chromium did with one HTTP request (`fetch`). */
export type BrowserHttp =
  | { readonly kind: 'response'; readonly status: number; readonly body: 'ok' | 'failed'; readonly redirected?: boolean }
  | { readonly kind: 'rejected'; readonly error: string };

/** What Chromium did with one WebSocket. */
export type BrowserWs =
  | { readonly kind: 'open' }
  | { readonly kind: 'closed'; readonly code: number }
  | { readonly kind: 'failed'; readonly code: number }
  | { readonly kind: 'timeout' };

export interface Browser {
  http(url: string, deadlineMs: number): Promise<BrowserHttp>;
  webSocket(url: string, settleMs: number, deadlineMs: number): Promise<BrowserWs>;
  close(): Promise<void>;
}

/** Debian's chromium as the tests run it: headless, and nothing reaching out on its own (the machine's network is closed). */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
] as const;

const FLAGS = [...CHROMIUM_FLAGS, '--disable-web-security', '--host-resolver-rules=MAP * 127.0.0.1'];

/**
 * What the page runs, as source text: a function compiled by the test runner would carry its
 * helpers (esbuild's `__name`), which do not exist in the page.
 */
const HTTP_IN_PAGE = `async (url, deadlineMs) => {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), deadlineMs);
  try {
    const res = await fetch(url, { cache: 'no-store', redirect: 'manual', signal: controller.signal });
    if (res.type === 'opaqueredirect') return { kind: 'response', status: 0, body: 'ok', redirected: true };
    try {
      await res.arrayBuffer();
      return { kind: 'response', status: res.status, body: 'ok' };
    } catch {
      return { kind: 'response', status: res.status, body: 'failed' };
    }
  } catch (err) {
    return { kind: 'rejected', error: String(err) };
  } finally {
    clearTimeout(timer);
  }
}`;

const WS_IN_PAGE = `(url, settleMs, deadlineMs) => new Promise((resolve) => {
  let opened = false;
  let settleTimer;
  const ws = new WebSocket(url);
  const done = (v) => {
    clearTimeout(deadline);
    clearTimeout(settleTimer);
    resolve(v);
  };
  const deadline = setTimeout(() => {
    ws.onclose = null;
    ws.close();
    done({ kind: 'timeout' });
  }, deadlineMs);
  ws.onopen = () => {
    opened = true;
    settleTimer = setTimeout(() => {
      // A close frame that came inside the window leaves the socket CLOSING until the TCP close:
      // that is a close, as the probe counts it; wait (within the deadline) for its code.
      if (ws.readyState !== WebSocket.OPEN) return;
      ws.onclose = null;
      ws.close(1000);
      done({ kind: 'open' });
    }, settleMs);
  };
  ws.onclose = (e) => done(opened ? { kind: 'closed', code: e.code } : { kind: 'failed', code: e.code });
})`;

/** Launch Chromium trusting exactly `caPem`, with one page on a loopback origin. */
export async function launchBrowser(caPem: string): Promise<Browser> {
  const home = mkdtempSync(join(tmpdir(), 'synthmon-chromium-'));
  const nss = join(home, '.pki', 'nssdb');
  mkdirSync(nss, { recursive: true });
  const caFile = join(home, 'ca.pem');
  writeFileSync(caFile, caPem);
  execFileSync(CERTUTIL, ['-N', '-d', `sql:${nss}`, '--empty-password'], { stdio: 'ignore', timeout: 10_000 });
  execFileSync(CERTUTIL, ['-A', '-d', `sql:${nss}`, '-n', 'synthmon-test-ca', '-t', 'C,,', '-i', caFile], { stdio: 'ignore', timeout: 10_000 });

  const pageServer: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end('<!doctype html><title>synthmon conformance</title>');
  });
  await new Promise<void>((resolve) => pageServer.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(pageServer.address() as AddressInfo).port}/`;

  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(join(home, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: FLAGS,
      env: { ...process.env, HOME: home },
      timeout: 60_000,
    });
  } catch (err) {
    pageServer.close();
    rmSync(home, { recursive: true, force: true });
    throw err;
  }
  const page: Page = context.pages()[0] ?? (await context.newPage());
  await page.goto(origin);

  return {
    http: (url, deadlineMs) => page.evaluate<BrowserHttp>(`(${HTTP_IN_PAGE})(${JSON.stringify(url)}, ${deadlineMs})`),
    webSocket: (url, settleMs, deadlineMs) => page.evaluate<BrowserWs>(`(${WS_IN_PAGE})(${JSON.stringify(url)}, ${settleMs}, ${deadlineMs})`),
    async close() {
      await context.close().catch(() => undefined);
      await new Promise<void>((resolve) => pageServer.close(() => resolve()));
      pageServer.closeAllConnections();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
