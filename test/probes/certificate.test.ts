/**
 * The certificate check: the server certificate on every result that completed a TLS handshake (README.md#cli), and
 * each TLS failure told apart, for both kinds, against loopback servers with certificates made for
 * the tests: close to expiry, expired, not yet valid, wrong host, untrusted CA, self-signed, the
 * intermediate left out of the chain, and the full chain.
 */
import { X509Certificate } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseCheck, type Check } from '../../contracts/config';
import { JSON_CERTIFICATE_EXTRA_KEYS, JSON_CERTIFICATE_KEYS, toJsonLine } from '../../contracts/result';
import { makeTestPki, TEST_CA_ISSUERS_URL, type KeyAndCert, type TestPki } from '../../demo/certs';
import { wholeDaysLeft } from '../../lambda/probes/certificate';
import { lookupTo, refusedPort, startSilentServer, startTlsRecorder } from '../support/fault-servers';
import { startHttpBackend } from '../support/http-backend';
import { startWsBackend } from '../support/ws-backend';
import { probeOnce, type Server } from './harness';

// Shares no 8 characters with a message's words (fragments of 8+ are masked: lambda/redact.ts).
const TOKEN = 'c3rt-T0KEN-77d1a0';
const DAY_MS = 86_400_000;
const KINDS = ['websocket', 'http'] as const;
type Kind = (typeof KINDS)[number];

let pki: TestPki;
const started: Array<{ close(): Promise<void> }> = [];

beforeAll(() => {
  pki = makeTestPki();
});
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.close()));
});
afterAll(async () => {
  await Promise.all(started.splice(0).map((s) => s.close()));
});

async function track<T extends { close(): Promise<void> }>(server: Promise<T>): Promise<T> {
  const s = await server;
  started.push(s);
  return s;
}

/** A backend of the kind serving `tls`, the check that probes it, and what tells whether it received anything. */
async function serve(kind: Kind, tls: KeyAndCert): Promise<{ check: Check; server: Server; received: () => number }> {
  if (kind === 'websocket') {
    const b = await track(startWsBackend({ tls, token: TOKEN }));
    const check = parseCheck({ kind, name: 'chat', url: b.url, timeoutMs: 3000, settleMs: 200, retryDelayMs: 0, auth: { in: 'query' } });
    return { check, server: { openConnections: () => b.connections }, received: () => b.handshakes.length };
  }
  const b = await track(startHttpBackend({ tls, state: { tokens: [TOKEN] } }));
  // By name, like the WebSocket backend's URL, so both kinds verify the same host name.
  const check = parseCheck({ kind, name: 'orders', url: b.url.replace('127.0.0.1', 'localhost'), timeoutMs: 3000, retryDelayMs: 0, auth: {} });
  return { check, server: b, received: () => b.requests.length };
}

const options = (trust: { ca?: string } = { ca: pki.ca }) => ({ token: TOKEN, ...trust, lookup: lookupTo('127.0.0.1') });
const leafOf = (pem: string) => new X509Certificate(pem);
const expectedDaysLeft = (pem: string) => wholeDaysLeft((Date.parse(leafOf(pem).validTo) - Date.now()) / DAY_MS);

