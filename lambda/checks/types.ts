/** What every probe takes and gives: one attempt of one check (the retry lives in lambda/run-check.ts). */
import type { LookupFunction } from 'node:net';
import type { CheckResult } from '../../contracts/result';

/** What a single attempt needs besides the check itself. */
export interface AttemptOptions {
  /** The token, when the check has auth. Never logged. */
  readonly token?: string;
  /** Extra trusted CA certificates (tests). @default - Node's store, including NODE_EXTRA_CA_CERTS */
  readonly ca?: string | Buffer | Array<string | Buffer>;
  /** Resolver override (tests). @default - dns.lookup */
  readonly lookup?: LookupFunction;
}

/** One attempt's verdict; runCheck adds `attempts`. */
export type AttemptResult = Omit<CheckResult, 'attempts'>;
