/**
 * Named tokens (README.md#configuration): where the runner gets the token a check sends. In the cloud each token
 * is read from its store in the home region — an SSM Parameter Store SecureString by default (the
 * operator creates it; standard parameters cost nothing), or a Secrets Manager secret when the
 * configuration names one — and cached per token name, so every check sharing a token shares one
 * read. Locally each token comes from its environment variable.
 *
 * No error, message or cause built here ever contains a token or any part of one: messages name the
 * token, the store and the fix, and SDK errors are passed on as name and message only (never their
 * raw response, which may hold what was read).
 */
import type { ResolvedToken } from '../contracts/config';
import { acceptToken, lookup, TokenError, unknownToken, type TokenStore } from './token-hygiene';

// The shared rules and the cloud store live in their own modules; this path keeps every export it always had.
export {
  MIN_TOKEN_LENGTH,
  TOKEN_CACHE_TTL_MS,
  TOKEN_CLIENT_SETTINGS,
  TOKEN_ERROR_CODES,
  TOKEN_MAX_STALE_MS,
  TOKEN_RETRY_AFTER_FAILURE_MS,
  TokenError,
  isTokenError,
  type TokenErrorCode,
  type TokenStore,
} from './token-hygiene';
export * from './cloud-token-store';

// ---------------------------------------------------------------------------------------------
// Local and injected stores

/**
 * Local runs: each token from its environment variable (`env` of the resolved token), read on every
 * call — cheap, and a test or a shell can change it between runs.
 */
export function envTokenStore(tokens: Readonly<Record<string, ResolvedToken>>, env: NodeJS.ProcessEnv = process.env): TokenStore {
  const describe = (name: string) => {
    const t = lookup(tokens, name);
    return t ? `environment variable ${t.env}` : `unknown token "${name}"`;
  };
  return {
    describe,
    async tokenFor(name) {
      const t = lookup(tokens, name);
      if (!t) throw unknownToken(name, Object.keys(tokens));
      const value = env[t.env];
      if (value === undefined || value.trim() === '') {
        throw new TokenError(
          'TOKEN_ENV_UNSET',
          name,
          `token "${name}": environment variable ${t.env} is not set or empty; set it to the token, e.g. export ${t.env}='<token>'`,
        );
      }
      return acceptToken(value, name, describe(name), `set ${t.env} to the token alone`);
    },
  };
}

/** Fixed tokens by name (tests, or a caller that has them already), checked like any other. */
export function staticTokenStore(map: Readonly<Record<string, string>>): TokenStore {
  const describe = (name: string) => (Object.hasOwn(map, name) ? `static token "${name}"` : `unknown token "${name}"`);
  return {
    describe,
    async tokenFor(name) {
      if (!Object.hasOwn(map, name)) throw unknownToken(name, Object.keys(map));
      return acceptToken(map[name]!, name, describe(name), 'pass the token alone');
    },
  };
}
