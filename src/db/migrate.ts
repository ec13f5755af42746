// Applies prisma/migrations at start (and via `npm run db:migrate`), keeping Prisma's
// _prisma_migrations table so `prisma migrate deploy` stays interchangeable with it.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';

const defaultMigrationsDir = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../prisma/migrations');

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

/**
 * Start-up migration: a restart on an up-to-date database answers from one cheap query; only a
 * database with something to apply (or something wrong) pays for the engine. `applyWithEngine` is
 * the engine step (a parameter so that tests can see whether it ran).
 */
export async function migrate(
  run: RunQuery,
  adapterFactory: () => SqlMigrationAwareDriverAdapterFactory,
  { dir = defaultMigrationsDir, applyWithEngine = applyMigrations }: { dir?: string; applyWithEngine?: typeof applyMigrations } = {},
): Promise<string[]> {
  if (await migrationsUpToDate(run, dir)) return [];
  return applyWithEngine(adapterFactory(), dir);
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
function localMigrationChecksums(dir: string): Map<string, string> | undefined {
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
