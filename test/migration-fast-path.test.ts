import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMigrations, migrate, migrationsUpToDate, type RunQuery } from '../src/db/migrate.js';
import { migrationsDir } from '../src/db/schema-engine.js';

// The start-up check that lets an up-to-date database skip Prisma's WebAssembly engine. The SQL is
// the same on PGlite and PostgreSQL (the PostgreSQL path runs it under the advisory lock), so a
// scratch PGlite stands in for both; migrations.test.ts covers the real database of each project.
describe('start-up migration check', () => {
  const scratchDirs: string[] = [];
  const databases: PGlite[] = [];

  function scratch(): { pglite: PGlite; run: RunQuery } {
    const pglite = new PGlite();
    databases.push(pglite);
    return { pglite, run: async (sql) => (await pglite.query(sql)).rows as never[] };
  }

  /** A copy of prisma/migrations, optionally without its last folders. */
  function copyOfMigrations(drop = 0): { dir: string; folders: string[] } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-migrations-'));
    scratchDirs.push(dir);
    fs.cpSync(migrationsDir, dir, { recursive: true });
    const folders = fs.readdirSync(dir, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
    for (const folder of folders.slice(folders.length - drop)) fs.rmSync(path.join(dir, folder), { recursive: true });
    return { dir, folders };
  }

  /** The engine step, counting its runs. */
  function countingEngine() {
    const calls: string[] = [];
    const applyWithEngine: typeof applyMigrations = async (factory, dir) => {
      calls.push(dir ?? 'default');
      return applyMigrations(factory, dir);
    };
    return { calls, applyWithEngine };
  }

  let migrated: { pglite: PGlite; run: RunQuery };
  beforeAll(async () => {
    migrated = scratch();
    const engine = countingEngine();
    const applied = await migrate(migrated.run, () => new PrismaPGlite(migrated.pglite), engine);
    expect(engine.calls).toHaveLength(1);
    expect(applied.length).toBeGreaterThan(0);
  }, 120_000);

  afterAll(async () => {
    for (const database of databases) await database.close();
    for (const dir of scratchDirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('starts an up-to-date database without loading the engine', async () => {
    const engine = countingEngine();
    expect(await migrate(migrated.run, () => new PrismaPGlite(migrated.pglite), engine)).toEqual([]);
    expect(engine.calls).toEqual([]);
  });

  it('still applies a pending migration with the engine', async () => {
    const database = scratch();
    const older = copyOfMigrations(1);
    await applyMigrations(new PrismaPGlite(database.pglite), older.dir);
    expect(await migrationsUpToDate(database.run)).toBe(false);

    const engine = countingEngine();
    const applied = await migrate(database.run, () => new PrismaPGlite(database.pglite), engine);
    expect(engine.calls).toHaveLength(1);
    expect(applied).toEqual([older.folders.at(-1)]);
    expect(await migrationsUpToDate(database.run)).toBe(true);
  }, 120_000);

  it('hands an applied migration whose file changed (checksum mismatch) to the engine', async () => {
    const edited = copyOfMigrations();
    fs.appendFileSync(path.join(edited.dir, edited.folders[0]!, 'migration.sql'), '\n-- edited after it was applied\n');
    expect(await migrationsUpToDate(migrated.run, edited.dir)).toBe(false);

    const engine = countingEngine();
    await migrate(migrated.run, () => new PrismaPGlite(migrated.pglite), { ...engine, dir: edited.dir }).catch(() => []);
    expect(engine.calls).toEqual([edited.dir]);
  }, 120_000);

  let bare: { pglite: PGlite; run: RunQuery };
  it('treats a database without _prisma_migrations as new', async () => {
    bare = scratch();
    expect(await migrationsUpToDate(bare.run)).toBe(false);
  });

  it('hands a failed or unknown migration record to the engine', async () => {
    const database = bare;
    await database.pglite.query(`CREATE TABLE _prisma_migrations (id text PRIMARY KEY, checksum text NOT NULL, finished_at timestamptz,
      migration_name text NOT NULL, logs text, rolled_back_at timestamptz, started_at timestamptz NOT NULL DEFAULT now(), applied_steps_count integer NOT NULL DEFAULT 0)`);
    const rows = (await migrated.pglite.query<{ id: string; checksum: string; migration_name: string }>(`SELECT id, checksum, migration_name FROM _prisma_migrations`)).rows;
    for (const row of rows) {
      await database.pglite.query(`INSERT INTO _prisma_migrations (id, checksum, migration_name, finished_at) VALUES ($1, $2, $3, now())`, [row.id, row.checksum, row.migration_name]);
    }
    expect(await migrationsUpToDate(database.run)).toBe(true);
    // One of them failed half-way: not finished.
    await database.pglite.query(`UPDATE _prisma_migrations SET finished_at = NULL WHERE migration_name = $1`, [rows[0]!.migration_name]);
    expect(await migrationsUpToDate(database.run)).toBe(false);
    await database.pglite.query(`UPDATE _prisma_migrations SET finished_at = now()`);
    // One the folder does not have (applied by a newer version of Switchboard).
    await database.pglite.query(`INSERT INTO _prisma_migrations (id, checksum, migration_name, finished_at) VALUES ('x', 'y', '29990101000000_future', now())`);
    expect(await migrationsUpToDate(database.run)).toBe(false);
  });
});
