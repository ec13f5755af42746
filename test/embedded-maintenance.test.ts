// The job embedded-database-maintenance: autovacuum's work for the embedded database, which has none.
import { describe, expect, it } from 'vitest';
import type { Database } from '../src/db/database.js';
import { embeddedMaintenanceJob, maintainEmbeddedDatabase, maintenanceOf } from '../src/db/embedded-maintenance.js';
import { testLogger, withScratchDatabase } from './helpers/database.js';

interface TableStats {
  n_dead_tup: number;
  vacuumed: boolean;
  analyzed: boolean;
  reltuples: number;
}
const statsOf = async (db: Database, table: string) => {
  await db.queryRows('SELECT pg_stat_force_next_flush()');
  const [row] = await db.queryRows<TableStats>(
    `SELECT s.n_dead_tup::int AS n_dead_tup, s.last_vacuum IS NOT NULL AS vacuumed, s.last_analyze IS NOT NULL AS analyzed, c.reltuples::int AS reltuples
     FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid WHERE s.relname = '${table}'`,
  );
  return row!;
};

const autovacuumDefaults = {
  vacuumThreshold: 50,
  vacuumScale: 0.2,
  insertThreshold: 1000,
  insertScale: 0.2,
  analyzeThreshold: 50,
  analyzeScale: 0.1,
};

describe('embedded database maintenance', () => {
  it("decides by autovacuum's rules: dead rows past 50 + 20 %, inserts past 1,000 + 20 %, changes past 50 + 10 % of the table", () => {
    const table = (counts: { rows: number; dead?: number; modified?: number; inserted?: number }) =>
      maintenanceOf({ table: 't', dead: 0, modified: 0, inserted: 0, ...autovacuumDefaults, ...counts });
    expect(table({ rows: 1000, dead: 250, modified: 150 })).toEqual({ vacuum: false, analyze: false });
    expect(table({ rows: 1000, dead: 251 })).toEqual({ vacuum: true, analyze: false });
    expect(table({ rows: 1000, modified: 151 })).toEqual({ vacuum: false, analyze: true });
    expect(table({ rows: 1000, inserted: 1201 })).toEqual({ vacuum: true, analyze: false });
    // A table never analyzed counts as empty: its first 51 changes get it analyzed.
    expect(table({ rows: 0, modified: 51, dead: 51 })).toEqual({ vacuum: true, analyze: true });
  });

  it('vacuums and analyzes a table past the thresholds, one statement each, and leaves it alone on the next run', async () => {
    await withScratchDatabase(async (db) => {
      await db.queryRows("CREATE TABLE churned (id int PRIMARY KEY, status text NOT NULL DEFAULT 'PENDING')");
      await db.queryRows('CREATE TABLE quiet (id int PRIMARY KEY)');
      await db.queryRows('INSERT INTO churned (id) SELECT generate_series(1, 400)');
      await db.queryRows("UPDATE churned SET status = 'DONE' WHERE id <= 300");
      await db.queryRows('INSERT INTO quiet SELECT generate_series(1, 10)');
      const statements: string[] = [];
      const unsubscribe = db.onStatement!((sql) => statements.push(sql));
      const done = await maintainEmbeddedDatabase(db);
      unsubscribe();
      expect(done).toEqual([{ table: 'churned', vacuum: true, analyze: true }]);
      expect(statements).toEqual(expect.arrayContaining(['VACUUM "churned"', 'ANALYZE "churned"']));
      const churned = await statsOf(db, 'churned');
      expect(churned).toMatchObject({ n_dead_tup: 0, vacuumed: true, analyzed: true, reltuples: 400 });
      expect(await statsOf(db, 'quiet')).toMatchObject({ vacuumed: false, analyzed: false });
      expect(await maintainEmbeddedDatabase(db)).toEqual([]);
    });
  });

  it('runs on the embedded database only, and not at all when its interval is 0', () => {
    const embedded = { kind: 'pglite' } as Database;
    expect(embeddedMaintenanceJob(embedded, 2, testLogger).enabled).toBe(true);
    expect(embeddedMaintenanceJob(embedded, 0, testLogger).enabled).toBe(false);
    expect(embeddedMaintenanceJob({ kind: 'postgresql' } as Database, 2, testLogger).enabled).toBe(false);
  });
});
