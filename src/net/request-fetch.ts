// fetch's contract (what openid-client's customFetch is given and must return) over undici's
// request: the token, discovery and revocation requests skip undici's fetch machinery (Request
// objects, CORS bookkeeping, a web stream per body) and the headers it adds on its own
// (accept-language, sec-fetch-mode, accept-encoding). The answer is read whole, with a size cap, and
// handed back as a Response; redirects are answered as they are, never followed.
import { gunzipSync, inflateSync, brotliDecompressSync } from 'node:zlib';
import type { Dispatcher } from 'undici';
import { readBody } from './body.js';

/** Sends one request through the outbound layer (its agent, address check and timeouts). */
export type SendRequest = (options: Dispatcher.RequestOptions) => Promise<Dispatcher.ResponseData>;

/** What a fetch call may be given here (openid-client passes a plain record of headers and a form). */
export interface RequestFetchInit {
  method?: string;
  headers?: Headers | Record<string, string> | Array<[string, string]>;
  body?: string | URLSearchParams | Uint8Array | null;
  signal?: AbortSignal | null;
  redirect?: string;
}

/** The answer was larger than the cap; read like a failed fetch. */
class ResponseTooLargeError extends Error {
  override name = 'ResponseTooLargeError';
  readonly code = 'RESPONSE_TOO_LARGE';
}

/** Statuses whose Response may not have a body. */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

function headerRecord(headers: RequestFetchInit['headers']): Record<string, string> {
  if (!headers) return {};
  if (headers instanceof Headers || Array.isArray(headers)) return Object.fromEntries(headers);
  return headers;
}

function bodyOf(body: RequestFetchInit['body']): string | Uint8Array | undefined {
  if (body === null || body === undefined) return undefined;
  return body instanceof URLSearchParams ? body.toString() : body;
}

/** Undoes a content encoding the server applied although none was asked for. */
function decoded(bytes: Buffer, encoding: string | undefined): Buffer {
  switch (encoding?.trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return gunzipSync(bytes);
    case 'deflate':
      return inflateSync(bytes);
    case 'br':
      return brotliDecompressSync(bytes);
    default:
      return bytes;
  }
}

/**
 * A fetch that sends through `send`. As fetch does, a request that fails before an answer rejects
 * with a TypeError whose cause is the network error (codes are read from the cause), and an aborted
 * one with the signal's reason.
 */
export function requestFetch(send: SendRequest, maxResponseBytes: number): (url: string, init?: RequestFetchInit) => Promise<Response> {
  return async (url, init = {}) => {
    const target = new URL(url);
    const body = bodyOf(init.body);
    const headers = headerRecord(init.headers);
    if (typeof body === 'string' && !Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) {
      headers['content-type'] = init.body instanceof URLSearchParams ? 'application/x-www-form-urlencoded;charset=UTF-8' : 'text/plain;charset=UTF-8';
    }
    let answer: Dispatcher.ResponseData;
    let bytes: Buffer;
    try {
      answer = await send({
        origin: target.origin,
        path: target.pathname + target.search,
        method: (init.method ?? 'GET').toUpperCase() as Dispatcher.HttpMethod,
        headers,
        body,
        signal: init.signal ?? undefined,
      });
      const read = await readBody(answer.body, maxResponseBytes);
      if (!read.complete) throw new ResponseTooLargeError(`The answer of ${target.host} exceeds ${maxResponseBytes} bytes.`);
      bytes = read.bytes;
    } catch (error) {
      if (init.signal?.aborted) throw init.signal.reason;
      throw new TypeError('fetch failed', { cause: error });
    }
    const responseHeaders = new Headers();
    for (const [name, value] of Object.entries(answer.headers)) {
      if (Array.isArray(value)) for (const each of value) responseHeaders.append(name, each);
      else if (value !== undefined) responseHeaders.append(name, value);
    }
    const encoding = responseHeaders.get('content-encoding') ?? undefined;
    if (encoding && bytes.length) {
      try {
        bytes = decoded(bytes, encoding);
      } catch (error) {
        throw new TypeError('fetch failed', { cause: error });
      }
      responseHeaders.delete('content-encoding');
      responseHeaders.delete('content-length');
    }
    const status = answer.statusCode;
    return new Response(NULL_BODY_STATUSES.has(status) ? null : (bytes as Uint8Array<ArrayBuffer>), { status, headers: responseHeaders });
  };
}
