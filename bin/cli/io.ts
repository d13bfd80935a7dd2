/** The CLI's output: every line goes through here, scrubbed of every token the run has seen. */
import { redact } from '../../lambda/redact';
import { MIN_TOKEN_LENGTH } from '../../lambda/tokens';

export interface Io {
  /** Environment, read once at start. */
  readonly env: NodeJS.ProcessEnv;
  /** Whether stdout gets ANSI colours. */
  readonly color: boolean;
  /** One line (or block) to stdout. */
  out(text: string): void;
  /** One line (or block) to stderr. */
  err(text: string): void;
  /** Remember a token so that no output line can carry it. */
  addSecret(secret: string): void;
}

/**
 * Process-backed Io. Results are scrubbed by runCheck already; scrubbing again here is defence in
 * depth for anything else that might echo input (a URL given with the token inside, an SDK error).
 */
export function processIo(env: NodeJS.ProcessEnv, color: boolean): Io {
  const secrets = new Set<string>();
  const scrub = (text: string) => {
    let out = text;
    for (const secret of secrets) out = redact(out, secret);
    return out;
  };
  return {
    env,
    color,
    out: (text) => void process.stdout.write(`${scrub(text)}\n`),
    err: (text) => void process.stderr.write(`${scrub(text)}\n`),
    // Only what can be a token (MIN_TOKEN_LENGTH characters once trimmed, as the token stores accept
    // them): masking a shorter value would mangle the output (SYNTHMON_TOKEN=e turned "synthetic
    // monitor" into "synth***tic monitor"), and such a token is refused before it is ever sent.
    addSecret: (secret) => {
      const token = secret.trim();
      if (token.length >= MIN_TOKEN_LENGTH) secrets.add(token);
    },
  };
}

/** Resolve once both streams have handed everything written so far to the OS. */
export function flushOutput(): Promise<void> {
  const drained = (stream: NodeJS.WriteStream) => new Promise<void>((resolve) => stream.write('', () => resolve()));
  return Promise.all([drained(process.stdout), drained(process.stderr)]).then(() => undefined);
}
