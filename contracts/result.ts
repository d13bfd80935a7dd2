import { Outcome, type Cause } from './outcomes';

/** Phase timings in milliseconds, measured from socket events. `totalMs` is always present. */
export interface Timings {
  readonly dnsMs?: number;
  readonly connectMs?: number;
  readonly tlsMs?: number;
  /** Time to the first response byte (HTTP) or to the upgrade response (WebSocket). */
  readonly firstByteMs?: number;
  readonly totalMs: number;
}

import type { CheckKind } from './kinds';
export type { CheckKind } from './kinds';

/**
 * The one result type, filled on failure too (README.md#cli JSON shape plus evidence kept for logs).
 * `url` and `message` never contain the token.
 */
export interface CheckResult {
  readonly check: string;
  readonly kind: CheckKind;
  /** The target URL with any token replaced by `***`. */
  readonly url: string;
  readonly ok: boolean;
  readonly outcome: Outcome;
  readonly status?: number;
  readonly cause?: Cause;
  readonly closeCode?: number;
  /** 1, or 2 when a failing first attempt was confirmed by a retry. */
  readonly attempts: number;
  /** What happened and the likely fix, for humans. */
  readonly message: string;
  /**
   * The fix alone (the `check:` part of `message`), as the message builder chose it: the page's fix
   * (docs/DESIGN.md#incidents). Absent when the builder gave none.
   */
  readonly fix?: string;
  readonly timings: Timings;
  /**
   * The leaf certificate, whenever a TLS handshake completed, also when it failed verification
   * (README.md#cli); absent for plain ws:// and http://, and when no handshake completed.
   */
  readonly certificate?: CertificateInfo;
  /** When the reported attempt started (ISO 8601); the metric timestamp. */
  readonly startedAt: string;
  /** Evidence for logs (never in the --json contract): error code, a few headers, body excerpt. */
  readonly evidence?: Evidence;
}

/**
 * What the server's leaf certificate says (README.md#cli `certificate`: the first four keys are the
 * contract), and what a person debugging TLS asks next: the names it covers, which certificate it
 * is, how the chain was linked, and whether it verified.
 */
export interface CertificateInfo {
  /** The subject's distinguished name, e.g. `CN=multivendor-backend.indexo.ir`. */
  readonly subject: string;
  /** The issuer's distinguished name, e.g. `C=US, O=Let's Encrypt, CN=R11`. */
  readonly issuer: string;
  /** End of validity, ISO 8601. */
  readonly validTo: string;
  /** Whole days from the handshake to `validTo` (29.9 → 29); negative once expired, the whole days since, at least 1 (−0.2 → −1). */
  readonly daysLeft: number;
  /** Start of validity, ISO 8601. */
  readonly validFrom: string;
  /** The subjectAltName entries, as OpenSSL prints them: `DNS:indexo.ir`, `IP Address:127.0.0.1`. */
  readonly altNames: readonly string[];
  /** The serial number, hex, as OpenSSL prints it. */
  readonly serialNumber: string;
  /** SHA-256 fingerprint of the leaf, colon-separated hex (what `openssl x509 -fingerprint -sha256` prints). */
  readonly fingerprint256: string;
  /** The negotiated protocol, e.g. `TLSv1.3`. */
  readonly protocol?: string;
  /**
   * The issuers above the leaf as the handshake linked them, nearest first: the certificates the
   * server sent, then the trusted CA they lead to (e.g. `["C=US, O=Let's Encrypt, CN=R11", "… CN=ISRG Root X1"]`).
   * Empty when the server sent the leaf alone and no trusted CA issued it.
   */
  readonly chain: readonly string[];
  /** Where the issuer's certificate is published (authorityInfoAccess caIssuers), when the leaf says. */
  readonly caIssuers?: string;
  /** The chain led to a trusted CA and the certificate covers the host name (what a browser requires). */
  readonly verified: boolean;
}

export interface Evidence {
  /** A stable error code (e.g. ECONNREFUSED, CERT_HAS_EXPIRED, UND_ERR_HEADERS_TIMEOUT). */
  readonly errorCode?: string;
  /** A few response headers (lower-case names), secrets removed. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Up to 2 KB of the response body, token removed. */
  readonly bodyExcerpt?: string;
}

/** The keys of the CLI's `--json` contract, in order. */
export const JSON_RESULT_KEYS = [
  'check',
  'kind',
  'url',
  'ok',
  'outcome',
  'status',
  'cause',
  'closeCode',
  'attempts',
  'message',
  'timings',
  'certificate',
] as const;

/** The keys of `timings` in the `--json` contract, in order (`totalMs` last). */
export const JSON_TIMING_KEYS = ['dnsMs', 'connectMs', 'tlsMs', 'firstByteMs', 'totalMs'] as const;

/** The keys of `certificate` in the `--json` contract, in order. */
export const JSON_CERTIFICATE_KEYS = ['subject', 'issuer', 'validTo', 'daysLeft'] as const;

/** The debugging keys `--json` prints after the contract's, in order (absent ones left out). */
export const JSON_CERTIFICATE_EXTRA_KEYS = [
  'validFrom',
  'altNames',
  'serialNumber',
  'fingerprint256',
  'protocol',
  'chain',
  'caIssuers',
  'verified',
] as const;

/** The `--json` line for one result: exactly the contract's keys, in its order (README.md#cli). */
export function toJsonLine(result: CheckResult): string {
  const out: Record<string, unknown> = {};
  for (const key of JSON_RESULT_KEYS) {
    if (result[key] !== undefined) out[key] = result[key];
  }
  // Rebuilt rather than copied: the probes fill timings in measuring order, not the contract's.
  const timings: Record<string, number> = {};
  for (const key of JSON_TIMING_KEYS) {
    if (result.timings[key] !== undefined) timings[key] = result.timings[key];
  }
  out.timings = timings;
  if (result.certificate) {
    const certificate: Record<string, unknown> = {};
    for (const key of [...JSON_CERTIFICATE_KEYS, ...JSON_CERTIFICATE_EXTRA_KEYS]) {
      if (result.certificate[key] !== undefined) certificate[key] = result.certificate[key];
    }
    out.certificate = certificate;
  }
  return JSON.stringify(out);
}

/** The result of a check that could not run (outcome `error`: configuration, token): no endpoint verdict. */
export function errorResult(check: string, kind: CheckKind, url: string, message: string): CheckResult {
  return {
    check,
    kind,
    url,
    ok: false,
    outcome: Outcome.ERROR,
    attempts: 1,
    message,
    timings: { totalMs: 0 },
    startedAt: new Date().toISOString(),
  };
}
