/**
 * A local CloudWatch endpoint for tests, the demo and the benchmarks: an HTTP server on 127.0.0.1
 * that speaks PutMetricData the way the installed @aws-sdk/client-cloudwatch sends it, and records
 * every decoded request. Point the real SDK at it with `AWS_ENDPOINT_URL_CLOUDWATCH=<endpoint>` or
 * the client's `endpoint` option (plus any AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_REGION:
 * the signature is required but not verified).
 *
 * Wire protocol (client-cloudwatch 3.11xx, read from its dist-cjs): AWS JSON 1.0 in query-compatible
 * mode — `POST /`, `X-Amz-Target: GraniteServiceVersion20100801.PutMetricData`,
 * `Content-Type: application/x-amz-json-1.0`, `x-amzn-query-mode: true`, SigV4, timestamps as epoch
 * seconds, and the body gzip-compressed (`Content-Encoding: gzip`) from 10 KiB up. Errors go back as
 * `{"__type": …, "message": …}` with `x-amzn-query-error: <Code>;<Sender|Receiver>`, which the SDK
 * turns into the query-protocol error name (e.g. `Throttling`) that its retry strategy knows.
 *
 * Failures are scriptable: a list of planned answers for the next requests (500, throttling, hang
 * forever, reset), then a standing answer, and a `down` mode where the port is closed (ECONNREFUSED).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';

const gunzipAsync = promisify(gunzip);

/** The one operation the recorder speaks. */
export const PUT_METRIC_DATA_TARGET = 'GraniteServiceVersion20100801.PutMetricData';
const JSON_1_0 = 'application/x-amz-json-1.0';

/** CloudWatch's PutMetricData limits, enforced so a publisher that ignores them fails its tests. */
export const PUT_METRIC_DATA_LIMITS = {
  maxDatums: 1000,
  /** 1 MB per HTTP POST, measured on the decoded JSON. */
  maxPayloadBytes: 1024 * 1024,
  maxDimensions: 30,
  maxDimensionValueLength: 1024,
} as const;

/** Everything beyond the limit is refused unread: guards the recorder, not a CloudWatch rule. */
const MAX_WIRE_BYTES = 8 * 1024 * 1024;

const STANDARD_UNITS: ReadonlySet<string> = new Set([
  'Seconds',
  'Microseconds',
  'Milliseconds',
  'Bytes',
  'Kilobytes',
  'Megabytes',
  'Gigabytes',
  'Terabytes',
  'Bits',
  'Kilobits',
  'Megabits',
  'Gigabits',
  'Terabits',
  'Percent',
  'Count',
  'Bytes/Second',
  'Kilobytes/Second',
  'Megabytes/Second',
  'Gigabytes/Second',
  'Terabytes/Second',
  'Bits/Second',
  'Kilobits/Second',
  'Megabits/Second',
  'Gigabits/Second',
  'Terabits/Second',
  'Count/Second',
  'None',
]);

/** How the recorder answers one request. */
export type PlannedAnswer =
  | { readonly kind: 'ok' }
  | {
      readonly kind: 'error';
      readonly status: number;
      /** The JSON `__type` (shape id). */
      readonly type: string;
      /** The query-protocol error code sent in `x-amzn-query-error`. */
      readonly queryCode: string;
      readonly fault: 'Sender' | 'Receiver';
      readonly message: string;
    }
  /** Read the request, never answer (until the client gives up or the recorder closes). */
  | { readonly kind: 'hang' }
  /** Read the request, then reset the connection (TCP RST). */
  | { readonly kind: 'reset' };

/** Ready-made answers, shaped like CloudWatch's own. */
export const Answer = {
  ok: { kind: 'ok' },
  internalFailure: {
    kind: 'error',
    status: 500,
    type: 'com.amazonaws.cloudwatch#InternalServiceFault',
    queryCode: 'InternalServiceError',
    fault: 'Receiver',
    message: 'Internal service failure.',
  },
  serviceUnavailable: {
    kind: 'error',
    status: 503,
    type: 'com.amazon.coral.availability#ServiceUnavailableException',
    queryCode: 'ServiceUnavailable',
    fault: 'Receiver',
    message: 'Service unavailable.',
  },
  throttling: {
    kind: 'error',
    status: 400,
    type: 'com.amazon.coral.availability#ThrottlingException',
    queryCode: 'Throttling',
    fault: 'Sender',
    message: 'Rate exceeded',
  },
  hang: { kind: 'hang' },
  reset: { kind: 'reset' },
} as const satisfies Record<string, PlannedAnswer>;

/** A datapoint as it travels on the wire (JSON 1.0): `Timestamp` in epoch seconds. */
export interface WireDatum {
  readonly MetricName: string;
  readonly Dimensions?: ReadonlyArray<{ readonly Name: string; readonly Value: string }>;
  readonly Timestamp?: number;
  readonly Value?: number;
  readonly Unit?: string;
  readonly StorageResolution?: number;
}

/** A decoded PutMetricData input. */
export interface PutMetricDataWire {
  readonly Namespace: string;
  readonly MetricData: readonly WireDatum[];
}

