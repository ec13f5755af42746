// ANY /api/integrations/:integration/request/*path: the path proxy. Same authentication, rules and
// refresh as proxyRequest, but bodies stream both ways (large downloads, binary, uploads), and the
// provider's answer is passed on as it is (status, filtered headers, encoded body).
//
// Which connection: the viewer's "default" one, or the headers X-Connection-Id / X-Connection-Name;
// X-Refresh-Policy: NONE | AUTO | FORCE. Errors are JSON { error, message } with an HTTP status.
import { missingScopeMessage, viewerHasScope } from '../domain/scopes.js';
import type http from 'node:http';
import { Transform } from 'node:stream';
import type { Authenticate } from '../domain/viewer.js';
import { AuthenticationError, ProviderError, SwitchboardError, type ErrorCode } from '../kernel/errors.js';
import { nodeHeaders } from '../kernel/headers.js';
import type { Logger } from '../kernel/log.js';
import { sendJson } from '../kernel/respond.js';
import type { RefreshPolicy } from '../tokens/refresher.js';
import type { Proxy } from './proxy.js';
import { filteredResponseHeaders } from './rules.js';

export const PATH_PROXY_PATTERN = /^\/api\/integrations\/([^/]+)\/request(\/.*)?$/;

const STATUS_BY_CODE: Record<ErrorCode, number> = {
  NOT_FOUND: 404,
  FORBIDDEN: 403,
  VALIDATION: 400,
  PROVIDER_ERROR: 502,
  REAUTHORIZATION_REQUIRED: 424,
  RATE_LIMITED: 429,
  UPSTREAM_UNAVAILABLE: 504,
  QUOTA_EXCEEDED: 429,
};

const POLICIES = new Set<RefreshPolicy>(['NONE', 'AUTO', 'FORCE']);
/** Answers up to this size (by Content-Length) are read whole and sent in one write; larger ones stream. */
const SMALL_BODY_BYTES = 64 * 1024;

export function pathProxyHandler(deps: { authenticate: Authenticate; proxy: Pick<Proxy, 'sendUpstream'>; maxRequestBytes: number; logger: Logger }) {
  /** `search` is the query as sent ("" or "?…"); `match` holds the integration and the rest of the path. */
  return async function handlePathProxy(req: http.IncomingMessage, res: http.ServerResponse, search: string, match: RegExpExecArray): Promise<void> {
    const headers = nodeHeaders(req.headers);
    let viewer;
    try {
      viewer = await deps.authenticate(headers);
      // A connect-session token can only connect: to the proxy it is no credential at all.
      if (viewer.connectSession) throw new AuthenticationError('A connect-session token cannot call providers.');
    } catch (error) {
      if (error instanceof AuthenticationError) {
        return sendJson(res, 401, { error: 'UNAUTHENTICATED', message: error.message, ...(error.reason ? { reason: error.reason } : {}) });
      }
      throw error;
    }
    if (!viewerHasScope(viewer, 'PROXY')) return sendJson(res, 403, { error: 'FORBIDDEN', message: missingScopeMessage('PROXY') });

    const policy = (headers.get('x-refresh-policy') ?? 'AUTO').toUpperCase() as RefreshPolicy;
    if (!POLICIES.has(policy)) return sendJson(res, 400, { error: 'VALIDATION', message: 'X-Refresh-Policy is NONE, AUTO or FORCE.' });
    const declaredLength = Number(req.headers['content-length'] ?? 0);
    if (declaredLength > deps.maxRequestBytes) {
      return sendJson(res, 413, { error: 'VALIDATION', message: `The request body exceeds ${deps.maxRequestBytes} bytes.` });
    }
    const hasBody = declaredLength > 0 || req.headers['transfer-encoding'] !== undefined;

    let integration: string;
    try {
      integration = decodeURIComponent(match[1]!);
    } catch {
      return sendJson(res, 400, { error: 'VALIDATION', message: 'The integration in the path is not valid.' });
    }
    try {
      const { response } = await deps.proxy.sendUpstream({
        viewer,
        reference: { integration, connectionId: headers.get('x-connection-id'), connectionName: headers.get('x-connection-name') },
        method: req.method ?? 'GET',
        // The rest of the path (as sent, still percent-encoded) and the query, relative to the API base URL.
        url: `${(match[2] ?? '/').replace(/^\/+/, '')}${search}`,
        headers: req.headers,
        stream: hasBody ? req.pipe(byteLimit(deps.maxRequestBytes)) : undefined,
        refreshPolicy: policy,
        passThroughEncoding: true,
      });
      const answerHeaders = servedOnOurOrigin(filteredResponseHeaders(response.headers));
      const length = Number(response.headers['content-length']);
      if (length <= SMALL_BODY_BYTES) {
        // A small answer of known length goes out in one write, headers and body together.
        const body = Buffer.from(await response.body.arrayBuffer());
        res.writeHead(response.statusCode, answerHeaders).end(body);
      } else {
        res.writeHead(response.statusCode, answerHeaders);
        await relay(response.body, res);
      }
    } catch (error) {
      if (error instanceof SwitchboardError) {
        if (res.headersSent) return void res.destroy();
        // A rate limit, or the refresh cooldown (a ProviderError saying when the next token request is due).
        const retryAfter =
          'retryAfterSeconds' in error ? error.retryAfterSeconds : error instanceof ProviderError ? error.details.retryAfterSeconds : undefined;
        const extra = typeof retryAfter === 'number' ? { 'retry-after': String(retryAfter) } : {};
        return sendJson(res, STATUS_BY_CODE[error.code], { error: error.code, message: error.message }, extra);
      }
      if (res.headersSent) {
        // The upstream or the client went away mid-stream: nothing more can be said on this response.
        deps.logger.debug({ err: error }, 'path proxy stream ended early');
        return void res.destroy();
      }
      throw error;
    }
  };
}

