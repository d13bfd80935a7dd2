/**
 * A local CloudWatch endpoint for the read side (`synthmon status`): DescribeAlarms and
 * GetMetricData over alarms and datapoints a test puts in, on 127.0.0.1, in the wire protocol the
 * installed @aws-sdk/client-cloudwatch speaks (AWS JSON 1.0, query-compatible: `POST /`,
 * `X-Amz-Target: GraniteServiceVersion20100801.<Operation>`, SigV4 required but not verified,
 * timestamps as epoch seconds; see test/support/cloudwatch-recorder.ts for the write side).
 * It answers what CloudWatch documents:
 * - DescribeAlarms: AlarmNamePrefix, StateValue and AlarmTypes filter; MaxRecords (default 50,
 *   at most 100) pages with NextToken.
 * - GetMetricData: MetricStat queries (namespace, name, the exact dimension set), aggregated per
 *   Period with Sum, Average, Minimum, Maximum or SampleCount; ScanBy; at most 500 queries.
 * Anything else is refused as CloudWatch would (UnknownOperationException, InvalidParameterValue).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

const TARGET_PREFIX = 'GraniteServiceVersion20100801.';

export interface LocalAlarm {
  readonly AlarmName: string;
  readonly StateValue: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
  readonly StateReason?: string;
  /** ms since the epoch. */
  readonly StateUpdatedTimestamp?: number;
  readonly type?: 'MetricAlarm' | 'CompositeAlarm';
}

export interface LocalDatapoint {
  readonly Namespace: string;
  readonly MetricName: string;
  readonly Dimensions: Readonly<Record<string, string>>;
  /** ms since the epoch. */
  readonly Timestamp: number;
  readonly Value: number;
}

export interface CloudWatchQueryServer {
  readonly endpoint: string;
  readonly alarms: LocalAlarm[];
  readonly datapoints: LocalDatapoint[];
  /** Operations received, in order (e.g. `DescribeAlarms`). */
  readonly operations: string[];
  openSockets(): number;
  close(): Promise<void>;
}

type Json = Record<string, unknown>;

export async function startCloudWatchQueryServer(): Promise<CloudWatchQueryServer> {
  const alarms: LocalAlarm[] = [];
  const datapoints: LocalDatapoint[] = [];
  const operations: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer(
    (req, res) =>
      void handle(req, res).catch((err: Error) =>
        reply(res, 500, { __type: 'InternalServiceFault', message: err.message }, 'InternalServiceError;Receiver'),
      ),
  );
  server.on('connection', (s) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
    const target = String(req.headers['x-amz-target'] ?? '');
    if (req.method !== 'POST' || !target.startsWith(TARGET_PREFIX) || !(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 ')) {
      reply(
        res,
        400,
        { __type: 'UnknownOperationException', message: `unsupported request ${req.method} ${target}` },
        'UnknownOperationException;Sender',
      );
      return;
    }
    const op = target.slice(TARGET_PREFIX.length);
    operations.push(op);
    const input = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Json;
    if (op === 'DescribeAlarms') reply(res, 200, describeAlarms(alarms, input));
    else if (op === 'GetMetricData') {
      const out = getMetricData(datapoints, input);
      if ('error' in out) reply(res, 400, { __type: 'InvalidParameterValue', message: out.error }, 'InvalidParameterValue;Sender');
      else reply(res, 200, out);
    } else
      reply(
        res,
        400,
        { __type: 'UnknownOperationException', message: `this local CloudWatch does not speak ${op}` },
        'UnknownOperationException;Sender',
      );
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    alarms,
    datapoints,
    operations,
    openSockets: () => sockets.size,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function reply(res: ServerResponse, status: number, body: unknown, queryError?: string): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.0',
    'content-length': Buffer.byteLength(text),
    ...(queryError ? { 'x-amzn-query-error': queryError } : {}),
  });
  res.end(text);
}

