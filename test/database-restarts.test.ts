// A server process whose private PostgreSQL restarts ten times while its pool is saturated (many
// more requests than connections, so clients go straight from one caller to the next): the process
// never exits on a connection's 'error' event, requests in flight end in a typed DATABASE_UNAVAILABLE
// (never a reset connection or an internal error), and it answers normally after each restart.
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it, vi } from 'vitest';
import { spawnServer } from './helpers/process.js';
import { graphql, TEST_API_KEY } from './helpers/server.js';
import { hasPostgresBinaries, startPrivatePostgres } from './helpers/services.js';

const PG_PORT = 15461;
const user = { 'x-api-key': TEST_API_KEY, 'x-user-id': 'db-restarts' };
const READ = '{ integrations(first: 1) { totalCount } }';

const skipped = process.env.TEST_DATABASE !== 'postgresql' || !hasPostgresBinaries;

describe.skipIf(skipped)('database restarts under a saturated pool', async () => {
  if (skipped) return void it.skip('needs PostgreSQL and its binaries (initdb, pg_ctl)', () => {});
  const postgres = await startPrivatePostgres(PG_PORT);

  it('ten fast restarts: no process exit, in-flight requests get DATABASE_UNAVAILABLE, service resumes after each', async () => {
    const server = await spawnServer({
      DATABASE_URL: postgres.url,
      REDIS_URL: '',
      API_KEYS: TEST_API_KEY,
      DATABASE_POOL_SIZE: '2',
      DATABASE_CONNECT_TIMEOUT_MS: '2000',
      DATABASE_STATEMENT_TIMEOUT_MS: '3000',
    });
    let exitCode: number | null | 'running' = 'running';
    void server.exited.then((code) => (exitCode = code));

    const outcomes = { ok: 0, unavailable: 0, other: [] as string[] };
    let loading = true;
    // 24 callers against 2 connections: there is always someone waiting for a client.
    const load = Promise.all(
      Array.from({ length: 24 }, async () => {
        while (loading) {
          try {
            const answer = await graphql(server, READ, {}, user);
            const code = answer.errors?.[0]?.extensions?.code;
            if (answer.data?.integrations?.totalCount === 0) outcomes.ok++;
            else if (code === 'DATABASE_UNAVAILABLE') outcomes.unavailable++;
            else outcomes.other.push(JSON.stringify(answer).slice(0, 200));
          } catch (error) {
            outcomes.other.push(String(error));
            await sleep(100);
          }
        }
      }),
    );

    for (let restart = 0; restart < 10; restart++) {
      const before = outcomes.ok;
      await vi.waitFor(() => expect(outcomes.ok).toBeGreaterThan(before + 20), { timeout: 20_000, interval: 20 });
      await postgres.restart();
    }
    const before = outcomes.ok;
    await vi.waitFor(() => expect(outcomes.ok).toBeGreaterThan(before + 20), { timeout: 20_000, interval: 20 });
    loading = false;
    await load;

    expect(exitCode).toBe('running');
    expect(outcomes.other).toEqual([]);
    // The restarts did cut requests in flight, and those were told so.
    expect(outcomes.unavailable).toBeGreaterThan(0);
  }, 240_000);
});
