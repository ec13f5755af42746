import { PGlite } from '@electric-sql/pglite';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { describe, expect, it } from 'vitest';
import { noFilters, readMigrationList, readPrismaSchema, withSchemaEngine } from '../src/db/schema-engine.js';
import { database } from './helpers/database.js';

describe(`migrations on ${process.env.TEST_DATABASE}`, () => {
  it('apply from an empty database and record themselves in _prisma_migrations', async () => {
    // The setup file migrated this fresh database; every migration folder must be recorded as finished.
    const rows = await database.prisma.$queryRaw<Array<{ migration_name: string; finished_at: Date | null }>>`
      SELECT migration_name, finished_at FROM _prisma_migrations ORDER BY migration_name`;
    const folders = readMigrationList().migrationDirectories.map((directory) => directory.path);
    expect(folders.length).toBeGreaterThan(0);
    expect(rows.map((row) => row.migration_name)).toEqual(folders);
    expect(rows.every((row) => row.finished_at !== null)).toBe(true);
  });

  it('are idempotent: a second run applies nothing', async () => {
    expect(await database.migrate()).toEqual([]);
  });

  it('leave the database exactly as prisma/schema.prisma describes it (no drift)', async () => {
    // Compared on a throw-away PGlite: the engine replays the migrations into its shadow database,
    // and it must never use a live database for that.
    const scratch = new PGlite();
    const diff = await withSchemaEngine(new PrismaPGlite(scratch), (engine) =>
      engine.diff({
        from: { tag: 'migrations', ...readMigrationList() },
        to: { tag: 'schemaDatamodel', files: [{ path: 'schema.prisma', content: readPrismaSchema() }] },
        script: false,
        exitCode: true,
        filters: noFilters,
      }),
    );
    await scratch.close();
    // exitCode 2 means the schema has changes no migration captures: run `npm run db:migration:create`.
    expect(diff.exitCode, diff.stdout ?? '').toBe(0);
    // The WebAssembly engine replays every migration twice: give it room on a loaded machine.
  }, 120_000);
});
