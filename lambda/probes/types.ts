/** What every probe takes and gives: one attempt of one check (the retry lives in lambda/probes/confirm.ts). */
import type { LookupFunction } from 'node:net';
import type { Cause, Outcome } from '../../contracts/outcomes';
import type { CheckResult, Evidence } from '../../contracts/result';

/** What a single attempt needs besides the check itself. */
export interface AttemptOptions {
  /** The token, when the check has auth. Never logged. */
  readonly token?: string;
  /** Extra trusted CA certificates (tests). @default - Node's store, including NODE_EXTRA_CA_CERTS */
  readonly ca?: string | Buffer | Array<string | Buffer>;
  /** Resolver override (tests). @default - dns.lookup */
  readonly lookup?: LookupFunction;
}

/** One attempt's finding; runCheck adds `attempts`. */
export type AttemptResult = Omit<CheckResult, 'attempts'>;

/**
 * What a probe concludes, before the engine (./attempt.ts) adds the URL, timings and certificate.
 * `message` comes from ./messages.ts; server text in it and in `evidence` is already masked.
 */
export interface Finding {
  readonly outcome: Outcome;
  readonly message: string;
  readonly status?: number;
  readonly cause?: Cause;
  readonly closeCode?: number;
  readonly evidence?: Evidence;
}
