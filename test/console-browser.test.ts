// The console in a real browser (Debian's Chromium through playwright-core), against a running
// server: sign in with an API key (the key stays out of the page's storage), create an integration
// from the catalog, see an imported connection change status live, open its operations, create a
// connect link, see a failed webhook delivery and redeliver it, sign out and be refused. Each page
// is screenshot at desktop and phone widths (switchboard-console-*.png in the temporary folder) and
// checked with axe-core for serious accessibility violations.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { browserAvailable, launchChromium } from './helpers/browser.js';
import { ensureConsoleBuilt } from './helpers/console.js';
import { newId } from '../src/kernel/ids.js';
import { database, keyring, prisma, testLogger } from './helpers/database.js';
import { uniqueSlug } from './helpers/fixtures.js';
import { freePort } from './helpers/ports.js';
import { adminHeaders, graphql, TEST_API_KEY, testConfig } from './helpers/server.js';
import { json, startUpstream } from './helpers/upstream.js';

const available = browserAvailable('console-browser.test.ts');
// Pages that only show what the API answers run once, on the embedded database; the session's life
// (sign-in, sign-out, a revoked key), a live status change and the scoped key run on PostgreSQL too.
const pageOnly = it.skipIf(process.env.TEST_DATABASE === 'postgresql');
const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

