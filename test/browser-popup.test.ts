// The popup flow in a real browser (headless Chromium): an app page on an allowed origin opens the
// authorize URL in a popup, the user consents at oidc-provider, the callback page posts the outcome to
// the opener and closes. A page on another origin hears nothing.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeGlobalID } from '@pothos/plugin-relay';
import type { Browser, Page } from 'playwright-core';
import { browserAvailable, launchChromium } from './helpers/browser.js';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { startAuthorizationServer } from './helpers/authorization-server.js';
import { createOidcIntegration } from './helpers/connect.js';
import { freePort } from './helpers/ports.js';
import { graphql, userHeaders, testConfig } from './helpers/server.js';
import { database, keyring, prisma, testLogger } from './helpers/database.js';

const available = browserAvailable('browser-popup.test.ts');

const APP_PAGE = `<!doctype html><meta charset="utf-8"><title>App</title>
<button id="connect">Connect</button>
<script>
  window.results = [];
  window.addEventListener('message', (event) => window.results.push({ origin: event.origin, data: event.data }));
  document.getElementById('connect').addEventListener('click', () => {
    window.open(window.authorizeUrl, 'switchboard-connect', 'width=520,height=640');
  });
</script>`;

describe.skipIf(!available)('popup connect flow in a real browser', { timeout: 60_000 }, async () => {
  // The app: one server, reached as http://localhost:PORT (allowed) and http://127.0.0.1:PORT (not allowed).
  const app = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(APP_PAGE));
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  const appPort = (app.address() as AddressInfo).port;
  const allowedOrigin = `http://localhost:${appPort}`;

  // Switchboard on a known port, so that PUBLIC_URL (and the registered redirect_uri) are real.
  const port = await freePort();
  const config = testConfig({ publicUrl: `http://127.0.0.1:${port}`, oauth: { allowedRedirectOrigins: [allowedOrigin] } });
  const server = createApp(config, { database, keyring, logger: testLogger });
  await server.listen({ port, host: '127.0.0.1' });
  await server.ready();
  const as = await startAuthorizationServer({ redirectUri: `${config.publicUrl}/oauth2/callback` });
  const slug = await createOidcIntegration(server, as);
  const browser: Browser = await launchChromium();
  afterAll(async () => {
    await browser.close();
    await server.stop();
    await new Promise<void>((resolve) => app.close(() => resolve()));
  });

  async function runPopupFrom(appOrigin: string, userId: string): Promise<{ page: Page; popupClosed: boolean }> {
    const started = await graphql(
      server,
      `
        mutation ($input: StartConnectInput!) {
          startConnect(input: $input) {
            ... on StartConnectPayload {
              authorizeUrl
            }
          }
        }
      `,
      { input: { integration: slug } },
      await userHeaders(userId),
    );
    // A context of its own per flow: no cookies (the provider's session) carried from another test.
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${appOrigin}/app`);
    await page.evaluate((url) => ((window as unknown as { authorizeUrl: string }).authorizeUrl = url), started.data.startConnect.authorizeUrl);
    const popupEvent = page.waitForEvent('popup');
    await page.click('#connect');
    const popup = await popupEvent;
    await popup.waitForEvent('close', { timeout: 45_000 });
    return { page, popupClosed: popup.isClosed() };
  }

  it('delivers the outcome to the opener on an allowed origin and closes the popup', async () => {
    const { page, popupClosed } = await runPopupFrom(allowedOrigin, 'browser-user');
    expect(popupClosed).toBe(true);
    await page.waitForFunction(() => (window as unknown as { results: unknown[] }).results.length > 0, null, { timeout: 5_000 });
    const results = await page.evaluate(() => (window as unknown as { results: Array<{ origin: string; data: Record<string, string> }> }).results);
    expect(results).toHaveLength(1);
    expect(results[0]!.origin).toBe(config.publicUrl);
    expect(results[0]!.data).toMatchObject({ type: 'switchboard:connect', connect: 'success' });
    const { id } = decodeGlobalID(results[0]!.data.connectionId!);
    expect(await prisma.connection.findUniqueOrThrow({ where: { id } })).toMatchObject({ ownerId: 'browser-user', status: 'HEALTHY' });
  });

  it('tells nothing to an opener on an origin that is not allowed', async () => {
    const { page, popupClosed } = await runPopupFrom(`http://127.0.0.1:${appPort}`, 'other-origin-user');
    expect(popupClosed).toBe(true);
    // The popup posted (to the allowed origin only) before closing; give any stray message time to land.
    await page.waitForTimeout(300);
    expect(await page.evaluate(() => (window as unknown as { results: unknown[] }).results)).toEqual([]);
    // The connection itself was made: only the message is withheld.
    expect(await prisma.connection.count({ where: { ownerId: 'other-origin-user' } })).toBe(1);
  });
});
