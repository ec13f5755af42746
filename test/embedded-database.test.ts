// The embedded database: its start-up settings, and PGlite on a thread of its own.
import { describe, expect, it, vi } from 'vitest';
import { openDatabase, type Database } from '../src/db/database.js';
import { startEmbeddedDatabase } from '../src/db/embedded.js';
import { isDatabaseUnavailable } from '../src/db/errors.js';
import { scratchEmbeddedSettings, testLogger, withScratchDatabase } from './helpers/database.js';

describe('the embedded database', () => {
  it("starts with EMBEDDED_SHARED_BUFFERS_MB as PostgreSQL's shared_buffers, and new WAL segments not zero-filled", async () => {
    await withScratchDatabase(async (db) => {
      const [row] = await db.prisma.$queryRawUnsafe<Array<{ shared_buffers: string; wal_init_zero: string }>>(
        "SELECT current_setting('shared_buffers') AS shared_buffers, current_setting('wal_init_zero') AS wal_init_zero",
      );
      expect(row).toEqual({ shared_buffers: '8MB', wal_init_zero: 'off' });
    });
  });
});

describe('the embedded database thread', () => {
  it("runs statements on a thread of its own: the main thread's timers fire while a long statement runs", async () => {
    await withScratchDatabase(async (db) => {
      await db.queryRows('SELECT 1');
      let ticks = 0;
      const timer = setInterval(() => ticks++, 5);
      let statementMs: number | undefined;
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
    });
  });

  it("keeps PostgreSQL's error fields across the thread: a duplicate key is Prisma's unique violation, and the database answers after it", async () => {
    await withScratchDatabase(async (db) => {
      await db.prisma.$executeRawUnsafe('CREATE TABLE thread_errors (id int PRIMARY KEY)');
      await db.prisma.$executeRawUnsafe('INSERT INTO thread_errors VALUES (1)');
      const error = await db.prisma.$executeRawUnsafe('INSERT INTO thread_errors VALUES (1)').catch((caught: unknown) => caught);
      const uniqueViolation = {
        meta: { driverAdapterError: { cause: { kind: 'UniqueConstraintViolation', originalCode: '23505', constraint: { fields: ['id'] } } } },
      };
      expect(error).toMatchObject(uniqueViolation);
      await expect(db.transaction(async (tx) => tx.$executeRawUnsafe('INSERT INTO thread_errors VALUES (1)'))).rejects.toMatchObject(uniqueViolation);
      expect(await db.queryRows<{ n: number }>('SELECT count(*)::int AS n FROM thread_errors')).toEqual([{ n: 1 }]);
    });
  });

  it('rolls a transaction back when its work throws, and commits it otherwise; closing is not a stop', async () => {
    const scratch = scratchEmbeddedSettings();
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
    const scratch = scratchEmbeddedSettings();
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

describe("the embedded database's named statements", () => {
  const preparedCount = async (db: Database) =>
    (await db.queryRows<{ n: number }>('SELECT count(*)::int AS n FROM pg_prepared_statements WHERE NOT from_sql'))[0]!.n;

  it('prepares a statement the second time its text is run, once, and returns what an unnamed one returns, every type alike', async () => {
    await withScratchDatabase(async (db) => {
      await db.prisma.$executeRawUnsafe(
        'CREATE TABLE named_types (id int PRIMARY KEY, big bigint, label text, doc jsonb, at timestamp(3), flag boolean, tags text[], amount numeric, raw bytea)',
      );
      const insert = (id: number, label: string | null) =>
        db.prisma
          .$executeRaw`INSERT INTO named_types VALUES (${id}, ${BigInt(2) ** BigInt(40) + BigInt(id)}, ${label}, ${JSON.stringify({ id, nested: [1, 'two', null] })}::jsonb,
          ${new Date(Date.UTC(2026, 11, 4, 12, 0, id))}, ${id % 2 === 0}, ${['a', `t${id}`]}, ${'12.50'}::numeric, ${Buffer.from([id, 0, 255])})`;
      for (let id = 1; id <= 4; id++) await insert(id, id === 3 ? null : `row ${id}`);
      await preparedCount(db); // run twice, so that it is prepared itself before counting
      const before = await preparedCount(db);
      const read = () => db.prisma.$queryRaw<unknown[]>`SELECT * FROM named_types WHERE id >= ${1} ORDER BY id`;
      const [first, second, third] = [await read(), await read(), await read()];
      // The INSERT (run four times) and the SELECT (three) are each prepared once.
      expect((await preparedCount(db)) - before).toBe(1);
      expect(second).toEqual(first);
      expect(third).toEqual(first);
      expect(first).toHaveLength(4);
      expect(first[2]).toMatchObject({
        id: 3,
        big: BigInt(2) ** BigInt(40) + BigInt(3),
        label: null,
        doc: { id: 3, nested: [1, 'two', null] },
        flag: false,
        tags: ['a', 't3'],
      });
    });
  });

  it('answers with the new columns when a table a prepared statement reads changes (a migration), inside a transaction too', async () => {
    await withScratchDatabase(async (db) => {
      await db.queryRows('CREATE TABLE named_changing (id int PRIMARY KEY)');
      await db.queryRows('INSERT INTO named_changing VALUES (1)');
      for (let run = 0; run < 3; run++) expect(await db.queryRows('SELECT * FROM named_changing')).toEqual([{ id: 1 }]);
      await db.queryRows("ALTER TABLE named_changing ADD COLUMN label text DEFAULT 'new'");
      // First inside a transaction, where a stale plan's error would have aborted it.
      expect(await db.transaction((tx) => tx.$queryRawUnsafe('SELECT * FROM named_changing'))).toEqual([{ id: 1, label: 'new' }]);
      expect(await db.queryRows('SELECT * FROM named_changing')).toEqual([{ id: 1, label: 'new' }]);
    });
  });

  it("takes a column's new type after the column changes (its parameters are typed again)", async () => {
    await withScratchDatabase(async (db) => {
      await db.prisma.$executeRawUnsafe('CREATE TABLE named_retyped (id int PRIMARY KEY, amount int)');
      const write = (id: number, amount: unknown) => db.prisma.$executeRawUnsafe('INSERT INTO named_retyped VALUES ($1, $2)', id, amount);
      await write(1, 10);
      await write(2, 20);
      await db.prisma.$executeRawUnsafe('ALTER TABLE named_retyped ALTER COLUMN amount TYPE text');
      await write(3, 'thirty');
      expect(await db.queryRows('SELECT id, amount FROM named_retyped ORDER BY id')).toEqual([
        { id: 1, amount: '10' },
        { id: 2, amount: '20' },
        { id: 3, amount: 'thirty' },
      ]);
    });
  });

  it("keeps PostgreSQL's error fields from a prepared statement, and the database and a transaction go on after it", async () => {
    await withScratchDatabase(async (db) => {
      await db.prisma.$executeRawUnsafe('CREATE TABLE named_errors (id int PRIMARY KEY)');
      const insert = (id: number) => db.prisma.$executeRaw`INSERT INTO named_errors VALUES (${id})`;
      await insert(1);
      await insert(2);
      const uniqueViolation = { meta: { driverAdapterError: { cause: { kind: 'UniqueConstraintViolation', originalCode: '23505' } } } };
      await expect(insert(1)).rejects.toMatchObject(uniqueViolation);
      await expect(
        db.transaction(async (tx) => {
          await tx.$executeRaw`INSERT INTO named_errors VALUES (${3})`;
          await tx.$executeRaw`INSERT INTO named_errors VALUES (${2})`;
        }),
      ).rejects.toMatchObject(uniqueViolation);
      await db.transaction(async (tx) => tx.$executeRaw`INSERT INTO named_errors VALUES (${4})`);
      expect(await db.queryRows<{ id: number }>('SELECT id FROM named_errors ORDER BY id')).toEqual([{ id: 1 }, { id: 2 }, { id: 4 }]);
    });
  });

  it('keeps at most 256 prepared statements, the least recently used closed first', async () => {
    await withScratchDatabase(async (db) => {
      for (let round = 0; round < 2; round++) for (let n = 0; n < 300; n++) await db.queryRows(`SELECT ${n} AS n`);
      expect(await preparedCount(db)).toBe(256);
      // The most recent ones are still prepared (answered without a parse), the first ones are not.
      const statements = await db.queryRows<{ statement: string }>('SELECT statement FROM pg_prepared_statements WHERE NOT from_sql');
      const texts = new Set(statements.map((row) => row.statement));
      expect(texts.has('SELECT 299 AS n')).toBe(true);
      expect(texts.has('SELECT 0 AS n')).toBe(false);
      expect(await db.queryRows('SELECT 0 AS n')).toEqual([{ n: 0 }]);
    });
  });
});
