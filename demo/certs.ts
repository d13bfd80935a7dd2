/**
 * Real X.509 certificates made on the spot for loopback servers (tests, the demo replica, benchmarks):
 * a CA, a server certificate for localhost/127.0.0.1/::1, and one of each TLS failure a monitor must
 * tell apart (expired, not yet valid, wrong host, untrusted CA, self-signed, the intermediate left
 * out of the chain) plus one close to expiry. Keys come from Node's crypto (fast, native); node-forge signs.
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
  /** Same names, valid, but expiring in 5 days (minus a minute): `daysLeft` 4. */
  readonly expiringSoon: KeyAndCert;
  /** Same names, valid only from tomorrow. */
  readonly notYetValid: KeyAndCert;
  /** Same names, signed by its own key. */
  readonly selfSigned: KeyAndCert;
  /**
   * Signed by an intermediate CA that the trusted CA signed, and served WITHOUT the intermediate
   * (the incomplete chain of docs/DESIGN.md#the-problem); the leaf names its issuer's URL (authorityInfoAccess
   * caIssuers), as public CAs' leaves do.
   */
  readonly intermediateMissing: KeyAndCert;
  /** The same leaf served with its intermediate (`cert` is leaf + intermediate PEM): verifies. */
  readonly fullChain: KeyAndCert;
}

/** The caIssuers URL the test intermediate's leaves carry (never fetched: nothing is served there). */
export const TEST_CA_ISSUERS_URL = 'http://ca.synthmon.invalid/intermediate.crt';

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

/** A CA: a self-signed root, or an intermediate when `parent` signs it. */
function makeCa(commonName: string, parent?: Issuer): Issuer & { pem: string } {
  const { forgeKeys } = keyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forgeKeys.publicKey;
  cert.serialNumber = (serial++).toString(16).padStart(2, '0');
  cert.validity.notBefore = new Date(Date.now() - DAY);
  cert.validity.notAfter = new Date(Date.now() + 365 * DAY);
  const attrs = [{ name: 'commonName', value: commonName }];
  cert.setSubject(attrs);
  cert.setIssuer(parent ? parent.cert.subject.attributes : attrs);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(parent?.key ?? forgeKeys.privateKey, forge.md.sha256.create());
  return { cert, key: forgeKeys.privateKey, pem: forge.pki.certificateToPem(cert) };
}

/** authorityInfoAccess with one caIssuers URI (RFC 5280 §4.2.2.1), which node-forge has no name for. */
function caIssuersExtension(url: string): { id: string; critical: boolean; value: string } {
  const { asn1 } = forge;
  const accessDescription = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer('1.3.6.1.5.5.7.48.2').getBytes()),
    asn1.create(asn1.Class.CONTEXT_SPECIFIC, 6, false, url),
  ]);
  const value = asn1.toDer(asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [accessDescription])).getBytes();
  return { id: '1.3.6.1.5.5.7.1.1', critical: false, value };
}

interface LeafOptions {
  names: string[];
  ips: string[];
  notBefore: Date;
  notAfter: Date;
  /** authorityInfoAccess caIssuers URL. @default - none */
  caIssuers?: string;
}

/** A server certificate signed by `issuer`, or by its own key when `issuer` is 'self'. */
function makeLeaf(issuer: Issuer | 'self', opts: LeafOptions): KeyAndCert {
  const { privatePem, forgeKeys } = keyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forgeKeys.publicKey;
  cert.serialNumber = (serial++).toString(16).padStart(2, '0');
  cert.validity.notBefore = opts.notBefore;
  cert.validity.notAfter = opts.notAfter;
  const subject = [{ name: 'commonName', value: opts.names[0] ?? opts.ips[0] ?? 'synthmon' }];
  cert.setSubject(subject);
  cert.setIssuer(issuer === 'self' ? subject : issuer.cert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [...opts.names.map((value) => ({ type: 2, value })), ...opts.ips.map((ip) => ({ type: 7, ip }))],
    },
    ...(opts.caIssuers ? [caIssuersExtension(opts.caIssuers)] : []),
  ]);
  cert.sign(issuer === 'self' ? forgeKeys.privateKey : issuer.key, forge.md.sha256.create());
  return { key: privatePem, cert: forge.pki.certificateToPem(cert) };
}

const LOOPBACK = { names: ['localhost'], ips: ['127.0.0.1', '::1'] };

/** A server certificate for loopback signed by a fresh CA (the demo replica), and a way to issue more. */
export interface ServerPki {
  readonly ca: string;
  /** Valid for 30 days from now, for localhost, 127.0.0.1 and ::1. */
  readonly server: KeyAndCert;
  /** Another loopback certificate from the same CA, valid until `notAfter` (e.g. a short-lived one). */
  issue(notAfter: Date): KeyAndCert;
}

/** A server certificate for loopback signed by a fresh CA (the demo replica). */
export function makeServerPki(): ServerPki {
  const ca = makeCa('synthmon local CA');
  const now = Date.now();
  const issue = (notAfter: Date) => makeLeaf(ca, { ...LOOPBACK, notBefore: new Date(now - DAY), notAfter });
  return { ca: ca.pem, server: issue(new Date(now + 30 * DAY)), issue };
}

/** The full test PKI: a trusted leaf and one leaf for each TLS failure (see TestPki). */
export function makeTestPki(): TestPki {
  const ca = makeCa('synthmon test CA');
  const rogue = makeCa('synthmon untrusted CA');
  const intermediate = makeCa('synthmon test intermediate CA', ca);
  const now = Date.now();
  const valid = { notBefore: new Date(now - DAY), notAfter: new Date(now + 30 * DAY) };
  const chained = makeLeaf(intermediate, { ...LOOPBACK, ...valid, caIssuers: TEST_CA_ISSUERS_URL });
  return {
    ca: ca.pem,
    server: makeLeaf(ca, { ...LOOPBACK, ...valid }),
    expired: makeLeaf(ca, { ...LOOPBACK, notBefore: new Date(now - 30 * DAY), notAfter: new Date(now - DAY) }),
    wrongHost: makeLeaf(ca, { names: ['wrong.example'], ips: [], ...valid }),
    untrusted: makeLeaf(rogue, { ...LOOPBACK, ...valid }),
    expiringSoon: makeLeaf(ca, { ...LOOPBACK, notBefore: valid.notBefore, notAfter: new Date(now + 5 * DAY - 60_000) }),
    notYetValid: makeLeaf(ca, { ...LOOPBACK, notBefore: new Date(now + DAY), notAfter: new Date(now + 30 * DAY) }),
    selfSigned: makeLeaf('self', { ...LOOPBACK, ...valid }),
    intermediateMissing: chained,
    fullChain: { key: chained.key, cert: chained.cert + intermediate.pem },
  };
}
