// Named snippets of the docs (```js snippet=name) that need more than a request and its answer, run as
// written against one server (embedded database, sandbox provider): the webhook receivers of
// docs/webhooks.md and docs/node-sdk.md get a real signed delivery, and the browser snippets of docs/connecting-users.md
// run in Chromium on an app page of an allowed origin, through the sandbox's popup.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { projectRoot } from '../src/paths.js';
import { browserAvailable, launchChromium } from './helpers/browser.js';
import { freePort } from './helpers/ports.js';
import { connectionToNewIntegration, createSandboxIntegration, startSandboxServer } from './helpers/sandbox.js';
import { adminHeaders, graphql, userHeaders } from './helpers/server.js';
import { DOCS_URL } from './helpers/docs-run.js';

const appPort = await freePort();
const appOrigin = `http://127.0.0.1:${appPort}`;
const server = await startSandboxServer({ webhooks: { pollIntervalMs: 100, allowPrivate: true }, oauth: { allowedRedirectOrigins: [appOrigin] } });

// Inside the checkout, so that the snippets' imports resolve from its node_modules.
const directory = path.join(projectRoot, 'test', `.snippets-${randomBytes(4).toString('hex')}`);
fs.mkdirSync(directory);
afterAll(() => fs.rmSync(directory, { recursive: true, force: true }));

/** The snippet `name` of a docs page (```lang snippet=name). */
function snippet(page: string, name: string): string {
  const markdown = fs.readFileSync(path.join(projectRoot, page), 'utf8');
  const match = new RegExp(`^\`\`\`\\w+ snippet=${name}\\n([\\s\\S]*?)\\n\`\`\``, 'm').exec(markdown);
  if (!match) throw new Error(`${page} has no snippet ${name}`);
  return match[1]!;
}

describe('webhook receivers', () => {
  it.each([
    { page: 'docs/webhooks.md', name: 'webhook-receiver', file: 'webhook-receiver.mjs', printed: (slug: string) => ['connection.created', slug, 'HEALTHY'] },
    { page: 'docs/node-sdk.md', name: 'sdk-webhook-receiver', file: 'sdk-webhook-receiver.ts', printed: (slug: string) => ['connection.created', slug] },
  ])(
    '$page: the receiver verifies and prints a real delivery, once, and refuses a forged one with 400',
    async ({ page, name, file: fileName, printed: expected }) => {
      const port = await freePort();
      const created = await graphql(
        server,
        'mutation ($url: String!) { createWebhookEndpoint(input: { url: $url }) { __typename ... on CreateWebhookEndpointPayload { secret } } }',
        { url: `http://127.0.0.1:${port}/hooks/switchboard` },
        adminHeaders,
      );
      const secret = created.data.createWebhookEndpoint.secret as string;
      expect(secret).toMatch(/^whsec_/);
      const file = path.join(directory, fileName);
      // The Node SDK as the repository holds it (it is not published from here).
      fs.writeFileSync(file, snippet(page, name).replace("from '@switchboard/node'", `from '${path.join(projectRoot, 'packages/node/src/index.js')}'`));
      vi.stubEnv('SWITCHBOARD_WEBHOOK_SECRET', secret);
      vi.stubEnv('PORT', String(port));
      const printed = vi.spyOn(console, 'log').mockImplementation(() => {});
      const { receiver } = (await import(file)) as { receiver: http.Server };
      try {
        const slug = await connectionToNewIntegration(server);
        await expect.poll(() => printed.mock.calls, { timeout: 15_000 }).toContainEqual(expected(slug));

        const forged = await fetch(`http://127.0.0.1:${port}/hooks/switchboard`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'webhook-id': 'msg_forged',
            'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
            'webhook-signature': `v1,${Buffer.alloc(32).toString('base64')}`,
          },
          body: JSON.stringify({ type: 'connection.failed', data: { integration: slug } }),
        });
        expect(forged.status).toBe(400);
        expect(printed.mock.calls.filter(([type]) => type === 'connection.created')).toHaveLength(1);
      } finally {
        printed.mockRestore();
        vi.unstubAllEnvs();
        await new Promise((resolve) => receiver.close(resolve));
      }
    },
  );
});

