// MCP authorization as a client (authType MCP_OAUTH2), end to end against real pieces: an MCP server
// built with the SDK that accepts only JWT access tokens issued for it (audience = its URL), protected
// by oidc-provider with dynamic client registration and resource indicators. Switchboard is given
// only the server's URL: it finds the protected-resource metadata from the 401, the authorization
// server's metadata, registers a client, connects with PKCE and `resource`, refreshes with
// `resource`, and calls the server's tools through the proxy with the connection's token.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import Provider from 'oidc-provider';
import { afterAll, describe, expect, it } from 'vitest';
import { credentialsOf } from './helpers/database.js';
import { connectThroughProvider } from './helpers/connect.js';
import { uniqueSlug } from './helpers/fixtures.js';
import { adminHeaders, graphql, startTestServer, userHeaders } from './helpers/server.js';

async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** oidc-provider: open dynamic registration, resource indicators (JWT access tokens per resource), PKCE required. */
async function startMcpAuthorizationServer() {
  const server = http.createServer();
  const issuer = await listen(server);
  const counts: Record<string, number> = {};
  const count = (key: string) => (counts[key] = (counts[key] ?? 0) + 1);
  const resources: string[] = [];
  const provider = new Provider(issuer, {
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      registration: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => undefined as unknown as string,
        useGrantedResource: () => false,
        getResourceServerInfo: (_ctx, resource) => ({ scope: 'mcp:tools', audience: resource, accessTokenFormat: 'jwt', accessTokenTTL: 3600 }),
      },
    },
    scopes: ['openid', 'offline_access'],
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    cookies: { keys: ['mcp-test-cookie-key-0123456789'] },
    findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
  });
  provider.on('grant.success', (ctx) => count(`grant:${ctx.oidc.params?.grant_type}`));
  provider.on('registration_create.success', () => count('registration'));
  provider.use(async (ctx, next) => {
    if (ctx.method === 'POST' && ctx.path === '/token') {
      // RFC 8707: which resource each token request names.
      await next();
      if (ctx.status === 200) resources.push(String(ctx.oidc?.params?.resource ?? ''));
      return;
    }
    const match = /^\/interaction\/([^/]+)$/.exec(ctx.path);
    if (ctx.method !== 'GET' || !match) return next();
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    const grant = new provider.Grant({ accountId: 'mcp-user-sub', clientId: String(details.params.client_id) });
    grant.addOIDCScope('openid offline_access');
    if (details.params.resource) grant.addResourceScope(String(details.params.resource), String(details.params.scope ?? ''));
    count(`authorize:resource=${String(details.params.resource)}`);
    const grantId = await grant.save();
    await provider.interactionFinished(ctx.req, ctx.res, { login: { accountId: 'mcp-user-sub' }, consent: { grantId } }, { mergeWithLastSubmission: true });
  });
  server.on('request', provider.callback());
  afterAll(() => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))));
  return { issuer, counts, resources };
}

/** An MCP server (the SDK, stateless) that requires a JWT for itself, with RFC 9728 metadata. */
async function startProtectedMcpServer(issuer: string) {
  const server = http.createServer();
  const base = await listen(server);
  const resource = `${base}/mcp`;
  const metadataUrl = `${base}/.well-known/oauth-protected-resource/mcp`;
  const jwks = createRemoteJWKSet(new URL(`${issuer}/jwks`));
  server.on('request', async (req, res) => {
    if (req.url === '/.well-known/oauth-protected-resource/mcp') {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ resource, authorization_servers: [issuer], scopes_supported: ['mcp:tools'] }));
      return;
    }
    if (req.url !== '/mcp') return void res.writeHead(404).end();
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    let subject: string;
    try {
      const { payload } = await jwtVerify(token ?? '', jwks, { issuer, audience: resource });
      subject = String(payload.sub);
    } catch {
      res
        .writeHead(401, { 'www-authenticate': `Bearer resource_metadata="${metadataUrl}"`, 'content-type': 'application/json' })
        .end('{"error":"invalid_token"}');
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const mcp = new Server({ name: 'remote-notes', version: '1.0.0' }, { capabilities: { tools: {} } });
    mcp.setRequestHandler(ListToolsRequestSchema, async () => ({
      tools: [{ name: 'whoami', description: 'Who the token belongs to', inputSchema: { type: 'object', properties: {} } }],
    }));
    mcp.setRequestHandler(CallToolRequestSchema, async () => ({ content: [{ type: 'text', text: `you are ${subject}` }] }));
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => void transport.close());
    await mcp.connect(transport);
    await transport.handleRequest(req, res, JSON.parse(Buffer.concat(chunks).toString('utf8')));
  });
  afterAll(() => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))));
  return { resource };
}

const PROXY = /* GraphQL */ `
  mutation ($input: ProxyRequestInput!) {
    proxyRequest(input: $input) {
      __typename
      ... on ProxyResponse {
        status
        data
        body
      }
      ... on Error {
        message
      }
    }
  }
`;