describe.skipIf(!available)('the console in a real browser', { timeout: 120_000 }, async () => {
  await ensureConsoleBuilt();
  const upstream = await startUpstream();
  const acceptedKeys = new Set<string>();
  upstream.routes.set('/v1/models', (req, res) =>
    acceptedKeys.has(String(req.headers.authorization).replace(/^Bearer /, ''))
      ? json(res, 200, { data: [] })
      : json(res, 401, { error: { code: 'invalid_api_key' } }),
  );
  let receiverStatus = 500;
  upstream.routes.set('/hooks', (_req, res) => json(res, receiverStatus, { received: receiverStatus < 300 }));

  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  const config = testConfig({
    publicUrl,
    webhooks: { allowPrivate: true, pollIntervalMs: 100, retrySchedule: [], timeoutMs: 2_000 },
  });
  const server = createApp(config, { database, keyring, logger: testLogger });
  await server.listen({ port, host: '127.0.0.1' });
  await server.ready();
  const browser: Browser = await launchChromium();
  const context: BrowserContext = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page: Page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(message.text());
  });
  afterAll(async () => {
    await browser.close();
    await server.stop();
    await upstream.close();
  });

  const keySlug = uniqueSlug('openai');
  const created = await graphql(
    server,
    `
      mutation ($input: CreateIntegrationInput!) {
        createIntegration(input: $input) {
          __typename
        }
      }
    `,
    { input: { slug: keySlug, provider: 'openai', name: 'OpenAI (console test)', apiBaseUrl: `${upstream.url}/v1` } },
    adminHeaders,
  );
  expect(created.data.createIntegration.__typename).toBe('CreateIntegrationPayload');

  /** Screenshots at both widths, and axe-core's serious and critical violations on the page as it is. */
  async function inspect(name: string): Promise<string[]> {
    const shots = path.join(os.tmpdir(), `switchboard-console-${name}`);
    await page.screenshot({ path: `${shots}-desktop.png`, fullPage: true });
    await page.setViewportSize({ width: 375, height: 800 });
    await page.screenshot({ path: `${shots}-phone.png`, fullPage: true });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    await page.setViewportSize({ width: 1440, height: 900 });
    // Evaluated through the DevTools protocol, which the page's CSP (its own scripts only) does not govern.
    await page.evaluate(axeSource);
    const violations = (await page.evaluate(async () => {
      const axe = (window as unknown as { axe: { run(): Promise<{ violations: { id: string; impact: string }[] }> } }).axe;
      const result = await axe.run();
      return result.violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical').map((violation) => violation.id);
    })) as string[];
    expect(overflow, `${name}: the page is wider than a 375 px phone`).toBeLessThanOrEqual(0);
    return violations;
  }

  it('refuses a wrong API key with the reason, then signs in with a good one: an HttpOnly, SameSite=Strict cookie, no key in storage', async () => {
    await page.goto(`${publicUrl}/console/`);
    await page.getByLabel('API key').fill('not-a-key-of-this-server-at-all');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/API key is not valid/);
    expect(await inspect('sign-in')).toEqual([]);

    await page.getByLabel('API key').fill(TEST_API_KEY);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Connections' }).waitFor();
    const [cookie] = (await context.cookies()).filter((candidate) => candidate.name === 'switchboard_console');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(cookie!.value).toMatch(/^sbcon_/);
    const storage = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie);
    expect(storage).not.toContain(TEST_API_KEY);
    expect(storage).not.toContain(cookie!.value);
    // The session row keeps digests only.
    const rows = await prisma.consoleSession.findMany();
    expect(JSON.stringify(rows)).not.toContain(TEST_API_KEY);

    // A page loaded afresh carries its session (who, what it may use) in the HTML: no round trip to ask, no key.
    await page.reload();
    await page.getByRole('heading', { name: 'Connections' }).waitFor();
    const written = JSON.parse((await page.locator('meta[name="switchboard-session"]').getAttribute('content'))!);
    expect(written).toMatchObject({ signedIn: true, isAdmin: true, scopes: expect.arrayContaining(['ADMIN', 'WEBHOOKS_WRITE']) });
    expect(await page.content()).not.toContain(TEST_API_KEY);
    // Its hashed scripts are cached for good and sent gzipped to a browser that takes gzip.
    const script = await page.locator('script[src*="/console/assets/"]').getAttribute('src');
    const asset = await fetch(`${publicUrl}${script}`, { headers: { 'accept-encoding': 'gzip' } });
    expect(asset.headers.get('content-encoding')).toBe('gzip');
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await asset.text()).toMatch(/createRoot|react/);
  });

  pageOnly('creates an integration from the catalog: search, pick, the callback URL to register, create', async () => {
    await page.goto(`${publicUrl}/console/integrations/new`);
    await page.getByLabel('Search the catalog').fill('github');
    await page
      .getByRole('button', { name: /^GitHub ·/ })
      .first()
      .click();
    await expect.poll(() => page.locator('.notice code').first().textContent()).toBe(`${publicUrl}/oauth2/callback`);
    const slug = uniqueSlug('gh');
    await page.getByLabel(/^Slug/).fill(slug);
    await page.getByLabel('Client id').fill('console-client-id');
    await page.getByLabel(/^Client secret/).fill('console-client-secret');
    expect(await inspect('integration-new')).toEqual([]);
    await page.getByRole('button', { name: 'Create integration' }).click();
    await page.getByRole('heading', { name: /^Edit / }).waitFor();
    expect(page.url()).toBe(`${publicUrl}/console/integrations/${slug}`);
    const stored = await prisma.integration.findUnique({ where: { slug } });
    expect(stored).toMatchObject({ provider: 'github', clientId: 'console-client-id' });

    await page.goto(`${publicUrl}/console/integrations`);
    await page.getByTestId('integrations-table').getByRole('link', { name: 'OpenAI (console test)' }).waitFor();
    expect(await inspect('integrations')).toEqual([]);
  });

  let connectionId = '';
  it('lists an imported connection and shows its status change live, without a reload', async () => {
    acceptedKeys.add('sk-console');
    const imported = await graphql(
      server,
      `
        mutation ($input: CreateConnectionInput!) {
          createConnection(input: $input) {
            __typename
            ... on CreateConnectionPayload {
              connection {
                id
              }
            }
          }
        }
      `,
      { input: { integration: keySlug, apiKey: 'sk-console', connectionName: 'console-live' } },
      { ...adminHeaders, 'x-user-id': 'console-user' },
    );
    connectionId = imported.data.createConnection.connection.id;
    await page.goto(`${publicUrl}/console/connections?integration=${keySlug}`);
    const row = page.locator(`tr[data-connection-id="${connectionId}"]`);
    await expect.poll(() => row.locator('.badge').textContent()).toBe('HEALTHY');
    // The subscription is open once the socket is: then the key is revoked at the provider and checked.
    await page.waitForFunction(() => performance.getEntriesByType('resource').length > 0);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await page.evaluate(() => ((window as unknown as { marker: string }).marker = 'same document'));
    acceptedKeys.delete('sk-console');
    const verified = await graphql(
      server,
      `
        mutation ($id: ID!) {
          verifyConnection(input: { connectionId: $id }) {
            __typename
            ... on VerifyConnectionPayload {
              ok
              providerStatus
            }
          }
        }
      `,
      { id: connectionId },
      adminHeaders,
    );
    expect(verified.data.verifyConnection).toEqual({ __typename: 'VerifyConnectionPayload', ok: false, providerStatus: 401 });
    await expect.poll(() => row.locator('.badge').textContent(), { timeout: 10_000 }).toBe('ERROR');
    expect(await page.evaluate(() => (window as unknown as { marker?: string }).marker)).toBe('same document');
    expect(await inspect('connections')).toEqual([]);
  });

  pageOnly("opens a connection's page with its operations, and filters them", async () => {
    await page.locator(`tr[data-connection-id="${connectionId}"]`).getByRole('link').click();
    await page.getByRole('heading', { name: /console-live/ }).waitFor();
    const operations = page.getByTestId('operations-table');
    await expect.poll(async () => operations.locator('tbody tr').count(), { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
    await server.activity.flush();
    await page.getByRole('button', { name: 'Reload' }).click();
    await expect.poll(() => operations.textContent()).toMatch(/VERIFY/);
    await page.getByLabel('Outcome').selectOption('FAILURE');
    await expect.poll(async () => (await operations.locator('tbody tr').allTextContents()).every((text) => text.includes('FAILURE'))).toBe(true);
    expect(await inspect('connection')).toEqual([]);
  });

  pageOnly("edits a connection's display name, tags and metadata: bad input refused in words, nothing saved, then saved", async () => {
    const form = page.getByRole('form', { name: /Edit display name, tags and metadata/ });
    await form.getByLabel('Display name').fill('Console Co.');
    await form.getByRole('button', { name: 'Add a tag' }).click();
    await form.getByLabel('Tag 1 key').fill('bad key!');
    await form.getByLabel('Tag 1 value').fill('42');
    await form.getByLabel(/^Metadata/).fill('{"plan": ');
    await form.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => form.getByRole('alert').textContent()).toMatch(/Metadata is not valid JSON/);
    await form.getByLabel(/^Metadata/).fill('{"plan": "pro", "seats": 12}');
    await form.getByRole('button', { name: 'Save' }).click();
    // The server's field error, in words, under the field it names.
    await expect.poll(() => form.getByRole('alert').textContent()).toMatch(/tags\.bad key!: A tag key is 1 to 64/);
    const read = async () =>
      (await graphql(server, 'query ($id: ID!) { node(id: $id) { ... on Connection { displayName tags metadata } } }', { id: connectionId }, adminHeaders)).data
        .node;
    expect(await read()).toMatchObject({ displayName: null, tags: {} });

    await form.getByLabel('Tag 1 key').fill('organizationId');
    await form.getByRole('button', { name: 'Save' }).click();
    await expect.poll(read).toEqual({ displayName: 'Console Co.', tags: { organizationId: '42' }, metadata: { plan: 'pro', seats: 12 } });
    await expect.poll(() => page.locator('.notice').first().textContent()).toMatch(/Saved/);
    // The page shows what was saved (and the form starts again from it) once the connection is read again.
    await expect.poll(() => page.getByTestId('connection-metadata').textContent()).toMatch(/seats/);
    // A key taken out of the JSON is removed (sent as null to the merge).
    await form.getByLabel(/^Metadata/).fill('{"plan": "team"}');
    await form.getByRole('button', { name: 'Save' }).click();
    await expect.poll(async () => (await read()).metadata).toEqual({ plan: 'team' });
    expect(await inspect('connection-edit')).toEqual([]);
  });

  pageOnly('lists provider webhooks with their outcome, event and matched connection, filtered by outcome', async () => {
    const integration = await prisma.integration.findUniqueOrThrow({ where: { slug: keySlug } });
    const matched = await prisma.connection.findFirstOrThrow({ where: { integrationId: integration.id, name: 'console-live' } });
    await prisma.providerWebhook.createMany({
      data: [
        {
          id: newId(),
          integrationId: integration.id,
          eventType: 'customer.updated',
          providerEventId: 'evt_1',
          outcome: 'FORWARDED',
          connectionIds: [matched.id],
          payload: { id: 'evt_1' },
        },
        { id: newId(), integrationId: integration.id, eventType: 'customer.deleted', outcome: 'REJECTED', connectionIds: [], payload: undefined },
      ],
    });
    await page.goto(`${publicUrl}/console/provider-webhooks`);
    const table = page.getByTestId('provider-webhooks-table');
    await expect.poll(() => table.locator('tbody tr').count()).toBe(2);
    const forwarded = table.locator('tbody tr', { hasText: 'customer.updated' });
    expect(await forwarded.textContent()).toMatch(/FORWARDED.*console-live/);
    await page.getByLabel('Outcome').selectOption('REJECTED');
    await expect.poll(async () => (await table.locator('tbody tr').allTextContents()).join('|')).toMatch(/^[^|]*REJECTED[^|]*$/);
    expect(page.url()).toContain('outcome=REJECTED');
    expect(await inspect('provider-webhooks')).toEqual([]);
  });

  pageOnly('creates a connect link for an end user and shows its URL', async () => {
    await page.goto(`${publicUrl}/console/connect-links`);
    await page.getByLabel(/^End user id/).fill('link-user');
    await page.getByRole('checkbox', { name: 'OpenAI (console test)' }).check();
    await page.getByRole('button', { name: 'Create connect link' }).click();
    const link = page.getByTestId('connect-link');
    await link.waitFor();
    const url = await link.getByRole('textbox').inputValue();
    expect(url.startsWith(`${publicUrl}/connect`)).toBe(true);
    expect(await inspect('connect-links')).toEqual([]);
  });

  pageOnly('shows a failed webhook delivery with its response, and redelivers it', async () => {
    await page.goto(`${publicUrl}/console/webhooks`);
    await page.getByLabel('URL').fill(`${upstream.url}/hooks`);
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    const secret = await page.getByTestId('webhook-secret').getByRole('textbox').inputValue();
    expect(secret).toMatch(/^whsec_/);
    // An event for the endpoint: a new connection; the receiver answers 500 and there is no retry.
    acceptedKeys.add('sk-hook');
    await graphql(
      server,
      `
        mutation ($input: CreateConnectionInput!) {
          createConnection(input: $input) {
            __typename
          }
        }
      `,
      { input: { integration: keySlug, apiKey: 'sk-hook', connectionName: 'hooked' } },
      { ...adminHeaders, 'x-user-id': 'hook-user' },
    );
    await expect.poll(() => prisma.webhookDelivery.count({ where: { status: 'FAILED' } }), { timeout: 15_000 }).toBeGreaterThanOrEqual(1);
    await page.goto(`${publicUrl}/console/webhooks`);
    await page
      .getByTestId('webhook-endpoints-table')
      .getByRole('link', { name: `${upstream.url}/hooks` })
      .click();
    const failed = page.locator('tr[data-delivery-status="FAILED"]').first();
    await failed.waitFor();
    expect(await failed.textContent()).toMatch(/500/);
    expect(await inspect('webhook-endpoint')).toEqual([]);

    receiverStatus = 200;
    await failed.getByRole('button', { name: 'Redeliver' }).click();
    await expect.poll(() => prisma.webhookDelivery.count({ where: { status: 'SUCCEEDED' } }), { timeout: 15_000 }).toBeGreaterThanOrEqual(1);
    await page.getByRole('button', { name: 'Reload' }).click();
    await page.locator('tr[data-delivery-status="SUCCEEDED"]').first().waitFor();
  });

  pageOnly('shows the activity log with failures first-class', async () => {
    await page.goto(`${publicUrl}/console/activity?outcome=FAILURE`);
    const table = page.getByTestId('operations-table');
    await table.waitFor();
    expect(await table.textContent()).toMatch(/FAILURE/);
    expect(await inspect('activity')).toEqual([]);
  });

  let scopedKey = '';
  it('creates a scoped API key shown once, lists it without its secret, and the audit trail names who did it', async () => {
    await page.goto(`${publicUrl}/console/api-keys`);
    await page.getByLabel('Name').fill('support tool');
    await page.getByRole('checkbox', { name: /^CONNECTIONS_READ/ }).check();
    await page.getByRole('button', { name: 'Create key' }).click();
    scopedKey = await page.getByTestId('api-key-secret').getByRole('textbox').inputValue();
    expect(scopedKey).toMatch(/^sbk_/);
    const table = page.getByTestId('api-keys-table');
    await expect.poll(() => table.textContent()).toMatch(/support tool/);
    expect(await table.textContent()).not.toContain(scopedKey);
    expect(await inspect('api-keys')).toEqual([]);

    await page.goto(`${publicUrl}/console/audit?action=api_key.created`);
    const audit = page.getByTestId('audit-table');
    await audit.waitFor();
    expect(await audit.textContent()).toMatch(/api_key\.created/);
    expect(await audit.textContent()).not.toContain(scopedKey);
    expect(await inspect('audit')).toEqual([]);
  });

  it('signs out: the session ends on the server, and its cookie is refused afterwards', async () => {
    const [cookie] = (await context.cookies()).filter((candidate) => candidate.name === 'switchboard_console');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(await prisma.consoleSession.count({ where: { tokenHash: { not: '' } } })).toBe(0);
    // The old cookie, replayed: refused by GraphQL.
    const replayed = await fetch(`${publicUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: `switchboard_console=${cookie!.value}` },
      body: JSON.stringify({ query: '{ viewer { userId } }' }),
    });
    const body = (await replayed.json()) as { errors?: { extensions?: { code?: string } }[] };
    expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(pageErrors.filter((message) => !/401|Unauthorized|status of 4\d\d/.test(message))).toEqual([]);
  });

  it('signs in with a scoped key: connections are shown, webhooks are refused naming the scope, and revoking the key ends the session', async () => {
    await page.goto(`${publicUrl}/console/`);
    await page.getByLabel('API key').fill(scopedKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Connections' }).waitFor();
    await page.getByTestId('connections-table').waitFor();
    expect(JSON.parse((await page.evaluate(() => fetch('/console/api/session').then((response) => response.text()))) as string)).toMatchObject({
      signedIn: true,
      isAdmin: true,
      scopes: ['CONNECTIONS_READ'],
    });
    // The nav shows only the pages its scopes (CONNECTIONS_READ) cover.
    const nav = page.getByRole('navigation', { name: 'Main' });
    await expect.poll(() => nav.getByRole('link').allTextContents()).toEqual(['Connections', 'Integrations', 'Provider webhooks']);
    // A page it may not use, opened by its URL: the scope it lacks, in words.
    await page.goto(`${publicUrl}/console/webhooks`);
    await expect.poll(() => page.getByTestId('lacks-scope').textContent()).toMatch(/This key lacks the WEBHOOKS_WRITE scope/);
    // A connection's actions need CONNECTIONS_WRITE: disabled, with the reason.
    await page.goto(`${publicUrl}/console/connections/${encodeURIComponent(connectionId)}`);
    await expect.poll(() => page.getByTestId('actions-refused').textContent()).toMatch(/lacks the CONNECTIONS_WRITE scope/);
    expect(await page.getByRole('button', { name: 'Verify' }).isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Disconnect' }).isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Save' }).isDisabled()).toBe(true);
    expect(await inspect('scoped-connection')).toEqual([]);

    const keys = await graphql(server, '{ apiKeys(first: 10) { edges { node { id name } } } }', {}, adminHeaders);
    const id = keys.data.apiKeys.edges.find((edge: { node: { name: string } }) => edge.node.name === 'support tool').node.id;
    await graphql(server, 'mutation ($id: ID!) { revokeApiKey(input: { id: $id }) { __typename } }', { id }, adminHeaders);
    await expect
      .poll(
        async () => {
          await page.goto(`${publicUrl}/console/connections`);
          return page.getByRole('button', { name: 'Sign in' }).count();
        },
        { timeout: 10_000 },
      )
      .toBe(1);
  });
});
