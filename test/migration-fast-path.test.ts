import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMigrations, databaseIsEmpty, migrate, migrationsUpToDate, type RunQuery, type RunScript } from '../src/db/migrate.js';
import { migrationsDir, noFilters, readMigrationList, withSchemaEngine } from '../src/db/schema-engine.js';

// The start-up check that lets an up-to-date database skip Prisma's WebAssembly engine. The SQL is
// the same on PGlite and PostgreSQL (the PostgreSQL path runs it under the advisory lock), so a
// scratch PGlite stands in for both; migrations.test.ts covers the real database of each project.
describe('start-up migration check', () => {
  const scratchDirs: string[] = [];
  const databases: PGlite[] = [];

  function scratch(): { pglite: PGlite; run: RunQuery; runScript: RunScript } {
    const pglite = new PGlite();
    databases.push(pglite);
    return { pglite, run: async (sql) => (await pglite.query(sql)).rows as never[], runScript: async (sql) => void (await pglite.exec(sql)) };
  }

  /** What a database holds, in comparable text: columns, constraints, indexes, enums and the migration records' shape. */
  async function describeSchema(database: { run: RunQuery }): Promise<unknown> {
    return {
      columns: await database.run(`SELECT table_name, column_name, data_type, character_maximum_length, is_nullable, column_default
        FROM information_schema.columns WHERE table_schema = current_schema() ORDER BY table_name, column_name`),
      constraints: await database.run(`SELECT conrelid::regclass::text AS "table", conname, pg_get_constraintdef(oid) AS definition
        FROM pg_constraint WHERE connamespace = current_schema()::regnamespace ORDER BY 1, 2`),
      indexes: await database.run(`SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() ORDER BY indexname`),
      enums: await database.run(`SELECT t.typname, string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) AS labels
        FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid WHERE t.typnamespace = current_schema()::regnamespace GROUP BY t.typname ORDER BY t.typname`),
      migrations: await database.run(`SELECT migration_name, checksum, logs, rolled_back_at, applied_steps_count,
        finished_at IS NOT NULL AS finished, finished_at >= started_at AS ordered, length(id) AS id_length FROM _prisma_migrations ORDER BY migration_name`),
    };
  }

  /** A copy of prisma/migrations, optionally without its last folders. */
  function copyOfMigrations(drop = 0): { dir: string; folders: string[] } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-migrations-'));
    scratchDirs.push(dir);
    fs.cpSync(migrationsDir, dir, { recursive: true });
    const folders = fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
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

  // Migrated by Prisma's engine: the reference the direct path is held to.
  let migrated: ReturnType<typeof scratch>;
  beforeAll(async () => {
    migrated = scratch();
    const applied = await applyMigrations(new PrismaPGlite(migrated.pglite));
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

  it('applies every migration to a new, empty database without the engine', async () => {
    const database = scratch();
    expect(await databaseIsEmpty(database.run)).toBe(true);
    const engine = countingEngine();
    const applied = await migrate(database.run, () => new PrismaPGlite(database.pglite), { ...engine, runScript: database.runScript });
    expect(engine.calls).toEqual([]);
    expect(applied).toEqual(copyOfMigrations().folders);
    expect(await migrationsUpToDate(database.run)).toBe(true);
  });

  it('leaves a new database as the engine would, and the engine finds nothing to apply, failed or edited', async () => {
    const database = scratch();
    await migrate(database.run, () => new PrismaPGlite(database.pglite), {
      applyWithEngine: () => Promise.reject(new Error('the engine ran')),
      runScript: database.runScript,
    });
    expect(await describeSchema(database)).toEqual(await describeSchema(migrated));

    await withSchemaEngine(new PrismaPGlite(database.pglite), async (engine) => {
      expect(await engine.applyMigrations({ migrationsList: readMigrationList(), filters: noFilters })).toEqual({ appliedMigrationNames: [] });
      const diagnosis = await engine.diagnoseMigrationHistory({ migrationsList: readMigrationList(), optInToShadowDatabase: false, filters: noFilters });
      expect(diagnosis).toMatchObject({ history: null, failedMigrationNames: [], editedMigrationNames: [], hasMigrationsTable: true });
    });
  }, 120_000);

  it('rolls a new database back and hands it to the engine when a migration cannot run in a transaction', async () => {
    const database = scratch();
    const withConcurrentIndex = copyOfMigrations();
    const folder = '29990101000000_concurrent_index';
    fs.mkdirSync(path.join(withConcurrentIndex.dir, folder));
    fs.writeFileSync(
      path.join(withConcurrentIndex.dir, folder, 'migration.sql'),
      'CREATE INDEX CONCURRENTLY "Integration_concurrent_idx" ON "Integration" ("createdAt");\n',
    );
    const runScripts: string[] = [];
    const runScript: RunScript = async (sql) => {
      runScripts.push(sql);
      await database.runScript(sql);
    };

    const engine = countingEngine();
    const applied = await migrate(database.run, () => new PrismaPGlite(database.pglite), { ...engine, dir: withConcurrentIndex.dir, runScript });
    expect(runScripts.at(-1)).toBe('ROLLBACK');
    expect(engine.calls).toEqual([withConcurrentIndex.dir]);
    expect(applied).toEqual([...withConcurrentIndex.folders, folder]);
    expect(await migrationsUpToDate(database.run, withConcurrentIndex.dir)).toBe(true);
  }, 120_000);

  it('hands a new database to the engine, untouched, when a migration controls transactions itself', async () => {
    const database = scratch();
    const withCommit = copyOfMigrations();
    const folder = '29990101000000_own_transaction';
    fs.mkdirSync(path.join(withCommit.dir, folder));
    fs.writeFileSync(path.join(withCommit.dir, folder, 'migration.sql'), 'BEGIN;\nCREATE TABLE "Own" ("id" TEXT NOT NULL);\nCOMMIT;\n');
    const runScripts: string[] = [];
    const engine = countingEngine();
    const applied = await migrate(database.run, () => new PrismaPGlite(database.pglite), {
      ...engine,
      dir: withCommit.dir,
      runScript: async (sql) => void runScripts.push(sql),
    });
    expect(runScripts).toEqual([]);
    expect(engine.calls).toEqual([withCommit.dir]);
    expect(applied).toEqual([...withCommit.folders, folder]);
  }, 120_000);

  it('leaves a database that is not empty to the engine', async () => {
    const database = scratch();
    await database.pglite.exec('CREATE TABLE someone_elses (id integer)');
    expect(await databaseIsEmpty(database.run)).toBe(false);
    const engine = countingEngine();
    // The engine refuses a non-empty schema without migration history (P3005).
    await expect(migrate(database.run, () => new PrismaPGlite(database.pglite), { ...engine, runScript: database.runScript })).rejects.toThrow();
    expect(engine.calls).toHaveLength(1);
  }, 120_000);

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
    const rows = (
      await migrated.pglite.query<{ id: string; checksum: string; migration_name: string }>(`SELECT id, checksum, migration_name FROM _prisma_migrations`)
    ).rows;
    for (const row of rows) {
      await database.pglite.query(`INSERT INTO _prisma_migrations (id, checksum, migration_name, finished_at) VALUES ($1, $2, $3, now())`, [
        row.id,
        row.checksum,
        row.migration_name,
      ]);
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
