/** Human output of `synthmon probe`: one line per check, then its message indented. */
import { Outcome } from '../../contracts/outcomes';
import type { CheckResult, Timings } from '../../contracts/result';
import { certificateWarning } from '../../lambda/probes/messages';

/** A stream's colour-relevant bits (process.stdout satisfies it). */
export interface ColorTarget {
  readonly isTTY?: boolean;
}

/**
 * Colour only for a terminal, and never when NO_COLOR is set (https://no-color.org: present and not
 * empty). FORCE_COLOR (as Node and most CLIs read it) turns colour on for a pipe, e.g. `| less -R`;
 * NO_COLOR still wins, because the user asked for no colour in so many words.
 */
export function shouldColor(env: NodeJS.ProcessEnv, stream: ColorTarget): boolean {
  if (env.NO_COLOR) return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force !== 'false';
  if (env.TERM === 'dumb') return false;
  return stream.isTTY === true;
}

const GREEN = '\u001b[32m';
const RED = '\u001b[31m';
const YELLOW = '\u001b[33m';
const DIM = '\u001b[2m';
const RESET = '\u001b[39m';
const RESET_DIM = '\u001b[22m';

const TIMING_LABELS: ReadonlyArray<[keyof Timings, string]> = [
  ['dnsMs', 'dns'],
  ['connectMs', 'connect'],
  ['tlsMs', 'tls'],
  ['firstByteMs', 'firstByte'],
  ['totalMs', 'total'],
];

export interface FormatOptions {
  readonly color: boolean;
  /** Pad names to this width so several checks line up. @default 0 */
  readonly nameWidth?: number;
  /**
   * Warn when the certificate has fewer days left than this (the configuration's
   * `alarms.certificateExpiring.daysLeft`, where CertificateExpiring pages). @default - no warning
   */
  readonly certificateWarningDays?: number;
}

/**
 * `buyer-orders  forbidden  cause=credentials_not_recognized  status=403  attempts=2  dns=0.3ms … total=8.1ms`
 * followed by the message on the next line, indented. Fields that do not apply are left out.
 */
export function formatHuman(result: CheckResult, options: FormatOptions): string {
  const paint = (code: string, reset: string, text: string) => (options.color ? `${code}${text}${reset}` : text);
  const outcome = paint(result.outcome === Outcome.OK ? GREEN : RED, RESET, result.outcome);
  const fields = [result.check.padEnd(options.nameWidth ?? 0), outcome];
  if (result.cause !== undefined) fields.push(`cause=${result.cause}`);
  if (result.status !== undefined) fields.push(`status=${result.status}`);
  if (result.closeCode !== undefined) fields.push(`closeCode=${result.closeCode}`);
  fields.push(`attempts=${result.attempts}`);
  const timings = TIMING_LABELS.filter(([key]) => result.timings[key] !== undefined)
    .map(([key, label]) => `${label}=${formatMs(result.timings[key]!)}`)
    .join(' ');
  fields.push(paint(DIM, RESET_DIM, timings));
  const message = result.message
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
  const warning = certificateWarning(result.certificate, options.certificateWarningDays);
  return `${fields.join('  ')}\n${message}${warning ? `\n    ${paint(YELLOW, RESET, warning)}` : ''}`;
}

function formatMs(ms: number): string {
  return `${Number.isInteger(ms) ? ms : ms.toFixed(1)}ms`;
}
