/**
 * TokenError across the runner's chunks (lib/runner-bundle.ts SOURCE_CHUNK_EXTERNALS): the incident
 * chunk bundles its own copy of lambda/token-hygiene.ts, so a TokenError thrown by index.js's token
 * store is not `instanceof` the chunk's class. The channels recognise it by its brand; a second copy
 * of the module (a fresh module registry) stands in for the other chunk.
 */
import { describe, expect, it, vi } from 'vitest';
import { readSecrets } from '../../lambda/notify/channel';
import { isTokenError, TokenError, type TokenStore } from '../../lambda/tokens';

async function otherCopy(): Promise<typeof import('../../lambda/token-hygiene')> {
  vi.resetModules();
  return import('../../lambda/token-hygiene');
}

describe('TokenError across module copies', () => {
  it('is recognised by its brand where instanceof fails', async () => {
    const copy = await otherCopy();
    const err = new copy.TokenError('TOKEN_NOT_SET', 'pagerduty', 'token "pagerduty" is not set');
    expect(err instanceof TokenError).toBe(false);
    expect(isTokenError(err)).toBe(true);
    expect(copy.isTokenError(new TokenError('TOKEN_NOT_SET', 'x', 'y'))).toBe(true);
    for (const other of [new Error('TokenError'), Object.assign(new Error('x'), { name: 'TokenError', code: 'TOKEN_NOT_SET' }), null, 'TokenError'])
      expect(isTokenError(other)).toBe(false);
  });

  it("lets a channel treat another copy's missing token as configuration (not retried) and an unavailable store as retryable", async () => {
    const copy = await otherCopy();
    const store = (code: 'TOKEN_NOT_SET' | 'TOKEN_STORE_UNAVAILABLE'): TokenStore => ({
      tokenFor: (name) => Promise.reject(new copy.TokenError(code, name, `token "${name}": ${code}`)),
      describe: (name) => name,
    });
    expect(await readSecrets(store('TOKEN_NOT_SET'), ['pagerduty'])).toEqual({
      outcome: { ok: false, retryable: false, error: 'token "pagerduty": TOKEN_NOT_SET' },
    });
    expect(await readSecrets(store('TOKEN_STORE_UNAVAILABLE'), ['pagerduty'])).toEqual({
      outcome: { ok: false, retryable: true, error: 'token "pagerduty": TOKEN_STORE_UNAVAILABLE' },
    });
  });
});
