// The hosted connect page and the frontend SDK in a real browser (headless Chromium): an admin makes
// a connect session for carol; the page connects her through an OAuth provider (the in-process
// oidc-provider), through the sandbox's sign-in page, and through API-key and basic forms (with the
// values a provider needs from the user); the SDK's popup resolves with the connection id and
// rejects when the popup is closed. A screenshot proves the page renders, on a phone too.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { decodeGlobalID } from '@pothos/plugin-relay';
import type { Browser, Page } from 'playwright-core';
import { browserAvailable, launchChromium } from './helpers/browser.js';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { startAuthorizationServer } from './helpers/authorization-server.js';
import { createOidcIntegration } from './helpers/connect.js';
import { freePort } from './helpers/ports.js';
import { uniqueSlug } from './helpers/fixtures.js';
import { adminHeaders, graphql, testConfig } from './helpers/server.js';
import { database, keyring, prisma, testLogger } from './helpers/database.js';

const available = browserAvailable('connect-page-browser.test.ts');

/** The app: a page that loads the SDK from Switchboard and opens the session it is given. */
function appPage(switchboardUrl: string): string {
  return `<!doctype html><meta charset="utf-8"><title>App</title>
<button id="connect">Connect</button>
<script type="module">
  import { openConnect } from '${switchboardUrl}/sdk/connect.js';
  window.events = [];
  document.getElementById('connect').addEventListener('click', () => {
    window.outcome = openConnect({ url: window.connectUrl, mode: 'popup', onEvent: (event) => window.events.push(event.type) })
      .then((result) => ({ result }), (error) => ({ error: { name: error.name, code: error.code } }));
  });
  window.sdkLoaded = true;
</script>`;
}

