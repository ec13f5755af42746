// A real HTTP server on 127.0.0.1 for fault injection: each test installs the handler it needs,
// and every request is recorded.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll } from 'vitest';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export type UpstreamHandler = (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) => void | Promise<void>;

export interface Upstream {
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** Routes by exact pathname (without the query); unknown paths answer 404. */
  routes: Map<string, UpstreamHandler>;
  hits(pathname: string): number;
  close(): Promise<void>;
}

export async function startUpstream(options: { record?: boolean } = {}): Promise<Upstream> {
  const requests: RecordedRequest[] = [];
  const routes = new Map<string, UpstreamHandler>();
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const pathname = new URL(req.url ?? '/', 'http://upstream').pathname;
    if (options.record !== false) requests.push({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body });
    const handler = routes.get(pathname);
    if (!handler) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not_found"}');
      return;
    }
    try {
      await handler(req, res, body);
    } catch {
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const upstream: Upstream = {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    routes,
    hits: (pathname) => requests.filter((request) => new URL(request.url, 'http://upstream').pathname === pathname).length,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  afterAll(() => upstream.close());
  return upstream;
}

export function json(res: http.ServerResponse, status: number, body: unknown, headers: http.OutgoingHttpHeaders = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}
