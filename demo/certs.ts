/**
 * Real X.509 certificates made on the spot for loopback servers (tests, the demo replica, benchmarks):
 * a CA, a server certificate for localhost/127.0.0.1/::1, an expired one, one for the wrong host,
 * and one from an untrusted CA. Keys come from Node's crypto (fast, native); node-forge signs.
 */
import { generateKeyPairSync } from 'node:crypto';
import forge from 'node-forge';

export interface KeyAndCert {
  readonly key: string;
  readonly cert: string;
}

export interface TestPki {
  /** PEM of the trusted CA: give it to the probe as `ca`. */
  readonly ca: string;
  /** Valid for localhost, 127.0.0.1 and ::1. */
  readonly server: KeyAndCert;
  /** Same names, validity ended yesterday. */
  readonly expired: KeyAndCert;
  /** Valid, but only for wrong.example. */
  readonly wrongHost: KeyAndCert;
  /** Valid names, signed by a CA the probe does not trust. */
  readonly untrusted: KeyAndCert;
}

const DAY = 24 * 60 * 60 * 1000;

function keyPair(): { privatePem: string; forgeKeys: { privateKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey } } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privatePem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  return {
    privatePem,
    forgeKeys: {
      privateKey: forge.pki.privateKeyFromPem(privatePem),
      publicKey: forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString()),
    },
  };
}

let serial = 1;

interface Issuer {
  readonly cert: forge.pki.Certificate;
  readonly key: forge.pki.rsa.PrivateKey;
}

function makeCa(commonName: string): Issuer & { pem: string } {
  const { forgeKeys } = keyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forgeKeys.publicKey;
  cert.serialNumber = (serial++).toString(16).padStart(2, '0');
  cert.validity.notBefore = new Date(Date.now() - DAY);
  cert.validity.notAfter = new Date(Date.now() + 365 * DAY);
  const attrs = [{ name: 'commonName', value: commonName }];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(forgeKeys.privateKey, forge.md.sha256.create());
  return { cert, key: forgeKeys.privateKey, pem: forge.pki.certificateToPem(cert) };
}

function makeLeaf(issuer: Issuer, opts: { names: string[]; ips: string[]; notBefore: Date; notAfter: Date }): KeyAndCert {
  const { privatePem, forgeKeys } = keyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forgeKeys.publicKey;
  cert.serialNumber = (serial++).toString(16).padStart(2, '0');
  cert.validity.notBefore = opts.notBefore;
  cert.validity.notAfter = opts.notAfter;
  cert.setSubject([{ name: 'commonName', value: opts.names[0] ?? opts.ips[0] ?? 'synthmon' }]);
  cert.setIssuer(issuer.cert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [...opts.names.map((value) => ({ type: 2, value })), ...opts.ips.map((ip) => ({ type: 7, ip }))],
    },
  ]);
  cert.sign(issuer.key, forge.md.sha256.create());
  return { key: privatePem, cert: forge.pki.certificateToPem(cert) };
}

const LOOPBACK = { names: ['localhost'], ips: ['127.0.0.1', '::1'] };

/** A server certificate for loopback signed by a fresh CA (the demo replica needs only this). */
export function makeServerPki(): { ca: string; server: KeyAndCert } {
  const ca = makeCa('synthmon local CA');
  const now = Date.now();
  return { ca: ca.pem, server: makeLeaf(ca, { ...LOOPBACK, notBefore: new Date(now - DAY), notAfter: new Date(now + 30 * DAY) }) };
}

/** The full test PKI: trusted, expired, wrong-host and untrusted leaves. */
export function makeTestPki(): TestPki {
  const ca = makeCa('synthmon test CA');
  const rogue = makeCa('synthmon untrusted CA');
  const now = Date.now();
  const valid = { notBefore: new Date(now - DAY), notAfter: new Date(now + 30 * DAY) };
  return {
    ca: ca.pem,
    server: makeLeaf(ca, { ...LOOPBACK, ...valid }),
    expired: makeLeaf(ca, { ...LOOPBACK, notBefore: new Date(now - 30 * DAY), notAfter: new Date(now - DAY) }),
    wrongHost: makeLeaf(ca, { names: ['wrong.example'], ips: [], ...valid }),
    untrusted: makeLeaf(rogue, { ...LOOPBACK, ...valid }),
  };
}
