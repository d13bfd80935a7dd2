/**
 * `synthmon probe --config FILE --report FILE.html --junit FILE.xml`, end to end: the built CLI
 * against the loopback TLS backend, three checks (one ok, one forbidden, one whose token is unset:
 * `error`). The JUnit file validates against test/report/junit.xsd with xmllint (Debian's
 * libxml2-utils, installed by .ci/run), one testcase per check, failures carrying outcome, cause and
 * message; neither file holds the token.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { escapeXml, junitXml } from '../../bin/cli/junit';
import type { CheckResult } from '../../contracts/result';
import { CANARY, runCli, scratch, startBackend, type Backend } from '../cli/support';

const XSD = join(__dirname, 'junit.xsd');
let backend: Backend;
let dir: ReturnType<typeof scratch>;

beforeAll(async () => {
  dir = scratch();
  backend = await startBackend(dir.dir);
});
afterAll(async () => {
  await backend?.close();
  dir?.cleanup();
});

/** xmllint's verdict: '' when valid, else its complaints. */
function xmllint(file: string): string {
  try {
    execFileSync('xmllint', ['--noout', '--schema', XSD, file], { encoding: 'utf8', stdio: 'pipe', timeout: 30_000 });
    return '';
  } catch (err) {
    return String((err as { stderr?: string }).stderr);
  }
}

describe('probe --report and --junit', () => {
  it('writes a schema-valid JUnit file (one testcase per check, failures with outcome, cause and message) and an HTML report, token-free', async () => {
    const config = dir.write(
      'three.json',
      JSON.stringify({
        tokens: { orders: { env: 'ORDERS_TOKEN' }, wrong: { env: 'WRONG_TOKEN' }, missing: { env: 'MISSING_TOKEN' } },
        checks: [
          { name: 'orders', kind: 'http', url: `${backend.httpsBase}/api/orders/`, auth: { token: 'orders' } },
          { name: 'orders-revoked', kind: 'http', url: `${backend.httpsBase}/api/orders/`, auth: { token: 'wrong' }, retryDelayMs: 100 },
          { name: 'orders-unset', kind: 'http', url: `${backend.httpsBase}/api/orders/`, auth: { token: 'missing' } },
        ],
      }),
    );
    const report = join(dir.dir, 'run.html');
    const junit = join(dir.dir, 'run.xml');
    const run = await runCli(['probe', '--config', config, '--report', report, '--junit', junit], {
      env: { NODE_EXTRA_CA_CERTS: backend.caFile, ORDERS_TOKEN: CANARY, WRONG_TOKEN: 'revoked-token-0123456789abcdef' },
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('');

    const xml = readFileSync(junit, 'utf8');
    expect(xmllint(junit)).toBe('');
    expect(xml).not.toContain(CANARY);
    expect(xml.match(/<testcase /g)).toHaveLength(3);
    expect(xml).toMatch(/<testsuite name="[^"]*three\.json" tests="3" failures="1" errors="1" skipped="0"/);
    expect(xml).toMatch(/<testcase name="orders" classname="synthmon\.http" time="\d+\.\d{3}"\/>/);
    expect(xml).toMatch(
      /<testcase name="orders-revoked"[^>]*>\s*<failure type="forbidden\/credentials_not_recognized" message="HTTP 403[^"]*">outcome: forbidden\ncause: credentials_not_recognized\nstatus: 403\nattempts: 2/,
    );
    expect(xml).toMatch(/<testcase name="orders-unset"[^>]*>\s*<error type="error" message="[^"]*MISSING_TOKEN/);

    const html = readFileSync(report, 'utf8');
    expect(html).not.toContain(CANARY);
    expect(html).toContain('orders-revoked');
    expect(xml + html).not.toContain('revoked-token-0123456789abcdef');
    expect(html).toContain('forbidden (credentials_not_recognized)');
  }, 60_000);

  it('refuses --report and --junit without --config, and an empty file name', async () => {
    const url = await runCli(['probe', 'https://127.0.0.1:1/', '--junit', 'x.xml']);
    expect(url.code).toBe(2);
    expect(url.stderr).toContain("--junit writes a report of a configuration's checks: use it with --config FILE");
    const empty = await runCli(['probe', '--config', 'c.json', '--report', '']);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('--report needs a file name, got ""');
  });

  it('says which file it could not write, and exits 1', async () => {
    const config = dir.write(
      'one.json',
      JSON.stringify({ checks: [{ name: 'health', kind: 'http', url: `${backend.httpsBase}/api/orders/`, expectStatus: 403 }] }),
    );
    const run = await runCli(['probe', '--config', config, '--junit', join(dir.dir, 'no-such-dir', 'x.xml')], {
      env: { NODE_EXTRA_CA_CERTS: backend.caFile },
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/cannot write --junit .*no-such-dir\/x\.xml: ENOENT/);
  });

  it('escapes what XML cannot carry and xmllint rejects a file the schema does not describe', () => {
    expect(escapeXml('a<b>&"\'\u0001c')).toBe('a&lt;b&gt;&amp;&quot;&apos;c');
    const result = {
      check: 'x',
      kind: 'http',
      url: 'https://h/',
      ok: false,
      outcome: 'refused',
      attempts: 2,
      message: 'refused <&>',
      timings: { totalMs: 3 },
      startedAt: '2026-01-01T00:00:00Z',
    } as CheckResult;
    const good = dir.write('good.xml', junitXml([result], { suite: 's', startedAt: new Date('2026-01-01T00:00:00Z') }));
    expect(xmllint(good)).toBe('');
    // The same file without the required failures count: the schema check must fail.
    const bad = dir.write('bad.xml', readFileSync(good, 'utf8').replace(/(<testsuite name="s" tests="1") failures="1"/, '$1'));
    expect(xmllint(bad)).toMatch(/failures.*is required/);
  });
});