/** One request as received. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  /** Lower-case header names, as Node parsed them. */
  readonly headers: IncomingHttpHeaders;
  /** The body arrived gzip-compressed. */
  readonly gzip: boolean;
  /** Body size on the wire. */
  readonly wireBytes: number;
  /** Decoded body size (what the 1 MB limit counts). */
  readonly bodyBytes: number;
  /** The decoded body text (for token-absence checks). */
  readonly body: string;
  /** The decoded input, when the request was valid PutMetricData. */
  readonly input?: PutMetricDataWire;
  /** The answer given: a planned one, or `rejected` when the request broke a CloudWatch rule. */
  readonly answer: PlannedAnswer['kind'] | 'rejected';
  /** Why the request was rejected (the CloudWatch error message). */
  readonly rejection?: string;
}

export interface CloudWatchRecorderOptions {
  /** Answers for the next requests, in order. @default [] */
  readonly answers?: readonly PlannedAnswer[];
  /** The answer once the planned ones are used up. @default Answer.ok */
  readonly then?: PlannedAnswer;
  /** Start with the port closed, so connections are refused. @default false */
  readonly down?: boolean;
}

export interface CloudWatchRecorder {
  /** `http://127.0.0.1:<port>`, for `AWS_ENDPOINT_URL_CLOUDWATCH` or the client's `endpoint`. */
  readonly endpoint: string;
  /** Every request received, in arrival order. */
  readonly requests: readonly RecordedRequest[];
  /** The datapoints CloudWatch would have stored: those of requests answered `ok`. */
  accepted(): WireDatum[];
  /** Queue more planned answers. */
  plan(...answers: PlannedAnswer[]): void;
  /** Change the standing answer used once the plan is empty. */
  setThen(answer: PlannedAnswer): void;
  /** Close the port (refuse connections, drop open ones) or open it again on the same port. */
  setDown(down: boolean): Promise<void>;
  /** Connections currently open (client keep-alive sockets included). */
  openSockets(): number;
  /** Stop listening and destroy every socket. Idempotent. */
  close(): Promise<void>;
}

/** Start a recorder on an ephemeral loopback port. */
export async function startCloudWatchRecorder(options: CloudWatchRecorderOptions = {}): Promise<CloudWatchRecorder> {
  const requests: RecordedRequest[] = [];
  const plan: PlannedAnswer[] = [...(options.answers ?? [])];
  let then: PlannedAnswer = options.then ?? Answer.ok;
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let closed = false;

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    void handle(req, res).catch(() => req.socket.destroy());
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const wire = await readBody(req);
    if (wire === undefined) {
      // Too large to read: answer like CloudWatch and drop the rest.
      reply(res, 413, errorBody('RequestEntityTooLarge', 'Request size exceeded'), 'RequestEntityTooLarge;Sender', true);
      return;
    }
    const gzip = (req.headers['content-encoding'] ?? '').toLowerCase().includes('gzip');
    let decoded: Buffer;
    try {
      decoded = gzip ? await gunzipAsync(wire, { maxOutputLength: MAX_WIRE_BYTES }) : wire;
    } catch {
      decoded = Buffer.alloc(0);
    }
    const body = decoded.toString('utf8');
    const base = {
      method: req.method ?? '',
      path: req.url ?? '',
      headers: req.headers,
      gzip,
      wireBytes: wire.length,
      bodyBytes: decoded.length,
      body,
    };
    const verdict = validate(req, decoded, body);
    if ('rejection' in verdict) {
      requests.push({ ...base, answer: 'rejected', rejection: verdict.rejection });
      reply(res, verdict.status, errorBody(verdict.code, verdict.rejection), `${verdict.code};Sender`);
      return;
    }
    const answer = plan.shift() ?? then;
    requests.push({ ...base, input: verdict.input, answer: answer.kind });
    switch (answer.kind) {
      case 'ok':
        reply(res, 200, '{}');
        return;
      case 'error':
        reply(res, answer.status, JSON.stringify({ __type: answer.type, message: answer.message }), `${answer.queryCode};${answer.fault}`);
        return;
      case 'hang':
        return;
      case 'reset':
        req.socket.resetAndDestroy();
        return;
    }
  }

  async function listen(port: number): Promise<number> {
    const s = createServer(handler);
    s.on('connection', (socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        s.off('error', reject);
        resolve();
      });
    });
    server = s;
    return (s.address() as AddressInfo).port;
  }

  async function stop(): Promise<void> {
    const s = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  const port = await listen(0);
  if (options.down) await stop();

  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    accepted: () => requests.filter((r) => r.answer === 'ok').flatMap((r) => r.input?.MetricData ?? []),
    plan: (...answers) => void plan.push(...answers),
    setThen: (answer) => {
      then = answer;
    },
    setDown: async (down) => {
      if (closed) throw new Error('the recorder is closed');
      if (down) await stop();
      else if (!server) await listen(port);
    },
    openSockets: () => sockets.size,
    close: async () => {
      closed = true;
      await stop();
    },
  };
}