describe('MCP authorization as a client (MCP_OAUTH2)', async () => {
  const server = await startTestServer();
  const as = await startMcpAuthorizationServer();
  const remote = await startProtectedMcpServer(as.issuer);

  async function createMcpIntegration(input: Record<string, unknown>) {
    const slug = uniqueSlug('remote-mcp');
    const created = await graphql(
      server,
      `
        mutation ($input: CreateIntegrationInput!) {
          createIntegration(input: $input) {
            __typename
            ... on CreateIntegrationPayload {
              integration {
                slug
                authType
                mcpServerUrl
                authorizationUrl
                tokenUrl
                scopes
                authorizationParams
              }
            }
            ... on Error {
              message
            }
            ... on ValidationError {
              fieldErrors {
                field
                message
              }
            }
          }
        }
      `,
      { input: { slug, provider: 'custom', authType: 'MCP_OAUTH2', ...input } },
      adminHeaders,
    );
    return created.data.createIntegration;
  }

  it('discovers the authorization server from the 401, registers a client, connects with PKCE and resource, refreshes, and calls the tools', async () => {
    const created = await createMcpIntegration({ mcpServerUrl: remote.resource });
    expect(created).toMatchObject({
      __typename: 'CreateIntegrationPayload',
      integration: {
        authType: 'MCP_OAUTH2',
        mcpServerUrl: remote.resource,
        authorizationUrl: `${as.issuer}/auth`,
        tokenUrl: `${as.issuer}/token`,
        scopes: ['mcp:tools'],
        authorizationParams: { resource: remote.resource },
      },
    });
    const { slug } = created.integration;
    expect(as.counts.registration).toBe(1);

    const user = await userHeaders('mcp-oauth-user');
    const connection = await connectThroughProvider(server, slug, user);
    expect(connection.status).toBe('HEALTHY');
    expect(as.counts[`authorize:resource=${remote.resource}`]).toBe(1);
    expect(as.resources.at(-1)).toBe(remote.resource);
    const { accessToken } = credentialsOf(connection)!;
    // A JWT for the MCP server (RFC 8707), not for anyone else.
    expect(JSON.parse(Buffer.from(accessToken!.split('.')[1]!, 'base64url').toString()).aud).toBe(remote.resource);

    // The gateway: JSON-RPC to the remote MCP server through the proxy, with the connection's token.
    const call = async (method: string, params: Record<string, unknown>, refreshPolicy = 'AUTO') =>
      (
        await graphql(
          server,
          PROXY,
          {
            input: {
              integration: slug,
              method: 'POST',
              url: remote.resource,
              headers: { accept: 'application/json, text/event-stream' },
              data: { jsonrpc: '2.0', id: 1, method, params },
              refreshPolicy,
            },
          },
          user,
        )
      ).data.proxyRequest;
    expect(await call('tools/list', {})).toMatchObject({ status: 200, data: { result: { tools: [{ name: 'whoami' }] } } });
    expect(await call('tools/call', { name: 'whoami', arguments: {} })).toMatchObject({
      status: 200,
      data: { result: { content: [{ text: 'you are mcp-user-sub' }] } },
    });

    // A refresh names the resource too, and the new token works.
    expect(await call('tools/list', {}, 'FORCE')).toMatchObject({ status: 200 });
    expect(as.counts['grant:refresh_token']).toBe(1);
    expect(as.resources.at(-1)).toBe(remote.resource);

    // Connection.mcpTools lists the server's tools through the connection.
    const listed = await graphql(
      server,
      'query ($id: ID!) { node(id: $id) { ... on Connection { mcpTools { name description inputSchema } } } }',
      { id: encodeGlobalID('Connection', connection.id) },
      user,
    );
    expect(listed.data.node.mcpTools).toEqual([{ name: 'whoami', description: 'Who the token belongs to', inputSchema: { type: 'object', properties: {} } }]);

    // Switchboard's own MCP server exposes it too (the gateway): call_mcp_tool.
    const agent = new Client({ name: 'agent', version: '1.0.0' });
    await agent.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers: user } }));
    expect(await agent.callTool({ name: 'call_mcp_tool', arguments: { integration: slug, name: 'whoami', arguments: {} } })).toMatchObject({
      content: [{ type: 'text', text: 'you are mcp-user-sub' }],
    });
    await agent.close();

    // The registration is stored and reused: a second connection registers nothing new.
    await connectThroughProvider(server, slug, await userHeaders('mcp-oauth-other'));
    expect(as.counts.registration).toBe(1);
  });

  it('uses a given client id instead of registering, and refuses a URL with no protected-resource metadata', async () => {
    const before = as.counts.registration ?? 0;
    const withClient = await createMcpIntegration({ mcpServerUrl: remote.resource, clientId: 'pre-registered', clientSecret: 'pre-registered-secret' });
    expect(withClient.__typename).toBe('CreateIntegrationPayload');
    expect(as.counts.registration ?? 0).toBe(before);

    const nothing = http.createServer((_req, res) => res.writeHead(404).end());
    const url = await listen(nothing);
    const refused = await createMcpIntegration({ mcpServerUrl: `${url}/mcp` });
    await new Promise<void>((resolve) => nothing.close(() => resolve()));
    expect(refused).toMatchObject({ __typename: 'ValidationError', fieldErrors: [{ field: 'mcpServerUrl' }] });
    expect(refused.message).toMatch(/protected-resource metadata/);
    expect(await createMcpIntegration({})).toMatchObject({ __typename: 'ValidationError', fieldErrors: [{ field: 'mcpServerUrl' }] });
  });
});
