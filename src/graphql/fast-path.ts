// The fast path of POST /graphql for the common request: a JSON body holding one query or mutation,
// answered as JSON. It skips what yoga spends on the fetch API around each request (a Request built
// from node:http's, its request-parser hooks, a Response, and writing that Response back to node:http)
// and keeps everything that decides the answer: yoga's own onParams checks, envelop with every plugin
// (parser and validation caches, graphql-armor, the cost limit, error codes, masking, observability),
// yoga's onResultProcess hooks (Accept negotiation, error codes) and its JSON result processor, which
// sets the status and serializes the body. So the status, headers and bytes are those yoga sends
// (test/graphql-fast-path.test.ts compares them); anything else goes to yoga unchanged.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createGraphQLError, processRegularResult } from 'graphql-yoga';
import { GraphQLError, type ExecutionResult } from 'graphql';
import { nodeHeaders } from '../kernel/headers.js';
import type { GraphQLServer, ServerContext } from './server.js';

/** What the fast path takes: `application/json`, utf-8 if a charset is named. */
const FAST_CONTENT_TYPE = /^application\/json\s*(;\s*charset="?utf-8"?\s*)?$/i;
/** Accept values that could select a streaming answer (SSE, multipart): yoga's to negotiate. */
const STREAMING_ACCEPT = /event-stream|multipart/i;
/** Documents that may answer with a stream (subscriptions, incremental delivery): yoga's to run. */
const STREAMING_DOCUMENT = /subscription|@defer|@stream/;
const PARAMETERS = new Set(['query', 'variables', 'operationName', 'extensions']);

export interface GraphQLParams {
  query: string;
  variables?: Record<string, unknown> | null;
  operationName?: string | null;
  extensions?: Record<string, unknown> | null;
}

/** What a yoga Response carries, as its result processor builds it: a string body and a headers object. */
class CapturedResponse {
  readonly status: number;
  readonly statusText: string | undefined;
  readonly headers: Record<string, string>;
  constructor(
    readonly body: string | null,
    init: { status?: number; statusText?: string; headers?: Record<string, string> } = {},
  ) {
    this.status = init.status ?? 200;
    this.statusText = init.statusText;
    this.headers = init.headers ?? {};
  }
}
const capturingFetchAPI = { Response: CapturedResponse };

/** A request as yoga's hooks read it on this path: the method, the URL and the headers (get). */
interface RequestLike {
  method: string;
  url: string;
  headers: { get(name: string): string | null };
}

type ResultProcessor = (result: ExecutionResult, fetchAPI: typeof capturingFetchAPI, mediaType: string) => unknown;

/** The parts of a yoga server (public fields of its YogaServer class) that the fast path runs. */
interface YogaInternals {
  getResultForParams(payload: { params: GraphQLParams; request: RequestLike }, context: ServerContext): unknown;
  onResultProcessHooks: Array<(payload: Record<string, unknown>) => unknown>;
  maskedErrorsOpts: { maskError(error: unknown, message: string): Error; errorMessage: string } | null;
  instrumentation?: unknown;
  waitUntil?: unknown;
}

export type GraphQLFastPath = (req: IncomingMessage, res: ServerResponse, context: ServerContext, body: Buffer) => Promise<boolean>;

/** Whether a request is the common case, judged on its headers before its body is parsed. */
export function fastPathHeaders(req: IncomingMessage): boolean {
  const contentType = req.headers['content-type'];
  const accept = req.headers.accept;
  return (
    req.method === 'POST' &&
    contentType !== undefined &&
    FAST_CONTENT_TYPE.test(contentType) &&
    (accept === undefined || !STREAMING_ACCEPT.test(accept)) &&
    req.headers['x-graphql-event-stream-token'] === undefined
  );
}

