// `npm run dev` (scripts/dev.mjs): the server and Vite side by side. The console loads through Vite's
// dev server (its modules transformed on request, the API forwarded to the server) in a real browser,
// and one SIGTERM stops both.
import { spawn } from 'node:child_process';
import readline from 'node:readline';
import { describe, expect, it, onTestFinished } from 'vitest';
import { projectRoot } from '../src/paths.js';
import { browserAvailable, launchChromium } from './helpers/browser.js';
import { freePort } from './helpers/ports.js';
import { childDataDir } from './helpers/process.js';

const available = browserAvailable('dev-server.test.ts');

async function answer(url: string): Promise<{ status: number; body: string } | undefined> {
  try {
    const response = await fetch(url);
    return { status: response.status, body: await response.text() };
  } catch {
    return undefined;
  }
}

describe.skipIf(!available)('npm run dev', () => {
  it('serves the console through Vite with the API forwarded to the server, and stops both on SIGTERM', { timeout: 90_000 }, async () => {
    const [serverPort, vitePort] = [await freePort(), await freePort()];
    const child = spawn(process.execPath, ['scripts/dev.mjs'], {
      cwd: projectRoot,
      env: {
        ...process.env,
        NODE_ENV: 'test',
        PORT: String(serverPort),
        HOST: '127.0.0.1',
        PUBLIC_URL: `http://127.0.0.1:${serverPort}`,
        CONSOLE_DEV_PORT: String(vitePort),
        LOG_FILE: '',
        REFRESH_INTERVAL_SECONDS: '0',
        DATA_DIR: childDataDir(),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: a failed test kills dev.mjs, the server and Vite, leaving no orphan.
      detached: true,
    });
    const lines: string[] = [];
    readline.createInterface({ input: child.stdout! }).on('line', (line) => lines.push(line));
    readline.createInterface({ input: child.stderr! }).on('line', (line) => lines.push(line));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    onTestFinished(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // the group is gone: the test stopped it
      }
    });

    // Chromium starts while the two children do.
    const launched = launchChromium();
    onTestFinished(async () => (await launched).close());
    const vite = `http://127.0.0.1:${vitePort}`;
    await expect.poll(async () => (await answer(`${vite}/console/`))?.body ?? '', { timeout: 60_000, interval: 250 }).toContain('/@vite/client');
    // The sign-in is the server's, forwarded by Vite (so the server is up behind it).
    await expect.poll(async () => (await answer(`${vite}/console/api/session`))?.body ?? '', { timeout: 60_000, interval: 250 }).toContain('"signedIn":false');

    const browser = await launched;
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      await page.goto(`${vite}/console/`);
      await page.getByLabel('API key').waitFor({ timeout: 30_000 });
      // Development without authentication: signing in with no key is `dev`, through Vite to the server.
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Connections' }).waitFor({ timeout: 30_000 });
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }

    process.kill(child.pid!, 'SIGTERM');
    expect(await exited, lines.join('\n')).toBe(0);
    // Both children are gone: neither port answers.
    expect(await answer(`${vite}/console/`)).toBeUndefined();
    expect(await answer(`http://127.0.0.1:${serverPort}/health`)).toBeUndefined();
  });
});
