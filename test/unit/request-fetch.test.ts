// The provider fetch (openid-client's customFetch) over undici's request, against a real HTTP server
// on 127.0.0.1: what reaches the server, what the caller gets back, and how failures look.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestFetch } from '../../src/net/request-fetch.js';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

let server: http.Server;
let base: string;
const seen: Seen[] = [];
const agent = new Agent();
const fetchThroughRequest = requestFetch((options) => agent.request(options), 1024);

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString() });
      const pathname = new URL(req.url!, 'http://127.0.0.1').pathname;
      if (pathname === '/token') return res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'] }).end('{"access_token":"x"}');
      if (pathname === '/redirect') return res.writeHead(302, { location: '/elsewhere' }).end();
      if (pathname === '/gzip') return res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' }).end(gzipSync('{"zipped":true}'));
      if (pathname === '/large') return res.writeHead(200, { 'content-type': 'text/plain' }).end('x'.repeat(4096));
      if (pathname === '/empty') return res.writeHead(204).end();
      if (pathname === '/slow') return void setTimeout(() => res.writeHead(200).end('late'), 2_000);
      res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await agent.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('requestFetch', () => {
  it('sends the form with only the headers the caller gave (none that undici fetch adds)', async () => {
    seen.length = 0;
    const response = await fetchThroughRequest(`${base}/token?x=1`, {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8', 'user-agent': 'test-agent' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'r1' }),
      redirect: 'manual',
    });
    expect(response).toBeInstanceOf(Response);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ access_token: 'x' });
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    const [request] = seen;
    expect(request).toMatchObject({ method: 'POST', url: '/token?x=1', body: 'grant_type=refresh_token&refresh_token=r1' });
    expect(request!.headers['content-type']).toBe('application/x-www-form-urlencoded;charset=UTF-8');
    expect(request!.headers['user-agent']).toBe('test-agent');
    for (const added of ['accept-language', 'sec-fetch-mode', 'accept-encoding']) expect(request!.headers[added]).toBeUndefined();
  });

  it('takes headers as a Headers object too, and gives a form a form content type', async () => {
    seen.length = 0;
    await fetchThroughRequest(`${base}/token`, { method: 'post', headers: new Headers({ 'X-Test': 'yes' }), body: new URLSearchParams({ a: 'b' }) });
    expect(seen[0]!.method).toBe('POST');
    expect(seen[0]!.headers['x-test']).toBe('yes');
    expect(seen[0]!.headers['content-type']).toBe('application/x-www-form-urlencoded;charset=UTF-8');
  });

  it('answers a redirect as it is, without following it', async () => {
    seen.length = 0;
    const response = await fetchThroughRequest(`${base}/redirect`, { redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/elsewhere');
    expect(seen.map((request) => request.url)).toEqual(['/redirect']);
  });

  it('decodes a compressed answer it did not ask for', async () => {
    const response = await fetchThroughRequest(`${base}/gzip`);
    expect(response.headers.get('content-encoding')).toBeNull();
    expect(await response.json()).toEqual({ zipped: true });
  });

  it('gives a bodiless status an empty body', async () => {
    const response = await fetchThroughRequest(`${base}/empty`);
    expect(response.status).toBe(204);
    expect(response.body).toBeNull();
  });

  it('fails like fetch when the answer exceeds the cap', async () => {
    const failure = await fetchThroughRequest(`${base}/large`).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TypeError);
    expect((failure as TypeError).cause).toMatchObject({ code: 'RESPONSE_TOO_LARGE' });
  });

  it('fails like fetch when nothing listens, with the network code on the cause', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const failure = await fetchThroughRequest(`http://127.0.0.1:${port}/token`).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TypeError);
    expect((failure as TypeError).cause).toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('rejects with the signal’s reason when aborted (a timeout)', async () => {
    const failure = await fetchThroughRequest(`${base}/slow`, { signal: AbortSignal.timeout(100) }).catch((error: unknown) => error);
    expect(failure).toMatchObject({ name: 'TimeoutError' });
  });
});
