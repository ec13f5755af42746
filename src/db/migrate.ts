// Applies prisma/migrations at start (and via `npm run db:migrate`), keeping Prisma's
// _prisma_migrations table so `prisma migrate deploy` stays interchangeable with it.
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { migrationsDir as defaultMigrationsDir } from '../paths.js';

/** Applies what is pending with Prisma's schema engine; returns the names it applied. */
export async function applyMigrations(adapterFactory: SqlMigrationAwareDriverAdapterFactory, dir = defaultMigrationsDir): Promise<string[]> {
  // Loaded only when there is something to apply: instantiating the WebAssembly engine costs seconds.
  const { noFilters, readMigrationList, withSchemaEngine } = await import('./schema-engine.js');
  return withSchemaEngine(adapterFactory, async (engine) => {
    const { appliedMigrationNames } = await engine.applyMigrations({
      migrationsList: readMigrationList(dir),
      filters: noFilters,
    });
    return appliedMigrationNames;
  });
}

/** Runs one SQL statement without parameters and returns its rows. */
export type RunQuery = <Row>(sql: string) => Promise<Row[]>;
/** Runs a script of SQL statements without parameters (PGlite's exec, pg's simple query). */
export type RunScript = (sql: string) => Promise<void>;

/**
 * Start-up migration: a restart on an up-to-date database answers from one cheap query; a new,
 * empty database gets the migration files applied directly (`runScript`, when given); only a
 * database with something else to apply (or something wrong) pays for the engine. `applyWithEngine`
 * is the engine step (a parameter so that tests can see whether it ran).
 */
export async function migrate(
  run: RunQuery,
  adapterFactory: () => SqlMigrationAwareDriverAdapterFactory,
  {
    dir = defaultMigrationsDir,
    applyWithEngine = applyMigrations,
    runScript,
    warn = () => {},
  }: { dir?: string; applyWithEngine?: typeof applyMigrations; runScript?: RunScript; warn?: (error: Error, message: string) => void } = {},
): Promise<string[]> {
  if (await migrationsUpToDate(run, dir)) return [];
  if (runScript && (await databaseIsEmpty(run))) {
    const applied = await applyToEmptyDatabase(runScript, dir).catch((error: Error) => {
      warn(error, 'migrations not applied directly (rolled back); the schema engine applies them');
      return undefined;
    });
    // Undefined: something did not apply in one transaction (rolled back): the engine applies it
    // its own way and reports what fails with its own errors.
    if (applied) return applied;
  }
  return applyWithEngine(adapterFactory(), dir);
}

/** Nothing at all in the current schema: no _prisma_migrations, no table, type or function. */
export async function databaseIsEmpty(run: RunQuery): Promise<boolean> {
  const [row] = await run<{ empty: boolean }>(`SELECT
      NOT EXISTS (SELECT 1 FROM pg_class WHERE relnamespace = current_schema()::regnamespace)
      AND NOT EXISTS (SELECT 1 FROM pg_type WHERE typnamespace = current_schema()::regnamespace)
      AND NOT EXISTS (SELECT 1 FROM pg_proc WHERE pronamespace = current_schema()::regnamespace) AS "empty"`);
  return row?.empty === true;
}

/** The table exactly as Prisma's schema engine creates it on PostgreSQL. */
const CREATE_MIGRATIONS_TABLE = `CREATE TABLE _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
)`;

const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

/**
 * Applies every migration to an empty database the way `prisma migrate deploy` does (each file in
 * folder order; a _prisma_migrations row per migration: a random id, the SHA-256 of the file,
 * started before and finished after it, one step), in one transaction, without loading the
 * WebAssembly engine (seconds of CPU). Returns the names applied, or throws after rolling back.
 * A migrations folder the engine would refuse (a missing file, another provider in
 * migration_lock.toml) throws before anything runs.
 */
export async function applyToEmptyDatabase(runScript: RunScript, dir = defaultMigrationsDir): Promise<string[]> {
  const lock = fs.existsSync(path.join(dir, 'migration_lock.toml')) ? fs.readFileSync(path.join(dir, 'migration_lock.toml'), 'utf8') : '';
  if (!/^\s*provider\s*=\s*"postgresql"\s*$/m.test(lock)) throw new Error('migration_lock.toml does not name postgresql');
  const local = localMigrationChecksums(dir);
  if (!local) throw new Error('a migration folder has no migration.sql');
  const names = [...local.keys()].sort();
  const scripts = names.map((name) => fs.readFileSync(path.join(dir, name, 'migration.sql'), 'utf8'));
  // A script that ends or opens transactions itself would commit part of ours (and a failure after it
  // could not be rolled back): such folders are the engine's. A plpgsql BEGIN matches too; the engine
  // then applies them, which is only slower.
  if (scripts.some((script) => /^\s*(BEGIN|COMMIT|ROLLBACK|START\s+TRANSACTION|END|ABORT)\b/im.test(script))) {
    throw new Error('a migration controls transactions itself');
  }
  await runScript('BEGIN');
  try {
    await runScript(CREATE_MIGRATIONS_TABLE);
    for (const [index, name] of names.entries()) {
      const id = randomUUID();
      await runScript(
        `INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at) VALUES (${literal(id)}, ${literal(local.get(name)!)}, ${literal(name)}, clock_timestamp())`,
      );
      await runScript(scripts[index]!);
      await runScript(`UPDATE _prisma_migrations SET finished_at = clock_timestamp(), applied_steps_count = 1 WHERE id = ${literal(id)}`);
    }
    await runScript('COMMIT');
  } catch (error) {
    await runScript('ROLLBACK').catch(() => {});
    throw error;
  }
  return names;
}

interface AppliedMigration {
  migration_name: string;
  checksum: string;
  finished: boolean;
}

/**
 * The cheap check made before loading the engine: true when _prisma_migrations records every folder
 * of prisma/migrations exactly once, finished, not rolled back, with the checksum Prisma computes
 * (SHA-256 of migration.sql), and nothing else. Anything else (a pending, failed, edited or unknown
 * migration) answers false and the engine decides, with its own checks and errors.
 */
export async function migrationsUpToDate(run: RunQuery, dir = defaultMigrationsDir): Promise<boolean> {
  const [table] = await run<{ exists: boolean }>(`SELECT to_regclass('_prisma_migrations') IS NOT NULL AS "exists"`);
  if (!table?.exists) return false;
  const rows = await run<AppliedMigration>(
    `SELECT migration_name, checksum, finished_at IS NOT NULL AS finished FROM _prisma_migrations WHERE rolled_back_at IS NULL`,
  );
  const local = localMigrationChecksums(dir);
  if (!local || rows.length !== local.size) return false;
  const seen = new Set<string>();
  for (const row of rows) {
    if (!row.finished || seen.has(row.migration_name) || local.get(row.migration_name) !== row.checksum) return false;
    seen.add(row.migration_name);
  }
  return true;
}

/** Folder name → SHA-256 (hex) of its migration.sql; undefined when a folder has no migration.sql. */
export function localMigrationChecksums(dir = defaultMigrationsDir): Map<string, string> | undefined {
  if (!fs.existsSync(dir)) return new Map();
  const checksums = new Map<string, string>();
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const file = path.join(dir, entry.name, 'migration.sql');
    if (!fs.existsSync(file)) return undefined;
    checksums.set(entry.name, createHash('sha256').update(fs.readFileSync(file)).digest('hex'));
  }
  return checksums;
}
