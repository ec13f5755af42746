// The newcomer's path, end to end, on one server started as `npm start` starts it (scripts/start.mjs,
// development, embedded database, no settings): the README's worked example, clients with their
// defaults, a subscription in GraphiQL (Chromium), the image layout and an SDK call. The image layout
// is the runtime stage's file set (test/helpers/dockerfile.ts, as test/deployment.test.ts lays it out,
// which also serves it read-only as user nobody when run as root), started as the image starts it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApolloClient, HttpLink, InMemoryCache, gql as apolloGql } from '@apollo/client';
import { Client, cacheExchange, fetchExchange, gql } from '@urql/core';
import { createClient as createSseClient } from 'graphql-sse';
import { afterAll, describe, expect, it } from 'vitest';
import { Switchboard } from '../packages/node/src/index.js';
import { projectRoot } from '../src/paths.js';
import { layImageTree } from './helpers/dockerfile.js';
import { browserAvailable, launchChromium } from './helpers/browser.js';
import { freePort } from './helpers/ports.js';
import { spawnServer } from './helpers/process.js';
import { signInAtSandbox } from './helpers/sandbox.js';

const data = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-newcomer-'));
afterAll(() => fs.rmSync(data, { recursive: true, force: true }));
const port = await freePort();
const server = await spawnServer(
  { NODE_ENV: 'development', PORT: String(port), HOST: '127.0.0.1', PUBLIC_URL: `http://127.0.0.1:${port}`, DATA_DIR: data, HOME: data, LOG_FORMAT: 'json' },
  { args: [path.join(projectRoot, 'scripts/start.mjs')], fresh: true },
);
const { url } = server;

// The image's application tree (dist/ is current: npm start built it), started now as the image starts
// it, so that it boots while the steps before it run.
const tree = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-image-'));
afterAll(() => fs.rmSync(tree, { recursive: true, force: true }));
layImageTree(tree, { hardLinks: true });
const imageServer = spawnServer(
  { NODE_ENV: 'test', PORT: '0', HOST: '127.0.0.1', DATA_DIR: path.join(tree, 'data'), HOME: tree, LOG_FORMAT: 'json', REFRESH_INTERVAL_SECONDS: '0' },
  { args: ['dist/main.js'], fresh: true, cwd: tree },
);
imageServer.catch(() => {}); // its step reports a failed start

/** POST as GraphiQL sends it, with no credentials: in development that is the admin user "dev". */
async function run(query: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query }),
  });
  return (await response.json()) as { data?: any; errors?: unknown[] };
}

/** The worked example's GraphQL documents, in order, as a newcomer reads them (README.md, or the docs/ page that holds it). */
function workedExample(): string[] {
  const heading = /^#+ A worked example in GraphiQL$/m;
  const pages = [
    'README.md',
    ...fs
      .readdirSync(path.join(projectRoot, 'docs'))
      .filter((name) => name.endsWith('.md'))
      .map((name) => `docs/${name}`),
  ];
  const text = pages.map((page) => fs.readFileSync(path.join(projectRoot, page), 'utf8')).find((content) => heading.test(content));
  if (!text) throw new Error('No page has the heading "A worked example in GraphiQL".');
  const start = text.search(heading);
  const level = /^#+/.exec(text.slice(start))![0];
  const next = text.slice(start + level.length).search(new RegExp(`^#{1,${level.length}} `, 'm'));
  const section = next < 0 ? text.slice(start) : text.slice(start, start + level.length + next);
  return [...section.matchAll(/```graphql\n([\s\S]*?)\n```/g)].map((match) => match[1]!);
}