/** The body as GraphQL parameters if it is one plain query or mutation; undefined for anything else. */
function fastPathParams(body: Buffer): GraphQLParams | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const params = value as Record<string, unknown>;
  for (const key in params) if (params[key] != null && !PARAMETERS.has(key)) return undefined;
  const { query, variables, operationName, extensions } = params;
  if (typeof query !== 'string' || STREAMING_DOCUMENT.test(query)) return undefined;
  if (!isOptionalObject(variables) || !isOptionalObject(extensions)) return undefined;
  if (operationName != null && typeof operationName !== 'string') return undefined;
  return params as unknown as GraphQLParams;
}

function isOptionalObject(value: unknown): boolean {
  return value == null || (typeof value === 'object' && !Array.isArray(value));
}

/**
 * The fast path for `graphql`, or undefined when its yoga instance has instrumentation (which wraps
 * the steps this path calls directly). Answers and returns true, or returns false (nothing read or
 * run) for yoga to answer.
 */
export function createGraphQLFastPath(graphql: GraphQLServer): GraphQLFastPath | undefined {
  const yoga = graphql as unknown as YogaInternals;
  if (yoga.instrumentation) return undefined;
  // Read once: each read through the server adapter's proxy binds a new function.
  const getResultForParams = yoga.getResultForParams;
  const onResultProcessHooks = yoga.onResultProcessHooks;
  const maskedErrors = yoga.maskedErrorsOpts;
  const waitUntil = yoga.waitUntil;
  if (typeof getResultForParams !== 'function' || !Array.isArray(onResultProcessHooks)) return undefined;

  return async function answerFast(req, res, context, body) {
    const params = fastPathParams(body);
    if (!params) return false;
    const request: RequestLike = { method: 'POST', url: req.url ?? '/graphql', headers: nodeHeaders(req.headers) };
    if (waitUntil && !('waitUntil' in context)) (context as ServerContext & { waitUntil?: unknown }).waitUntil = waitUntil;
    let result: ExecutionResult;
    try {
      result = (await getResultForParams({ params, request }, context)) as ExecutionResult;
    } catch (error) {
      // What yoga does with an error thrown outside execution (its handleError, masking on).
      if (!maskedErrors) throw error;
      const masked = maskedErrors.maskError(error, maskedErrors.errorMessage);
      result = { errors: [masked instanceof GraphQLError ? masked : createGraphQLError(masked.message, { originalError: masked })] };
    }
    send(res, await processResult(request, result, context));
    return true;
  };

  /** Yoga's processResult: the onResultProcess hooks choose the processor (and may change the result). */
  async function processResult(request: RequestLike, result: ExecutionResult, context: ServerContext): Promise<CapturedResponse> {
    let processor: ResultProcessor | undefined;
    let mediaType = '*/*';
    const acceptableMediaTypes: string[] = [];
    for (const hook of onResultProcessHooks) {
      const done = hook({
        request,
        acceptableMediaTypes,
        result,
        setResult(newResult: ExecutionResult) {
          result = newResult;
        },
        resultProcessor: processor,
        setResultProcessor(newProcessor: ResultProcessor, newMediaType: string) {
          processor = newProcessor;
          mediaType = newMediaType;
        },
        serverContext: context,
      });
      if (done instanceof Promise) await done;
    }
    if (!processor) {
      return new CapturedResponse(null, { status: 406, statusText: 'Not Acceptable', headers: { accept: acceptableMediaTypes.join('; charset=utf-8, ') } });
    }
    // Only JSON can be chosen here (fastPathHeaders leaves streaming Accept values to yoga).
    if (processor !== (processRegularResult as unknown)) throw new Error('The GraphQL fast path chose a result processor other than JSON.');
    return processor(result, capturingFetchAPI, mediaType) as CapturedResponse;
  }
}

/** As @whatwg-node/server sends a Response with a string body (its Content-Length included), in one write. */
function send(res: ServerResponse, response: CapturedResponse): void {
  if (res.closed || res.destroyed || res.writableEnded) return;
  if (response.body === null) return void res.writeHead(response.status, response.statusText, response.headers).end();
  const body = Buffer.from(response.body, 'utf8');
  res.writeHead(response.status, response.statusText, { ...response.headers, 'content-length': body.length }).end(body);
}