/** Upstream CORS headers would grant other sites access to Switchboard's origin. */
const UPSTREAM_CORS_HEADER = /^access-control-/;
/** Types a browser would run or render as a document with scripts (on Switchboard's origin). */
const ACTIVE_CONTENT_TYPE =
  /^\s*(text\/html|application\/xhtml\+xml|image\/svg\+xml|text\/xml|application\/xml|[\w.+-]+\/[\w.+-]*\+xml|text\/xsl|application\/(x-)?javascript|text\/javascript|application\/ecmascript|multipart\/x-mixed-replace)\b/i;

/**
 * The provider's answer is served on Switchboard's own origin: it must not run there (nosniff, a
 * sandboxing CSP, and active types as attachments) nor widen who may read it (upstream CORS dropped;
 * our own CORS answer is added by the server).
 */
function servedOnOurOrigin(headers: Record<string, string>): Record<string, string> {
  for (const name of Object.keys(headers)) if (UPSTREAM_CORS_HEADER.test(name)) delete headers[name];
  headers['x-content-type-options'] = 'nosniff';
  headers['content-security-policy'] = "sandbox; default-src 'none'; frame-ancestors 'none'";
  const type = headers['content-type'];
  if (type === undefined || ACTIVE_CONTENT_TYPE.test(type)) headers['content-disposition'] = 'attachment';
  return headers;
}

/**
 * Streams the upstream body to the client with backpressure (pipe), ending both sides on a failure of
 * either. Lighter than stream.pipeline, which builds an AbortController per call.
 */
function relay(body: NodeJS.ReadableStream & { destroy(error?: Error): void }, res: http.ServerResponse): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onClose = () => {
      // The client went away before the end: stop reading from the provider.
      if (!res.writableFinished) body.destroy();
      resolve();
    };
    res.once('close', onClose);
    body.once('error', (error) => {
      res.off('close', onClose);
      reject(error);
    });
    body.pipe(res);
  });
}

/** Passes a request body through, failing once it exceeds `limit` bytes (Content-Length may lie). */
function byteLimit(limit: number): Transform {
  let size = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      size += chunk.length;
      if (size > limit) callback(new Error(`The request body exceeds ${limit} bytes.`));
      else callback(null, chunk);
    },
  });
}
