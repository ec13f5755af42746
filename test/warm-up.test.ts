// The warm-up an app runs right after becoming ready (src/warm-up.ts): it writes nothing (reads, and an
// update of a connection no row has), each of its steps works against the schema and queries as they
// are, and ready() does not wait for it.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { warmUp } from '../src/warm-up.js';
import { database, prisma } from './helpers/database.js';
import { makeIntegration } from './helpers/fixtures.js';
import { startTestServer, testApp } from './helpers/server.js';

function collectingLogger() {
  const lines: Array<{ msg: string; step?: string; err?: unknown }> = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { logger, lines };
}

describe('the warm-up after ready', () => {
  it('writes nothing, and every step succeeds', async () => {
    const app = testApp();
    const { logger, lines } = collectingLogger();
    const rowsOf = () => prisma.connection.findMany({ select: { id: true, sequence: true, updatedAt: true }, orderBy: { id: 'asc' } });
    const before = await rowsOf();
    const statements: string[] = [];
    const stopObserving = database.onQuery((query) => statements.push(query));
    try {
      await warmUp(app.services, logger);
    } finally {
      stopObserving();
    }
    expect(lines.filter((line) => line.msg === 'warm-up step failed')).toEqual([]);
    expect(lines.some((line) => line.msg === 'warmed up')).toBe(true);
    expect(statements.length).toBeGreaterThanOrEqual(4);
    for (const statement of statements)
      expect(statement.trimStart()).toMatch(/^(SELECT\b|UPDATE "public"."Connection" SET .* WHERE \("public"."Connection"."id" = \$\d+)/is);
    expect(await rowsOf()).toEqual(before);
  });

  it('updates a connection with the statement a second connect under the same name runs, so that its plan is ready', async () => {
    const app = testApp();
    const integration = await makeIntegration(app, { authType: 'API_KEY', apiBaseUrl: 'https://api.provider.example' });
    const viewer = { userId: 'warm-up-reconnect', isAdmin: false, via: 'api-key' as const };
    const input = { integration: integration.slug, connectionName: 'default', apiKey: 'first-key' };
    await app.services.createConnection(viewer, input);
    const connectionUpdates = async (work: () => Promise<unknown>) => {
      const statements: string[] = [];
      const stop = database.onQuery((query) => {
        if (/^\s*UPDATE "public"."Connection"/.test(query)) statements.push(query.trim());
      });
      try {
        await work();
      } finally {
        stop();
      }
      return statements;
    };
    const reconnect = await connectionUpdates(() => app.services.createConnection(viewer, { ...input, apiKey: 'second-key' }));
    const warm = await connectionUpdates(() => warmUp(app.services, collectingLogger().logger));
    expect(reconnect).toHaveLength(1);
    expect(warm).toEqual(reconnect);
  });

  it('starts when the app becomes ready and ends by itself; /ready does not wait for it', async () => {
    const server = await startTestServer();
    expect((await fetch(`${server.url}/ready`)).status).toBe(200);
    await server.warmedUp();
    expect((await fetch(`${server.url}/ready`)).status).toBe(200);
  });
});