describe.each(KINDS)('certificate on a %s result (README.md#cli)', (kind) => {
  it('carries the contract keys and the debugging details on a healthy result', async () => {
    const { check, server } = await serve(kind, pki.server);
    const result = await probeOnce(check, options(), [server]);
    expect(result.outcome).toBe('ok');
    const leaf = leafOf(pki.server.cert);
    expect(result.certificate).toEqual({
      subject: 'CN=localhost',
      issuer: 'CN=synthmon test CA',
      validTo: new Date(leaf.validTo).toISOString(),
      daysLeft: expectedDaysLeft(pki.server.cert),
      validFrom: new Date(leaf.validFrom).toISOString(),
      altNames: ['DNS:localhost', 'IP Address:127.0.0.1', 'IP Address:0:0:0:0:0:0:0:1'],
      serialNumber: leaf.serialNumber,
      fingerprint256: leaf.fingerprint256,
      protocol: 'TLSv1.3',
      chain: ['CN=synthmon test CA'],
      verified: true,
    });
    expect(result.certificate?.daysLeft).toBe(29);
  });

  it('reports ok with daysLeft 4 for a certificate that expires in 5 days (less a minute)', async () => {
    const { check, server } = await serve(kind, pki.expiringSoon);
    const result = await probeOnce(check, options(), [server]);
    expect(result).toMatchObject({ ok: true, outcome: 'ok', certificate: { daysLeft: 4, verified: true } });
    expect(Date.parse(result.certificate!.validTo) - Date.now()).toBeGreaterThan(4 * DAY_MS);
  });

  it('links the chain through the intermediate the server sends, and names where the issuer is published', async () => {
    const { check, server } = await serve(kind, pki.fullChain);
    const result = await probeOnce(check, options(), [server]);
    expect(result).toMatchObject({
      outcome: 'ok',
      certificate: { issuer: 'CN=synthmon test intermediate CA', verified: true, caIssuers: TEST_CA_ISSUERS_URL },
    });
    expect(result.certificate!.chain).toEqual(['CN=synthmon test intermediate CA', 'CN=synthmon test CA']);
  });

  // Each failure separately: its Node code, the words a person reads first, the certificate as
  // presented (verified false), and nothing — token included — sent to the server.
  it.each([
    [
      'expired',
      'CERT_HAS_EXPIRED',
      /^the certificate expired 1 day ago \(CERT_HAS_EXPIRED: certificate has expired; certificate CN=localhost from CN=synthmon test CA, valid to \S+\); check: renew the certificate on the proxy/,
    ],
    [
      'notYetValid',
      'CERT_NOT_YET_VALID',
      /^the certificate is not valid yet \(CERT_NOT_YET_VALID: certificate is not yet valid; certificate CN=localhost from CN=synthmon test CA, valid to \S+\); check: the certificate's start date \(notBefore\) and the server's clock$/,
    ],
    [
      'wrongHost',
      'ERR_TLS_CERT_ALTNAME_INVALID',
      /^the certificate is not valid for this host name \(ERR_TLS_CERT_ALTNAME_INVALID: Host: localhost\. is not in the cert's altnames: DNS:wrong\.example; certificate CN=wrong\.example from CN=synthmon test CA/,
    ],
    [
      'untrusted',
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      /^the certificate's issuer CN=synthmon untrusted CA is not a CA the monitor trusts, and the server sent no intermediate certificate leading to one \(UNABLE_TO_VERIFY_LEAF_SIGNATURE: unable to verify the first certificate; .*\); check: the proxy serves the full chain, leaf then intermediates .* for a private CA, trust it with NODE_EXTRA_CA_CERTS$/,
    ],
    [
      'intermediateMissing',
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      /^the server did not send the intermediate certificate of the leaf's issuer CN=synthmon test intermediate CA: the chain is incomplete \(UNABLE_TO_VERIFY_LEAF_SIGNATURE: .*\); check: the proxy serves the full chain, leaf then intermediates \(e\.g\. fullchain\.pem, not cert\.pem\); the missing intermediate is published at http:\/\/ca\.synthmon\.invalid\/intermediate\.crt; see what the server sends with openssl s_client/,
    ],
    [
      'selfSigned',
      'DEPTH_ZERO_SELF_SIGNED_CERT',
      /^the certificate is self-signed \(DEPTH_ZERO_SELF_SIGNED_CERT: self-signed certificate; certificate CN=localhost from CN=localhost, valid to \S+\); check: a certificate from a trusted CA on the proxy/,
    ],
  ] as const)('reports tls for %s with %s, carrying the certificate that failed', async (leaf, code, message) => {
    const { check, server, received } = await serve(kind, pki[leaf]);
    const result = await probeOnce(check, options(), [server]);
    expect(result).toMatchObject({ outcome: 'tls', evidence: { errorCode: code }, certificate: { verified: false } });
    expect(result.message).toMatch(message);
    expect(result.certificate!.daysLeft).toBe(expectedDaysLeft(pki[leaf].cert));
    expect(result.certificate!.fingerprint256).toBe(leafOf(pki[leaf].cert).fingerprint256);
    expect(received()).toBe(0);
  });

  it('names where the chain ends when the server sends it whole but its root is not trusted', async () => {
    const { check, server } = await serve(kind, pki.fullChain);
    // Node's default store only: the test root is unknown there.
    const result = await probeOnce(check, options({}), [server]);
    expect(result).toMatchObject({ outcome: 'tls', evidence: { errorCode: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY' } });
    expect(result.certificate!.chain).toEqual(['CN=synthmon test intermediate CA']);
    expect(result.message).toMatch(
      /^the certificate chain does not lead to a trusted CA \(it ends at CN=synthmon test intermediate CA\) \(UNABLE_TO_GET_ISSUER_CERT_LOCALLY/,
    );
  });

  it('sends nothing, token included, to a server whose certificate fails verification', async () => {
    const checkFor = (port: number) =>
      parseCheck(
        kind === 'websocket'
          ? { kind, name: 'chat', url: `wss://localhost:${port}/ws/chat/`, timeoutMs: 500, settleMs: 0, retryDelayMs: 0, auth: { in: 'query' } }
          : { kind, name: 'orders', url: `https://localhost:${port}/api/`, timeoutMs: 500, retryDelayMs: 0, auth: { in: 'query' } },
      );
    // The control: the same recorder with a trusted certificate receives the request, token and all.
    const trusted = await track(startTlsRecorder({ key: pki.server.key, cert: pki.server.cert }));
    expect(await probeOnce(checkFor(trusted.port), options(), [trusted])).toMatchObject({ outcome: 'timeout' });
    expect(trusted.received()).toContain(`token=${TOKEN}`);
    const rogue = await track(startTlsRecorder({ key: pki.intermediateMissing.key, cert: pki.intermediateMissing.cert }));
    const result = await probeOnce(checkFor(rogue.port), options(), [rogue]);
    expect(result).toMatchObject({ outcome: 'tls', certificate: { issuer: 'CN=synthmon test intermediate CA', verified: false } });
    expect(rogue.received()).toBe('');
  });
});

describe('certificate: the chain of a certificate seen before', () => {
  it('reads the chain afresh when the same certificate, verified before, comes without its intermediate', async () => {
    // The runner remembers verified chains by fingerprint; a failure must never reuse one.
    const whole = await serve('http', pki.fullChain);
    const first = await probeOnce(whole.check, options(), [whole.server]);
    expect(first.certificate).toMatchObject({ verified: true, chain: ['CN=synthmon test intermediate CA', 'CN=synthmon test CA'] });
    const again = await probeOnce(whole.check, options(), [whole.server]);
    expect(again.certificate!.chain).toEqual(first.certificate!.chain);
    const cut = await serve('http', pki.intermediateMissing);
    const broken = await probeOnce(cut.check, options(), [cut.server]);
    expect(broken.certificate).toMatchObject({ fingerprint256: first.certificate!.fingerprint256, verified: false, chain: [] });
    expect(broken.message).toContain('the server did not send the intermediate certificate');
  });
});

describe('certificate: absence and form', () => {
  it('counts daysLeft negative once expired: a day ago is -1', async () => {
    const { check, server } = await serve('http', pki.expired);
    expect((await probeOnce(check, options(), [server])).certificate!.daysLeft).toBe(-1);
  });

  it.each([
    [29.9, 29],
    [0.2, 0],
    [-0.2, -1],
    [-1.5, -1],
    [-2.5, -2],
  ])('rounds %d days to %d whole days', (days, whole) => {
    expect(wholeDaysLeft(days)).toBe(whole);
  });

  it('is absent for plain http, for a refused port and for a TLS handshake that never completed', async () => {
    const plain = await track(startHttpBackend({ state: { tokens: [TOKEN] } }));
    const check = (url: string, timeoutMs = 3000) => parseCheck({ kind: 'http', name: 'orders', url, timeoutMs, retryDelayMs: 0, auth: {} });
    expect((await probeOnce(check(plain.url), options(), [plain])).certificate).toBeUndefined();
    const port = await refusedPort();
    expect((await probeOnce(check(`https://127.0.0.1:${port}/api/`), options())).certificate).toBeUndefined();
    const silent = await track(startSilentServer());
    const hung = await probeOnce(check(`https://127.0.0.1:${silent.port}/api/`, 300), options(), [silent]);
    expect(hung).toMatchObject({ outcome: 'timeout' });
    expect(hung.certificate).toBeUndefined();
  });

  it('is in the --json line after timings: the contract keys first, in order, then the debugging keys', async () => {
    const { check, server } = await serve('http', pki.fullChain);
    const result = await probeOnce(check, options(), [server]);
    const line = JSON.parse(toJsonLine({ ...result, attempts: 1 })) as Record<string, unknown>;
    expect(Object.keys(line).slice(-2)).toEqual(['timings', 'certificate']);
    expect(Object.keys(line.certificate as object)).toEqual([...JSON_CERTIFICATE_KEYS, ...JSON_CERTIFICATE_EXTRA_KEYS]);
    expect((line.certificate as { validTo: string }).validTo).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });
});
