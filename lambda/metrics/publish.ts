/**
 * The one metrics publisher (README.md#metrics-and-alarms, docs/DESIGN.md#the-fleet-runner): the Lambda handler and `synthmon probe --publish` both
 * call publishResults. One PutMetricData call per run (split only past the API limits), the SDK's
 * standard retry with backoff for throttling, 5xx and network errors, and — when CloudWatch stays
 * unavailable — the same datapoints as EMF lines on stdout, so no datapoint is lost and none is sent
 * twice.
 */
// Types only: the SDK is loaded on the first publish (loadCloudWatchSdk), after the probe has run,
// which keeps ~120 ms of module loading out of the Lambda's init phase and out of the CLI's start.
import type { CloudWatchClient, CloudWatchClientConfig, MetricDatum } from '@aws-sdk/client-cloudwatch';
import { PUT_METRIC_DATA_MAX_BYTES, PUT_METRIC_DATA_MAX_DATUMS } from '../../contracts/cloudwatch-limits';
import type { CheckResult } from '../../contracts/result';
import { toMetricData, type MetricDataOptions } from './datums';
import { toEmfLines } from './emf';

/**
 * Client settings. The SDK's defaults have no connection or request timeout at all, so a
 * black-holed endpoint would hold the Lambda until its own timeout; with these the worst case is
 * bounded by {@link PUBLISH_WORST_CASE_MS}.
 */
export const CLOUDWATCH_CLIENT_SETTINGS = {
  /** TCP connect deadline per attempt. */
  connectionTimeoutMs: 2000,
  /** Whole-request deadline per attempt (connect to last response byte). */
  requestTimeoutMs: 5000,
  /** Attempts per PutMetricData call, the first included (SDK standard retry mode). */
  maxAttempts: 4,
} as const;

/**
 * Upper bound of one PutMetricData call (one batch) with the default settings: every attempt runs
 * into its request timeout, plus the standard retry mode's backoff (jittered, at most 1 + 2 + 4 s
 * when throttled; 50 + 100 + 200 ms otherwise). The Lambda timeout must leave room for it.
 */
export const PUBLISH_WORST_CASE_MS = CLOUDWATCH_CLIENT_SETTINGS.maxAttempts * CLOUDWATCH_CLIENT_SETTINGS.requestTimeoutMs + 8000;

// PutMetricData's limits per call live in contracts (the cost model counts calls with them too).
export { PUT_METRIC_DATA_MAX_BYTES, PUT_METRIC_DATA_MAX_DATUMS };

export interface ClientSettings {
  /** @default CLOUDWATCH_CLIENT_SETTINGS.connectionTimeoutMs */
  readonly connectionTimeoutMs?: number;
  /** @default CLOUDWATCH_CLIENT_SETTINGS.requestTimeoutMs */
  readonly requestTimeoutMs?: number;
  /** @default - AWS_MAX_ATTEMPTS when set, else CLOUDWATCH_CLIENT_SETTINGS.maxAttempts */
  readonly maxAttempts?: number;
  /** Anything else the SDK takes (endpoint, region, credentials). @default - the standard SDK configuration */
  readonly config?: CloudWatchClientConfig;
}

/**
 * A CloudWatch client with explicit timeouts and standard retries. Region, endpoint
 * (`AWS_ENDPOINT_URL_CLOUDWATCH`) and credentials come from the standard SDK configuration; nothing
 * AWS-specific is defaulted here. Most callers want the shared {@link getCloudWatchClient}.
 */
export async function createCloudWatchClient(settings: ClientSettings = {}): Promise<CloudWatchClient> {
  const { CloudWatchClient } = await loadCloudWatchSdk();
  const envAttempts = process.env.AWS_MAX_ATTEMPTS;
  const maxAttempts = settings.maxAttempts ?? (envAttempts ? undefined : CLOUDWATCH_CLIENT_SETTINGS.maxAttempts);
  return new CloudWatchClient({
    retryMode: 'standard',
    ...(maxAttempts !== undefined ? { maxAttempts } : {}),
    // Options rather than a NodeHttpHandler: the client builds its own (NodeHttpHandler.create), so
    // the Lambda's lazily loaded client file carries the one copy of @smithy/node-http-handler.
    requestHandler: {
      connectionTimeout: settings.connectionTimeoutMs ?? CLOUDWATCH_CLIENT_SETTINGS.connectionTimeoutMs,
      requestTimeout: settings.requestTimeoutMs ?? CLOUDWATCH_CLIENT_SETTINGS.requestTimeoutMs,
      // Without this, requestTimeout only logs a warning and the request keeps waiting.
      throwOnRequestTimeout: true,
    },
    ...settings.config,
  });
}

