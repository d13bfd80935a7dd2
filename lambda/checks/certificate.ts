/**
 * The server's certificate, read from the TLS socket (DESIGN §5 `certificate`), and the verdict on
 * it. The attempt engine connects with `rejectUnauthorized: false` and applies Node's own verdict
 * (`authorized` / `authorizationError`, which includes the host-name check) by hand, because Node
 * destroys a rejected socket before anyone can read what the peer presented; a certificate that
 * failed verification is the one an operator most needs to see.
 */
import { checkServerIdentity, type PeerCertificate, type TLSSocket } from 'node:tls';
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

/** What the peer's leaf certificate says, or undefined when it sent none. `now` is the handshake time. */
export function certificateInfo(peer: PeerCertificate | undefined, now = Date.now()): CertificateInfo | undefined {
  if (!peer || !peer.valid_to) return undefined;
  const validTo = new Date(peer.valid_to);
  if (Number.isNaN(validTo.getTime())) return undefined;
  const subject = distinguishedName(peer.subject) || (peer.subjectaltname ? `(no subject; ${peer.subjectaltname})` : '');
  return {
    subject,
    issuer: distinguishedName(peer.issuer),
    validTo: validTo.toISOString(),
    daysLeft: wholeDaysLeft((validTo.getTime() - now) / DAY_MS),
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
