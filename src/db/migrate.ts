// Applies prisma/migrations at start (and via `npm run db:migrate`), keeping Prisma's
// _prisma_migrations table so `prisma migrate deploy` stays interchangeable with it.
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { noFilters, readMigrationList, withSchemaEngine } from './schema-engine.js';

export async function applyMigrations(adapterFactory: SqlMigrationAwareDriverAdapterFactory): Promise<string[]> {
  return withSchemaEngine(adapterFactory, async (engine) => {
    const { appliedMigrationNames } = await engine.applyMigrations({
      migrationsList: readMigrationList(),
      filters: noFilters,
    });
    return appliedMigrationNames;
  });
}
