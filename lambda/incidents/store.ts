/**
 * The incident table's client and the few DynamoDB calls the engine makes (docs/DESIGN.md#incidents).
 * The SDK is loaded on first use (the runner's lazy chunk), with explicit deadlines: the SDK's
 * defaults have none, and the engine runs inside the runner's publishing margin.
 */
import type {
  AttributeValue,
  BatchGetItemCommandOutput,
  DynamoDBClient,
  DynamoDBClientConfig,
  GetItemCommandOutput,
  UpdateItemCommandOutput,
} from '@aws-sdk/client-dynamodb';

/** Deadlines of one store call. */
export const STORE_CLIENT_SETTINGS = {
  /** TCP connect deadline per attempt. */
  connectionTimeoutMs: 1000,
  /** Whole-request deadline per attempt. */
  requestTimeoutMs: 2000,
  /** Attempts per call, the first included (SDK standard retry mode). */
  maxAttempts: 2,
} as const;

/** One item: attribute name → value (the SDK's own shape). */
export type Item = Record<string, AttributeValue>;

type DynamoSdk = typeof import('@aws-sdk/client-dynamodb');
let sdk: Promise<DynamoSdk> | undefined;
/** The SDK module, loaded once. */
export function loadDynamoSdk(): Promise<DynamoSdk> {
  sdk ??= import('@aws-sdk/client-dynamodb');
  return sdk;
}

/**
 * A DynamoDB client with deadlines and standard retries; region, endpoint (`AWS_ENDPOINT_URL_DYNAMODB`)
 * and credentials from the standard SDK configuration unless `config` says otherwise.
 */
export async function createStoreClient(config: DynamoDBClientConfig = {}): Promise<DynamoDBClient> {
  const { DynamoDBClient } = await loadDynamoSdk();
  return new DynamoDBClient({
    retryMode: 'standard',
    maxAttempts: STORE_CLIENT_SETTINGS.maxAttempts,
    requestHandler: {
      connectionTimeout: STORE_CLIENT_SETTINGS.connectionTimeoutMs,
      requestTimeout: STORE_CLIENT_SETTINGS.requestTimeoutMs,
      // Without this, requestTimeout only logs a warning and the request keeps waiting.
      throwOnRequestTimeout: true,
    },
    ...config,
  });
}

const shared = new Map<string, Promise<DynamoDBClient>>();
/** The process's client for a region (Lambda: one per container, connections reused). */
export function getStoreClient(region?: string): Promise<DynamoDBClient> {
  const key = region ?? '';
  let client = shared.get(key);
  if (!client) {
    client = createStoreClient(region ? { region } : {});
    client.catch(() => shared.delete(key));
    shared.set(key, client);
  }
  return client;
}

/** True for the error a failed condition raises (someone else wrote first). */
export function isConditionFailure(err: unknown): boolean {
  return err instanceof Error && (err.name === 'ConditionalCheckFailedException' || err.name === 'TransactionCanceledException');
}

/** The table's calls, on one client. */
export class IncidentStore {
  private readonly clientPromise: Promise<DynamoDBClient>;
  /** `client` may be a promise (the shared client, created on first use). */
  constructor(
    client: DynamoDBClient | Promise<DynamoDBClient>,
    readonly table: string,
  ) {
    this.clientPromise = Promise.resolve(client);
    // Awaited by every call; an early failure here is reported there.
    this.clientPromise.catch(() => undefined);
  }

  private async send<T>(command: unknown): Promise<T> {
    const client = await this.clientPromise;
    return (client.send as (c: unknown) => Promise<T>)(command);
  }

  /** Put an item only if its key is new; false when it existed (the conditional put lost). */
  async putNew(item: Item): Promise<boolean> {
    const { PutItemCommand } = await loadDynamoSdk();
    try {
      await this.send(new PutItemCommand({ TableName: this.table, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }));
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  /** An update under a condition; the item after it, or undefined when the condition failed. */
  async update(input: {
    pk: string;
    set: string;
    remove?: string;
    condition: string;
    names: Record<string, string>;
    values: Item;
  }): Promise<Item | undefined> {
    const { UpdateItemCommand } = await loadDynamoSdk();
    try {
      const out = await this.send<UpdateItemCommandOutput>(
        new UpdateItemCommand({
          TableName: this.table,
          Key: { pk: { S: input.pk } },
          UpdateExpression: `SET ${input.set}${input.remove ? ` REMOVE ${input.remove}` : ''}`,
          ConditionExpression: input.condition,
          ExpressionAttributeNames: input.names,
          ExpressionAttributeValues: input.values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return out.Attributes ?? {};
    } catch (err) {
      if (isConditionFailure(err)) return undefined;
      throw err;
    }
  }

  /** Replace an item if its version is still `version` (or it does not exist, for version 0). */
  async putVersioned(item: Item, version: number): Promise<boolean> {
    const { PutItemCommand } = await loadDynamoSdk();
    try {
      await this.send(
        new PutItemCommand({
          TableName: this.table,
          Item: item,
          ...(version === 0
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : {
                ConditionExpression: '#ver = :ver',
                ExpressionAttributeNames: { '#ver': 'ver' },
                ExpressionAttributeValues: { ':ver': { N: String(version) } },
              }),
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  /** One item, strongly consistent (the versioned writes read before they write). */
  async get(pk: string): Promise<Item | undefined> {
    const { GetItemCommand } = await loadDynamoSdk();
    const out = await this.send<GetItemCommandOutput>(new GetItemCommand({ TableName: this.table, Key: { pk: { S: pk } }, ConsistentRead: true }));
    return out.Item;
  }

  /**
   * Several items in one round trip (BatchGetItem, at most 100 keys a call: "A single operation can
   * retrieve up to 16 MB of data, which can contain as many as 100 items",
   * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchGetItem.html), unprocessed keys retried.
   */
  async getMany(pks: readonly string[]): Promise<Map<string, Item>> {
    const { BatchGetItemCommand } = await loadDynamoSdk();
    const found = new Map<string, Item>();
    for (let i = 0; i < pks.length; i += 100) {
      let keys: Item[] | undefined = pks.slice(i, i + 100).map((pk) => ({ pk: { S: pk } }));
      for (let round = 0; keys?.length && round < 4; round++) {
        const out: BatchGetItemCommandOutput = await this.send<BatchGetItemCommandOutput>(
          new BatchGetItemCommand({ RequestItems: { [this.table]: { Keys: keys, ConsistentRead: true } } }),
        );
        for (const item of out.Responses?.[this.table] ?? []) if (item.pk?.S) found.set(item.pk.S, item);
        keys = out.UnprocessedKeys?.[this.table]?.Keys;
      }
      for (const key of keys ?? []) {
        const pk = key.pk?.S;
        const item = pk ? await this.get(pk) : undefined;
        if (pk && item) found.set(pk, item);
      }
    }
    return found;
  }
}

/** A string attribute, or undefined. */
export const str = (item: Item | undefined, name: string): string | undefined => item?.[name]?.S;
/** A number attribute, or undefined. */
export const num = (item: Item | undefined, name: string): number | undefined => {
  const n = item?.[name]?.N;
  return n === undefined ? undefined : Number(n);
};