/** The whole body, or undefined past MAX_WIRE_BYTES. */
async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_WIRE_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

type Verdict = { input: PutMetricDataWire } | { status: number; code: string; rejection: string };

/** The checks CloudWatch makes before accepting PutMetricData (the ones a publisher can get wrong). */
function validate(req: IncomingMessage, decoded: Buffer, body: string): Verdict {
  const reject = (status: number, code: string, rejection: string): Verdict => ({ status, code, rejection });
  if (req.method !== 'POST' || (req.url ?? '').split('?')[0] !== '/') {
    return reject(404, 'UnknownOperationException', `expected POST /, got ${req.method} ${req.url}`);
  }
  const target = req.headers['x-amz-target'];
  if (target !== PUT_METRIC_DATA_TARGET) {
    return reject(400, 'UnknownOperationException', `the recorder only speaks ${PUT_METRIC_DATA_TARGET}, got ${String(target)}`);
  }
  if (!(req.headers['content-type'] ?? '').startsWith(JSON_1_0)) {
    return reject(400, 'InvalidParameterValue', `expected Content-Type ${JSON_1_0}, got ${req.headers['content-type']}`);
  }
  if (!(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 Credential=')) {
    return reject(403, 'MissingAuthenticationToken', 'Request is missing a SigV4 Authorization header.');
  }
  if (decoded.length > PUT_METRIC_DATA_LIMITS.maxPayloadBytes) {
    return reject(413, 'RequestEntityTooLarge', `Request size ${decoded.length} exceeded ${PUT_METRIC_DATA_LIMITS.maxPayloadBytes} bytes`);
  }
  let input: unknown;
  try {
    input = JSON.parse(body);
  } catch {
    return reject(400, 'SerializationException', 'the body is not JSON (or not valid gzip)');
  }
  const problem = inputProblem(input);
  if (problem) return reject(400, 'InvalidParameterValue', problem);
  return { input: input as PutMetricDataWire };
}

function inputProblem(input: unknown): string | undefined {
  if (typeof input !== 'object' || input === null) return 'the body is not a JSON object';
  const { Namespace, MetricData } = input as Record<string, unknown>;
  if (typeof Namespace !== 'string' || Namespace.length < 1 || Namespace.length > 255 || Namespace.startsWith('AWS/')) {
    return `invalid Namespace ${JSON.stringify(Namespace)}`;
  }
  if (!Array.isArray(MetricData) || MetricData.length < 1) return 'MetricData must be a non-empty list';
  if (MetricData.length > PUT_METRIC_DATA_LIMITS.maxDatums) {
    return `The collection MetricData must not have a size greater than ${PUT_METRIC_DATA_LIMITS.maxDatums}, got ${MetricData.length}.`;
  }
  for (const [i, d] of MetricData.entries()) {
    const at = `MetricData.member.${i + 1}`;
    if (typeof d !== 'object' || d === null) return `${at} is not an object`;
    const datum = d as Record<string, unknown>;
    if (typeof datum.MetricName !== 'string' || datum.MetricName.length < 1) return `${at}.MetricName is required`;
    if (typeof datum.Value !== 'number' || !Number.isFinite(datum.Value)) return `${at}.Value must be a finite number`;
    if (datum.Unit !== undefined && !STANDARD_UNITS.has(String(datum.Unit))) return `${at}.Unit ${String(datum.Unit)} is not a StandardUnit`;
    if (datum.Timestamp !== undefined && (typeof datum.Timestamp !== 'number' || !Number.isFinite(datum.Timestamp))) {
      return `${at}.Timestamp must be epoch seconds`;
    }
    const dims = datum.Dimensions ?? [];
    if (!Array.isArray(dims) || dims.length > PUT_METRIC_DATA_LIMITS.maxDimensions) return `${at}.Dimensions must be a list of at most 30`;
    for (const dim of dims as Array<Record<string, unknown>>) {
      const ok =
        typeof dim?.Name === 'string' &&
        dim.Name.length >= 1 &&
        dim.Name.length <= 255 &&
        typeof dim.Value === 'string' &&
        dim.Value.length >= 1 &&
        dim.Value.length <= PUT_METRIC_DATA_LIMITS.maxDimensionValueLength;
      if (!ok) return `${at}.Dimensions has an invalid dimension ${JSON.stringify(dim).slice(0, 80)}`;
    }
  }
  return undefined;
}

function errorBody(code: string, message: string): string {
  return JSON.stringify({ __type: `com.amazonaws.cloudwatch#${code}`, message });
}

function reply(res: ServerResponse, status: number, body: string, queryError?: string, closeAfter = false): void {
  res.writeHead(status, {
    'content-type': JSON_1_0,
    'content-length': Buffer.byteLength(body),
    'x-amzn-requestid': randomUUID(),
    ...(queryError ? { 'x-amzn-query-error': queryError } : {}),
    ...(closeAfter ? { connection: 'close' } : {}),
  });
  res.end(body);
}
