// GraphiQL as a newcomer meets it, in a real browser: Switchboard's name, mark and welcome, the
// worked example's tabs, and a subscription run from GraphiQL that sees a status event (its
// event-stream request passes CSRF prevention because GraphiQL sends the header).
import type { Browser } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { browserAvailable, launchChromium } from './helpers/browser.js';
import { makeIntegration } from './helpers/fixtures.js';
import { graphql, startTestServer } from './helpers/server.js';

const available = browserAvailable('test/graphiql-browser.test.ts');

describe.skipIf(!available)('GraphiQL in a real browser', { timeout: 120_000 }, async () => {
  // Development without authentication, as after `npm start`: the page acts as the admin user "dev".
  const server = await startTestServer({ auth: { devMode: true, jwtSecret: undefined, apiKeys: [] } });
  const browser: Browser = await launchChromium();
  afterAll(() => browser.close());

  it('shows Switchboard, not the generic GraphiQL welcome, with the worked example as tabs', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/graphql`);
    await page.waitForSelector('.graphiql-container', { timeout: 60_000 });
    expect(await page.title()).toBe('Switchboard');
    expect(await page.locator('svg[aria-label="Switchboard"]').count()).toBeGreaterThan(0);
    // Monaco shows spaces as no-break spaces.
    const text = (await page.locator('body').innerText()).replaceAll('\u00a0', ' ');
    expect(text).toContain('Welcome to Switchboard');
    expect(text).not.toContain('in-browser tool for writing, validating, and testing GraphQL');
    for (const tab of ['RegisterSandbox', 'CreateConnectSession', 'Connections', 'CallTheApi', 'StatusChanges']) expect(text).toContain(tab);
    await page.close();
  });

  it('runs a subscription and shows the status event it receives', async () => {
    const integration = await makeIntegration(server);
    const page = await browser.newPage();
    const subscription = `subscription { connectionStatusChanged(integration: "${integration.slug}") { integrationSlug status } }`;
    const streamAnswered = page.waitForResponse(
      (response) => response.request().resourceType() === 'fetch' && /text\/event-stream/.test(response.request().headers()['accept'] ?? ''),
      {
        timeout: 60_000,
      },
    );
    await page.goto(`${server.url}/graphql?query=${encodeURIComponent(subscription)}`);
    await page.waitForSelector('.graphiql-execute-button', { timeout: 60_000 });
    await page.click('.graphiql-execute-button');
    const stream = await streamAnswered;
    expect(stream.status()).toBe(200);
    expect(stream.request().headers()['x-graphql-yoga-csrf']).toBeTruthy();
    // A connection made meanwhile (as "dev", the viewer in GraphiQL) is pushed to the page.
    const created = await graphql(
      server,
      `mutation { createConnection(input: { integration: "${integration.slug}", accessToken: "a-token" }) { __typename ... on Error { message } } }`,
    );
    expect(created.data.createConnection.__typename).toBe('CreateConnectionPayload');
    await page.waitForFunction((slug) => document.querySelector('.graphiql-response')?.textContent?.includes(slug) ?? false, integration.slug, {
      timeout: 20_000,
    });
    const result = (await page.locator('.graphiql-response').innerText()).replaceAll('\u00a0', ' ');
    expect(result).toMatch(new RegExp(`"integrationSlug": "${integration.slug}",\\s*"status": "HEALTHY"`));
    await page.close();
  });
});