describe.skipIf(!available)('hosted connect page and SDK in a real browser', { timeout: 90_000 }, async () => {
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  const app = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(appPage(publicUrl)));
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  const appOrigin = `http://localhost:${(app.address() as AddressInfo).port}`;
  const config = testConfig({ publicUrl, oauth: { allowedRedirectOrigins: [appOrigin] } });
  // On a port known beforehand: PUBLIC_URL (the callback, the connect page) names it.
  const server = createApp(config, { database, keyring, logger: testLogger });
  await server.listen({ port, host: '127.0.0.1' });
  await server.ready();
  const as = await startAuthorizationServer({ redirectUri: `${config.publicUrl}/oauth2/callback` });
  const oauthSlug = await createOidcIntegration(server, as, { name: 'Acme OAuth' });

  async function createIntegration(input: Record<string, unknown>): Promise<string> {
    const slug = uniqueSlug(String(input.provider));
    const created = await graphql(
      server,
      `
        mutation ($input: CreateIntegrationInput!) {
          createIntegration(input: $input) {
            __typename
          }
        }
      `,
      { input: { slug, ...input } },
      adminHeaders,
    );
    expect(created.data.createIntegration.__typename).toBe('CreateIntegrationPayload');
    return slug;
  }
  const apiKeySlug = await createIntegration({ provider: 'custom', name: 'Keyed API', authType: 'API_KEY', apiBaseUrl: 'https://api.keyed.example/' });
  const basicSlug = await createIntegration({ provider: 'freshdesk' });
  const sandboxSlug = await createIntegration({ provider: 'sandbox' });

  const browser: Browser = await launchChromium();
  afterAll(async () => {
    await browser.close();
    await server.stop();
    await new Promise<void>((resolve) => app.close(() => resolve()));
  });

  async function createSession(endUserId: string, integrations: string[], extra: Record<string, unknown> = {}) {
    const created = await graphql(
      server,
      `
        mutation ($input: CreateConnectSessionInput!) {
          createConnectSession(input: $input) {
            __typename
            ... on CreateConnectSessionPayload {
              connectUrl
            }
            ... on Error {
              message
            }
          }
        }
      `,
      { input: { endUserId, integrations, ...extra } },
      adminHeaders,
    );
    expect(created.data.createConnectSession.__typename).toBe('CreateConnectSessionPayload');
    return created.data.createConnectSession.connectUrl as string;
  }

  async function newPage(viewport = { width: 1000, height: 800 }): Promise<Page> {
    return (await browser.newContext({ viewport })).newPage();
  }

  async function connectionOf(connectionId: string) {
    return prisma.connection.findUniqueOrThrow({ where: { id: decodeGlobalID(connectionId).id }, include: { integration: true } });
  }

  it('renders the offered integrations with names and logos, and a screenshot shows it (desktop and phone)', async () => {
    const connectUrl = await createSession('carol', [oauthSlug, apiKeySlug, basicSlug]);
    for (const viewport of [
      { width: 1000, height: 800 },
      { width: 375, height: 700 },
    ]) {
      const page = await newPage(viewport);
      const violations: string[] = [];
      page.on('console', (message) => {
        if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
      });
      await page.goto(connectUrl);
      await expect.poll(() => page.locator('li.integration').count()).toBe(3);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Connect an account');
      expect(await page.getByRole('button', { name: 'Connect Acme OAuth' }).isVisible()).toBe(true);
      expect(await page.getByLabel('API key').getAttribute('type')).toBe('password');
      expect(await page.getByLabel(/^domain/).isVisible()).toBe(true);
      // Nothing wider than a phone's screen.
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
      const screenshot = await page.screenshot({ fullPage: true });
      fs.writeFileSync(path.join(os.tmpdir(), `switchboard-connect-page-${viewport.width}.png`), screenshot);
      // A blank page compresses to a few hundred bytes; text, borders and buttons do not.
      expect(screenshot.length).toBeGreaterThan(8_000);
      const box = await page.locator('main').boundingBox();
      expect(box!.width).toBeGreaterThan(300);
      expect(violations).toEqual([]);
      await page.context().close();
    }
  });

  it('connects carol through an OAuth provider and returns to redirectTo with connect=success and the connection id', async () => {
    const connectUrl = await createSession('carol', [oauthSlug, apiKeySlug], { redirectTo: `${appOrigin}/done` });
    const page = await newPage();
    await page.goto(connectUrl);
    await page.getByRole('button', { name: 'Connect Acme OAuth' }).click();
    await page.waitForURL(`${appOrigin}/done?**`, { timeout: 20_000 });
    const back = new URL(page.url());
    expect(back.searchParams.get('connect')).toBe('success');
    expect(await connectionOf(back.searchParams.get('connectionId')!)).toMatchObject({ ownerId: 'carol', status: 'HEALTHY', integration: { slug: oauthSlug } });
    await page.context().close();
  });

  it('connects carol with an API key: a password field submitted with Enter, then the success state', async () => {
    const connectUrl = await createSession('carol', [oauthSlug, apiKeySlug]);
    const page = await newPage();
    await page.goto(`${connectUrl}&integration=${apiKeySlug}`);
    expect(await page.locator('li.integration').count()).toBe(1);
    await page.getByLabel('API key').fill('carols-secret-api-key');
    await page.getByLabel('API key').press('Enter');
    await page.locator('#outcome[data-connect="success"]').waitFor();
    expect(await page.getByRole('status').textContent()).toContain('Keyed API is connected.');
    const connectionId = (await page.locator('#outcome').getAttribute('data-connection-id'))!;
    expect(await connectionOf(connectionId)).toMatchObject({ ownerId: 'carol', integration: { slug: apiKeySlug } });
    // The key is stored (sealed), never shown back.
    expect(await page.content()).not.toContain('carols-secret-api-key');
    await page.context().close();
  });

  it('asks for the values the provider needs, shows a clear error for a bad one, and keeps what was typed', async () => {
    const connectUrl = await createSession('carol', [basicSlug]);
    const page = await newPage();
    await page.goto(connectUrl);
    await page.getByLabel(/^domain/).fill('not a host!');
    await page.getByLabel('Username').fill('agent-key');
    await page.getByLabel('Password').fill('X');
    await page.getByRole('button', { name: 'Save credentials' }).click();
    await page.getByRole('alert').first().waitFor();
    expect(await page.getByRole('alert').first().textContent()).toContain('Check the highlighted fields');
    expect(await page.getByLabel(/^domain/).getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByLabel('Username').inputValue()).toBe('agent-key');
    expect(await prisma.connection.count({ where: { ownerId: 'carol', integration: { slug: basicSlug } } })).toBe(0);
    await page.getByLabel(/^domain/).fill('acme');
    await page.getByLabel('Password').fill('X');
    await page.getByRole('button', { name: 'Save credentials' }).click();
    await page.locator('#outcome[data-connect="success"]').waitFor();
    const connection = await prisma.connection.findFirstOrThrow({ where: { ownerId: 'carol', integration: { slug: basicSlug } } });
    expect(connection.apiBaseUrl).toBe('https://acme.freshdesk.com/api/v2');
    await page.context().close();
  });

  it('connects through the sandbox sign-in page (Allow), and Deny shows the failure state', async () => {
    const connectUrl = await createSession('carol', [sandboxSlug]);
    const page = await newPage();
    await page.goto(connectUrl);
    await page.getByRole('button', { name: 'Connect Sandbox' }).click();
    await page.getByRole('button', { name: 'Deny' }).click();
    await page.locator('#outcome[data-connect="error"]').waitFor();
    expect(await page.locator('#outcome').getAttribute('data-error')).toBe('access_denied');
    await page.getByRole('link', { name: 'Try again' }).click();
    await page.getByRole('button', { name: 'Connect Sandbox' }).click();
    await page.getByLabel(/User name/).fill('carol');
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.locator('#outcome[data-connect="success"]').waitFor();
    const connection = await connectionOf((await page.locator('#outcome').getAttribute('data-connection-id'))!);
    expect(connection).toMatchObject({ ownerId: 'carol', integration: { slug: sandboxSlug } });
    await page.context().close();
  });

  it('the SDK opens the page in a popup and resolves with the connection id', async () => {
    const connectUrl = await createSession('carol', [apiKeySlug]);
    const page = await newPage();
    await page.goto(`${appOrigin}/app`);
    await page.waitForFunction(() => (window as unknown as { sdkLoaded?: boolean }).sdkLoaded === true);
    await page.evaluate((url) => ((window as unknown as { connectUrl: string }).connectUrl = url), connectUrl);
    const popupEvent = page.waitForEvent('popup');
    await page.click('#connect');
    const popup = await popupEvent;
    await popup.getByLabel('API key').fill('key-from-the-popup');
    await popup.getByLabel('API key').press('Enter');
    const outcome = await page.evaluate(() => (window as unknown as { outcome: Promise<unknown> }).outcome);
    expect(outcome).toMatchObject({ result: { connectionId: expect.any(String) } });
    const { connectionId } = (outcome as { result: { connectionId: string } }).result;
    expect(await connectionOf(connectionId)).toMatchObject({ ownerId: 'carol', integration: { slug: apiKeySlug } });
    await popup.waitForEvent('close', { timeout: 10_000 });
    expect(await page.evaluate(() => (window as unknown as { events: string[] }).events)).toEqual(['open', 'success']);
    await page.context().close();
  });

  it('the SDK rejects with popup_closed when the user closes the popup', async () => {
    const connectUrl = await createSession('carol', [apiKeySlug]);
    const page = await newPage();
    await page.goto(`${appOrigin}/app`);
    await page.waitForFunction(() => (window as unknown as { sdkLoaded?: boolean }).sdkLoaded === true);
    await page.evaluate((url) => ((window as unknown as { connectUrl: string }).connectUrl = url), connectUrl);
    const popupEvent = page.waitForEvent('popup');
    await page.click('#connect');
    const popup = await popupEvent;
    await popup.getByLabel('API key').waitFor();
    await popup.close();
    const outcome = await page.evaluate(() => (window as unknown as { outcome: Promise<unknown> }).outcome);
    expect(outcome).toEqual({ error: { name: 'ConnectError', code: 'popup_closed' } });
    await page.context().close();
  });

  it('an expired link shows a clear page, not a stack trace', async () => {
    const page = await newPage();
    const response = await page.goto(`${config.publicUrl}/connect?token=sbcs_${'x'.repeat(43)}`);
    expect(response!.status()).toBe(401);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('This link has expired');
    await page.context().close();
  });
});
