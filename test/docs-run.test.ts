// The docs' runnable blocks, run as a newcomer would: a server in development mode (no credentials:
// the admin `dev`) with the sandbox provider on the embedded database, every block marked
// "docs-test: run" in page order (README.md first), outputs compared with what the page shows, and
// the steps a page describes in words (signing in at the sandbox) done by a browser stand-in.
// Pages run in order on one server, README.md first, so a later page may use the worked example's
// sandbox connection, as a reader who followed it would.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { completeCallback } from './helpers/authorization-server.js';
import { database, keyring, testLogger } from './helpers/database.js';
import { docFiles, readPage } from './helpers/docs.js';
import { actionLine, DOCS_URL, runBlock } from './helpers/docs-run.js';
import { freePort } from './helpers/ports.js';
import { signInAtSandbox } from './helpers/sandbox.js';
import { testConfig } from './helpers/server.js';

const root = path.resolve(import.meta.dirname, '..');
const pages = docFiles(root)
  .map((file) => readPage(file, fs.readFileSync(path.join(root, file), 'utf8')))
  .filter((page) => page.actions.length > 0);

/** The last GraphQL answer of the page, which a step reads (the worked example's connectUrl). */
type Answer = { data?: Record<string, Record<string, unknown>> };

describe('docs: runnable blocks', async () => {
  const port = await freePort();
  const config = testConfig({
    publicUrl: `http://127.0.0.1:${port}`,
    // What a fresh clone runs: no authentication configured, so requests without credentials are `dev`.
    auth: { devMode: true, jwtSecret: undefined, apiKeys: [] },
    providers: { allowLocalProviders: false },
    sandbox: { enabled: true },
  });
  const server = createApp(config, { database, keyring, logger: testLogger });
  await server.listen({ port, host: '127.0.0.1' });
  await server.ready();
  afterAll(() => server.stop());

  /** Steps a page describes in words, done as its reader would. */
  const steps: Record<string, (last: Answer | undefined) => Promise<void>> = {
    // Open connectUrl, press "Connect Sandbox", Allow at the sandbox: the page says it is connected.
    'connect-sandbox': async (last) => {
      const connectUrl = String(last?.data?.createConnectSession?.connectUrl ?? '');
      expect(connectUrl, 'the block before this step makes a connect session').toMatch(/\/connect\?token=sbcs_/);
      const page = await (await fetch(connectUrl.replace(DOCS_URL, server.url))).text();
      expect(page).toContain('Connect Sandbox');
      const field = (name: string) => new RegExp(`name="${name}" value="([^"]+)"`).exec(page)?.[1] ?? '';
      const started = await fetch(`${server.url}/connect`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin' },
        body: new URLSearchParams({ token: field('token'), integration: field('integration') }),
      });
      // The form's answer binds this browser (cookies for the callback and for the page's return).
      const cookies = started.headers.getSetCookie().map((header) => ({
        pair: header.split(';')[0]!,
        path: /;\s*path=([^;]+)/i.exec(header)?.[1] ?? '/',
      }));
      const cookieFor = (pathname: string) =>
        cookies
          .filter((cookie) => pathname.startsWith(cookie.path))
          .map((cookie) => cookie.pair)
          .join('; ');
      const authorizeUrl = /http-equiv="refresh" content="0;url=([^"]+)"/
        .exec(await started.text())?.[1]
        ?.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)))
        .replaceAll('&amp;', '&');
      expect(authorizeUrl, 'the hosted page sends the browser to the sandbox').toBeTruthy();
      const { callback } = await signInAtSandbox(authorizeUrl!, `${config.publicUrl}/oauth2/callback`);
      callback.cookie = [callback.cookie, cookieFor(callback.pathname)].filter(Boolean).join('; ');
      const returned = await completeCallback(server, callback, { redirect: 'manual' });
      const back = new URL(returned.headers.get('location') ?? '', config.publicUrl);
      const outcome = await (await fetch(`${server.url}${back.pathname}${back.search}`, { headers: { cookie: cookieFor(back.pathname) } })).text();
      expect(outcome).toContain('Sandbox is connected.');
    },
  };

  it('has runnable blocks in the README, the worked example among them', () => {
    const readme = pages.find((page) => page.file === 'README.md');
    expect(readme?.actions.filter((action) => action.kind === 'run').length).toBeGreaterThanOrEqual(6);
    expect(readme?.actions.some((action) => action.kind === 'step' && action.name === 'connect-sandbox')).toBe(true);
  });

  for (const page of pages) {
    it(`${page.file}: every block marked to run runs and prints what the page shows`, async () => {
      let last: Answer | undefined;
      for (const action of page.actions) {
        const where = `${page.file}:${actionLine(action)}`;
        if (action.kind === 'step') {
          const step = steps[action.name];
          expect(step, `${where}: no step named "${action.name}" in test/docs-run.test.ts`).toBeDefined();
          await step!(last);
          continue;
        }
        const result = await runBlock(action.block, server.url, { expected: action.output });
        expect(result.problem, `${where}: the ${action.block.lang} block`).toBeUndefined();
        if (action.block.lang === 'graphql') last = JSON.parse(result.output) as Answer;
      }
    });
  }
});