describe.skipIf(!browserAvailable('test/docs-snippets.test.ts'))('docs/connecting-users.md in Chromium', { timeout: 60_000 }, async () => {
  const slug = await createSandboxIntegration(server);
  // The app: the page under test at /, and the backend route the SDK snippet asks for a connect session.
  let page = '';
  const app = http.createServer(async (req, res) => {
    if (req.method === 'POST' && req.url === '/api/connect-session') {
      const session = await graphql(
        server,
        'mutation ($input: CreateConnectSessionInput!) { createConnectSession(input: $input) { ... on CreateConnectSessionPayload { connectUrl } } }',
        { input: { endUserId: 'carol', integrations: [slug] } },
        adminHeaders,
      );
      return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(session.data.createConnectSession));
    }
    res.writeHead(200, { 'content-type': 'text/html' }).end(page);
  });
  await new Promise<void>((resolve) => app.listen(appPort, '127.0.0.1', resolve));
  expect((app.address() as AddressInfo).port).toBe(appPort);
  const browser = await launchChromium();
  afterAll(async () => {
    await browser.close();
    await new Promise((resolve) => app.close(resolve));
  });

  /** Allow at the sandbox in the popup the page opens when its button is clicked. */
  async function allowInPopup(tab: import('playwright-core').Page, button: string, before?: (popup: import('playwright-core').Page) => Promise<void>) {
    const [popup] = await Promise.all([tab.waitForEvent('popup'), tab.click(button)]);
    await before?.(popup);
    await popup.click('#allow');
  }

  it('popup-message: the callback page posts the outcome to the page that opened it', async () => {
    const started = await graphql(
      server,
      'mutation ($input: StartConnectInput!) { startConnect(input: $input) { ... on StartConnectPayload { authorizeUrl } } }',
      { input: { integration: slug } },
      await userHeaders('dave'),
    );
    const authorizeUrl = started.data.startConnect.authorizeUrl as string;
    page = `<!doctype html><meta charset="utf-8"><title>App</title><button id="go">Connect</button>
<script>
  const SWITCHBOARD_ORIGIN = ${JSON.stringify(new URL(server.url).origin)};
  window.connected = [];
  const refreshConnections = (connectionId) => window.connected.push(connectionId);
  document.getElementById('go').addEventListener('click', () => {
    const authorizeUrl = ${JSON.stringify(authorizeUrl)};
${snippet('docs/connecting-users.md', 'popup-message')}
  });
</script>`;
    const tab = await browser.newPage();
    await tab.goto(appOrigin);
    await allowInPopup(tab, '#go');
    await tab.waitForFunction(() => (window as unknown as { connected: string[] }).connected.length > 0, undefined, { timeout: 20_000 });
    const [connectionId] = await tab.evaluate(() => (window as unknown as { connected: string[] }).connected);
    const listed = await graphql(server, '{ connections(first: 5) { edges { node { id } } } }', {}, await userHeaders('dave'));
    expect(listed.data.connections.edges.map((edge: { node: { id: string } }) => edge.node.id)).toEqual([connectionId]);
    await tab.close();
  });

  it('connect-sdk-page: openConnect resolves with the connection made in its popup', async () => {
    page = snippet('docs/connecting-users.md', 'connect-sdk-page').replaceAll(DOCS_URL, server.url);
    const tab = await browser.newPage();
    const logged: string[] = [];
    tab.on('console', (message) => logged.push(message.text()));
    await tab.goto(appOrigin);
    await allowInPopup(tab, '#connect', async (popup) => {
      await popup.getByRole('button', { name: /^Connect / }).click();
    });
    await expect.poll(() => logged.find((line) => line.startsWith('connected ')), { timeout: 20_000 }).toBeTruthy();
    const connectionId = logged.find((line) => line.startsWith('connected '))!.slice('connected '.length);
    const listed = await graphql(server, '{ connections(first: 5) { edges { node { id } } } }', {}, await userHeaders('carol'));
    expect(listed.data.connections.edges.map((edge: { node: { id: string } }) => edge.node.id)).toEqual([connectionId]);
    await tab.close();
  });
});
