// Switchboard's MCP server (PUBLIC_URL/mcp) through the official SDK's client: the tools and their
// schemas, call_api and the catalog's tools against a fake provider on 127.0.0.1 (what it receives,
// the answer cut at MCP_MAX_RESULT_BYTES, the activity log with the tool's name), typed errors as tool
// errors, connect links, and who may call: user JWTs, keys with X-User-Id, agent sessions limited to
// their integrations; expired, foreign and connect-only tokens refused; another user's connection
// unreachable.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { describe, expect, it } from 'vitest';
import { uniqueSlug } from './helpers/fixtures.js';
import { prisma } from './helpers/database.js';
import { adminHeaders, graphql, signToken, startTestServer, TEST_API_KEY, userHeaders } from './helpers/server.js';
import { json, startUpstream } from './helpers/upstream.js';

type ToolAnswer = { content: Array<{ type: string; text: string }>; structuredContent?: any; isError?: boolean };

describe('the MCP server at /mcp', async () => {
  const server = await startTestServer({ mcp: { maxResultBytes: 2048 } });
  const upstream = await startUpstream();
  upstream.routes.set('/api/echo', (req, res, body) =>
    json(res, 200, { method: req.method, url: req.url, body: body.toString() }, { 'x-ratelimit-remaining': '41', 'set-cookie': 'a=b' }),
  );
  upstream.routes.set('/api/big', (_req, res) =>
    json(res, 200, { items: Array.from({ length: 500 }, (_, index) => ({ index, name: `item number ${index} ✓` })) }),
  );
  upstream.routes.set('/api/missing', (_req, res) => json(res, 404, { message: 'Not Found' }));
  upstream.routes.set('/api/repos/octo/hello/issues', (req, res, body) =>
    json(res, req.method === 'POST' ? 201 : 200, req.method === 'POST' ? { number: 7, received: JSON.parse(body.toString()) } : [{ number: 1, url: req.url }]),
  );
  upstream.routes.set('/api/users/me/messages/send', (_req, res, body) => json(res, 200, { id: 'm1', received: JSON.parse(body.toString()) }));

  async function createIntegration(input: Record<string, unknown>): Promise<string> {
    const slug = uniqueSlug(String(input.provider));
    const created = await graphql(
      server,
      'mutation ($input: CreateIntegrationInput!) { createIntegration(input: $input) { __typename ... on Error { message } } }',
      { input: { slug, ...input } },
      adminHeaders,
    );
    expect(created.data.createIntegration).toEqual({ __typename: 'CreateIntegrationPayload' });
    return slug;
  }
  async function connectWith(integration: string, headers: Record<string, string>, credentials: Record<string, unknown>, connectionName = 'default') {
    const created = await graphql(
      server,
      'mutation ($input: CreateConnectionInput!) { createConnection(input: $input) { __typename ... on Error { message } } }',
      { input: { integration, connectionName, ...credentials } },
      headers,
    );
    expect(created.data.createConnection).toEqual({ __typename: 'CreateConnectionPayload' });
  }

  const api = await createIntegration({ provider: 'custom', name: 'Echo API', authType: 'API_KEY', apiBaseUrl: `${upstream.url}/api` });
  const other = await createIntegration({ provider: 'custom', name: 'Other API', authType: 'API_KEY', apiBaseUrl: `${upstream.url}/api` });
  const github = await createIntegration({ provider: 'github', clientId: 'gh-client', clientSecret: 'gh-secret', apiBaseUrl: `${upstream.url}/api` });
  const gmail = await createIntegration({ provider: 'gmail', clientId: 'g-client', clientSecret: 'g-secret', apiBaseUrl: `${upstream.url}/api` });
  const alice = await userHeaders('mcp-alice');
  await connectWith(api, alice, { apiKey: 'alice-key-1' });
  await connectWith(api, alice, { apiKey: 'alice-key-work' }, 'work');
  // Imported OAuth tokens, unchecked (the providers' check endpoints are not on 127.0.0.1): alice as an admin may skip the check.
  const aliceAsAdmin = await userHeaders('mcp-alice', true);
  await connectWith(github, aliceAsAdmin, { accessToken: 'alice-github-token', skipVerification: true });
  await connectWith(gmail, aliceAsAdmin, { accessToken: 'alice-gmail-token', skipVerification: true });

  async function clientWith(headers: Record<string, string>): Promise<Client> {
    const client = new Client({ name: 'switchboard-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers } }));
    return client;
  }
  async function call(client: Client, name: string, args: Record<string, unknown>): Promise<ToolAnswer> {
    return (await client.callTool({ name, arguments: args })) as ToolAnswer;
  }
  async function createSession(input: Record<string, unknown>): Promise<string> {
    const created = await graphql(
      server,
      'mutation ($input: CreateConnectSessionInput!) { createConnectSession(input: $input) { __typename ... on CreateConnectSessionPayload { token session { purpose } } } }',
      { input },
      adminHeaders,
    );
    expect(created.data.createConnectSession.session.purpose).toBe(input.purpose ?? 'CONNECT');
    return created.data.createConnectSession.token as string;
  }

  it('lists its tools with JSON Schemas and descriptions, and the catalog tools of the integrations in use', async () => {
    const client = await clientWith(alice);
    expect(client.getServerVersion()?.name).toBe('switchboard');
    const { tools } = await client.listTools();
    const byName = new Map(tools.map((tool) => [tool.name, tool]));
    for (const name of ['list_connections', 'call_api', 'connect']) {
      expect(byName.get(name)?.description?.length).toBeGreaterThan(80);
      expect(byName.get(name)?.inputSchema.type).toBe('object');
    }
    expect(byName.get('call_api')!.inputSchema.required).toEqual(['integration', 'path']);
    const listIssues = byName.get(`${github}_list_issues`)!;
    expect(listIssues.description).toContain('GitHub');
    expect(listIssues.inputSchema.required).toEqual(['owner', 'repo']);
    expect(Object.keys(listIssues.inputSchema.properties!)).toEqual(expect.arrayContaining(['owner', 'repo', 'state', 'connection']));
    expect(byName.has(`${github}_create_issue`)).toBe(true);
    expect(byName.has(`${gmail}_send_email`)).toBe(true);
    await client.close();
  });

  it("list_connections shows the user's accounts (integration, name, status, scopes) and never another user's", async () => {
    const client = await clientWith(alice);
    const answer = await call(client, 'list_connections', { integration: api });
    expect(answer.isError).toBeFalsy();
    expect(answer.structuredContent.connections).toEqual([
      expect.objectContaining({ integration: api, integrationName: 'Echo API', connection: 'default', status: 'HEALTHY', shared: false }),
      expect.objectContaining({ integration: api, connection: 'work', status: 'HEALTHY' }),
    ]);
    expect(answer.content[0]!.text).not.toContain('alice-key');
    const bob = await clientWith(await userHeaders('mcp-bob'));
    const bobs = await call(bob, 'list_connections', {});
    expect(bobs.structuredContent.connections).toEqual([]);
    expect(bobs.content[0]!.text).toContain('call connect');
    await client.close();
    await bob.close();
  });

  it("call_api calls the provider with the connection's credential and returns status, selected headers and JSON, logged with the tool's name", async () => {
    const client = await clientWith(alice);
    const before = upstream.requests.length;
    const answer = await call(client, 'call_api', {
      integration: api,
      method: 'POST',
      path: 'echo',
      query: { page: 2, q: 'a b' },
      body: { hello: 'world' },
      connection: 'work',
    });
    expect(answer.isError).toBeFalsy();
    expect(answer.structuredContent).toMatchObject({ status: 200, ok: true, headers: { 'content-type': 'application/json', 'x-ratelimit-remaining': '41' } });
    expect(answer.structuredContent.headers['set-cookie']).toBeUndefined();
    expect(answer.structuredContent.body).toMatchObject({ method: 'POST', url: '/api/echo?page=2&q=a+b', body: '{"hello":"world"}' });
    expect(JSON.parse(answer.content[0]!.text).status).toBe(200);
    // The work connection's key reached the provider; the agent never saw it.
    expect(upstream.requests.slice(before).map((request) => request.headers.authorization)).toEqual(['Bearer alice-key-work']);
    expect(JSON.stringify(answer)).not.toContain('alice-key-work');
    await server.activity.flush();
    const logged = await prisma.operation.findFirst({ where: { integrationSlug: api, tool: 'call_api', ownerId: 'mcp-alice' }, orderBy: { id: 'desc' } });
    expect(logged).toMatchObject({ kind: 'PROXY', outcome: 'SUCCESS', method: 'POST', path: '/api/echo', providerStatus: 200 });
    await client.close();
  });

  it('cuts a long answer at MCP_MAX_RESULT_BYTES with a note, never inside a character', async () => {
    const client = await clientWith(alice);
    const answer = await call(client, 'call_api', { integration: api, path: 'big' });
    expect(answer.structuredContent).toMatchObject({ status: 200, truncated: true });
    expect(answer.structuredContent.note).toContain('MCP_MAX_RESULT_BYTES');
    expect(Buffer.byteLength(answer.structuredContent.body)).toBeLessThanOrEqual(2048);
    expect(answer.structuredContent.body).toMatch(/^\{"items":\[/);
    expect(answer.structuredContent.body).not.toContain('\uFFFD');
    await client.close();
  });

  it("a provider's error status is a tool error with the status; a typed error carries its code and message", async () => {
    const client = await clientWith(alice);
    const notFound = await call(client, 'call_api', { integration: api, path: 'missing' });
    expect(notFound).toMatchObject({ isError: true, structuredContent: { status: 404, ok: false, body: { message: 'Not Found' } } });
    const outside = await call(client, 'call_api', { integration: api, path: 'https://elsewhere.example/steal' });
    expect(outside.isError).toBe(true);
    expect(outside.content[0]!.text).toMatch(/^VALIDATION: /);
    const missingArgument = await call(client, 'call_api', { integration: api });
    expect(missingArgument).toMatchObject({ isError: true, structuredContent: { code: 'VALIDATION', fieldErrors: [{ field: 'path' }] } });
    await client.close();
  });

  it('a missing connection is a NOT_FOUND tool error that says how to connect', async () => {
    const client = await clientWith(alice);
    const answer = await call(client, 'call_api', { integration: other, path: 'echo' });
    expect(answer.isError).toBe(true);
    expect(answer.content[0]!.text).toBe(
      `NOT_FOUND: The user has no connection "default" to ${other}: call the connect tool with integration "${other}" and give the user the link it returns.`,
    );
    expect(await call(client, 'call_api', { integration: api, path: 'echo', connection: 'personal' })).toMatchObject({
      isError: true,
      structuredContent: { code: 'NOT_FOUND' },
    });
    await client.close();
  });

  it("another user's connection is unreachable: bob gets NOT_FOUND for alice's integration and nothing reaches the provider", async () => {
    const bob = await clientWith(await userHeaders('mcp-bob'));
    const before = upstream.requests.length;
    const answer = await call(bob, 'call_api', { integration: api, path: 'echo', connection: 'work' });
    expect(answer).toMatchObject({ isError: true, structuredContent: { code: 'NOT_FOUND' } });
    expect(await call(bob, `${github}_list_issues`, { owner: 'octo', repo: 'hello' })).toMatchObject({
      isError: true,
      structuredContent: { code: 'NOT_FOUND' },
    });
    expect(upstream.requests.length).toBe(before);
    await bob.close();
  });

  it("the catalog's tools fill the path template, query and JSON body (GitHub list and create issue)", async () => {
    const client = await clientWith(alice);
    const listed = await call(client, `${github}_list_issues`, { owner: 'octo', repo: 'hello', state: 'open', per_page: 5 });
    expect(listed.structuredContent).toMatchObject({ status: 200, body: [{ number: 1, url: '/api/repos/octo/hello/issues?state=open&per_page=5' }] });
    const created = await call(client, `${github}_create_issue`, { owner: 'octo', repo: 'hello', title: 'Bug', labels: ['bug'] });
    expect(created.structuredContent).toMatchObject({ status: 201, body: { number: 7, received: { title: 'Bug', labels: ['bug'] } } });
    const missing = await call(client, `${github}_create_issue`, { owner: 'octo', repo: 'hello' });
    expect(missing).toMatchObject({ isError: true, structuredContent: { code: 'VALIDATION', fieldErrors: [{ field: 'title' }] } });
    await server.activity.flush();
    expect(await prisma.operation.count({ where: { integrationSlug: github, tool: `${github}_create_issue` } })).toBe(1);
    await client.close();
  });

  it("Gmail's send_email sends an RFC 822 message as { raw }, and refuses a header with a line break", async () => {
    const client = await clientWith(alice);
    const sent = await call(client, `${gmail}_send_email`, { to: 'bob@example.com', subject: 'Héllo', text: 'Dinner at 8?' });
    expect(sent.structuredContent.status).toBe(200);
    const raw = Buffer.from(sent.structuredContent.body.received.raw, 'base64url').toString('utf8');
    expect(raw).toContain('To: bob@example.com\r\n');
    expect(raw).toContain(`Subject: =?UTF-8?B?${Buffer.from('Héllo').toString('base64')}?=`);
    expect(raw).toContain(Buffer.from('Dinner at 8?').toString('base64'));
    const injected = await call(client, `${gmail}_send_email`, { to: 'bob@example.com\r\nBcc: eve@example.com', subject: 'x', text: 'y' });
    expect(injected).toMatchObject({ isError: true, structuredContent: { code: 'VALIDATION' } });
    await client.close();
  });

  it('connect returns a connect link for the user and the integration, valid on the hosted page', async () => {
    const client = await clientWith(alice);
    const answer = await call(client, 'connect', { integration: other, connection: 'team' });
    expect(answer.isError).toBeFalsy();
    const url = new URL(answer.structuredContent.url);
    expect(url.pathname).toBe('/connect');
    expect(url.searchParams.get('integration')).toBe(other);
    const session = await graphql(
      server,
      '{ connectSession { endUserId connectionName purpose integrations { slug } } }',
      {},
      {
        authorization: `Bearer ${url.searchParams.get('token')}`,
      },
    );
    expect(session.data.connectSession).toEqual({ endUserId: 'mcp-alice', connectionName: 'team', purpose: 'CONNECT', integrations: [{ slug: other }] });
    // PUBLIC_URL names another port in tests: the same path on this server.
    expect((await fetch(`${server.url}${url.pathname}${url.search}`)).status).toBe(200);
    expect(await call(client, 'connect', { integration: 'no-such-integration' })).toMatchObject({ isError: true, structuredContent: { code: 'NOT_FOUND' } });
    await client.close();
  });

  it('an API key acts for the user named by X-User-Id; without one it is refused', async () => {
    const client = await clientWith({ 'x-api-key': TEST_API_KEY, 'x-user-id': 'mcp-alice' });
    const answer = await call(client, 'list_connections', { integration: github });
    expect(answer.structuredContent.connections).toHaveLength(1);
    await client.close();
    await expect(clientWith({ 'x-api-key': TEST_API_KEY })).rejects.toThrow(/X-User-Id/);
  });

  it('refuses requests without credentials, with an expired or foreign JWT, and with a connect-only session token (HTTP 401)', async () => {
    await expect(clientWith({})).rejects.toThrow(/401|Authentication required/);
    const expired = await signToken({ sub: 'mcp-alice' }, { expiresIn: '-10m' });
    await expect(clientWith({ authorization: `Bearer ${expired}` })).rejects.toThrow(/expired/);
    const foreign = await signToken({ sub: 'mcp-alice' }, { secret: 'another-issuers-secret-that-is-long-enough!' });
    await expect(clientWith({ authorization: `Bearer ${foreign}` })).rejects.toThrow(/not valid/);
    const connectOnly = await createSession({ endUserId: 'mcp-alice', integrations: [api] });
    await expect(clientWith({ authorization: `Bearer ${connectOnly}` })).rejects.toThrow(/purpose AGENT/);
    const response = await fetch(`${server.url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await response.json()).toMatchObject({ jsonrpc: '2.0', error: { code: -32001 } });
  });

  it('an agent session acts as its end user on the offered integrations only, until it expires', async () => {
    const token = await createSession({ endUserId: 'mcp-alice', integrations: [api], purpose: 'AGENT', expiresInSeconds: 2 });
    const client = await clientWith({ authorization: `Bearer ${token}` });
    const listed = await call(client, 'list_connections', {});
    expect(new Set(listed.structuredContent.connections.map((connection: { integration: string }) => connection.integration))).toEqual(new Set([api]));
    expect((await call(client, 'call_api', { integration: api, path: 'echo' })).structuredContent.status).toBe(200);
    expect(await call(client, `${github}_list_issues`, { owner: 'octo', repo: 'hello' }).catch((error: Error) => error.message)).toMatch(/Unknown tool/);
    // Alice's own JWT reached GitHub a moment ago: the session's narrower view is not served from that cache.
    await call(await clientWith(alice), 'call_api', { integration: github, path: 'repos/octo/hello/issues' });
    expect(await call(client, 'call_api', { integration: github, path: 'repos/octo/hello/issues' })).toMatchObject({
      isError: true,
      structuredContent: { code: 'NOT_FOUND' },
    });
    expect((await client.listTools()).tools.map((tool) => tool.name)).toEqual(['list_connections', 'call_api', 'connect', 'call_mcp_tool']);
    // The agent token is no GraphQL credential beyond connecting, nor one for the path proxy.
    const proxied = await graphql(
      server,
      'mutation { proxyRequest(input: { integration: "x", url: "y" }) { __typename } }',
      {},
      { authorization: `Bearer ${token}` },
    );
    expect(proxied.status).toBe(401);
    expect((await fetch(`${server.url}/api/integrations/${api}/request/echo`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
    await client.close();
    await new Promise((resolve) => setTimeout(resolve, 2100));
    await expect(clientWith({ authorization: `Bearer ${token}` })).rejects.toThrow(/expired/);
  });

  it('answers GET and DELETE with 405 (stateless: no stream, no session), and a body that is not JSON with a parse error', async () => {
    const get = await fetch(`${server.url}/mcp`, { headers: { ...alice, accept: 'text/event-stream' } });
    expect(get.status).toBe(405);
    const bad = await fetch(`${server.url}/mcp`, {
      method: 'POST',
      headers: { ...alice, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: '{not json',
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: -32700 } });
  });
});