describe("a newcomer's path", () => {
  it('starts with no settings and sends a browser to GraphiQL', async () => {
    expect((await fetch(`${url}/ready`)).status).toBe(200);
    const root = await fetch(`${url}/`, { redirect: 'manual', headers: { accept: 'text/html' } });
    expect(root.headers.get('location')).toMatch(/\/graphql$/);
    expect(await (await fetch(`${url}/graphql`, { headers: { accept: 'text/html' } })).text()).toContain('Switchboard');
  });

  it("follows the README's worked example to a working sandbox connection", async () => {
    const [register, session, list, call] = workedExample();
    expect([register, session, list, call].every(Boolean)).toBe(true);
    expect((await run(register!)).data.createIntegration.__typename).toBe('CreateIntegrationPayload');
    const created = (await run(session!)).data.createConnectSession;
    expect(created.__typename).toBe('CreateConnectSessionPayload');
    // Step 3, what the connect page does when "Connect Sandbox" is pressed: start with the session's
    // token, then Allow at the sandbox and come back to the callback.
    const token = new URL(created.connectUrl).searchParams.get('token')!;
    const started = await run('mutation { startConnect(input: { integration: "sandbox" }) { __typename ... on StartConnectPayload { authorizeUrl } } }', {
      authorization: `Bearer ${token}`,
    });
    const { callback } = await signInAtSandbox(started.data.startConnect.authorizeUrl, `${url}/oauth2/callback`);
    const landed = await fetch(`${url}${callback.pathname}${callback.search}`, { headers: { cookie: callback.cookie }, redirect: 'manual' });
    expect(landed.status).toBeLessThan(400);
    const connections = (await run(list!)).data.connections;
    expect(connections.edges).toEqual([expect.objectContaining({ node: expect.objectContaining({ status: 'HEALTHY', integration: { slug: 'sandbox' } }) })]);
    expect((await run(call!)).data.proxyRequest).toMatchObject({ __typename: 'ProxyResponse', status: 200, data: { sub: 'sandbox-user' } });
  });

  it.skipIf(!browserAvailable('test/newcomer-path.test.ts'))('runs a subscription in GraphiQL and sees the status event', { timeout: 60_000 }, async () => {
    // As test/graphiql-browser.test.ts does, on this server: a connection made meanwhile is pushed to the page.
    const browser = await launchChromium();
    try {
      const integration = await run(
        'mutation { createIntegration(input: { slug: "in-graphiql", provider: "custom", clientId: "c", clientSecret: "s", authorizationUrl: "https://provider.example/authorize", tokenUrl: "https://provider.example/token" }) { __typename } }',
      );
      expect(integration.data.createIntegration.__typename).toBe('CreateIntegrationPayload');
      const page = await browser.newPage();
      const subscription = 'subscription { connectionStatusChanged(integration: "in-graphiql") { integrationSlug status } }';
      await page.goto(`${url}/graphql?query=${encodeURIComponent(subscription)}`);
      await page.waitForSelector('.graphiql-execute-button', { timeout: 30_000 });
      const streamOpened = page.waitForResponse((response) => /text\/event-stream/.test(response.request().headers()['accept'] ?? ''), { timeout: 30_000 });
      await page.click('.graphiql-execute-button');
      expect((await streamOpened).status()).toBe(200);
      const created = await run('mutation { createConnection(input: { integration: "in-graphiql", accessToken: "a-token" }) { __typename } }');
      expect(created.data.createConnection.__typename).toBe('CreateConnectionPayload');
      await page.waitForFunction(() => document.querySelector('.graphiql-response')?.textContent?.includes('HEALTHY') ?? false, undefined, { timeout: 20_000 });
      expect((await page.locator('.graphiql-response').innerText()).replaceAll('\u00a0', ' ')).toMatch(
        /"integrationSlug": "in-graphiql",\s*"status": "HEALTHY"/,
      );
    } finally {
      await browser.close();
    }
  });

  it('answers Apollo Client and graphql-sse with their defaults and no credentials', async () => {
    const apollo = new ApolloClient({ link: new HttpLink({ uri: `${url}/graphql` }), cache: new InMemoryCache() });
    const { data } = await apollo.query<{ viewer: { userId: string } }>({ query: apolloGql('query Me { viewer { userId } }') });
    expect(data?.viewer.userId).toBe('dev');

    let opened!: () => void;
    const streamOpen = new Promise<void>((resolve) => (opened = resolve));
    const sse = createSseClient({ url: `${url}/graphql`, retryAttempts: 0, on: { connected: () => opened() } });
    const events = sse.iterate<{ connectionStatusChanged: { integrationSlug: string; status: string } }>({
      query: 'subscription { connectionStatusChanged(integration: "sandbox") { integrationSlug status } }',
    });
    const first = events.next();
    await streamOpen;
    const connection = (await run('{ connections(first: 1) { edges { node { id } } } }')).data.connections.edges[0].node.id;
    expect((await run(`mutation { disconnect(input: { connectionId: "${connection}" }) { __typename } }`)).data.disconnect.__typename).toBe(
      'DisconnectPayload',
    );
    expect((await first).value?.data?.connectionStatusChanged).toEqual({ integrationSlug: 'sandbox', status: 'DISCONNECTED' });
    await events.return?.();
    sse.dispose();
  });

  it("answers urql's default GET without credentials or any header of its own", async () => {
    const query = gql`
      query Me {
        viewer {
          userId
        }
      }
    `;
    const sent: string[] = [];
    const client = new Client({
      url: `${url}/graphql`,
      exchanges: [cacheExchange, fetchExchange],
      fetch: (input, init) => {
        sent.push(init?.method ?? 'GET');
        return fetch(input, init);
      },
    });
    const result = await client.query(query, {}).toPromise();
    expect(result.error).toBeUndefined();
    expect(result.data?.viewer.userId).toBe('dev');
    expect(sent).toEqual(['GET']);
  });

  it("runs from the image layout: the runtime stage's files alone serve /ready, the catalog and /sdk/connect.js", async () => {
    const image = await imageServer;
    expect((await fetch(`${image.url}/ready`)).status).toBe(200);
    const sdk = await fetch(`${image.url}/sdk/connect.js`);
    expect(sdk.status).toBe(200);
    expect(await sdk.text()).toContain('export function openConnect');
    const providers = await fetch(`${image.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ providers(search: "github") { key } }' }),
    });
    // The catalog's YAML files, read beside the compiled modules.
    expect(await providers.json()).toEqual({ data: { providers: [{ key: 'github' }, { key: 'github-app' }] } });
    await image.stop();
  });

  it('answers a Node SDK call', async () => {
    const sb = new Switchboard({ url });
    const integrations = await sb.listIntegrations();
    expect(integrations.nodes.map((integration) => integration.slug)).toContain('sandbox');
  });
});
