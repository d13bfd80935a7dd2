/**
 * An HTTP response body read as a browser reads it (docs/DESIGN.md#the-problem: servers compress when the client
 * allows it): decoded per Content-Encoding with node:zlib as it streams, and capped on the DECODED
 * bytes (and on the bytes received), so a decompression bomb stops at the cap; zlib honours
 * backpressure, so no more than a chunk is ever inflated past it.
 *
 * A network failure mid-body rejects (the attempt's failure path: reset, timeout). A body that
 * cannot be decoded is a fact for the finding (`decodeError`), not an error.
 */
import { Readable, Transform, pipeline } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate, createInflateRaw } from 'node:zlib';
import type { Dispatcher } from 'undici';
import { describeError } from './messages';

/** What the probe asks for: the encodings browsers send that node:zlib decodes. */
export const ACCEPT_ENCODING = 'gzip, deflate, br';

export interface Body {
  /** The decoded body, at most `cap` bytes. */
  readonly bytes: Buffer;
  /** The body is larger than `cap` (decoded or as received); `bytes` holds what was read. */
  readonly tooLarge: boolean;
  /** Content-Length, when it alone showed the body too large (nothing was read). */
  readonly declared?: number;
  /** Content-Encoding as sent, when not identity. */
  readonly encoding?: string;
  /** Why the body could not be decoded (corrupt, truncated, or an encoding the probe did not ask for). */
  readonly decodeError?: string;
}

/** zlib-wrapped deflate starts with CMF/FLG (CM = 8, header checksum); servers also send raw deflate. */
function zlibWrapped(first: Buffer | undefined): boolean {
  return !!first && first.length >= 2 && (first[0]! & 0x0f) === 8 && ((first[0]! << 8) | first[1]!) % 31 === 0;
}

function decoderFor(encoding: string, first: Buffer | undefined): Transform | undefined {
  switch (encoding) {
    case 'gzip':
    case 'x-gzip':
      return createGunzip();
    case 'deflate':
      return zlibWrapped(first) ? createInflate() : createInflateRaw();
    case 'br':
      return createBrotliDecompress();
    default:
      return undefined;
  }
}

function header(headers: Dispatcher.ResponseData['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** Read the body of `response` under `cap` decoded bytes. Rejects only for a network failure. */
export async function readBody(response: Dispatcher.ResponseData, options: { readonly cap: number; readonly method: string }): Promise<Body> {
  const { cap } = options;
  const encoding = header(response.headers, 'content-encoding')?.trim() || undefined;
  const codings = (encoding ?? '')
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c && c !== 'identity');
  const withEncoding = codings.length ? { encoding } : {};
  const unknown = codings.find((c) => !['gzip', 'x-gzip', 'deflate', 'br'].includes(c));
  if (unknown) {
    return {
      bytes: Buffer.alloc(0),
      tooLarge: false,
      ...withEncoding,
      decodeError: `Content-Encoding "${unknown}" was not asked for (the probe accepts ${ACCEPT_ENCODING})`,
    };
  }
  const declared = Number(header(response.headers, 'content-length'));
  // HEAD answers carry the GET body's length; only a body that will actually come can be too large.
  if (options.method !== 'HEAD' && Number.isFinite(declared) && declared > cap) {
    return { bytes: Buffer.alloc(0), tooLarge: true, declared, ...withEncoding };
  }

  let networkError: unknown;
  let received = 0;
  let receivedTooMuch = false;
  const body = response.body as AsyncIterable<Buffer>;
  async function* network(): AsyncGenerator<Buffer> {
    try {
      for await (const chunk of body) {
        received += chunk.length;
        // Decoding nothing out of endless input (padding, empty members) still stops at the cap.
        if (received > cap && codings.length) {
          receivedTooMuch = true;
          return;
        }
        yield chunk;
      }
    } catch (err) {
      networkError = err;
      throw err;
    }
  }
  const source = network();
  const first = await source.next();
  if (first.done) return { bytes: Buffer.alloc(0), tooLarge: receivedTooMuch, ...withEncoding };
  const replay = Readable.from(
    (async function* () {
      yield first.value;
      yield* source;
    })(),
    { objectMode: false },
  );
  // Content-Encoding lists codings in the order they were applied: undo them from the last.
  const decoders = [...codings].reverse().map((c, i) => decoderFor(c, i === 0 ? first.value : undefined)!);
  const tail: Readable = decoders.length ? decoders[decoders.length - 1]! : replay;
  if (decoders.length) pipeline([replay, ...decoders], () => undefined);

  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  try {
    for await (const chunk of tail as AsyncIterable<Buffer>) {
      if (size + chunk.length > cap) {
        chunks.push(chunk.subarray(0, cap - size));
        size = cap;
        tooLarge = true;
        break;
      }
      size += chunk.length;
      chunks.push(chunk);
    }
  } catch (err) {
    if (networkError !== undefined) throw networkError;
    // Input cut at the cap ends a stream mid-way: that is a large body, not a corrupt one.
    if (receivedTooMuch) return { bytes: Buffer.concat(chunks), tooLarge: true, ...withEncoding };
    return { bytes: Buffer.concat(chunks), tooLarge, ...withEncoding, decodeError: describeError(err) };
  } finally {
    replay.destroy();
    for (const d of decoders) d.destroy();
  }
  if (networkError !== undefined) throw networkError;
  return { bytes: Buffer.concat(chunks), tooLarge: tooLarge || receivedTooMuch, ...withEncoding };
}
