/**
 * Defaults that follow from other fields, applied in one place after validation: a check's interval
 * (the top-level one), its deadline and retry pause (from its interval), and every token a check
 * names resolved to where it lives. Fixed defaults are on the fields themselves (`.default(…)`).
 */
import { defaultParameterName, defaultTokenEnv, isFastInterval, type IntervalSeconds } from '../fleet';
import type { Check, ParsedCheck } from './checks';
import type { ResolvedToken, TokenConfig } from './tokens';

const FAST_RETRY_DELAY_MS = 1_000;

/**
 * The per-attempt deadline unless the check sets one: 10 s; for a fast check, what lets both
 * attempts (a 1 s settle window each), the 1 s retry pause and 1 s of margin end before the next
 * tick: 3 s at 10 s, 8 s at 20 s, 10 s at 30 s. A fast check confirms a failure inside its tick
 * (docs/DESIGN.md#alarms: the design `npm run bench` chose, `fastConfirmation`).
 */
export function defaultTimeoutMs(intervalSeconds: number): number {
  if (!isFastInterval(intervalSeconds)) return 10_000;
  return Math.min(10_000, Math.floor((intervalSeconds * 1000 - FAST_RETRY_DELAY_MS - 1_000) / 2) - 1_000);
}

/** The confirmation pause unless the check sets one: 2 s, 1 s for fast checks (inside the tick). */
export function defaultRetryDelayMs(intervalSeconds: number): number {
  return isFastInterval(intervalSeconds) ? FAST_RETRY_DELAY_MS : 2_000;
}

/** The fields the defaults read, as the schema's fields have parsed them. */
interface Parsed {
  readonly intervalSeconds: IntervalSeconds;
  readonly checks: readonly ParsedCheck[];
  readonly tokens: Readonly<Record<string, TokenConfig>>;
}

/** The configuration with every derived default filled in: each check's interval, deadline and retry pause, and each token it names. */
export function applyDefaults<T extends Parsed>(cfg: T): Omit<T, 'checks' | 'tokens'> & { checks: Check[]; tokens: Record<string, ResolvedToken> } {
  const checks = cfg.checks.map((check) => {
    const intervalSeconds = check.intervalSeconds ?? cfg.intervalSeconds;
    return {
      ...check,
      intervalSeconds,
      timeoutMs: check.timeoutMs ?? defaultTimeoutMs(intervalSeconds),
      retryDelayMs: check.retryDelayMs ?? defaultRetryDelayMs(intervalSeconds),
    } as Check;
  });
  const names = new Set([...Object.keys(cfg.tokens), ...checks.flatMap((c) => (c.auth ? [c.auth.token] : []))]);
  const tokens: Record<string, ResolvedToken> = {};
  for (const name of [...names].sort()) {
    const t = Object.hasOwn(cfg.tokens, name) ? cfg.tokens[name]! : {};
    tokens[name] = {
      name,
      env: t.env ?? defaultTokenEnv(name),
      ...(t.secret ? { secret: t.secret } : { parameter: t.parameter ?? defaultParameterName(name) }),
    };
  }
  return { ...cfg, checks, tokens };
}

/**
 * The home region (README.md#configuration): `homeRegion`, else the first location; undefined for a monitor that
 * names neither (it lives in the deploy region).
 */
export function homeRegionOf(config: { readonly homeRegion?: string | undefined; readonly locations: readonly string[] }): string | undefined {
  return config.homeRegion ?? config.locations[0];
}
