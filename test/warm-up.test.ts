// The warm-up an app runs right after becoming ready (src/warm-up.ts): it only reads, each of its
// steps works against the schema and queries as they are, and ready() does not wait for it.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { warmUp } from '../src/warm-up.js';
import { database } from './helpers/database.js';
import { startTestServer, testApp } from './helpers/server.js';

function collectingLogger() {
  const lines: Array<{ msg: string; step?: string; err?: unknown }> = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { logger, lines };
}

describe('the warm-up after ready', () => {
  it('only reads, and every step succeeds', async () => {
    const app = testApp();
    const { logger, lines } = collectingLogger();
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
    for (const statement of statements) expect(statement.trimStart()).toMatch(/^SELECT\b/i);
  });

  it('starts when the app becomes ready and ends by itself; /ready does not wait for it', async () => {
    const server = await startTestServer();
    expect((await fetch(`${server.url}/ready`)).status).toBe(200);
    await server.warmedUp();
    expect((await fetch(`${server.url}/ready`)).status).toBe(200);
  });
});
