// The embedded database: its start-up settings, and PGlite on a thread of its own.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { openDatabase } from '../src/db/database.js';
import { startEmbeddedDatabase } from '../src/db/embedded.js';
import { isDatabaseUnavailable } from '../src/db/errors.js';
import { testLogger } from './helpers/database.js';
import { testConfig } from './helpers/server.js';

// A directory of its own, seeded from the build's template (an in-memory database runs initdb: seconds).
const scratchDirs: string[] = [];
afterAll(() => {
  for (const dir of scratchDirs) fs.rmSync(dir, { recursive: true, force: true });
});
const settings = () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-thread-'));
  scratchDirs.push(dataDir);
  return { ...testConfig().database, url: undefined, dataDir, embeddedSharedBuffersMb: 8 };
};

describe('the embedded database', () => {
  it("starts with EMBEDDED_SHARED_BUFFERS_MB as PostgreSQL's shared_buffers", async () => {
    const db = openDatabase(settings(), { logger: testLogger });
    try {
      const [row] = await db.prisma.$queryRawUnsafe<Array<{ shared_buffers: string }>>("SELECT current_setting('shared_buffers') AS shared_buffers");
      expect(row?.shared_buffers).toBe('8MB');
    } finally {
      await db.close();
    }
  });
});

describe('the embedded database thread', () => {
  it("runs statements on a thread of its own: the main thread's timers fire while a long statement runs", async () => {
    const db = openDatabase(settings(), { logger: testLogger });
    try {
      await db.queryRows('SELECT 1');
      let ticks = 0;
      const timer = setInterval(() => ticks++, 5);
      let statementMs = 0;
      const started = performance.now();
      try {
        await db.queryRows('SELECT count(*) FROM generate_series(1, 3000000)');
        statementMs = performance.now() - started;
      } finally {
        clearInterval(timer);
      }
      // On the main thread a statement blocks it whole: not one tick. Here the loop stays free.
      expect(statementMs).toBeGreaterThan(20);
      expect(ticks).toBeGreaterThanOrEqual(2);
    } finally {
      await db.close();
    }
  });

  it("keeps PostgreSQL's error fields across the thread: a duplicate key is Prisma's unique violation, and the database answers after it", async () => {
    const db = openDatabase(settings(), { logger: testLogger });
    try {
      await db.prisma.$executeRawUnsafe('CREATE TABLE thread_errors (id int PRIMARY KEY)');
      await db.prisma.$executeRawUnsafe('INSERT INTO thread_errors VALUES (1)');
      const error = await db.prisma.$executeRawUnsafe('INSERT INTO thread_errors VALUES (1)').catch((caught: unknown) => caught);
      const uniqueViolation = {
        meta: { driverAdapterError: { cause: { kind: 'UniqueConstraintViolation', originalCode: '23505', constraint: { fields: ['id'] } } } },
      };
      expect(error).toMatchObject(uniqueViolation);
      await expect(db.transaction(async (tx) => tx.$executeRawUnsafe('INSERT INTO thread_errors VALUES (1)'))).rejects.toMatchObject(uniqueViolation);
      expect(await db.queryRows<{ n: number }>('SELECT count(*)::int AS n FROM thread_errors')).toEqual([{ n: 1 }]);
    } finally {
      await db.close();
    }
  });

  it('rolls a transaction back when its work throws, and commits it otherwise; closing is not a stop', async () => {
    const scratch = settings();
    const onStopped = vi.fn();
    const db = openDatabase(scratch, { logger: testLogger, embedded: startEmbeddedDatabase(scratch, testLogger, onStopped) });
    try {
      await db.prisma.$executeRawUnsafe('CREATE TABLE thread_tx (id int PRIMARY KEY)');
      await expect(
        db.transaction(async (tx) => {
          await tx.$executeRawUnsafe('INSERT INTO thread_tx VALUES (1)');
          throw new Error('changed my mind');
        }),
      ).rejects.toThrow('changed my mind');
      await db.transaction(async (tx) => tx.$executeRawUnsafe('INSERT INTO thread_tx VALUES (2)'));
      expect(await db.queryRows<{ id: number }>('SELECT id FROM thread_tx')).toEqual([{ id: 2 }]);
    } finally {
      await db.close();
    }
    expect(onStopped).not.toHaveBeenCalled();
  });

  it('a thread that stops fails the statement in flight and every later one as the database being unavailable, and says so once', async () => {
    const scratch = settings();
    const onStopped = vi.fn();
    const embedded = startEmbeddedDatabase(scratch, testLogger, onStopped);
    const db = openDatabase(scratch, { logger: testLogger, embedded });
    try {
      await db.queryRows('SELECT 1');
      const inFlight = db.queryRows('SELECT count(*) FROM generate_series(1, 20000000)').catch((caught: unknown) => caught);
      await embedded.client.terminate();
      const error = await inFlight;
      expect(isDatabaseUnavailable(error)).toBe(true);
      expect(String((error as Error).message)).toMatch(/the embedded database stopped/);
      const later = await db.prisma.integration.count().catch((caught: unknown) => caught);
      expect(isDatabaseUnavailable(later)).toBe(true);
      expect(onStopped).toHaveBeenCalledTimes(1);
      expect(onStopped).toHaveBeenCalledWith(error);
    } finally {
      await db.close();
    }
  });
});