type CloudWatchSdk = typeof import('@aws-sdk/client-cloudwatch');
let cloudWatchSdk: Promise<CloudWatchSdk> | undefined;

/** The CloudWatch SDK module, loaded once (one lazy chunk: every importer goes through here). */
export function loadCloudWatchSdk(): Promise<CloudWatchSdk> {
  cloudWatchSdk ??= import('@aws-sdk/client-cloudwatch');
  return cloudWatchSdk;
}

const sharedClients = new Map<string, Promise<CloudWatchClient>>();

/**
 * The process's CloudWatch client for a region, created on first use (Lambda: once per container,
 * so connections and the retry quota are reused across invocations). A runner in another location
 * publishes to the home region: that is `region`.
 * @param region @default - the standard SDK configuration's region (AWS_REGION)
 */
export function getCloudWatchClient(region?: string): Promise<CloudWatchClient> {
  const key = region ?? '';
  let client = sharedClients.get(key);
  if (!client) {
    client = createCloudWatchClient(region ? { config: { region } } : {});
    client.catch(() => sharedClients.delete(key));
    sharedClients.set(key, client);
  }
  return client;
}

export interface PublishOptions extends MetricDataOptions {
  /** CloudWatch namespace (the config's `namespace`). */
  readonly namespace: string;
  /** @default - getCloudWatchClient(region) */
  readonly client?: CloudWatchClient;
  /**
   * The home region: where PutMetricData goes when no client is given (the alarms are there).
   * @default - the SDK configuration's region
   */
  readonly region?: string;
  /**
   * The region whose CloudWatch Logs receives the EMF fallback lines (a runner's own region, Lambda's
   * AWS_REGION): CloudWatch Logs makes the metrics there, which is not the home region for a runner in
   * another location. Named in the fallback's log line. @default - unknown: the line says so
   */
  readonly emfRegion?: string;
  /** Where EMF fallback lines go. @default - process.stdout, one line each */
  readonly writeLine?: (line: string) => void;
  /** Where the structured error line goes. @default - console.error */
  readonly log?: (line: string) => void;
}

export interface PublishReport {
  /** Every datapoint reached PutMetricData (false: some went out as EMF instead). */
  readonly ok: boolean;
  /** Datapoints built from the results. */
  readonly datums: number;
  /** PutMetricData calls made (one per batch; the SDK's retries inside a call not counted). */
  readonly calls: number;
  /** EMF lines written for the datapoints CloudWatch did not take. */
  readonly fallbackLines: number;
  /** Why publishing failed (error name, HTTP status, attempts, message), when it did. */
  readonly error?: string;
  /** With EMF fallback lines: where their metrics will appear, and whether the home region's alarms see them. */
  readonly fallback?: EmfDestination;
}

/** Where the metrics of EMF fallback lines appear. */
export interface EmfDestination {
  /** The region whose CloudWatch Logs turns the lines into metrics; undefined when not known. */
  readonly region?: string;
  /** Whether that is the home region, where the alarms are; undefined when not known. */
  readonly seenByHomeAlarms?: boolean;
  /** The same in words, for log lines and errors. */
  readonly note: string;
}

/**
 * Where EMF lines written to a log in `emfRegion` turn into metrics, against the home region the
 * alarms watch (`homeRegion`; undefined: publishing goes to the SDK's region, the log's own).
 */
export function emfDestination(emfRegion: string | undefined, homeRegion: string | undefined): EmfDestination {
  if (!emfRegion) {
    return {
      note:
        'CloudWatch Logs makes these metrics in the region of the log group that receives this output' +
        (homeRegion ? ` (the alarms are in ${homeRegion})` : ''),
    };
  }
  if (!homeRegion || homeRegion === emfRegion) {
    return {
      region: emfRegion,
      seenByHomeAlarms: true,
      note: `CloudWatch Logs makes these metrics in ${emfRegion}, the home region, where the alarms see them`,
    };
  }
  return {
    region: emfRegion,
    seenByHomeAlarms: false,
    note:
      `CloudWatch Logs makes these metrics in ${emfRegion}, this runner's region, not in the home region ${homeRegion}: ` +
      `the alarms there do not see them (while this lasts, this location counts as silent there and its Silent alarm fires)`,
  };
}

