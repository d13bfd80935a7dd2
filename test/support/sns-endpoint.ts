/**
 * A local Amazon SNS endpoint on 127.0.0.1 for the real SDK (@aws-sdk/client-sns speaks the AWS
 * query protocol: `POST /`, a form body `Action=Publish&Version=2010-03-31&…`, XML answers;
 * signature required by the SDK but not verified). Only Publish is spoken, and it is validated as
 * https://docs.aws.amazon.com/sns/latest/api/API_Publish.html documents: the topic must exist;
 * "Subjects must be UTF-8 text with no line breaks or control characters, and less than 100
 * characters long"; a message is "at most 256 KB in size (262,144 bytes …)"; with MessageStructure
 * json the message must be a JSON object with a string "default" and string values per protocol.
 * Faults (throttling, 5xx, hangs) are scripted per request.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What the next Publish gets instead of the service's answer. */
export type SnsFault =
  | { readonly kind: 'error'; readonly status: number; readonly code: string; readonly message: string; readonly type?: 'Sender' | 'Receiver' }
  | { readonly kind: 'hang' };

export const SnsFaults = {
  /** The SDK maps `Throttled` (429) to ThrottledException. */
  throttled: { kind: 'error', status: 429, code: 'Throttled', message: 'Rate exceeded' } as SnsFault,
  internal: { kind: 'error', status: 500, code: 'InternalError', message: 'Internal Error', type: 'Receiver' } as SnsFault,
  authorization: {
    kind: 'error',
    status: 403,
    code: 'AuthorizationError',
    message: 'User: arn:aws:sts::123456789012:assumed-role/runner is not authorized to perform: SNS:Publish',
  } as SnsFault,
  hang: { kind: 'hang' } as SnsFault,
} as const;

/** One message SNS accepted. */
export interface PublishedMessage {
  readonly topicArn: string;
  readonly subject?: string;
  readonly message: string;
  readonly messageStructure?: string;
  readonly attributes: Readonly<Record<string, string>>;
  /** What a subscriber of `protocol` receives (with MessageStructure json: its key, or "default"). */
  as(protocol: string): string;
}

export interface SnsEndpoint {
  /** For the SNSClient's `endpoint` or AWS_ENDPOINT_URL_SNS. */
  readonly endpoint: string;
  readonly published: readonly PublishedMessage[];
  /** Every request's form fields (for secret-absence checks). */
  readonly requests: ReadonlyArray<Readonly<Record<string, string>>>;
  failNext(...faults: SnsFault[]): void;
  /** Fault every Publish from now on (undefined: answer normally again). */
  failAlways(fault: SnsFault | undefined): void;
  openSockets(): number;
  close(): Promise<void>;
}

const XMLNS = 'http://sns.amazonaws.com/doc/2010-03-31/';
const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function reply(res: ServerResponse, status: number, xml: string): void {
  res.writeHead(status, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(xml), 'x-amzn-requestid': 'local-request' });
  res.end(xml);
}

function errorXml(type: string, code: string, message: string): string {
  return `<ErrorResponse xmlns="${XMLNS}"><Error><Type>${type}</Type><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`;
}

/** Why SNS would refuse this Publish (code, message), or undefined. */
function publishProblem(
  form: Readonly<Record<string, string>>,
  topics: ReadonlySet<string>,
): { status: number; code: string; message: string } | undefined {
  const topic = form.TopicArn;
  if (!topic || !topics.has(topic)) return { status: 404, code: 'NotFound', message: 'Topic does not exist' };
  const message = form.Message;
  if (message === undefined || message === '') return { status: 400, code: 'InvalidParameter', message: 'Invalid parameter: Empty message' };
  if (Buffer.byteLength(message) > 262_144) return { status: 400, code: 'InvalidParameter', message: 'Invalid parameter: Message too long' };
  const subject = form.Subject;
  if (subject !== undefined && (subject.length >= 100 || subject === '' || /[\u0000-\u001f\u007f]/.test(subject))) {
    return { status: 400, code: 'InvalidParameter', message: 'Invalid parameter: Subject' };
  }
  if (form.MessageStructure !== undefined) {
    if (form.MessageStructure !== 'json') return { status: 400, code: 'InvalidParameter', message: 'Invalid parameter: MessageStructure' };
    let parsed: unknown;
    try {
      parsed = JSON.parse(message);
    } catch {
      return { status: 400, code: 'InvalidParameter', message: 'Invalid parameter: Message Structure - JSON message body failed to parse' };
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || typeof (parsed as Record<string, unknown>).default !== 'string') {
      return { status: 400, code: 'InvalidParameter', message: 'Invalid parameter: Message Structure - No default entry in JSON message body' };
    }
    if (!Object.values(parsed).every((v) => typeof v === 'string')) {
      return { status: 400, code: 'InvalidParameter', message: 'Invalid parameter: Message Structure - JSON message body failed to parse' };
    }
  }
  return undefined;
}

/** An SNS endpoint that knows `topics` (ARNs). */
export async function startSnsEndpoint(topics: readonly string[]): Promise<SnsEndpoint> {
  const known = new Set(topics);
  const published: PublishedMessage[] = [];
  const requests: Array<Record<string, string>> = [];
  const queued: SnsFault[] = [];
  let always: SnsFault | undefined;
  const sockets = new Set<Socket>();

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const form = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
      requests.push(form);
      if (req.method !== 'POST' || form.Action !== 'Publish')
        return reply(res, 400, errorXml('Sender', 'InvalidAction', `unsupported action ${form.Action}`));
      const fault = queued.shift() ?? always;
      if (fault?.kind === 'hang') return;
      if (fault) return reply(res, fault.status, errorXml(fault.type ?? 'Sender', fault.code, fault.message));
      const problem = publishProblem(form, known);
      if (problem) return reply(res, problem.status, errorXml('Sender', problem.code, problem.message));
      const attributes: Record<string, string> = {};
      for (let i = 1; form[`MessageAttributes.entry.${i}.Name`] !== undefined; i++) {
        attributes[form[`MessageAttributes.entry.${i}.Name`]!] = form[`MessageAttributes.entry.${i}.Value.StringValue`] ?? '';
      }
      const message = form.Message!;
      const structured = form.MessageStructure === 'json' ? (JSON.parse(message) as Record<string, string>) : undefined;
      published.push({
        topicArn: form.TopicArn!,
        ...(form.Subject !== undefined ? { subject: form.Subject } : {}),
        message,
        ...(form.MessageStructure !== undefined ? { messageStructure: form.MessageStructure } : {}),
        attributes,
        as: (protocol) => (structured ? (structured[protocol] ?? structured.default!) : message),
      });
      reply(
        res,
        200,
        `<PublishResponse xmlns="${XMLNS}"><PublishResult><MessageId>${randomUUID()}</MessageId></PublishResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></PublishResponse>`,
      );
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    published,
    requests,
    failNext: (...faults) => queued.push(...faults),
    failAlways: (fault) => (always = fault),
    openSockets: () => sockets.size,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
