/**
 * The loopback backend every network benchmark probes: the demo's replica of the seed's backend
 * (demo/replica.ts, healthy: Channels-style origin validation and token auth on the WebSocket,
 * DRF token authentication on the orders endpoint), so demo, bench and product model the backend
 * once. The benchmark's token is the replica's valid token.
 */
import { startReplica } from '../demo/replica';

/** Not a secret: the replica's valid token for the benchmark; long enough for the token store's checks. */
export const BENCH_TOKEN = 'bench-token-7c1d9e3a5b20f4e8';

export interface Backend {
  readonly port: number;
  /** PEM of the CA that signed the server certificate. */
  readonly ca: string;
  readonly wsUrl: string;
  readonly httpUrl: string;
  /** The token the backend accepts. */
  readonly token: string;
  /** Close the listener and every connection still open. */
  close(): Promise<void>;
}

/** Start the replica on 127.0.0.1, healthy, with a fresh PKI. */
export async function startBackend(): Promise<Backend> {
  const replica = await startReplica({ token: BENCH_TOKEN });
  return {
    port: replica.port,
    ca: replica.ca,
    wsUrl: replica.wsUrl,
    httpUrl: replica.apiUrl,
    token: replica.token,
    close: () => replica.close(),
  };
}
