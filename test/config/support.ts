/** Shared by the configuration tests: sample checks and the problems a configuration is refused with. */
import { expect } from 'vitest';
import { ConfigError, parseConfig } from '../../contracts/config';

export const ws = { name: 'chat', kind: 'websocket', url: 'wss://backend.example.com/ws/chat/' };
export const http = { name: 'orders', kind: 'http', url: 'https://backend.example.com/api/orders/' };
export const withChecks = (...checks: unknown[]) => ({ checks });

/** The problems parseConfig reports; fails the test when the configuration is accepted. */
export function problemsOf(raw: unknown): readonly string[] {
  try {
    parseConfig(raw, 'test.json');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('the configuration was accepted');
}