/**
 * Publish the results' datapoints (see toMetricData). Never throws for a CloudWatch failure: the
 * datapoints of every batch that still failed after the SDK's retries are written as EMF lines,
 * one structured error line is logged, and the report says ok:false with the error.
 */
export async function publishResults(results: readonly CheckResult[], options: PublishOptions): Promise<PublishReport> {
  const data = toMetricData(results, options);
  if (data.length === 0) return { ok: true, datums: 0, calls: 0, fallbackLines: 0 };

  const writeLine = options.writeLine ?? ((line: string) => void process.stdout.write(`${line}\n`));
  const log = options.log ?? ((line: string) => console.error(line));
  const batches = splitIntoBatches(data);
  const unpublished: MetricDatum[] = [];
  const errors: string[] = [];
  let calls = 0;

  let client: CloudWatchClient | undefined;
  try {
    client = options.client ?? (await getCloudWatchClient(options.region));
  } catch (err) {
    errors.push(describeError(err));
  }
  // Sequential: almost every run is one batch, and sequential calls keep the retry quota and the
  // fallback accounting simple (each batch is either stored or written as EMF, never both).
  const { PutMetricDataCommand } = await loadCloudWatchSdk();
  for (const batch of batches) {
    if (!client) {
      unpublished.push(...batch);
      continue;
    }
    calls += 1;
    try {
      await client.send(new PutMetricDataCommand({ Namespace: options.namespace, MetricData: batch }));
    } catch (err) {
      unpublished.push(...batch);
      errors.push(describeError(err));
    }
  }
  if (unpublished.length === 0) return { ok: true, datums: data.length, calls, fallbackLines: 0 };

  const lines = toEmfLines(options.namespace, unpublished);
  for (const line of lines) writeLine(line);
  const error = [...new Set(errors)].join('; ');
  const fallback = emfDestination(options.emfRegion, options.region);
  // The payload is never logged: counts and the error are enough to act on.
  log(
    JSON.stringify({
      level: 'error',
      msg: `PutMetricData${options.region ? ` to ${options.region}` : ''} failed after retries; datapoints written as EMF to stdout instead: ${fallback.note}`,
      namespace: options.namespace,
      ...(fallback.region ? { emfMetricsRegion: fallback.region } : {}),
      ...(options.region ? { homeRegion: options.region } : {}),
      ...(fallback.seenByHomeAlarms !== undefined ? { seenByHomeAlarms: fallback.seenByHomeAlarms } : {}),
      datums: data.length,
      unpublished: unpublished.length,
      batches: batches.length,
      failedBatches: errors.length,
      fallbackLines: lines.length,
      error,
    }),
  );
  return { ok: false, datums: data.length, calls, fallbackLines: lines.length, error, fallback };
}

/**
 * Datapoints in as few PutMetricData calls as the limits allow: a new batch only past 1,000
 * datapoints or the payload budget.
 */
export function splitIntoBatches(data: readonly MetricDatum[]): MetricDatum[][] {
  const batches: MetricDatum[][] = [];
  let current: MetricDatum[] = [];
  let bytes = 0;
  for (const datum of data) {
    // +1 for the separating comma; the envelope ({"Namespace":…,"MetricData":[]}) is inside the
    // budget's margin (a namespace is at most 255 characters).
    const size = Buffer.byteLength(JSON.stringify(datum)) + 1;
    if (current.length > 0 && (current.length >= PUT_METRIC_DATA_MAX_DATUMS || bytes + size > PUT_METRIC_DATA_MAX_BYTES)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(datum);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** Name, status, attempts and message, short; never the request. */
function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err).slice(0, 300);
  const meta = (err as { $metadata?: { httpStatusCode?: number; attempts?: number } }).$metadata;
  const code = (err as { code?: unknown }).code;
  const parts = [err.name];
  if (typeof code === 'string' && code !== err.name) parts.push(code);
  if (meta?.httpStatusCode) parts.push(`HTTP ${meta.httpStatusCode}`);
  if (meta?.attempts) parts.push(`after ${meta.attempts} attempt${meta.attempts === 1 ? '' : 's'}`);
  return `${parts.join(' ')}: ${err.message}`.slice(0, 300);
}
