// Compression of whole answers (GraphQL JSON results, the GraphiQL page) when the client accepts it:
// brotli, else gzip. Streams (SSE, multipart, the path proxy) pass through untouched. The answer is
// held until it ends, compressed once, and sent with its own Content-Length; GraphiQL's page (the
// same bytes every time, ~9 MB) is compressed once per encoding and kept.
import type http from 'node:http';
import zlib from 'node:zlib';

/** Smaller answers are sent as they are: compressing them saves less than it costs. */
const COMPRESSION_MIN_BYTES = 1024;
const COMPRESSIBLE = /^(application\/(json|graphql-response\+json)|text\/html)\b/i;

type Encoding = 'br' | 'gzip';
const pageCache = new Map<Encoding, { source: Buffer; compressed: Buffer }>();

/** The encoding to use for this request's Accept-Encoding, if any (q=0 excludes one). */
function negotiateEncoding(acceptEncoding: string | string[] | undefined): Encoding | undefined {
  if (!acceptEncoding) return undefined;
  const offered = new Map<string, number>();
  for (const part of String(acceptEncoding).toLowerCase().split(',')) {
    const [name, ...params] = part.trim().split(';');
    const q = params.map((param) => /^\s*q=([\d.]+)\s*$/.exec(param)?.[1]).find(Boolean);
    if (name) offered.set(name, q === undefined ? 1 : Number(q));
  }
  for (const encoding of ['br', 'gzip'] as const) {
    const q = offered.get(encoding) ?? (offered.has(encoding) ? 0 : offered.get('*'));
    if (q !== undefined && q > 0) return encoding;
  }
  return undefined;
}

function compress(encoding: Encoding, body: Buffer, isPage: boolean): Buffer {
  if (isPage) {
    const cached = pageCache.get(encoding);
    if (cached && cached.source.equals(body)) return cached.compressed;
  }
  const compressed =
    encoding === 'br'
      ? zlib.brotliCompressSync(body, {
          params: {
            [zlib.constants.BROTLI_PARAM_QUALITY]: isPage ? 6 : 4,
            [zlib.constants.BROTLI_PARAM_SIZE_HINT]: body.length,
          },
        })
      : zlib.gzipSync(body, { level: 6 });
  if (isPage) pageCache.set(encoding, { source: body, compressed });
  return compressed;
}

/**
 * Makes `res` compress what it sends, when the request accepts brotli or gzip and the answer turns
 * out to be JSON or HTML of at least COMPRESSION_MIN_BYTES. Call before handing `res` to yoga.
 */
export function compressWhenAccepted(req: http.IncomingMessage, res: http.ServerResponse): void {
  const encoding = negotiateEncoding(req.headers['accept-encoding']);
  if (!encoding || req.method === 'HEAD') return;
  const original = { writeHead: res.writeHead, write: res.write, end: res.end };
  let head: { status: number; statusText?: string } | undefined;
  const chunks: Buffer[] = [];
  const restore = () => Object.assign(res, original);

  res.writeHead = function writeHead(this: http.ServerResponse, status: number, ...rest: unknown[]) {
    const statusText = typeof rest[0] === 'string' ? rest[0] : undefined;
    const headers = rest.find((value) => value && typeof value === 'object') as Record<string, string | string[] | number> | undefined;
    if (headers && !Array.isArray(headers)) for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    const type = String(res.getHeader('content-type') ?? '');
    if (!COMPRESSIBLE.test(type) || res.hasHeader('content-encoding') || status === 204 || status === 304) {
      restore();
      return statusText === undefined ? res.writeHead(status) : res.writeHead(status, statusText);
    }
    head = { status, statusText };
    return res;
  } as typeof res.writeHead;

  res.write = function write(chunk: unknown, ...rest: unknown[]) {
    if (!head) return original.write.call(res, chunk as never, ...(rest as [never]));
    if (chunk !== null && chunk !== undefined) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk as Uint8Array));
    return true;
  } as typeof res.write;

  res.end = function end(chunk?: unknown, ...rest: unknown[]) {
    if (!head) return original.end.call(res, chunk as never, ...(rest as [never]));
    if (chunk !== null && chunk !== undefined && typeof chunk !== 'function') {
      chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk as Uint8Array));
    }
    const { status, statusText } = head;
    restore();
    let body: Buffer = Buffer.concat(chunks);
    if (body.length >= COMPRESSION_MIN_BYTES) {
      body = compress(encoding, body, String(res.getHeader('content-type')).startsWith('text/html'));
      res.setHeader('content-encoding', encoding);
    }
    // Add to Vary (CORS may have put Origin there), never replace it.
    const vary = res.getHeader('vary');
    res.setHeader('vary', vary ? `${String(vary)}, Accept-Encoding` : 'Accept-Encoding');
    res.setHeader('content-length', body.length);
    if (statusText === undefined) res.writeHead(status);
    else res.writeHead(status, statusText);
    return res.end(body);
  } as typeof res.end;
}
