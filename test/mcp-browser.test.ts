// Auth on demand, end to end: an agent (the MCP SDK's client) finds no connection, asks the connect
// tool for a link, the user opens it in a real browser (headless Chromium) and gives an API key on
// the hosted page; the agent then sees the connection in list_connections and calls the API with it.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Browser } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { browserAvailable, launchChromium } from './helpers/browser.js';
import { database, keyring, testLogger } from './helpers/database.js';
import { uniqueSlug } from './helpers/fixtures.js';
import { freePort } from './helpers/ports.js';
import { adminHeaders, graphql, testConfig, userHeaders } from './helpers/server.js';
import { json, startUpstream } from './helpers/upstream.js';

const available = browserAvailable('mcp-browser.test.ts');

type ToolAnswer = { content: Array<{ type: string; text: string }>; structuredContent?: any; isError?: boolean };

describe.skipIf(!available)('the connect tool in a real browser', { timeout: 90_000 }, async () => {
  const port = await freePort();
  // On a port known beforehand: PUBLIC_URL (the connect page's link) names it.
  const server = createApp(testConfig({ publicUrl: `http://127.0.0.1:${port}` }), { database, keyring, logger: testLogger });
  await server.listen({ port, host: '127.0.0.1' });
  await server.ready();
  const upstream = await startUpstream();
  upstream.routes.set('/v1/me', (req, res) => json(res, 200, { authorization: req.headers.authorization === 'Bearer dana-typed-this-key' }));
  const slug = uniqueSlug('notes');
  const created = await graphql(
    server,
    'mutation ($input: CreateIntegrationInput!) { createIntegration(input: $input) { __typename } }',
    { input: { slug, provider: 'custom', name: 'Notes API', authType: 'API_KEY', apiBaseUrl: `${upstream.url}/v1` } },
    adminHeaders,
  );
  expect(created.data.createIntegration.__typename).toBe('CreateIntegrationPayload');
  const browser: Browser = await launchChromium();
  afterAll(async () => {
    await browser.close();
    await server.stop();
  });

  it('returns a link that connects the user in Chromium; the agent then calls the API as them', async () => {
    const client = new Client({ name: 'agent', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), { requestInit: { headers: await userHeaders('mcp-dana') } }));
    const call = async (name: string, args: Record<string, unknown>) => (await client.callTool({ name, arguments: args })) as ToolAnswer;

    expect((await call('call_api', { integration: slug, path: 'me' })).content[0]!.text).toContain('call the connect tool');
    const link = await call('connect', { integration: slug });
    expect(link.isError).toBeFalsy();
    expect(link.content[0]!.text).toContain(link.structuredContent.url);

    const page = await (await browser.newContext()).newPage();
    await page.goto(link.structuredContent.url);
    expect(await page.locator('li.integration').count()).toBe(1);
    await page.getByLabel('API key').fill('dana-typed-this-key');
    await page.getByLabel('API key').press('Enter');
    await page.locator('#outcome[data-connect="success"]').waitFor();
    expect(await page.getByRole('status').textContent()).toContain('Notes API is connected.');
    await page.context().close();

    const listed = await call('list_connections', {});
    expect(listed.structuredContent.connections).toEqual([expect.objectContaining({ integration: slug, connection: 'default', status: 'HEALTHY' })]);
    expect((await call('call_api', { integration: slug, path: 'me' })).structuredContent).toMatchObject({ status: 200, body: { authorization: true } });
    await client.close();
  });
});