function describeAlarms(alarms: readonly LocalAlarm[], input: Json): Json {
  const prefix = typeof input.AlarmNamePrefix === 'string' ? input.AlarmNamePrefix : '';
  const types = Array.isArray(input.AlarmTypes) ? (input.AlarmTypes as string[]) : ['MetricAlarm'];
  const max = Math.min(100, Number(input.MaxRecords ?? 50));
  const from = Number(input.NextToken ?? 0);
  const matching = alarms.filter(
    (a) =>
      a.AlarmName.startsWith(prefix) &&
      (input.StateValue === undefined || a.StateValue === input.StateValue) &&
      types.includes(a.type ?? 'MetricAlarm'),
  );
  const page = matching.slice(from, from + max);
  const wire = (a: LocalAlarm) => ({
    AlarmName: a.AlarmName,
    StateValue: a.StateValue,
    ...(a.StateReason ? { StateReason: a.StateReason } : {}),
    ...(a.StateUpdatedTimestamp ? { StateUpdatedTimestamp: a.StateUpdatedTimestamp / 1000 } : {}),
  });
  return {
    MetricAlarms: page.filter((a) => (a.type ?? 'MetricAlarm') === 'MetricAlarm').map(wire),
    CompositeAlarms: page.filter((a) => a.type === 'CompositeAlarm').map(wire),
    ...(from + max < matching.length ? { NextToken: String(from + max) } : {}),
  };
}

type Query = {
  Id: string;
  MetricStat?: {
    Metric: { Namespace: string; MetricName: string; Dimensions?: Array<{ Name: string; Value: string }> };
    Period: number;
    Stat: string;
  };
};

function getMetricData(datapoints: readonly LocalDatapoint[], input: Json): Json | { error: string } {
  const queries = (input.MetricDataQueries ?? []) as Query[];
  if (queries.length > 500) return { error: `The collection MetricDataQueries must not have a size greater than 500, got ${queries.length}` };
  const start = Number(input.StartTime) * 1000;
  const end = Number(input.EndTime) * 1000;
  const results = [];
  for (const q of queries) {
    if (!/^[a-z][a-zA-Z0-9_]*$/.test(q.Id)) return { error: `invalid Id ${q.Id}` };
    if (!q.MetricStat) return { error: 'only MetricStat queries are supported locally' };
    const { Metric, Period, Stat } = q.MetricStat;
    const dims = Object.fromEntries((Metric.Dimensions ?? []).map((d) => [d.Name, d.Value]));
    const same = (a: Readonly<Record<string, string>>) =>
      Object.keys(a).length === Object.keys(dims).length && Object.entries(a).every(([k, v]) => dims[k] === v);
    const buckets = new Map<number, number[]>();
    for (const d of datapoints) {
      if (d.Namespace !== Metric.Namespace || d.MetricName !== Metric.MetricName || !same(d.Dimensions) || d.Timestamp < start || d.Timestamp >= end)
        continue;
      const at = Math.floor(d.Timestamp / (Period * 1000)) * Period * 1000;
      buckets.set(at, [...(buckets.get(at) ?? []), d.Value]);
    }
    const stat = (v: number[]) =>
      Stat === 'Sum'
        ? v.reduce((a, b) => a + b, 0)
        : Stat === 'Average'
          ? v.reduce((a, b) => a + b, 0) / v.length
          : Stat === 'Minimum'
            ? Math.min(...v)
            : Stat === 'Maximum'
              ? Math.max(...v)
              : v.length;
    const times = [...buckets.keys()].sort((a, b) => (input.ScanBy === 'TimestampAscending' ? a - b : b - a));
    results.push({
      Id: q.Id,
      Label: Metric.MetricName,
      Timestamps: times.map((t) => t / 1000),
      Values: times.map((t) => stat(buckets.get(t)!)),
      StatusCode: 'Complete',
    });
  }
  return { MetricDataResults: results, Messages: [] };
}
