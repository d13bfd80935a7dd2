/**
 * A real DynamoDB wire-protocol endpoint on loopback for tests: dynalite (an npm devDependency, in
 * process), with conditional expressions as DynamoDB evaluates them. It can be stopped
 * and started again on the same port (a store outage) without losing its data when it keeps it in
 * a LevelDB directory (`persistent`: classic-level's prebuilt binary; no build step).
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';

export interface LocalDynamo {
  /** `http://127.0.0.1:<port>`: AWS_ENDPOINT_URL_DYNAMODB. */
  readonly endpoint: string;
  /** A client on the endpoint (region eu-west-1, dummy credentials the endpoint does not verify). */
  readonly client: DynamoDBClient;
  /** Create a table shaped as the stack creates it (partition key `pk`, String; on demand; TTL on `ttl`). */
  createTable(name: string): Promise<void>;
  /** Stop listening (connections refused) until start() again: a store outage. */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Start dynalite on 127.0.0.1 (a free port): in memory, or with `persistent` in a temporary LevelDB
 * directory so that stop() and start() keep the data (slower: use it for the outage tests).
 */
export async function startLocalDynamo(options: { persistent?: boolean } = {}): Promise<LocalDynamo> {
  const dir = options.persistent ? mkdtempSync(join(tmpdir(), 'synthmon-dynalite-')) : undefined;
  // One server object throughout: dynalite reopens its store when it listens again after close().
  const server = dynalite({ ...(dir ? { path: dir } : {}), createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 }) as Server;
  let port = 0;
  let listening = false;
  const listen = async () => {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    listening = true;
    port = (server.address() as AddressInfo).port;
  };
  const stopServer = async () => {
    if (!listening) return;
    listening = false;
    server.closeAllConnections();
    await new Promise<void>((resolve, reject) => server.close((err?: Error) => (err ? reject(err) : resolve())));
  };
  await listen();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-secret-key' },
    maxAttempts: 1,
    // Generous: the endpoint shares the test's event loop, which a race of many runners keeps busy.
    requestHandler: { connectionTimeout: 5000, requestTimeout: 10_000, throwOnRequestTimeout: true },
  });
  return {
    endpoint,
    client,
    async createTable(name) {
      await client.send(
        new CreateTableCommand({
          TableName: name,
          KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
      await client
        .send(new UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true } }))
        .catch(() => undefined);
    },
    stop: stopServer,
    start: listen,
    async close() {
      client.destroy();
      await stopServer();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
