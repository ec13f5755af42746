// `npm start` as a deployer runs it: compiled JavaScript under plain node, in the process npm starts,
// so one SIGTERM to npm stops it gracefully; and a taken port is reported before any migration.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import readline from 'node:readline';
import { createClient } from 'graphql-ws';
import pg from 'pg';
import { describe, expect, it, onTestFinished } from 'vitest';
import WebSocket from 'ws';
import { MIGRATION_LOCK_ID } from '../src/db/database.js';
import { projectRoot } from '../src/db/schema-engine.js';
import { uniqueSlug } from './helpers/fixtures.js';
import { childDataDir } from './helpers/process.js';
import { graphql } from './helpers/server.js';
import { json, startUpstream } from './helpers/upstream.js';

interface Started {
  child: ChildProcess;
  lines: string[];
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs `command` in the project with the test's environment (its database, Redis, no auth: dev mode). */
function run(command: string, args: string[], env: Record<string, string> = {}): Started {
  const child = spawn(command, args, {
    cwd: projectRoot,
    env: {
      ...process.env,
      NODE_ENV: 'test',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      LOG_FILE: '',
      LOG_FORMAT: 'json',
      REFRESH_INTERVAL_SECONDS: '0',
      DATA_DIR: childDataDir(),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: a failed test kills npm and the server under it, leaving no orphan.
    detached: true,
  });
  const lines: string[] = [];
  readline.createInterface({ input: child.stdout! }).on('line', (line) => lines.push(line));
  readline.createInterface({ input: child.stderr! }).on('line', (line) => lines.push(line));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  onTestFinished(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // the group is gone: the test stopped it
    }
  });
  return { child, lines, exit };
}

function logged(started: Started, message: string, timeoutMs = 150_000): Promise<Record<string, any>> {
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      for (const line of started.lines) {
        try {
          const entry = JSON.parse(line) as Record<string, any>;
          if (typeof entry.msg === 'string' && entry.msg.startsWith(message)) {
            clearInterval(timer);
            return resolve(entry);
          }
        } catch {
          // npm's banner, or plain text
        }
      }
      if (Date.now() - begun > timeoutMs || started.child.exitCode !== null) {
        clearInterval(timer);
        reject(new Error(`No "${message}" in the output:\n${started.lines.join('\n')}`));
      }
    }, 20);
    const begun = Date.now();
  });
}

describe('npm start in production shape', () => {
  it('stops gracefully on one SIGTERM to npm: a request in flight completes, SSE completes, WebSockets close with 1001, exit 0', async () => {
    const upstream = await startUpstream();
    onTestFinished(() => upstream.close());
    let upstreamReceived!: () => void;
    const received = new Promise<void>((resolve) => (upstreamReceived = resolve));
    upstream.routes.set('/slow', async (_req, res) => {
      upstreamReceived();
      await new Promise((resolve) => setTimeout(resolve, 1500));
      json(res, 200, { finished: true });
    });

    const npm = run('npm', ['start'], { SHUTDOWN_DRAIN_MS: '10000' });
    const { url } = await logged(npm, 'Switchboard listening');
    const server = { url: url as string };
    const slug = uniqueSlug('drain');
    const created = await graphql(
      server,
      `
        mutation ($input: CreateIntegrationInput!) {
          createIntegration(input: $input) {
            __typename
          }
        }
      `,
      {
        input: {
          slug,
          provider: 'custom',
          clientId: 'id',
          clientSecret: 'secret-value',
          authorizationUrl: `${upstream.url}/authorize`,
          tokenUrl: `${upstream.url}/token`,
          apiBaseUrl: upstream.url,
        },
      },
    );
    expect(created.data.createIntegration.__typename).toBe('CreateIntegrationPayload');
    const connected = await graphql(
      server,
      `
        mutation ($input: CreateConnectionInput!) {
          createConnection(input: $input) {
            __typename
          }
        }
      `,
      {
        input: { integration: slug, accessToken: 'access-token-value' },
      },
    );
    expect(connected.data.createConnection.__typename).toBe('CreateConnectionPayload');

    // A WebSocket subscriber and an SSE subscriber.
    const closeCode = new Promise<number>((resolve) => {
      const client = createClient({
        url: server.url.replace('http', 'ws') + '/graphql',
        webSocketImpl: WebSocket,
        retryAttempts: 0,
        lazy: false,
        onNonLazyError: () => {},
        on: { closed: (event) => resolve((event as { code: number }).code) },
      });
      client.subscribe({ query: 'subscription { connectionStatusChanged { connectionId } }' }, { next: () => {}, error: () => {}, complete: () => {} });
    });
    const sse = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: 'subscription { connectionStatusChanged { connectionId } }' }),
    });
    expect(sse.status).toBe(200);
    const sseText = sse.text();

    const inFlight = fetch(`${server.url}/api/integrations/${slug}/request/slow`);
    await received;
    expect(npm.child.kill('SIGTERM')).toBe(true);

    const answer = await inFlight;
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ finished: true });
    expect(await sseText).toContain('event: complete');
    expect(await closeCode).toBe(1001);
    expect(await npm.exit).toEqual({ code: 0, signal: null });
    await logged(npm, 'stopped', 1000);
  }, 180_000);

  // On PostgreSQL the test can hold the migrations back: it takes the advisory lock the server
  // migrates under, so "before the migrations finish" lasts until the test lets go.
  it.skipIf(process.env.TEST_DATABASE !== 'postgresql')(
    'answers /ready 503 (and /health 200) until the migrations are done, then 200',
    async () => {
      const holder = new pg.Client({ connectionString: process.env.DATABASE_URL });
      await holder.connect();
      onTestFinished(() => holder.end());
      await holder.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);

      const npm = run('npm', ['start']);
      const { url } = await logged(npm, 'port bound');
      // The server's migration session is queued behind the test's lock.
      for (;;) {
        const { rows } = await holder.query(`SELECT count(*)::int AS waiting FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objid = $1`, [
          MIGRATION_LOCK_ID,
        ]);
        if (rows[0].waiting > 0) break;
        if (npm.child.exitCode !== null) throw new Error(`npm start exited:\n${npm.lines.join('\n')}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const starting = await fetch(`${url}/ready`);
      expect(starting.status).toBe(503);
      expect(await starting.json()).toMatchObject({ status: 'starting' });
      expect((await fetch(`${url}/health`)).status).toBe(200);

      await holder.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]);
      await logged(npm, 'Switchboard listening');
      expect((await fetch(`${url}/ready`)).status).toBe(200);
      expect(npm.child.kill('SIGTERM')).toBe(true);
      expect(await npm.exit).toEqual({ code: 0, signal: null });
    },
    120_000,
  );

  it('reports a taken port at once, before migrating the database, and exits 1', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
    const started = run('npm', ['start'], { PORT: String((blocker.address() as AddressInfo).port) });
    const { code } = await started.exit;
    expect(code).toBe(1);
    const output = started.lines.join('\n');
    expect(output).toMatch(/cannot listen on 127\.0\.0\.1:\d+: the port is in use/);
    expect(output).not.toContain('database migrated');
    expect(output).not.toContain('database up to date');
  }, 60_000);
});
