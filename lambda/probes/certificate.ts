/**
 * The server's certificate, read from the TLS socket (README.md#cli `certificate`), and the finding on
 * it. The attempt engine connects with `rejectUnauthorized: false` and applies Node's own finding
 * (`authorized` / `authorizationError`, which includes the host-name check) by hand, because Node
 * destroys a rejected socket before anyone can read what the peer presented; a certificate that
 * failed verification is the one an operator most needs to see.
 */
import { checkServerIdentity, type DetailedPeerCertificate, type PeerCertificate, type TLSSocket } from 'node:tls';
import type { CertificateInfo } from '../../contracts/result';

const DAY_MS = 24 * 60 * 60 * 1000;

/** OpenSSL's words for the verification codes Node reports (X509_verify_cert_error_string). */
const VERIFY_TEXT: Readonly<Record<string, string>> = {
  CERT_HAS_EXPIRED: 'certificate has expired',
  CERT_NOT_YET_VALID: 'certificate is not yet valid',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in certificate chain',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unable to verify the first certificate',
  UNABLE_TO_GET_ISSUER_CERT: 'unable to get issuer certificate',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'unable to get local issuer certificate',
  CERT_SIGNATURE_FAILURE: 'certificate signature failure',
  CERT_REVOKED: 'certificate revoked',
  CERT_UNTRUSTED: 'certificate not trusted',
  CERT_REJECTED: 'certificate rejected',
};

/** A distinguished name as one line, in the certificate's order: `C=US, O=Let's Encrypt, CN=R11`. */
function distinguishedName(name: PeerCertificate['subject'] | undefined): string {
  if (!name) return '';
  return Object.entries(name)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : String(v)}`)
    .join(', ');
}

/**
 * Whole days left: rounded down while valid (29.9 → 29), and once expired the whole days since,
 * at least one (−0.2 → −1, −1.5 → −1, −2.5 → −2), so an expired certificate is never at 0.
 */
export function wholeDaysLeft(days: number): number {
  return days >= 0 ? Math.floor(days) : Math.min(-1, Math.ceil(days));
}

/** The issuers above the leaf as Node linked them (sent certificates, then the trust anchor found), nearest first. */
function issuerChain(leaf: DetailedPeerCertificate): string[] {
  const chain: string[] = [];
  const seen = new Set<DetailedPeerCertificate>([leaf]);
  // A self-signed root links to itself; an incomplete chain ends without a link. Bounded either way.
  for (let c = leaf.issuerCertificate as DetailedPeerCertificate | undefined; c && !seen.has(c) && chain.length < 10; c = c.issuerCertificate) {
    seen.add(c);
    chain.push(distinguishedName(c.subject));
  }
  return chain;
}

/** The first caIssuers URL of authorityInfoAccess (Node: `infoAccess['CA Issuers - URI']`). */
function caIssuersOf(peer: PeerCertificate): string | undefined {
  const access = (peer as PeerCertificate & { infoAccess?: Record<string, string[] | undefined> }).infoAccess;
  return access?.['CA Issuers - URI']?.[0];
}

/**
 * What the peer's leaf certificate says, or undefined when it sent none. `now` is the handshake
 * time; `protocol` and `verified` come from the socket (see inspectPeer).
 */
export function certificateInfo(
  peer: PeerCertificate | DetailedPeerCertificate | undefined,
  extra: { now?: number; protocol?: string | null; verified?: boolean; chain?: readonly string[] } = {},
): CertificateInfo | undefined {
  if (!peer || !peer.valid_to) return undefined;
  const validTo = new Date(peer.valid_to);
  if (Number.isNaN(validTo.getTime())) return undefined;
  const validFrom = new Date(peer.valid_from);
  const subject = distinguishedName(peer.subject) || (peer.subjectaltname ? `(no subject; ${peer.subjectaltname})` : '');
  const caIssuers = caIssuersOf(peer);
  return {
    subject,
    issuer: distinguishedName(peer.issuer),
    validTo: validTo.toISOString(),
    daysLeft: wholeDaysLeft((validTo.getTime() - (extra.now ?? Date.now())) / DAY_MS),
    validFrom: Number.isNaN(validFrom.getTime()) ? '' : validFrom.toISOString(),
    altNames: peer.subjectaltname ? peer.subjectaltname.split(', ') : [],
    serialNumber: peer.serialNumber ?? '',
    fingerprint256: peer.fingerprint256 ?? '',
    ...(extra.protocol ? { protocol: extra.protocol } : {}),
    chain: extra.chain ?? ('issuerCertificate' in peer ? issuerChain(peer) : []),
    ...(caIssuers ? { caIssuers } : {}),
    verified: extra.verified ?? false,
  };
}

/**
 * Why Node would have refused this connection (the chain, then the host name), as the error it
 * would have raised, with the same `code`; undefined when the certificate is accepted.
 */
export function verificationError(socket: TLSSocket, hostname: string): Error | undefined {
  if (socket.authorized) return undefined;
  const raw: unknown = socket.authorizationError;
  const code = typeof raw === 'string' ? raw : ((raw as { code?: string } | undefined)?.code ?? 'CERT_REJECTED');
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    // Node's own error, with its wording ("Host: x. is not in the cert's altnames: DNS:y").
    const identity = checkServerIdentity(hostname, socket.getPeerCertificate());
    if (identity) return identity;
  }
  return Object.assign(new Error(VERIFY_TEXT[code] ?? code.toLowerCase().replace(/_/g, ' ')), { code });
}

/**
 * The chains of verified leaves, by SHA-256 fingerprint. Reading the linked chain
 * (`getPeerCertificate(true)`) costs about three times the leaf alone (~0.2 ms more per handshake
 * here, measured), so a warm runner reads it once per certificate; a certificate that fails
 * verification is always read afresh, since its chain is the evidence. Bounded: cleared when full.
 */
const verifiedChains = new Map<string, readonly string[]>();
const VERIFIED_CHAINS_MAX = 1000;

/**
 * Everything a completed handshake tells: the leaf certificate (with its chain as linked) and the
 * finding Node would have given.
 */
export function inspectPeer(socket: TLSSocket, hostname: string, now = Date.now()): { certificate?: CertificateInfo; refusal?: Error } {
  const refusal = verificationError(socket, hostname);
  const leaf = socket.getPeerCertificate(refusal !== undefined);
  let chain: readonly string[] | undefined;
  if (!refusal && leaf?.fingerprint256) {
    chain = verifiedChains.get(leaf.fingerprint256);
    if (!chain) {
      chain = issuerChain(socket.getPeerCertificate(true));
      if (verifiedChains.size >= VERIFIED_CHAINS_MAX) verifiedChains.clear();
      verifiedChains.set(leaf.fingerprint256, chain);
    }
  }
  const certificate = certificateInfo(leaf, { now, protocol: socket.getProtocol(), verified: !refusal, ...(chain ? { chain } : {}) });
  return { ...(certificate ? { certificate } : {}), ...(refusal ? { refusal } : {}) };
}
